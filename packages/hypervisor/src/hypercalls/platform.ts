// xen_version, console_io, vm_assist, physdev_op, set_debugreg/get_debugreg, platform_op.
import {
  CONSOLEIO_read,
  CONSOLEIO_write,
  PAGE_SIZE,
  PHYSDEV_SET_IOPL,
  PhysdevOp,
  VmAssist,
  XEN_CAPABILITIES_INFO_LEN,
  XEN_CHANGESET_INFO_LEN,
  XEN_COMMANDLINE_LEN,
  XEN_COMPILE_INFO,
  XEN_DOMAIN_HANDLE_LEN,
  XEN_EXTRAVERSION_LEN,
  XEN_FEATURE_INFO,
  XENFEAT_NR_SUBMAPS,
  XenErrno,
  XenFeat,
  XenVersionCmd,
} from '@xen-ts/abi';
import { EFAULT, EINVAL, ENOSYS, EPERM, readGuest, writeGuest, writeGuest32, type HypercallArgs } from './hypercall.js';

export const XEN_MAJOR = 4;
export const XEN_MINOR = 19;
export const XEN_EXTRAVERSION = '-xen-ts';

/** XENFEAT bits we offer (public/features.h): none of the optional modes; dom0 gets `dom0`. */
function features(h: HypercallArgs): number {
  return h.v.domain.privileged ? 1 << XenFeat.XENFEAT_dom0 : 0;
}

const CI = XEN_COMPILE_INFO.fields;
const FI = XEN_FEATURE_INFO.fields;

function str(s: string, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < Math.min(s.length, size - 1); i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** xen_version(cmd, arg) (§2.14). */
export function xenVersion(h: HypercallArgs): number {
  const cmd = h.a1 >>> 0;
  const arg = h.a2 >>> 0;
  switch (cmd) {
    case XenVersionCmd.XENVER_version:
      return (XEN_MAJOR << 16) | XEN_MINOR;
    case XenVersionCmd.XENVER_extraversion:
      return writeGuest(h, arg, str(XEN_EXTRAVERSION, XEN_EXTRAVERSION_LEN)) ? 0 : EFAULT;
    case XenVersionCmd.XENVER_compile_info: {
      const b = new Uint8Array(XEN_COMPILE_INFO.size);
      b.set(str('TypeScript', CI.compiler.size), CI.compiler.offset);
      b.set(str('xen-ts', CI.compile_by.size), CI.compile_by.offset);
      b.set(str('xen-ts.dev', CI.compile_domain.size), CI.compile_domain.offset);
      b.set(str('2026-11-25', CI.compile_date.size), CI.compile_date.offset);
      return writeGuest(h, arg, b) ? 0 : EFAULT;
    }
    case XenVersionCmd.XENVER_capabilities: {
      const caps = h.xen.layout.mode === 'pae' ? 'xen-3.0-x86_32p' : 'xen-3.0-x86_32';
      return writeGuest(h, arg, str(caps, XEN_CAPABILITIES_INFO_LEN)) ? 0 : EFAULT;
    }
    case XenVersionCmd.XENVER_changeset:
      return writeGuest(h, arg, str('xen-ts', XEN_CHANGESET_INFO_LEN)) ? 0 : EFAULT;
    case XenVersionCmd.XENVER_platform_parameters: // xen_platform_parameters.virt_start
      return writeGuest32(h, arg, h.xen.layout.hypervisorVirtStart) ? 0 : EFAULT;
    case XenVersionCmd.XENVER_get_features: {
      const req = readGuest(h, arg, XEN_FEATURE_INFO.size);
      if (req === null) return EFAULT;
      const idx = req.getUint32(FI.submap_idx.offset, true);
      if (idx >= XENFEAT_NR_SUBMAPS) return EINVAL;
      return writeGuest32(h, arg + FI.submap.offset, features(h)) ? 0 : EFAULT;
    }
    case XenVersionCmd.XENVER_pagesize:
      return PAGE_SIZE;
    case XenVersionCmd.XENVER_guest_handle:
      return writeGuest(h, arg, new Uint8Array(XEN_DOMAIN_HANDLE_LEN)) ? 0 : EFAULT;
    case XenVersionCmd.XENVER_commandline:
      return writeGuest(h, arg, str(h.xen.commandLine, XEN_COMMANDLINE_LEN)) ? 0 : EFAULT;
    default:
      return ENOSYS;
  }
}

/** Longest console_io write we take in one call (Xen copies in chunks; guests loop on the count). */
const CONSOLE_MAX = 16384;

export function consoleIo(h: HypercallArgs): number {
  const cmd = h.a1 >>> 0;
  const count = h.a2 >>> 0;
  const d = h.v.domain;
  if (!d.privileged && !h.xen.config.domUConsoleIo) return EPERM;
  switch (cmd) {
    case CONSOLEIO_write: {
      if (count > CONSOLE_MAX) return EINVAL;
      const data = readGuest(h, h.a3, count);
      if (data === null) return EFAULT;
      h.xen.consoleWrite(d, new Uint8Array(data.buffer, 0, count));
      return 0;
    }
    case CONSOLEIO_read:
      return d.privileged ? 0 : EPERM; // no serial input reaches the hypervisor console yet
    default:
      return ENOSYS;
  }
}

/** VM_ASSIST_VALID for a 32-bit PV guest (Xen: asm/config.h), by type number. */
const VALID_ASSISTS = new Set<number>([
  VmAssist.VMASST_TYPE_4gb_segments,
  VmAssist.VMASST_TYPE_4gb_segments_notify,
  VmAssist.VMASST_TYPE_writable_pagetables,
  VmAssist.VMASST_TYPE_pae_extended_cr3,
  VmAssist.VMASST_TYPE_architectural_iopl,
  VmAssist.VMASST_TYPE_runstate_update_flag,
  VmAssist.VMASST_TYPE_m2p_strict,
]);

/**
 * vm_assist(cmd, type) (common/kernel.c do_vm_assist): a type not valid for the guest is
 * -EINVAL, then an unknown command -ENOSYS. writable_pagetables turns on the emulation of direct
 * L1 writes (traps/ptwr.ts); 4gb_segments is accepted and changes nothing, as on a 64-bit Xen.
 */
export function vmAssist(h: HypercallArgs): number {
  const cmd = h.a1 >>> 0;
  const type = h.a2 >>> 0;
  if (!VALID_ASSISTS.has(type)) return EINVAL;
  const bit = 2 ** type;
  const d = h.v.domain;
  if (cmd === VmAssist.VMASST_CMD_enable) d.vmAssist = d.vmAssist % (2 * bit) >= bit ? d.vmAssist : d.vmAssist + bit;
  else if (cmd === VmAssist.VMASST_CMD_disable) d.vmAssist = d.vmAssist % (2 * bit) >= bit ? d.vmAssist - bit : d.vmAssist;
  else return ENOSYS;
  return 0;
}


export function physdevOp(h: HypercallArgs, cmd = h.a1 >>> 0, arg = h.a2 >>> 0): number {
  switch (cmd) {
    case PhysdevOp.PHYSDEVOP_set_iopl: {
      const a = readGuest(h, arg, PHYSDEV_SET_IOPL.size);
      if (a === null) return EFAULT;
      const iopl = a.getUint32(PHYSDEV_SET_IOPL.fields.iopl.offset, true);
      if (iopl > 3) return EINVAL;
      h.v.iopl = iopl;
      return 0;
    }
    case PhysdevOp.PHYSDEVOP_irq_status_query:
    case PhysdevOp.PHYSDEVOP_eoi:
      return h.v.domain.privileged ? EINVAL : EPERM; // no physical IRQs are routed to guests
    default:
      return ENOSYS;
  }
}

/** physdev_op_compat(struct physdev_op *): { u32 cmd; union ... }. */
export function physdevOpCompat(h: HypercallArgs): number {
  const a = readGuest(h, h.a1, 4);
  if (a === null) return EFAULT;
  return physdevOp(h, a.getUint32(0, true), (h.a1 + 4) >>> 0);
}

/** set_debugreg(reg, value): breakpoint addresses must stay below the hole (Xen: set_debugreg). */
export function setDebugreg(h: HypercallArgs): number {
  const reg = h.a1 >>> 0;
  const value = h.a2 >>> 0;
  const ctx = h.v.ctx;
  const cpu = h.p.cpu;
  if (reg <= 3) {
    if (value > h.xen.layout.hypervisorVirtStart - 4) return EPERM;
    cpu.dr[reg] = value;
  } else if (reg === 6) {
    cpu.dr[6] = ((value & 0xe00f) | 0xffff0ff0) >>> 0 | 0;
  } else if (reg === 7) {
    // No I/O breakpoints (R/W = 10) and no general-detect: refuse what we cannot honour.
    for (let i = 0; i < 4; i++) if (((value >>> (16 + i * 4)) & 3) === 2) return EPERM;
    if ((value & 0x2000) !== 0) return EPERM;
    cpu.dr[7] = (value & 0xffff03ff) | 0x400;
    cpu.updateBreakpoints();
  } else {
    return EINVAL;
  }
  ctx.dr.set(cpu.dr);
  return 0;
}

export function getDebugreg(h: HypercallArgs): number {
  const reg = h.a1 >>> 0;
  if (reg > 7 || reg === 4 || reg === 5) return EINVAL;
  return h.p.cpu.dr[reg]!;
}

export function platformOp(h: HypercallArgs): number {
  return h.v.domain.privileged ? ENOSYS : -XenErrno.EPERM;
}
