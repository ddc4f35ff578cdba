// Bounce frames (xen-abi.md §2.7, Xen's compat_create_bounce_frame): how the hypervisor hands a
// trap, an event upcall or a failsafe callback to the guest kernel. The frame goes on the ring-1
// stack — the interrupted one, or kernel_ss:kernel_sp when the guest was in ring 3 — and the
// guest resumes at the handler. The saved CS carries saved_upcall_mask in bits 16–23 and the
// saved EFLAGS.IF is its inverse, so the guest's iret (or HYPERVISOR_iret) restores both.
import { DS, ES, FS, GS, FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM } from '@xen-ts/cpu-x86';
import type { Vcpu } from '../domain/vcpu.js';
import type { EntryFrame, Pcpu } from '../machine/pcpu.js';
import type { Hypervisor } from '../kernel/hypervisor.js';

export interface BounceTarget {
  cs: number;
  eip: number;
  /** Error code to push, or -1. */
  errorCode: number;
  /** Set evtchn_upcall_mask on entry (interrupt-gate semantics: TI_SET_IF, event callbacks). */
  maskEvents: boolean;
  /** Failsafe callback: also push DS, ES, FS, GS (Xen: TBF_FAILSAFE). */
  failsafe: boolean;
  /** Runs once the frame is on the guest stack, before the return (e.g. clear bad segments). */
  before?: () => void;
}

const scratch = new Uint8Array(48);
const scratchView = new DataView(scratch.buffer);

/**
 * Builds the bounce frame for `v` (running on `p`, interrupted with state `f`) and returns to the
 * guest at the target. Returns false if the guest stack could not take the frame; the caller
 * crashes the domain then, as Xen does.
 */
export function bounceToGuest(xen: Hypervisor, p: Pcpu, v: Vcpu, f: EntryFrame, t: BounceTarget): boolean {
  const fromUser = (f.cs & 3) === 3;
  let ss: number;
  let sp: number;
  if (fromUser) {
    ss = v.kernelSs;
    sp = v.kernelSp >>> 0;
  } else {
    ss = f.ss;
    sp = f.esp >>> 0;
  }
  const base = xen.segmentBase(v, ss);
  if (base < 0) return false;
  const d = v.domain;
  const vi = d.vcpuInfoAddr(v.id);
  const savedMask = xen.mem.u8[vi + 1]!;

  // Words from the lowest address up: [DS ES FS GS] [error] EIP CS EFLAGS [ESP SS].
  let n = 0;
  const push = (w: number): void => {
    scratchView.setUint32(n * 4, w >>> 0, true);
    n++;
  };
  if (t.failsafe) {
    const c = p.cpu;
    push(c.segSel[DS]!);
    push(c.segSel[ES]!);
    push(c.segSel[FS]!);
    push(c.segSel[GS]!);
  }
  if (t.errorCode >= 0) push(t.errorCode);
  push(f.eip);
  push((f.cs & 0xffff) | (savedMask << 16));
  push((f.eflags & ~(FLAG_IF | FLAG_IOPL)) | (savedMask === 0 ? FLAG_IF : 0) | (v.iopl << 12));
  if (fromUser) {
    push(f.esp);
    push(f.ss);
  }
  const bytes = n * 4;
  const newSp = (sp - bytes) >>> 0;
  if (!xen.guestMem.copyTo(v.baseMfn, (base + newSp) >>> 0, scratch.subarray(0, bytes))) return false;
  if (t.maskEvents) xen.mem.u8[vi + 1] = 1;
  t.before?.();

  f.eip = t.eip;
  f.cs = t.cs;
  f.eflags = (f.eflags & ~(FLAG_TF | FLAG_NT | FLAG_VM | FLAG_RF | FLAG_IOPL)) | FLAG_IF;
  f.esp = newSp;
  f.ss = ss;
  p.exitTo(f);
  return true;
}
