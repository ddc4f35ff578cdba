// Runs DiffCases on cpu-x86 the way the native harness runs them on the host:
// a ring-3 flat process with paging on, the same linear layout (data, code,
// stack), and every exception caught by a ring-0 host entry that records the
// vector, error code, faulting EIP and CR2, as the host kernel's signal frame
// reports them.
import { Cpu, StopReason } from '../../src/cpu.js';
import { PhysicalMemory } from '../../src/memory/physical-memory.js';
import {
  CODE_BASE, DATA_BASE, DATA_SIZE, STACK_BASE, STACK_SIZE, STACK_WINDOW_BASE, STACK_WINDOW_SIZE, EFLAGS_SETTABLE,
  type DiffCase, type DiffResult,
} from './diff-case.js';

// Physical layout of the test machine.
const PD = 0x1000;
const PT_DATA = 0x2000;
const PT_CODE = 0x3000;
const PT_STACK = 0x4000;
const PT_KERNEL = 0x5000;
const PHYS_DATA = 0x10000;
const PHYS_CODE = 0x11000;
const PHYS_STACK = 0x20000;
const PHYS_KERNEL = 0x40000; // GDT, IDT, TSS, host-entry page, kernel stack (6 pages)
const KERNEL_LIN = 0xffc00000 | 0;
const GDT_LIN = KERNEL_LIN;
const IDT_LIN = KERNEL_LIN + 0x1000;
const TSS_LIN = KERNEL_LIN + 0x2000;
const ENTRY_LIN = KERNEL_LIN + 0x3000;
const KSTACK_TOP = KERNEL_LIN + 0x6000;

const USER_CS = 0x1b, USER_DS = 0x23, KERNEL_CS = 0x08, KERNEL_DS = 0x10, TSS_SEL = 0x28;
/** Exceptions that push an error code (Intel SDM Vol. 3A table 6-1). */
const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);
/** Instructions allowed per case before it counts as a timeout. */
const CASE_BUDGET = 200_000;

function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

export class EmulatorRunner {
  readonly cpu: Cpu;
  private readonly mem: PhysicalMemory;
  private fault: { vector: number; errorCode: number; eip: number; cr2: number } | null = null;
  private endEip = 0;
  private finished = false;

  constructor() {
    this.mem = new PhysicalMemory(1 << 20);
    this.cpu = new Cpu({ memory: this.mem });
    this.buildTables();
  }

  private buildTables(): void {
    const m = this.mem;
    const map = (pt: number, index: number, phys: number, flags: number): void => m.write32(pt + index * 4, phys | flags);
    m.write32(PD + (DATA_BASE >>> 22) * 4, PT_DATA | 7);
    m.write32(PD + (CODE_BASE >>> 22) * 4, PT_CODE | 7);
    m.write32(PD + (STACK_BASE >>> 22) * 4, PT_STACK | 7);
    m.write32(PD + (KERNEL_LIN >>> 22) * 4, PT_KERNEL | 3);
    map(PT_DATA, (DATA_BASE >>> 12) & 0x3ff, PHYS_DATA, 7);
    map(PT_CODE, (CODE_BASE >>> 12) & 0x3ff, PHYS_CODE, 7);
    for (let i = 0; i < STACK_SIZE / 4096; i++) map(PT_STACK, ((STACK_BASE >>> 12) & 0x3ff) + i, PHYS_STACK + i * 4096, 7);
    for (let i = 0; i < 6; i++) map(PT_KERNEL, i, PHYS_KERNEL + i * 4096, 3);

    const gdt: [number, number][] = [
      [0, 0],
      descriptor(0, 0xfffff, 0x9b, 0xc),
      descriptor(0, 0xfffff, 0x93, 0xc),
      descriptor(0, 0xfffff, 0xfb, 0xc),
      descriptor(0, 0xfffff, 0xf3, 0xc),
      descriptor(TSS_LIN, 0x67, 0x8b, 0x0),
    ];
    gdt.forEach(([lo, hi], i) => {
      m.write32(PHYS_KERNEL + i * 8, lo);
      m.write32(PHYS_KERNEL + i * 8 + 4, hi);
    });
    for (let v = 0; v < 32; v++) {
      const off = ENTRY_LIN + v * 16;
      const dpl = v === 3 || v === 4 ? 3 : 0; // INT3 and INTO are allowed from user mode, as on Linux
      m.write32(PHYS_KERNEL + 0x1000 + v * 8, (KERNEL_CS << 16) | (off & 0xffff));
      m.write32(PHYS_KERNEL + 0x1000 + v * 8 + 4, (off & 0xffff0000) | 0x8e00 | (dpl << 13));
      this.cpu.addHostEntry(off, (c) => this.onException(c, v));
    }
    m.write32(PHYS_KERNEL + 0x2000 + 4, KSTACK_TOP); // ESP0
    m.write32(PHYS_KERNEL + 0x2000 + 8, KERNEL_DS); // SS0
    m.write16(PHYS_KERNEL + 0x2000 + 0x66, 0x68); // no I/O bitmap (beyond the limit)
  }

  private onException(c: Cpu, vector: number): void {
    let sp = c.reg32[4];
    let errorCode = 0;
    if (HAS_ERROR_CODE.has(vector)) {
      errorCode = c.sysRead32(sp);
      sp += 4;
    }
    const eip = c.sysRead32(sp);
    const eflags = c.sysRead32(sp + 8);
    const userEsp = c.sysRead32(sp + 12);
    c.reg32[4] = userEsp;
    c.setEflags(eflags);
    if (vector === 13 && eip === this.endEip && errorCode === 0) {
      this.finished = true; // the HLT placed after the case code
    } else {
      this.fault = { vector, errorCode, eip, cr2: vector === 14 ? c.cr2 : 0 };
    }
    c.requestStop();
  }

  /** Resets the machine to the case's initial state. */
  private load(tc: DiffCase): void {
    const c = this.cpu;
    const m = this.mem;
    m.u8.fill(0, PHYS_STACK, PHYS_STACK + STACK_SIZE);
    m.u8.set(tc.data, PHYS_DATA);
    if (tc.stack) m.u8.set(tc.stack, PHYS_STACK + (STACK_WINDOW_BASE - STACK_BASE));
    m.u8.fill(0xf4, PHYS_CODE, PHYS_CODE + 4096);
    m.u8.set(tc.code, PHYS_CODE);
    this.endEip = (CODE_BASE + tc.code.length) | 0;

    c.reset();
    c.cr3 = PD;
    c.cr0 = 0x80000011 | 0x10000 | 0x20; // PG, PE, ET, WP, NE (x87 errors raise #MF, vector 16, as on Linux)
    c.gdtrBase = GDT_LIN;
    c.gdtrLimit = 6 * 8 - 1;
    c.idtrBase = IDT_LIN;
    c.idtrLimit = 32 * 8 - 1;
    c.trSel = TSS_SEL;
    c.trBase = TSS_LIN;
    c.trLimit = 0x67;
    c.trType = 11;
    c.cpl = 3;
    c.updateModeMasks();
    c.flushTlb(true);
    for (let s = 0; s < 6; s++) {
      if (s === 1) c.setSegmentCache(s, USER_CS, 0, 0xffffffff, 0xc0fb);
      else c.setSegmentCache(s, USER_DS, 0, 0xffffffff, 0xc0f3);
    }
    for (let i = 0; i < 8; i++) c.reg32[i] = tc.regs[i];
    c.setEflags((tc.eflags & EFLAGS_SETTABLE) | 0x202);
    c.eip = CODE_BASE;
    this.fault = null;
    this.finished = false;
  }

  run(tc: DiffCase): DiffResult {
    const c = this.cpu;
    this.load(tc);
    const stop = c.run(CASE_BUDGET);
    const timeout = stop === StopReason.Budget && !this.finished && this.fault === null;
    if (stop === StopReason.Shutdown) throw new Error('emulated machine shut down (broken exception set-up)');
    const regs = new Uint32Array(8);
    for (let i = 0; i < 8; i++) regs[i] = c.reg32[i];
    return {
      fault: this.fault,
      timeout,
      regs,
      eflags: c.getEflags(),
      data: this.mem.u8.slice(PHYS_DATA, PHYS_DATA + DATA_SIZE),
      stack: this.mem.u8.slice(PHYS_STACK + (STACK_WINDOW_BASE - STACK_BASE), PHYS_STACK + (STACK_WINDOW_BASE - STACK_BASE) + STACK_WINDOW_SIZE),
    };
  }
}

export function runEmulated(cases: DiffCase[]): DiffResult[] {
  const runner = new EmulatorRunner();
  return cases.map((tc) => runner.run(tc));
}
