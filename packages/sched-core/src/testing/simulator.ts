// A deterministic workload simulator: drives a SchedCore with a scheduler on N pCPUs the way
// the hypervisor's run loop will (handle schedule requests, then advance simulated time to the
// next timer), with units that burn CPU, block on "I/O", yield, or get paused.
import 'reflect-metadata';
import type { Nanoseconds, SchedParams, SchedulerOptions, SchedulerRegistration, SchedUnit } from '@xen-ts/plugin-api';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { instantiateScheduler } from '../instantiate.js';
import { RunState } from '../runstate.js';
import { SchedCore, type SwitchEvent } from '../sched-core.js';
import { TimerQueue, type Timer } from '../timer-queue.js';

/** How a simulated vCPU behaves. */
export type UnitBehavior =
  /** Always wants the CPU; with `yieldEveryNs`, calls SCHEDOP_yield after each such amount of CPU. */
  | { readonly kind: 'cpu'; readonly yieldEveryNs?: Nanoseconds }
  /** Runs `burstNs` of CPU, blocks for `sleepNs`, wakes, and again; starts asleep for `startDelayNs`. */
  | { readonly kind: 'io'; readonly burstNs: Nanoseconds; readonly sleepNs: Nanoseconds; readonly startDelayNs?: Nanoseconds };

export interface WorkloadDomain {
  readonly domid: number;
  readonly params?: SchedParams;
  /** One behavior per vCPU; `pcpu` pins the unit's initial placement. */
  readonly vcpus: readonly (UnitBehavior & { readonly pcpu?: number })[];
}

/** A pause or unpause of one vCPU at a given time (vcpu_pause / vcpu_unpause). */
export interface WorkloadEvent {
  readonly at: Nanoseconds;
  readonly domid: number;
  readonly vcpuId: number;
  readonly action: 'pause' | 'unpause';
}

export interface Workload {
  readonly pcpus: number;
  readonly durationNs: Nanoseconds;
  readonly domains: readonly WorkloadDomain[];
  readonly events?: readonly WorkloadEvent[];
}

export interface UnitStats {
  readonly name: string;
  readonly domid: number;
  readonly vcpuId: number;
  /** CPU time received (RUNSTATE_running). */
  readonly cpuNs: Nanoseconds;
  /** Times it was switched to. */
  readonly dispatches: number;
  /** Longest uninterrupted time runnable but not running (RUNSTATE_runnable stint). */
  readonly maxRunnableWaitNs: Nanoseconds;
  /** Longest time from a wake-up (blocked → runnable) to running. */
  readonly maxWakeLatencyNs: Nanoseconds;
  readonly wakeUps: number;
}

export interface SimulationResult {
  readonly durationNs: Nanoseconds;
  readonly units: readonly UnitStats[];
  /** One line per context switch: `<ns> cpu<N> <from> -> <to>`. */
  readonly trace: readonly string[];
  /** Longest stretch during which a pCPU was idle while a runnable unit waited. */
  readonly maxIdleWithWorkNs: Nanoseconds;
  readonly totalIdleWithWorkNs: Nanoseconds;
  /** The first exception thrown by the core or the scheduler, which ends the simulation. */
  readonly error?: Error;
  /** Problems the simulator itself saw (e.g. a non-runnable unit left running). */
  readonly anomalies: readonly string[];
  unit(domid: number, vcpuId?: number): UnitStats;
}

export interface SimulateOptions {
  readonly schedulerOptions?: SchedulerOptions;
  /** Parent container for the scheduler instance (default: a child of tsyringe's root). */
  readonly container?: DependencyContainer;
  /** Schedule requests handled at one instant before the simulator declares a livelock. */
  readonly maxDecisionsPerInstant?: number;
}

interface SimUnit {
  readonly unit: SchedUnit;
  readonly behavior: UnitBehavior;
  /** CPU still to burn before the next block/yield. */
  remainingNs: Nanoseconds;
  runStart: Nanoseconds;
  readonly workTimer: Timer;
  readonly wakeTimer: Timer;
  dispatches: number;
  maxRunnableWaitNs: Nanoseconds;
  maxWakeLatencyNs: Nanoseconds;
  wakeUps: number;
  /** Time it became runnable after blocking, or -1. */
  wokeAt: Nanoseconds;
}

const unitName = (unit: SchedUnit | null): string => (unit ? `d${unit.domid}v${unit.vcpuId}` : 'idle');

function workOf(behavior: UnitBehavior): Nanoseconds {
  return behavior.kind === 'io' ? behavior.burstNs : (behavior.yieldEveryNs ?? Infinity);
}

/** Runs `workload` under the scheduler of `registration`. Never throws for scheduler errors: see `error`. */
export function simulate(registration: SchedulerRegistration, workload: Workload, options: SimulateOptions = {}): SimulationResult {
  let clock: Nanoseconds = 0;
  const timers = new TimerQueue();
  const trace: string[] = [];
  const anomalies: string[] = [];
  const byUnitId = new Map<number, SimUnit>();
  const parent = options.container ?? rootContainer.createChildContainer();
  const maxDecisions = options.maxDecisionsPerInstant ?? 1000;
  const runnableSince = new Map<SimUnit, Nanoseconds>();

  const onSwitch = (event: SwitchEvent): void => {
    trace.push(`${event.time} cpu${event.pcpu} ${unitName(event.from)} -> ${unitName(event.to)}`);
    if (event.from) {
      const from = byUnitId.get(event.from.id)!;
      from.remainingNs -= event.time - from.runStart;
      from.workTimer.stop();
    }
    if (event.to) {
      const to = byUnitId.get(event.to.id)!;
      to.dispatches++;
      to.runStart = event.time;
      if (to.remainingNs <= 0) to.remainingNs = workOf(to.behavior);
      if (to.remainingNs !== Infinity) to.workTimer.set(event.time + to.remainingNs);
    }
  };

  const core = new SchedCore(
    {
      pcpus: workload.pcpus,
      timers,
      now: () => clock,
      onSwitch,
      onRunstateChange: (event) => {
        const sim = byUnitId.get(event.unit.id);
        if (!sim) return;
        if (event.from === RunState.runnable) {
          const stint = event.time - (runnableSince.get(sim) ?? event.time);
          sim.maxRunnableWaitNs = Math.max(sim.maxRunnableWaitNs, stint);
          if (event.to === RunState.running && sim.wokeAt >= 0) {
            sim.maxWakeLatencyNs = Math.max(sim.maxWakeLatencyNs, event.time - sim.wokeAt);
          }
          sim.wokeAt = -1;
        }
        if (event.to === RunState.runnable) {
          runnableSince.set(sim, event.time);
          if (event.from === RunState.blocked) {
            sim.wokeAt = event.time;
            sim.wakeUps++;
          }
        }
      },
    },
    (context) => instantiateScheduler(parent, registration, context, options.schedulerOptions ?? {}),
  );
  let error: Error | undefined;
  try {
    for (const domain of workload.domains) {
      core.addDomain(domain.domid, domain.params ?? {});
      domain.vcpus.forEach((behavior, vcpuId) => {
        const unit = core.addUnit(domain.domid, vcpuId, behavior.pcpu);
        const sim: SimUnit = {
          unit,
          behavior,
          remainingNs: workOf(behavior),
          runStart: 0,
          dispatches: 0,
          maxRunnableWaitNs: 0,
          maxWakeLatencyNs: 0,
          wakeUps: 0,
          wokeAt: -1,
          workTimer: timers.createTimer(() => workDone(sim)),
          wakeTimer: timers.createTimer(() => core.wake(unit)),
        };
        byUnitId.set(unit.id, sim);
      });
    }
    for (const sim of byUnitId.values()) {
      const delay = sim.behavior.kind === 'io' ? (sim.behavior.startDelayNs ?? 0) : 0;
      if (delay > 0) {
        core.block(sim.unit);
        sim.wakeTimer.set(delay);
      }
      core.setOnline(sim.unit, true);
    }
    for (const event of workload.events ?? []) {
      const unit = core.unit(event.domid, event.vcpuId);
      if (!unit) throw new Error(`workload event for unknown d${event.domid}v${event.vcpuId}`);
      timers.createTimer(() => (event.action === 'pause' ? core.pause(unit) : core.unpause(unit))).set(event.at);
    }

    let idleWithWorkSince = -1;
    let maxIdleWithWork = 0;
    let totalIdleWithWork = 0;
    while (true) {
      settle();
      const next = Math.min(timers.nextExpiry(), workload.durationNs);
      if (idleWithWork()) {
        if (idleWithWorkSince < 0) idleWithWorkSince = clock;
        totalIdleWithWork += next - clock;
        maxIdleWithWork = Math.max(maxIdleWithWork, next - idleWithWorkSince);
      } else {
        idleWithWorkSince = -1;
      }
      if (next >= workload.durationNs) {
        clock = workload.durationNs;
        break;
      }
      clock = next;
      timers.runUntil(clock);
    }
    return finish(maxIdleWithWork, totalIdleWithWork);
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
    return finish(0, 0);
  }

  function workDone(sim: SimUnit): void {
    sim.remainingNs = 0;
    if (sim.behavior.kind === 'io') {
      core.block(sim.unit);
      sim.wakeTimer.set(clock + sim.behavior.sleepNs);
    } else {
      core.yield(sim.unit);
    }
  }

  function settle(): void {
    let decisions = 0;
    for (let pending = true; pending; ) {
      pending = false;
      for (let cpu = 0; cpu < workload.pcpus; cpu++) {
        if (!core.needsSchedule(cpu)) continue;
        if (++decisions > maxDecisions) throw new Error(`livelock: ${maxDecisions} schedule requests at ${clock} ns`);
        core.schedule(cpu);
        pending = true;
      }
    }
    for (let cpu = 0; cpu < workload.pcpus; cpu++) {
      const current = core.current(cpu);
      if (current && !core.isRunnable(current)) {
        anomalies.push(`${clock} ns: ${unitName(current)} still runs on cpu${cpu} although not runnable`);
      }
    }
  }

  function idleWithWork(): boolean {
    let idle = 0;
    for (let cpu = 0; cpu < workload.pcpus; cpu++) if (core.current(cpu) === null) idle++;
    if (idle === 0) return false;
    for (const sim of byUnitId.values()) if (core.isRunnable(sim.unit) && !core.isRunning(sim.unit)) return true;
    return false;
  }

  function finish(maxIdleWithWorkNs: Nanoseconds, totalIdleWithWorkNs: Nanoseconds): SimulationResult {
    const units: UnitStats[] = [];
    for (const sim of byUnitId.values()) {
      let maxWait = sim.maxRunnableWaitNs;
      const info = core.runstate(sim.unit);
      const accounted = info.time[0] + info.time[1] + info.time[2] + info.time[3];
      if (!error && accounted !== clock) {
        anomalies.push(`${unitName(sim.unit)}: run states add up to ${accounted} ns of ${clock} ns`);
      }
      if (info.state === RunState.runnable) {
        maxWait = Math.max(maxWait, clock - info.stateEntryTime); // still waiting at the end
      }
      units.push({
        name: unitName(sim.unit),
        domid: sim.unit.domid,
        vcpuId: sim.unit.vcpuId,
        cpuNs: info.time[RunState.running],
        dispatches: sim.dispatches,
        maxRunnableWaitNs: maxWait,
        maxWakeLatencyNs: sim.maxWakeLatencyNs,
        wakeUps: sim.wakeUps,
      });
    }
    return {
      durationNs: clock,
      units,
      trace,
      maxIdleWithWorkNs,
      totalIdleWithWorkNs,
      error,
      anomalies,
      unit(domid: number, vcpuId = 0): UnitStats {
        const found = units.find((stats) => stats.domid === domid && stats.vcpuId === vcpuId);
        if (!found) throw new Error(`no simulated unit d${domid}v${vcpuId}`);
        return found;
      },
    };
  }
}
