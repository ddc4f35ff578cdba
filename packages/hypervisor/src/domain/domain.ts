// A domain: its memory (P2M), vCPUs, shared_info page, event channels, grant table and life
// cycle. Xen: struct domain.
import { ShutdownReason } from '@xen-ts/abi';
import type { EventChannels } from '../events/event-channels.js';
import type { GrantTable } from '../grants/grant-table.js';
import type { Vcpu } from './vcpu.js';

export type DomainState = 'created' | 'running' | 'paused' | 'shutdown' | 'dying' | 'dead';
/** What the toolstack does after a shutdown (xl.cfg on_poweroff / on_reboot / on_crash). */
export type ShutdownAction = 'destroy' | 'restart' | 'preserve';
export type OnCrash = ShutdownAction;

/** xl's defaults: power off → destroy, reboot → restart, crash → destroy. */
export interface ShutdownActions {
  poweroff: ShutdownAction;
  reboot: ShutdownAction;
  crash: ShutdownAction;
}

export const SHUTDOWN_NAMES: Readonly<Record<number, string>> = {
  [ShutdownReason.SHUTDOWN_poweroff]: 'poweroff',
  [ShutdownReason.SHUTDOWN_reboot]: 'reboot',
  [ShutdownReason.SHUTDOWN_suspend]: 'suspend',
  [ShutdownReason.SHUTDOWN_crash]: 'crash',
  [ShutdownReason.SHUTDOWN_watchdog]: 'watchdog',
  [ShutdownReason.SHUTDOWN_soft_reset]: 'soft_reset',
};

export class Domain {
  readonly vcpus: Vcpu[] = [];
  /** Pseudo-physical → machine frame (the P2M the builder hands the guest). */
  p2m: number[] = [];
  maxPages = 0;
  /** Frames the domain holds as memory (Xen's tot_pages; shared_info and grant frames are not counted). */
  totPages = 0;
  sharedInfoMfn = -1;
  /** The start_info page the builder wrote (machine frame), for tools and tests. */
  startInfoMfn = -1;
  state: DomainState = 'created';
  /** Pause count from the toolstack (xl pause); vCPUs run only at 0. */
  pauseCount = 0;
  shutdownReason = -1;
  /** SCHEDOP_shutdown_code latches a reason for the next shutdown. */
  shutdownCode = -1;
  /** Why the hypervisor crashed the domain, for the log. */
  crashMessage = '';
  /** vm_assist bits enabled (a number: type 32, m2p_strict, is above 32-bit masks). */
  vmAssist = 0;

  hasAssist(type: number): boolean {
    const bit = 2 ** type;
    return this.vmAssist % (2 * bit) >= bit;
  }
  /** Where the console_io output of this domain goes, line-buffered. */
  consoleLine = '';
  events!: EventChannels;
  grants!: GrantTable;
  /** Counters for the trace and `xen top`. */
  readonly hypercallCounts = new Float64Array(64);
  readonly bounceCounts = new Float64Array(256);
  eventUpcalls = 0;
  /** Simulated ns of CPU time consumed (the paper's per-domain virtual time). */
  cpuTimeNs = 0;
  /** The configuration it was created from (a restart builds it again). */
  config: unknown = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly privileged: boolean,
    readonly actions: ShutdownActions = { poweroff: 'destroy', reboot: 'restart', crash: 'destroy' },
  ) {}

  get onCrash(): ShutdownAction {
    return this.actions.crash;
  }

  /** The action for the current shutdown reason (suspend and others: destroy). */
  get shutdownAction(): ShutdownAction {
    if (this.shutdownReason === ShutdownReason.SHUTDOWN_poweroff) return this.actions.poweroff;
    if (this.shutdownReason === ShutdownReason.SHUTDOWN_reboot) return this.actions.reboot;
    if (this.shutdownReason === ShutdownReason.SHUTDOWN_crash) return this.actions.crash;
    return 'destroy';
  }

  get isAlive(): boolean {
    return this.state === 'created' || this.state === 'running' || this.state === 'paused';
  }

  /** The machine byte address of vCPU `v`'s vcpu_info. */
  vcpuInfoAddr(v: number): number {
    return this.sharedInfoMfn * 4096 + v * 64;
  }
}
