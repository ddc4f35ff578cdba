// A physical CPU: a cpu-x86 `Cpu` set up as Xen leaves it while a guest runs — protected mode,
// paging with CR0.WP, its own IDT/TSS/reserved GDT page in the hole, and the hypervisor stack
// that the CPU switches to on every entry. Loading a vCPU maps that page into the vCPU's GDT
// window, points GDTR/IDTR/TR at the hole and restores the saved registers.
import { CS, Cpu, CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, ESP, MSR_EFER, type PhysicalMemory } from '@xen-ts/cpu-x86';
import { FIRST_RESERVED_GDT_ENTRY, FIRST_RESERVED_GDT_PAGE, HYPERCALL_VECTOR } from '@xen-ts/abi';
import type { Vcpu } from '../domain/vcpu.js';
import {
  EVENT_CHECK_VECTOR,
  HOST_ENTRY_EVENT_CHECK,
  HOST_ENTRY_HYPERCALL,
  HOST_ENTRY_SOFT_INT,
  PCPU_IDT_PAGE,
  PCPU_TSS_PAGE,
  SYSCALL_VECTOR,
  exceptionEntry,
  gdtWindowVa,
  ldtWindowVa,
  pcpuAreaVa,
  type HoleLayout,
} from './hole-layout.js';
import type { RamMachineMemory } from './machine-memory.js';
import { GDT_LIMIT, TYPE_LDT, XenSelector, fillReservedGdt, segmentDescriptor } from './xen-gdt.js';
import type { PcpuFrames, XenArea } from './xen-area.js';

const GATE_INTERRUPT = 0xe;
const GATE_TRAP = 0xf;
/** Exceptions that push an error code (Intel SDM Vol. 3A table 6-1). */
export const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);

/** The guest state the CPU pushed on the hypervisor stack at an entry. */
export interface EntryFrame {
  errorCode: number;
  eip: number;
  cs: number;
  eflags: number;
  esp: number;
  ss: number;
}

export class Pcpu {
  readonly cpu: Cpu;
  readonly frames: PcpuFrames;
  readonly stackTop: number;
  /** Where the run loop wants this pCPU back (a timer, the quantum end): long hypercalls stop there. */
  runUntilNs = Infinity;
  /** Set while `exitTo`'s IRET runs: still set at the next entry means that IRET faulted. */
  private exitIretFaulted = false;
  current: Vcpu | null = null;
  /** The event-check interrupt is raised through this line (Xen's EVENT_CHECK_VECTOR IPI). */
  private eventCheck = false;
  /** Simulated ns this physical CPU has reached. */
  localNs = 0;

  constructor(
    readonly index: number,
    memory: PhysicalMemory,
    private readonly mem: RamMachineMemory,
    private readonly area: XenArea,
    private readonly layout: HoleLayout,
  ) {
    this.cpu = new Cpu({ memory });
    this.frames = area.pcpus[index]!;
    this.stackTop = area.stackTop(index);
    this.cpu.interruptLine = {
      pending: () => this.eventCheck,
      acknowledge: () => {
        this.eventCheck = false;
        return EVENT_CHECK_VECTOR;
      },
    };
    this.setUpTables();
  }

  private setUpTables(): void {
    const l = this.layout;
    const tssVa = pcpuAreaVa(l, this.index, PCPU_TSS_PAGE);
    fillReservedGdt((i, lo, hi) => this.writeWord(this.frames.gdt, i * 2, lo, hi), l.guestSegmentEnd, tssVa);
    // TSS: ring-0 stack (SS0:ESP0); SS1:ESP1 follow the running vCPU; no I/O bitmap.
    const tss = this.frames.tss * 4096;
    this.mem.view.setUint32(tss + 4, this.stackTop, true);
    this.mem.view.setUint32(tss + 8, XenSelector.HYPERVISOR_DS, true);
    this.mem.view.setUint16(tss + 102, 104, true);
    for (let v = 0; v < 256; v++) this.setGate(v, HOST_ENTRY_SOFT_INT, GATE_INTERRUPT, 0);
    for (let v = 0; v < 32; v++) this.setGate(v, exceptionEntry(v), GATE_INTERRUPT, v === 3 || v === 4 ? 3 : 0);
    this.setGate(HYPERCALL_VECTOR, HOST_ENTRY_HYPERCALL, GATE_INTERRUPT, 1);
    this.setGate(EVENT_CHECK_VECTOR, HOST_ENTRY_EVENT_CHECK, GATE_INTERRUPT, 0);

    const c = this.cpu;
    c.cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_ET | CR0_NE;
    if (l.mode === 'pae') {
      c.cr4 = CR4_PAE;
      c.efer = 0x800; // NXE: PAE guests may use NX (Intel SDM: IA32_EFER.NXE)
      c.msrs.set(MSR_EFER, 0x800n);
    }
    c.idtrBase = pcpuAreaVa(l, this.index, PCPU_IDT_PAGE);
    c.idtrLimit = 256 * 8 - 1;
    c.trSel = XenSelector.TSS;
    c.trBase = tssVa;
    c.trLimit = 0x67;
    c.trType = 11;
    c.updateModeMasks();
  }

  private writeWord(mfn: number, index: number, lo: number, hi: number): void {
    this.mem.write32(mfn, index, lo);
    this.mem.write32(mfn, index + 1, hi);
  }

  /** Writes IDT gate `vector`: a hypervisor entry or, for the fast system call, a guest handler. */
  setGate(vector: number, offset: number, type: number, dpl: number, selector: number = XenSelector.HYPERVISOR_CS): void {
    const lo = ((selector & 0xffff) << 16) | (offset & 0xffff);
    const hi = (offset & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8);
    this.writeWord(this.frames.idt, vector * 2, lo, hi);
  }

  /**
   * The paper's fast system-call path: when the guest's handler for int 0x80 is valid, the IDT
   * gate points straight at it (a DPL-3 trap gate into ring 1); otherwise int 0x80 raises #GP and
   * the hypervisor bounces it like any software interrupt.
   */
  installFastSyscall(v: Vcpu | null): boolean {
    const flags = v === null ? 0 : v.trapFlags[SYSCALL_VECTOR]!;
    if (v !== null && (flags & 0x80) !== 0 && (flags & 3) === 3 && (flags & 4) === 0) {
      this.setGate(SYSCALL_VECTOR, v.trapAddress[SYSCALL_VECTOR]!, GATE_TRAP, 3, v.trapCs[SYSCALL_VECTOR]!);
      return true;
    }
    this.setGate(SYSCALL_VECTOR, HOST_ENTRY_SOFT_INT, GATE_INTERRUPT, 0);
    return false;
  }

  /** Puts `v` on this CPU: its address space, GDT window, LDT, ring-1 stack and registers. */
  load(v: Vcpu, cr3: number): void {
    const c = this.cpu;
    const l = this.layout;
    const d = v.domain;
    this.current = v;
    v.runningOn = this.index;
    // Our reserved GDT page goes into page 14 of this vCPU's GDT window.
    this.area.mapPerDomain(d.id, v.id * 32 + FIRST_RESERVED_GDT_PAGE, this.frames.gdt, true);
    this.setLdtDescriptor(v);
    this.setKernelStack(v);
    this.installFastSyscall(v);
    c.gdtrBase = gdtWindowVa(l, v.id);
    c.gdtrLimit = GDT_LIMIT;
    c.cr3 = cr3;
    c.flushTlb(true);
    v.ctx.restoreTo(c);
  }

  /** Saves the running vCPU's registers and leaves the CPU idle. */
  unload(): Vcpu | null {
    const v = this.current;
    if (v === null) return null;
    v.ctx.saveFrom(this.cpu);
    v.runningOn = -1;
    this.current = null;
    this.eventCheck = false;
    return v;
  }

  /** TSS.SS1:ESP1 = the guest kernel stack (stack_switch), used on ring 3 → ring 1 entries. */
  setKernelStack(v: Vcpu): void {
    const tss = this.frames.tss * 4096;
    this.mem.view.setUint32(tss + 12, v.kernelSp >>> 0, true);
    this.mem.view.setUint32(tss + 16, v.kernelSs & 0xffff, true);
  }

  /** Xen's LDT descriptor for the running vCPU: its LDT window, limit from MMUEXT_SET_LDT. */
  setLdtDescriptor(v: Vcpu): void {
    const entry = (XenSelector.LDT >>> 3) - FIRST_RESERVED_GDT_ENTRY;
    if (v.ldtEntries === 0) {
      this.writeWord(this.frames.gdt, entry * 2, 0, 0);
      return;
    }
    const base = ldtWindowVa(this.layout, v.id);
    const [lo, hi] = segmentDescriptor(base, v.ldtEntries * 8 - 1, TYPE_LDT, 0, false, false);
    this.writeWord(this.frames.gdt, entry * 2, lo, hi);
  }

  /** Asks the CPU to enter the hypervisor at the next instruction boundary to deliver events. */
  raiseEventCheck(): void {
    this.eventCheck = true;
    this.cpu.intr = true;
  }

  // ---- the entry frame on the hypervisor stack --------------------------------------------

  private stackAddr(va: number): number {
    const offset = (va - (this.stackTop - this.frames.stack.length * 4096)) >>> 0;
    const page = offset >>> 12;
    const mfn = this.frames.stack[page];
    if (mfn === undefined) throw new Error(`hypervisor stack pointer ${va.toString(16)} outside the stack`);
    return mfn * 4096 + (offset & 0xfff);
  }

  private stackRead(va: number): number {
    return this.mem.view.getUint32(this.stackAddr(va), true);
  }

  private stackWrite(va: number, value: number): void {
    this.mem.view.setUint32(this.stackAddr(va), value >>> 0, true);
  }

  /** Reads the frame of the entry the CPU just made; `withError` when the vector pushed a code. */
  readEntryFrame(withError: boolean, out: EntryFrame): EntryFrame {
    let sp = this.cpu.reg32[ESP]! >>> 0;
    out.errorCode = -1;
    if (withError) {
      out.errorCode = this.stackRead(sp);
      sp += 4;
    }
    return this.readIretFrame(sp, out);
  }

  /** The IRET frame at `sp`: EIP, CS, EFLAGS, and ESP, SS when it leaves ring 0. */
  private readIretFrame(sp: number, out: EntryFrame): EntryFrame {
    out.eip = this.stackRead(sp);
    out.cs = this.stackRead(sp + 4) & 0xffff;
    out.eflags = this.stackRead(sp + 8);
    if ((out.cs & 3) !== 0) {
      out.esp = this.stackRead(sp + 12);
      out.ss = this.stackRead(sp + 16) & 0xffff;
    } else {
      out.esp = sp + 12;
      out.ss = XenSelector.HYPERVISOR_DS;
    }
    return out;
  }

  /** Returns to the guest with `f` as its state: an IRET from a fresh frame at the stack top. */
  exitTo(f: EntryFrame): void {
    const top = this.stackTop;
    const sp = top - 20;
    this.stackWrite(sp, f.eip);
    this.stackWrite(sp + 4, f.cs);
    this.stackWrite(sp + 8, f.eflags);
    this.stackWrite(sp + 12, f.esp);
    this.stackWrite(sp + 16, f.ss);
    this.cpu.reg32[ESP] = sp;
    this.exitIretFaulted = true; // stays set only if the IRET below throws its fault
    this.cpu.returnFromInterrupt();
    this.exitIretFaulted = false;
  }

  /**
   * When the entry in `f` is a fault of the IRET in `exitTo` (taken at CPL 0 with ESP still at
   * the exit frame), copies the guest state that IRET could not load into `out` and returns true.
   */
  readFailedExitFrame(f: EntryFrame, out: EntryFrame): boolean {
    const sp = this.stackTop - 20;
    const faulted = this.exitIretFaulted;
    this.exitIretFaulted = false;
    if (!faulted || (f.cs & 3) !== 0 || f.esp >>> 0 !== sp >>> 0) return false;
    out.errorCode = -1;
    this.readIretFrame(sp, out); // exitTo never returns to ring 0: the frame has ESP and SS
    return true;
  }

  /** The CS the CPU was executing when the current host entry was taken (for assertions). */
  get inHypervisor(): boolean {
    return this.cpu.cpl === 0 && (this.cpu.segSel[CS]! & 3) === 0;
  }
}
