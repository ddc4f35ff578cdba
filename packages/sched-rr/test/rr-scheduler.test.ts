import 'reflect-metadata';
import { SchedulerRegistration } from '@xen-ts/plugin-api';
import { SchedCore, TimerQueue, findSchedulerRegistration, instantiateScheduler } from '@xen-ts/sched-core';
import { describeSchedulerContract, simulate } from '@xen-ts/sched-core/testing';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { RoundRobinScheduler, roundRobinRegistration, schedRrPlugin } from '../src/index.js';

const MS = 1_000_000;

describeSchedulerContract(roundRobinRegistration, { tolerance: 0.02, maxRunnableWaitNs: 80 * MS, maxWakeLatencyNs: 30 * MS });

function build(pcpus: number, options = {}) {
  const clock = { now: 0 };
  const timers = new TimerQueue();
  const core = new SchedCore({ pcpus, timers, now: () => clock.now }, (ctx) =>
    instantiateScheduler(rootContainer.createChildContainer(), roundRobinRegistration, ctx, options),
  );
  return { core, clock, timers };
}

describe('round-robin rules', () => {
  it('runs units in FIFO order with a fixed 10 ms slice by default', () => {
    const result = simulate(roundRobinRegistration, {
      pcpus: 1,
      durationNs: 60 * MS,
      domains: [1, 2, 3].map((domid) => ({ domid, vcpus: [{ kind: 'cpu' as const }] })),
    });
    expect(result.trace).toEqual([
      '0 cpu0 idle -> d1v0',
      `${10 * MS} cpu0 d1v0 -> d2v0`,
      `${20 * MS} cpu0 d2v0 -> d3v0`,
      `${30 * MS} cpu0 d3v0 -> d1v0`,
      `${40 * MS} cpu0 d1v0 -> d2v0`,
      `${50 * MS} cpu0 d2v0 -> d3v0`,
    ]);
  });

  it('takes the slice from sliceMs and refuses bad values', () => {
    const { core } = build(1, { sliceMs: 3 });
    expect((core.scheduler as RoundRobinScheduler).sliceNs).toBe(3 * MS);
    core.addDomain(1);
    const unit = core.addUnit(1, 0);
    core.setOnline(unit, true);
    core.schedule(0);
    expect(core.sliceEnd(0)).toBe(3 * MS);
    for (const sliceMs of [0, -1, Number.NaN, Infinity]) {
      expect(() => build(1, { sliceMs })).toThrow(/rr: sliceMs must be in/);
    }
    expect(() => build(1, { tsliceMs: 30 })).toThrow(/rr: unknown option 'tsliceMs'/);
  });

  it('a yielding unit goes behind the others; a lone unit keeps running', () => {
    const { core } = build(1);
    core.addDomain(1);
    core.addDomain(2);
    const a = core.addUnit(1, 0);
    const b = core.addUnit(2, 0);
    core.setOnline(a, true);
    expect(core.schedule(0)).toBe(a);
    core.yield(a);
    expect(core.schedule(0)).toBe(a);
    core.setOnline(b, true);
    core.yield(a);
    expect(core.schedule(0)).toBe(b);
  });

  it('places a waking unit on an idle pCPU', () => {
    const { core } = build(2);
    core.addDomain(1);
    const a = core.addUnit(1, 0, 0);
    const b = core.addUnit(1, 1, 0);
    core.setOnline(a, true);
    core.schedule(0);
    core.schedule(1);
    core.setOnline(b, true);
    expect(b.pcpu).toBe(1);
    expect(core.needsSchedule(1)).toBe(true);
    expect(core.schedule(1)).toBe(b);
  });

  it('has no parameters', () => {
    const { core } = build(1);
    core.addDomain(1, { weight: 512 });
    expect(core.adjust(1, { weight: 7 })).toEqual({});
    expect(core.dump()).toContain('rr: slice=10ms');
  });

  it('registers as "rr" through its plugin', () => {
    const parent = rootContainer.createChildContainer();
    schedRrPlugin.register(parent);
    expect(parent.resolveAll(SchedulerRegistration)).toEqual([roundRobinRegistration]);
    expect(findSchedulerRegistration(parent, 'rr').scheduler).toBe(RoundRobinScheduler);
  });
});
