// The scheduling framework, xen/common/sched/core.c in miniature. It owns what Xen's core owns:
// which unit runs on which pCPU, run states and their accounting (VCPUOP_get_runstate_info),
// the pause count, the per-pCPU schedule timer (s_timer) and the "schedule needed" flag
// (SCHEDULE_SOFTIRQ). The scheduler plugin only orders units (plugin-api `Scheduler`).
// Time is simulated: `now()` comes from the owner and timers fire from its `TimerQueue`.
import type { Nanoseconds, SchedParams, Scheduler, SchedulerContext, SchedUnit } from '@xen-ts/plugin-api';
import { RunState, type RunstateInfo } from './runstate.js';
import { SchedError, SchedulerContractError } from './sched-error.js';
import type { Timer, TimerQueue } from './timer-queue.js';

/** A context switch on one pCPU (Xen trace TRC_SCHED_SWITCH). `null` is the idle vCPU. */
export interface SwitchEvent {
  readonly time: Nanoseconds;
  readonly pcpu: number;
  readonly from: SchedUnit | null;
  readonly to: SchedUnit | null;
}

/** A unit changed run state (Xen trace TRC_SCHED_RUNSTATE_CHANGE). */
export interface RunstateChangeEvent {
  readonly time: Nanoseconds;
  readonly unit: SchedUnit;
  readonly from: RunState;
  readonly to: RunState;
}

export interface SchedCoreConfig {
  /** Number of physical CPUs (≥ 1). */
  readonly pcpus: number;
  /** The machine's timer queue; the core arms one slice timer per pCPU in it. */
  readonly timers: TimerQueue;
  /** Current simulated time. Must never go backwards. */
  readonly now: () => Nanoseconds;
  /** Called on every context switch (`from !== to`), after the core's state is updated. */
  readonly onSwitch?: (event: SwitchEvent) => void;
  /** Called on every run-state change of a unit. */
  readonly onRunstateChange?: (event: RunstateChangeEvent) => void;
  /** Called when `needsSchedule(pcpu)` becomes true, so a run loop can stop executing that pCPU. */
  readonly onScheduleNeeded?: (pcpu: number) => void;
}

/** The core's record of a unit. Only the core mutates it; the scheduler sees it as a `SchedUnit`. */
class UnitRecord implements SchedUnit {
  priv: unknown = undefined;
  online = false;
  blocked = false;
  pauseCount = 0;
  /** pCPU it is running on, or -1. */
  runningOn = -1;
  state: RunState = RunState.offline;
  stateEntryTime: Nanoseconds;
  readonly time: [Nanoseconds, Nanoseconds, Nanoseconds, Nanoseconds] = [0, 0, 0, 0];

  constructor(
    readonly id: number,
    readonly domid: number,
    readonly vcpuId: number,
    public pcpu: number,
    now: Nanoseconds,
  ) {
    this.stateEntryTime = now;
  }

  get runnable(): boolean {
    return this.online && !this.blocked && this.pauseCount === 0;
  }
}

interface PcpuState {
  current: UnitRecord | null;
  needsSchedule: boolean;
  lastDecisionTime: Nanoseconds;
  contextSwitches: number;
  readonly sliceTimer: Timer;
}

/** Largest pause count, as Xen's `atomic_t pause_count` guard against overflow. */
const MAX_PAUSE_COUNT = 0x7fff_ffff;

export class SchedCore {
  readonly pcpus: number;
  /** The scheduler instance this core drives. */
  readonly scheduler: Scheduler;
  /** What the scheduler was given (also useful to tests and tools). */
  readonly context: SchedulerContext;

  private readonly now: () => Nanoseconds;
  private readonly config: SchedCoreConfig;
  private readonly pcpu: PcpuState[] = [];
  private readonly units = new Map<number, UnitRecord>();
  private readonly domains = new Map<number, Map<number, UnitRecord>>();
  private nextUnitId = 0;

  /**
   * @param createScheduler builds the scheduler around the context the core offers; usually
   *   `(ctx) => instantiateScheduler(container, registration, ctx, options)`.
   */
  constructor(config: SchedCoreConfig, createScheduler: (context: SchedulerContext) => Scheduler) {
    if (!Number.isInteger(config.pcpus) || config.pcpus < 1) {
      throw new RangeError(`SchedCore: pcpus must be an integer ≥ 1, got ${config.pcpus}`);
    }
    this.config = config;
    this.pcpus = config.pcpus;
    this.now = config.now;
    const start = config.now();
    for (let cpu = 0; cpu < config.pcpus; cpu++) {
      this.pcpu.push({
        current: null,
        needsSchedule: true, // every pCPU schedules once at boot
        lastDecisionTime: start,
        contextSwitches: 0,
        sliceTimer: config.timers.createTimer(() => this.requestSchedule(cpu)),
      });
    }
    this.context = {
      pcpus: config.pcpus,
      now: () => this.now(),
      createTimer: (callback) => config.timers.createTimer(callback),
      kick: (cpu) => {
        this.checkSchedulerPcpu(cpu, 'kick');
        this.requestSchedule(cpu);
      },
      isRunnable: (unit) => this.schedulerRecord(unit, 'isRunnable').runnable,
      isRunning: (unit) => this.schedulerRecord(unit, 'isRunning').runningOn >= 0,
    };
    this.scheduler = createScheduler(this.context);
  }

  // ---- domains -------------------------------------------------------------------------------

  /** alloc_domdata: registers a domain with its initial scheduling parameters. */
  addDomain(domid: number, params: SchedParams = {}): void {
    if (!Number.isInteger(domid) || domid < 0) throw SchedError.invalid(`bad domain id ${domid}`);
    if (this.domains.has(domid)) throw SchedError.exists(`domain ${domid} is already scheduled`);
    this.withParamErrors(() => this.scheduler.insertDomain(domid, params));
    this.domains.set(domid, new Map());
  }

  /** Removes every unit of the domain (running ones are descheduled), then the domain. */
  removeDomain(domid: number): void {
    const units = this.domainUnitMap(domid);
    for (const unit of [...units.values()]) this.removeUnit(unit);
    this.scheduler.removeDomain(domid);
    this.domains.delete(domid);
  }

  /** Reads a domain's parameters; with `put`, changes them first (XEN_DOMCTL_SCHEDOP_putinfo). */
  adjust(domid: number, put?: SchedParams): SchedParams {
    this.domainUnitMap(domid);
    return this.withParamErrors(() => this.scheduler.adjust(domid, put));
  }

  hasDomain(domid: number): boolean {
    return this.domains.has(domid);
  }

  // ---- units ---------------------------------------------------------------------------------

  /**
   * insert_unit: a new unit (vCPU) of a domain, initially offline (Xen: VPF_down). `pcpu` is
   * where it starts; by default units are spread over the pCPUs in creation order.
   */
  addUnit(domid: number, vcpuId: number, pcpu?: number): SchedUnit {
    const units = this.domainUnitMap(domid);
    if (!Number.isInteger(vcpuId) || vcpuId < 0) throw SchedError.invalid(`bad vcpu id ${vcpuId}`);
    if (units.has(vcpuId)) throw SchedError.exists(`d${domid}v${vcpuId} already exists`);
    const id = this.nextUnitId++;
    const cpu = pcpu ?? id % this.pcpus;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.pcpus) throw SchedError.invalid(`bad pcpu ${pcpu}`);
    const unit = new UnitRecord(id, domid, vcpuId, cpu, this.now());
    units.set(vcpuId, unit);
    this.units.set(id, unit);
    this.scheduler.insertUnit(unit);
    return unit;
  }

  /** remove_unit: takes the unit offline (descheduling it if it runs) and forgets it. */
  removeUnit(unit: SchedUnit): void {
    const record = this.record(unit);
    this.transition(record, () => {
      record.online = false;
    });
    if (record.runningOn >= 0) {
      // Leaves its pCPU at once: a unit being destroyed never runs again (Xen: vcpu_destroy
      // happens only after the vCPU is descheduled; here the core does that part itself).
      const cpu = this.pcpu[record.runningOn]!;
      cpu.current = null;
      record.runningOn = -1;
      this.updateRunstate(record);
      this.requestSchedule(record.pcpu);
    }
    this.scheduler.removeUnit(record);
    this.units.delete(record.id);
    this.domains.get(record.domid)?.delete(record.vcpuId);
  }

  /** The unit of `d<domid>v<vcpuId>`, if any. */
  unit(domid: number, vcpuId: number): SchedUnit | undefined {
    return this.domains.get(domid)?.get(vcpuId);
  }

  /** All units of a domain, by vCPU id order of creation. */
  domainUnits(domid: number): SchedUnit[] {
    return [...this.domainUnitMap(domid).values()];
  }

  /** All units, in creation order. */
  allUnits(): SchedUnit[] {
    return [...this.units.values()];
  }

  // ---- state changes (each may call the scheduler's sleep or wake) ----------------------------

  /** VCPUOP_up / down. */
  setOnline(unit: SchedUnit, online: boolean): void {
    const record = this.record(unit);
    this.transition(record, () => {
      record.online = online;
    });
  }

  /** SCHEDOP_block: the unit waits for an event. */
  block(unit: SchedUnit): void {
    const record = this.record(unit);
    this.transition(record, () => {
      record.blocked = true;
    });
  }

  /** vcpu_wake: an event arrived for a blocked unit. A no-op for a unit that is not blocked. */
  wake(unit: SchedUnit): void {
    const record = this.record(unit);
    this.transition(record, () => {
      record.blocked = false;
    });
  }

  /** vcpu_pause: increments the pause count; a paused unit is not runnable. */
  pause(unit: SchedUnit): void {
    const record = this.record(unit);
    if (record.pauseCount >= MAX_PAUSE_COUNT) throw SchedError.invalid(`pause count overflow on ${name(record)}`);
    this.transition(record, () => {
      record.pauseCount++;
    });
  }

  /** vcpu_unpause: decrements the pause count. Unpausing an unpaused unit is refused (-EINVAL). */
  unpause(unit: SchedUnit): void {
    const record = this.record(unit);
    if (record.pauseCount === 0) throw SchedError.invalid(`${name(record)} is not paused`);
    this.transition(record, () => {
      record.pauseCount--;
    });
  }

  /** SCHEDOP_yield: the running unit gives up the rest of its slice. Ignored if it is not running. */
  yield(unit: SchedUnit): void {
    const record = this.record(unit);
    if (record.runningOn < 0 || !record.runnable) return;
    this.scheduler.yield(record);
    this.requestSchedule(record.runningOn);
  }

  // ---- queries -------------------------------------------------------------------------------

  isRunnable(unit: SchedUnit): boolean {
    return this.record(unit).runnable;
  }

  isRunning(unit: SchedUnit): boolean {
    return this.record(unit).runningOn >= 0;
  }

  pauseCount(unit: SchedUnit): number {
    return this.record(unit).pauseCount;
  }

  /** VCPUOP_get_runstate_info: times include the current state up to `now()`. */
  runstate(unit: SchedUnit): RunstateInfo {
    const record = this.record(unit);
    const time: [number, number, number, number] = [...record.time];
    time[record.state] += this.now() - record.stateEntryTime;
    return { state: record.state, stateEntryTime: record.stateEntryTime, time };
  }

  /** The unit running on `pcpu`, or null for idle. */
  current(pcpu: number): SchedUnit | null {
    return this.pcpuState(pcpu).current;
  }

  /** Must `schedule(pcpu)` be called (SCHEDULE_SOFTIRQ pending)? */
  needsSchedule(pcpu: number): boolean {
    return this.pcpuState(pcpu).needsSchedule;
  }

  /** Context switches (`from !== to`, idle included) performed on `pcpu`. */
  contextSwitches(pcpu: number): number {
    return this.pcpuState(pcpu).contextSwitches;
  }

  /** Time `pcpu`'s slice timer is armed for, or `Infinity`. */
  sliceEnd(pcpu: number): Nanoseconds {
    const timer = this.pcpuState(pcpu).sliceTimer;
    return timer.pending ? timer.expiry : Infinity;
  }

  // ---- scheduling ----------------------------------------------------------------------------

  /** Raises the schedule request for `pcpu` (Xen: cpu_raise_softirq(SCHEDULE_SOFTIRQ)). */
  kick(pcpu: number): void {
    this.pcpuState(pcpu);
    this.requestSchedule(pcpu);
  }

  /**
   * Xen's schedule(): asks the scheduler what runs next on `pcpu`, checks the answer, switches,
   * accounts run states and arms the slice timer. Returns the unit now running (null: idle).
   * Throws {@link SchedulerContractError} if the scheduler's answer breaks the contract.
   */
  schedule(pcpu: number): SchedUnit | null {
    const cpu = this.pcpuState(pcpu);
    const now = this.now();
    const prev = cpu.current;
    cpu.needsSchedule = false;
    const decision = this.scheduler.doSchedule(pcpu, prev, now, now - cpu.lastDecisionTime);
    const next = this.checkDecision(pcpu, decision?.unit, decision?.sliceNs);
    cpu.lastDecisionTime = now;
    if (next !== prev) {
      cpu.contextSwitches++;
      if (prev) {
        prev.runningOn = -1;
        this.updateRunstate(prev);
      }
      cpu.current = next;
      if (next) {
        next.runningOn = pcpu;
        next.pcpu = pcpu;
        this.updateRunstate(next);
      }
      this.config.onSwitch?.({ time: now, pcpu, from: prev, to: next });
    }
    const slice = decision.sliceNs;
    if (slice === Infinity) cpu.sliceTimer.stop();
    else cpu.sliceTimer.set(now + slice);
    return next;
  }

  /** The scheduler's dump text, prefixed by the core's per-pCPU state. */
  dump(): string {
    const lines = this.pcpu.map((cpu, index) => {
      const current = cpu.current ? name(cpu.current) : 'idle';
      return `CPU[${index}] current=${current} switches=${cpu.contextSwitches}`;
    });
    lines.unshift(`Scheduler: ${this.scheduler.name} (${this.scheduler.id})`);
    const own = this.scheduler.dump?.();
    if (own) lines.push(own);
    return lines.join('\n');
  }

  // ---- internals -----------------------------------------------------------------------------

  private checkDecision(pcpu: number, unit: SchedUnit | null | undefined, sliceNs: number | undefined): UnitRecord | null {
    const who = this.scheduler.name;
    if (unit === undefined || typeof sliceNs !== 'number') {
      throw new SchedulerContractError(who, `doSchedule(${pcpu}) returned no {unit, sliceNs} decision`);
    }
    if (!(sliceNs > 0)) {
      throw new SchedulerContractError(who, `doSchedule(${pcpu}) returned slice ${sliceNs} ns; it must be > 0 or Infinity`);
    }
    if (unit === null) return null;
    const record = this.units.get(unit.id);
    if (record !== unit) {
      throw new SchedulerContractError(who, `doSchedule(${pcpu}) returned unit ${unit.id}, which the core does not know (removed?)`);
    }
    if (!record.runnable) {
      const why = !record.online ? 'offline' : record.blocked ? 'blocked' : `paused (count ${record.pauseCount})`;
      throw new SchedulerContractError(who, `doSchedule(${pcpu}) picked ${name(record)}, which is not runnable: ${why}`);
    }
    if (record.runningOn >= 0 && record.runningOn !== pcpu) {
      throw new SchedulerContractError(who, `doSchedule(${pcpu}) picked ${name(record)}, which is running on pCPU ${record.runningOn}`);
    }
    return record;
  }

  /** Applies a flag change and tells the scheduler if runnability changed (Xen: vcpu_sleep_nosync / vcpu_wake). */
  private transition(record: UnitRecord, change: () => void): void {
    const wasRunnable = record.runnable;
    change();
    const isRunnable = record.runnable;
    this.updateRunstate(record);
    if (wasRunnable && !isRunnable) {
      this.scheduler.sleep(record);
      if (record.runningOn >= 0) this.requestSchedule(record.runningOn);
    } else if (!wasRunnable && isRunnable) {
      if (record.runningOn < 0 && this.scheduler.pickCpu) {
        const target = this.scheduler.pickCpu(record);
        this.checkSchedulerPcpu(target, `pickCpu(${name(record)})`);
        record.pcpu = target;
      }
      this.scheduler.wake(record);
      if (record.runningOn < 0 && this.pcpu[record.pcpu]!.current === null) this.requestSchedule(record.pcpu);
    }
  }

  private updateRunstate(record: UnitRecord): void {
    const next: RunState =
      record.runningOn >= 0
        ? RunState.running
        : record.runnable
          ? RunState.runnable
          : record.online && record.blocked
            ? RunState.blocked
            : RunState.offline;
    if (next === record.state) return;
    const now = this.now();
    const previous = record.state;
    record.time[previous] += now - record.stateEntryTime;
    record.state = next;
    record.stateEntryTime = now;
    this.config.onRunstateChange?.({ time: now, unit: record, from: previous, to: next });
  }

  private requestSchedule(pcpu: number): void {
    const cpu = this.pcpu[pcpu]!;
    if (cpu.needsSchedule) return;
    cpu.needsSchedule = true;
    this.config.onScheduleNeeded?.(pcpu);
  }

  private withParamErrors<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (error instanceof RangeError) throw SchedError.invalid(error.message);
      throw error;
    }
  }

  private record(unit: SchedUnit): UnitRecord {
    const record = unit ? this.units.get(unit.id) : undefined;
    if (!record || record !== unit) throw SchedError.invalid(`unknown scheduling unit ${unit?.id}`);
    return record;
  }

  private schedulerRecord(unit: SchedUnit, what: string): UnitRecord {
    const record = unit ? this.units.get(unit.id) : undefined;
    if (!record || record !== unit) {
      throw new SchedulerContractError(this.scheduler.name, `${what}() on unit ${unit?.id}, which the core does not know`);
    }
    return record;
  }

  private checkSchedulerPcpu(pcpu: number, what: string): void {
    if (!Number.isInteger(pcpu) || pcpu < 0 || pcpu >= this.pcpus) {
      throw new SchedulerContractError(this.scheduler.name, `${what}: pCPU ${pcpu} does not exist (pcpus=${this.pcpus})`);
    }
  }

  private pcpuState(pcpu: number): PcpuState {
    const cpu = Number.isInteger(pcpu) ? this.pcpu[pcpu] : undefined;
    if (!cpu) throw SchedError.invalid(`pCPU ${pcpu} does not exist (pcpus=${this.pcpus})`);
    return cpu;
  }

  private domainUnitMap(domid: number): Map<number, UnitRecord> {
    const units = this.domains.get(domid);
    if (!units) throw SchedError.noSuchDomain(domid);
    return units;
  }
}

function name(unit: SchedUnit): string {
  return `d${unit.domid}v${unit.vcpuId}`;
}
