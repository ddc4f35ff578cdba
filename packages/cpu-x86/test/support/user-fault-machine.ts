/**
 * A ring-3 flat process with paging on, where every IDT vector is a ring-0
 * host entry that records the event (vector, error code, pushed EIP, CR2) and
 * stops the CPU: the machine of test/diff/emulator-runner.ts, with all 256
 * vectors, a 16-bit code segment as well, and a read-only and a
 * supervisor-only user-range page. For fuzzing and fault tests.
 *
 * Linear layout (everything else is unmapped, so stray accesses raise #PF):
 *
 *   00400000  code page (user, read/write: self-modifying code is allowed)
 *   00401000  data, 2 pages (user, read/write)
 *   00403000  data, 1 page (user, read-only)
 *   00404000  1 page (supervisor only)
 *   00405000  stack, 2 pages (user, read/write); ESP starts at 00406F00
 *   FFC00000  GDT, IDT, TSS, host-entry page, kernel stack (supervisor)
 */
import { Cpu, StopReason } from '../../src/cpu.js';
import { PhysicalMemory } from '../../src/memory/physical-memory.js';
import { enterRing3, installRing3Kernel, readVectorFrame, type Ring3KernelLayout } from './ring3-kernel.js';

export const UCODE_LIN = 0x00400000;
export const UDATA_LIN = 0x00401000;
export const URODATA_LIN = 0x00403000;
export const USUPER_LIN = 0x00404000;
export const USTACK_LIN = 0x00405000;
export const USTACK_TOP = 0x00406f00;

const PD = 0x1000, PT_USER = 0x2000, PT_KERNEL = 0x3000;
const PHYS_USER = 0x10000; // 7 pages: code, data x2, rodata, super, stack x2
const PHYS_KERNEL = 0x20000;

export { HAS_ERROR_CODE, KERNEL_CS, KERNEL_DS, TSS_SEL, USER_CS, USER_CS16, USER_DS } from './ring3-kernel.js';
/** Gates user code may use with INT n (as on Linux: INT3, INTO, INT 80h). */
export const USER_GATES = new Set([3, 4, 0x80]);

export interface UserEvent {
  vector: number;
  /** Error code, or -1 for vectors without one. */
  error: number;
  /** EIP in the frame: the faulting instruction for faults, the next one for traps and INT n. */
  eip: number;
  cr2: number;
}

export class UserFaultMachine {
  readonly mem = new PhysicalMemory(1 << 20);
  readonly cpu = new Cpu({ memory: this.mem });
  /** The event that stopped the last run, if any. */
  event: UserEvent | null = null;

  private readonly kernel: Ring3KernelLayout = {
    pageDirectory: PD,
    kernelPageTable: PT_KERNEL,
    kernelPages: PHYS_KERNEL,
    vectors: 256,
    userGates: USER_GATES,
    onVector: (c, v) => this.onEvent(c, v),
  };

  constructor() {
    const m = this.mem;
    m.write32(PD + (UCODE_LIN >>> 22) * 4, PT_USER | 7);
    // code, data x2 (read/write), rodata (read-only), supervisor-only, stack x2
    const userPages: [number, number][] = [[0, 7], [1, 7], [2, 7], [3, 5], [4, 3], [5, 7], [6, 7]];
    for (const [i, flags] of userPages) m.write32(PT_USER + (((UCODE_LIN >>> 12) + i) & 0x3ff) * 4, (PHYS_USER + i * 4096) | flags);
    installRing3Kernel(this.cpu, this.kernel);
  }

  private onEvent(c: Cpu, vector: number): void {
    const frame = readVectorFrame(c, vector);
    this.event = { vector, error: frame.error, eip: frame.eip, cr2: vector === 14 ? c.cr2 >>> 0 : 0 };
    c.requestStop();
  }

  /** Physical address of a user linear address (for loading and inspecting). */
  phys(lin: number): number {
    return PHYS_USER + (lin - UCODE_LIN);
  }

  /**
   * Resets the CPU to ring 3 at the start of the code page with `code` there
   * (the rest of the page is `fill`), the given registers and status flags.
   */
  load(code: Uint8Array, o: { regs?: ArrayLike<number>; eflags?: number; code16?: boolean; fill?: Uint8Array | number } = {}): void {
    const c = this.cpu;
    const m = this.mem;
    const fill = o.fill ?? 0xf4;
    if (typeof fill === 'number') m.u8.fill(fill, PHYS_USER, PHYS_USER + 4096);
    else m.u8.set(fill.subarray(0, 4096), PHYS_USER);
    m.u8.set(code, PHYS_USER);
    enterRing3(c, this.kernel, { eip: UCODE_LIN, eflags: o.eflags ?? 0, code16: o.code16 });
    for (let i = 0; i < 8; i++) c.reg32[i] = o.regs ? o.regs[i] : 0;
    if (!o.regs) c.reg32[4] = USTACK_TOP;
    this.event = null;
  }

  /** Runs until an event is recorded (StopReason.Requested) or the budget runs out. */
  run(budget = 10_000): StopReason {
    return this.cpu.run(budget);
  }
}
