// The scheduler contract: properties every scheduler plugin must have, measured on simulated
// workloads. Each check returns the list of violations (empty = pass), so a test can also
// assert that a deliberately broken scheduler is caught.
import type { Nanoseconds, SchedParams, SchedulerOptions, SchedulerRegistration } from '@xen-ts/plugin-api';
import { simulate, type SimulationResult, type UnitBehavior, type Workload, type WorkloadDomain } from './simulator.js';

const MS = 1_000_000;

export interface ContractOptions {
  /** Allowed relative error of a CPU share, e.g. 0.05: a unit due 40% may get 38%..42%. */
  readonly tolerance: number;
  /** Relative error allowed on 2 pCPUs, where balancing is coarser (default: 2 × `tolerance`). */
  readonly smpTolerance?: number;
  /**
   * Domain parameters that give a domain the relative weight `w` (w = 1, 2, 3, 5), e.g.
   * credit `(w) => ({ weight: 256 * w })`. Without it, all domains are expected to get equal shares.
   */
  readonly weightParams?: (relativeWeight: number) => SchedParams;
  /** Pool options for the scheduler (SchedulerOptions). */
  readonly schedulerOptions?: SchedulerOptions;
  /** Simulated time of each share measurement (default 3 s). */
  readonly durationNs?: Nanoseconds;
  /** No starvation: longest time a runnable unit may wait without running (default 300 ms). */
  readonly maxRunnableWaitNs?: Nanoseconds;
  /** A unit that wakes runs within this time (default 50 ms). */
  readonly maxWakeLatencyNs?: Nanoseconds;
  /** Work conservation: longest time a pCPU may idle while a runnable unit waits (default 1 ms). */
  readonly maxIdleWithWorkNs?: Nanoseconds;
}

export type ContractCheck = (registration: SchedulerRegistration, options: ContractOptions) => string[];

const cpu: UnitBehavior = { kind: 'cpu' };

function cpuDomains(weights: readonly number[], options: ContractOptions, firstDomid = 1, pcpu?: number): WorkloadDomain[] {
  return weights.map((weight, index) => ({
    domid: firstDomid + index,
    params: options.weightParams?.(weight) ?? {},
    vcpus: [pcpu === undefined ? cpu : { ...cpu, pcpu }],
  }));
}

function ms(ns: Nanoseconds): string {
  return `${(ns / MS).toFixed(3)} ms`;
}

/** A run that threw is a violation by itself; so are the simulator's anomalies. */
function failures(label: string, result: SimulationResult): string[] {
  const found: string[] = [];
  if (result.error) found.push(`${label}: ${result.error.message}`);
  for (const anomaly of result.anomalies.slice(0, 5)) found.push(`${label}: ${anomaly}`);
  return found;
}

function shareViolations(label: string, result: SimulationResult, expected: ReadonlyMap<number, number>, tolerance: number): string[] {
  const found = failures(label, result);
  if (result.error) return found;
  for (const [domid, share] of expected) {
    const got = result.unit(domid).cpuNs / result.durationNs;
    if (Math.abs(got / share - 1) > tolerance) {
      found.push(
        `${label}: d${domid} got ${(got * 100).toFixed(2)}% of a pCPU, expected ${(share * 100).toFixed(2)}% ±${(tolerance * 100).toFixed(1)}% (relative)`,
      );
    }
  }
  return found;
}

function expectedShares(weights: readonly number[], pcpus: number, options: ContractOptions, firstDomid = 1): Map<number, number> {
  const effective = options.weightParams ? weights : weights.map(() => 1);
  const total = effective.reduce((sum, weight) => sum + weight, 0);
  return new Map(effective.map((weight, index) => [firstDomid + index, (pcpus * weight) / total]));
}

/** CPU-bound domains share pCPUs in proportion to their weights (equally without weights). */
export const checkProportionalShares: ContractCheck = (registration, options) => {
  const durationNs = options.durationNs ?? 3000 * MS;
  const smpTolerance = options.smpTolerance ?? 2 * options.tolerance;
  const run = (pcpus: number, weights: number[]) =>
    simulate(registration, { pcpus, durationNs, domains: cpuDomains(weights, options) }, { schedulerOptions: options.schedulerOptions });
  return [
    ...shareViolations('1 pCPU, weights 1:2:3', run(1, [1, 2, 3]), expectedShares([1, 2, 3], 1, options), options.tolerance),
    ...shareViolations('2 pCPUs, weights 1:1:2:2', run(2, [1, 1, 2, 2]), expectedShares([1, 1, 2, 2], 2, options), smpTolerance),
    ...shareViolations('2 pCPUs, 3 equal domains', run(2, [1, 1, 1]), expectedShares([1, 1, 1], 2, { ...options, weightParams: undefined }), smpTolerance),
  ];
};

/** The mixed workload used by the starvation and determinism checks. */
function mixedWorkload(options: ContractOptions): Workload {
  return {
    pcpus: 2,
    durationNs: 1000 * MS,
    domains: [
      ...cpuDomains([1, 1, 2, 3, 5], options),
      { domid: 10, params: options.weightParams?.(1) ?? {}, vcpus: [{ kind: 'io', burstNs: 2 * MS, sleepNs: 5 * MS }] },
      { domid: 11, params: options.weightParams?.(1) ?? {}, vcpus: [{ kind: 'cpu', yieldEveryNs: 3 * MS }, { kind: 'io', burstNs: 500_000, sleepNs: 20 * MS, startDelayNs: 7 * MS }] },
    ],
    events: [
      { at: 100 * MS, domid: 2, vcpuId: 0, action: 'pause' },
      { at: 250 * MS, domid: 2, vcpuId: 0, action: 'unpause' },
    ],
  };
}

/** Every runnable unit runs, and never waits longer than `maxRunnableWaitNs`. */
export const checkNoStarvation: ContractCheck = (registration, options) => {
  const bound = options.maxRunnableWaitNs ?? 300 * MS;
  const result = simulate(registration, mixedWorkload(options), { schedulerOptions: options.schedulerOptions });
  const found = failures('mixed workload', result);
  for (const unit of result.units) {
    if (unit.dispatches === 0) found.push(`${unit.name} never ran in ${ms(result.durationNs)}`);
    else if (unit.maxRunnableWaitNs > bound) {
      found.push(`${unit.name} waited ${ms(unit.maxRunnableWaitNs)} while runnable (bound ${ms(bound)})`);
    }
  }
  return found;
};

/** Paused and blocked units never run (the core throws if picked); pausing takes effect at once. */
export const checkOnlyRunnableUnitsRun: ContractCheck = (registration, options) => {
  const pauses = [
    { domid: 1, at: 50 * MS, until: 400 * MS },
    { domid: 3, at: 120 * MS, until: 130 * MS },
  ];
  const workload: Workload = {
    pcpus: 2,
    durationNs: 600 * MS,
    domains: [
      ...cpuDomains([1, 2, 1, 1], options),
      { domid: 9, vcpus: [{ kind: 'io', burstNs: 1 * MS, sleepNs: 3 * MS }, { kind: 'io', burstNs: 4 * MS, sleepNs: 1 * MS }] },
    ],
    events: [
      ...pauses.flatMap((pause) => [
        { at: pause.at, domid: pause.domid, vcpuId: 0, action: 'pause' as const },
        { at: pause.until, domid: pause.domid, vcpuId: 0, action: 'unpause' as const },
      ]),
      // Nested pause: two pauses need two unpauses.
      { at: 200 * MS, domid: 2, vcpuId: 0, action: 'pause' },
      { at: 210 * MS, domid: 2, vcpuId: 0, action: 'pause' },
      { at: 300 * MS, domid: 2, vcpuId: 0, action: 'unpause' },
      { at: 350 * MS, domid: 2, vcpuId: 0, action: 'unpause' },
    ],
  };
  const result = simulate(registration, workload, { schedulerOptions: options.schedulerOptions });
  const found = failures('pause/block workload', result);
  const windows = [...pauses, { domid: 2, at: 200 * MS, until: 350 * MS }];
  for (const line of result.trace) {
    const [time, , , , to] = line.split(' ');
    for (const window of windows) {
      if (to === `d${window.domid}v0` && Number(time) >= window.at && Number(time) < window.until) {
        found.push(`d${window.domid}v0 was switched to at ${ms(Number(time))} while paused (${ms(window.at)}..${ms(window.until)})`);
      }
    }
  }
  for (const window of windows) {
    if (!result.error && result.unit(window.domid).dispatches === 0) found.push(`d${window.domid}v0 never ran`);
  }
  return found;
};

/** A unit that wakes from blocking runs within `maxWakeLatencyNs`, even next to CPU hogs. */
export const checkWakeLatency: ContractCheck = (registration, options) => {
  const bound = options.maxWakeLatencyNs ?? 50 * MS;
  const durationNs = 1000 * MS;
  const io = (domid: number, sleepNs: number): WorkloadDomain => ({
    domid,
    params: options.weightParams?.(1) ?? {},
    vcpus: [{ kind: 'io', burstNs: 1 * MS, sleepNs, startDelayNs: 3 * MS }],
  });
  const found: string[] = [];
  for (const workload of [
    { pcpus: 1, durationNs, domains: [...cpuDomains([1, 1], options), io(20, 9 * MS)] },
    { pcpus: 2, durationNs, domains: [...cpuDomains([1, 1, 1], options), io(20, 9 * MS), io(21, 13 * MS)] },
  ]) {
    const label = `${workload.pcpus} pCPU(s), CPU hogs + I/O domains`;
    const result = simulate(registration, workload, { schedulerOptions: options.schedulerOptions });
    found.push(...failures(label, result));
    if (result.error) continue;
    for (const unit of result.units.filter((stats) => stats.domid >= 20)) {
      if (unit.wakeUps < 10) found.push(`${label}: ${unit.name} woke only ${unit.wakeUps} times`);
      if (unit.maxWakeLatencyNs > bound) {
        found.push(`${label}: ${unit.name} waited ${ms(unit.maxWakeLatencyNs)} after a wake-up (bound ${ms(bound)})`);
      }
    }
  }
  return found;
};

/** No pCPU idles while a runnable unit waits, beyond `maxIdleWithWorkNs`. */
export const checkWorkConservation: ContractCheck = (registration, options) => {
  const bound = options.maxIdleWithWorkNs ?? 1 * MS;
  const found: string[] = [];
  const workloads: [string, Workload][] = [
    ['2 pCPUs, all units start on pCPU 0', { pcpus: 2, durationNs: 500 * MS, domains: cpuDomains([1, 1, 1], options, 1, 0) }],
    [
      '4 pCPUs, I/O and CPU units',
      {
        pcpus: 4,
        durationNs: 500 * MS,
        domains: [
          ...cpuDomains([1, 2], options, 1, 0),
          { domid: 5, vcpus: [{ kind: 'io', burstNs: 2 * MS, sleepNs: 1 * MS, pcpu: 0 }, { kind: 'io', burstNs: 5 * MS, sleepNs: 2 * MS, pcpu: 0 }] },
          { domid: 6, vcpus: [{ kind: 'io', burstNs: 7 * MS, sleepNs: 3 * MS, pcpu: 1 }, { kind: 'cpu', yieldEveryNs: 2 * MS, pcpu: 1 }] },
        ],
      },
    ],
  ];
  for (const [label, workload] of workloads) {
    const result = simulate(registration, workload, { schedulerOptions: options.schedulerOptions });
    found.push(...failures(label, result));
    if (!result.error && result.maxIdleWithWorkNs > bound) {
      found.push(
        `${label}: a pCPU idled for ${ms(result.maxIdleWithWorkNs)} while a runnable unit waited (bound ${ms(bound)}; total ${ms(result.totalIdleWithWorkNs)})`,
      );
    }
  }
  return found;
};

/** The same workload twice gives the same switch trace. */
export const checkDeterminism: ContractCheck = (registration, options) => {
  const first = simulate(registration, mixedWorkload(options), { schedulerOptions: options.schedulerOptions });
  const second = simulate(registration, mixedWorkload(options), { schedulerOptions: options.schedulerOptions });
  const found = [...failures('first run', first), ...failures('second run', second)];
  if (first.trace.length === 0) found.push('no context switch happened');
  const length = Math.max(first.trace.length, second.trace.length);
  for (let index = 0; index < length; index++) {
    if (first.trace[index] !== second.trace[index]) {
      found.push(`traces differ at switch ${index}: '${first.trace[index]}' vs '${second.trace[index]}'`);
      break;
    }
  }
  return found;
};

export const contractChecks = {
  'shares CPU in proportion to weights': checkProportionalShares,
  'starves no runnable unit': checkNoStarvation,
  'never runs a paused or blocked unit': checkOnlyRunnableUnitsRun,
  'runs a woken unit promptly': checkWakeLatency,
  'is work-conserving': checkWorkConservation,
  'is deterministic': checkDeterminism,
} as const satisfies Record<string, ContractCheck>;

/** Runs every check; returns the violations per check name. */
export function runSchedulerContract(registration: SchedulerRegistration, options: ContractOptions): Record<keyof typeof contractChecks, string[]> {
  const report = {} as Record<keyof typeof contractChecks, string[]>;
  for (const [name, check] of Object.entries(contractChecks) as [keyof typeof contractChecks, ContractCheck][]) {
    report[name] = check(registration, options);
  }
  return report;
}
