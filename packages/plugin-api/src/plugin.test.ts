import 'reflect-metadata';
import { container as globalContainer, inject, injectable } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  PLUGIN_API_VERSION,
  SchedulerContext,
  SchedulerOptions,
  SchedulerRegistration,
  definePlugin,
  type SchedDecision,
  type Scheduler,
  type SchedParams,
  type SchedUnit,
} from './index.js';

@injectable()
class FifoScheduler implements Scheduler {
  readonly name = 'fifo';
  readonly id = 100;
  readonly queue: SchedUnit[] = [];
  constructor(
    @inject(SchedulerContext) readonly ctx: SchedulerContext,
    @inject(SchedulerOptions) readonly opts: SchedulerOptions,
  ) {}
  insertDomain(): void {}
  removeDomain(): void {}
  insertUnit(): void {}
  removeUnit(u: SchedUnit): void {
    this.sleep(u);
  }
  sleep(u: SchedUnit): void {
    const i = this.queue.indexOf(u);
    if (i >= 0) this.queue.splice(i, 1);
  }
  wake(u: SchedUnit): void {
    this.queue.push(u);
  }
  yield(): void {}
  doSchedule(): SchedDecision {
    return { unit: this.queue[0] ?? null, sliceNs: this.opts['sliceNs'] ?? Infinity };
  }
  adjust(): SchedParams {
    return {};
  }
}

const fifoPlugin = definePlugin({
  name: 'sched-fifo',
  apiVersion: PLUGIN_API_VERSION,
  register(c) {
    c.register(SchedulerRegistration, { useValue: { name: 'fifo', description: 'FIFO', scheduler: FifoScheduler } });
  },
});

describe('plugin contract', () => {
  it('a scheduler plugin registers into a private container and resolves with explicit tokens', () => {
    const root = globalContainer.createChildContainer();
    fifoPlugin.register(root);
    const regs = root.resolveAll(SchedulerRegistration);
    expect(regs.map((r) => r.name)).toEqual(['fifo']);
    const child = root.createChildContainer();
    const ctx = { pcpus: 1 } as unknown as SchedulerContext;
    child.register(SchedulerContext, { useValue: ctx });
    child.register(SchedulerOptions, { useValue: { sliceNs: 5 } });
    const s = child.resolve(regs[0]!.scheduler) as FifoScheduler;
    expect(s.ctx).toBe(ctx);
    expect(s.doSchedule()).toEqual({ unit: null, sliceNs: 5 });
    // The global container was not touched.
    expect(globalContainer.isRegistered(SchedulerRegistration)).toBe(false);
  });
});
