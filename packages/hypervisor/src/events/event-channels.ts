// Event channels with the 2-level ABI (xen-abi.md §2.6, §2.9; xen/common/event_channel.c and
// event_2l.c). Pending and mask bits live in the domain's shared_info page, so the guest sees
// them as Xen's guests do; ports and bindings live here.
import { EvtchnStat, EVTCHN_2L_NR_CHANNELS, SHARED_INFO, Virq, XenErrno } from '@xen-ts/abi';
import type { RamMachineMemory } from '../machine/machine-memory.js';
import type { Domain } from '../domain/domain.js';
import type { Vcpu } from '../domain/vcpu.js';

const PENDING = SHARED_INFO.fields.evtchn_pending.offset;
const MASK = SHARED_INFO.fields.evtchn_mask.offset;

/** VIRQs bound per vCPU (xen-abi.md §2.9 scope V); the rest are global (vCPU 0 only). */
export function virqIsPerVcpu(virq: number): boolean {
  return virq === Virq.VIRQ_TIMER || virq === Virq.VIRQ_DEBUG || virq === Virq.VIRQ_XENOPROF || virq === Virq.VIRQ_XENPMU;
}

/** What event channels need from the rest of the hypervisor. */
export interface EventHost {
  readonly mem: RamMachineMemory;
  domain(id: number): Domain | undefined;
  /** The vCPU has a new upcall pending: wake it if blocked, make it look if running. */
  kickVcpu(v: Vcpu): void;
  /** A port of a domain without vCPUs (a dom0 service written in TypeScript) became pending. */
  notifyService(d: Domain, port: number): void;
}

export class EventChannels {
  /** EVTCHNSTAT_* per port. */
  readonly state = new Uint8Array(EVTCHN_2L_NR_CHANNELS);
  /** unbound: the domain allowed to bind; interdomain: the remote domain. */
  readonly remoteDom = new Int32Array(EVTCHN_2L_NR_CHANNELS);
  readonly remotePort = new Int32Array(EVTCHN_2L_NR_CHANNELS);
  /** virq number for virq ports. */
  readonly virq = new Int32Array(EVTCHN_2L_NR_CHANNELS);
  /** The vCPU notified (EVTCHNOP_bind_vcpu / the vCPU of a virq or ipi). */
  readonly notifyVcpu = new Int32Array(EVTCHN_2L_NR_CHANNELS);
  /** virqToPort[vcpu * NR_VIRQS + virq] = port, 0 if unbound. */
  readonly virqToPort: Int32Array;
  /** Pending/mask bits for domains without a shared_info page (TypeScript dom0 services). */
  private readonly localBits: Uint32Array | null;

  constructor(
    readonly domain: Domain,
    private readonly host: EventHost,
    maxVcpus: number,
  ) {
    this.virqToPort = new Int32Array(maxVcpus * Virq.NR_VIRQS);
    this.localBits = domain.sharedInfoMfn < 0 ? new Uint32Array(64) : null;
  }

  // ---- bits in shared_info -------------------------------------------------------------

  private wordAddr(base: number, port: number): number {
    return this.domain.sharedInfoMfn * 4096 + base + (port >>> 5) * 4;
  }

  private testBit(base: number, port: number): boolean {
    if (this.localBits !== null) return (this.localBits[(base === MASK ? 32 : 0) + (port >>> 5)]! & (1 << (port & 31))) !== 0;
    return (this.host.mem.view.getUint32(this.wordAddr(base, port), true) & (1 << (port & 31))) !== 0;
  }

  /** Sets a bit and returns its old value. */
  private testAndSetBit(base: number, port: number): boolean {
    const bit = 1 << (port & 31);
    if (this.localBits !== null) {
      const i = (base === MASK ? 32 : 0) + (port >>> 5);
      const old = (this.localBits[i]! & bit) !== 0;
      this.localBits[i] = this.localBits[i]! | bit;
      return old;
    }
    const a = this.wordAddr(base, port);
    const w = this.host.mem.view.getUint32(a, true);
    this.host.mem.view.setUint32(a, (w | bit) >>> 0, true);
    return (w & bit) !== 0;
  }

  private clearBit(base: number, port: number): void {
    const bit = 1 << (port & 31);
    if (this.localBits !== null) {
      const i = (base === MASK ? 32 : 0) + (port >>> 5);
      this.localBits[i] = this.localBits[i]! & ~bit;
      return;
    }
    const a = this.wordAddr(base, port);
    this.host.mem.view.setUint32(a, (this.host.mem.view.getUint32(a, true) & ~bit) >>> 0, true);
  }

  isPending(port: number): boolean {
    return this.testBit(PENDING, port);
  }

  isMasked(port: number): boolean {
    return this.testBit(MASK, port);
  }

  /** For TypeScript services: consume a pending bit. */
  clearPending(port: number): void {
    this.clearBit(PENDING, port);
  }

  /**
   * evtchn_2l_set_pending: set the pending bit; if it was clear and the port is unmasked, set the
   * selector bit and upcall_pending of the notified vCPU and kick it.
   */
  setPending(port: number): void {
    if (this.testAndSetBit(PENDING, port)) return;
    const d = this.domain;
    if (this.localBits !== null) {
      this.host.notifyService(d, port);
      return;
    }
    const vcpu = d.vcpus[this.notifyVcpu[port]!] ?? d.vcpus[0];
    if (vcpu === undefined) return;
    this.pollWake(port);
    if (this.testBit(MASK, port)) return;
    this.markSelector(vcpu, port);
  }

  private markSelector(vcpu: Vcpu, port: number): void {
    const mem = this.host.mem;
    const vi = this.domain.vcpuInfoAddr(vcpu.id);
    const sel = mem.view.getUint32(vi + 4, true);
    const bit = 1 << (port >>> 5);
    if ((sel & bit) !== 0) return;
    mem.view.setUint32(vi + 4, (sel | bit) >>> 0, true);
    if (mem.u8[vi] !== 0) return; // upcall already pending
    mem.u8[vi] = 1;
    this.host.kickVcpu(vcpu);
  }

  /** A vCPU blocked in SCHEDOP_poll on this port wakes when it becomes pending (even masked). */
  private pollWake(port: number): void {
    for (const v of this.domain.vcpus) {
      if (v.pollPorts !== null && v.pollPorts.includes(port)) this.host.kickVcpu(v);
    }
  }

  // ---- port allocation -------------------------------------------------------------------

  private allocPort(): number {
    for (let p = 1; p < EVTCHN_2L_NR_CHANNELS; p++) {
      if (this.state[p] === EvtchnStat.EVTCHNSTAT_closed) return p;
    }
    return -XenErrno.ENOSPC;
  }

  validPort(port: number): boolean {
    return Number.isInteger(port) && port > 0 && port < EVTCHN_2L_NR_CHANNELS;
  }

  private resetPort(p: number): void {
    this.state[p] = EvtchnStat.EVTCHNSTAT_closed;
    this.remoteDom[p] = 0;
    this.remotePort[p] = 0;
    this.virq[p] = 0;
    this.notifyVcpu[p] = 0;
    this.clearBit(PENDING, p);
  }

  // ---- operations (each returns the port / 0, or -errno) ----------------------------------

  /** EVTCHNOP_alloc_unbound: a port that `remoteDom` may bind to. */
  allocUnbound(remoteDom: number): number {
    const p = this.allocPort();
    if (p < 0) return p;
    this.state[p] = EvtchnStat.EVTCHNSTAT_unbound;
    this.remoteDom[p] = remoteDom;
    return p;
  }

  /** EVTCHNOP_bind_interdomain: connect to `remotePort` of `remote`, which must be unbound for us. */
  bindInterdomain(remote: EventChannels, remotePort: number): number {
    if (!remote.validPort(remotePort)) return -XenErrno.EINVAL;
    if (remote.state[remotePort] !== EvtchnStat.EVTCHNSTAT_unbound || remote.remoteDom[remotePort] !== this.domain.id) {
      return -XenErrno.EINVAL;
    }
    const p = this.allocPort();
    if (p < 0) return p;
    this.state[p] = EvtchnStat.EVTCHNSTAT_interdomain;
    this.remoteDom[p] = remote.domain.id;
    this.remotePort[p] = remotePort;
    remote.state[remotePort] = EvtchnStat.EVTCHNSTAT_interdomain;
    remote.remotePort[remotePort] = p;
    // Xen marks the new local port pending so that no notification sent before the bind is lost.
    this.setPending(p);
    return p;
  }

  bindVirq(virq: number, vcpu: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= Virq.NR_VIRQS) return -XenErrno.EINVAL;
    if (!virqIsPerVcpu(virq) && vcpu !== 0) return -XenErrno.EINVAL;
    if (this.domain.vcpus[vcpu] === undefined) return -XenErrno.ENOENT;
    const slot = vcpu * Virq.NR_VIRQS + virq;
    if (this.virqToPort[slot] !== 0) return -XenErrno.EEXIST;
    const p = this.allocPort();
    if (p < 0) return p;
    this.state[p] = EvtchnStat.EVTCHNSTAT_virq;
    this.virq[p] = virq;
    this.notifyVcpu[p] = vcpu;
    this.virqToPort[slot] = p;
    return p;
  }

  bindIpi(vcpu: number): number {
    if (this.domain.vcpus[vcpu] === undefined) return -XenErrno.ENOENT;
    const p = this.allocPort();
    if (p < 0) return p;
    this.state[p] = EvtchnStat.EVTCHNSTAT_ipi;
    this.notifyVcpu[p] = vcpu;
    return p;
  }

  close(port: number): number {
    if (!this.validPort(port)) return -XenErrno.EINVAL;
    switch (this.state[port]) {
      case EvtchnStat.EVTCHNSTAT_closed:
        return -XenErrno.EINVAL;
      case EvtchnStat.EVTCHNSTAT_virq:
        this.virqToPort[this.notifyVcpu[port]! * Virq.NR_VIRQS + this.virq[port]!] = 0;
        break;
      case EvtchnStat.EVTCHNSTAT_interdomain: {
        // The peer goes back to unbound, bindable again by us (event_channel.c: evtchn_close).
        const peer = this.host.domain(this.remoteDom[port]!)?.events;
        const rp = this.remotePort[port]!;
        if (peer !== undefined && peer.state[rp] === EvtchnStat.EVTCHNSTAT_interdomain && peer.remotePort[rp] === port) {
          peer.state[rp] = EvtchnStat.EVTCHNSTAT_unbound;
          peer.remoteDom[rp] = this.domain.id;
          peer.remotePort[rp] = 0;
        }
        break;
      }
      default:
        break;
    }
    this.resetPort(port);
    return 0;
  }

  /** EVTCHNOP_send. */
  send(port: number): number {
    if (!this.validPort(port)) return -XenErrno.EINVAL;
    switch (this.state[port]) {
      case EvtchnStat.EVTCHNSTAT_interdomain: {
        const peer = this.host.domain(this.remoteDom[port]!);
        if (peer !== undefined && peer.isAlive) peer.events.setPending(this.remotePort[port]!);
        return 0;
      }
      case EvtchnStat.EVTCHNSTAT_ipi:
        this.setPending(port);
        return 0;
      case EvtchnStat.EVTCHNSTAT_unbound:
        return 0; // silently dropped, as Xen does
      default:
        return -XenErrno.EINVAL;
    }
  }

  /** Raise a VIRQ on a vCPU (global VIRQs go to vCPU 0's binding). */
  sendVirq(virq: number, vcpu: number): void {
    const port = this.virqToPort[(virqIsPerVcpu(virq) ? vcpu : 0) * Virq.NR_VIRQS + virq]!;
    if (port !== 0) this.setPending(port);
  }

  virqBound(virq: number, vcpu: number): boolean {
    return this.virqToPort[vcpu * Virq.NR_VIRQS + virq] !== 0;
  }

  /** EVTCHNOP_unmask: clear the mask and re-deliver a pending event (evtchn_2l_unmask). */
  unmask(port: number): number {
    if (!this.validPort(port)) return -XenErrno.EINVAL;
    this.clearBit(MASK, port);
    if (this.localBits !== null) return 0;
    if (this.testBit(PENDING, port)) {
      const vcpu = this.domain.vcpus[this.notifyVcpu[port]!] ?? this.domain.vcpus[0];
      if (vcpu !== undefined) this.markSelector(vcpu, port);
    }
    return 0;
  }

  /** EVTCHNOP_bind_vcpu: only interdomain, unbound and global-virq ports can move. */
  bindVcpu(port: number, vcpu: number): number {
    if (!this.validPort(port)) return -XenErrno.EINVAL;
    if (this.domain.vcpus[vcpu] === undefined) return -XenErrno.ENOENT;
    const s = this.state[port];
    const movable =
      s === EvtchnStat.EVTCHNSTAT_interdomain ||
      s === EvtchnStat.EVTCHNSTAT_unbound ||
      (s === EvtchnStat.EVTCHNSTAT_virq && !virqIsPerVcpu(this.virq[port]!));
    if (!movable) return -XenErrno.EINVAL;
    this.notifyVcpu[port] = vcpu;
    return 0;
  }

  /** EVTCHNOP_reset / teardown: close every port. */
  closeAll(): void {
    for (let p = 1; p < EVTCHN_2L_NR_CHANNELS; p++) {
      if (this.state[p] !== EvtchnStat.EVTCHNSTAT_closed) this.close(p);
    }
  }
}
