/**
 * The Multiboot v1 information structure (Multiboot Specification 0.6.96,
 * section 3.3) as QEMU's `-kernel` loader fills it (hw/i386/multiboot.c and
 * its option ROM, pc-bios/optionrom/multiboot.S):
 *
 * flags = MEMORY | BOOT_DEVICE | CMDLINE | MODS | MMAP | BOOT_LOADER_NAME
 *         (bits 0, 1, 2, 3, 6, 9 = 0x24F), QEMU's set
 * mem_lower, mem_upper = the sizes in KiB of the available regions at 0 and at
 *         1 MiB of the memory map, as QEMU's option ROM derives them from the
 *         firmware's e820 map (with SeaBIOS and -m 16: 639 and 15232; here,
 *         without a BIOS: 640 and RAM - 1 MiB, 15360 for 16 MiB)
 * boot_device = 0x8000FFFF (first BIOS disk, no partition: QEMU's constant)
 * cmdline = "<kernel path> <append>" (QEMU and GRUB legacy both put the path first)
 * mods_count/mods_addr: the module list (16 bytes each: start, end, string, 0)
 * mmap: 24-byte entries (size=20, base, length, type); type 1 = available RAM,
 *       2 = reserved. This machine has no EBDA or BIOS data, so all 640 KiB
 *       of low memory are available (QEMU's SeaBIOS reserves 0x9FC00-0x9FFFF).
 *
 * Layout at `addr`: the 88-byte structure, then the memory map, the module
 * list and the strings, each 4-byte aligned.
 */
import type { PhysicalMemory } from '../memory/physical-memory.js';

export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

// Offsets in the structure.
export const MBI_FLAGS = 0;
export const MBI_MEM_LOWER = 4;
export const MBI_MEM_UPPER = 8;
export const MBI_BOOT_DEVICE = 12;
export const MBI_CMDLINE = 16;
export const MBI_MODS_COUNT = 20;
export const MBI_MODS_ADDR = 24;
export const MBI_MMAP_LENGTH = 44;
export const MBI_MMAP_ADDR = 48;
export const MBI_BOOT_LOADER_NAME = 64;
/** Size of the structure up to and including the VBE fields. */
export const MBI_SIZE = 88;

// flags bits.
export const MBI_FLAG_MEMORY = 1 << 0;
export const MBI_FLAG_BOOT_DEVICE = 1 << 1;
export const MBI_FLAG_CMDLINE = 1 << 2;
export const MBI_FLAG_MODS = 1 << 3;
export const MBI_FLAG_MMAP = 1 << 6;
export const MBI_FLAG_BOOT_LOADER_NAME = 1 << 9;
export const MBI_FLAGS_SET =
  MBI_FLAG_MEMORY | MBI_FLAG_BOOT_DEVICE | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_BOOT_LOADER_NAME;

export const MBI_BOOT_DEVICE_VALUE = 0x8000ffff;
export const MMAP_ENTRY_SIZE = 24;
export const MODULE_ENTRY_SIZE = 16;
export const MEMORY_AVAILABLE = 1;
export const MEMORY_RESERVED = 2;

export interface MemoryRegion {
  base: number;
  length: number;
  type: number;
}

export interface MultibootModule {
  start: number;
  /** One past the last byte. */
  end: number;
  cmdline: string;
}

export interface MultibootInfoParams {
  ramBytes: number;
  cmdline: string;
  bootLoaderName: string;
  modules: readonly MultibootModule[];
}

/** The machine's memory map: low memory, the (empty) BIOS area reserved, RAM from 1 MiB. */
export function memoryMap(ramBytes: number): MemoryRegion[] {
  return [
    { base: 0, length: 0xa0000, type: MEMORY_AVAILABLE },
    { base: 0xf0000, length: 0x10000, type: MEMORY_RESERVED },
    { base: 0x100000, length: ramBytes - 0x100000, type: MEMORY_AVAILABLE },
  ];
}

/** Bytes writeMultibootInfo will use for these parameters. */
export function multibootInfoSize(p: MultibootInfoParams): number {
  const strings = [p.cmdline, p.bootLoaderName, ...p.modules.map((m) => m.cmdline)];
  let size = MBI_SIZE + memoryMap(p.ramBytes).length * MMAP_ENTRY_SIZE + p.modules.length * MODULE_ENTRY_SIZE;
  for (const s of strings) size += align4(Buffer.byteLength(s, 'utf8') + 1);
  return size;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Writes the structure and everything it points to at `addr`; returns the end address. */
export function writeMultibootInfo(mem: PhysicalMemory, addr: number, p: MultibootInfoParams): number {
  let next = addr + MBI_SIZE;
  for (let i = 0; i < MBI_SIZE; i += 4) mem.write32(addr + i, 0);
  const putString = (s: string): number => {
    const at = next;
    const bytes = Buffer.from(s, 'utf8');
    mem.load(at, bytes);
    mem.write8(at + bytes.length, 0);
    next = align4(at + bytes.length + 1);
    return at;
  };

  const map = memoryMap(p.ramBytes);
  const mmapAddr = next;
  for (const r of map) {
    mem.write32(next, MMAP_ENTRY_SIZE - 4);
    mem.write32(next + 4, r.base >>> 0);
    mem.write32(next + 8, Math.floor(r.base / 0x1_0000_0000));
    mem.write32(next + 12, r.length >>> 0);
    mem.write32(next + 16, Math.floor(r.length / 0x1_0000_0000));
    mem.write32(next + 20, r.type);
    next += MMAP_ENTRY_SIZE;
  }
  const modsAddr = next;
  next += p.modules.length * MODULE_ENTRY_SIZE;
  p.modules.forEach((m, i) => {
    const e = modsAddr + i * MODULE_ENTRY_SIZE;
    mem.write32(e, m.start);
    mem.write32(e + 4, m.end);
    mem.write32(e + 8, putString(m.cmdline));
    mem.write32(e + 12, 0);
  });

  mem.write32(addr + MBI_FLAGS, MBI_FLAGS_SET);
  mem.write32(addr + MBI_MEM_LOWER, map[0].length / 1024);
  mem.write32(addr + MBI_MEM_UPPER, Math.floor(map[2].length / 1024));
  mem.write32(addr + MBI_BOOT_DEVICE, MBI_BOOT_DEVICE_VALUE);
  mem.write32(addr + MBI_CMDLINE, putString(p.cmdline));
  mem.write32(addr + MBI_MODS_COUNT, p.modules.length);
  mem.write32(addr + MBI_MODS_ADDR, modsAddr);
  mem.write32(addr + MBI_MMAP_LENGTH, map.length * MMAP_ENTRY_SIZE);
  mem.write32(addr + MBI_MMAP_ADDR, mmapAddr);
  mem.write32(addr + MBI_BOOT_LOADER_NAME, putString(p.bootLoaderName));
  return next;
}
