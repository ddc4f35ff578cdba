/**
 * A small protected-mode machine with real descriptor tables in emulated
 * memory (GDT, IDT, LDT, TSS), for tests of privilege, interrupts, task
 * switching and paging. Layout (physical = linear until paging is turned on):
 *
 *   0x01000  GDT (128 entries)          0x01800  LDT (32 entries)
 *   0x02000  IDT (256 gates)            0x03000  main TSS (+ I/O bitmap to 0x5068)
 *   0x06000  spare TSSes (0x200 apart)  0x08000  exception stubs, 16 bytes a vector
 *   0x10000  ring-0 code                0x20000  ring-1 code     0x30000  ring-3 code
 *   0x50000  ring-3 stack top           0x60000  ring-1 stack top
 *   0x70000  ring-0 stack top (TSS ESP0)
 *   0x100000 and up: free (page tables, data)
 *
 * Every IDT vector gets a 32-bit interrupt gate (DPL 0; 3 for #BP, #OF and
 * 0x80) to a ring-0 stub `hlt; [add esp, 4;] iret`, so running until HLT
 * leaves the CPU in the handler with the frame on the ring-0 stack.
 */
import { Cpu, StopReason } from '../../src/cpu.js';
import { CS, DS, ES, FS, GS, SS } from '../../src/constants.js';
import { PhysicalMemory } from '../../src/memory/physical-memory.js';
import { loadTr } from '../../src/ops/system.js';

export type Desc = readonly [number, number];

export const GDT_BASE = 0x1000;
export const GDT_ENTRIES = 128;
export const LDT_BASE = 0x1800;
export const LDT_ENTRIES = 32;
export const IDT_BASE = 0x2000;
export const TSS_BASE = 0x3000;
export const IOMAP_OFFSET = 0x68;
export const SPARE_TSS = 0x6000;
export const STUB_BASE = 0x8000;
export const CODE0 = 0x10000;
export const CODE1 = 0x20000;
export const CODE3 = 0x30000;
export const STACK3 = 0x50000;
export const STACK1 = 0x60000;
export const STACK0 = 0x70000;
export const FREE = 0x100000;

// Selectors of the standard GDT.
export const KCODE = 0x08;
export const KDATA = 0x10;
export const R1CODE = 0x19;
export const R1DATA = 0x21;
export const UCODE = 0x2b;
export const UDATA = 0x33;
export const TSS_SEL = 0x38;
/** First GDT index free for a test (selector 0x40). */
export const FIRST_FREE_INDEX = 8;

/** Vectors whose exceptions push an error code. */
export const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);

// --- Descriptor encoding (Intel SDM Vol. 3A 3.4.5, 6.11, 7.2) --------------

/** Access byte bits. */
export const ACC_P = 0x80, ACC_S = 0x10, ACC_CODE = 0x08, ACC_CONFORMING = 0x04, ACC_EXPDOWN = 0x04, ACC_RW = 0x02, ACC_A = 0x01;
/** Flags nibble bits (descriptor bits 52-55). */
export const FL_G = 0x8, FL_DB = 0x4;

/** A code/data/system descriptor from its fields; `limit` is the raw 20-bit field. */
export function descriptor(base: number, limit: number, access: number, flags = 0): Desc {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

export interface SegOptions {
  base?: number;
  /** Raw limit field (default 0xFFFFF with G: 4 GiB). */
  limit?: number;
  g?: boolean;
  /** D/B bit (default true). */
  big?: boolean;
  present?: boolean;
  accessed?: boolean;
}

export function codeSeg(dpl: number, o: SegOptions & { conforming?: boolean; readable?: boolean } = {}): Desc {
  const access =
    (o.present === false ? 0 : ACC_P) | (dpl << 5) | ACC_S | ACC_CODE | (o.conforming ? ACC_CONFORMING : 0) |
    (o.readable === false ? 0 : ACC_RW) | (o.accessed ? ACC_A : 0);
  return descriptor(o.base ?? 0, o.limit ?? 0xfffff, access, (o.g ?? o.limit === undefined ? FL_G : 0) | (o.big === false ? 0 : FL_DB));
}

export function dataSeg(dpl: number, o: SegOptions & { writable?: boolean; expandDown?: boolean } = {}): Desc {
  const access =
    (o.present === false ? 0 : ACC_P) | (dpl << 5) | ACC_S | (o.expandDown ? ACC_EXPDOWN : 0) |
    (o.writable === false ? 0 : ACC_RW) | (o.accessed ? ACC_A : 0);
  return descriptor(o.base ?? 0, o.limit ?? 0xfffff, access, (o.g ?? o.limit === undefined ? FL_G : 0) | (o.big === false ? 0 : FL_DB));
}

/** A TSS descriptor: 32-bit (type 9/11) or 16-bit (1/3). */
export function tssDesc(base: number, limit: number, o: { busy?: boolean; bits16?: boolean; dpl?: number; present?: boolean } = {}): Desc {
  const type = (o.bits16 ? 1 : 9) | (o.busy ? 2 : 0);
  return descriptor(base, limit, (o.present === false ? 0 : ACC_P) | ((o.dpl ?? 0) << 5) | type);
}

export function ldtDesc(base: number, limit: number, present = true): Desc {
  return descriptor(base, limit, (present ? ACC_P : 0) | 0x02);
}

export const GATE_TASK = 0x5, GATE_CALL16 = 0x4, GATE_INT16 = 0x6, GATE_TRAP16 = 0x7;
export const GATE_CALL32 = 0xc, GATE_INT32 = 0xe, GATE_TRAP32 = 0xf;

/** A gate descriptor (call, interrupt, trap or task gate). */
export function gate(type: number, selector: number, offset: number, dpl: number, o: { params?: number; present?: boolean } = {}): Desc {
  const lo = ((selector & 0xffff) << 16) | (offset & 0xffff);
  const hi = (offset & 0xffff0000) | (o.present === false ? 0 : 0x8000) | (dpl << 13) | (type << 8) | ((o.params ?? 0) & 0x1f);
  return [lo | 0, hi | 0];
}

// --- TSS images (Intel SDM Vol. 3A figures 7-2 and 7-11) -------------------

export interface Tss32 {
  link: number;
  esp0: number; ss0: number; esp1: number; ss1: number; esp2: number; ss2: number;
  cr3: number; eip: number; eflags: number;
  eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number;
  es: number; cs: number; ss: number; ds: number; fs: number; gs: number;
  ldt: number; trap: number; iomap: number;
}

const TSS32_LAYOUT: [keyof Tss32, number, 2 | 4][] = [
  ['link', 0x00, 2], ['esp0', 0x04, 4], ['ss0', 0x08, 2], ['esp1', 0x0c, 4], ['ss1', 0x10, 2],
  ['esp2', 0x14, 4], ['ss2', 0x18, 2], ['cr3', 0x1c, 4], ['eip', 0x20, 4], ['eflags', 0x24, 4],
  ['eax', 0x28, 4], ['ecx', 0x2c, 4], ['edx', 0x30, 4], ['ebx', 0x34, 4], ['esp', 0x38, 4],
  ['ebp', 0x3c, 4], ['esi', 0x40, 4], ['edi', 0x44, 4], ['es', 0x48, 2], ['cs', 0x4c, 2],
  ['ss', 0x50, 2], ['ds', 0x54, 2], ['fs', 0x58, 2], ['gs', 0x5c, 2], ['ldt', 0x60, 2],
  ['trap', 0x64, 2], ['iomap', 0x66, 2],
];

export interface Tss16 {
  link: number; sp0: number; ss0: number; sp1: number; ss1: number; sp2: number; ss2: number;
  ip: number; flags: number; ax: number; cx: number; dx: number; bx: number; sp: number; bp: number; si: number; di: number;
  es: number; cs: number; ss: number; ds: number; ldt: number;
}

const TSS16_LAYOUT: [keyof Tss16, number][] = [
  ['link', 0x00], ['sp0', 0x02], ['ss0', 0x04], ['sp1', 0x06], ['ss1', 0x08], ['sp2', 0x0a], ['ss2', 0x0c],
  ['ip', 0x0e], ['flags', 0x10], ['ax', 0x12], ['cx', 0x14], ['dx', 0x16], ['bx', 0x18], ['sp', 0x1a],
  ['bp', 0x1c], ['si', 0x1e], ['di', 0x20], ['es', 0x22], ['cs', 0x24], ['ss', 0x26], ['ds', 0x28], ['ldt', 0x2a],
];

// --- The machine -------------------------------------------------------------

export interface MachineOptions {
  ramBytes?: number;
  /** TSS limit of the main TSS (default 0x67: no I/O bitmap). */
  tssLimit?: number;
}

export class ProtectedMachine {
  readonly mem: PhysicalMemory;
  readonly cpu: Cpu;

  constructor(o: MachineOptions = {}) {
    this.mem = new PhysicalMemory(o.ramBytes ?? 8 << 20);
    const c = (this.cpu = new Cpu({ memory: this.mem }));
    this.setGdt(1, codeSeg(0));
    this.setGdt(2, dataSeg(0));
    this.setGdt(3, codeSeg(1));
    this.setGdt(4, dataSeg(1));
    this.setGdt(5, codeSeg(3));
    this.setGdt(6, dataSeg(3));
    this.setGdt(7, tssDesc(TSS_BASE, o.tssLimit ?? 0x67));
    this.writeTss32(TSS_BASE, {
      esp0: STACK0, ss0: KDATA, esp1: STACK1, ss1: R1DATA, esp2: 0, ss2: 0, iomap: IOMAP_OFFSET,
    });
    for (let v = 0; v < 256; v++) {
      const stub = STUB_BASE + v * 16;
      const code = ERROR_CODE_VECTORS.has(v) ? [0xf4, 0x83, 0xc4, 0x04, 0xcf] : [0xf4, 0xcf];
      this.mem.load(stub, Uint8Array.from(code));
      this.setIdt(v, gate(GATE_INT32, KCODE, stub, v === 3 || v === 4 || v === 0x80 ? 3 : 0));
    }
    c.gdtrBase = GDT_BASE;
    c.gdtrLimit = GDT_ENTRIES * 8 - 1;
    c.idtrBase = IDT_BASE;
    c.idtrLimit = 256 * 8 - 1;
    c.cr0 |= 1;
    c.cpl = 0;
    c.updateModeMasks();
    for (let s = 0; s < 6; s++) c.recomputeSegmentChecks(s);
    this.enter(0, CODE0);
    loadTr(c, TSS_SEL);
  }

  // --- Tables

  setGdt(index: number, d: Desc): void {
    this.mem.write32(GDT_BASE + index * 8, d[0]);
    this.mem.write32(GDT_BASE + index * 8 + 4, d[1]);
  }

  getGdt(index: number): Desc {
    return [this.mem.read32(GDT_BASE + index * 8) | 0, this.mem.read32(GDT_BASE + index * 8 + 4) | 0];
  }

  /** Access byte of GDT entry `index` (type, S, DPL, P). */
  gdtAccess(index: number): number {
    return this.mem.read8(GDT_BASE + index * 8 + 5);
  }

  setLdt(index: number, d: Desc): void {
    this.mem.write32(LDT_BASE + index * 8, d[0]);
    this.mem.write32(LDT_BASE + index * 8 + 4, d[1]);
  }

  setIdt(vector: number, d: Desc): void {
    this.mem.write32(IDT_BASE + vector * 8, d[0]);
    this.mem.write32(IDT_BASE + vector * 8 + 4, d[1]);
  }

  /** Installs an LDT descriptor at GDT `index` and loads LDTR with it (cache only). */
  useLdt(index: number, entries = LDT_ENTRIES): number {
    this.setGdt(index, ldtDesc(LDT_BASE, entries * 8 - 1));
    this.cpu.ldtrSel = index * 8;
    this.cpu.ldtrBase = LDT_BASE;
    this.cpu.ldtrLimit = entries * 8 - 1;
    return index * 8;
  }

  writeTss32(base: number, fields: Partial<Tss32>): void {
    for (const [name, off, size] of TSS32_LAYOUT) {
      const v = fields[name];
      if (v === undefined) continue;
      if (size === 4) this.mem.write32(base + off, v);
      else this.mem.write16(base + off, v);
    }
  }

  readTss32(base: number): Tss32 {
    const out = {} as Tss32;
    for (const [name, off, size] of TSS32_LAYOUT) out[name] = size === 4 ? this.mem.read32(base + off) >>> 0 : this.mem.read16(base + off);
    return out;
  }

  writeTss16(base: number, fields: Partial<Tss16>): void {
    for (const [name, off] of TSS16_LAYOUT) {
      const v = fields[name];
      if (v !== undefined) this.mem.write16(base + off, v);
    }
  }

  readTss16(base: number): Tss16 {
    const out = {} as Tss16;
    for (const [name, off] of TSS16_LAYOUT) out[name] = this.mem.read16(base + off);
    return out;
  }

  /** Gives the main TSS an I/O bitmap denying every port except `allowed`, and the limit to cover it. */
  setIoBitmap(allowed: number[], limit = IOMAP_OFFSET + 0x2000): void {
    for (let i = 0; i < 0x2001; i++) this.mem.write8(TSS_BASE + IOMAP_OFFSET + i, 0xff);
    for (const p of allowed) {
      const a = TSS_BASE + IOMAP_OFFSET + (p >>> 3);
      this.mem.write8(a, this.mem.read8(a) & ~(1 << (p & 7)));
    }
    this.setGdt(7, tssDesc(TSS_BASE, limit, { busy: true }));
    this.cpu.trLimit = limit;
  }

  // --- CPU state

  /**
   * Loads a segment register's cache straight from the descriptor `selector`
   * names (as a successful load would have), without checks.
   */
  loadSeg(seg: number, selector: number): void {
    const c = this.cpu;
    if ((selector & 0xfffc) === 0) {
      c.setSegmentCache(seg, selector, 0, 0, 0x10000);
      return;
    }
    const tableBase = (selector & 4) !== 0 ? LDT_BASE : GDT_BASE;
    const a = tableBase + (selector & 0xfff8);
    const lo = this.mem.read32(a);
    const hi = this.mem.read32(a + 4);
    const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
    const raw = (lo & 0xffff) | (hi & 0xf0000);
    const limit = (hi & 0x800000) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
    c.setSegmentCache(seg, selector, base, limit, (hi >>> 8) & 0xf0ff);
  }

  /** Puts the CPU at `ring` with that ring's standard flat selectors, stack and EIP. */
  enter(ring: 0 | 1 | 3, eip: number, esp?: number): void {
    const c = this.cpu;
    const [code, data, stack] = ring === 0 ? [KCODE, KDATA, STACK0] : ring === 1 ? [R1CODE, R1DATA, STACK1] : [UCODE, UDATA, STACK3];
    c.cpl = ring;
    c.updateModeMasks();
    this.loadSeg(CS, code);
    for (const s of [SS, DS, ES, FS, GS]) this.loadSeg(s, data);
    c.reg32[4] = esp ?? stack;
    c.eip = eip;
    c.halted = false;
  }

  /** Writes code bytes at a linear (= physical before paging) address. */
  code(addr: number, bytes: number[]): void {
    this.mem.load(addr, Uint8Array.from(bytes));
  }

  /** Runs from the current state until HLT (or another stop); clears a previous halt first. */
  run(budget = 10_000): StopReason {
    this.cpu.halted = false;
    return this.cpu.run(budget);
  }

  /** Loads code at `addr` for `ring`, enters it and runs until HLT. */
  exec(ring: 0 | 1 | 3, bytes: number[], addr = ring === 0 ? CODE0 : ring === 1 ? CODE1 : CODE3): StopReason {
    this.code(addr, bytes);
    this.enter(ring, addr);
    return this.run();
  }

  /** The vector whose stub the CPU halted in, or -1 (EIP is just past the stub's HLT). */
  get vector(): number {
    const off = this.cpu.eip - 1 - STUB_BASE;
    if (off < 0 || off >= 256 * 16 || off % 16 !== 0 || this.cpu.segBase[CS] !== 0) return -1;
    return off / 16;
  }

  /** Dword `i` of the current stack (SS:ESP + 4i), read physically (paging off or identity mapped). */
  stack(i: number): number {
    const c = this.cpu;
    return this.mem.read32((c.segBase[SS] + c.reg32[4] + 4 * i) >>> 0) >>> 0;
  }

  /** The interrupt frame at the handler's stack: error code (if any), EIP, CS, EFLAGS, [ESP, SS]. */
  frame(): { error: number; eip: number; cs: number; eflags: number; esp: number; ss: number } {
    const v = this.vector;
    const e = ERROR_CODE_VECTORS.has(v) ? 1 : 0;
    return {
      error: e ? this.stack(0) : -1,
      eip: this.stack(e),
      cs: this.stack(e + 1) & 0xffff,
      eflags: this.stack(e + 2),
      esp: this.stack(e + 3),
      ss: this.stack(e + 4) & 0xffff,
    };
  }

  /** Runs and expects to stop in the stub of `vector`; returns the frame. */
  expectVector(expectedVector: number): ReturnType<ProtectedMachine['frame']> {
    const stop = this.run();
    if (stop !== StopReason.Halt || this.vector !== expectedVector) {
      throw new Error(
        `expected vector ${expectedVector}, got stop ${stop} vector ${this.vector} at eip=${(this.cpu.eip >>> 0).toString(16)}`,
      );
    }
    return this.frame();
  }
}

// --- Tiny encoders for common instructions (32-bit operand size) -----------

export const asm = {
  movEaxImm: (v: number): number[] => [0xb8, ...le32(v)],
  movRegImm: (r: number, v: number): number[] => [0xb8 + r, ...le32(v)],
  /** mov sreg, ax */
  movSregAx: (sreg: number): number[] => [0x8e, 0xc0 | (sreg << 3)],
  /** mov [abs32], eax */
  movMemEax: (addr: number): number[] => [0xa3, ...le32(addr)],
  /** mov eax, [abs32] */
  movEaxMem: (addr: number): number[] => [0xa1, ...le32(addr)],
  jmpFar: (sel: number, off: number): number[] => [0xea, ...le32(off), sel & 0xff, sel >>> 8],
  callFar: (sel: number, off: number): number[] => [0x9a, ...le32(off), sel & 0xff, sel >>> 8],
  int: (n: number): number[] => [0xcd, n],
  hlt: [0xf4],
  iret: [0xcf],
  nop: [0x90],
};

export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

export function le16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
