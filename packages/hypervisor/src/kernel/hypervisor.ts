// The micro-kernel: one simulated machine (RAM, physical CPUs, Xen's area in the hole), its
// domains and vCPUs, the run loop over simulated time, and the services every hypercall and
// trap handler uses. Plugins (schedulers first) are wired through a private tsyringe container
// at start-up only; nothing here runs per instruction (DESIGN.md §5).
import 'reflect-metadata';
import { DomId, EvtchnStat, Gntmap, MmuextCmd, SHARED_INFO, ShutdownReason, Virq, XenErrno } from '@xen-ts/abi';
import { CPU_FAULT, PhysicalMemory, StopReason, descAttr, descBase, descLimit } from '@xen-ts/cpu-x86';
import {
  Mmu,
  destroyGdt,
  destroyLdtFrames,
  mapLdtFrame,
  mmuextOp,
  setGdt,
  NO_OWNER,
  relinquishDomain,
  type GrantCheck,
} from '@xen-ts/mmu';
import type { SchedUnit } from '@xen-ts/plugin-api';
import { SchedCore, TimerQueue, findSchedulerRegistration, instantiateScheduler } from '@xen-ts/sched-core';
import { Store, XenstoreConnection } from '@xen-ts/xenstore';
import { DomainBuilder, type BuiltDomain } from '../builder/domain-builder.js';
import { parseXenKernel } from '../builder/xen-kernel-image.js';
import { ConsoleBackend } from '../console/console-backend.js';
import { Domain, SHUTDOWN_NAMES } from '../domain/domain.js';
import { GuestMemory } from '../domain/guest-memory.js';
import { Vcpu } from '../domain/vcpu.js';
import { EventChannels, type EventHost } from '../events/event-channels.js';
import { GrantTable } from '../grants/grant-table.js';
import { mapGrantRef, unmapGrantRef, type GrantMapResult } from '../grants/grant-mapping.js';
import { fixupSelector, guestCodeSelectorOk, type HypercallArgs } from '../hypercalls/hypercall.js';
import { FrameAllocator } from '../machine/frame-allocator.js';
import {
  HOST_ENTRY_EVENT_CHECK,
  HOST_ENTRY_HYPERCALL,
  HOST_ENTRY_SOFT_INT,
  MAX_VCPUS,
  exceptionEntry,
  holeLayout,
  ldtWindowVa,
  type HoleLayout,
} from '../machine/hole-layout.js';
import { RamMachineMemory } from '../machine/machine-memory.js';
import { Pcpu, type EntryFrame } from '../machine/pcpu.js';
import { NOT_PRESENT, XenArea, ZERO_PAGE } from '../machine/xen-area.js';
import { TimeKeeper } from '../time/time-keeper.js';
import { Tracer } from '../trace/tracer.js';
import { bounceToGuest } from '../traps/bounce.js';
import { failsafeBounce, reloadDataSegments } from '../traps/segment-reload.js';
import { onHypercall } from '../traps/hypercall-entry.js';
import { TRAP_PRESENT, onEventCheck, onGuestException, onStrayInterrupt } from '../traps/trap-entry.js';
import { emulatePrivilegedOp } from '../traps/privileged-op.js';
import { CostModel } from '../time/cost-model.js';
import { resolveConfig, type DomainConfig, type HypervisorConfig, type ResolvedHypervisorConfig } from './config.js';
import { PluginHost } from './plugin-host.js';

/** Why `run` returned. */
export type RunResult = 'deadline' | 'condition' | 'idle' | 'all-down';

export interface RunOptions {
  /** Stop at this simulated time (ns since boot). */
  untilNs?: number;
  /** Stop when this returns true (checked between quanta). */
  until?: () => boolean;
  /** Stop after this many simulated ns from now. */
  forNs?: number;
}

export interface ConsoleListener {
  (domid: number, text: string, via: 'console_io' | 'ring'): void;
}

export interface DomainEvent {
  domid: number;
  name: string;
  what: 'created' | 'shutdown' | 'crashed' | 'destroyed' | 'paused' | 'unpaused';
  /** For shutdown/crashed: the reason's name (poweroff, reboot, crash, ...). */
  reason?: string;
  /** For shutdown/crashed: SHUTDOWN_* of `@xen-ts/abi`. */
  shutdownReason?: number;
}

export class HypervisorStats {
  readonly exceptions = new Float64Array(32);
  hypercalls = 0;
  eventUpcalls = 0;
  contextSwitches = 0;
  hostErrors = 0;
  /** Hypercalls preempted and continued (mmu_update, mmuext_op, multicall). */
  continuations = 0;
  /** Hypervisor entries of every kind (hypercalls, exceptions, event checks). */
  get entries(): number {
    return this.hypercalls + this.exceptions.reduce((a, b) => a + b, 0) + this.eventChecks;
  }
  eventChecks = 0;
}

export class Hypervisor implements EventHost, GrantCheck {
  readonly config: ResolvedHypervisorConfig;
  readonly layout: HoleLayout;
  readonly ram: PhysicalMemory;
  readonly mem: RamMachineMemory;
  readonly alloc: FrameAllocator;
  readonly area: XenArea;
  readonly mmu: Mmu;
  readonly guestMem: GuestMemory;
  readonly pcpus: Pcpu[] = [];
  readonly timers = new TimerQueue();
  readonly sched: SchedCore;
  readonly plugins = new PluginHost();
  readonly time: TimeKeeper;
  readonly cost: CostModel;
  readonly trace: Tracer;
  readonly stats = new HypervisorStats();
  readonly store: Store;
  readonly commandLine: string;
  /** dom0: privileged, runs no x86 code here — its services are TypeScript (DESIGN.md §1). */
  readonly dom0: Domain;
  private readonly domains = new Map<number, Domain>();
  private readonly builder: DomainBuilder;
  private readonly consoles = new Map<number, ConsoleBackend>();
  private readonly storeConnections = new Map<number, XenstoreConnection>();
  /** dom0 ports with a TypeScript handler, and the notifications waiting for it. */
  private readonly servicePorts = new Map<number, () => void>();
  private readonly serviceQueue: number[] = [];
  private readonly consoleListeners: ConsoleListener[] = [];
  private readonly domainListeners: ((e: DomainEvent) => void)[] = [];
  private readonly logListeners: ((line: string) => void)[] = [];
  /** Hypervisor log (`xen dmesg`). */
  readonly log: string[] = [];
  /** Domains to destroy at the next safe point (after a shutdown). */
  private readonly reaper: Domain[] = [];
  private nowNs = 0;
  /** The pCPU whose code is running (for `now()` inside handlers), or null between quanta. */
  private runningPcpu: Pcpu | null = null;
  private grantMappingInProgress: { domid: number; mfn: number; writable: boolean } | null = null;
  private nextDomid = 1;

  constructor(config: HypervisorConfig = {}) {
    this.config = resolveConfig(config);
    this.commandLine = this.config.commandLine;
    this.layout = holeLayout(this.config.paging);
    this.ram = new PhysicalMemory(this.config.memoryMb << 20);
    this.mem = new RamMachineMemory(this.ram);
    this.alloc = new FrameAllocator(this.mem.frames);
    this.area = new XenArea(this.layout, this.mem, this.alloc, this.config.pcpus);
    this.mmu = new Mmu({
      frames: this.mem.frames,
      memory: this.mem,
      layout: this.config.paging,
      grants: this,
      xenSlots: { fill: (domid, mfn) => this.area.fillXenSlots(domid, mfn) },
      isPrivileged: (domid) => this.domains.get(domid)?.privileged === true,
      domainExists: (domid) => this.domains.has(domid),
      m2p: this.area.m2pView(),
    });
    this.mmu.m2p.fill(0xffffffff);
    for (const mfn of this.area.xenFrames) this.mmu.ft.assign(mfn, DomId.DOMID_XEN);
    this.guestMem = new GuestMemory(this.mem, this.layout);
    this.time = new TimeKeeper(this.config.cpuMhz * 1e6, this.config.wallclockEpoch, this.mem);
    this.cost = new CostModel();
    this.trace = new Tracer((p) => (p !== null ? this.pcpuNs(p) : this.now()));
    this.trace.on = this.config.trace;
    this.builder = new DomainBuilder(this.mem, this.mmu, this.alloc, this.layout);

    this.plugins.load(this.config.plugins);
    const registration = findSchedulerRegistration(this.plugins.container, this.config.scheduler);
    this.sched = new SchedCore(
      {
        pcpus: this.config.pcpus,
        timers: this.timers,
        now: () => this.now(),
        onSwitch: (e) => {
          this.stats.contextSwitches++;
          this.trace.contextSwitch(this.pcpus[e.pcpu]!, unitName(e.from), unitName(e.to));
        },
        onScheduleNeeded: (pcpu) => this.pcpus[pcpu]?.cpu.requestStop(),
      },
      (ctx) => instantiateScheduler(this.plugins.container, registration, ctx, this.config.schedulerOptions),
    );
    for (let i = 0; i < this.config.pcpus; i++) {
      const p = new Pcpu(i, this.ram, this.mem, this.area, this.layout);
      this.installHostEntries(p);
      this.pcpus.push(p);
    }

    this.dom0 = new Domain(0, 'Domain-0', true);
    this.dom0.state = 'running';
    this.dom0.events = new EventChannels(this.dom0, this, 1);
    this.dom0.grants = new GrantTable(this.dom0, this.mem);
    this.domains.set(0, this.dom0);
    this.store = new Store({ log: (m) => this.dmesg(`xenstore: ${m}`) });
    this.store.write('/local/domain/0/name', 'Domain-0');
    this.plugins.initialize();
    this.plugins.start();
    this.dmesg(`xen-ts: ${this.config.memoryMb} MiB, ${this.config.pcpus} pCPU(s), ${this.config.paging} paging, scheduler ${registration.name}`);
  }

  // ---- host entry points (installed once per pCPU) ------------------------------------------

  private installHostEntries(p: Pcpu): void {
    const cpu = p.cpu;
    for (let v = 0; v < 32; v++) {
      cpu.addHostEntry(exceptionEntry(v), () => {
        this.chargeEntry(p);
        this.guard(p, () => onGuestException(this, p, v));
      });
    }
    cpu.addHostEntry(HOST_ENTRY_HYPERCALL, () => onHypercall(this, p));
    cpu.addHostEntry(HOST_ENTRY_EVENT_CHECK, () => {
      this.stats.eventChecks++;
      this.chargeEntry(p);
      this.guard(p, () => onEventCheck(this, p));
    });
    cpu.addHostEntry(HOST_ENTRY_SOFT_INT, () => this.guard(p, () => onStrayInterrupt(this, p)));
  }

  /** Runs a trap handler; a host exception in it ends the guest, not the host. */
  private guard(p: Pcpu, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      const d = p.current?.domain;
      // A faulting IRET back to the guest is the CPU's to deliver (to the failsafe path).
      if (d === undefined || e === CPU_FAULT) throw e;
      this.hostError(d, 'trap handler', e);
    }
  }

  hostError(d: Domain, where: string, e: unknown): void {
    this.stats.hostErrors++;
    const msg = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    this.dmesg(`BUG: host exception in ${where} for d${d.id}: ${msg}`);
    this.crashDomain(d, `hypervisor error in ${where}`);
  }

  // ---- time ------------------------------------------------------------------------------------

  /** System time: the running pCPU's, or the global time between quanta. Never decreases. */
  now(): number {
    const p = this.runningPcpu;
    if (p !== null) {
      const t = this.pcpuNs(p);
      if (t > this.nowNs) return t;
    }
    return this.nowNs;
  }

  private pcpuNs(p: Pcpu): number {
    return Math.floor(p.cpu.cycles * this.time.nsPerCycle);
  }

  /** Brings an idle pCPU's TSC and clock forward to `ns`. */
  private advanceIdle(p: Pcpu, ns: number): void {
    const target = Math.ceil(ns * this.time.cyclesPerNs);
    if (target > p.cpu.cycles) p.cpu.extraCycles += target - p.cpu.cycles;
  }

  // ---- listeners and log --------------------------------------------------------------------

  onConsole(fn: ConsoleListener): void {
    this.consoleListeners.push(fn);
  }

  /** Every hypervisor log line as it is written (`xen dmesg`, boot progress). */
  onLog(fn: (line: string) => void): void {
    this.logListeners.push(fn);
  }

  onDomainEvent(fn: (e: DomainEvent) => void): void {
    this.domainListeners.push(fn);
  }

  private emitDomainEvent(d: Domain, what: DomainEvent['what'], reason?: string): void {
    const e: DomainEvent = {
      domid: d.id,
      name: d.name,
      what,
      ...(reason === undefined ? {} : { reason, shutdownReason: d.shutdownReason }),
    };
    this.trace.domain(what, { domid: d.id, ...(reason === undefined ? {} : { reason }) });
    for (const fn of this.domainListeners) fn(e);
  }

  dmesg(line: string): void {
    const t = (this.now() / 1e9).toFixed(6);
    const text = `(XEN) [${t}] ${line}`;
    this.log.push(text);
    if (this.log.length > 10000) this.log.shift();
    for (const fn of this.logListeners) fn(text);
  }

  /** console_io output: printable bytes, line-buffered per domain. */
  consoleWrite(d: Domain, bytes: Uint8Array): void {
    let s = '';
    for (const b of bytes) {
      if (b === 10 || b === 9 || (b >= 32 && b < 127)) s += String.fromCharCode(b);
    }
    if (s.length === 0) return;
    for (const fn of this.consoleListeners) fn(d.id, s, 'console_io');
    d.consoleLine += s;
    let nl: number;
    while ((nl = d.consoleLine.indexOf('\n')) >= 0) {
      this.dmesg(`(d${d.id}) ${d.consoleLine.slice(0, nl)}`);
      d.consoleLine = d.consoleLine.slice(nl + 1);
    }
  }

  /** Text from a guest's PV console ring (the console daemon). */
  private consoleRingOutput(domid: number, text: string): void {
    for (const fn of this.consoleListeners) fn(domid, text, 'ring');
  }

  /** Types into a domain's PV console (the `in` ring). Returns bytes accepted. */
  consoleInput(domid: number, text: string): number {
    return this.consoles.get(domid)?.input(text) ?? 0;
  }

  // ---- domains ---------------------------------------------------------------------------------

  domain(id: number): Domain | undefined {
    return this.domains.get(id);
  }

  listDomains(): Domain[] {
    return [...this.domains.values()];
  }

  domainByName(name: string): Domain | undefined {
    return this.listDomains().find((d) => d.name === name);
  }

  createDomain(cfg: DomainConfig): Domain {
    if (typeof cfg.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(cfg.name)) {
      throw new RangeError(`domain name '${String(cfg.name)}' must be 1..64 characters of A-Z a-z 0-9 _ . -`);
    }
    if (this.domainByName(cfg.name) !== undefined) throw new RangeError(`a domain named '${cfg.name}' already exists`);
    const vcpus = cfg.vcpus ?? 1;
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS) throw new RangeError(`vcpus must be 1..${MAX_VCPUS}, got ${vcpus}`);
    if (!Number.isInteger(cfg.memoryMb) || cfg.memoryMb < 1) throw new RangeError(`memory must be a positive number of MiB, got ${cfg.memoryMb}`);
    const image = parseXenKernel(cfg.kernel, `kernel of '${cfg.name}'`);
    const nrPages = cfg.memoryMb * 256;
    if (nrPages + 64 > this.alloc.freeFrames) {
      throw new RangeError(`not enough free memory for '${cfg.name}': ${cfg.memoryMb} MiB asked, ${Math.floor(this.alloc.freeFrames / 256)} MiB free`);
    }

    const id = this.nextDomid++;
    const d = new Domain(id, cfg.name, false, {
      poweroff: cfg.onPoweroff ?? 'destroy',
      reboot: cfg.onReboot ?? 'restart',
      crash: cfg.onCrash ?? 'destroy',
    });
    this.domains.set(id, d);
    try {
      const si = this.alloc.alloc();
      this.mem.clearFrame(si);
      this.mmu.ft.assign(si, id);
      d.sharedInfoMfn = si;
      for (let v = 0; v < 32; v++) this.mem.u8[si * 4096 + v * 64 + 1] = 1; // upcalls masked until the guest is ready
      this.mem.view.setUint32(si * 4096 + SHARED_INFO.fields.arch.offset, nrPages, true); // arch.max_pfn
      this.area.createPerDomain(id);
      d.events = new EventChannels(d, this, vcpus);
      d.grants = new GrantTable(d, this.mem);
      this.sched.addDomain(id, cfg.sched ?? {});
      for (let i = 0; i < vcpus; i++) d.vcpus.push(this.createVcpu(d, i));

      // The console and xenstore channels: unbound for dom0, which binds them right away.
      const consolePort = d.events.allocUnbound(0);
      const storePort = d.events.allocUnbound(0);
      const built = this.builder.build(
        { domain: d, image, ...(cfg.ramdisk === undefined ? {} : { ramdisk: cfg.ramdisk }), cmdline: cfg.cmdline ?? '', nrPages, storeEvtchn: storePort, consoleEvtchn: consolePort },
        d.vcpus[0]!,
      );
      d.startInfoMfn = built.startInfoMfn;
      this.attachConsole(d, built, consolePort);
      this.attachXenstore(d, built, storePort);
      this.time.publishWallclock(d);
      const v0 = d.vcpus[0]!;
      v0.ready = true;
      v0.online = true;
      this.publishTime(v0);
      this.sched.setOnline(v0.unit, true);
      this.startPeriodic(v0);
      d.state = 'running';
      d.config = { ...cfg, paused: false };
      if (cfg.paused === true) this.pauseDomain(d);
      this.dmesg(`d${id} '${cfg.name}': ${cfg.memoryMb} MiB, ${vcpus} vCPU(s), entry 0x${built.entry.toString(16)}, ${image.guestOs || 'unknown OS'} (${image.source})`);
      this.emitDomainEvent(d, 'created');
      return d;
    } catch (e) {
      this.teardown(d);
      throw e;
    }
  }

  private createVcpu(d: Domain, id: number): Vcpu {
    const v = new Vcpu(d, id);
    v.unit = this.sched.addUnit(d.id, id);
    v.periodicTimer = this.timers.createTimer((t) => this.onPeriodic(v, t));
    v.singleshotTimer = this.timers.createTimer(() => this.onTimerFired(v));
    v.pollTimer = this.timers.createTimer(() => this.onPollTimeout(v));
    // Empty GDT window: zero pages for the guest part; the LDT window is faulted in on use.
    for (let page = 0; page < 16; page++) this.area.mapPerDomain(d.id, id * 32 + page, ZERO_PAGE, false);
    for (let page = 16; page < 32; page++) this.area.mapPerDomain(d.id, id * 32 + page, NOT_PRESENT, false);
    return v;
  }

  private attachConsole(d: Domain, built: BuiltDomain, remotePort: number): void {
    const local = this.dom0.events.bindInterdomain(d.events, remotePort);
    const backend = new ConsoleBackend(this.mem, built.consoleMfn, (text) => this.consoleRingOutput(d.id, text), () => this.dom0.events.send(local));
    this.consoles.set(d.id, backend);
    this.servicePorts.set(local, () => backend.service());
    this.dom0.events.clearPending(local);
  }

  private attachXenstore(d: Domain, built: BuiltDomain, remotePort: number): void {
    const local = this.dom0.events.bindInterdomain(d.events, remotePort);
    const path = `/local/domain/${d.id}`;
    this.store.mkdir(path);
    this.store.setPerms(path, [`n${d.id}`]);
    this.store.write(`${path}/name`, d.name);
    this.store.write(`${path}/domid`, String(d.id));
    this.store.write(`/vm/${d.id}/name`, d.name);
    const ring = this.mem.u8.subarray(built.storeMfn * 4096, built.storeMfn * 4096 + 4096);
    const conn = new XenstoreConnection(this.store, { domid: d.id, ring, notify: () => this.dom0.events.send(local) });
    this.storeConnections.set(d.id, conn);
    this.store.introduceDomain(d.id, built.storeMfn, remotePort);
    this.servicePorts.set(local, () => conn.process());
    this.dom0.events.clearPending(local);
  }

  pauseDomain(d: Domain): void {
    if (!d.isAlive || d.id === 0) return;
    d.pauseCount++;
    for (const v of d.vcpus) this.sched.pause(v.unit);
    d.state = 'paused';
    this.emitDomainEvent(d, 'paused');
  }

  unpauseDomain(d: Domain): void {
    if (!d.isAlive || d.pauseCount === 0) return;
    d.pauseCount--;
    for (const v of d.vcpus) this.sched.unpause(v.unit);
    if (d.pauseCount === 0) d.state = 'running';
    this.emitDomainEvent(d, 'unpaused');
  }

  /** SCHEDOP_shutdown / xl shutdown: the domain stops; the toolstack decides what follows. */
  shutdownDomain(d: Domain, reason: number): void {
    if (!d.isAlive || d.id === 0) return;
    if (reason === ShutdownReason.SHUTDOWN_crash || d.shutdownCode < 0) d.shutdownReason = reason;
    else d.shutdownReason = d.shutdownCode;
    d.state = 'shutdown';
    this.stopDomainVcpus(d);
    const name = SHUTDOWN_NAMES[d.shutdownReason] ?? String(d.shutdownReason);
    this.dmesg(`d${d.id} '${d.name}' shut down: ${name}${d.crashMessage ? ` (${d.crashMessage})` : ''}`);
    this.emitDomainEvent(d, d.shutdownReason === ShutdownReason.SHUTDOWN_crash ? 'crashed' : 'shutdown', name);
    if (d.shutdownAction !== 'preserve') this.reaper.push(d);
  }

  /** domain_crash: the guest did something it cannot recover from; it ends alone. */
  crashDomain(d: Domain, why: string): void {
    if (!d.isAlive) return;
    d.crashMessage = why;
    this.shutdownDomain(d, ShutdownReason.SHUTDOWN_crash);
  }

  private stopDomainVcpus(d: Domain): void {
    for (const v of d.vcpus) {
      v.periodicTimer?.stop();
      v.singleshotTimer?.stop();
      v.pollTimer?.stop();
      this.sched.pause(v.unit);
      if (v.runningOn >= 0) this.pcpus[v.runningOn]!.cpu.requestStop();
    }
  }

  /** xl destroy: releases everything the domain holds. */
  destroyDomain(d: Domain): void {
    if (d.id === 0 || d.state === 'dead') return;
    if (d.isAlive) {
      d.shutdownReason = ShutdownReason.SHUTDOWN_poweroff;
      d.state = 'shutdown';
      this.stopDomainVcpus(d);
    }
    for (const v of d.vcpus) {
      if (v.runningOn >= 0) this.pcpus[v.runningOn]!.unload();
    }
    this.teardown(d);
    this.dmesg(`d${d.id} '${d.name}' destroyed`);
    this.emitDomainEvent(d, 'destroyed');
  }

  private teardown(d: Domain): void {
    d.state = 'dying';
    for (const v of d.vcpus) {
      if (v.runningOn >= 0) this.pcpus[v.runningOn]!.unload();
      destroyGdt(this.mmu, d.id, v.id);
      destroyLdtFrames(this.mmu, d.id, v.id);
      try {
        this.sched.removeUnit(v.unit);
      } catch {
        // the unit was never added
      }
    }
    if (this.sched.hasDomain(d.id)) this.sched.removeDomain(d.id);
    d.events?.closeAll();
    // Grant mappings this domain holds on others' pages, then our own table frames.
    if (d.grants !== undefined) {
      for (const m of d.grants.maptrack.values()) this.domains.get(m.granter)?.grants.release(m.ref, m.readonly);
      d.grants.maptrack.clear();
    }
    const freed = relinquishDomain(this.mmu, d.id);
    for (const mfn of freed) {
      this.mmu.m2p[mfn] = 0xffffffff;
      if (this.alloc.isUsed(mfn)) this.alloc.release(mfn);
    }
    this.area.destroyPerDomain(d.id);
    const conn = this.storeConnections.get(d.id);
    conn?.close();
    this.storeConnections.delete(d.id);
    if (this.store.isDomainIntroduced(d.id)) this.store.releaseDomain(d.id);
    if (this.store.exists(`/local/domain/${d.id}`)) this.store.rm(`/local/domain/${d.id}`);
    if (this.store.exists(`/vm/${d.id}`)) this.store.rm(`/vm/${d.id}`);
    this.consoles.delete(d.id);
    for (const [port] of [...this.servicePorts]) {
      if (this.dom0.events.state[port] === EvtchnStat.EVTCHNSTAT_unbound) this.servicePorts.delete(port);
    }
    d.state = 'dead';
    this.domains.delete(d.id);
  }

  /** Pages a domain holds (current reservation, Xen's tot_pages). */
  domainPages(d: Domain): number {
    return d.totPages;
  }

  /** increase_reservation / populate_physmap: one more frame for `d` (at `pfn`, or appended). */
  allocDomainFrame(d: Domain, pfn: number): number {
    if (d.totPages >= d.maxPages) return -1;
    const mfn = this.alloc.alloc();
    if (mfn < 0) return -1;
    this.mem.clearFrame(mfn);
    this.mmu.ft.assign(mfn, d.id);
    d.totPages++;
    if (pfn >= 0 && pfn < d.maxPages) {
      d.p2m[pfn] = mfn;
      this.mmu.m2p[mfn] = pfn;
    }
    return mfn;
  }

  /** decrease_reservation: gives a frame back; refused while anything still references it. */
  releaseDomainFrame(d: Domain, mfn: number): boolean {
    const ft = this.mmu.ft;
    if (!ft.isValidMfn(mfn) || ft.owner(mfn) !== d.id || mfn === d.sharedInfoMfn) return false;
    if (ft.refCount(mfn) !== 0 || ft.isPinned(mfn)) return false;
    ft.assign(mfn, NO_OWNER);
    d.totPages--;
    const pfn = this.mmu.m2p[mfn]!;
    if (pfn < d.p2m.length && d.p2m[pfn] === mfn) d.p2m[pfn] = -1;
    this.mmu.m2p[mfn] = 0xffffffff;
    this.alloc.release(mfn);
    return true;
  }

  /**
   * dom0 services map a guest's grant (no page table involved; they then use `mfn` directly).
   * Returns the GNTST status, a handle for {@link serviceUnmapGrant} and the frame.
   */
  serviceMapGrant(granterDomid: number, ref: number, readonly: boolean, mapper: Domain = this.dom0): GrantMapResult {
    return mapGrantRef(this, mapper, null, granterDomid, ref, Gntmap.GNTMAP_device_map | (readonly ? Gntmap.GNTMAP_readonly : 0), 0);
  }

  serviceUnmapGrant(handle: number, mapper: Domain = this.dom0): number {
    return unmapGrantRef(this, mapper, null, handle, 0);
  }

  growGrantTable(d: Domain, frames: number): boolean {
    while (d.grants.frames.length < frames) {
      const mfn = this.alloc.alloc();
      if (mfn < 0) return false;
      this.mem.clearFrame(mfn);
      this.mmu.ft.assign(mfn, d.id); // shared with the guest, which maps it writable
      d.grants.frames.push(mfn);
    }
    return true;
  }

  /** GrantCheck: a foreign frame may be mapped only by the grant code's own PTE write. */
  allowsMapping(domid: number, mfn: number, writable: boolean): boolean {
    const g = this.grantMappingInProgress;
    return g !== null && g.domid === domid && g.mfn === mfn && (g.writable || !writable);
  }

  withGrantMapping<T>(domid: number, mfn: number, writable: boolean, fn: () => T): T {
    this.grantMappingInProgress = { domid, mfn, writable };
    try {
      return fn();
    } finally {
      this.grantMappingInProgress = null;
    }
  }

  // ---- event delivery (EventHost) -------------------------------------------------------------

  kickVcpu(v: Vcpu): void {
    if (!v.domain.isAlive) return;
    if (v.pollPorts !== null) {
      v.pollPorts = null;
      v.pollTimer?.stop();
    }
    if (v.blocked) {
      v.blocked = false;
      this.sched.wake(v.unit);
    }
    if (v.runningOn >= 0 && this.upcallDeliverable(v)) this.pcpus[v.runningOn]!.raiseEventCheck();
  }

  notifyService(d: Domain, port: number): void {
    if (d.id === 0) this.serviceQueue.push(port);
  }

  private runServices(): void {
    while (this.serviceQueue.length > 0) {
      const port = this.serviceQueue.shift()!;
      this.dom0.events.clearPending(port);
      this.servicePorts.get(port)?.();
    }
  }

  private upcallDeliverable(v: Vcpu): boolean {
    const vi = v.domain.vcpuInfoAddr(v.id);
    return this.mem.u8[vi] !== 0 && this.mem.u8[vi + 1] === 0 && v.eventCallback.cs !== 0;
  }

  /** Leaves the hypervisor for the guest, first delivering a pending upcall (Xen: test_all_events). */
  exitToGuest(p: Pcpu, v: Vcpu, f: EntryFrame): void {
    if (!v.domain.isAlive) {
      p.exitTo(f);
      return;
    }
    if (v.segmentsDirty) {
      v.segmentsDirty = false;
      const bad = reloadDataSegments(this, p, v, f.cs & 3);
      if (bad.length > 0) {
        if (!failsafeBounce(this, p, v, f, bad)) this.crashDomain(v.domain, 'a data segment no longer loads and there is no failsafe callback');
        return;
      }
    }
    if (this.upcallDeliverable(v)) {
      v.domain.eventUpcalls++;
      this.stats.eventUpcalls++;
      this.trace.upcall(p, v);
      const ok = bounceToGuest(this, p, v, f, { cs: v.eventCallback.cs, eip: v.eventCallback.eip, errorCode: -1, maskEvents: true, failsafe: false });
      if (!ok) this.crashDomain(v.domain, 'cannot push the event upcall frame on the guest stack');
      return;
    }
    p.exitTo(f);
  }

  /** Failsafe callback after a data segment failed to reload: selectors on the stack, bad ones cleared. */
  bounceFailsafe(p: Pcpu, v: Vcpu, f: EntryFrame, bad: number[]): boolean {
    const cb = v.failsafeCallback;
    const ok = bounceToGuest(this, p, v, f, { cs: cb.cs, eip: cb.eip, errorCode: -1, maskEvents: v.failsafeMasksEvents, failsafe: true, before: () => {
      for (const seg of bad) p.cpu.setSegmentCache(seg, 0, 0, 0, 0x10000);
    } });
    if (ok) v.domain.bounceCounts[255]++;
    return ok;
  }

  /** The descriptor for selector `sel` as vCPU `v` sees it: guest GDT frames, LDT, or Xen's entries. */
  readGuestDescriptor(v: Vcpu, sel: number): [number, number] | null {
    const index = sel >>> 3;
    if ((sel & 4) !== 0) {
      if (index >= v.ldtEntries) return null;
      const a = this.guestMem.readView(v.baseMfn, (v.ldtBase + index * 8) >>> 0, 8);
      return a === null ? null : [a.getUint32(0, true), a.getUint32(4, true)];
    }
    if (index >= 7168) {
      const p = this.pcpus[v.runningOn >= 0 ? v.runningOn : 0]!;
      const i = index - 7168;
      if (i >= 512) return null;
      return [this.mem.read32(p.frames.gdt, i * 2), this.mem.read32(p.frames.gdt, i * 2 + 1)];
    }
    if (index === 0 || index >= v.gdtEntries) return null;
    const mfn = v.gdtFrames[index >>> 9]!;
    return [this.mem.read32(mfn, (index & 511) * 2), this.mem.read32(mfn, (index & 511) * 2 + 1)];
  }

  // ---- scheduling from hypercalls ------------------------------------------------------------

  yieldVcpu(p: Pcpu, v: Vcpu): void {
    this.sched.yield(v.unit);
    p.cpu.requestStop();
  }

  /** SCHEDOP_block: unmask upcalls, and sleep unless an event is already pending. */
  blockVcpu(p: Pcpu, v: Vcpu): void {
    const vi = v.domain.vcpuInfoAddr(v.id);
    this.mem.u8[vi + 1] = 0;
    if (this.mem.u8[vi] !== 0) return;
    v.blocked = true;
    this.sched.block(v.unit);
    p.cpu.requestStop();
  }

  /** SCHEDOP_poll: returns at once if a port is pending, else blocks until one is or the timeout. */
  pollVcpu(p: Pcpu, v: Vcpu, ports: number[], timeout: number): number {
    for (const port of ports) if (v.domain.events.isPending(port)) return 0;
    if (timeout !== 0 && timeout <= this.now()) return 0;
    v.pollPorts = ports;
    if (timeout !== 0) v.pollTimer!.set(timeout);
    v.blocked = true;
    this.sched.block(v.unit);
    p.cpu.requestStop();
    return 0;
  }

  private onPollTimeout(v: Vcpu): void {
    if (v.pollPorts === null) return;
    this.kickVcpu(v);
  }

  setSingleshot(v: Vcpu, at: number): void {
    if (at === 0) v.singleshotTimer!.stop();
    else v.singleshotTimer!.set(at);
  }

  setPeriodic(v: Vcpu, period: number): void {
    v.periodicNs = period;
    if (period === 0) v.periodicTimer!.stop();
    else this.startPeriodic(v);
  }

  /**
   * The periodic timer runs only while its vCPU runs (Xen: vcpu_periodic_timer_work at each
   * switch-in, stopped at switch-out): a tick missed while descheduled is raised at once on the
   * next switch-in, and idle or blocked domains cost nothing.
   */
  private startPeriodic(v: Vcpu): void {
    v.periodicLast = this.now();
    if (v.periodicNs > 0 && v.runningOn >= 0) v.periodicTimer!.set(v.periodicLast + v.periodicNs);
  }

  private periodicWork(v: Vcpu): void {
    if (v.periodicNs === 0) return;
    const now = this.now();
    if (now >= v.periodicLast + v.periodicNs) {
      v.periodicLast = now;
      this.sendTimerVirq(v);
    }
    v.periodicTimer!.set(v.periodicLast + v.periodicNs);
  }

  private onPeriodic(v: Vcpu, t: number): void {
    if (!v.domain.isAlive || v.runningOn < 0) return;
    v.periodicLast = t;
    v.periodicTimer!.set(t + v.periodicNs);
    this.sendTimerVirq(v);
  }

  private onTimerFired(v: Vcpu): void {
    if (v.domain.isAlive) this.sendTimerVirq(v);
  }

  private sendTimerVirq(v: Vcpu): void {
    this.publishTime(v);
    v.domain.events.sendVirq(Virq.VIRQ_TIMER, v.id);
  }

  /** A guest bound VIRQ_TIMER: nothing to do — timers already run; kept for tracing. */
  timerVirqBound(v: Vcpu): void {
    this.trace.domain('bind VIRQ_TIMER', { vcpu: v.name });
  }

  private publishTime(v: Vcpu): void {
    const p = v.runningOn >= 0 ? this.pcpus[v.runningOn]! : this.pcpus[v.unit.pcpu]!;
    const tsc = p.cpu.cycles + p.cpu.tscOffset;
    this.time.publishVcpuTime(v.domain, v.id, tsc, Math.floor(tsc * this.time.nsPerCycle));
  }

  // ---- vCPU operations -----------------------------------------------------------------------

  initialiseVcpu(h: HypercallArgs, t: Vcpu, arg: number): number {
    if (t.ready) return -XenErrno.EEXIST;
    return this.initialiseVcpuContext(h, t, arg);
  }

  /**
   * VCPUOP_initialise: the i386 vcpu_guest_context (2800 bytes, xen-abi.md §2.7; Xen's
   * arch_set_info_guest): registers and selectors, trap table, GDT, kernel stack, CR3, callbacks.
   */
  private initialiseVcpuContext(h: HypercallArgs, t: Vcpu, arg: number): number {
    const ctx = this.guestMem.readView(h.v.baseMfn, arg, 2800);
    if (ctx === null) return -XenErrno.EFAULT;
    const R = 516; // user_regs, after fpu_ctxt[512] and flags
    const TRAPS = R + 68;
    const LDT = TRAPS + 256 * 8; // ldt_base, ldt_ents, gdt_frames[16], gdt_ents, kernel_ss, kernel_sp, ctrlreg[8], debugreg[8], callbacks
    const GDT = LDT + 8;
    const KSS = GDT + 68;
    const CR = KSS + 8;
    const CB = CR + 64;
    const c = t.ctx;
    const regAt = [3, 1, 2, 6, 7, 5, 0]; // ebx ecx edx esi edi ebp eax → reg32 index
    regAt.forEach((reg, i) => (c.reg32[reg] = ctx.getUint32(R + i * 4, true) | 0));
    c.reg32[4] = ctx.getUint32(R + 44, true) | 0; // esp
    c.eip = ctx.getUint32(R + 32, true);
    c.eflags = (ctx.getUint32(R + 40, true) & 0x3f0dd5) | 0x202; // IF set, IOPL and VM clear
    // Trap table: the whole array, as Xen copies it (entries with address 0 are empty).
    t.trapFlags.fill(0);
    for (let i = 0; i < 256; i++) {
      const o = TRAPS + i * 8;
      const address = ctx.getUint32(o + 4, true);
      if (address === 0) continue;
      const cs = ctx.getUint16(o + 2, true);
      if (!guestCodeSelectorOk(cs)) return -XenErrno.EINVAL;
      const vector = ctx.getUint8(o);
      t.trapAddress[vector] = address;
      t.trapCs[vector] = fixupSelector(cs);
      t.trapFlags[vector] = (ctx.getUint8(o + 1) & 7) | TRAP_PRESENT;
    }
    t.kernelSs = ctx.getUint32(KSS, true) & 0xffff;
    t.kernelSp = ctx.getUint32(KSS + 4, true);
    t.eventCallback = { cs: ctx.getUint32(CB, true) & 0xffff, eip: ctx.getUint32(CB + 4, true) };
    t.failsafeCallback = { cs: ctx.getUint32(CB + 8, true) & 0xffff, eip: ctx.getUint32(CB + 12, true) };
    // GDT frames, then the page tables (validated and referenced for this vCPU).
    const gdtEnts = ctx.getUint32(GDT + 64, true);
    if (gdtEnts > 0) {
      const frames: number[] = [];
      for (let i = 0; i < Math.ceil(gdtEnts / 512); i++) frames.push(ctx.getUint32(GDT + i * 4, true));
      const rc = setGdt(this.mmu, t.domain.id, t.id, frames, gdtEnts);
      if (rc !== 0) return rc;
      this.installGdt(t, frames, gdtEnts);
    }
    const cr3 = ctx.getUint32(CR + 12, true);
    const mfn = this.layout.mode === 'pae' ? ((cr3 >>> 12) | (cr3 << 20)) >>> 0 : cr3 >>> 12;
    const r = mmuextOp(this.mmu, t.domain.id, [{ cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: mfn }], { vcpu: t.id });
    if (r.rc !== 0) return r.rc;
    t.baseMfn = mfn;
    // Selectors: CS, SS, DS, ES, FS, GS from the context, loaded through the descriptor tables.
    const sel = [ctx.getUint16(R + 52, true), ctx.getUint16(R + 36, true), ctx.getUint16(R + 48, true), ctx.getUint16(R + 56, true), ctx.getUint16(R + 60, true), ctx.getUint16(R + 64, true)];
    c.cpl = sel[1]! & 3;
    if (c.cpl === 0 || (sel[2]! & 3) !== c.cpl) return -XenErrno.EINVAL;
    for (let seg = 0; seg < 6; seg++) {
      const s = sel[seg]!;
      if ((s & 0xfffc) === 0) {
        if (seg === 1 || seg === 2) return -XenErrno.EINVAL;
        c.segSel[seg] = 0;
        c.segBase[seg] = 0;
        c.segLimit[seg] = 0;
        c.segAttr[seg] = 0x10000;
        continue;
      }
      const d = this.readGuestDescriptor(t, s);
      if (d === null || (d[1] & 0x9000) !== 0x9000) return -XenErrno.EINVAL;
      const [lo, hi] = d;
      c.segSel[seg] = s;
      c.segBase[seg] = descBase(lo, hi);
      c.segLimit[seg] = descLimit(lo, hi);
      c.segAttr[seg] = descAttr(hi);
    }
    t.ready = true;
    return 0;
  }

  vcpuUp(t: Vcpu): number {
    if (t.online) return 0;
    if (!t.ready) return -XenErrno.EINVAL;
    t.online = true;
    this.publishTime(t);
    this.sched.setOnline(t.unit, true);
    this.startPeriodic(t);
    return 0;
  }

  vcpuDown(t: Vcpu): number {
    if (!t.online) return 0;
    t.online = false;
    this.sched.setOnline(t.unit, false);
    t.periodicTimer?.stop();
    t.singleshotTimer?.stop();
    if (t.runningOn >= 0) this.pcpus[t.runningOn]!.cpu.requestStop();
    return 0;
  }

  /** vcpu_runstate_info (44 bytes on i386): state, state_entry_time, time[4]. */
  runstateBytes(t: Vcpu): Uint8Array {
    const r = this.sched.runstate(t.unit);
    const b = new Uint8Array(44);
    const w = new DataView(b.buffer);
    w.setInt32(0, r.state, true);
    w.setBigUint64(4, BigInt(Math.floor(r.stateEntryTime)), true);
    for (let i = 0; i < 4; i++) w.setBigUint64(12 + i * 8, BigInt(Math.floor(r.time[i]!)), true);
    return b;
  }

  updateRunstateArea(t: Vcpu): void {
    if (t.runstateArea === 0 || t.baseMfn < 0) return;
    this.guestMem.copyTo(t.baseMfn, t.runstateArea, this.runstateBytes(t));
  }

  // ---- address spaces ------------------------------------------------------------------------

  /** NEW_BASEPTR: the vCPU now runs on table `mfn` (already validated and referenced by the MMU). */
  switchBaseptr(p: Pcpu, v: Vcpu, mfn: number): void {
    v.baseMfn = mfn;
    this.unmapLdt(v);
    p.cpu.cr3 = this.cr3For(mfn);
    p.cpu.flushTlb(true);
  }

  private cr3For(mfn: number): number {
    return (mfn * 4096) >>> 0;
  }

  flushDomainTlbs(d: Domain): void {
    for (const p of this.pcpus) {
      if (p.current?.domain === d) p.cpu.flushTlb(true);
    }
  }

  /** Maps the vCPU's GDT frames into its GDT window (pages 0..13), zero pages elsewhere. */
  installGdt(v: Vcpu, frames: number[], entries: number): void {
    v.segmentsDirty = true;
    v.gdtFrames = frames;
    v.gdtEntries = entries;
    for (let i = 0; i < 14; i++) this.area.mapPerDomain(v.domain.id, v.id * 32 + i, i < frames.length ? frames[i]! : ZERO_PAGE, true);
    this.flushDomainTlbs(v.domain);
  }

  /** MMUEXT_SET_LDT: the LDT window is emptied and faulted in page by page. */
  setLdt(p: Pcpu, v: Vcpu, va: number, ents: number): void {
    v.segmentsDirty = true;
    v.ldtBase = va;
    v.ldtEntries = ents;
    this.unmapLdt(v);
    p.setLdtDescriptor(v);
    const c = p.cpu;
    c.ldtrSel = ents === 0 ? 0 : 0xe048;
    c.ldtrBase = ents === 0 ? 0 : ldtWindowVa(this.layout, v.id);
    c.ldtrLimit = ents === 0 ? 0 : ents * 8 - 1;
    c.flushTlb(true);
  }

  private unmapLdt(v: Vcpu): void {
    destroyLdtFrames(this.mmu, v.domain.id, v.id);
    for (let i = 0; i < 16; i++) this.area.mapPerDomain(v.domain.id, v.id * 32 + 16 + i, NOT_PRESENT, false);
  }

  /** A #PF in the LDT window: map the guest's LDT page there if it validates (Xen: map_ldt_shadow_page). */
  handleLdtFault(p: Pcpu, v: Vcpu, cr2: number): boolean {
    const win = ldtWindowVa(this.layout, v.id);
    const off = (cr2 - win) >>> 0;
    if (v.ldtEntries === 0 || off >= v.ldtEntries * 8) return false;
    const page = off >>> 12;
    const gva = (v.ldtBase + page * 4096) >>> 0;
    const maddr = this.guestMem.translate(v.baseMfn, gva, false);
    if (maddr < 0) return false;
    const mfn = Math.floor(maddr / 4096);
    if (mapLdtFrame(this.mmu, v.domain.id, v.id, mfn) !== 0) return false;
    this.area.mapPerDomain(v.domain.id, v.id * 32 + 16 + page, mfn, true);
    p.cpu.invalidatePage(cr2);
    return true;
  }

  /** The base of a guest data selector (bounce frames use the guest's SS), or -1 if unusable. */
  segmentBase(v: Vcpu, sel: number): number {
    if ((sel & 3) === 0) return -1;
    const d = this.readGuestDescriptor(v, sel);
    if (d === null) return -1;
    const [lo, hi] = d;
    if ((hi & 0x8000) === 0 || (hi & 0x1000) === 0) return -1;
    return descBase(lo, hi) >>> 0;
  }

  /** #GP(0) from a privileged instruction Xen performs for PV kernels (emulate_privileged_op). */
  emulatePrivileged(p: Pcpu, v: Vcpu, f: EntryFrame): boolean {
    return emulatePrivilegedOp(this, p, v, f);
  }

  // ---- costs (simulated cycles charged for hypervisor work, DESIGN.md §3) ----------------------

  /**
   * Xen's hypercall_preempt_check for a hypercall running on `p` for `v`: the pCPU's time up to
   * the next scheduling point is used, or an event upcall is waiting for the vCPU.
   */
  hypercallPreemptPending(p: Pcpu, v: Vcpu): boolean {
    return this.pcpuNs(p) >= p.runUntilNs || this.upcallDeliverable(v);
  }

  chargeEntry(p: Pcpu): void {
    p.cpu.extraCycles += this.cost.entry;
  }

  chargeMmu(p: Pcpu, entries: number): void {
    p.cpu.extraCycles += this.cost.perPte * entries;
  }

  chargeCopy(p: Pcpu, bytes: number): void {
    p.cpu.extraCycles += Math.ceil(bytes / this.cost.copyBytesPerCycle);
  }

  // ---- the run loop --------------------------------------------------------------------------

  /**
   * Runs the machine on simulated time until the deadline, the condition, or until nothing can
   * run any more (every domain down, or all blocked with no timer armed).
   */
  run(opts: RunOptions = {}): RunResult {
    const deadline = opts.untilNs ?? (opts.forNs !== undefined ? this.nowNs + opts.forNs : Infinity);
    for (;;) {
      this.reap();
      this.runServices();
      if (opts.until?.() === true) return 'condition';
      if (this.nowNs >= deadline) return 'deadline';
      if (![...this.domains.values()].some((d) => d.id !== 0 && d.isAlive)) return 'all-down';
      this.timers.runUntil(this.nowNs);
      this.runServices();
      const anyWork = this.pcpus.some((p) => p.current !== null || this.sched.needsSchedule(p.index));
      const next = Math.min(this.nowNs + this.config.quantumNs, this.timers.nextExpiry(), deadline);
      if (!anyWork && !this.anyRunnable()) {
        // Everything is blocked: jump to the next timer.
        const t = Math.min(this.timers.nextExpiry(), deadline);
        if (t === Infinity) return 'idle';
        this.nowNs = Math.max(this.nowNs, t);
        for (const p of this.pcpus) this.advanceIdle(p, this.nowNs);
        continue;
      }
      for (const p of this.pcpus) this.runPcpu(p, next);
      this.nowNs = Math.max(next, this.nowNs);
    }
  }

  private anyRunnable(): boolean {
    for (const d of this.domains.values()) {
      for (const v of d.vcpus) if (this.sched.isRunnable(v.unit)) return true;
    }
    return false;
  }

  private runPcpu(p: Pcpu, end: number): void {
    this.runningPcpu = p;
    try {
      let guard = 0;
      while (this.pcpuNs(p) < end) {
        if (this.sched.needsSchedule(p.index) || (p.current !== null && !this.sched.isRunnable(p.current.unit))) this.schedule(p);
        const v = p.current;
        if (v === null) {
          this.advanceIdle(p, end);
          break;
        }
        if (this.upcallDeliverable(v)) p.raiseEventCheck();
        const budget = Math.max(1, Math.ceil((end - this.pcpuNs(p)) * this.time.cyclesPerNs));
        p.runUntilNs = end;
        const before = p.cpu.cycles;
        const why = p.cpu.run(budget);
        v.domain.cpuTimeNs += (p.cpu.cycles - before) * this.time.nsPerCycle;
        if (why === StopReason.Shutdown) {
          this.crashDomain(v.domain, `triple fault at ${p.cpu.eip.toString(16)}`);
        } else if (why === StopReason.Halt) {
          this.crashDomain(v.domain, 'HLT in ring 0 context');
        }
        if (!v.domain.isAlive || !this.sched.isRunnable(v.unit)) this.schedule(p);
        if (++guard > 1_000_000) throw new Error(`pCPU ${p.index} made no progress`);
      }
    } finally {
      this.runningPcpu = null;
    }
  }

  /** Xen's schedule() on one pCPU: ask the scheduler, then switch vCPU contexts. */
  private schedule(p: Pcpu): void {
    const prev = p.current;
    const unit = this.sched.schedule(p.index);
    const next = unit === null ? null : this.vcpuOf(unit);
    if (next === prev) return;
    if (prev !== null) {
      p.unload();
      prev.periodicTimer!.stop();
      this.updateRunstateArea(prev);
    }
    if (next !== null) {
      p.load(next, this.cr3For(next.baseMfn));
      next.segmentsDirty = true;
      this.publishTime(next);
      this.periodicWork(next);
      this.updateRunstateArea(next);
    }
  }

  private vcpuOf(unit: SchedUnit): Vcpu {
    const v = this.domains.get(unit.domid)?.vcpus[unit.vcpuId];
    if (v === undefined) throw new Error(`scheduler picked unknown unit d${unit.domid}v${unit.vcpuId}`);
    return v;
  }

  /**
   * The toolstack's part after a shutdown (xl.cfg on_poweroff/on_reboot/on_crash): destroy, and
   * for `restart` build the domain again from the same configuration.
   */
  private reap(): void {
    while (this.reaper.length > 0) {
      const d = this.reaper.shift()!;
      if (d.state === 'dead') continue;
      const restart = d.shutdownAction === 'restart';
      this.destroyDomain(d);
      if (restart && d.config !== undefined) {
        const again = this.createDomain(d.config as DomainConfig);
        this.dmesg(`d${d.id} '${d.name}' restarted as d${again.id}`);
      }
    }
  }

  /** Stops plugins and releases the machine. */
  dispose(): void {
    this.plugins.stop();
    this.plugins.dispose();
  }
}

function unitName(u: SchedUnit | null): string {
  return u === null ? 'idle' : `d${u.domid}v${u.vcpuId}`;
}
