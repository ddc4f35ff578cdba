/**
 * The ring-0 half of the machine a user program runs on, built the way an
 * i386 Linux kernel builds it: a GDT with flat kernel and user segments and
 * three TLS slots (Linux's entries 6-8, 12-16), an IDT, and a TSS whose
 * SS0:ESP0 names the ring-0 stack. All of it lives in supervisor-only pages
 * above TASK_SIZE in emulated memory, and the CPU uses it exactly as hardware
 * would: INT 0x80 and every exception go through the IDT, switch to the
 * ring-0 stack and push a frame. The IDT gates point at host entry points,
 * where the TypeScript kernel (the system call and fault handlers) runs and
 * then returns to ring 3 with an IRET.
 */
import { CPU_FAULT, type Cpu } from '../cpu.js';
import {
  CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CS, DS, ES, ESP, FS, GS, SS, VEC_AC, VEC_DF, VEC_GP, VEC_NP,
  VEC_PF, VEC_SS, VEC_TS,
} from '../constants.js';
import { loadSegment } from '../protected/segment-load.js';
import type { AddressSpace } from './address-space.js';
import {
  GDT_ENTRIES, GDT_ENTRY_KERNEL_CS, GDT_ENTRY_KERNEL_DS, GDT_ENTRY_TSS, GDT_ENTRY_USER_CS, GDT_ENTRY_USER_DS,
  KERNEL_CS, KERNEL_DS, TSS_SELECTOR, USER_CS, USER_DS,
} from './linux-abi.js';

/** Linear layout of the runner's structures (the top 4 MiB page table). */
export const KERNEL_BASE = 0xffc00000;
export const GDT_LINEAR = KERNEL_BASE;
export const IDT_LINEAR = KERNEL_BASE + 0x1000;
export const TSS_LINEAR = KERNEL_BASE + 0x2000;
/** Host entry points: vector v enters at ENTRY_LINEAR + 8 * v. */
export const ENTRY_LINEAR = KERNEL_BASE + 0x3000;
export const KSTACK_LINEAR = KERNEL_BASE + 0x4000;
export const KSTACK_TOP = KERNEL_BASE + 0x6000;
/** Where a ring-3 -> ring-0 transition without error code leaves its frame. */
export const USER_FRAME = KSTACK_TOP - 20;

export const SYSCALL_VECTOR = 0x80;

/** Vectors whose frame carries an error code (Intel SDM Vol. 3A table 6-1). */
const HAS_ERROR_CODE = new Set([VEC_DF, VEC_TS, VEC_NP, VEC_SS, VEC_GP, VEC_PF, VEC_AC]);

/**
 * The kernel side: called at CPL 0 with the user's registers intact and the
 * IRET frame at `frame`. Return true to return to the user (IRET), false when
 * the program is finished and the CPU has been asked to stop.
 */
export type TrapHandler = (vector: number, errorCode: number, fromUser: boolean) => boolean;

/** Encodes a code/data segment descriptor (flat 4 GiB with page granularity unless told otherwise). */
export function segmentDescriptor(base: number, limit: number, type: number, dpl: number, pages = true): [number, number] {
  const lo = (((base & 0xffff) << 16) | (limit & 0xffff)) | 0;
  const hi = ((base & 0xff000000) | ((base >>> 16) & 0xff) | (limit & 0xf0000) | (pages ? 0x800000 : 0) | 0x400000 |
    0x8000 | (dpl << 13) | 0x1000 | (type << 8)) | 0;
  return [lo, hi];
}

export class UserMachine {
  private readonly gdtPhys: number;
  private readonly idtPhys: number;
  private readonly tssPhys: number;
  private handler: TrapHandler = () => false;

  constructor(readonly cpu: Cpu, as: AddressSpace) {
    const f = as.frames;
    this.gdtPhys = f.alloc();
    this.idtPhys = f.alloc();
    this.tssPhys = f.alloc();
    const entryPhys = f.alloc();
    as.mapKernelPage(GDT_LINEAR, this.gdtPhys, true);
    as.mapKernelPage(IDT_LINEAR, this.idtPhys, false);
    as.mapKernelPage(TSS_LINEAR, this.tssPhys, true);
    as.mapKernelPage(ENTRY_LINEAR, entryPhys, false);
    as.mapKernelPage(KSTACK_LINEAR, f.alloc(), true);
    as.mapKernelPage(KSTACK_LINEAR + 0x1000, f.alloc(), true);
    // The entry page holds HLT instructions: never executed (the host entry runs first).
    cpu.mem.u8.fill(0xf4, entryPhys, entryPhys + 4096);

    this.setGdtEntry(GDT_ENTRY_KERNEL_CS, ...segmentDescriptor(0, 0xfffff, 0xb, 0));
    this.setGdtEntry(GDT_ENTRY_KERNEL_DS, ...segmentDescriptor(0, 0xfffff, 0x3, 0));
    this.setGdtEntry(GDT_ENTRY_USER_CS, ...segmentDescriptor(0, 0xfffff, 0xb, 3));
    this.setGdtEntry(GDT_ENTRY_USER_DS, ...segmentDescriptor(0, 0xfffff, 0x3, 3));
    // 32-bit TSS, busy (type 0xB), byte granular, limit 0x67, DPL 0.
    const tssLo = (((TSS_LINEAR & 0xffff) << 16) | 0x67) | 0;
    const tssHi = ((TSS_LINEAR & 0xff000000) | ((TSS_LINEAR >>> 16) & 0xff) | 0x8000 | (0xb << 8)) | 0;
    this.setGdtEntry(GDT_ENTRY_TSS, tssLo, tssHi);
    const m = cpu.mem;
    m.write32(this.tssPhys + 4, KSTACK_TOP); // ESP0
    m.write32(this.tssPhys + 8, KERNEL_DS); // SS0
    m.write16(this.tssPhys + 102, 104); // I/O map base past the limit: no I/O permission bitmap

    for (let v = 0; v < 256; v++) {
      // Interrupt gates; INT3, INTO and INT 0x80 may be raised from ring 3 (Linux's "system gates").
      const dpl = v === 3 || v === 4 || v === SYSCALL_VECTOR ? 3 : 0;
      const offset = ENTRY_LINEAR + 8 * v;
      m.write32(this.idtPhys + 8 * v, (KERNEL_CS << 16) | (offset & 0xffff));
      m.write32(this.idtPhys + 8 * v + 4, ((offset & 0xffff0000) | 0x8000 | (dpl << 13) | (0xe << 8)) | 0);
      cpu.addHostEntry(offset, () => this.enter(v));
    }

    cpu.cr3 = as.pageDirectory;
    cpu.cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP;
    cpu.cr4 = 0;
    cpu.gdtrBase = GDT_LINEAR;
    cpu.gdtrLimit = GDT_ENTRIES * 8 - 1;
    cpu.idtrBase = IDT_LINEAR;
    cpu.idtrLimit = 256 * 8 - 1;
    cpu.ldtrSel = 0;
    cpu.ldtrBase = 0;
    cpu.ldtrLimit = 0;
    cpu.trSel = TSS_SELECTOR;
    cpu.trBase = TSS_LINEAR;
    cpu.trLimit = 0x67;
    cpu.trType = 11;
    cpu.cpl = 0;
    cpu.setEflags(0x2);
    cpu.updateModeMasks();
    cpu.flushTlb(true);
    cpu.setSegmentCache(CS, KERNEL_CS, 0, 0xffffffff, 0xc09b);
    cpu.setSegmentCache(SS, KERNEL_DS, 0, 0xffffffff, 0xc093);
    for (const s of [DS, ES, FS, GS]) cpu.setSegmentCache(s, 0, 0, 0, 0x10000);
    cpu.reg32[ESP] = KSTACK_TOP;
  }

  setHandler(h: TrapHandler): void {
    this.handler = h;
  }

  setGdtEntry(index: number, lo: number, hi: number): void {
    this.cpu.mem.write32(this.gdtPhys + index * 8, lo);
    this.cpu.mem.write32(this.gdtPhys + index * 8 + 4, hi);
  }

  gdtEntry(index: number): [number, number] {
    return [this.cpu.mem.read32(this.gdtPhys + index * 8), this.cpu.mem.read32(this.gdtPhys + index * 8 + 4)];
  }

  // --- The IRET frame of the current trap (from ring 3: EIP, CS, EFLAGS, ESP, SS at USER_FRAME).

  get eip(): number {
    return this.cpu.sysRead32(USER_FRAME);
  }

  set eip(v: number) {
    this.cpu.sysWrite32(USER_FRAME, v);
  }

  get eflags(): number {
    return this.cpu.sysRead32(USER_FRAME + 8);
  }

  set eflags(v: number) {
    this.cpu.sysWrite32(USER_FRAME + 8, v);
  }

  get esp(): number {
    return this.cpu.sysRead32(USER_FRAME + 12);
  }

  set esp(v: number) {
    this.cpu.sysWrite32(USER_FRAME + 12, v);
  }

  get cs(): number {
    return this.cpu.sysRead32(USER_FRAME + 4) & 0xffff;
  }

  get ss(): number {
    return this.cpu.sysRead32(USER_FRAME + 16) & 0xffff;
  }

  /** Rewrites the frame so that the IRET lands at `eip` with `esp` in the flat user segments. */
  setUserFrame(eip: number, esp: number, eflags: number): void {
    const c = this.cpu;
    c.sysWrite32(USER_FRAME, eip);
    c.sysWrite32(USER_FRAME + 4, USER_CS);
    c.sysWrite32(USER_FRAME + 8, eflags);
    c.sysWrite32(USER_FRAME + 12, esp);
    c.sysWrite32(USER_FRAME + 16, USER_DS);
    c.reg32[ESP] = USER_FRAME;
  }

  /**
   * Loads a data segment register with the CPU's protected-mode checks (the
   * kernel's loadsegment); false when the selector is unusable.
   */
  loadDataSegment(seg: number, selector: number): boolean {
    try {
      loadSegment(this.cpu, seg, selector);
      return true;
    } catch (e) {
      if (e !== CPU_FAULT) throw e;
      this.cpu.excVector = -1;
      loadSegment(this.cpu, seg, 0);
      return false;
    }
  }

  /**
   * execve's start_thread: zeroed registers, flat data segments, and an IRET
   * frame aimed at `eip` with `esp`. The IRET itself happens on the way out
   * of the current trap, or through enterUser() for the first start.
   */
  prepareUserEntry(eip: number, esp: number): void {
    this.cpu.reg32.fill(0);
    this.loadDataSegment(DS, USER_DS);
    this.loadDataSegment(ES, USER_DS);
    this.loadDataSegment(FS, 0);
    this.loadDataSegment(GS, 0);
    this.setUserFrame(eip, esp, 0x202);
  }

  /** Leaves ring 0 for the prepared user entry (the first IRET of the machine). */
  enterUser(): void {
    this.cpu.reg32[ESP] = USER_FRAME;
    this.cpu.returnFromInterrupt();
  }

  private enter(vector: number): void {
    const c = this.cpu;
    let error = -1;
    if (HAS_ERROR_CODE.has(vector)) {
      error = c.sysRead32(c.reg32[ESP]);
      c.reg32[ESP] = (c.reg32[ESP] + 4) | 0;
    }
    const fromUser = c.reg32[ESP] >>> 0 === USER_FRAME && (c.sysRead32(USER_FRAME + 4) & 3) === 3;
    if (this.handler(vector, error, fromUser)) {
      c.reg32[ESP] = USER_FRAME;
      c.returnFromInterrupt();
    }
  }
}
