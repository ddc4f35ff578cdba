// xen_version, console_io, vm_assist, physdev_op, set_debugreg/get_debugreg, platform_op.
import { VmAssist, XenErrno } from '@xen-ts/abi';
import { EFAULT, EINVAL, ENOSYS, EPERM, readGuest, writeGuest, writeGuest32, type HypercallArgs } from './hypercall.js';

export const XEN_MAJOR = 4;
export const XEN_MINOR = 19;
export const XEN_EXTRAVERSION = '-xen-ts';

/** XENFEAT bits we offer (public/features.h): none of the optional modes; dom0 gets `dom0` (11). */
function features(h: HypercallArgs): number {
  return h.v.domain.privileged ? 1 << 11 : 0;
}

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
    case 0: // XENVER_version
      return (XEN_MAJOR << 16) | XEN_MINOR;
    case 1: // extraversion: char[16]
      return writeGuest(h, arg, str(XEN_EXTRAVERSION, 16)) ? 0 : EFAULT;
    case 2: { // compile_info: compiler[64], compile_by[16], compile_domain[32], compile_date[32]
      const b = new Uint8Array(144);
      b.set(str('TypeScript', 64), 0);
      b.set(str('xen-ts', 16), 64);
      b.set(str('xen-ts.dev', 32), 80);
      b.set(str('2026-11-25', 32), 112);
      return writeGuest(h, arg, b) ? 0 : EFAULT;
    }
    case 3: // capabilities: char[1024]
      return writeGuest(h, arg, str(h.xen.layout.mode === 'pae' ? 'xen-3.0-x86_32p' : 'xen-3.0-x86_32', 1024)) ? 0 : EFAULT;
    case 4: // changeset: char[64]
      return writeGuest(h, arg, str('xen-ts', 64)) ? 0 : EFAULT;
    case 5: // platform_parameters: { ulong virt_start }
      return writeGuest32(h, arg, h.xen.layout.hypervisorVirtStart) ? 0 : EFAULT;
    case 6: { // get_features: { u32 submap_idx; u32 submap }
      const req = readGuest(h, arg, 8);
      if (req === null) return EFAULT;
      const idx = req.getUint32(0, true);
      if (idx !== 0) return EINVAL; // XENFEAT_NR_SUBMAPS = 1
      return writeGuest32(h, arg + 4, features(h)) ? 0 : EFAULT;
    }
    case 7: // pagesize
      return 4096;
    case 8: // guest_handle: xen_domain_handle_t (16 bytes)
      return writeGuest(h, arg, new Uint8Array(16)) ? 0 : EFAULT;
    case 9: // commandline: char[1024]
      return writeGuest(h, arg, str(h.xen.commandLine, 1024)) ? 0 : EFAULT;
    default:
      return ENOSYS;
  }
}

const CONSOLEIO_write = 0;
const CONSOLEIO_read = 1;
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
  if (cmd === 0) d.vmAssist = d.vmAssist % (2 * bit) >= bit ? d.vmAssist : d.vmAssist + bit;
  else if (cmd === 1) d.vmAssist = d.vmAssist % (2 * bit) >= bit ? d.vmAssist - bit : d.vmAssist;
  else return ENOSYS;
  return 0;
}

const PHYSDEVOP_set_iopl = 6;
const PHYSDEVOP_irq_status_query = 5;
const PHYSDEVOP_eoi = 12;

export function physdevOp(h: HypercallArgs, cmd = h.a1 >>> 0, arg = h.a2 >>> 0): number {
  switch (cmd) {
    case PHYSDEVOP_set_iopl: {
      const a = readGuest(h, arg, 4);
      if (a === null) return EFAULT;
      const iopl = a.getUint32(0, true);
      if (iopl > 3) return EINVAL;
      h.v.iopl = iopl;
      return 0;
    }
    case PHYSDEVOP_irq_status_query:
    case PHYSDEVOP_eoi:
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
