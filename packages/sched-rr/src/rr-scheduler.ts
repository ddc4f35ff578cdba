// Round-robin with a fixed slice and one global FIFO run queue: Xen 2.0's sched_rrobin.c
// ("rr_slice = MILLISECS(10)", re-queue the previous domain at the tail, run the head),
// with the queue shared by all pCPUs so that it is work-conserving on SMP.
import 'reflect-metadata';
import {
  SchedulerContext,
  SchedulerOptions,
  type Nanoseconds,
  type SchedDecision,
  type Scheduler,
  type SchedParams,
  type SchedUnit,
} from '@xen-ts/plugin-api';
import { inject, injectable } from 'tsyringe';

const NS_PER_MS = 1_000_000;
/** Xen 2.0 sched_rrobin.c: `static s_time_t rr_slice = MILLISECS(10)`. */
export const RR_DEFAULT_SLICE_MS = 10;
/** Largest accepted slice: one simulated minute. */
export const RR_MAX_SLICE_MS = 60_000;

/** Validated pool options of the round-robin scheduler. */
export function readRoundRobinOptions(options: SchedulerOptions): { sliceMs: number } {
  for (const key of Object.keys(options)) {
    if (key !== 'sliceMs') throw new RangeError(`rr: unknown option '${key}' (known: sliceMs)`);
  }
  const sliceMs = options['sliceMs'] ?? RR_DEFAULT_SLICE_MS;
  if (!Number.isFinite(sliceMs) || sliceMs <= 0 || sliceMs > RR_MAX_SLICE_MS) {
    throw new RangeError(`rr: sliceMs must be in (0, ${RR_MAX_SLICE_MS}], got ${sliceMs}`);
  }
  return { sliceMs };
}

@injectable()
export class RoundRobinScheduler implements Scheduler {
  readonly name = 'rr';
  /**
   * Xen 1.x/2.0 public/sched_ctl.h numbered SCHED_RROBIN 2 or 3 depending on the release
   * (Atropos took 1 or 2); modern Xen has no round-robin id. We use 3, free in modern Xen.
   */
  readonly id = 3;
  readonly sliceNs: Nanoseconds;

  /** Runnable units that are not running, oldest first. */
  private readonly runQueue: SchedUnit[] = [];
  /** What each pCPU runs after our last decision for it (null: idle). */
  private readonly running: (SchedUnit | null)[];

  constructor(
    @inject(SchedulerContext) private readonly ctx: SchedulerContext,
    @inject(SchedulerOptions) options: SchedulerOptions,
  ) {
    this.sliceNs = readRoundRobinOptions(options).sliceMs * NS_PER_MS;
    this.running = new Array<SchedUnit | null>(ctx.pcpus).fill(null);
  }

  insertDomain(): void {}
  removeDomain(): void {}
  insertUnit(): void {}

  removeUnit(unit: SchedUnit): void {
    this.dequeue(unit);
    const cpu = this.running.indexOf(unit);
    if (cpu >= 0) this.running[cpu] = null;
  }

  sleep(unit: SchedUnit): void {
    this.dequeue(unit);
  }

  wake(unit: SchedUnit): void {
    // A running unit is re-queued by doSchedule when its pCPU next schedules.
    if (this.ctx.isRunning(unit) || this.runQueue.includes(unit)) return;
    this.runQueue.push(unit);
  }

  /** The yielding unit goes to the tail at the next doSchedule, as at every slice end. */
  yield(): void {}

  /** Prefers the unit's own pCPU if idle, else any idle pCPU, so a wake-up never waits behind a busy pCPU. */
  pickCpu(unit: SchedUnit): number {
    if (this.running[unit.pcpu] === null) return unit.pcpu;
    const idle = this.running.indexOf(null);
    return idle >= 0 ? idle : unit.pcpu;
  }

  doSchedule(pcpu: number, current: SchedUnit | null): SchedDecision {
    if (current && this.ctx.isRunnable(current) && !this.runQueue.includes(current)) this.runQueue.push(current);
    const next = this.runQueue.shift() ?? null;
    this.running[pcpu] = next;
    // Work left behind while a peer idles: wake the peer (it would otherwise sleep until an event).
    if (this.runQueue.length > 0) {
      const idle = this.running.indexOf(null);
      if (idle >= 0) this.ctx.kick(idle);
    }
    return { unit: next, sliceNs: next ? this.sliceNs : Infinity };
  }

  /** Round-robin has no per-domain parameters. */
  adjust(_domid: number, _put?: SchedParams): SchedParams {
    return {};
  }

  dump(): string {
    const queue = this.runQueue.map((unit) => `d${unit.domid}v${unit.vcpuId}`).join(' ') || '(empty)';
    return `rr: slice=${this.sliceNs / NS_PER_MS}ms runq: ${queue}`;
  }

  private dequeue(unit: SchedUnit): void {
    const index = this.runQueue.indexOf(unit);
    if (index >= 0) this.runQueue.splice(index, 1);
  }
}
