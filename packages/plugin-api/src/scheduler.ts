// The scheduler contract, shaped like Xen's `struct scheduler` (xen/common/sched/private.h,
// xen-abi.md §3.1). A scheduler only orders units; the framework (`@xen-ts/sched-core`) owns
// run states, context switches, time accounting and the per-pCPU schedule timer.
import type { InjectionToken } from 'tsyringe';

// A class constructor whose parameters are all resolved by the container.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type constructor<T> = new (...args: any[]) => T;

/** Simulated nanoseconds since boot. Plain numbers: exact up to 2^53 ns (104 days). */
export type Nanoseconds = number;

/** A schedulable entity: one vCPU (Xen's sched_unit with sched-gran=cpu). */
export interface SchedUnit {
  /** Unique id across the machine, stable for the unit's life. */
  readonly id: number;
  readonly domid: number;
  readonly vcpuId: number;
  /** The pCPU the unit is assigned to (the framework keeps it; `pickCpu` may change it). */
  readonly pcpu: number;
  /** Scheduler-private data (Xen's `unit->priv`). */
  priv: unknown;
}

/** What `doSchedule` decides for one pCPU. */
export interface SchedDecision {
  /** The unit to run, or null for the idle vCPU. Must be runnable and not running elsewhere. */
  unit: SchedUnit | null;
  /** Run it at most this long before `doSchedule` is called again; `Infinity` for no limit. */
  sliceNs: Nanoseconds;
}

/** Per-domain parameters as numbers (credit: weight, cap; bvt: mcuAdvance, warp, ...). */
export type SchedParams = Readonly<Record<string, number>>;

/** A one-shot timer on simulated time, re-armed with `set`. */
export interface SchedTimer {
  set(at: Nanoseconds): void;
  stop(): void;
}

/** What the framework offers a scheduler instance. */
export interface SchedulerContext {
  readonly pcpus: number;
  now(): Nanoseconds;
  /** Creates a timer whose callback runs at its expiry (in simulated time, deterministically). */
  createTimer(callback: (now: Nanoseconds) => void): SchedTimer;
  /** Asks for `doSchedule` on `pcpu` at the next opportunity (Xen's SCHEDULE_SOFTIRQ). */
  kick(pcpu: number): void;
  /** Is this unit runnable (awake, not paused, not blocked)? */
  isRunnable(unit: SchedUnit): boolean;
  /** Is this unit currently running on some pCPU? */
  isRunning(unit: SchedUnit): boolean;
}
export const SchedulerContext: InjectionToken<SchedulerContext> = Symbol('SchedulerContext');

/** Pool-wide options from the host configuration (e.g. `tsliceMs` for credit). */
export type SchedulerOptions = Readonly<Record<string, number>>;
export const SchedulerOptions: InjectionToken<SchedulerOptions> = Symbol('SchedulerOptions');

export interface Scheduler {
  /** The `sched=` name, e.g. `credit`. */
  readonly name: string;
  /** XEN_SCHEDULER_* id where Xen has one (credit 5), else a number ≥ 100. */
  readonly id: number;

  /** alloc_domdata: a domain arrives with its initial parameters (defaults for missing keys). */
  insertDomain(domid: number, params: SchedParams): void;
  /** free_domdata. */
  removeDomain(domid: number): void;
  /** insert_unit: a new unit, initially not runnable. */
  insertUnit(unit: SchedUnit): void;
  /** remove_unit: the unit is neither running nor runnable. */
  removeUnit(unit: SchedUnit): void;
  /** The unit stopped being runnable (blocked, paused, going down). */
  sleep(unit: SchedUnit): void;
  /** The unit became runnable. */
  wake(unit: SchedUnit): void;
  /** The running unit gives up the rest of its slice (SCHEDOP_yield). */
  yield(unit: SchedUnit): void;
  /**
   * Picks what runs next on `pcpu`. `current` is what ran until now (null: idle); it is still
   * runnable if `ctx.isRunnable(current)`. `ranNs` is how long it ran since the last decision.
   */
  doSchedule(pcpu: number, current: SchedUnit | null, now: Nanoseconds, ranNs: Nanoseconds): SchedDecision;
  /** pick_resource: the pCPU a waking or new unit should be placed on. */
  pickCpu?(unit: SchedUnit): number;
  /** adjust: reads a domain's parameters; with `put`, changes them first. Throws RangeError on bad values. */
  adjust(domid: number, put?: SchedParams): SchedParams;
  /** Text for `xen dmesg` / debug keys. */
  dump?(): string;
}

/** What a scheduler plugin registers (multi-registration): the config selects one by `name`. */
export interface SchedulerRegistration {
  readonly name: string;
  readonly description: string;
  /** Its constructor parameters carry `@inject(SchedulerContext)` and `@inject(SchedulerOptions)`. */
  readonly scheduler: constructor<Scheduler>;
}
export const SchedulerRegistration: InjectionToken<SchedulerRegistration> = Symbol('SchedulerRegistration');
