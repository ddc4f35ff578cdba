// Schedulers for the core's own tests: a correct reference (global FIFO round-robin) and
// deliberately broken variants that the contract must catch. (tsyringe does not inherit
// `@inject` parameter tokens, so each subclass repeats its constructor.)
import 'reflect-metadata';
import {
  SchedulerContext,
  SchedulerOptions,
  type SchedDecision,
  type Scheduler,
  type SchedParams,
  type SchedulerRegistration,
  type SchedUnit,
} from '@xen-ts/plugin-api';
import { inject, injectable } from 'tsyringe';

const MS = 1_000_000;

@injectable()
export class ReferenceRoundRobin implements Scheduler {
  readonly name: string = 'test-rr';
  readonly id = 200;
  protected readonly queue: SchedUnit[] = [];
  /** What each pCPU runs according to our last decision. */
  protected readonly running: (SchedUnit | null)[];
  protected readonly sliceNs: number;

  constructor(
    @inject(SchedulerContext) protected readonly ctx: SchedulerContext,
    @inject(SchedulerOptions) options: SchedulerOptions,
  ) {
    this.running = new Array<SchedUnit | null>(ctx.pcpus).fill(null);
    this.sliceNs = (options['sliceMs'] ?? 10) * MS;
  }

  insertDomain(): void {}
  removeDomain(): void {}
  insertUnit(): void {}
  removeUnit(unit: SchedUnit): void {
    this.dequeue(unit);
    this.running.forEach((current, cpu) => {
      if (current === unit) this.running[cpu] = null;
    });
  }
  sleep(unit: SchedUnit): void {
    this.dequeue(unit);
  }
  wake(unit: SchedUnit): void {
    if (!this.ctx.isRunning(unit) && !this.queue.includes(unit)) this.queue.push(unit);
  }
  yield(): void {}
  pickCpu(unit: SchedUnit): number {
    if (this.running[unit.pcpu] === null) return unit.pcpu;
    const idle = this.running.indexOf(null);
    return idle >= 0 ? idle : unit.pcpu;
  }
  doSchedule(pcpu: number, current: SchedUnit | null): SchedDecision {
    if (current && this.ctx.isRunnable(current)) this.queue.push(current);
    const next = this.queue.shift() ?? null;
    this.running[pcpu] = next;
    if (this.queue.length > 0) {
      const idle = this.running.indexOf(null);
      if (idle >= 0) this.ctx.kick(idle);
    }
    return { unit: next, sliceNs: next ? this.sliceNs : Infinity };
  }
  adjust(): SchedParams {
    return {};
  }
  protected dequeue(unit: SchedUnit): void {
    const index = this.queue.indexOf(unit);
    if (index >= 0) this.queue.splice(index, 1);
  }
}

/** Forgets to take sleeping units off the run queue: picks blocked and paused units. */
@injectable()
export class KeepsSleepersScheduler extends ReferenceRoundRobin {
  override readonly name = 'keeps-sleepers';
  constructor(@inject(SchedulerContext) ctx: SchedulerContext, @inject(SchedulerOptions) options: SchedulerOptions) {
    super(ctx, options);
  }
  override sleep(): void {}
}

/** Always runs the lowest-numbered runnable unit, forever: starves the others. */
@injectable()
export class StarvingScheduler extends ReferenceRoundRobin {
  override readonly name = 'starving';
  constructor(@inject(SchedulerContext) ctx: SchedulerContext, @inject(SchedulerOptions) options: SchedulerOptions) {
    super(ctx, options);
  }
  override doSchedule(pcpu: number, current: SchedUnit | null): SchedDecision {
    if (current && this.ctx.isRunnable(current)) this.queue.push(current);
    this.queue.sort((a, b) => a.id - b.id);
    const next = this.queue.shift() ?? null;
    this.running[pcpu] = next;
    return { unit: next, sliceNs: Infinity };
  }
}

/** Never runs anything on pCPUs other than 0: not work-conserving. */
@injectable()
export class LazyScheduler extends ReferenceRoundRobin {
  override readonly name = 'lazy';
  constructor(@inject(SchedulerContext) ctx: SchedulerContext, @inject(SchedulerOptions) options: SchedulerOptions) {
    super(ctx, options);
  }
  override pickCpu(): number {
    return 0;
  }
  override doSchedule(pcpu: number, current: SchedUnit | null): SchedDecision {
    if (pcpu !== 0) {
      if (current && this.ctx.isRunnable(current)) this.queue.push(current);
      return { unit: null, sliceNs: Infinity };
    }
    if (current && this.ctx.isRunnable(current)) this.queue.push(current);
    const next = this.queue.shift() ?? null;
    return { unit: next, sliceNs: this.sliceNs };
  }
}

let hiddenState = 0;
/** Its slice depends on state that survives between runs: not deterministic. */
@injectable()
export class NondeterministicScheduler extends ReferenceRoundRobin {
  override readonly name = 'nondeterministic';
  constructor(@inject(SchedulerContext) ctx: SchedulerContext, @inject(SchedulerOptions) options: SchedulerOptions) {
    super(ctx, options);
  }
  override doSchedule(pcpu: number, current: SchedUnit | null): SchedDecision {
    const decision = super.doSchedule(pcpu, current);
    hiddenState++;
    return decision.unit ? { unit: decision.unit, sliceNs: this.sliceNs + (hiddenState % 7) * 1000 } : decision;
  }
}

/** Returns the unit that runs on another pCPU. */
@injectable()
export class StealsRunningScheduler extends ReferenceRoundRobin {
  override readonly name = 'steals-running';
  constructor(@inject(SchedulerContext) ctx: SchedulerContext, @inject(SchedulerOptions) options: SchedulerOptions) {
    super(ctx, options);
  }
  override doSchedule(pcpu: number, current: SchedUnit | null): SchedDecision {
    const other = this.running.find((unit, cpu) => cpu !== pcpu && unit !== null);
    if (other) return { unit: other, sliceNs: this.sliceNs };
    return super.doSchedule(pcpu, current);
  }
}

export function registration(name: string, scheduler: SchedulerRegistration['scheduler']): SchedulerRegistration {
  return { name, description: `test scheduler ${name}`, scheduler };
}
