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
import { enterRing3, installRing3Kernel, readVectorFrame, type Ring3KernelLayout } from '../support/ring3-kernel.js';

// Physical layout of the test machine.
const PD = 0x1000;
const PT_DATA = 0x2000;
const PT_CODE = 0x3000;
const PT_STACK = 0x4000;
const PT_KERNEL = 0x5000;
const PHYS_DATA = 0x10000;
const PHYS_CODE = 0x11000;
const PHYS_STACK = 0x20000;
const PHYS_KERNEL = 0x40000;

/** Instructions allowed per case before it counts as a timeout. */
const CASE_BUDGET = 200_000;
/** INT3 and INTO are allowed from user mode, as on Linux (INT 80h is not generated). */
const USER_GATES = new Set([3, 4]);

export class EmulatorRunner {
  readonly cpu: Cpu;
  private readonly mem: PhysicalMemory;
  private readonly kernel: Ring3KernelLayout;
  private fault: { vector: number; errorCode: number; eip: number; cr2: number } | null = null;
  private endEip = 0;
  private finished = false;

  constructor() {
    this.mem = new PhysicalMemory(1 << 20);
    this.cpu = new Cpu({ memory: this.mem });
    this.kernel = {
      pageDirectory: PD,
      kernelPageTable: PT_KERNEL,
      kernelPages: PHYS_KERNEL,
      vectors: 32,
      userGates: USER_GATES,
      onVector: (c, v) => this.onException(c, v),
    };
    this.mapUserPages();
    installRing3Kernel(this.cpu, this.kernel);
  }

  /** The host harness's layout: data, code and stack pages at the same linear addresses. */
  private mapUserPages(): void {
    const m = this.mem;
    const map = (pt: number, index: number, phys: number): void => m.write32(pt + index * 4, phys | 7);
    m.write32(PD + (DATA_BASE >>> 22) * 4, PT_DATA | 7);
    m.write32(PD + (CODE_BASE >>> 22) * 4, PT_CODE | 7);
    m.write32(PD + (STACK_BASE >>> 22) * 4, PT_STACK | 7);
    map(PT_DATA, (DATA_BASE >>> 12) & 0x3ff, PHYS_DATA);
    map(PT_CODE, (CODE_BASE >>> 12) & 0x3ff, PHYS_CODE);
    for (let i = 0; i < STACK_SIZE / 4096; i++) map(PT_STACK, ((STACK_BASE >>> 12) & 0x3ff) + i, PHYS_STACK + i * 4096);
  }

  private onException(c: Cpu, vector: number): void {
    const frame = readVectorFrame(c, vector);
    const errorCode = frame.error < 0 ? 0 : frame.error;
    c.reg32[4] = frame.esp;
    c.setEflags(frame.eflags);
    if (vector === 13 && frame.eip === this.endEip >>> 0 && errorCode === 0) {
      this.finished = true; // the HLT placed after the case code
    } else {
      this.fault = { vector, errorCode, eip: frame.eip | 0, cr2: vector === 14 ? c.cr2 : 0 };
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
    // CR0.NE: x87 errors raise #MF (vector 16), as on Linux.
    enterRing3(c, this.kernel, { eip: CODE_BASE, eflags: tc.eflags & EFLAGS_SETTABLE, cr0Extra: 0x20 });
    for (let i = 0; i < 8; i++) c.reg32[i] = tc.regs[i];
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
