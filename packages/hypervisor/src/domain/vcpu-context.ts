// The architectural state of a vCPU while it is not on a physical CPU, and the copy to and from
// a cpu-x86 `Cpu`. Xen keeps the same in `struct vcpu` (arch.user_regs, the segment registers,
// the FPU area, debug registers).
import type { Cpu } from '@xen-ts/cpu-x86';

const SNAP = 0;

export class VcpuContext {
  readonly reg32 = new Int32Array(8);
  eip = 0;
  eflags = 0x202;
  readonly segSel = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  readonly segLimit = new Uint32Array(6);
  readonly segAttr = new Int32Array(6);
  cpl = 1;
  /** The guest's CR0.TS as set by fpu_taskswitch (the only CR0 bit a PV guest controls). */
  ts = false;
  readonly dr = new Int32Array(8);
  ldtrSel = 0;
  ldtrBase = 0;
  ldtrLimit = 0;
  fpu: unknown = SNAP;
  /** MOV SS / STI shadow at the moment it was descheduled. */
  inhibit = false;

  saveFrom(cpu: Cpu): void {
    this.reg32.set(cpu.reg32);
    this.eip = cpu.eip;
    this.eflags = cpu.getEflags();
    this.segSel.set(cpu.segSel);
    this.segBase.set(cpu.segBase);
    this.segLimit.set(cpu.segLimit);
    this.segAttr.set(cpu.segAttr);
    this.cpl = cpu.cpl;
    this.ts = (cpu.cr0 & 8) !== 0;
    this.dr.set(cpu.dr);
    this.ldtrSel = cpu.ldtrSel;
    this.ldtrBase = cpu.ldtrBase;
    this.ldtrLimit = cpu.ldtrLimit;
    this.fpu = cpu.fpu.snapshot();
    this.inhibit = cpu.inhibitInterrupts;
  }

  /** Loads the state into `cpu`; the caller has set CR3 and the descriptor-table registers. */
  restoreTo(cpu: Cpu): void {
    cpu.reg32.set(this.reg32);
    cpu.eip = this.eip;
    cpu.instrStart = this.eip;
    cpu.cpl = this.cpl;
    for (let s = 0; s < 6; s++) cpu.setSegmentCache(s, this.segSel[s]!, this.segBase[s]!, this.segLimit[s]!, this.segAttr[s]!);
    cpu.setEflags(this.eflags);
    cpu.cr0 = this.ts ? cpu.cr0 | 8 : cpu.cr0 & ~8;
    cpu.dr.set(this.dr);
    cpu.updateBreakpoints();
    cpu.ldtrSel = this.ldtrSel;
    cpu.ldtrBase = this.ldtrBase;
    cpu.ldtrLimit = this.ldtrLimit;
    if (this.fpu !== SNAP) cpu.fpu.restore(this.fpu as ReturnType<Cpu['fpu']['snapshot']>);
    else cpu.fpu.init();
    cpu.inhibitInterrupts = this.inhibit;
    cpu.halted = false;
    cpu.updateModeMasks();
  }
}
