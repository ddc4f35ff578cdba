// event_channel_op (hypercall 32) and its legacy form 16 (xen-abi.md §2.9).
import {
  DomId,
  EVTCHN_ALLOC_UNBOUND,
  EVTCHN_BIND_INTERDOMAIN,
  EVTCHN_BIND_IPI,
  EVTCHN_BIND_VCPU,
  EVTCHN_BIND_VIRQ,
  EVTCHN_CLOSE,
  EVTCHN_SEND,
  EVTCHN_STATUS,
  EVTCHN_UNMASK,
  EvtchnOp,
  EvtchnStat,
  Virq,
} from '@xen-ts/abi';
import { EFAULT, EINVAL, ENOSYS, EPERM, ESRCH, readGuest, targetDomain, writeGuest, writeGuest32, type HypercallArgs } from './hypercall.js';

const ALLOC = EVTCHN_ALLOC_UNBOUND.fields;
const INTERDOMAIN = EVTCHN_BIND_INTERDOMAIN.fields;
const BIND_VIRQ = EVTCHN_BIND_VIRQ.fields;
const BIND_IPI = EVTCHN_BIND_IPI.fields;
const BIND_VCPU = EVTCHN_BIND_VCPU.fields;
const STATUS = EVTCHN_STATUS.fields;

export function eventChannelOp(h: HypercallArgs, cmd = h.a1 >>> 0, arg = h.a2 >>> 0): number {
  const d = h.v.domain;
  const ev = d.events;
  const out = (offset: number, value: number): number => (writeGuest32(h, arg + offset, value) ? 0 : EFAULT);
  switch (cmd) {
    case EvtchnOp.EVTCHNOP_alloc_unbound: {
      const a = readGuest(h, arg, EVTCHN_ALLOC_UNBOUND.size);
      if (a === null) return EFAULT;
      const owner = targetDomain(h, a.getUint16(ALLOC.dom.offset, true));
      if (typeof owner === 'number') return owner;
      let remote = a.getUint16(ALLOC.remote_dom.offset, true);
      if (remote === DomId.DOMID_SELF) remote = d.id;
      const port = owner.events.allocUnbound(remote);
      return port < 0 ? port : out(ALLOC.port.offset, port);
    }
    case EvtchnOp.EVTCHNOP_bind_interdomain: {
      const a = readGuest(h, arg, EVTCHN_BIND_INTERDOMAIN.size);
      if (a === null) return EFAULT;
      let rdom = a.getUint16(INTERDOMAIN.remote_dom.offset, true);
      if (rdom === DomId.DOMID_SELF) rdom = d.id;
      const remote = h.xen.domain(rdom);
      if (remote === undefined || !remote.isAlive) return ESRCH;
      const port = ev.bindInterdomain(remote.events, a.getUint32(INTERDOMAIN.remote_port.offset, true));
      return port < 0 ? port : out(INTERDOMAIN.local_port.offset, port);
    }
    case EvtchnOp.EVTCHNOP_bind_virq: {
      const a = readGuest(h, arg, EVTCHN_BIND_VIRQ.size);
      if (a === null) return EFAULT;
      const virq = a.getUint32(BIND_VIRQ.virq.offset, true);
      const vcpu = a.getUint32(BIND_VIRQ.vcpu.offset, true);
      const port = ev.bindVirq(virq, vcpu);
      if (port >= 0 && virq === Virq.VIRQ_TIMER) h.xen.timerVirqBound(d.vcpus[vcpu]!);
      return port < 0 ? port : out(BIND_VIRQ.port.offset, port);
    }
    case EvtchnOp.EVTCHNOP_bind_ipi: {
      const a = readGuest(h, arg, EVTCHN_BIND_IPI.size);
      if (a === null) return EFAULT;
      const port = ev.bindIpi(a.getUint32(BIND_IPI.vcpu.offset, true));
      return port < 0 ? port : out(BIND_IPI.port.offset, port);
    }
    case EvtchnOp.EVTCHNOP_bind_pirq:
      return d.privileged ? EINVAL : EPERM; // no physical IRQs are routed to guests
    case EvtchnOp.EVTCHNOP_close: {
      const a = readGuest(h, arg, EVTCHN_CLOSE.size);
      if (a === null) return EFAULT;
      return ev.close(a.getUint32(EVTCHN_CLOSE.fields.port.offset, true));
    }
    case EvtchnOp.EVTCHNOP_send: {
      const a = readGuest(h, arg, EVTCHN_SEND.size);
      if (a === null) return EFAULT;
      const port = a.getUint32(EVTCHN_SEND.fields.port.offset, true);
      h.xen.trace.eventSend(h.p, h.v, port);
      return ev.send(port);
    }
    case EvtchnOp.EVTCHNOP_status: {
      // The union u: unbound.dom (u16) | interdomain.{dom (u16), port (u32)} | pirq | virq (u32).
      const a = readGuest(h, arg, EVTCHN_STATUS.size);
      if (a === null) return EFAULT;
      const target = targetDomain(h, a.getUint16(STATUS.dom.offset, true));
      if (typeof target === 'number') return target;
      const port = a.getUint32(STATUS.port.offset, true);
      const tev = target.events;
      if (!tev.validPort(port)) return EINVAL;
      // The OUT part, from `status` to the end, written back in one piece.
      const outStart = STATUS.status.offset;
      const b = new Uint8Array(EVTCHN_STATUS.size - outStart);
      const w = new DataView(b.buffer);
      const st = tev.state[port]!;
      w.setUint32(STATUS.status.offset - outStart, st, true);
      w.setUint32(STATUS.vcpu.offset - outStart, tev.notifyVcpu[port]!, true);
      if (st === EvtchnStat.EVTCHNSTAT_unbound) w.setUint16(STATUS.u0.offset - outStart, tev.remoteDom[port]!, true);
      else if (st === EvtchnStat.EVTCHNSTAT_interdomain) {
        w.setUint16(STATUS.u0.offset - outStart, tev.remoteDom[port]!, true);
        w.setUint32(STATUS.u1.offset - outStart, tev.remotePort[port]!, true);
      } else if (st === EvtchnStat.EVTCHNSTAT_virq) w.setUint32(STATUS.u0.offset - outStart, tev.virq[port]!, true);
      return writeGuest(h, arg + outStart, b) ? 0 : EFAULT;
    }
    case EvtchnOp.EVTCHNOP_bind_vcpu: {
      const a = readGuest(h, arg, EVTCHN_BIND_VCPU.size);
      if (a === null) return EFAULT;
      return ev.bindVcpu(a.getUint32(BIND_VCPU.port.offset, true), a.getUint32(BIND_VCPU.vcpu.offset, true));
    }
    case EvtchnOp.EVTCHNOP_unmask: {
      const a = readGuest(h, arg, EVTCHN_UNMASK.size);
      if (a === null) return EFAULT;
      return ev.unmask(a.getUint32(EVTCHN_UNMASK.fields.port.offset, true));
    }
    case EvtchnOp.EVTCHNOP_reset: {
      const a = readGuest(h, arg, 2);
      if (a === null) return EFAULT;
      const target = targetDomain(h, a.getUint16(0, true));
      if (typeof target === 'number') return target;
      target.events.closeAll();
      return 0;
    }
    default:
      return ENOSYS; // the FIFO ABI (init_control, expand_array, set_priority) is not offered
  }
}

/** Hypercall 16: struct evtchn_op {u32 cmd; union u}. */
export function eventChannelOpCompat(h: HypercallArgs): number {
  const a = readGuest(h, h.a1, 4);
  if (a === null) return EFAULT;
  return eventChannelOp(h, a.getUint32(0, true), (h.a1 + 4) >>> 0);
}
