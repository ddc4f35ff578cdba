/**
 * The ring-0 half of a test machine whose code runs at CPL 3 with paging on:
 * a GDT (flat kernel and user segments, a TSS, a 16-bit user code segment),
 * an IDT whose every gate is a ring-0 host entry, a TSS with SS0:ESP0 and a
 * kernel stack, all supervisor-only at linear FFC00000. The differential
 * runner (test/diff) and the fault/fuzz machine build on it; each maps its own
 * user pages.
 */
import type { Cpu } from '../../src/cpu.js';

export const KERNEL_LIN = 0xffc00000 | 0;
const GDT_LIN = KERNEL_LIN;
const IDT_LIN = KERNEL_LIN + 0x1000;
const TSS_LIN = KERNEL_LIN + 0x2000;
const ENTRY_LIN = KERNEL_LIN + 0x3000;
const KSTACK_TOP = KERNEL_LIN + 0x6000;
/** Physical pages the kernel needs: GDT, IDT, TSS, host-entry page, kernel stack x2. */
export const KERNEL_PAGES = 6;

export const KERNEL_CS = 0x08, KERNEL_DS = 0x10, USER_CS = 0x1b, USER_DS = 0x23, TSS_SEL = 0x28, USER_CS16 = 0x33;
const GDT_ENTRIES = 7;
/** Exceptions that push an error code (Intel SDM Vol. 3A table 6-1). */
export const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);

/** A segment descriptor as two dwords (Intel SDM Vol. 3A 3.4.5). */
export function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

export interface Ring3KernelLayout {
  /** Physical address of the page directory (the caller maps its user pages in it too). */
  pageDirectory: number;
  /** Physical page for the page table of the kernel's 4 MiB. */
  kernelPageTable: number;
  /** Physical base of KERNEL_PAGES pages for the kernel's tables and stack. */
  kernelPages: number;
  /** Number of IDT vectors (32 for exceptions only, 256 for every INT n). */
  vectors: number;
  /** Vectors whose gate has DPL 3, so that user code may use them with INT n. */
  userGates: ReadonlySet<number>;
  /** Called at CPL 0 with the frame pushed when the CPU enters through vector `v`. */
  onVector: (c: Cpu, v: number) => void;
}

/** Writes the kernel's tables into memory and registers its host entries. */
export function installRing3Kernel(c: Cpu, k: Ring3KernelLayout): void {
  const m = c.mem;
  m.write32(k.pageDirectory + (KERNEL_LIN >>> 22) * 4, k.kernelPageTable | 3);
  for (let i = 0; i < KERNEL_PAGES; i++) m.write32(k.kernelPageTable + i * 4, (k.kernelPages + i * 4096) | 3);
  const gdt: [number, number][] = [
    [0, 0],
    descriptor(0, 0xfffff, 0x9b, 0xc),
    descriptor(0, 0xfffff, 0x93, 0xc),
    descriptor(0, 0xfffff, 0xfb, 0xc),
    descriptor(0, 0xfffff, 0xf3, 0xc),
    descriptor(TSS_LIN, 0x67, 0x8b, 0x0),
    descriptor(0, 0xfffff, 0xfb, 0x8), // 16-bit ring-3 code, 4 GiB
  ];
  gdt.forEach(([lo, hi], i) => {
    m.write32(k.kernelPages + i * 8, lo);
    m.write32(k.kernelPages + i * 8 + 4, hi);
  });
  const idt = k.kernelPages + 0x1000;
  for (let v = 0; v < k.vectors; v++) {
    const off = ENTRY_LIN + v * 16;
    const dpl = k.userGates.has(v) ? 3 : 0;
    m.write32(idt + v * 8, (KERNEL_CS << 16) | (off & 0xffff));
    m.write32(idt + v * 8 + 4, (off & 0xffff0000) | 0x8e00 | (dpl << 13));
    c.addHostEntry(off, (cpu) => k.onVector(cpu, v));
  }
  const tss = k.kernelPages + 0x2000;
  m.write32(tss + 4, KSTACK_TOP); // ESP0
  m.write32(tss + 8, KERNEL_DS); // SS0
  m.write16(tss + 0x66, 0x68); // the I/O bitmap lies beyond the limit: no port is allowed
}

/**
 * Resets the CPU into ring 3 under this kernel: paging on (CR3 = the page
 * directory), flat user segments (or 16-bit code), descriptor tables and TR
 * loaded, the given status flags with IF set.
 */
export function enterRing3(c: Cpu, k: Ring3KernelLayout, o: { eip: number; eflags: number; code16?: boolean; cr0Extra?: number }): void {
  c.reset();
  c.cr3 = k.pageDirectory;
  c.cr0 = 0x80010011 | (o.cr0Extra ?? 0); // PG WP ET PE
  c.gdtrBase = GDT_LIN;
  c.gdtrLimit = GDT_ENTRIES * 8 - 1;
  c.idtrBase = IDT_LIN;
  c.idtrLimit = k.vectors * 8 - 1;
  c.trSel = TSS_SEL;
  c.trBase = TSS_LIN;
  c.trLimit = 0x67;
  c.trType = 11;
  c.cpl = 3;
  c.updateModeMasks();
  c.flushTlb(true);
  for (let s = 0; s < 6; s++) {
    if (s === 1) c.setSegmentCache(s, o.code16 ? USER_CS16 : USER_CS, 0, 0xffffffff, o.code16 ? 0x80fb : 0xc0fb);
    else c.setSegmentCache(s, USER_DS, 0, 0xffffffff, 0xc0f3);
  }
  c.setEflags((o.eflags & 0x0cd5) | 0x202);
  c.eip = o.eip;
}

/** The frame a gate pushed on the kernel stack: error code (or -1), EIP, EFLAGS, user ESP. */
export function readVectorFrame(c: Cpu, vector: number): { error: number; eip: number; eflags: number; esp: number } {
  let sp = c.reg32[4];
  let error = -1;
  if (HAS_ERROR_CODE.has(vector)) {
    error = c.sysRead32(sp);
    sp += 4;
  }
  return { error, eip: c.sysRead32(sp) >>> 0, eflags: c.sysRead32(sp + 8), esp: c.sysRead32(sp + 12) };
}
