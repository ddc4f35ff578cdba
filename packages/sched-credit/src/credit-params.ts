// Credit1's constants and the validation of its pool options and domain parameters
// (xen/common/sched/credit.c, public/sysctl.h; xen-abi.md §3.2).
import type { SchedParams, SchedulerOptions } from '@xen-ts/plugin-api';

/** credit.c: CSCHED_DEFAULT_WEIGHT. */
export const CSCHED_DEFAULT_WEIGHT = 256;
/** credit.c: CSCHED_TICKS_PER_TSLICE (a 10 ms tick with the default tslice). */
export const CSCHED_TICKS_PER_TSLICE = 3;
/** credit.c: CSCHED_DEFAULT_TSLICE_MS. */
export const CSCHED_DEFAULT_TSLICE_MS = 30;
/** credit.c: CSCHED_CREDITS_PER_MSEC. */
export const CSCHED_CREDITS_PER_MSEC = 10;
/** sysctl.h: XEN_SYSCTL_CSCHED_TSLICE_MIN / MAX. */
export const CSCHED_TSLICE_MIN_MS = 1;
export const CSCHED_TSLICE_MAX_MS = 1000;
/** sysctl.h: XEN_SYSCTL_SCHED_RATELIMIT_MIN / MAX; 0 disables rate limiting. */
export const SCHED_RATELIMIT_MIN_US = 100;
export const SCHED_RATELIMIT_MAX_US = 500_000;
/** Xen's default sched_ratelimit_us (SCHED_DEFAULT_RATELIMIT_US). */
export const SCHED_DEFAULT_RATELIMIT_US = 1000;
/** credit.c: CSCHED_MIN_TIMER = XEN_SYSCTL_SCHED_RATELIMIT_MIN, the shortest timer it sets. */
export const CSCHED_MIN_TIMER_NS = SCHED_RATELIMIT_MIN_US * 1000;
/** domctl.h: weight and cap are uint16_t. */
export const CSCHED_MAX_WEIGHT = 65535;
export const CSCHED_MAX_CAP = 65535;

/** Priorities (credit.c CSCHED_PRI_*): higher runs first. */
export const CreditPriority = {
  boost: 0,
  under: -1,
  over: -2,
  idle: -64,
} as const;
export type CreditPriority = (typeof CreditPriority)[keyof typeof CreditPriority];

export interface CreditPoolOptions {
  readonly tsliceMs: number;
  readonly ratelimitUs: number;
}

function integerIn(name: string, value: number, min: number, max: number, where: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`credit: ${where} ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

function rejectUnknown(record: Readonly<Record<string, number>>, known: readonly string[], what: string): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) throw new RangeError(`credit: unknown ${what} '${key}' (known: ${known.join(', ')})`);
  }
}

/** XEN_SYSCTL_SCHEDOP_putinfo's checks: tslice 1..1000 ms, ratelimit 0 or 100..500000 µs and ≤ tslice. */
export function readCreditOptions(options: SchedulerOptions): CreditPoolOptions {
  rejectUnknown(options, ['tsliceMs', 'ratelimitUs'], 'option');
  const tsliceMs = integerIn('tsliceMs', options['tsliceMs'] ?? CSCHED_DEFAULT_TSLICE_MS, CSCHED_TSLICE_MIN_MS, CSCHED_TSLICE_MAX_MS, 'option');
  const ratelimitUs = options['ratelimitUs'] ?? SCHED_DEFAULT_RATELIMIT_US;
  if (ratelimitUs !== 0) integerIn('ratelimitUs', ratelimitUs, SCHED_RATELIMIT_MIN_US, SCHED_RATELIMIT_MAX_US, 'option');
  if (ratelimitUs > tsliceMs * 1000) {
    throw new RangeError(`credit: option ratelimitUs (${ratelimitUs} µs) must not exceed tsliceMs (${tsliceMs} ms)`);
  }
  return { tsliceMs, ratelimitUs };
}

export interface CreditDomainParams {
  weight: number;
  cap: number;
}

/** Validates `put` (missing keys keep `base`): weight 1..65535, cap 0..65535 (% of one pCPU, 0 = none). */
export function readCreditParams(put: SchedParams, base: CreditDomainParams): CreditDomainParams {
  rejectUnknown(put, ['weight', 'cap'], 'parameter');
  return {
    weight: integerIn('weight', put['weight'] ?? base.weight, 1, CSCHED_MAX_WEIGHT, 'parameter'),
    cap: integerIn('cap', put['cap'] ?? base.cap, 0, CSCHED_MAX_CAP, 'parameter'),
  };
}
