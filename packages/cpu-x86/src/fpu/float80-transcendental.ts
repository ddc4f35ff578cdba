/**
 * Transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN,
 * FCOS, FSINCOS (SDM Vol.2 entries of the same names).
 *
 * NOT bit-exact with hardware. Values are computed with ~190-bit BigInt
 * floats (bigfloat.ts) and then rounded once to 64 bits with RC (PC does not
 * apply), so they are essentially correctly rounded, whereas Intel
 * hardware is only accurate to about 1 ulp. FSIN/FCOS/FPTAN/FSINCOS reduce
 * the argument modulo pi/2 with the 66-bit internal pi approximation that
 * Intel hardware uses, so large arguments follow the hardware rather than
 * the mathematically exact reduction. Special operands (NaN, infinities,
 * zeros, out-of-range arguments) and the IE/DE/ZE/C2 behaviour follow the
 * SDM tables and are checked exactly by the tests; finite results are
 * checked to within 1 ulp.
 */
import {
  BF, bf, bfDivInt, BF_LN2, BF_ZERO, bitLength, BF_ONE, BF_PI, bfAdd, bfCmpAbs, bfDiv, bfFromParts, bfInt, bfMul, bfNeg, bfNegligible,
  bfScale, bfSqrt, bfSub, bfToW,
} from './bigfloat.js';
import { K_DENORMAL, K_INF, K_QNAN, K_ZERO } from './float80-classify.js';
import { denormalsAllowed, invalidResult, nanResult1, nanResult2, OPA, OPB, unpack, unpack2 } from './float80-operand.js';
import { roundToReg } from './float80-round.js';
import { cwRc, FLAG_C2, FLAG_DE, FLAG_PE, FLAG_UE, FLAG_ZE, FpuEnv } from './fpu-env.js';
import { copyF80, setF80, setSignedInfinity, setSignedZero } from './float80-regs.js';

/** Write +-1.0 (`sign` 0 or 1). */
function setSignedOne(f: Uint32Array, d: number, sign: number): void {
  setF80(f, d, (sign << 15) | 0x3fff, 0x80000000, 0);
}

/**
 * Round a BF into slot d (64-bit precision, RC), or a signed zero.
 * Hardware check: transcendental results always report PE, and UE when the
 * result is tiny, even where the value happens to be exact (x=1 for F2XM1,
 * powers of two for FYL2X).
 */
function finish(f: Uint32Array, d: number, v: BF, env: FpuEnv, zeroSign = 0): void {
  if (v.m === 0n) {
    setSignedZero(f, d, zeroSign);
    return;
  }
  bfToW(v);
  roundToReg(f, d, 64, cwRc(env.cw), env);
  env.flags |= FLAG_PE;
  if ((f[(d << 2) + 1]! & 0x80000000) === 0) env.flags |= FLAG_UE;
}

/** DE for a denormal operand; false when unmasked (operation suppressed). */
function denormalCheck(k: number, env: FpuEnv): boolean {
  if (k !== K_DENORMAL) return true;
  env.flags |= FLAG_DE;
  return (env.cw & FLAG_DE) !== 0;
}

const HW_F2XM1_OUT_OF_DOMAIN_UNCHANGED = true;

// ---- series kernels ---------------------------------------------------------

/** e^y - 1 (|y| < 1). */
function expm1(y: BF): BF {
  let term = y;
  let sum = y;
  for (let n = 2; ; n++) {
    term = bfDivInt(bfMul(term, y), n);
    if (bfNegligible(term, sum)) return sum;
    sum = bfAdd(sum, term);
  }
}

/** 2 * atanh(u) = ln((1+u)/(1-u)) for small |u|. */
function atanh2(u: BF): BF {
  const u2 = bfMul(u, u);
  let pow = u;
  let sum = u;
  for (let n = 3; ; n += 2) {
    pow = bfMul(pow, u2);
    const term = bfDivInt(pow, n);
    if (bfNegligible(term, sum)) return bfScale(sum, 1);
    sum = bfAdd(sum, term);
  }
}

const BF_SQRT2 = bfSqrt(bfInt(2));

/** log2(z) for z > 0. */
function log2(z: BF): BF {
  // z = m * 2^E with m in [sqrt(1/2), sqrt(2)) to avoid cancellation near 1.
  const l = bitLength(z.m);
  let E = z.e + l - 1;
  let m: BF = { m: z.m, e: -(l - 1) };
  if (bfCmpAbs(m, BF_SQRT2) > 0) {
    m = bfScale(m, -1);
    E += 1;
  }
  const u = bfDiv(bfSub(m, BF_ONE), bfAdd(m, BF_ONE));
  if (u.m === 0n) return bfInt(E);
  return bfAdd(bfInt(E), bfDiv(atanh2(u), BF_LN2));
}

/** atan(t) for any finite t. */
function atan(t: BF): BF {
  const neg = t.m < 0n;
  if (neg) t = bfNeg(t);
  let big = false;
  if (bfCmpAbs(t, BF_ONE) > 0) {
    t = bfDiv(BF_ONE, t);
    big = true;
  }
  // Two argument halvings: atan(t) = 2 atan(t / (1 + sqrt(1 + t^2))).
  for (let i = 0; i < 2; i++) t = bfDiv(t, bfAdd(BF_ONE, bfSqrt(bfAdd(BF_ONE, bfMul(t, t)))));
  const t2 = bfMul(t, t);
  let pow = t;
  let sum = t;
  for (let n = 3; ; n += 2) {
    pow = bfNeg(bfMul(pow, t2));
    const term = bfDivInt(pow, n);
    if (bfNegligible(term, sum)) break;
    sum = bfAdd(sum, term);
  }
  let r = bfScale(sum, 2);
  if (big) r = bfSub(bfScale(BF_PI, -1), r);
  return neg ? bfNeg(r) : r;
}

function sinKernel(r: BF): BF {
  const r2 = bfMul(r, r);
  let term = r;
  let sum = r;
  for (let n = 1; ; n++) {
    term = bfNeg(bfDivInt(bfMul(term, r2), 2 * n * (2 * n + 1)));
    if (bfNegligible(term, sum)) return sum;
    sum = bfAdd(sum, term);
  }
}

function cosKernel(r: BF): BF {
  const r2 = bfMul(r, r);
  let term = BF_ONE;
  let sum = BF_ONE;
  for (let n = 1; ; n++) {
    term = bfNeg(bfDivInt(bfMul(term, r2), (2 * n - 1) * 2 * n));
    if (bfNegligible(term, sum)) return sum;
    sum = bfAdd(sum, term);
  }
}

/** 66-bit pi used by the hardware for argument reduction: SIG66 * 2^-64. */
const SIG66 = 0x3243f6a8885a308d3n;

let redQ = 0;
/**
 * Reduce |OPA| (finite, < 2^63) modulo pi66/2 to r in [-pi/4, pi/4];
 * sets redQ = k mod 4. Exact integer arithmetic.
 */
function reduce(): BF {
  const X = (BigInt(OPA.hi) << 32n) | BigInt(OPA.lo);
  const ex = OPA.exp - 16446;
  redQ = 0;
  if (ex + 64 <= -1) return bf(X, ex); // |x| < 0.5 < pi/4
  const base = -65;
  const A = X << BigInt(ex - base);
  const B = SIG66;
  const k = (2n * A + B) / (2n * B);
  redQ = Number(k & 3n);
  return bf(A - k * B, base);
}

// ---- instructions -----------------------------------------------------------

/** F2XM1: ST(d) := 2^a - 1 (defined for -1 <= a <= 1). */
export function f80F2xm1(f: Uint32Array, d: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  if (k >= K_QNAN) return nanResult1(f, d, a, k, env);
  if (k === K_ZERO) {
    setSignedZero(f, d, OPA.sign);
    return true;
  }
  if (k === K_INF) {
    // SDM F2XM1 table: -inf -> -1, +inf -> +inf.
    if (OPA.sign) setSignedOne(f, d, 1);
    else setSignedInfinity(f, d, 0);
    return true;
  }
  if (!denormalCheck(k, env)) return false;
  const x = bfFromParts(OPA.sign, OPA.exp, OPA.hi, OPA.lo);
  if (OPA.exp < 16383 || (OPA.exp === 16383 && OPA.hi === 0x80000000 && OPA.lo === 0)) {
    finish(f, d, expm1(bfMul(x, BF_LN2)), env);
    return true;
  }
  // Hardware check: |x| > 1 leaves the operand unchanged and reports PE.
  if (HW_F2XM1_OUT_OF_DOMAIN_UNCHANGED) {
    copyF80(f, d, a);
    env.flags |= FLAG_PE;
    return true;
  }
  // |x| >= 1 is outside the architectural domain (hardware result undefined);
  // compute 2^n * 2^(x-n) - 1 with n = trunc(x), clamped so huge |x| saturates.
  const huge = OPA.exp >= 16383 + 20;
  let n = huge ? 1 << 20 : Number(((BigInt(OPA.hi) << 32n) | BigInt(OPA.lo)) >> BigInt(16446 - OPA.exp));
  if (OPA.sign) n = -n;
  const frac = huge ? BF_ZERO : bfSub(x, bfInt(n));
  const p2 = bfScale(bfAdd(BF_ONE, expm1(bfMul(frac, BF_LN2))), n);
  finish(f, d, bfSub(p2, BF_ONE), env);
  return true;
}

/** Shared tail of FYL2X / FYL2XP1: d := y * L where L is finite non-zero. */
function mulByY(f: Uint32Array, d: number, ky: number, L: BF, env: FpuEnv): boolean {
  const lsign = L.m < 0n ? 1 : 0;
  if (ky === K_ZERO) {
    setSignedZero(f, d, OPB.sign ^ lsign);
    return true;
  }
  if (ky === K_INF) {
    setSignedInfinity(f, d, OPB.sign ^ lsign);
    return true;
  }
  finish(f, d, bfMul(bfFromParts(OPB.sign, OPB.exp, OPB.hi, OPB.lo), L), env);
  return true;
}

/** FYL2X: ST(d) := y * log2(x), x = slot a (ST0), y = slot b (ST1). */
export function f80Yl2x(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv): boolean {
  if (!unpack2(f, a, b)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const kx = OPA.kind;
  const ky = OPB.kind;
  // SDM FYL2X table.
  if (OPA.sign && kx !== K_ZERO) return invalidResult(f, d, env);
  // Hardware check: log of zero reports ZE without DE for a denormal y.
  if (kx !== K_ZERO && !denormalsAllowed(kx, ky, env)) return false;
  if (kx === K_ZERO) {
    // log2(0) = -inf: y * -inf; 0 * inf invalid, finite y divides by zero.
    if (ky === K_ZERO) return invalidResult(f, d, env);
    if (ky !== K_INF) {
      env.flags |= FLAG_ZE;
      if ((env.cw & FLAG_ZE) === 0) return false;
    }
    setSignedInfinity(f, d, OPB.sign ^ 1);
    return true;
  }
  if (kx === K_INF) {
    if (ky === K_ZERO) return invalidResult(f, d, env);
    setSignedInfinity(f, d, OPB.sign);
    return true;
  }
  let L = log2(bfFromParts(0, OPA.exp, OPA.hi, OPA.lo));
  // Hardware check: for x < 1 the internal log2 lies slightly toward zero
  // (log2(0.5) rounds to -0.99..9 under RC up/zero); mimic with a 2^-160 nudge.
  if (OPA.exp < 16383) L = bfSub(L, bfScale(L, -160));
  if (L.m === 0n) {
    // x == 1: log2 is +0; y * +0 (inf * 0 invalid).
    if (ky === K_INF) return invalidResult(f, d, env);
    setSignedZero(f, d, OPB.sign);
    return true;
  }
  return mulByY(f, d, ky, L, env);
}

/** FYL2XP1: ST(d) := y * log2(x + 1), x = slot a (ST0), y = slot b (ST1). */
export function f80Yl2xp1(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv): boolean {
  if (!unpack2(f, a, b)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const kx = OPA.kind;
  const ky = OPB.kind;
  // Outside the architectural domain x = +-inf behaves like FYL2X of x + 1
  // (hardware check: -inf reports IE without DE, +inf with DE).
  if (kx === K_INF && OPA.sign) return invalidResult(f, d, env);
  if (!denormalsAllowed(kx, ky, env)) return false;
  if (kx === K_INF) {
    if (ky === K_ZERO) return invalidResult(f, d, env);
    setSignedInfinity(f, d, OPB.sign);
    return true;
  }
  if (kx === K_ZERO) {
    // log2(1 + +-0) = +-0: y * +-0 (inf * 0 invalid).
    if (ky === K_INF) return invalidResult(f, d, env);
    setSignedZero(f, d, OPA.sign ^ OPB.sign);
    return true;
  }
  const x = bfFromParts(OPA.sign, OPA.exp, OPA.hi, OPA.lo);
  if (OPA.sign && bfCmpAbs(x, BF_ONE) >= 0) return invalidResult(f, d, env);
  // In the architectural domain |x| < 1 - sqrt(2)/2 use 2*atanh(x / (2 + x));
  // outside it (undefined on hardware) fall back to log2(1 + x).
  const L = OPA.exp < 16382 ? bfDiv(atanh2(bfDiv(x, bfAdd(bfInt(2), x))), BF_LN2) : log2(bfAdd(BF_ONE, x));
  if (L.m === 0n) {
    if (ky === K_INF) return invalidResult(f, d, env);
    setSignedZero(f, d, OPB.sign);
    return true;
  }
  return mulByY(f, d, ky, L, env);
}

/** Argument checks shared by FSIN/FCOS/FSINCOS/FPTAN. Returns -1 to proceed, else the return value. */
function trigPrologue(f: Uint32Array, d: number, a: number, k: number, env: FpuEnv): number {
  if (k >= K_QNAN) return nanResult1(f, d, a, k, env) ? 1 : 0;
  if (k === K_INF) return invalidResult(f, d, env) ? 1 : 0;
  if (k !== K_ZERO && OPA.exp >= 16383 + 63) {
    // SDM: |x| >= 2^63 -> C2 = 1, operand unchanged.
    env.flags |= FLAG_C2;
    return 2;
  }
  if (!denormalCheck(k, env)) return 0;
  return -1;
}

/**
 * FSIN: ST(d) := sin(a). Returns false when nothing was written (unmasked
 * exception, or C2 set for |a| >= 2^63: check env.flags & FLAG_C2).
 */
export function f80Sin(f: Uint32Array, d: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  const p = trigPrologue(f, d, a, k, env);
  if (p >= 0) return p === 1;
  if (k === K_ZERO) {
    setSignedZero(f, d, OPA.sign);
    return true;
  }
  finish(f, d, sinOf(OPA.sign), env);
  return true;
}

/** FCOS: ST(d) := cos(a). Same conventions as f80Sin. */
export function f80Cos(f: Uint32Array, d: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  const p = trigPrologue(f, d, a, k, env);
  if (p >= 0) return p === 1;
  if (k === K_ZERO) {
    setSignedOne(f, d, 0);
    return true;
  }
  finish(f, d, cosOf(), env);
  return true;
}

/**
 * FSINCOS: slot dSin := sin(a), slot dCos := cos(a) (the caller then has
 * ST(1) = sin, ST(0) = cos after its push). Same conventions as f80Sin;
 * `a` may alias dSin.
 */
export function f80SinCos(f: Uint32Array, dSin: number, dCos: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  if (k >= K_QNAN) {
    if (!nanResult1(f, dCos, a, k, env)) return false;
    nanResult1(f, dSin, a, k, env);
    return true;
  }
  if (k === K_INF) {
    if (!invalidResult(f, dCos, env)) return false;
    invalidResult(f, dSin, env);
    return true;
  }
  const p = trigPrologue(f, dSin, a, k, env);
  if (p >= 0) return p === 1;
  if (k === K_ZERO) {
    setSignedZero(f, dSin, OPA.sign);
    setSignedOne(f, dCos, 0);
    return true;
  }
  const sign = OPA.sign;
  const c = cosOf();
  const s = sinOf(sign);
  finish(f, dCos, c, env);
  finish(f, dSin, s, env);
  return true;
}

/**
 * FPTAN: slot dTan := tan(a) and slot dOne := the value the instruction
 * pushes: 1.0, or (hardware check) a copy of the NaN result when the
 * operand was a NaN / invalid. Returns false when nothing was written
 * (unmasked exception, or C2 set for |a| >= 2^63: then nothing is pushed).
 * `a` may alias dTan.
 */
export function f80Tan(f: Uint32Array, dTan: number, dOne: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  const p = trigPrologue(f, dTan, a, k, env);
  if (p === 1) {
    copyF80(f, dOne, dTan); // NaN result pushed twice
    return true;
  }
  if (p >= 0) return false;
  if (k === K_ZERO) setSignedZero(f, dTan, OPA.sign);
  else {
    const sign = OPA.sign;
    const r = reduce();
    const s = sinKernel(r);
    const c = cosKernel(r);
    let t = (redQ & 1) !== 0 ? bfNeg(bfDiv(c, s)) : bfDiv(s, c);
    if (sign) t = bfNeg(t);
    finish(f, dTan, t, env);
  }
  setSignedOne(f, dOne, 0);
  return true;
}

function sinOf(sign: number): BF {
  const r = reduce();
  let v: BF;
  switch (redQ) {
    case 0: v = sinKernel(r); break;
    case 1: v = cosKernel(r); break;
    case 2: v = bfNeg(sinKernel(r)); break;
    default: v = bfNeg(cosKernel(r));
  }
  return sign ? bfNeg(v) : v;
}

function cosOf(): BF {
  const r = reduce();
  switch (redQ) {
    case 0: return cosKernel(r);
    case 1: return bfNeg(sinKernel(r));
    case 2: return bfNeg(cosKernel(r));
    default: return sinKernel(r);
  }
}

/** FPATAN: ST(d) := atan2(y, x) with y = slot b (ST1), x = slot a (ST0). */
export function f80Atan2(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv): boolean {
  if (!unpack2(f, a, b)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const kx = OPA.kind;
  const ky = OPB.kind;
  if (!denormalsAllowed(kx, ky, env)) return false;
  const sy = OPB.sign;
  const sx = OPA.sign;
  const halfPi = bfScale(BF_PI, -1);
  let v: BF;
  // SDM FPATAN table for zeros and infinities.
  if (ky === K_ZERO) {
    if (!sx) {
      setSignedZero(f, d, sy);
      return true;
    }
    v = BF_PI;
  } else if (ky === K_INF) {
    if (kx === K_INF) v = sx ? bfMul(BF_PI, bf(3n, -2)) : bfScale(BF_PI, -2);
    else v = halfPi;
  } else if (kx === K_INF) {
    if (!sx) {
      setSignedZero(f, d, sy);
      return true;
    }
    v = BF_PI;
  } else if (kx === K_ZERO) {
    v = halfPi;
  } else {
    const y = bfFromParts(0, OPB.exp, OPB.hi, OPB.lo);
    const x = bfFromParts(0, OPA.exp, OPA.hi, OPA.lo);
    v = atan(bfDiv(y, x));
    if (sx) v = bfSub(BF_PI, v);
  }
  finish(f, d, sy ? bfNeg(v) : v, env);
  return true;
}
