// Borrowed Virtual Time (Duda & Cheriton, SOSP '99), the scheduler of the Xen paper (§3.3.1)
// as Xen 1.x/2.0's sched_bvt.c implemented it:
// - running charges actual virtual time: avt += ceil(ran / MCU) × mcu_advance;
// - the effective virtual time is evt = avt − W while the unit is warped, else avt;
// - the runnable unit with the lowest evt runs, until its evt would pass the runner-up's
//   evt, plus the context-switch allowance C;
// - a waking unit's avt is raised to at least the scheduler virtual time svt (the lowest avt
//   of the runnable units), so sleeping earns no credit, and it warps if its domain has a
//   warp value, for at most L of running; after that it may warp again only U later.
// Deviation, for SMP: one run queue shared by all pCPUs (sched_bvt.c had one per pCPU and
// never migrated), so shares are fair across pCPUs and no pCPU idles while work waits.
import 'reflect-metadata';
import {
  SchedulerContext,
  SchedulerOptions,
  type Nanoseconds,
  type SchedDecision,
  type Scheduler,
  type SchedParams,
  type SchedTimer,
  type SchedUnit,
} from '@xen-ts/plugin-api';
import { inject, injectable } from 'tsyringe';
import { BVT_DEFAULT_PARAMS, BVT_LONE_SLICE_FACTOR, BVT_MCU_NS, readBvtOptions, readBvtParams, type BvtDomainParams } from './bvt-params.js';

const NS_PER_MS = 1_000_000;

interface BvtDomain {
  params: BvtDomainParams;
  readonly units: Set<BvtUnit>;
}

/** Per-unit state (Xen 2.0's bvt_edom_info plus the warp state it kept per domain). */
interface BvtUnit {
  readonly unit: SchedUnit;
  readonly domain: BvtDomain;
  /** Actual virtual time. Plain numbers: no u32 wrap-around handling needed (53-bit integers). */
  avt: number;
  /** Warp applied now (evt = avt − warp). */
  warped: boolean;
  /** Running time spent warped since the warp began (limited by warpl). */
  warpedRunNs: Nanoseconds;
  /** When the warp limit last ended a warp (the unwarp requirement counts from here). */
  unwarpedAt: Nanoseconds;
  readonly warpTimer: SchedTimer;
  queued: boolean;
  yielding: boolean;
}

interface BvtPcpu {
  running: BvtUnit | null;
  /** Time up to which the running unit has been charged (Xen's lastschd). */
  chargedUntil: Nanoseconds;
  /** Preempts the running unit for a woken one whose evt it would pass (bvt_wake's s_timer). */
  readonly preemptTimer: SchedTimer;
  preemptAt: Nanoseconds;
}

export interface BvtUnitInfo {
  readonly avt: number;
  readonly evt: number;
  readonly warped: boolean;
}

@injectable()
export class BvtScheduler implements Scheduler {
  readonly name = 'bvt';
  /** Xen 1.x/2.0 public/sched_ctl.h: SCHED_BVT 0. */
  readonly id = 0;
  /** Context-switch allowance C (ctx_allow). */
  readonly ctxAllowNs: Nanoseconds;

  private readonly domains = new Map<number, BvtDomain>();
  /** Runnable units not running, in Xen's list order (woken at the head, preempted at the tail). */
  private readonly runQueue: BvtUnit[] = [];
  private readonly pcpus: BvtPcpu[] = [];
  /** Scheduler virtual time: the lowest avt among runnable units at the last decision. */
  private svt = 0;

  constructor(
    @inject(SchedulerContext) private readonly ctx: SchedulerContext,
    @inject(SchedulerOptions) options: SchedulerOptions,
  ) {
    this.ctxAllowNs = readBvtOptions(options).ctxAllowUs * 1000;
    for (let cpu = 0; cpu < ctx.pcpus; cpu++) {
      this.pcpus.push({ running: null, chargedUntil: 0, preemptTimer: ctx.createTimer(() => ctx.kick(cpu)), preemptAt: Infinity });
    }
  }

  // ---- domains and units ---------------------------------------------------------------------

  insertDomain(domid: number, params: SchedParams): void {
    this.domains.set(domid, { params: readBvtParams(params, BVT_DEFAULT_PARAMS), units: new Set() });
  }

  removeDomain(domid: number): void {
    this.domains.delete(domid);
  }

  insertUnit(unit: SchedUnit): void {
    const domain = this.domains.get(unit.domid);
    if (!domain) throw new Error(`bvt: unit d${unit.domid}v${unit.vcpuId} of an unknown domain`);
    const state: BvtUnit = {
      unit,
      domain,
      avt: this.svt, // bvt_add_task: "Set avt and evt to system virtual time"
      warped: false,
      warpedRunNs: 0,
      unwarpedAt: -Infinity,
      warpTimer: this.ctx.createTimer((now) => this.warpLimitReached(state, now)),
      queued: false,
      yielding: false,
    };
    domain.units.add(state);
    unit.priv = state;
  }

  removeUnit(unit: SchedUnit): void {
    const state = this.state(unit);
    this.dequeue(state);
    state.warpTimer.stop();
    state.domain.units.delete(state);
    for (const cpu of this.pcpus) if (cpu.running === state) cpu.running = null;
  }

  // ---- state changes -------------------------------------------------------------------------

  sleep(unit: SchedUnit): void {
    const state = this.state(unit);
    this.dequeue(state);
    // bvt_do_block: a blocking unit stops warping (warpback = 0).
    state.warped = false;
  }

  wake(unit: SchedUnit): void {
    const state = this.state(unit);
    if (state.queued || this.ctx.isRunning(unit)) return;
    const now = this.ctx.now();
    // Sleepers cannot hoard credit: they rejoin at the scheduler virtual time at the latest.
    if (state.avt < this.svt) state.avt = this.svt;
    const { warp, warpu } = state.domain.params;
    if (warp > 0 && now - state.unwarpedAt >= warpu * NS_PER_MS) {
      state.warped = true;
      state.warpedRunNs = 0;
    }
    this.runQueue.unshift(state);
    state.queued = true;
    this.considerPreemption(state, unit.pcpu, now);
  }

  yield(unit: SchedUnit): void {
    this.state(unit).yielding = true;
  }

  /** An idle pCPU if any (its own first), else the pCPU running the unit with the highest evt. */
  pickCpu(unit: SchedUnit): number {
    const own = this.pcpus[unit.pcpu]!;
    if (own.running === null) return unit.pcpu;
    const idle = this.pcpus.findIndex((cpu) => cpu.running === null);
    if (idle >= 0) return idle;
    let best = unit.pcpu;
    let bestEvt = this.evt(own.running);
    this.pcpus.forEach((cpu, index) => {
      if (cpu.running && this.evt(cpu.running) > bestEvt) {
        best = index;
        bestEvt = this.evt(cpu.running);
      }
    });
    return best;
  }

  // ---- the decision --------------------------------------------------------------------------

  /** bvt_do_schedule. */
  doSchedule(pcpu: number, current: SchedUnit | null, now: Nanoseconds, ranNs: Nanoseconds): SchedDecision {
    const cpu = this.pcpus[pcpu]!;
    cpu.preemptTimer.stop();
    cpu.preemptAt = Infinity;
    let yielder: BvtUnit | null = null;
    if (current) {
      const prev = this.state(current);
      this.charge(prev, ranNs);
      if (this.ctx.isRunnable(current)) {
        this.runQueue.push(prev);
        prev.queued = true;
        if (prev.yielding) yielder = prev;
      }
      prev.yielding = false;
    }
    cpu.running = null;
    cpu.chargedUntil = now;
    this.updateSvt();

    const next = this.lowestEvt(yielder) ?? (yielder && yielder.queued ? yielder : null);
    if (!next) return { unit: null, sliceNs: Infinity };
    this.dequeue(next);
    cpu.running = next;

    if (next.warped) {
      const warplNs = next.domain.params.warpl * NS_PER_MS;
      if (warplNs > 0) next.warpTimer.set(now + Math.max(0, warplNs - next.warpedRunNs));
    }
    // Work waits while a peer idles: wake the peer.
    if (this.runQueue.length > 0) {
      const idle = this.pcpus.findIndex((other) => other.running === null);
      if (idle >= 0) this.ctx.kick(idle);
    }
    return { unit: next.unit, sliceNs: this.sliceFor(next) };
  }

  /** Until `next`'s evt passes the runner-up's, plus C; 10 × C when nothing else waits. */
  private sliceFor(next: BvtUnit): Nanoseconds {
    const runnerUp = this.lowestEvt(null);
    if (!runnerUp) return BVT_LONE_SLICE_FACTOR * this.ctxAllowNs;
    // sched_bvt.c added (Δevt / mcu_advance), a count of MCUs, to ctx_allow in ns; we convert
    // the MCUs to ns, which is what the formula means.
    const lead = Math.max(0, this.evt(runnerUp) - this.evt(next));
    return Math.ceil((lead / next.domain.params.mcuadv) * BVT_MCU_NS) + this.ctxAllowNs;
  }

  /** avt += ceil(ran / MCU) × mcu_advance; warped running counts against the warp limit. */
  private charge(state: BvtUnit, ranNs: Nanoseconds): void {
    state.avt += Math.ceil(ranNs / BVT_MCU_NS) * state.domain.params.mcuadv;
    if (state.warped) {
      state.warpedRunNs += ranNs;
      state.warpTimer.stop();
    }
  }

  /** bvt_wake: preempt now if the woken unit is ahead; else when the current one would pass it. */
  private considerPreemption(woken: BvtUnit, pcpu: number, now: Nanoseconds): void {
    const cpu = this.pcpus[pcpu]!;
    const current = cpu.running;
    if (!current) {
      this.ctx.kick(pcpu);
      return;
    }
    const mcuadv = current.domain.params.mcuadv;
    const currentEvt = this.evt(current) + Math.ceil((now - cpu.chargedUntil) / BVT_MCU_NS) * mcuadv;
    const wokenEvt = this.evt(woken);
    if (wokenEvt <= currentEvt) {
      this.ctx.kick(pcpu);
      return;
    }
    const at = now + Math.ceil(((wokenEvt - currentEvt) / mcuadv) * BVT_MCU_NS) + this.ctxAllowNs;
    if (at < cpu.preemptAt) {
      cpu.preemptAt = at;
      cpu.preemptTimer.set(at);
    }
  }

  private warpLimitReached(state: BvtUnit, now: Nanoseconds): void {
    state.warped = false;
    state.unwarpedAt = now;
    const running = this.pcpus.findIndex((cpu) => cpu.running === state);
    if (running >= 0) this.ctx.kick(running);
  }

  private updateSvt(): void {
    let min = Infinity;
    for (const state of this.runQueue) min = Math.min(min, state.avt);
    for (const cpu of this.pcpus) if (cpu.running) min = Math.min(min, cpu.running.avt);
    if (min !== Infinity) this.svt = min;
  }

  /** The queued unit with the lowest evt, first in queue order on ties; skips `except`. */
  private lowestEvt(except: BvtUnit | null): BvtUnit | null {
    let best: BvtUnit | null = null;
    let bestEvt = Infinity;
    for (const state of this.runQueue) {
      if (state === except) continue;
      const evt = this.evt(state);
      if (evt < bestEvt) {
        best = state;
        bestEvt = evt;
      }
    }
    return best;
  }

  private evt(state: BvtUnit): number {
    return state.warped ? state.avt - state.domain.params.warp : state.avt;
  }

  private dequeue(state: BvtUnit): void {
    if (!state.queued) return;
    const index = this.runQueue.indexOf(state);
    if (index >= 0) this.runQueue.splice(index, 1);
    state.queued = false;
  }

  // ---- parameters and introspection ----------------------------------------------------------

  /** bvt_adjdom: `{ mcuadv, warp, warpl, warpu }`. */
  adjust(domid: number, put?: SchedParams): SchedParams {
    const domain = this.domains.get(domid);
    if (!domain) throw new RangeError(`bvt: no domain ${domid}`);
    if (put) {
      domain.params = readBvtParams(put, domain.params);
      if (domain.params.warp === 0) {
        for (const state of domain.units) {
          state.warped = false;
          state.warpTimer.stop();
        }
      }
    }
    return { ...domain.params };
  }

  unitInfo(unit: SchedUnit): BvtUnitInfo {
    const state = this.state(unit);
    return { avt: state.avt, evt: this.evt(state), warped: state.warped };
  }

  /** The scheduler virtual time. */
  get systemVirtualTime(): number {
    return this.svt;
  }

  dump(): string {
    const show = (state: BvtUnit) =>
      `d${state.unit.domid}v${state.unit.vcpuId}(mcua=${state.domain.params.mcuadv} avt=${state.avt} evt=${this.evt(state)}${state.warped ? ' warped' : ''})`;
    const lines = [`bvt: mcu=${BVT_MCU_NS}ns ctx_allow=${this.ctxAllowNs}ns svt=${this.svt}`];
    this.pcpus.forEach((cpu, index) => lines.push(`  CPU[${index}] run=${cpu.running ? show(cpu.running) : 'idle'}`));
    lines.push(`  runq: ${this.runQueue.map(show).join(' ') || '-'}`);
    return lines.join('\n');
  }

  private state(unit: SchedUnit): BvtUnit {
    return unit.priv as BvtUnit;
  }
}
