import 'reflect-metadata';
import { XenErrno } from '@xen-ts/abi';
import { SchedulerRegistration } from '@xen-ts/plugin-api';
import { findSchedulerRegistration } from '@xen-ts/sched-core';
import { createTestCore, simulate, type WorkloadDomain } from '@xen-ts/sched-core/testing';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { BVT_MCU_NS, BvtScheduler, bvtRegistration, schedBvtPlugin } from '../src/index.js';

const MS = 1_000_000;

function build(pcpus: number, options = {}) {
  const t = createTestCore(bvtRegistration, pcpus, options);
  return { ...t, bvt: t.core.scheduler as BvtScheduler };
}

const hog = (domid: number, params = {}): WorkloadDomain => ({ domid, params, vcpus: [{ kind: 'cpu' }] });
/** An interactive domain that wants 60% of the pCPU: 6 ms bursts, 4 ms sleeps. */
const interactive = (params = {}): WorkloadDomain => ({ domid: 9, params, vcpus: [{ kind: 'io', burstNs: 6 * MS, sleepNs: 4 * MS }] });
const share = (result: ReturnType<typeof simulate>, domid: number) => result.unit(domid).cpuNs / result.durationNs;

describe('BVT rules', () => {
  it('mcuadv is an inverse weight: 10 against 20 gives 2:1', () => {
    const result = simulate(bvtRegistration, { pcpus: 1, durationNs: 3000 * MS, domains: [hog(1, { mcuadv: 10 }), hog(2, { mcuadv: 20 })] });
    expect(share(result, 1)).toBeCloseTo(2 / 3, 2);
    expect(share(result, 2)).toBeCloseTo(1 / 3, 2);
  });

  it('warp gives a woken domain low latency; without warp it waits its turn', () => {
    const workload = (params: Record<string, number>) => ({ pcpus: 1, durationNs: 2000 * MS, domains: [hog(1), hog(2), interactive(params)] });
    const plain = simulate(bvtRegistration, workload({}));
    const warped = simulate(bvtRegistration, workload({ warp: 1_000_000, warpl: 0 }));
    expect(plain.unit(9).maxWakeLatencyNs).toBeGreaterThan(5 * MS);
    expect(share(plain, 9)).toBeCloseTo(1 / 3, 1);
    expect(warped.unit(9).maxWakeLatencyNs).toBe(0);
    expect(share(warped, 9)).toBeGreaterThan(0.58); // it borrows from its future: gets its 60%
  });

  it('the warp limit L and unwarp requirement U bound the borrowing', () => {
    // 30 ms bursts, 20 ms sleeps: each warp episode would last 30 ms of running.
    const bursty = (params: Record<string, number>): WorkloadDomain => ({ domid: 9, params, vcpus: [{ kind: 'io', burstNs: 30 * MS, sleepNs: 20 * MS }] });
    const run = (params: Record<string, number>) => simulate(bvtRegistration, { pcpus: 1, durationNs: 3000 * MS, domains: [hog(1), hog(2), bursty(params)] });
    expect(share(run({ warp: 1_000_000, warpl: 0 }), 9)).toBeGreaterThan(0.58);
    // Warped for at most 10 ms of running, then not again for 1 s: about a fair third.
    const limited = run({ warp: 1_000_000, warpl: 10, warpu: 1000 });
    expect(share(limited, 9)).toBeLessThan(0.37);
    expect(share(limited, 9)).toBeGreaterThan(0.3);
    // With U = 0 it warps again at every wake-up, yet gets no more than its share: warping
    // reorders, and the virtual time it borrowed is still charged to its avt.
    expect(share(run({ warp: 1_000_000, warpl: 10, warpu: 0 }), 9)).toBeLessThan(0.37);
  });

  it('a waking domain rejoins at the scheduler virtual time: sleeping earns no credit', () => {
    const { core, bvt, runTo } = build(1);
    core.addDomain(1);
    core.addDomain(2);
    const a = core.addUnit(1, 0);
    const b = core.addUnit(2, 0);
    core.setOnline(a, true);
    core.setOnline(b, true);
    core.block(b);
    runTo(1000 * MS); // a runs alone for a second
    const svt = bvt.systemVirtualTime;
    expect(svt).toBeGreaterThan(90_000); // ~10 per 100 µs
    expect(bvt.unitInfo(b).avt).toBe(0);
    core.wake(b);
    expect(bvt.unitInfo(b).avt).toBe(svt);
    runTo(1200 * MS);
    const bRan = core.runstate(b).time[0];
    expect(bRan).toBeGreaterThan(95 * MS); // about half of the 200 ms,
    expect(bRan).toBeLessThan(105 * MS); // not the whole of it
  });

  it('runs the lowest evt until it would pass the runner-up, plus C', () => {
    const { core, runTo, clock } = build(1);
    core.addDomain(1);
    core.addDomain(2, { mcuadv: 20 });
    const a = core.addUnit(1, 0);
    const b = core.addUnit(2, 0);
    core.setOnline(a, true);
    runTo(0);
    expect(core.sliceEnd(0)).toBe(50 * MS); // alone: 10 × ctx_allow
    core.setOnline(b, true); // avt = svt = 0: equal evt
    clock.now = 1 * MS;
    core.kick(0);
    expect(core.schedule(0)).toBe(b); // a was charged 10 MCUs × 10 = 100, b's evt is 0
    // b leads by 100 virtual units = 5 MCUs at mcuadv 20: 0.5 ms, plus C = 5 ms.
    expect(core.sliceEnd(0)).toBe(1 * MS + 5 * BVT_MCU_NS + 5 * MS);
  });

  it('an idle pCPU takes waiting work at once (shared run queue)', () => {
    const { core, runTo } = build(2);
    core.addDomain(1);
    const units = [0, 1, 2].map((vcpu) => core.addUnit(1, vcpu, 0));
    for (const unit of units) core.setOnline(unit, true);
    runTo(0);
    expect(core.current(0)).not.toBeNull();
    expect(core.current(1)).not.toBeNull();
    core.block(core.current(1)!);
    runTo(0);
    expect(core.current(1)).not.toBeNull();
  });

  it('validates parameters and options (EINVAL through the core)', () => {
    const { core } = build(1, { ctxAllowUs: 1000 });
    expect((core.scheduler as BvtScheduler).ctxAllowNs).toBe(1 * MS);
    core.addDomain(1);
    expect(core.adjust(1)).toEqual({ mcuadv: 10, warp: 0, warpl: 2000, warpu: 1000 });
    expect(core.adjust(1, { mcuadv: 5, warp: 100 })).toEqual({ mcuadv: 5, warp: 100, warpl: 2000, warpu: 1000 });
    const bads: Record<string, number>[] = [{ mcuadv: 0 }, { mcuadv: 2.5 }, { warp: -1 }, { warpl: -5 }, { warpu: Number.NaN }, { weight: 256 }];
    for (const bad of bads) {
      expect(() => core.adjust(1, bad)).toThrow(expect.objectContaining({ errno: -XenErrno.EINVAL }));
    }
    expect(() => core.adjust(1, { mcuadv: 0 })).toThrow('bvt: parameter mcuadv must be an integer in 1..4294967295, got 0');
    expect(() => build(1, { ctxAllowUs: 5 })).toThrow(/ctxAllowUs must be an integer in 10..1000000/);
    expect(() => build(1, { tsliceMs: 5 })).toThrow(/unknown option 'tsliceMs'/);
  });

  it('registers as "bvt" with Xen 2.0 SCHED_BVT id 0', () => {
    const parent = rootContainer.createChildContainer();
    schedBvtPlugin.register(parent);
    expect(parent.resolveAll(SchedulerRegistration)).toEqual([bvtRegistration]);
    expect(findSchedulerRegistration(parent, 'bvt').scheduler).toBe(BvtScheduler);
    const { core } = build(1);
    expect(core.scheduler.id).toBe(0);
    expect(core.dump()).toContain('bvt: mcu=100000ns ctx_allow=5000000ns');
  });
});
