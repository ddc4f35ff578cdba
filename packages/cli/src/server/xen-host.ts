// The toolstack side of a running hypervisor (xl's libxl, in one process): builds domains from
// DomainSpecs, carries out the xl.cfg life-cycle actions the hypervisor leaves to the toolstack,
// keeps each console's recent output for `xen console` to replay, and answers the questions
// `xen list`, `xen top` and `xen sched-*` ask.
import { readFileSync } from 'node:fs';
import { ShutdownReason, XenErrno } from '@xen-ts/abi';
import { Hypervisor, SHUTDOWN_NAMES, type Domain, type DomainEvent } from '@xen-ts/hypervisor';
import { GuestPort, type XenPlugin } from '@xen-ts/plugin-api';
import { ConfigError } from '../config/config-error.js';
import type { DomainSpec } from '../config/domain-config.js';
import { guestPortPackage, type HostSpec } from '../config/host-config.js';
import { HostError } from './host-error.js';

/** Recent console output kept per domain, for replay on attach (xenconsoled keeps a log too). */
const CONSOLE_HISTORY_BYTES = 64 * 1024;

export interface ListRow {
  name: string;
  id: number;
  /** MiB (xl list's Mem). */
  mem: number;
  vcpus: number;
  /** Six characters `rbpscd`, '-' where not set (xl list). */
  state: string;
  /** CPU seconds of simulated time. */
  time: number;
}

export interface TopRow extends ListRow {
  cpuNs: number;
  maxMem: number;
  hypercalls: number;
  upcalls: number;
  bounces: number;
}

export interface TopSnapshot {
  nowNs: number;
  pcpus: number;
  memoryMb: number;
  freeMb: number;
  scheduler: string;
  hypercalls: number;
  contextSwitches: number;
  entries: number;
  domains: TopRow[];
}

export type ConsoleSink = (domid: number, text: string) => void;

export class XenHost {
  /** Specs of the domains this host built, by name (names are unique on a host). */
  private readonly specs = new Map<string, DomainSpec>();
  private readonly history = new Map<number, string>();
  private readonly consoleSinks = new Set<ConsoleSink>();
  private readonly eventSinks = new Set<(e: DomainEvent) => void>();
  /** Work to do between run slices (building a domain again is not safe inside `run`). */

  constructor(
    readonly xen: Hypervisor,
    readonly host: HostSpec,
  ) {
    xen.onConsole((domid, text) => {
      const before = this.history.get(domid) ?? '';
      const all = before + text;
      this.history.set(domid, all.length > CONSOLE_HISTORY_BYTES ? all.slice(all.length - CONSOLE_HISTORY_BYTES) : all);
      for (const sink of this.consoleSinks) sink(domid, text);
    });
    xen.onDomainEvent((e) => this.onDomainEvent(e));
  }

  /** Builds the hypervisor for a host spec. Errors name the host file and the setting. */
  static create(host: HostSpec, plugins: readonly XenPlugin[]): XenHost {
    let xen: Hypervisor;
    try {
      xen = new Hypervisor({
        memoryMb: host.memoryMb,
        pcpus: host.pcpus,
        paging: host.paging,
        scheduler: host.scheduler,
        schedulerOptions: host.schedulerOptions,
        plugins,
        cpuMhz: host.cpuMhz,
        quantumNs: host.quantumNs,
        commandLine: host.commandLine,
        trace: host.trace,
      });
    } catch (e) {
      const msg = (e as Error).message;
      const key = /scheduler/.test(msg) ? (/option/.test(msg) ? 'sched_options' : 'scheduler') : /plugin/.test(msg) ? 'plugins' : '';
      throw new ConfigError(host.source, host.lines[key] ?? 0, msg);
    }
    return new XenHost(xen, host);
  }

  // ---- domains -------------------------------------------------------------------------------

  /** The spec with the kernel, ramdisk and command line a guest port supplies filled in. */
  resolveGuestPort(spec: DomainSpec): DomainSpec {
    if (spec.kernel !== undefined) return spec;
    const container = this.xen.plugins.container;
    const ports = container.isRegistered(GuestPort, true) ? container.resolveAll(GuestPort) : [];
    const port = ports.find((p) => p.name === spec.type);
    if (port === undefined) {
      const known = ports.map((p) => p.name).join(', ') || 'none';
      throw new ConfigError(
        spec.source,
        0,
        `domain '${spec.name}' has no kernel and type "${spec.type}" names a guest port that is not registered (registered: ${known}); ` +
          `it is provided by the package ${guestPortPackage(spec.type)}: add it to the host file's plugins = [ … ], or give kernel = "…"`,
      );
    }
    const ramdisk = spec.ramdisk ?? port.ramdiskPath?.();
    return {
      ...spec,
      kernel: port.kernelPath(),
      ...(ramdisk === undefined ? {} : { ramdisk }),
      cmdline: spec.cmdline ?? port.defaultCmdline,
    };
  }

  /** xl create: builds the domain and starts it (or leaves it paused). */
  createDomain(specIn: DomainSpec, paused = false): Domain {
    if (this.xen.domainByName(specIn.name) !== undefined) {
      throw new HostError('EEXIST', `a domain named '${specIn.name}' already exists`);
    }
    const spec = this.resolveGuestPort(specIn);
    const kernel = readImage(spec, 'kernel', spec.kernel!);
    const ramdisk = spec.ramdisk === undefined ? undefined : readImage(spec, 'ramdisk', spec.ramdisk);
    const sched = spec.sched[this.schedulerName] ?? {};
    let d: Domain;
    try {
      d = this.xen.createDomain({
        name: spec.name,
        kernel,
        ...(ramdisk === undefined ? {} : { ramdisk }),
        cmdline: spec.cmdline ?? '',
        memoryMb: spec.memoryMb,
        vcpus: spec.vcpus,
        onCrash: spec.onCrash,
        onPoweroff: spec.onPoweroff,
        onReboot: 'restart',
        sched,
        paused,
      });
    } catch (e) {
      const msg = (e as Error).message;
      throw new HostError(/memory/.test(msg) ? 'ENOMEM' : 'EINVAL', `${spec.source}: cannot create domain '${spec.name}': ${msg}`);
    }
    this.specs.set(spec.name, spec);
    for (const key of spec.ignored) this.xen.dmesg(`toolstack: d${d.id} '${spec.name}': '${key}' is accepted but not acted on`);
    if (spec.disks.length > 0 || spec.vifs.length > 0) {
      this.xen.dmesg(`toolstack: d${d.id} '${spec.name}': ${spec.disks.length} disk(s), ${spec.vifs.length} vif(s) kept for their backends`);
    }
    return d;
  }

  spec(name: string): DomainSpec | undefined {
    return this.specs.get(name);
  }

  /** A domain by id or name; throws ESRCH with the name it was given. */
  findDomain(ref: string | number): Domain {
    const text = String(ref);
    const d = /^\d+$/.test(text) ? this.xen.domain(Number(text)) : this.xen.domainByName(text);
    if (d === undefined || d.state === 'dead') throw new HostError('ESRCH', `no domain '${text}' (see 'xen list')`);
    return d;
  }

  /** The first unprivileged domain that is alive (what `xen start` attaches to). */
  firstDomU(): Domain | undefined {
    return this.xen.listDomains().find((d) => d.id !== 0 && d.isAlive);
  }

  private onDomainEvent(e: DomainEvent): void {
    for (const sink of this.eventSinks) sink(e);
    if (e.what === 'destroyed') this.history.delete(e.domid);
  }

  onConsoleOutput(sink: ConsoleSink): () => void {
    this.consoleSinks.add(sink);
    return () => this.consoleSinks.delete(sink);
  }

  onEvent(sink: (e: DomainEvent) => void): () => void {
    this.eventSinks.add(sink);
    return () => this.eventSinks.delete(sink);
  }

  consoleHistory(domid: number): string {
    return this.history.get(domid) ?? '';
  }

  // ---- xl list / xentop ----------------------------------------------------------------------

  get schedulerName(): string {
    return this.xen.sched.scheduler.name;
  }

  /** xl list's six state characters r b p s c d. */
  stateOf(d: Domain): string {
    const running = d.vcpus.some((v) => v.runningOn >= 0 && d.isAlive);
    const blocked = d.isAlive && !running && d.vcpus.every((v) => v.blocked || !v.online);
    const paused = d.state === 'paused' || d.pauseCount > 0;
    const crashed = d.state === 'shutdown' && d.shutdownReason === ShutdownReason.SHUTDOWN_crash;
    const shutdown = d.state === 'shutdown' && !crashed;
    const dying = d.state === 'dying' || d.state === 'dead';
    return [running ? 'r' : '-', blocked ? 'b' : '-', paused ? 'p' : '-', shutdown ? 's' : '-', crashed ? 'c' : '-', dying ? 'd' : '-'].join('');
  }

  listRow(d: Domain): ListRow {
    return {
      name: d.name,
      id: d.id,
      mem: Math.round(d.totPages / 256),
      vcpus: d.vcpus.length,
      state: d.id === 0 ? 'r-----' : this.stateOf(d),
      time: Math.round(d.cpuTimeNs / 1e8) / 10,
    };
  }

  list(): ListRow[] {
    return this.xen.listDomains().map((d) => this.listRow(d));
  }

  top(): TopSnapshot {
    const xen = this.xen;
    return {
      nowNs: xen.now(),
      pcpus: xen.config.pcpus,
      memoryMb: xen.config.memoryMb,
      freeMb: Math.floor(xen.alloc.freeFrames / 256),
      scheduler: this.schedulerName,
      hypercalls: xen.stats.hypercalls,
      contextSwitches: xen.stats.contextSwitches,
      entries: xen.stats.entries,
      domains: xen.listDomains().map((d) => ({
        ...this.listRow(d),
        cpuNs: d.cpuTimeNs,
        maxMem: Math.round(d.maxPages / 256),
        hypercalls: d.hypercallCounts.reduce((a, b) => a + b, 0),
        upcalls: d.eventUpcalls,
        bounces: d.bounceCounts.reduce((a, b) => a + b, 0),
      })),
    };
  }

  // ---- xl sched-* ----------------------------------------------------------------------------

  /** Reads (and with `put`, first changes) a domain's scheduler parameters through SchedCore.adjust. */
  schedParams(d: Domain, put?: Record<string, number>): Record<string, number> {
    try {
      return { ...this.xen.sched.adjust(d.id, put) };
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      const code = errno === -XenErrno.ESRCH ? 'ESRCH' : 'EINVAL';
      throw new HostError(code, (e as Error).message);
    }
  }

  // ---- domain life cycle ---------------------------------------------------------------------

  shutdownReasonName(d: Domain): string {
    return SHUTDOWN_NAMES[d.shutdownReason] ?? String(d.shutdownReason);
  }
}

function readImage(spec: DomainSpec, what: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new HostError('ENOENT', `${spec.source}: ${what} '${path}' of domain '${spec.name}': ${why}`);
  }
}
