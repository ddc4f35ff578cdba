// sched_op, sched_op_compat, set_timer_op and vcpu_op (xen-abi.md §2.5, §2.10, §2.11).
import {
  SCHED_POLL,
  SCHED_REMOTE_SHUTDOWN,
  SCHED_SHUTDOWN,
  SchedOp,
  ShutdownReason,
  VCPU_REGISTER_RUNSTATE_MEMORY_AREA,
  VCPU_SET_PERIODIC_TIMER,
  VCPU_SET_SINGLESHOT_TIMER,
  VCPU_SSHOTTMR_future,
  VcpuOp,
  XenErrno,
} from '@xen-ts/abi';
import { EFAULT, EINVAL, ENOENT, ENOSYS, EPERM, ESRCH, readGuest, writeGuest, type HypercallArgs } from './hypercall.js';

/** The longest poll list accepted (Xen: 128 ports, then -EINVAL). */
const MAX_POLL_PORTS = 128;

const POLL = SCHED_POLL.fields;
const REMOTE = SCHED_REMOTE_SHUTDOWN.fields;

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
        const a = readGuest(h, arg, SCHED_SHUTDOWN.size);
        if (a === null) return EFAULT;
        reason = a.getUint32(SCHED_SHUTDOWN.fields.reason.offset, true);
      }
      if (reason > ShutdownReason.SHUTDOWN_MAX) return EINVAL;
      xen.shutdownDomain(v.domain, reason);
      return 0;
    }
    case SchedOp.SCHEDOP_poll: {
      if (compat) return ENOSYS;
      const a = readGuest(h, arg, SCHED_POLL.size);
      if (a === null) return EFAULT;
      const portsVa = a.getUint32(POLL.ports.offset, true);
      const n = a.getUint32(POLL.nr_ports.offset, true);
      const timeout = Number(a.getBigUint64(POLL.timeout.offset, true));
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
      const a = readGuest(h, arg, SCHED_REMOTE_SHUTDOWN.size);
      if (a === null) return EFAULT;
      const target = xen.domain(a.getUint16(REMOTE.domain_id.offset, true));
      const reason = a.getUint32(REMOTE.reason.offset, true);
      if (!v.domain.privileged) return EPERM;
      if (target === undefined) return ESRCH;
      if (reason > ShutdownReason.SHUTDOWN_MAX) return EINVAL;
      xen.shutdownDomain(target, reason);
      return 0;
    }
    case SchedOp.SCHEDOP_shutdown_code: {
      if (compat) return ENOSYS;
      const a = readGuest(h, arg, SCHED_SHUTDOWN.size);
      if (a === null) return EFAULT;
      const reason = a.getUint32(SCHED_SHUTDOWN.fields.reason.offset, true);
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

const SSHOT = VCPU_SET_SINGLESHOT_TIMER.fields;
/** Xen refuses periodic timers shorter than 1 ms (vcpu.c: MILLISECS(1)). */
const MIN_PERIOD_NS = 1_000_000;

export function vcpuOp(h: HypercallArgs): number {
  const { xen, v } = h;
  const cmd = h.a1 >>> 0;
  const target = v.domain.vcpus[h.a2 >>> 0];
  if (target === undefined) return ENOENT;
  const arg = h.a3 >>> 0;
  switch (cmd) {
    case VcpuOp.VCPUOP_initialise:
      return xen.initialiseVcpu(h, target, arg);
    case VcpuOp.VCPUOP_up:
      return xen.vcpuUp(target);
    case VcpuOp.VCPUOP_down:
      return xen.vcpuDown(target);
    case VcpuOp.VCPUOP_is_up:
      return target.online ? 1 : 0;
    case VcpuOp.VCPUOP_get_runstate_info: {
      const b = xen.runstateBytes(target);
      return writeGuest(h, arg, b) ? 0 : EFAULT;
    }
    case VcpuOp.VCPUOP_register_runstate_memory_area: {
      const a = readGuest(h, arg, VCPU_REGISTER_RUNSTATE_MEMORY_AREA.size);
      if (a === null) return EFAULT;
      // addr is a union with a u64; a 32-bit guest's pointer is its low word.
      target.runstateArea = a.getUint32(VCPU_REGISTER_RUNSTATE_MEMORY_AREA.fields.addr.offset, true);
      xen.updateRunstateArea(target);
      return 0;
    }
    case VcpuOp.VCPUOP_set_periodic_timer: {
      const a = readGuest(h, arg, VCPU_SET_PERIODIC_TIMER.size);
      if (a === null) return EFAULT;
      const period = Number(a.getBigUint64(VCPU_SET_PERIODIC_TIMER.fields.period_ns.offset, true));
      if (period < MIN_PERIOD_NS) return EINVAL;
      xen.setPeriodic(target, period);
      return 0;
    }
    case VcpuOp.VCPUOP_stop_periodic_timer:
      xen.setPeriodic(target, 0);
      return 0;
    case VcpuOp.VCPUOP_set_singleshot_timer: {
      if (target !== v) return EINVAL; // only the calling vCPU (Xen: -EINVAL)
      const a = readGuest(h, arg, VCPU_SET_SINGLESHOT_TIMER.size);
      if (a === null) return EFAULT;
      const at = Number(a.getBigUint64(SSHOT.timeout_abs_ns.offset, true));
      const flags = a.getUint32(SSHOT.flags.offset, true);
      if ((flags & VCPU_SSHOTTMR_future) !== 0 && at < xen.now()) return -XenErrno.ETIME;
      xen.setSingleshot(target, at === 0 ? 1 : at);
      return 0;
    }
    case VcpuOp.VCPUOP_stop_singleshot_timer:
      if (target !== v) return EINVAL;
      xen.setSingleshot(target, 0);
      return 0;
    case VcpuOp.VCPUOP_send_nmi:
    case VcpuOp.VCPUOP_get_physid:
      return ENOSYS;
    default:
      return ENOSYS;
  }
}

