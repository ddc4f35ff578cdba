// A SchedCore on a hand-driven clock, for tests of one scheduler's rules: `runTo` advances
// simulated time the way a run loop does — schedule where asked, fire due timers, repeat.
import 'reflect-metadata';
import type { Nanoseconds, SchedulerOptions, SchedulerRegistration } from '@xen-ts/plugin-api';
import { container as rootContainer } from 'tsyringe';
import { instantiateScheduler } from '../instantiate.js';
import { SchedCore } from '../sched-core.js';
import { TimerQueue } from '../timer-queue.js';

export interface TestCore {
  readonly core: SchedCore;
  readonly clock: { now: Nanoseconds };
  readonly timers: TimerQueue;
  /** Advances to `end`, handling every schedule request and timer on the way. */
  runTo(end: Nanoseconds): void;
}

export function createTestCore(registration: SchedulerRegistration, pcpus: number, options: SchedulerOptions = {}): TestCore {
  const clock = { now: 0 };
  const timers = new TimerQueue();
  const core = new SchedCore({ pcpus, timers, now: () => clock.now }, (ctx) =>
    instantiateScheduler(rootContainer.createChildContainer(), registration, ctx, options),
  );
  const runTo = (end: Nanoseconds): void => {
    for (;;) {
      for (let cpu = 0; cpu < pcpus; cpu++) if (core.needsSchedule(cpu)) core.schedule(cpu);
      const next = timers.nextExpiry();
      if (next > end) break;
      clock.now = next;
      timers.runUntil(next);
    }
    clock.now = end;
  };
  return { core, clock, timers, runTo };
}
