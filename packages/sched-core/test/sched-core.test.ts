import 'reflect-metadata';
import { XenErrno } from '@xen-ts/abi';
import { PLUGIN_API_VERSION, SchedulerRegistration, definePlugin, type SchedUnit } from '@xen-ts/plugin-api';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  RunState,
  SchedCore,
  SchedError,
  SchedulerContractError,
  TimerQueue,
  findSchedulerRegistration,
  instantiateScheduler,
  type SwitchEvent,
} from '../src/index.js';
import { KeepsSleepersScheduler, ReferenceRoundRobin, StealsRunningScheduler, registration } from './test-schedulers.js';

const MS = 1_000_000;

function setup(pcpus = 1, reg = registration('test-rr', ReferenceRoundRobin)) {
  const clock = { now: 0 };
  const timers = new TimerQueue();
  const switches: SwitchEvent[] = [];
  const kicked: number[] = [];
  const parent = rootContainer.createChildContainer();
  const core = new SchedCore(
    { pcpus, timers, now: () => clock.now, onSwitch: (event) => switches.push(event), onScheduleNeeded: (cpu) => kicked.push(cpu) },
    (context) => instantiateScheduler(parent, reg, context, { sliceMs: 10 }),
  );
  const advance = (to: number) => {
    clock.now = to;
    timers.runUntil(to);
  };
  return { core, clock, timers, switches, kicked, advance };
}

describe('SchedCore', () => {
  it('starts with every pCPU needing a schedule and units offline', () => {
    const { core } = setup(2);
    expect(core.needsSchedule(0)).toBe(true);
    expect(core.needsSchedule(1)).toBe(true);
    core.addDomain(1);
    const unit = core.addUnit(1, 0);
    expect(core.runstate(unit).state).toBe(RunState.offline);
    expect(core.isRunnable(unit)).toBe(false);
    expect(core.schedule(0)).toBeNull();
    expect(core.needsSchedule(0)).toBe(false);
  });

  it('runs a woken unit, arms the slice timer, and preempts at slice end', () => {
    const { core, advance, switches } = setup(1);
    core.addDomain(1);
    core.addDomain(2);
    const a = core.addUnit(1, 0);
    const b = core.addUnit(2, 0);
    core.schedule(0);
    core.setOnline(a, true);
    expect(core.needsSchedule(0)).toBe(true); // woke on an idle pCPU
    core.setOnline(b, true);
    expect(core.schedule(0)).toBe(a);
    expect(core.sliceEnd(0)).toBe(10 * MS);
    advance(10 * MS - 1);
    expect(core.needsSchedule(0)).toBe(false);
    advance(10 * MS);
    expect(core.needsSchedule(0)).toBe(true);
    expect(core.schedule(0)).toBe(b);
    expect(core.contextSwitches(0)).toBe(2);
    expect(switches.map((event) => [event.time, event.from?.domid ?? null, event.to?.domid ?? null])).toEqual([
      [0, null, 1],
      [10 * MS, 1, 2],
    ]);
    expect(a.pcpu).toBe(0);
  });

  it('accounts run states like VCPUOP_get_runstate_info', () => {
    const { core, clock } = setup(1);
    core.addDomain(1);
    const unit = core.addUnit(1, 0);
    clock.now = 5; // offline 0..5
    core.setOnline(unit, true); // runnable 5..8
    clock.now = 8;
    core.schedule(0); // running 8..20
    clock.now = 20;
    core.block(unit); // still running until the next schedule: Xen keeps is_running until the switch
    expect(core.runstate(unit).state).toBe(RunState.running);
    expect(core.needsSchedule(0)).toBe(true);
    core.schedule(0); // blocked 20..30
    clock.now = 30;
    core.wake(unit); // runnable 30..31
    clock.now = 31;
    core.pause(unit); // offline (paused) 31..40
    clock.now = 40;
    const info = core.runstate(unit);
    expect(info.state).toBe(RunState.offline);
    expect(info.stateEntryTime).toBe(31);
    expect(info.time).toEqual([12, 4, 10, 5 + 9]);
  });

  it('keeps a pause count; unpausing an unpaused unit is -EINVAL', () => {
    const { core } = setup(1);
    core.addDomain(1);
    const unit = core.addUnit(1, 0);
    core.setOnline(unit, true);
    core.pause(unit);
    core.pause(unit);
    core.unpause(unit);
    expect(core.isRunnable(unit)).toBe(false);
    core.unpause(unit);
    expect(core.isRunnable(unit)).toBe(true);
    expect(core.pauseCount(unit)).toBe(0);
    try {
      core.unpause(unit);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SchedError);
      expect((error as SchedError).errno).toBe(-XenErrno.EINVAL);
    }
  });

  it('refuses bad requests with Xen errnos', () => {
    const { core } = setup(2);
    core.addDomain(1);
    const errno = (action: () => unknown) => {
      try {
        action();
      } catch (error) {
        return (error as SchedError).errno;
      }
      return 0;
    };
    expect(errno(() => core.addDomain(1))).toBe(-XenErrno.EEXIST);
    expect(errno(() => core.addUnit(7, 0))).toBe(-XenErrno.ESRCH);
    expect(errno(() => core.addUnit(1, 0, 2))).toBe(-XenErrno.EINVAL);
    expect(errno(() => core.addUnit(1, -1))).toBe(-XenErrno.EINVAL);
    core.addUnit(1, 0);
    expect(errno(() => core.addUnit(1, 0))).toBe(-XenErrno.EEXIST);
    expect(errno(() => core.adjust(9))).toBe(-XenErrno.ESRCH);
    expect(errno(() => core.schedule(5))).toBe(-XenErrno.EINVAL);
    const stranger: SchedUnit = { id: 0, domid: 1, vcpuId: 0, pcpu: 0, priv: undefined };
    expect(errno(() => core.wake(stranger))).toBe(-XenErrno.EINVAL);
  });

  it('yield and block of the running unit request a schedule; yield of a waiting unit is ignored', () => {
    const { core } = setup(1);
    core.addDomain(1);
    const a = core.addUnit(1, 0);
    const b = core.addUnit(1, 1);
    core.setOnline(a, true);
    core.setOnline(b, true);
    core.schedule(0);
    core.yield(b);
    expect(core.needsSchedule(0)).toBe(false);
    core.yield(a);
    expect(core.needsSchedule(0)).toBe(true);
    expect(core.schedule(0)).toBe(b);
  });

  it('removes a running unit and its domain', () => {
    const { core } = setup(1);
    core.addDomain(1);
    const a = core.addUnit(1, 0);
    core.setOnline(a, true);
    core.schedule(0);
    core.removeDomain(1);
    expect(core.current(0)).toBeNull();
    expect(core.hasDomain(1)).toBe(false);
    expect(core.allUnits()).toEqual([]);
    expect(core.schedule(0)).toBeNull();
  });

  it('throws a contract error naming the scheduler when it picks a blocked unit', () => {
    const { core } = setup(1, registration('keeps-sleepers', KeepsSleepersScheduler));
    core.addDomain(1);
    const a = core.addUnit(1, 0);
    const b = core.addUnit(1, 1);
    core.setOnline(a, true);
    core.setOnline(b, true);
    core.schedule(0);
    core.block(b);
    core.yield(a);
    let thrown: unknown;
    try {
      core.schedule(0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SchedulerContractError);
    expect((thrown as Error).message).toMatch(/scheduler 'keeps-sleepers'.*d1v1, which is not runnable: blocked/);
  });

  it('throws a contract error when the scheduler picks a unit running elsewhere', () => {
    const { core } = setup(2, registration('steals-running', StealsRunningScheduler));
    core.addDomain(1);
    const a = core.addUnit(1, 0, 0);
    core.setOnline(a, true);
    core.schedule(0);
    expect(() => core.schedule(1)).toThrow(/steals-running.*running on pCPU 0/);
  });

  it('reports run-state changes and schedule requests through its hooks', () => {
    const clock = { now: 0 };
    const timers = new TimerQueue();
    const changes: string[] = [];
    const requests: number[] = [];
    const core = new SchedCore(
      {
        pcpus: 2,
        timers,
        now: () => clock.now,
        onRunstateChange: (event) => changes.push(`${event.time} d${event.unit.domid}v${event.unit.vcpuId} ${event.from}->${event.to}`),
        onScheduleNeeded: (cpu) => requests.push(cpu),
      },
      (ctx) => instantiateScheduler(rootContainer.createChildContainer(), registration('test-rr', ReferenceRoundRobin), ctx),
    );
    core.schedule(0);
    core.schedule(1);
    core.addDomain(3);
    const unit = core.addUnit(3, 0, 1);
    core.setOnline(unit, true);
    expect(requests).toEqual([1]); // woke on idle pCPU 1 (pickCpu kept it there)
    clock.now = 7;
    core.schedule(1);
    clock.now = 9;
    core.pause(unit);
    expect(requests).toEqual([1, 1]);
    core.schedule(1);
    expect(changes).toEqual(['0 d3v0 3->1', '7 d3v0 1->0', '9 d3v0 0->3']);
    expect(() => new SchedCore({ pcpus: 0, timers, now: () => 0 }, () => core.scheduler)).toThrow(/pcpus must be an integer ≥ 1/);
  });

  it('maps RangeError from adjust to -EINVAL', () => {
    const { core } = setup(1);
    core.addDomain(1);
    const scheduler = core.scheduler as ReferenceRoundRobin;
    scheduler.adjust = () => {
      throw new RangeError('weight out of range');
    };
    expect(() => core.adjust(1, { weight: 0 })).toThrow(expect.objectContaining({ errno: -XenErrno.EINVAL, message: 'weight out of range' }));
  });

  it('finds a registration among plugins and builds it in a child container', () => {
    const parent = rootContainer.createChildContainer();
    definePlugin({
      name: 'sched-test-rr',
      apiVersion: PLUGIN_API_VERSION,
      register(c) {
        c.register(SchedulerRegistration, { useValue: registration('test-rr', ReferenceRoundRobin) });
      },
    }).register(parent);
    const found = findSchedulerRegistration(parent, 'test-rr');
    expect(found.scheduler).toBe(ReferenceRoundRobin);
    expect(() => findSchedulerRegistration(parent, 'credit')).toThrow(/no scheduler named 'credit'.*known: test-rr/);
    const timers = new TimerQueue();
    const core = new SchedCore({ pcpus: 1, timers, now: () => 0 }, (ctx) => instantiateScheduler(parent, found, ctx, { sliceMs: 3 }));
    expect(core.scheduler).toBeInstanceOf(ReferenceRoundRobin);
    expect(core.dump()).toContain('Scheduler: test-rr (200)');
    expect(parent.isRegistered(SchedulerRegistration)).toBe(true);
  });
});
