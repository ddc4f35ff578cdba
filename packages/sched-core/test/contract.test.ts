import { describe, expect, it } from 'vitest';
import {
  checkDeterminism,
  checkNoStarvation,
  checkOnlyRunnableUnitsRun,
  checkProportionalShares,
  checkWakeLatency,
  checkWorkConservation,
  describeSchedulerContract,
  simulate,
} from '../src/testing/index.js';
import {
  KeepsSleepersScheduler,
  LazyScheduler,
  NondeterministicScheduler,
  ReferenceRoundRobin,
  StarvingScheduler,
  registration,
} from './test-schedulers.js';

const MS = 1_000_000;
const reference = registration('test-rr', ReferenceRoundRobin);

// The reference scheduler passes the whole contract...
describeSchedulerContract(reference, { tolerance: 0.02 });

// ...and every check catches the scheduler broken in the way it is about.
describe('the contract catches broken schedulers', () => {
  it('picking blocked or paused units', () => {
    const violations = checkOnlyRunnableUnitsRun(registration('keeps-sleepers', KeepsSleepersScheduler), { tolerance: 0.05 });
    expect(violations.join('\n')).toMatch(/scheduler 'keeps-sleepers'.*not runnable/);
  });

  it('starvation and unfair shares', () => {
    const starving = registration('starving', StarvingScheduler);
    expect(checkNoStarvation(starving, { tolerance: 0.05 }).join('\n')).toMatch(/never ran/);
    expect(checkProportionalShares(starving, { tolerance: 0.05 }).join('\n')).toMatch(/d2 got 0\.00% of a pCPU, expected 33\.33%/);
  });

  it('shares that ignore weights', () => {
    const violations = checkProportionalShares(reference, { tolerance: 0.05, weightParams: (weight) => ({ weight }) });
    expect(violations.join('\n')).toMatch(/1 pCPU, weights 1:2:3: d1 got 33\.\d+% of a pCPU, expected 16\.67%/);
  });

  it('slow wake-ups', () => {
    const violations = checkWakeLatency(reference, { tolerance: 0.05, schedulerOptions: { sliceMs: 100 } });
    expect(violations.join('\n')).toMatch(/d20v0 waited \d+\.\d+ ms after a wake-up \(bound 50\.000 ms\)/);
  });

  it('idling pCPUs', () => {
    const violations = checkWorkConservation(registration('lazy', LazyScheduler), { tolerance: 0.05 });
    expect(violations.join('\n')).toMatch(/a pCPU idled for 500\.000 ms while a runnable unit waited/);
  });

  it('nondeterminism', () => {
    const violations = checkDeterminism(registration('nondeterministic', NondeterministicScheduler), { tolerance: 0.05 });
    expect(violations.join('\n')).toMatch(/traces differ at switch/);
  });
});

describe('simulate', () => {
  it('measures shares, dispatches and wake-ups of a known schedule', () => {
    const result = simulate(
      reference,
      {
        pcpus: 1,
        durationNs: 100 * MS,
        domains: [
          { domid: 1, vcpus: [{ kind: 'cpu' }] },
          { domid: 2, vcpus: [{ kind: 'io', burstNs: 2 * MS, sleepNs: 8 * MS }] },
        ],
      },
      { schedulerOptions: { sliceMs: 10 } },
    );
    expect(result.error).toBeUndefined();
    // d2 runs 2 ms, blocks 8 ms; d1 runs its 10 ms slice meanwhile: d2 waits 10-8 = 2 ms per wake.
    expect(result.trace.slice(0, 4)).toEqual(['0 cpu0 idle -> d1v0', `${10 * MS} cpu0 d1v0 -> d2v0`, `${12 * MS} cpu0 d2v0 -> d1v0`, `${22 * MS} cpu0 d1v0 -> d2v0`]);
    expect(result.unit(2).maxWakeLatencyNs).toBe(2 * MS);
    expect(result.unit(1).cpuNs + result.unit(2).cpuNs).toBe(100 * MS);
    // d2 runs at 10, 22, 34, ... 94 ms: 8 bursts.
    expect(result.unit(2).cpuNs).toBe(8 * 2 * MS);
    expect(result.unit(2).wakeUps).toBe(7);
  });
});
