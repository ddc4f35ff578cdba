import 'reflect-metadata';
import { XenErrno } from '@xen-ts/abi';
import { SchedulerRegistration } from '@xen-ts/plugin-api';
import { findSchedulerRegistration } from '@xen-ts/sched-core';
import { createTestCore, simulate } from '@xen-ts/sched-core/testing';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { CreditPriority, CreditScheduler, creditRegistration, schedCreditPlugin } from '../src/index.js';

const MS = 1_000_000;

function build(pcpus: number, options = {}) {
  const t = createTestCore(creditRegistration, pcpus, options);
  return { ...t, credit: t.core.scheduler as CreditScheduler };
}

const cpuBound = (domid: number, params = {}, pcpu?: number) => ({ domid, params, vcpus: [{ kind: 'cpu' as const, pcpu }] });
const share = (result: ReturnType<typeof simulate>, domid: number, vcpuId = 0) => result.unit(domid, vcpuId).cpuNs / result.durationNs;

describe('credit1 rules', () => {
  it('weight 512 against 256 gets twice the CPU', () => {
    const result = simulate(creditRegistration, { pcpus: 1, durationNs: 3000 * MS, domains: [cpuBound(1, { weight: 512 }), cpuBound(2)] });
    expect(result.error).toBeUndefined();
    expect(share(result, 1) / share(result, 2)).toBeGreaterThan(1.9);
    expect(share(result, 1) / share(result, 2)).toBeLessThan(2.1);
  });

  it('cap 50 limits a CPU-bound domain to half a pCPU, even alone', () => {
    const result = simulate(creditRegistration, { pcpus: 1, durationNs: 3000 * MS, domains: [cpuBound(1, { cap: 50 })] });
    expect(share(result, 1)).toBeGreaterThan(0.47);
    expect(share(result, 1)).toBeLessThan(0.53);
    const uncapped = simulate(creditRegistration, { pcpus: 1, durationNs: 3000 * MS, domains: [cpuBound(1)] });
    expect(share(uncapped, 1)).toBe(1);
  });

  it('cap 100 on a 2-vCPU domain limits it to one pCPU of two', () => {
    const result = simulate(creditRegistration, {
      pcpus: 2,
      durationNs: 3000 * MS,
      domains: [{ domid: 1, params: { cap: 100 }, vcpus: [{ kind: 'cpu' }, { kind: 'cpu' }] }],
    });
    const total = share(result, 1, 0) + share(result, 1, 1);
    expect(total).toBeGreaterThan(0.94);
    expect(total).toBeLessThan(1.06);
  });

  it('a waking unit with credit is BOOSTed and preempts a CPU hog', () => {
    const { core, credit, clock, runTo } = build(1);
    core.addDomain(1);
    core.addDomain(2);
    const hog = core.addUnit(1, 0);
    const io = core.addUnit(2, 0);
    core.setOnline(hog, true);
    core.setOnline(io, true);
    core.block(io);
    // Past the hog's first tick (10 ms), which ends the boost it got when it came online.
    runTo(15 * MS);
    expect(core.current(0)).toBe(hog);
    expect(credit.unitInfo(hog).priority).toBe(CreditPriority.under);
    core.wake(io);
    expect(credit.unitInfo(io).priority).toBe(CreditPriority.boost);
    expect(core.needsSchedule(0)).toBe(true);
    expect(core.schedule(0)).toBe(io);
    expect(clock.now).toBe(15 * MS);
    // The boost ends when a tick finds it running (csched_unit_acct).
    runTo(20 * MS);
    expect(credit.unitInfo(io).priority).toBe(CreditPriority.under);
  });

  it('ratelimit_us keeps a unit that just started running', () => {
    const { core, clock, runTo } = build(1, { ratelimitUs: 2000 });
    core.addDomain(1);
    core.addDomain(2);
    const hog = core.addUnit(1, 0);
    const io = core.addUnit(2, 0);
    core.setOnline(hog, true);
    core.setOnline(io, true);
    core.block(io);
    runTo(0);
    clock.now = 500_000;
    core.wake(io);
    expect(core.schedule(0)).toBe(hog); // ran 0.5 ms < 2 ms
    expect(core.sliceEnd(0)).toBe(2 * MS);
    runTo(2 * MS);
    expect(core.current(0)).toBe(io);
  });

  it('ratelimit 0 disables the rate limit', () => {
    const { core, clock, runTo } = build(1, { ratelimitUs: 0 });
    core.addDomain(1);
    core.addDomain(2);
    const hog = core.addUnit(1, 0);
    const io = core.addUnit(2, 0);
    core.setOnline(hog, true);
    core.setOnline(io, true);
    core.block(io);
    runTo(0);
    clock.now = 1000;
    core.wake(io);
    expect(core.schedule(0)).toBe(io);
  });

  it('slices are tsliceMs long, ticks a third of that', () => {
    const { core, credit } = build(1, { tsliceMs: 10 });
    expect(credit.tickNs).toBe(3_333_000);
    expect(credit.creditsPerTslice).toBe(100);
    core.addDomain(1);
    const unit = core.addUnit(1, 0);
    core.setOnline(unit, true);
    core.schedule(0);
    expect(core.sliceEnd(0)).toBe(10 * MS);
    expect(build(1).credit.tsliceNs).toBe(30 * MS);
  });

  it('an idle pCPU steals queued work from a busy one', () => {
    const { core, runTo } = build(2);
    core.addDomain(1);
    const a = core.addUnit(1, 0, 0);
    const b = core.addUnit(1, 1, 0);
    const c = core.addUnit(1, 2, 0);
    for (const unit of [a, b, c]) core.setOnline(unit, true);
    runTo(0);
    expect([core.current(0), core.current(1)]).toEqual([a, b]); // b was placed on the idle pCPU 1
    core.block(b);
    runTo(1 * MS);
    expect(core.current(1)).toBe(c); // c waited on pCPU 0's queue and was stolen
    expect(c.pcpu).toBe(1);
  });

  it('validates parameters and options with clear RangeErrors (EINVAL through the core)', () => {
    const { core } = build(1);
    core.addDomain(1);
    expect(core.adjust(1)).toEqual({ weight: 256, cap: 0 });
    expect(core.adjust(1, { weight: 512, cap: 50 })).toEqual({ weight: 512, cap: 50 });
    expect(core.adjust(1, { cap: 0 })).toEqual({ weight: 512, cap: 0 });
    const bads: Record<string, number>[] = [{ weight: 0 }, { weight: 65536 }, { weight: 1.5 }, { cap: -1 }, { cap: Number.NaN }, { tslice: 3 }];
    for (const bad of bads) {
      expect(() => core.adjust(1, bad)).toThrow(expect.objectContaining({ errno: -XenErrno.EINVAL }));
    }
    expect(() => core.adjust(1, { weight: 0 })).toThrow('credit: parameter weight must be an integer in 1..65535, got 0');
    expect(() => core.addDomain(2, { cap: 70000 })).toThrow(/cap must be an integer in 0..65535/);
    expect(core.hasDomain(2)).toBe(false);
    expect(() => build(1, { tsliceMs: 0 })).toThrow(/tsliceMs must be an integer in 1..1000/);
    expect(() => build(1, { tsliceMs: 1001 })).toThrow(RangeError);
    expect(() => build(1, { ratelimitUs: 50 })).toThrow(/ratelimitUs must be an integer in 100..500000/);
    expect(() => build(1, { tsliceMs: 1, ratelimitUs: 2000 })).toThrow(/must not exceed tsliceMs/);
    expect(() => build(1, { sliceMs: 5 })).toThrow(/unknown option 'sliceMs'/);
  });

  it('weight 768 against 256 gets three quarters of the pCPU', () => {
    const result = simulate(creditRegistration, { pcpus: 1, durationNs: 3000 * MS, domains: [cpuBound(1, { weight: 768 }), cpuBound(2, { weight: 256 })] });
    expect(share(result, 1)).toBeGreaterThan(0.72);
    expect(share(result, 1)).toBeLessThan(0.78);
  });

  it('registers as "credit" with the Xen scheduler id 5', () => {
    const parent = rootContainer.createChildContainer();
    schedCreditPlugin.register(parent);
    expect(parent.resolveAll(SchedulerRegistration)).toEqual([creditRegistration]);
    const { core } = build(2);
    expect(findSchedulerRegistration(parent, 'credit').scheduler).toBe(CreditScheduler);
    expect(core.scheduler.id).toBe(5);
    expect(core.dump()).toContain('credit: tslice=30ms tick=10000us ratelimit=1000us');
  });
});
