// Host configuration of the hypervisor and of one domain (xl.cfg keys, DESIGN.md §6).
import type { SchedParams, XenPlugin } from '@xen-ts/plugin-api';
import type { ShutdownAction } from '../domain/domain.js';
import type { PagingMode } from '../machine/hole-layout.js';

export interface HypervisorConfig {
  /** Machine RAM in MiB (default 256). */
  memoryMb?: number;
  /** Physical CPUs, interleaved deterministically (default 1). */
  pcpus?: number;
  /** Paging layout of this hypervisor build: the paper's 2-level (default) or PAE. */
  paging?: PagingMode;
  /** Scheduler plugin name, as Xen's `sched=` (default 'credit'). */
  scheduler?: string;
  /** Pool-wide scheduler options (e.g. credit: tsliceMs, ratelimitUs). */
  schedulerOptions?: Record<string, number>;
  /** Plugins to load (schedulers, backends, guest ports). */
  plugins?: readonly XenPlugin[];
  /** Simulated CPU clock in MHz (default 1000: one cycle is one ns). */
  cpuMhz?: number;
  /** Longest stretch one pCPU runs before the others get their turn, in ns (default 100 µs). */
  quantumNs?: number;
  /** Wall clock at boot, seconds since the epoch (default 2003-10-19, SOSP '03). */
  wallclockEpoch?: number;
  /** Let unprivileged domains write to the hypervisor console with console_io (a debug build's behaviour; default true). */
  domUConsoleIo?: boolean;
  /** The hypervisor's own command line (XENVER_commandline). */
  commandLine?: string;
  /** Record a trace from the start. */
  trace?: boolean;
}

export type ResolvedHypervisorConfig = Required<Omit<HypervisorConfig, 'plugins'>> & { plugins: readonly XenPlugin[] };

export function resolveConfig(c: HypervisorConfig): ResolvedHypervisorConfig {
  const r = {
    memoryMb: c.memoryMb ?? 256,
    pcpus: c.pcpus ?? 1,
    paging: c.paging ?? '2level',
    scheduler: c.scheduler ?? 'credit',
    schedulerOptions: c.schedulerOptions ?? {},
    plugins: c.plugins ?? [],
    cpuMhz: c.cpuMhz ?? 1000,
    quantumNs: c.quantumNs ?? 100_000,
    wallclockEpoch: c.wallclockEpoch ?? 1066521600,
    domUConsoleIo: c.domUConsoleIo ?? true,
    commandLine: c.commandLine ?? '',
    trace: c.trace ?? false,
  } satisfies ResolvedHypervisorConfig;
  const bad = (what: string): never => {
    throw new RangeError(`host config: ${what}`);
  };
  if (!Number.isInteger(r.memoryMb) || r.memoryMb < 16 || r.memoryMb > 3072) bad(`memory must be 16..3072 MiB, got ${r.memoryMb}`);
  if (!Number.isInteger(r.pcpus) || r.pcpus < 1 || r.pcpus > 16) bad(`pcpus must be 1..16, got ${r.pcpus}`);
  if (r.paging !== '2level' && r.paging !== 'pae') bad(`paging must be '2level' or 'pae', got '${String(r.paging)}'`);
  if (!(r.cpuMhz >= 1 && r.cpuMhz <= 10000)) bad(`cpuMhz must be 1..10000, got ${r.cpuMhz}`);
  if (!(r.quantumNs >= 1000)) bad(`quantumNs must be at least 1000, got ${r.quantumNs}`);
  return r;
}

export interface DomainConfig {
  name: string;
  /** The PV kernel image (bytes of an ELF with Xen notes). */
  kernel: Uint8Array;
  ramdisk?: Uint8Array;
  /** `extra=`: the kernel command line. */
  cmdline?: string;
  memoryMb: number;
  vcpus?: number;
  /** xl.cfg on_crash (default destroy), on_poweroff (destroy), on_reboot (restart). */
  onCrash?: ShutdownAction;
  onPoweroff?: ShutdownAction;
  onReboot?: ShutdownAction;
  /** Scheduler parameters (credit: weight, cap; bvt: mcuadv, warp, ...). */
  sched?: SchedParams;
  /** Create paused (xl create -p). */
  paused?: boolean;
}
