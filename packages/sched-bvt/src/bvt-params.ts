// BVT's constants and parameter validation. Values from Xen's sched_bvt.c (Xen 1.2–2.0,
// xen/common/sched_bvt.c): MCU, MCU_ADVANCE and ctx_allow; the warp limits' defaults from
// the Xen 2.0 version (bvt_add_task: warpl = MILLISECS(2000), warpu = MILLISECS(1000)).
import type { SchedParams, SchedulerOptions } from '@xen-ts/plugin-api';

/** sched_bvt.c: `#define MCU (s32)MICROSECS(100)`, the minimum charging unit. */
export const BVT_MCU_NS = 100_000;
/** sched_bvt.c: `#define MCU_ADVANCE 10`, the default virtual time per MCU ("inverse of weight"). */
export const BVT_DEFAULT_MCU_ADVANCE = 10;
/** sched_bvt.c: `static s32 ctx_allow = (s32)MILLISECS(5)`, the context-switch allowance C. */
export const BVT_DEFAULT_CTX_ALLOW_US = 5000;
/** Final sched_bvt.c: CTX_MIN, the smallest ctx_allow it accepted (10 µs). */
export const BVT_MIN_CTX_ALLOW_US = 10;
export const BVT_MAX_CTX_ALLOW_US = 1_000_000;
/** Xen 2.0 bvt_add_task: warpl = MILLISECS(2000), warpu = MILLISECS(1000); warp value 0 (off). */
export const BVT_DEFAULT_WARPL_MS = 2000;
export const BVT_DEFAULT_WARPU_MS = 1000;
/** do_schedule: "We have only one runnable task besides the idle task": run 10 × ctx_allow. */
export const BVT_LONE_SLICE_FACTOR = 10;
/** Upper bounds: the C fields were u32 (mcu_advance) and s32 (warp value, warp times). */
const U32_MAX = 0xffff_ffff;
const S32_MAX = 0x7fff_ffff;

export interface BvtDomainParams {
  /** Virtual time added per MCU of running: inversely proportional to the domain's share. */
  mcuadv: number;
  /** Warp value W: how far a woken domain's effective virtual time goes back (0: never warps). */
  warp: number;
  /** Warp limit L in ms of running warped (0: unlimited). */
  warpl: number;
  /** Unwarp requirement U in ms: after hitting L, how long before it may warp again. */
  warpu: number;
}

export const BVT_DEFAULT_PARAMS: Readonly<BvtDomainParams> = {
  mcuadv: BVT_DEFAULT_MCU_ADVANCE,
  warp: 0,
  warpl: BVT_DEFAULT_WARPL_MS,
  warpu: BVT_DEFAULT_WARPU_MS,
};

const LIMITS: Record<keyof BvtDomainParams, [number, number]> = {
  mcuadv: [1, U32_MAX], // bvt_adjdom: mcu_adv == 0 is -EINVAL ("avoid divide-by-zero")
  warp: [0, S32_MAX],
  warpl: [0, S32_MAX], // bvt_adjdom: warpl < 0 or warpu < 0 is -EINVAL
  warpu: [0, S32_MAX],
};

/** Validates `put` over `base` (missing keys keep their value). Throws RangeError. */
export function readBvtParams(put: SchedParams, base: Readonly<BvtDomainParams>): BvtDomainParams {
  const result = { ...base };
  for (const [key, value] of Object.entries(put)) {
    if (!(key in LIMITS)) throw new RangeError(`bvt: unknown parameter '${key}' (known: mcuadv, warp, warpl, warpu)`);
    const [min, max] = LIMITS[key as keyof BvtDomainParams];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`bvt: parameter ${key} must be an integer in ${min}..${max}, got ${value}`);
    }
    result[key as keyof BvtDomainParams] = value;
  }
  return result;
}

/** The pool option `ctxAllowUs` (sched_bvtctl's ctx_allow), 10..1000000 µs, default 5000. */
export function readBvtOptions(options: SchedulerOptions): { ctxAllowUs: number } {
  for (const key of Object.keys(options)) {
    if (key !== 'ctxAllowUs') throw new RangeError(`bvt: unknown option '${key}' (known: ctxAllowUs)`);
  }
  const ctxAllowUs = options['ctxAllowUs'] ?? BVT_DEFAULT_CTX_ALLOW_US;
  if (!Number.isInteger(ctxAllowUs) || ctxAllowUs < BVT_MIN_CTX_ALLOW_US || ctxAllowUs > BVT_MAX_CTX_ALLOW_US) {
    throw new RangeError(`bvt: option ctxAllowUs must be an integer in ${BVT_MIN_CTX_ALLOW_US}..${BVT_MAX_CTX_ALLOW_US}, got ${ctxAllowUs}`);
  }
  return { ctxAllowUs };
}
