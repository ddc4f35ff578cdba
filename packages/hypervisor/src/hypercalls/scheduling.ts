// sched_op, sched_op_compat, set_timer_op and vcpu_op (xen-abi.md §2.5, §2.10, §2.11).
import { SchedOp, ShutdownReason, DomId } from '@xen-ts/abi';
import { EFAULT, EINVAL, ENOENT, ENOSYS, EPERM, ESRCH, NO_RETURN, readGuest, writeGuest, type HypercallArgs } from './hypercall.js';

/** The longest poll list accepted (Xen: 128 ports, then -EINVAL). */
const MAX_POLL_PORTS = 128;

export function schedOp(h: HypercallArgs, cmd = h.a1 >>> 0, arg = h.a2 >>> 0, compat = false): number {
  const { xen, v } = h;
  switch (cmd) {
    case SchedOp.SCHEDOP_yield:
      xen.yieldVcpu(h.p, v);
      return 0;
    case SchedOp.SCHEDOP_block:
      xen.blockVcpu(h.p, v);
      return 0;
    case SchedOp.SCHEDOP_shutdown: {
      let reason: number;
      if (compat) reason = arg;
      else {
        const a = readGuest(h, arg, 4);
        if (a === null) return EFAULT;
        reason = a.getUint32(0, true);
      }
      if (reason > ShutdownReason.SHUTDOWN_MAX) return EINVAL;
      xen.shutdownDomain(v.domain, reason);
      return 0;
    }
    case SchedOp.SCHEDOP_poll: {
      if (compat) return ENOSYS;
      const a = readGuest(h, arg, 16);
      if (a === null) return EFAULT;
      const portsVa = a.getUint32(0, true);
      const n = a.getUint32(4, true);
      const timeout = Number(a.getBigUint64(8, true));
      if (n > MAX_POLL_PORTS) return EINVAL;
      const list = readGuest(h, portsVa, n * 4);
      if (list === null) return EFAULT;
      const ports: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = list.getUint32(i * 4, true);
        if (!v.domain.events.validPort(p)) return EINVAL;
        ports.push(p);
      }
      return xen.pollVcpu(h.p, v, ports, timeout);
    }
    case SchedOp.SCHEDOP_remote_shutdown: {
      if (compat) return ENOSYS;
      const a = readGuest(h, arg, 8);
      if (a === null) return EFAULT;
      const target = xen.domain(a.getUint16(0, true));
      const reason = a.getUint32(4, true);
      if (!v.domain.privileged) return EPERM;
      if (target === undefined) return ESRCH;
      if (reason > ShutdownReason.SHUTDOWN_MAX) return EINVAL;
      xen.shutdownDomain(target, reason);
      return 0;
    }
    case SchedOp.SCHEDOP_shutdown_code: {
      if (compat) return ENOSYS;
      const a = readGuest(h, arg, 4);
      if (a === null) return EFAULT;
      const reason = a.getUint32(0, true);
      if (reason > ShutdownReason.SHUTDOWN_MAX) return EINVAL;
      v.domain.shutdownCode = reason;
      return 0;
    }
    case SchedOp.SCHEDOP_watchdog:
      return ENOSYS;
    case SchedOp.SCHEDOP_pin_override:
      return v.domain.privileged ? ENOSYS : EPERM;
    default:
      return ENOSYS;
  }
}

export function schedOpCompat(h: HypercallArgs): number {
  return schedOp(h, h.a1 >>> 0, h.a2 >>> 0, true);
}

/** set_timer_op(lo, hi): a one-shot timer at absolute system time; 0 cancels. */
export function setTimerOp(h: HypercallArgs): number {
  const at = (h.a2 >>> 0) * 2 ** 32 + (h.a1 >>> 0);
  h.xen.setSingleshot(h.v, at);
  return 0;
}

const VCPUOP_initialise = 0;
const VCPUOP_up = 1;
const VCPUOP_down = 2;
const VCPUOP_is_up = 3;
const VCPUOP_get_runstate_info = 4;
const VCPUOP_register_runstate_memory_area = 5;
const VCPUOP_set_periodic_timer = 6;
const VCPUOP_stop_periodic_timer = 7;
const VCPUOP_set_singleshot_timer = 8;
const VCPUOP_stop_singleshot_timer = 9;
const VCPUOP_send_nmi = 11;
const VCPUOP_get_physid = 12;
const VCPU_SSHOTTMR_future = 1;
/** Xen refuses periodic timers shorter than 1 ms (vcpu.c: MILLISECS(1)). */
const MIN_PERIOD_NS = 1_000_000;

export function vcpuOp(h: HypercallArgs): number {
  const { xen, v } = h;
  const cmd = h.a1 >>> 0;
  const target = v.domain.vcpus[h.a2 >>> 0];
  if (target === undefined) return ENOENT;
  const arg = h.a3 >>> 0;
  switch (cmd) {
    case VCPUOP_initialise:
      return xen.initialiseVcpu(h, target, arg);
    case VCPUOP_up:
      return xen.vcpuUp(target);
    case VCPUOP_down:
      return xen.vcpuDown(h.p, target);
    case VCPUOP_is_up:
      return target.online ? 1 : 0;
    case VCPUOP_get_runstate_info: {
      const b = xen.runstateBytes(target);
      return writeGuest(h, arg, b) ? 0 : EFAULT;
    }
    case VCPUOP_register_runstate_memory_area: {
      const a = readGuest(h, arg, 8);
      if (a === null) return EFAULT;
      target.runstateArea = a.getUint32(0, true);
      xen.updateRunstateArea(target);
      return 0;
    }
    case VCPUOP_set_periodic_timer: {
      const a = readGuest(h, arg, 8);
      if (a === null) return EFAULT;
      const period = Number(a.getBigUint64(0, true));
      if (period < MIN_PERIOD_NS) return EINVAL;
      xen.setPeriodic(target, period);
      return 0;
    }
    case VCPUOP_stop_periodic_timer:
      xen.setPeriodic(target, 0);
      return 0;
    case VCPUOP_set_singleshot_timer: {
      if (target !== v) return EINVAL; // only the calling vCPU (Xen: -EINVAL)
      const a = readGuest(h, arg, 12);
      if (a === null) return EFAULT;
      const at = Number(a.getBigUint64(0, true));
      const flags = a.getUint32(8, true);
      if ((flags & VCPU_SSHOTTMR_future) !== 0 && at < xen.now()) return -62; // -ETIME
      xen.setSingleshot(target, at === 0 ? 1 : at);
      return 0;
    }
    case VCPUOP_stop_singleshot_timer:
      if (target !== v) return EINVAL;
      xen.setSingleshot(target, 0);
      return 0;
    case VCPUOP_send_nmi:
    case VCPUOP_get_physid:
      return ENOSYS;
    default:
      return ENOSYS;
  }
}

void NO_RETURN;
void DomId;
