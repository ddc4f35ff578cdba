/**
 * Minimal binary big-float (value = m * 2^e, m a BigInt kept to P bits) used
 * only by the transcendental instructions, which are not bit-exact anyway
 * and are rare enough that BigInt cost is acceptable. Results are
 * truncated to P = 192 bits (~58 decimal digits) after every operation.
 */
import * as $float80_round from './float80-round.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { W } = $float80_round;

export const P = 192;
const PB = BigInt(P);

export interface BF {
  m: bigint;
  e: number;
}

export const BF_ZERO: BF = { m: 0n, e: 0 };

export function bitLength(x: bigint): number {
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  const d = Number(x);
  if (d < 2 ** 1000) {
    // Estimate from the double (may be off by one after rounding), then fix.
    let l = Math.floor(Math.log2(d)) + 1;
    if (x >> BigInt(l) !== 0n) l += 1;
    else if (x >> BigInt(l - 1) === 0n) l -= 1;
    return l;
  }
  const s = x.toString(16);
  return (s.length - 1) * 4 + (32 - Math.clz32(parseInt(s[0]!, 16)));
}

/** Normalize to exactly P significant bits (truncating toward zero). */
export function bf(m: bigint, e: number): BF {
  if (m === 0n) return BF_ZERO;
  const l = bitLength(m);
  if (l > P) {
    const s = BigInt(l - P);
    return { m: m < 0n ? -(-m >> s) : m >> s, e: e + l - P };
  }
  return { m: m << BigInt(P - l), e: e - (P - l) };
}

export function bfInt(n: number): BF {
  return bf(BigInt(n), 0);
}

/** From an unpacked extended operand (normalized exponent, 64-bit significand). */
export function bfFromParts(sign: number, exp: number, hi: number, lo: number): BF {
  const m = (BigInt(hi) << 32n) | BigInt(lo);
  return bf(sign ? -m : m, exp - 16446);
}

export function bfNeg(a: BF): BF {
  return { m: -a.m, e: a.e };
}

export function bfAdd(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  if (a.e < b.e) {
    const t = a;
    a = b;
    b = t;
  }
  const d = a.e - b.e;
  if (d > P + 8) return a;
  return bf((a.m << BigInt(d)) + b.m, b.e);
}

export function bfSub(a: BF, b: BF): BF {
  return bfAdd(a, bfNeg(b));
}

export function bfMul(a: BF, b: BF): BF {
  return bf(a.m * b.m, a.e + b.e);
}

export function bfDiv(a: BF, b: BF): BF {
  return bf((a.m << (PB + 2n)) / b.m, a.e - b.e - P - 2);
}

/** a / n for a small positive integer n (cheaper than bfDiv). */
export function bfDivInt(a: BF, n: number): BF {
  return bf((a.m << 64n) / BigInt(n), a.e - 64);
}

/** Multiply by 2^k. */
export function bfScale(a: BF, k: number): BF {
  return a.m === 0n ? a : { m: a.m, e: a.e + k };
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function bfSqrt(a: BF): BF {
  if (a.m <= 0n) return BF_ZERO;
  const adj = (a.e - P) & 1;
  return bf(isqrt(a.m << BigInt(P + adj)), (a.e - P - adj) / 2);
}

export function bfCmpAbs(a: BF, b: BF): number {
  if (a.m === 0n || b.m === 0n) return a.m === 0n ? (b.m === 0n ? 0 : -1) : 1;
  if (a.e !== b.e) return a.e > b.e ? 1 : -1;
  const x = a.m < 0n ? -a.m : a.m;
  const y = b.m < 0n ? -b.m : b.m;
  return x === y ? 0 : x > y ? 1 : -1;
}

/** True when `term` no longer affects `sum` at P bits. */
export function bfNegligible(term: BF, sum: BF): boolean {
  return term.m === 0n || (sum.m !== 0n && term.e < sum.e - P - 2);
}

/**
 * Load a non-zero BF into the rounding accumulator W (top 96 bits + sticky).
 * Callers then round with roundToReg.
 */
export function bfToW(a: BF): void {
  let m = a.m;
  W.sign = m < 0n ? 1 : 0;
  if (m < 0n) m = -m;
  const l = bitLength(m);
  let top: bigint;
  let sticky = 0;
  if (l > 96) {
    top = m >> BigInt(l - 96);
    sticky = (m & ((1n << BigInt(l - 96)) - 1n)) !== 0n ? 1 : 0;
  } else top = m << BigInt(96 - l);
  W.hi = Number(top >> 64n);
  W.lo = Number((top >> 32n) & 0xffffffffn);
  W.ext = Number(top & 0xffffffffn);
  W.sticky = sticky;
  W.exp = a.e + l - 1 + 16383;
}

// ln 2 * 2^256 and pi * 2^254 (truncated).
export const BF_LN2 = bf(0xb17217f7d1cf79abc9e3b39803f2f6af40f343267298b62d8a0d175b8baafa2bn, -256);
export const BF_PI = bf(0xc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22n, -254);
export const BF_ONE = bfInt(1);
