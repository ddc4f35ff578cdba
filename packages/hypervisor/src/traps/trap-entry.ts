// Hypervisor entries through the IDT (DESIGN.md §2): guest exceptions, software interrupts the
// guest's trap table allows, and the event-check interrupt. Each ends in a bounce to the guest
// kernel or a plain return; a guest that cannot take a trap is crashed (Xen: domain_crash),
// never the host.
import { TI_SET_IF } from '@xen-ts/abi';
import { CR0_TS } from '@xen-ts/cpu-x86';
import type { Hypervisor } from '../kernel/hypervisor.js';
import type { EntryFrame, Pcpu } from '../machine/pcpu.js';
import { HAS_ERROR_CODE } from '../machine/pcpu.js';
import { bounceToGuest } from './bounce.js';
import { emulatePtWrite } from './ptwr.js';

export const VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_NM = 7, VEC_DF = 8, VEC_GP = 13, VEC_PF = 14;

/** trapFlags bit meaning "entry present" (the low bits are Xen's TI_* flags). */
export const TRAP_PRESENT = 0x80;

const frame: EntryFrame = { errorCode: -1, eip: 0, cs: 0, eflags: 0, esp: 0, ss: 0 };
const failedExit: EntryFrame = { errorCode: -1, eip: 0, cs: 0, eflags: 0, esp: 0, ss: 0 };

/** An exception raised by guest code (vector < 32). */
export function onGuestException(xen: Hypervisor, p: Pcpu, vector: number): void {
  const v = p.current;
  if (v === null) throw new Error(`exception ${vector} on idle pCPU ${p.index}`);
  const f = p.readEntryFrame(HAS_ERROR_CODE.has(vector), frame);
  xen.stats.exceptions[vector]++;
  if ((f.cs & 3) === 0) {
    onExitFault(xen, p, vector, f);
    return;
  }
  const d = v.domain;
  if (vector === VEC_PF) {
    const cr2 = p.cpu.cr2 >>> 0;
    if (xen.handleLdtFault(p, v, cr2)) {
      p.exitTo(f); // the LDT page is now mapped: retry the instruction
      return;
    }
    if (emulatePtWrite(xen, p, v, f, cr2)) return;
    xen.mem.view.setUint32(d.vcpuInfoAddr(v.id) + 8, cr2, true); // vcpu_info.arch.cr2
  }
  if (vector === VEC_GP && (f.errorCode & 3) === 2) {
    // INT n refused by the gate's DPL: the guest's trap table decides (Xen: permit_softint).
    const n = f.errorCode >>> 3;
    const flags = v.trapFlags[n]!;
    if ((flags & TRAP_PRESENT) !== 0 && (flags & 3) >= (f.cs & 3)) {
      f.eip = (f.eip + 2) >>> 0;
      deliver(xen, p, n, f, -1);
      return;
    }
  }
  if (vector === VEC_GP && f.errorCode === 0 && xen.emulatePrivileged(p, v, f)) return;
  if (vector === VEC_NM) {
    // The guest set TS with fpu_taskswitch; Xen bounces #NM and clears the virtual TS.
    p.cpu.cr0 &= ~CR0_TS;
  }
  if (vector === VEC_DF) {
    xen.crashDomain(d, 'double fault in guest');
    return;
  }
  deliver(xen, p, vector, f, HAS_ERROR_CODE.has(vector) ? f.errorCode : -1);
}

/**
 * Our IRET back to the guest faulted: the frame it was given (from HYPERVISOR_iret, or one the
 * guest left for an upcall to return to) names a CS or SS that does not load, or an EIP past the
 * segment limit. Xen's exit path has a fixup for that IRET that enters the failsafe callback with
 * the frame that failed (x86_64/compat/entry.S: compat_failsafe_callback), so the guest kernel
 * can kill the task that owned it. No callback, a failsafe frame that cannot be pushed, or the
 * callback itself failing to load crashes the domain.
 */
function onExitFault(xen: Hypervisor, p: Pcpu, vector: number, f: EntryFrame): void {
  const v = p.current!;
  const g = failedExit;
  const cb = v.failsafeCallback;
  if (!p.readFailedExitFrame(f, g)) {
    xen.crashDomain(v.domain, `exception ${vector} in the hypervisor while running d${v.domain.id}`);
    return;
  }
  const failed = `exception ${vector} returning to ${g.cs.toString(16)}:${(g.eip >>> 0).toString(16)}`;
  if (cb.cs === 0) xen.crashDomain(v.domain, `${failed} and no failsafe callback`);
  else if (g.cs === cb.cs && g.eip === cb.eip) xen.crashDomain(v.domain, `${failed}, the failsafe callback itself`);
  else if (!xen.bounceFailsafe(p, v, g, [])) xen.crashDomain(v.domain, `${failed} and no stack for the failsafe frame`);
}

function deliver(xen: Hypervisor, p: Pcpu, vector: number, f: EntryFrame, errorCode: number): void {
  const v = p.current!;
  const flags = v.trapFlags[vector]!;
  if ((flags & TRAP_PRESENT) === 0) {
    xen.crashDomain(v.domain, `unhandled trap ${vector} at ${f.cs.toString(16)}:${(f.eip >>> 0).toString(16)}` +
      (errorCode >= 0 ? ` error ${errorCode.toString(16)}` : ''));
    return;
  }
  v.domain.bounceCounts[vector]++;
  xen.trace.bounce(p, v, vector);
  const ok = bounceToGuest(xen, p, v, f, {
    cs: v.trapCs[vector]!,
    eip: v.trapAddress[vector]!,
    errorCode,
    maskEvents: (flags & TI_SET_IF) !== 0,
    failsafe: false,
  });
  if (!ok) xen.crashDomain(v.domain, `cannot push the frame for trap ${vector} on the guest stack`);
}

/** The catch-all gate: a vector nobody should reach from a guest. */
export function onStrayInterrupt(xen: Hypervisor, p: Pcpu): void {
  const v = p.current;
  if (v !== null) xen.crashDomain(v.domain, 'stray interrupt into the hypervisor');
}

/** EVENT_CHECK_VECTOR: look at the running vCPU's pending events on the way back. */
export function onEventCheck(xen: Hypervisor, p: Pcpu): void {
  const v = p.current;
  if (v === null) return;
  const f = p.readEntryFrame(false, frame);
  xen.exitToGuest(p, v, f);
}
