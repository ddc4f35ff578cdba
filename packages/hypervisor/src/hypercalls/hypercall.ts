// The shape of a hypercall handler and the values shared by all of them.
import { DomId, XenErrno } from '@xen-ts/abi';
import type { Domain } from '../domain/domain.js';
import type { Vcpu } from '../domain/vcpu.js';
import type { Hypervisor } from '../kernel/hypervisor.js';
import type { EntryFrame, Pcpu } from '../machine/pcpu.js';

/** One hypercall as it arrived: EAX = number, arguments in EBX, ECX, EDX, ESI, EDI (§2.1). */
export interface HypercallArgs {
  readonly xen: Hypervisor;
  readonly p: Pcpu;
  readonly v: Vcpu;
  readonly frame: EntryFrame;
  a1: number;
  a2: number;
  a3: number;
  a4: number;
  a5: number;
  /** Inside a multicall: control-flow hypercalls (iret) are refused. */
  inMulticall: boolean;
}

/** Returns the value for EAX, or {@link NO_RETURN} when the handler already left for the guest. */
export type HypercallHandler = (h: HypercallArgs) => number;

/** Not an errno: the handler returned to the guest itself (iret) or the domain is gone. */
export const NO_RETURN = 0x40000000;

export const EFAULT = -XenErrno.EFAULT;
export const EINVAL = -XenErrno.EINVAL;
export const EPERM = -XenErrno.EPERM;
export const ENOSYS = -XenErrno.ENOSYS;
export const ESRCH = -XenErrno.ESRCH;
export const ENOENT = -XenErrno.ENOENT;

/** Reads `len` bytes of the caller's memory at `va`, or null. */
export function readGuest(h: HypercallArgs, va: number, len: number): DataView | null {
  return h.xen.guestMem.readView(h.v.baseMfn, va >>> 0, len);
}

export function writeGuest(h: HypercallArgs, va: number, bytes: Uint8Array): boolean {
  return h.xen.guestMem.copyTo(h.v.baseMfn, va >>> 0, bytes);
}

export function writeGuest32(h: HypercallArgs, va: number, value: number): boolean {
  return h.xen.guestMem.write32(h.v.baseMfn, va >>> 0, value);
}

/** A guest selector may name a guest GDT/LDT entry or Xen's flat ring-1 code segment (guest_gate_selector_okay). */
export function guestCodeSelectorOk(sel: number): boolean {
  const index = sel >>> 3;
  if (index < 7168) return index !== 0 || (sel & 4) !== 0;
  return (sel & ~3) === 0xe018;
}

/** Xen's fixup_guest_code_selector: an RPL-0 selector becomes RPL 1. */
export function fixupSelector(sel: number): number {
  return (sel & 3) === 0 ? sel | 1 : sel;
}

/**
 * The domain a hypercall names: DOMID_SELF or its own id is the caller; another domain must
 * exist (-ESRCH) and the caller be privileged (-EPERM) — Xen looks it up first, then asks XSM.
 */
export function targetDomain(h: HypercallArgs, domid: number): Domain | number {
  const self = h.v.domain;
  if (domid === DomId.DOMID_SELF || domid === self.id) return self;
  const d = h.xen.domain(domid);
  if (d === undefined) return ESRCH;
  return self.privileged ? d : EPERM;
}
