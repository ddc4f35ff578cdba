/**
 * `x86-run --rom IMAGE`: a bare PC that starts executing a firmware image at
 * the reset vector, as `qemu-system-i386 -bios IMAGE` or Bochs' `romimage:`
 * do, without their chipset.
 *
 * The image is mapped twice:
 * - at the top of the 4 GiB physical space, ending at 0xFFFFFFFF, as a
 *   read-only MMIO window (the flash chip): the CPU leaves reset at
 *   F000:FFF0 with CS.base = 0xFFFF0000, i.e. linear 0xFFFFFFF0, the image's
 *   last 16 bytes;
 * - copied into RAM so that it ends at 1 MiB (the "isa-bios" shadow at
 *   0xE0000-0xFFFFF): only its last 128 KiB, as QEMU does, so a 64 KiB image
 *   occupies 0xF0000-0xFFFFF. The far jump at the reset vector to F000:xxxx
 *   lands there. Unlike QEMU (whose i440FX PAM registers make the shadow
 *   read-only until the firmware unlocks it) the copy is ordinary writable RAM.
 *
 * Everything else is the BareMachine: RAM (default 16 MiB), the debug
 * console, COM1, isa-debug-exit.
 */
import { BareMachine, type BareMachineOptions } from './bare-machine.js';
import { RomWindow } from './rom-window.js';

/** Largest image accepted (the top-of-4G window; QEMU allows a few MiB of flash too). */
export const MAX_ROM_BYTES = 16 * 1024 * 1024;
/** How much of the image is shadowed below 1 MiB (QEMU's isa-bios window). */
export const LOW_ROM_WINDOW = 128 * 1024;
const FOUR_GIB = 0x1_0000_0000;
const ONE_MIB = 0x10_0000;

export interface RomMachineOptions extends BareMachineOptions {
  rom: Uint8Array;
}

export class RomMachine extends BareMachine {
  readonly rom: Uint8Array;
  readonly romWindow: RomWindow;

  constructor(options: RomMachineOptions) {
    super(options);
    const rom = options.rom;
    if (rom.length === 0) throw new RangeError('the ROM image is empty');
    if (rom.length > MAX_ROM_BYTES) {
      throw new RangeError(`the ROM image is ${rom.length} bytes; at most ${MAX_ROM_BYTES} are supported`);
    }
    if (this.memory.size < ONE_MIB) throw new RangeError('a ROM machine needs at least 1 MiB of RAM');
    this.rom = rom;
    this.romWindow = new RomWindow(rom, FOUR_GIB);
    this.memory.mapMmio(this.romWindow.windowBase, this.romWindow.windowLength, this.romWindow);
    const low = rom.subarray(Math.max(0, rom.length - LOW_ROM_WINDOW));
    this.memory.u8.set(low, ONE_MIB - low.length);
    this.cpu.reset();
  }
}
