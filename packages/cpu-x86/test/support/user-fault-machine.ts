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

export const UCODE_LIN = 0x00400000;
export const UDATA_LIN = 0x00401000;
export const URODATA_LIN = 0x00403000;
export const USUPER_LIN = 0x00404000;
export const USTACK_LIN = 0x00405000;
export const USTACK_TOP = 0x00406f00;

const PD = 0x1000, PT_USER = 0x2000, PT_KERNEL = 0x3000;
const PHYS_USER = 0x10000; // 7 pages: code, data x2, rodata, super, stack x2
const PHYS_KERNEL = 0x20000; // GDT, IDT (2 KiB), TSS, entries, kernel stack x2
const KERNEL_LIN = 0xffc00000 | 0;
const GDT_LIN = KERNEL_LIN;
const IDT_LIN = KERNEL_LIN + 0x1000;
const TSS_LIN = KERNEL_LIN + 0x2000;
const ENTRY_LIN = KERNEL_LIN + 0x3000;
const KSTACK_TOP = KERNEL_LIN + 0x6000;

export const KERNEL_CS = 0x08, KERNEL_DS = 0x10, USER_CS = 0x1b, USER_DS = 0x23, TSS_SEL = 0x28, USER_CS16 = 0x33;
/** Exceptions that push an error code (Intel SDM Vol. 3A table 6-1). */
export const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);
/** Gates user code may use with INT n (as on Linux: INT3, INTO, INT 80h). */
export const USER_GATES = new Set([3, 4, 0x80]);

function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

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

  constructor() {
    const m = this.mem;
    m.write32(PD + (UCODE_LIN >>> 22) * 4, PT_USER | 7);
    m.write32(PD + (KERNEL_LIN >>> 22) * 4, PT_KERNEL | 3);
    const userPages: [number, number][] = [[0, 7], [1, 7], [2, 7], [3, 5], [4, 3], [5, 7], [6, 7]];
    for (const [i, flags] of userPages) m.write32(PT_USER + (((UCODE_LIN >>> 12) + i) & 0x3ff) * 4, (PHYS_USER + i * 4096) | flags);
    for (let i = 0; i < 6; i++) m.write32(PT_KERNEL + i * 4, (PHYS_KERNEL + i * 4096) | 3);
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
      m.write32(PHYS_KERNEL + i * 8, lo);
      m.write32(PHYS_KERNEL + i * 8 + 4, hi);
    });
    for (let v = 0; v < 256; v++) {
      const off = ENTRY_LIN + v * 16;
      const dpl = USER_GATES.has(v) ? 3 : 0;
      m.write32(PHYS_KERNEL + 0x1000 + v * 8, (KERNEL_CS << 16) | (off & 0xffff));
      m.write32(PHYS_KERNEL + 0x1000 + v * 8 + 4, (off & 0xffff0000) | 0x8e00 | (dpl << 13));
      this.cpu.addHostEntry(off, (c) => this.onEvent(c, v));
    }
    m.write32(PHYS_KERNEL + 0x2000 + 4, KSTACK_TOP); // ESP0
    m.write32(PHYS_KERNEL + 0x2000 + 8, KERNEL_DS); // SS0
    m.write16(PHYS_KERNEL + 0x2000 + 0x66, 0x68); // no I/O bitmap
  }

  private onEvent(c: Cpu, vector: number): void {
    let sp = c.reg32[4];
    let error = -1;
    if (HAS_ERROR_CODE.has(vector)) {
      error = c.sysRead32(sp);
      sp += 4;
    }
    this.event = { vector, error, eip: c.sysRead32(sp) >>> 0, cr2: vector === 14 ? c.cr2 >>> 0 : 0 };
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
    c.reset();
    c.cr3 = PD;
    c.cr0 = 0x80010011; // PG WP ET PE
    c.gdtrBase = GDT_LIN;
    c.gdtrLimit = 7 * 8 - 1;
    c.idtrBase = IDT_LIN;
    c.idtrLimit = 256 * 8 - 1;
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
    for (let i = 0; i < 8; i++) c.reg32[i] = o.regs ? o.regs[i] : 0;
    if (!o.regs) c.reg32[4] = USTACK_TOP;
    c.setEflags(((o.eflags ?? 0) & 0x0cd5) | 0x202);
    c.eip = UCODE_LIN;
    this.event = null;
  }

  /** Runs until an event is recorded (StopReason.Requested) or the budget runs out. */
  run(budget = 10_000): StopReason {
    return this.cpu.run(budget);
  }
}
