// event_channel_op (hypercall 32) and its legacy form 16 (xen-abi.md §2.9).
import { DomId, EvtchnOp, EvtchnStat } from '@xen-ts/abi';
import type { Domain } from '../domain/domain.js';
import { EFAULT, EINVAL, ENOSYS, EPERM, ESRCH, readGuest, writeGuest, writeGuest32, type HypercallArgs } from './hypercall.js';

function resolveDom(h: HypercallArgs, domid: number): Domain | number {
  const self = h.v.domain;
  if (domid === DomId.DOMID_SELF || domid === self.id) return self;
  // Xen looks the domain up first (-ESRCH), then asks XSM (-EPERM).
  const d = h.xen.domain(domid);
  if (d === undefined) return ESRCH;
  return self.privileged ? d : EPERM;
}

export function eventChannelOp(h: HypercallArgs, cmd = h.a1 >>> 0, arg = h.a2 >>> 0): number {
  const d = h.v.domain;
  const ev = d.events;
  const out = (offset: number, value: number): number => (writeGuest32(h, arg + offset, value) ? 0 : EFAULT);
  switch (cmd) {
    case EvtchnOp.EVTCHNOP_alloc_unbound: {
      const a = readGuest(h, arg, 8);
      if (a === null) return EFAULT;
      const owner = resolveDom(h, a.getUint16(0, true));
      if (typeof owner === 'number') return owner;
      let remote = a.getUint16(2, true);
      if (remote === DomId.DOMID_SELF) remote = d.id;
      const port = owner.events.allocUnbound(remote);
      return port < 0 ? port : out(4, port);
    }
    case EvtchnOp.EVTCHNOP_bind_interdomain: {
      const a = readGuest(h, arg, 12);
      if (a === null) return EFAULT;
      let rdom = a.getUint16(0, true);
      if (rdom === DomId.DOMID_SELF) rdom = d.id;
      const remote = h.xen.domain(rdom);
      if (remote === undefined || !remote.isAlive) return ESRCH;
      const port = ev.bindInterdomain(remote.events, a.getUint32(4, true));
      return port < 0 ? port : out(8, port);
    }
    case EvtchnOp.EVTCHNOP_bind_virq: {
      const a = readGuest(h, arg, 12);
      if (a === null) return EFAULT;
      const port = ev.bindVirq(a.getUint32(0, true), a.getUint32(4, true));
      if (port >= 0 && a.getUint32(0, true) === 0) h.xen.timerVirqBound(d.vcpus[a.getUint32(4, true)]!);
      return port < 0 ? port : out(8, port);
    }
    case EvtchnOp.EVTCHNOP_bind_ipi: {
      const a = readGuest(h, arg, 8);
      if (a === null) return EFAULT;
      const port = ev.bindIpi(a.getUint32(0, true));
      return port < 0 ? port : out(4, port);
    }
    case EvtchnOp.EVTCHNOP_bind_pirq:
      return d.privileged ? EINVAL : EPERM; // no physical IRQs are routed to guests
    case EvtchnOp.EVTCHNOP_close: {
      const a = readGuest(h, arg, 4);
      if (a === null) return EFAULT;
      return ev.close(a.getUint32(0, true));
    }
    case EvtchnOp.EVTCHNOP_send: {
      const a = readGuest(h, arg, 4);
      if (a === null) return EFAULT;
      const port = a.getUint32(0, true);
      h.xen.trace.eventSend(h.p, h.v, port);
      return ev.send(port);
    }
    case EvtchnOp.EVTCHNOP_status: {
      // {domid_t dom; u32 port; u32 status; u32 vcpu; union {u16 unbound.dom | {u16 dom; u32 port} | u32 pirq | u32 virq}}
      const a = readGuest(h, arg, 24);
      if (a === null) return EFAULT;
      const target = resolveDom(h, a.getUint16(0, true));
      if (typeof target === 'number') return target;
      const port = a.getUint32(4, true);
      const tev = target.events;
      if (!tev.validPort(port)) return EINVAL;
      const b = new Uint8Array(16);
      const w = new DataView(b.buffer);
      const st = tev.state[port]!;
      w.setUint32(0, st, true);
      w.setUint32(4, tev.notifyVcpu[port]!, true);
      if (st === EvtchnStat.EVTCHNSTAT_unbound) w.setUint16(8, tev.remoteDom[port]!, true);
      else if (st === EvtchnStat.EVTCHNSTAT_interdomain) {
        w.setUint16(8, tev.remoteDom[port]!, true);
        w.setUint32(12, tev.remotePort[port]!, true);
      } else if (st === EvtchnStat.EVTCHNSTAT_virq) w.setUint32(8, tev.virq[port]!, true);
      return writeGuest(h, arg + 8, b) ? 0 : EFAULT;
    }
    case EvtchnOp.EVTCHNOP_bind_vcpu: {
      const a = readGuest(h, arg, 8);
      if (a === null) return EFAULT;
      return ev.bindVcpu(a.getUint32(0, true), a.getUint32(4, true));
    }
    case EvtchnOp.EVTCHNOP_unmask: {
      const a = readGuest(h, arg, 4);
      if (a === null) return EFAULT;
      return ev.unmask(a.getUint32(0, true));
    }
    case EvtchnOp.EVTCHNOP_reset: {
      const a = readGuest(h, arg, 2);
      if (a === null) return EFAULT;
      const target = resolveDom(h, a.getUint16(0, true));
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
