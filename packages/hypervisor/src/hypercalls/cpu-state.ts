// Per-vCPU processor state the guest hands to Xen: set_trap_table, stack_switch, set_callbacks,
// callback_op, fpu_taskswitch and iret (xen-abi.md §2.3, §2.6, §2.7).
import {
  CALLBACK_REGISTER,
  CALLBACK_UNREGISTER,
  CALLBACKF_mask_events,
  CallbackOp,
  CallbackType,
  TRAP_INFO,
  XEN_CALLBACK,
} from '@xen-ts/abi';
import { CR0_TS, EAX, FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_VM } from '@xen-ts/cpu-x86';
import { TRAP_PRESENT } from '../traps/trap-entry.js';
import {
  EFAULT,
  EINVAL,
  ENOSYS,
  EPERM,
  NO_RETURN,
  fixupSelector,
  guestCodeSelectorOk,
  readGuest,
  type HypercallArgs,
} from './hypercall.js';

/** Longest trap table read in one call; a real one has at most 256 entries. */
const MAX_TRAP_ENTRIES = 256;
const TI = TRAP_INFO.fields;

/** set_trap_table(trap_info[]): NULL clears the table; entries up to one with address 0. */
export function setTrapTable(h: HypercallArgs): number {
  const v = h.v;
  const va = h.a1 >>> 0;
  if (va === 0) {
    v.trapFlags.fill(0);
    v.trapAddress.fill(0);
    v.trapCs.fill(0);
  } else {
    for (let i = 0; i < MAX_TRAP_ENTRIES + 1; i++) {
      const e = readGuest(h, va + i * TRAP_INFO.size, TRAP_INFO.size);
      if (e === null) return EFAULT;
      const address = e.getUint32(TI.address.offset, true);
      if (address === 0) break;
      if (i === MAX_TRAP_ENTRIES) return EINVAL;
      const vector = e.getUint8(TI.vector.offset);
      const flags = e.getUint8(TI.flags.offset);
      const cs = e.getUint16(TI.cs.offset, true);
      if (!guestCodeSelectorOk(cs)) return EPERM;
      v.trapAddress[vector] = address;
      v.trapCs[vector] = fixupSelector(cs);
      v.trapFlags[vector] = (flags & 7) | TRAP_PRESENT;
    }
  }
  // The fast system-call gate follows the table (Xen: set_int80_direct_trap).
  if (v.runningOn >= 0) h.xen.pcpus[v.runningOn]!.installFastSyscall(v);
  return 0;
}

/** A ring-1 stack selector: RPL 1 and either Xen's flat ring-1 segment or a guest entry. */
function kernelStackSelectorOk(ss: number): boolean {
  if ((ss & 3) !== 1) return false;
  return (ss >>> 3) < 7168 ? (ss >>> 3) !== 0 || (ss & 4) !== 0 : (ss & ~3) === 0xe020;
}

/** stack_switch(ss, esp): the ring-1 stack used on entries from ring 3 (TSS.SS1:ESP1). */
export function stackSwitch(h: HypercallArgs): number {
  const ss = fixupSelector(h.a1 & 0xffff);
  if (!kernelStackSelectorOk(ss)) return EPERM;
  h.v.kernelSs = ss;
  h.v.kernelSp = h.a2 >>> 0;
  h.p.setKernelStack(h.v);
  return 0;
}

/** set_callbacks(event_cs, event_eip, failsafe_cs, failsafe_eip). */
export function setCallbacks(h: HypercallArgs): number {
  const ecs = h.a1 & 0xffff;
  const fcs = h.a3 & 0xffff;
  if (!guestCodeSelectorOk(ecs) || !guestCodeSelectorOk(fcs)) return EPERM;
  h.v.eventCallback = { cs: fixupSelector(ecs), eip: h.a2 >>> 0 };
  h.v.failsafeCallback = { cs: fixupSelector(fcs), eip: h.a4 >>> 0 };
  return 0;
}

const { CALLBACKTYPE_event, CALLBACKTYPE_failsafe } = CallbackType;
const CB = CALLBACK_REGISTER.fields;
const CB_CS = CB.address.offset + XEN_CALLBACK.fields.cs.offset;
const CB_EIP = CB.address.offset + XEN_CALLBACK.fields.eip.offset;

/**
 * callback_op(cmd, arg): struct callback_register {u16 type; u16 flags; u32 cs; u32 eip} on i386.
 * As Xen's (compat_)register_guest_callback: event and failsafe may be registered; unknown types
 * are -ENOSYS; the event and failsafe callbacks cannot be unregistered (-EINVAL).
 */
export function callbackOp(h: HypercallArgs): number {
  const cmd = h.a1 >>> 0;
  if (cmd === CallbackOp.CALLBACKOP_register) {
    const r = readGuest(h, h.a2, CALLBACK_REGISTER.size);
    if (r === null) return EFAULT;
    const type = r.getUint16(CB.type.offset, true);
    const flags = r.getUint16(CB.flags.offset, true);
    const cs = r.getUint32(CB_CS, true) & 0xffff;
    const eip = r.getUint32(CB_EIP, true);
    if (type !== CALLBACKTYPE_event && type !== CALLBACKTYPE_failsafe) return ENOSYS; // no NMI/syscall/sysenter callbacks here
    if (!guestCodeSelectorOk(cs)) return EPERM;
    if (type === CALLBACKTYPE_event) {
      h.v.eventCallback = { cs: fixupSelector(cs), eip };
    } else {
      h.v.failsafeCallback = { cs: fixupSelector(cs), eip };
      h.v.failsafeMasksEvents = (flags & CALLBACKF_mask_events) !== 0;
    }
    return 0;
  }
  if (cmd === CallbackOp.CALLBACKOP_unregister) {
    const r = readGuest(h, h.a2, CALLBACK_UNREGISTER.fields.type.size);
    if (r === null) return EFAULT;
    const type = r.getUint16(CALLBACK_UNREGISTER.fields.type.offset, true);
    return type === CALLBACKTYPE_event || type === CALLBACKTYPE_failsafe ? EINVAL : ENOSYS;
  }
  return ENOSYS;
}

/** fpu_taskswitch(set): the guest's lazy-FPU switch sets or clears CR0.TS. */
export function fpuTaskswitch(h: HypercallArgs): number {
  const cpu = h.p.cpu;
  if (h.a1 !== 0) cpu.cr0 |= CR0_TS;
  else cpu.cr0 &= ~CR0_TS;
  return 0;
}

/**
 * iret (hypercall 23, reached by a jump to the hypercall page): the guest stack holds
 * {EAX, EIP, CS, EFLAGS, [ESP, SS]} (Xen compat_iret). Restores them, and the upcall mask from
 * EFLAGS.IF, atomically — so an event pending meanwhile is delivered right here.
 */
export function iret(h: HypercallArgs): number {
  if (h.inMulticall) return EINVAL;
  const { v, frame: f, xen } = h;
  const sp = f.esp >>> 0;
  const base = xen.segmentBase(v, f.ss);
  const w = base < 0 ? null : readGuest(h, (base + sp) >>> 0, 24);
  if (w === null) {
    xen.crashDomain(v.domain, 'HYPERVISOR_iret with an unreadable frame');
    return NO_RETURN;
  }
  const eax = w.getUint32(0, true);
  const eip = w.getUint32(4, true);
  const cs = w.getUint32(8, true) & 0xffff;
  const eflags = w.getUint32(12, true);
  const toUser = (cs & 3) === 3;
  if ((cs & 3) === 0) {
    xen.crashDomain(v.domain, 'HYPERVISOR_iret to ring 0');
    return NO_RETURN;
  }
  h.p.cpu.reg32[EAX] = eax;
  f.eip = eip;
  f.cs = cs;
  // Guest-visible IF is the upcall mask; the real IF stays set and IOPL stays Xen's.
  xen.mem.u8[v.domain.vcpuInfoAddr(v.id) + 1] = (eflags & FLAG_IF) !== 0 ? 0 : 1;
  f.eflags = (eflags & ~(FLAG_IOPL | FLAG_NT | FLAG_VM)) | FLAG_IF;
  if (toUser) {
    f.esp = w.getUint32(16, true);
    f.ss = w.getUint32(20, true) & 0xffff;
  } else {
    f.esp = (sp + 16) >>> 0;
  }
  xen.exitToGuest(h.p, v, f);
  return NO_RETURN;
}
