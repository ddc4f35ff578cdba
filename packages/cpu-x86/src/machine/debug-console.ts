/**
 * The "port 0xE9 hack" debug console of Bochs (`port_e9_hack: enabled=1`) and
 * QEMU (`-device isa-debugcon`, `-debugcon`): every byte written to the port
 * goes straight to the host console. Reading the port returns 0xE9, which is
 * how guests detect it (QEMU's `readback` default; Bochs returns the same).
 *
 * The device is one byte wide: a 16- or 32-bit OUT to 0xE9 delivers only its
 * low byte (the others address ports 0xEA.., which nobody claims), which is
 * what QEMU's one-port isa-debugcon region and Bochs' e9 hack print. A wide
 * read returns 0xE9 in the low byte and open-bus ones above it.
 */
import type { IoDevice } from '../memory/io-bus.js';
import type { ConsoleOutput } from './console-output.js';

export const DEBUG_CONSOLE_PORT = 0xe9;
/** What a read of the port returns (per byte). */
export const DEBUG_CONSOLE_READBACK = 0xe9;

export class DebugConsole implements IoDevice {
  constructor(private readonly output: ConsoleOutput) {}

  in(_port: number, size: 1 | 2 | 4): number {
    return size === 1 ? DEBUG_CONSOLE_READBACK : size === 2 ? 0xff00 | DEBUG_CONSOLE_READBACK : (0xffffff00 | DEBUG_CONSOLE_READBACK) >>> 0;
  }

  out(_port: number, value: number): void {
    this.output.put(value & 0xff);
  }
}
