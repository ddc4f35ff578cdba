/**
 * Rounding core: turns an exact-or-sticky wide result into a representable
 * value of some precision/exponent range, raising PE/UE/OE and C1.
 *
 * The wide accumulator W holds
 *   value = (-1)^sign * (hi:lo:ext + sticky*eps) * 2^(exp - 16383 - 63)
 * where hi:lo is a 64-bit significand (binary point after its bit 63), ext a
 * 32-bit extension below it and sticky a flag for anything further below.
 * Exponents are always expressed with the extended bias (16383), also when
 * rounding for float32/float64 destinations.
 */
import type { Operand } from './float80-operand.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { FLAG_C1, FLAG_OE, FLAG_PE, FLAG_UE, RC_DOWN, RC_NEAREST, RC_UP } = $fpu_env;

export interface Wide {
  sign: number;
  exp: number;
  hi: number;
  lo: number;
  ext: number;
  sticky: number;
}

/** The single shared wide accumulator (operations are not reentrant). */
export const W: Wide = { sign: 0, exp: 0, hi: 0, lo: 0, ext: 0, sticky: 0 };

/** Extended format range: SDM Vol.1 Table 4-3, biased exponents 1..7FFEh. */
export const EXT_EMIN = 1;
export const EXT_EMAX = 0x7ffe;
/** float64 range re-biased to 16383: 2^-1022 .. 2^1023. */
export const F64_EMIN = 16383 - 1022;
export const F64_EMAX = 16383 + 1023;
/** float32 range re-biased to 16383: 2^-126 .. 2^127. */
export const F32_EMIN = 16383 - 126;
export const F32_EMAX = 16383 + 127;

/** SDM Vol.1 4.9.1.4/4.9.1.5: unmasked OE/UE on register results rescale by 2^-+24576. */
export const WRAP_BIAS = 24576;

/** roundPack results. */
export const RP_FINITE = 0;
export const RP_INF = 1;
/** Unmasked OE/UE with a memory destination: nothing may be stored. */
export const RP_NONE = 2;

/** W := the value of `op` with sign `sign`; nothing below the significand (ext = sticky = 0). */
export function loadW(op: Operand, sign: number): void {
  W.sign = sign;
  W.exp = op.exp;
  W.hi = op.hi;
  W.lo = op.lo;
  W.ext = 0;
  W.sticky = 0;
}

/** Flags for a rounding outcome `r` (roundSig's 0 exact / 1 truncated / 2 incremented): PE when inexact, C1 when rounded up. */
export function raisePrecision(env: FpuEnv, r: number): void {
  if (r !== 0) env.flags |= FLAG_PE | (r === 2 ? FLAG_C1 : 0);
}

/** Shift hi:lo:ext right by n (n >= 0), folding lost bits into sticky. */
export function wShiftRight(n: number): void {
  if (n <= 0) return;
  let hi = W.hi;
  let lo = W.lo;
  let ext = W.ext;
  let st = W.sticky;
  while (n >= 32) {
    if (ext !== 0) st = 1;
    ext = lo;
    lo = hi;
    hi = 0;
    n -= 32;
    if (hi === 0 && lo === 0 && ext === 0) {
      n = 0;
      break;
    }
  }
  if (n > 0) {
    if ((ext << (32 - n)) !== 0) st = 1;
    ext = ((ext >>> n) | (lo << (32 - n))) >>> 0;
    lo = ((lo >>> n) | (hi << (32 - n))) >>> 0;
    hi = hi >>> n;
  }
  W.hi = hi;
  W.lo = lo;
  W.ext = ext;
  W.sticky = st;
}

/**
 * Shift left until the integer bit (hi bit 31) is set, adjusting exp.
 * Bits enter from ext; sticky must be 0 whenever more than 32 positions of
 * cancellation are possible (callers guarantee it). W must be non-zero.
 */
export function wNormalize(): void {
  let hi = W.hi;
  let lo = W.lo;
  let ext = W.ext;
  let e = W.exp;
  while (hi === 0) {
    hi = lo;
    lo = ext;
    ext = 0;
    e -= 32;
  }
  const s = Math.clz32(hi);
  if (s > 0) {
    hi = ((hi << s) | (lo >>> (32 - s))) >>> 0;
    lo = ((lo << s) | (ext >>> (32 - s))) >>> 0;
    ext = (ext << s) >>> 0;
    e -= s;
  }
  W.hi = hi;
  W.lo = lo;
  W.ext = ext;
  W.exp = e;
}

/**
 * Round W.hi:lo to `prec` significant bits (counted from hi bit 31) per rc.
 * Returns 0 exact, 1 inexact truncated, 2 inexact incremented. A carry out of
 * bit 63 renormalizes (exp+1). ext/sticky are consumed (cleared).
 */
function roundSig(prec: number, rc: number): number {
  let hi = W.hi;
  let lo = W.lo;
  let rbits: number;
  let half: number;
  let rest: number;
  let lsb: number;
  if (prec === 64) {
    rbits = W.ext;
    half = 0x80000000;
    rest = W.sticky;
    lsb = lo & 1;
  } else if (prec === 53) {
    rbits = lo & 0x7ff;
    half = 0x400;
    rest = W.ext | W.sticky;
    lsb = (lo >>> 11) & 1;
  } else {
    rbits = hi & 0xff;
    half = 0x80;
    rest = lo | W.ext | W.sticky;
    lsb = (hi >>> 8) & 1;
  }
  W.ext = 0;
  W.sticky = 0;
  if (rbits === 0 && rest === 0) return 0;
  let inc: boolean;
  if (rc === RC_NEAREST) inc = rbits > half || (rbits === half && (rest !== 0 || lsb !== 0));
  else if (rc === RC_UP) inc = W.sign === 0;
  else if (rc === RC_DOWN) inc = W.sign !== 0;
  else inc = false;
  if (prec === 53) lo = (lo & ~0x7ff) >>> 0;
  else if (prec === 24) {
    hi = (hi & ~0xff) >>> 0;
    lo = 0;
  }
  if (inc) {
    if (prec === 24) hi += 0x100;
    else {
      lo += prec === 64 ? 1 : 0x800;
      if (lo > 0xffffffff) {
        lo = 0;
        hi += 1;
      }
    }
    if (hi > 0xffffffff) {
      hi = 0x80000000;
      W.exp += 1;
    }
  }
  W.hi = hi;
  W.lo = lo;
  return inc ? 2 : 1;
}

/** Largest finite significand with `prec` bits. */
function setMaxSig(prec: number): void {
  W.hi = prec === 24 ? 0xffffff00 : 0xffffffff;
  W.lo = prec === 64 ? 0xffffffff : prec === 53 ? 0xfffff800 : 0;
}

/**
 * Round and range-check W (normalized, non-zero) for a destination with
 * `prec` significand bits and normal biased exponents emin..emax.
 * `regDest` selects the register-destination responses for unmasked OE/UE
 * (rescaling, SDM Vol.1 4.9.1.4-5) versus memory ones (no store).
 * On return W.hi:lo/W.exp hold the result: a result below emin is left with
 * W.exp = emin and the integer bit clear (denormal or zero). Returns RP_*.
 */
export function roundPack(prec: number, emin: number, emax: number, rc: number, env: FpuEnv, regDest: boolean): number {
  const cw = env.cw;
  if (W.exp < emin) {
    // SDM Vol.1 4.9.1.5: tiny = non-zero and below the normal range after
    // rounding with unbounded exponent (taking precision control into account).
    let tiny = true;
    if (W.exp === emin - 1) {
      const h = W.hi, l = W.lo, x = W.ext, s = W.sticky, e = W.exp;
      roundSig(prec, rc);
      tiny = W.exp < emin;
      W.hi = h;
      W.lo = l;
      W.ext = x;
      W.sticky = s;
      W.exp = e;
    }
    if (tiny && (cw & FLAG_UE) === 0) {
      // Unmasked underflow: register results are rescaled by 2^24576.
      env.flags |= FLAG_UE;
      if (!regDest) return RP_NONE;
      W.exp += WRAP_BIAS;
      if (W.exp < emin) {
        // Hardware check (FSCALE): still tiny after rescaling -> signed zero, UE|PE.
        env.flags |= FLAG_PE;
        W.hi = 0;
        W.lo = 0;
        W.exp = emin;
        return RP_FINITE;
      }
    } else {
      // Masked: denormalize, then round at the same bit position.
      wShiftRight(emin - W.exp);
      W.exp = emin;
      const r = roundSig(prec, rc);
      if (r !== 0) {
        env.flags |= FLAG_PE | (tiny ? FLAG_UE : 0) | (r === 2 ? FLAG_C1 : 0);
      }
      return RP_FINITE;
    }
  }
  const r = roundSig(prec, rc);
  if (W.exp > emax) {
    if ((cw & FLAG_OE) === 0) {
      env.flags |= FLAG_OE;
      if (!regDest) return RP_NONE;
      W.exp -= WRAP_BIAS;
      if (W.exp > emax) {
        // Hardware check (FSCALE): still huge after rescaling -> infinity, OE|PE|C1.
        env.flags |= FLAG_PE | FLAG_C1;
        W.hi = 0x80000000;
        W.lo = 0;
        W.exp = 0x7fff;
        return RP_INF;
      }
      raisePrecision(env, r);
      return RP_FINITE;
    }
    // Masked overflow (SDM Vol.1 4.9.1.4): infinity or the largest
    // finite value depending on rounding direction and sign.
    env.flags |= FLAG_OE | FLAG_PE;
    const toInf = rc === RC_NEAREST || (rc === RC_UP && W.sign === 0) || (rc === RC_DOWN && W.sign !== 0);
    if (toInf) {
      env.flags |= FLAG_C1;
      W.hi = 0x80000000;
      W.lo = 0;
      W.exp = 0x7fff;
      return RP_INF;
    }
    setMaxSig(prec);
    W.exp = emax;
    return RP_FINITE;
  }
  raisePrecision(env, r);
  return RP_FINITE;
}

/** Store W (after roundPack for the extended range) into a register slot. */
export function packW(f: Uint32Array, d: number): void {
  const o = d << 2;
  f[o] = W.lo;
  f[o + 1] = W.hi;
  const e = (W.hi & 0x80000000) !== 0 ? W.exp : 0;
  f[o + 2] = (W.sign << 15) | e;
}

/** Round W to the register format with precision `prec` and store it. */
export function roundToReg(f: Uint32Array, d: number, prec: number, rc: number, env: FpuEnv): void {
  roundPack(prec, EXT_EMIN, EXT_EMAX, rc, env, true);
  packW(f, d);
}

/**
 * Round W to an integer per rc, leaving its magnitude in W.hi:lo (64-bit,
 * not normalized). Returns -1 when the magnitude is 2^64 or more, else
 * 0 exact / 1 inexact truncated / 2 inexact rounded up.
 */
export function roundWToInteger(rc: number): number {
  const sh = 16446 - W.exp; // fractional bits below hi:lo's bit 0
  if (sh < 0) return -1;
  wShiftRight(sh);
  const e0 = W.exp;
  const r = roundSig(64, rc);
  if (W.exp !== e0) return -1;
  return r;
}

/**
 * Round operand `op` to an integer per rc (FRNDINT, FIST, FBSTP), leaving the
 * magnitude in W.hi:lo. Returns roundWToInteger's result; raises nothing.
 */
export function roundOperandToInteger(op: Operand, rc: number): number {
  loadW(op, op.sign);
  return roundWToInteger(rc);
}
