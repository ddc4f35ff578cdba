// Xen's credit scheduler (credit1, xen/common/sched/credit.c; xen-abi.md §3.2), on the
// xen-ts scheduler contract. Each domain earns credit in proportion to its weight once per
// tslice (csched_acct); running burns CSCHED_CREDITS_PER_MSEC credits per ms (burn_credits).
// Units with credit are UNDER, units without are OVER; a waking unit that was UNDER is
// BOOSTed so it preempts CPU hogs; capped domains that overspend are parked. One run queue
// per pCPU, ordered by priority; a pCPU whose best local work is OVER or idle steals better
// work from its peers (csched_load_balance).
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
import {
  CSCHED_CREDITS_PER_MSEC,
  CSCHED_DEFAULT_WEIGHT,
  CSCHED_MIN_TIMER_NS,
  CSCHED_TICKS_PER_TSLICE,
  CreditPriority,
  readCreditOptions,
  readCreditParams,
} from './credit-params.js';

const NS_PER_MS = 1_000_000;

/** Xen's `struct csched_dom`. */
interface CreditDomain {
  readonly domid: number;
  weight: number;
  cap: number;
  /** Units on the active list (they take part in accounting). */
  readonly activeUnits: CreditUnit[];
}

/** Xen's `struct csched_unit`, stored in `unit.priv`. */
interface CreditUnit {
  readonly unit: SchedUnit;
  readonly domain: CreditDomain;
  credit: number;
  /** Fraction of a credit burnt but not yet charged, in credit·ns (burn_credits' residual). */
  residual: number;
  /** Time up to which running has been charged. */
  startTime: Nanoseconds;
  pri: CreditPriority;
  parked: boolean;
  yielding: boolean;
  active: boolean;
  /** pCPU whose run queue holds it, or -1. */
  queuedOn: number;
}

/** Xen's `struct csched_pcpu` plus what the core knows (what runs, since when). */
interface CreditPcpu {
  readonly runq: CreditUnit[];
  running: CreditUnit | null;
  runningSince: Nanoseconds;
  /** In the idlers mask: idle and not yet tickled. */
  idler: boolean;
  readonly ticker: SchedTimer;
  ticking: boolean;
  sortEpoch: number;
}

export interface CreditUnitInfo {
  readonly credit: number;
  readonly priority: CreditPriority;
  readonly parked: boolean;
  readonly active: boolean;
}

@injectable()
export class CreditScheduler implements Scheduler {
  readonly name = 'credit';
  /** domctl.h: XEN_SCHEDULER_CREDIT. */
  readonly id = 5;

  readonly tsliceNs: Nanoseconds;
  readonly tickNs: Nanoseconds;
  readonly ratelimitNs: Nanoseconds;
  /** Credits one pCPU hands out per tslice (credits_per_tslice). */
  readonly creditsPerTslice: number;

  private readonly domains = new Map<number, CreditDomain>();
  /** Domains with active units, accounting order (active_sdom). */
  private readonly activeDomains: CreditDomain[] = [];
  /** Sum of weight × active units (prv->weight). */
  private weightTotal = 0;
  private creditBalance = 0;
  /** Bumped by accounting; each pCPU re-sorts its run queue once per epoch (runq_sort). */
  private sortEpoch = 0;
  private lastTickled = 0;
  private readonly pcpus: CreditPcpu[] = [];
  private readonly accountingTimer: SchedTimer;

  constructor(
    @inject(SchedulerContext) private readonly ctx: SchedulerContext,
    @inject(SchedulerOptions) options: SchedulerOptions,
  ) {
    const { tsliceMs, ratelimitUs } = readCreditOptions(options);
    // __csched_set_tslice: three ticks per tslice, one if the tslice is shorter than 3 ms.
    const ticksPerTslice = tsliceMs < CSCHED_TICKS_PER_TSLICE ? 1 : CSCHED_TICKS_PER_TSLICE;
    this.tsliceNs = tsliceMs * NS_PER_MS;
    this.tickNs = Math.floor((tsliceMs * 1000) / ticksPerTslice) * 1000;
    this.ratelimitNs = ratelimitUs * 1000;
    this.creditsPerTslice = CSCHED_CREDITS_PER_MSEC * tsliceMs;
    for (let cpu = 0; cpu < ctx.pcpus; cpu++) {
      this.pcpus.push({
        runq: [],
        running: null,
        runningSince: 0,
        idler: true,
        ticker: ctx.createTimer((now) => this.tick(cpu, now)),
        ticking: false,
        sortEpoch: 0,
      });
    }
    this.accountingTimer = ctx.createTimer((now) => this.account(now));
    this.accountingTimer.set(ctx.now() + this.tsliceNs);
  }

  // ---- domains and units ---------------------------------------------------------------------

  insertDomain(domid: number, params: SchedParams): void {
    const { weight, cap } = readCreditParams(params, { weight: CSCHED_DEFAULT_WEIGHT, cap: 0 });
    this.domains.set(domid, { domid, weight, cap, activeUnits: [] });
  }

  removeDomain(domid: number): void {
    this.domains.delete(domid);
  }

  insertUnit(unit: SchedUnit): void {
    const domain = this.domains.get(unit.domid);
    if (!domain) throw new Error(`credit: unit d${unit.domid}v${unit.vcpuId} of an unknown domain`);
    const state: CreditUnit = {
      unit,
      domain,
      credit: 0,
      residual: 0,
      startTime: 0,
      pri: CreditPriority.under,
      parked: false,
      yielding: false,
      active: false,
      queuedOn: -1,
    };
    unit.priv = state;
  }

  removeUnit(unit: SchedUnit): void {
    const svc = this.state(unit);
    this.dequeue(svc);
    if (svc.active) this.accountingStop(svc);
    svc.parked = false;
    for (const cpu of this.pcpus) if (cpu.running === svc) cpu.running = null;
  }

  // ---- state changes -------------------------------------------------------------------------

  sleep(unit: SchedUnit): void {
    // A running unit leaves at the schedule the core has already requested.
    this.dequeue(this.state(unit));
  }

  wake(unit: SchedUnit): void {
    const svc = this.state(unit);
    if (this.ctx.isRunning(unit) || svc.queuedOn >= 0 || svc.parked) return;
    // csched_unit_wake: boost a unit that was not out of credit, so that an I/O-bound unit
    // preempts CPU hogs; it loses the boost at its next tick or accounting.
    if (svc.pri === CreditPriority.under) svc.pri = CreditPriority.boost;
    this.enqueue(svc, unit.pcpu);
    this.tickle(svc);
  }

  yield(unit: SchedUnit): void {
    this.state(unit).yielding = true;
  }

  /** csched_res_pick, simplified to "its own pCPU if idle, else the next idle pCPU, else its own". */
  pickCpu(unit: SchedUnit): number {
    if (this.pcpus[unit.pcpu]!.idler) return unit.pcpu;
    for (let step = 1; step < this.pcpus.length; step++) {
      const cpu = (unit.pcpu + step) % this.pcpus.length;
      if (this.pcpus[cpu]!.idler) return cpu;
    }
    return unit.pcpu;
  }

  // ---- the decision --------------------------------------------------------------------------

  /** csched_schedule. */
  doSchedule(pcpu: number, current: SchedUnit | null, now: Nanoseconds): SchedDecision {
    const cpu = this.pcpus[pcpu]!;
    const scurr = current ? this.state(current) : null;
    if (scurr) this.burnCredits(scurr, now);
    const currentEligible = scurr !== null && this.ctx.isRunnable(scurr.unit) && !scurr.parked;

    // Rate limiting: a unit that ran less than ratelimit_us keeps the pCPU (unless it yields).
    const runtime = now - cpu.runningSince;
    if (scurr && currentEligible && !scurr.yielding && this.ratelimitNs > 0 && runtime < this.ratelimitNs) {
      return { unit: scurr.unit, sliceNs: Math.max(this.ratelimitNs - runtime, CSCHED_MIN_TIMER_NS) };
    }

    if (scurr && currentEligible) this.enqueue(scurr, pcpu);
    if (scurr) scurr.yielding = false;

    let snext: CreditUnit | null = cpu.runq[0] ?? null;
    if (snext && snext.pri > CreditPriority.over) this.dequeue(snext);
    else snext = this.loadBalance(pcpu, snext);

    cpu.idler = snext === null;
    if (snext !== scurr) cpu.runningSince = now;
    cpu.running = snext;
    if (!snext) {
      this.stopTicker(cpu);
      return { unit: null, sliceNs: Infinity };
    }
    snext.startTime = now;
    this.startTicker(cpu, now);
    // Work is left queued while a peer idles untickled: tickle it so it steals (Xen leaves
    // this to the next wake-up; the contract wants work conservation).
    if (cpu.runq.length > 0) this.tickleIdler();
    return { unit: snext.unit, sliceNs: this.tsliceNs };
  }

  /** csched_load_balance: steal strictly better queued work from a busy peer, else take `snext`. */
  private loadBalance(pcpu: number, snext: CreditUnit | null): CreditUnit | null {
    const floor = snext ? snext.pri : CreditPriority.idle;
    for (let step = 1; step < this.pcpus.length; step++) {
      const peer = this.pcpus[(pcpu + step) % this.pcpus.length]!;
      // An idle peer is about to pick up its own work; a peer with one runnable unit has none queued.
      if (peer.running === null || peer.runq.length === 0) continue;
      const candidate = peer.runq[0]!;
      if (candidate.pri <= floor) continue;
      this.dequeue(candidate);
      return candidate;
    }
    if (snext) this.dequeue(snext);
    return snext;
  }

  // ---- accounting ----------------------------------------------------------------------------

  /** burn_credits: CSCHED_CREDITS_PER_MSEC credits per ms of running, remainder carried. */
  private burnCredits(svc: CreditUnit, now: Nanoseconds): void {
    const delta = now - svc.startTime;
    if (delta <= 0) return;
    const value = delta * CSCHED_CREDITS_PER_MSEC + svc.residual;
    const credits = Math.floor(value / NS_PER_MS);
    svc.residual = value - credits * NS_PER_MS;
    svc.credit -= credits;
    svc.startTime = now;
  }

  /** csched_tick: charge the running unit, end its boost, put it on the active list, re-sort. */
  private tick(pcpu: number, now: Nanoseconds): void {
    const cpu = this.pcpus[pcpu]!;
    const svc = cpu.running;
    if (svc) {
      if (svc.pri === CreditPriority.boost) svc.pri = CreditPriority.under;
      this.burnCredits(svc, now);
      if (!svc.active) this.accountingStart(svc);
    }
    this.sortRunq(cpu);
    cpu.ticker.set(now + this.tickNs);
  }

  /** csched_acct: hand out one tslice of credit per pCPU to active domains by weight. */
  private account(now: Nanoseconds): void {
    this.accountingTimer.set(now + this.tsliceNs);
    const weightTotal = this.weightTotal;
    let creditTotal = this.creditsPerTslice * this.pcpus.length;
    if (this.creditBalance < 0) creditTotal -= this.creditBalance; // converge the balance to 0
    if (weightTotal === 0) {
      this.creditBalance = 0;
      return;
    }
    let weightLeft = weightTotal;
    let balance = 0;
    let extraCredit = false;
    for (const domain of [...this.activeDomains]) {
      const activeCount = domain.activeUnits.length;
      const domainWeight = domain.weight * activeCount;
      weightLeft -= domainWeight;
      // A domain may earn at most one tslice per active unit, more only while the balance is negative.
      let peak = activeCount * this.creditsPerTslice;
      if (this.creditBalance < 0) peak += ceilDiv(-this.creditBalance * domainWeight, weightTotal);
      let capPerUnit = 0;
      if (domain.cap !== 0) {
        const capCredits = ceilDiv(domain.cap * this.creditsPerTslice, 100);
        if (capCredits < peak) peak = capCredits;
        capPerUnit = ceilDiv(capCredits, activeCount);
      }
      let fair = ceilDiv(creditTotal * domainWeight, weightTotal);
      if (fair < peak) {
        extraCredit = true;
      } else {
        // Give what this domain cannot use to the domains after it.
        if (weightLeft !== 0) creditTotal += ceilDiv((fair - peak) * weightTotal, weightLeft);
        if (extraCredit) this.moveToFront(domain);
        fair = peak;
      }
      const perUnit = ceilDiv(fair, activeCount);
      for (const svc of [...domain.activeUnits]) {
        svc.credit += perUnit;
        if (svc.credit < 0) {
          svc.pri = CreditPriority.over;
          if (domain.cap !== 0 && svc.credit < -capPerUnit && !svc.parked) this.park(svc);
          if (svc.credit < -this.creditsPerTslice) svc.credit = -this.creditsPerTslice;
        } else {
          svc.pri = CreditPriority.under;
          if (svc.parked) this.unpark(svc);
          if (svc.credit > this.creditsPerTslice) {
            // Idle long enough to saturate: leave accounting, keep half as a head start.
            this.accountingStop(svc);
            svc.credit = Math.trunc(svc.credit / 2);
          }
        }
        balance += svc.credit;
      }
    }
    this.creditBalance = balance;
    this.sortEpoch++;
  }

  private accountingStart(svc: CreditUnit): void {
    const domain = svc.domain;
    svc.active = true;
    domain.activeUnits.push(svc);
    this.weightTotal += domain.weight;
    if (domain.activeUnits.length === 1) this.activeDomains.unshift(domain);
  }

  private accountingStop(svc: CreditUnit): void {
    const domain = svc.domain;
    svc.active = false;
    removeFrom(domain.activeUnits, svc);
    this.weightTotal -= domain.weight;
    if (domain.activeUnits.length === 0) removeFrom(this.activeDomains, domain);
  }

  private moveToFront(domain: CreditDomain): void {
    removeFrom(this.activeDomains, domain);
    this.activeDomains.unshift(domain);
  }

  /** Caps: a capped unit that overspent stops running until accounting gives it credit back. */
  private park(svc: CreditUnit): void {
    svc.parked = true;
    this.dequeue(svc);
    const running = this.pcpus.findIndex((cpu) => cpu.running === svc);
    if (running >= 0) this.ctx.kick(running);
  }

  private unpark(svc: CreditUnit): void {
    svc.parked = false;
    // No boost: the unit did not wake from blocking (credit.c clears PARKED after the unpause).
    if (this.ctx.isRunnable(svc.unit) && !this.ctx.isRunning(svc.unit) && svc.queuedOn < 0) {
      this.enqueue(svc, svc.unit.pcpu);
      this.tickle(svc);
    }
  }

  // ---- run queues ----------------------------------------------------------------------------

  /** __runq_insert: after every unit of equal or higher priority; a yielder goes one further. */
  private enqueue(svc: CreditUnit, pcpu: number): void {
    if (svc.queuedOn >= 0) return;
    const runq = this.pcpus[pcpu]!.runq;
    let index = runq.findIndex((other) => svc.pri > other.pri);
    if (index < 0) index = runq.length;
    if (svc.yielding && index < runq.length) index++;
    runq.splice(index, 0, svc);
    svc.queuedOn = pcpu;
  }

  private dequeue(svc: CreditUnit): void {
    if (svc.queuedOn < 0) return;
    removeFrom(this.pcpus[svc.queuedOn]!.runq, svc);
    svc.queuedOn = -1;
  }

  /** csched_runq_sort: after accounting, move UNDER (and BOOST) units ahead of OVER ones, stably. */
  private sortRunq(cpu: CreditPcpu): void {
    if (cpu.sortEpoch === this.sortEpoch) return;
    cpu.sortEpoch = this.sortEpoch;
    const under = cpu.runq.filter((svc) => svc.pri >= CreditPriority.under);
    const over = cpu.runq.filter((svc) => svc.pri < CreditPriority.under);
    cpu.runq.splice(0, cpu.runq.length, ...under, ...over);
  }

  /** __runq_tickle: who should look at the newly queued unit. */
  private tickle(svc: CreditUnit): void {
    const pcpu = svc.queuedOn;
    const cpu = this.pcpus[pcpu]!;
    const current = cpu.running;
    const anyIdler = this.pcpus.some((other) => other.idler);
    if (current === null || (!anyIdler && svc.pri > current.pri)) {
      cpu.idler = false;
      this.ctx.kick(pcpu);
    } else if (anyIdler) {
      // Leave the running unit alone; an idler will steal the new one.
      this.tickleIdler();
    }
  }

  /** Wakes one idle pCPU, cycling from the last one tickled (opt_tickle_one_idle). */
  private tickleIdler(): void {
    for (let step = 1; step <= this.pcpus.length; step++) {
      const pcpu = (this.lastTickled + step) % this.pcpus.length;
      const cpu = this.pcpus[pcpu]!;
      if (!cpu.idler) continue;
      cpu.idler = false;
      this.lastTickled = pcpu;
      this.ctx.kick(pcpu);
      return;
    }
  }

  private startTicker(cpu: CreditPcpu, now: Nanoseconds): void {
    if (cpu.ticking) return;
    cpu.ticking = true;
    cpu.ticker.set(now + this.tickNs - (now % this.tickNs));
  }

  private stopTicker(cpu: CreditPcpu): void {
    cpu.ticking = false;
    cpu.ticker.stop();
  }

  // ---- parameters and introspection ----------------------------------------------------------

  /** XEN_DOMCTL_SCHEDOP_getinfo / putinfo: `{ weight, cap }`. */
  adjust(domid: number, put?: SchedParams): SchedParams {
    const domain = this.domains.get(domid);
    if (!domain) throw new RangeError(`credit: no domain ${domid}`);
    if (put) {
      const next = readCreditParams(put, domain);
      this.weightTotal += (next.weight - domain.weight) * domain.activeUnits.length;
      domain.weight = next.weight;
      domain.cap = next.cap;
    }
    return { weight: domain.weight, cap: domain.cap };
  }

  /** Credit, priority and flags of one unit (for tests and `xen top`). */
  unitInfo(unit: SchedUnit): CreditUnitInfo {
    const svc = this.state(unit);
    return { credit: svc.credit, priority: svc.pri, parked: svc.parked, active: svc.active };
  }

  dump(): string {
    const lines = [
      `credit: tslice=${this.tsliceNs / NS_PER_MS}ms tick=${this.tickNs / 1000}us ratelimit=${this.ratelimitNs / 1000}us ` +
        `weight=${this.weightTotal} balance=${this.creditBalance}`,
    ];
    this.pcpus.forEach((cpu, index) => {
      const show = (svc: CreditUnit) =>
        `d${svc.unit.domid}v${svc.unit.vcpuId}(pri=${svc.pri} credit=${svc.credit}${svc.parked ? ' parked' : ''})`;
      lines.push(`  CPU[${index}] run=${cpu.running ? show(cpu.running) : 'idle'} runq: ${cpu.runq.map(show).join(' ') || '-'}`);
    });
    return lines.join('\n');
  }

  private state(unit: SchedUnit): CreditUnit {
    return unit.priv as CreditUnit;
  }
}

/** Ceiling of a / b for non-negative a and positive b (credit.c's `(a + (b - 1)) / b`). */
function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

function removeFrom<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
