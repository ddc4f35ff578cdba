/**
 * `x86-run --multiboot KERNEL`: boots a Multiboot v1 kernel the way
 * `qemu-system-i386 -kernel KERNEL` does (hw/i386/multiboot.c), without a
 * BIOS in between.
 *
 * Loading (Multiboot Specification 0.6.96, section 3.1):
 * - the header must lie 32-bit aligned in the first 8 KiB (multiboot-header.ts);
 * - with flags bit 16 (the "a.out kludge") the header's addresses rule: the
 *   file from offset `header_offset - (header_addr - load_addr)` is loaded at
 *   load_addr up to load_end_addr (0 = to the end of the file), the memory up
 *   to bss_end_addr (if non-zero) is zeroed, and execution starts at
 *   entry_addr. This takes precedence over ELF headers, as in QEMU and GRUB;
 * - otherwise the file must be an ELF32 i386 executable: every PT_LOAD segment
 *   is copied to its physical address p_paddr and zero-filled to p_memsz; the
 *   entry point e_entry is translated from virtual to physical when it lies in
 *   a segment whose p_vaddr differs from p_paddr (as GRUB 2 and QEMU's ELF
 *   loader do for higher-half kernels).
 * - modules are placed after the kernel, each at a 4 KiB boundary (QEMU aligns
 *   them whether or not flags bit 0 asks), then the information structure
 *   (multiboot-info.ts) and a GDT on the next page.
 *
 * Machine state on entry (section 3.2):
 *   EAX = 0x2BADB002, EBX = physical address of the information structure;
 *   CS = 0x08: 32-bit code, base 0, limit 4 GiB; DS = ES = FS = GS = SS =
 *   0x10: data, base 0, limit 4 GiB; the GDT is in memory (GDTR points at it;
 *   the kernel must load its own before reloading a segment register, as the
 *   spec says); A20 enabled (this machine has no A20 gate); CR0 = PE|ET,
 *   paging off; EFLAGS = 0x2 (IF = 0, VM = 0); IDTR = the real-mode default
 *   (base 0, limit 0x3FF); ESP = 0x7000 (the spec leaves it undefined); the
 *   other general registers 0.
 */
import { CS, DS, EAX, EBX, ES, ESP, FS, GS, SS } from '../constants.js';
import type { Cpu } from '../cpu.js';
import type { PhysicalMemory } from '../memory/physical-memory.js';
import { BareMachine, type BareMachineOptions } from './bare-machine.js';
import { isElf, parseElf32, PT_LOAD } from './elf32.js';
import { findMultibootHeader } from './multiboot-header.js';
import {
  MULTIBOOT_BOOTLOADER_MAGIC, multibootInfoSize, writeMultibootInfo, type MultibootModule,
} from './multiboot-info.js';

export const MULTIBOOT_CS = 0x08;
export const MULTIBOOT_DS = 0x10;
export const MULTIBOOT_ESP = 0x7000;
export const DEFAULT_BOOT_LOADER_NAME = 'xen-ts x86-run';
/** Flat 4 GiB descriptors, accessed bit set (what the CPU would write on load). */
const GDT_ENTRIES: ReadonlyArray<[number, number]> = [
  [0, 0],
  [0x0000ffff, 0x00cf9b00], // 0x08: code, DPL 0, 32-bit, readable
  [0x0000ffff, 0x00cf9300], // 0x10: data, DPL 0, writable
];
const PAGE = 4096;

export interface ModuleImage {
  data: Uint8Array;
  /** The module's string, e.g. "initrd.img root=/dev/ram0" (QEMU: the whole -initrd element). */
  cmdline: string;
}

export interface MultibootOptions extends BareMachineOptions {
  kernel: Uint8Array;
  /** Path shown at the start of the command line (QEMU passes the -kernel argument). */
  kernelPath?: string;
  /** The rest of the command line (QEMU: -append). */
  append?: string;
  modules?: readonly ModuleImage[];
  bootLoaderName?: string;
}

export interface LoadedKernel {
  format: 'elf' | 'aout-kludge';
  entry: number;
  /** Lowest and one-past-highest physical addresses written (including bss). */
  low: number;
  high: number;
  warnings: string[];
}

export interface MultibootBoot extends LoadedKernel {
  infoAddr: number;
  gdtAddr: number;
  modules: MultibootModule[];
  cmdline: string;
}

function checkRange(mem: PhysicalMemory, start: number, end: number, what: string): void {
  if (start < 0 || end > mem.size || end < start) {
    throw new Error(
      `${what}: loads at 0x${start.toString(16)}-0x${end.toString(16)}, outside RAM (0-0x${mem.size.toString(16)}); give the machine more RAM`,
    );
  }
}

/** Loads the kernel image into memory and says where it went. */
export function loadMultibootKernel(mem: PhysicalMemory, image: Uint8Array, what = 'kernel'): LoadedKernel {
  const header = findMultibootHeader(image, what);
  const a = header.addresses;
  if (a !== undefined) {
    if (a.headerAddr < a.loadAddr || a.headerAddr - a.loadAddr > header.offset) {
      throw new Error(`${what}: inconsistent a.out-kludge addresses (header_addr 0x${a.headerAddr.toString(16)}, load_addr 0x${a.loadAddr.toString(16)})`);
    }
    const fileStart = header.offset - (a.headerAddr - a.loadAddr);
    const loadEnd = a.loadEndAddr !== 0 ? a.loadEndAddr : a.loadAddr + (image.length - fileStart);
    if (loadEnd < a.loadAddr || fileStart + (loadEnd - a.loadAddr) > image.length) {
      throw new Error(`${what}: load_end_addr 0x${loadEnd.toString(16)} lies past the end of the file`);
    }
    const bssEnd = a.bssEndAddr !== 0 ? Math.max(a.bssEndAddr, loadEnd) : loadEnd;
    checkRange(mem, a.loadAddr, bssEnd, what);
    mem.u8.set(image.subarray(fileStart, fileStart + (loadEnd - a.loadAddr)), a.loadAddr);
    mem.u8.fill(0, loadEnd, bssEnd);
    return { format: 'aout-kludge', entry: a.entryAddr, low: a.loadAddr, high: bssEnd, warnings: header.warnings };
  }
  if (!isElf(image)) {
    throw new Error(`${what}: the Multiboot header has no load addresses (flags bit 16) and the file is not ELF`);
  }
  const elf = parseElf32(image, what);
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  let entry = elf.entry;
  for (const s of elf.segments) {
    if (s.type !== PT_LOAD || s.memsz === 0) continue;
    checkRange(mem, s.paddr, s.paddr + s.memsz, what);
    mem.u8.set(image.subarray(s.offset, s.offset + s.filesz), s.paddr);
    mem.u8.fill(0, s.paddr + s.filesz, s.paddr + s.memsz);
    low = Math.min(low, s.paddr);
    high = Math.max(high, s.paddr + s.memsz);
    if (s.vaddr !== s.paddr && elf.entry >= s.vaddr && elf.entry < s.vaddr + s.memsz) {
      entry = (elf.entry - s.vaddr + s.paddr) >>> 0;
    }
  }
  if (high === 0) throw new Error(`${what}: the ELF file has no PT_LOAD segment`);
  return { format: 'elf', entry, low, high, warnings: header.warnings };
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Loads kernel and modules, writes the information structure and the GDT. */
export function prepareMultiboot(mem: PhysicalMemory, options: MultibootOptions): MultibootBoot {
  const kernel = loadMultibootKernel(mem, options.kernel, options.kernelPath ?? 'kernel');
  let next = alignUp(kernel.high, PAGE);
  const modules: MultibootModule[] = [];
  for (const m of options.modules ?? []) {
    checkRange(mem, next, next + m.data.length, `module "${m.cmdline}"`);
    mem.u8.set(m.data, next);
    modules.push({ start: next, end: next + m.data.length, cmdline: m.cmdline });
    next = alignUp(next + m.data.length, PAGE);
  }
  const cmdline = `${options.kernelPath ?? 'kernel'} ${options.append ?? ''}`;
  const params = {
    ramBytes: mem.size,
    cmdline,
    bootLoaderName: options.bootLoaderName ?? DEFAULT_BOOT_LOADER_NAME,
    modules,
  };
  const gdtAddr = next;
  const infoAddr = next + GDT_ENTRIES.length * 8;
  checkRange(mem, gdtAddr, infoAddr + multibootInfoSize(params), 'the Multiboot information');
  GDT_ENTRIES.forEach(([lo, hi], i) => {
    mem.write32(gdtAddr + i * 8, lo);
    mem.write32(gdtAddr + i * 8 + 4, hi);
  });
  writeMultibootInfo(mem, infoAddr, params);
  return { ...kernel, infoAddr, gdtAddr, modules, cmdline };
}

/** Puts the CPU in the Multiboot entry state (see the file comment). */
export function enterMultiboot(cpu: Cpu, boot: Pick<MultibootBoot, 'entry' | 'infoAddr' | 'gdtAddr'>): void {
  cpu.reset();
  cpu.reg32.fill(0);
  cpu.cr0 = 0x00000011; // PE | ET
  cpu.cpl = 0;
  cpu.updateModeMasks();
  cpu.setEflags(0x2);
  cpu.gdtrBase = boot.gdtAddr;
  cpu.gdtrLimit = GDT_ENTRIES.length * 8 - 1;
  cpu.idtrBase = 0;
  cpu.idtrLimit = 0x3ff;
  cpu.setSegmentCache(CS, MULTIBOOT_CS, 0, 0xffffffff, 0xc09b);
  for (const s of [ES, SS, DS, FS, GS]) cpu.setSegmentCache(s, MULTIBOOT_DS, 0, 0xffffffff, 0xc093);
  cpu.reg32[EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
  cpu.reg32[EBX] = boot.infoAddr;
  cpu.reg32[ESP] = MULTIBOOT_ESP;
  cpu.eip = boot.entry | 0;
  cpu.flushTlb(true);
}

/** A BareMachine with a Multiboot kernel loaded and the CPU at its entry point. */
export class MultibootMachine extends BareMachine {
  readonly boot: MultibootBoot;

  constructor(options: MultibootOptions) {
    super(options);
    this.boot = prepareMultiboot(this.memory, options);
    enterMultiboot(this.cpu, this.boot);
  }
}
