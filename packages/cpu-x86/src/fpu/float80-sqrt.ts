/**
 * FSQRT on extended values (SDM Vol.2 FSQRT). The root is computed exactly
 * to 96 bits (restoring digit-by-digit method) with a sticky bit from the
 * remainder. Precision control applies.
 */
import { K_DENORMAL, K_INF, K_QNAN, K_ZERO } from './float80-classify.js';
import { invalidResult, nanResult1, OPA, unpack } from './float80-operand.js';
import { roundToReg, W, wShiftRight } from './float80-round.js';
import { cwPrecision, cwRc, FLAG_DE, FpuEnv } from './fpu-env.js';

// 4-word little-endian multiword scratch: remainder and root.
const R = new Uint32Array(4);
const S = new Uint32Array(4);
const T = new Uint32Array(4);

/** x := x << n (n = 1 or 2) with `bits` shifted in at the bottom. */
function shl(x: Uint32Array, n: number, bits: number): void {
  for (let i = 3; i > 0; i--) x[i] = (x[i]! << n) | (x[i - 1]! >>> (32 - n));
  x[0] = (x[0]! << n) | bits;
}

/**
 * floor(sqrt(sig * 2^sh)) for sh = 128 or 129, into W (hi:lo:ext top 96 bits
 * of the root, sticky = inexact), returning the root's bit length (96 or 97).
 */
function sqrtSignificand(hi: number, lo: number, sh: number): number {
  R.fill(0);
  S.fill(0);
  // N = sig << sh has bits up to 63 + sh; process bit pairs from the top.
  const topPair = (63 + sh) >> 1;
  for (let p = topPair; p >= 0; p--) {
    let two = 0;
    for (let k = 1; k >= 0; k--) {
      const j = 2 * p + k - sh; // bit of sig
      let bit = 0;
      if (j >= 32 && j < 64) bit = (hi >>> (j - 32)) & 1;
      else if (j >= 0 && j < 32) bit = (lo >>> j) & 1;
      two = (two << 1) | bit;
    }
    shl(R, 2, two);
    // trial = root*4 + 1
    T.set(S);
    shl(T, 2, 1);
    shl(S, 1, 0);
    let ge = true;
    for (let i = 3; i >= 0; i--) {
      if (R[i]! !== T[i]!) {
        ge = R[i]! > T[i]!;
        break;
      }
    }
    if (ge) {
      let borrow = 0;
      for (let i = 0; i < 4; i++) {
        const t = R[i]! - T[i]! - borrow;
        borrow = t < 0 ? 1 : 0;
        R[i] = t;
      }
      S[0] = S[0]! | 1;
    }
  }
  const sticky = (R[0]! | R[1]! | R[2]! | R[3]!) !== 0 ? 1 : 0;
  W.hi = S[2]!;
  W.lo = S[1]!;
  W.ext = S[0]!;
  W.sticky = sticky;
  if (S[3]! !== 0) {
    wShiftRight(1);
    W.hi = (W.hi | 0x80000000) >>> 0;
    return 97;
  }
  return 96;
}

/** ST(d) := sqrt(a). Returns false when an unmasked exception suppressed the result. */
export function f80Sqrt(f: Uint32Array, d: number, a: number, env: FpuEnv): boolean {
  const ka = unpack(OPA, f, a);
  if (ka >= K_QNAN) return nanResult1(f, d, a, ka, env);
  const cw = env.cw;
  const o = d << 2;
  if (ka === K_ZERO) {
    // SDM Vol.2 FSQRT: sqrt(-0) = -0.
    f[o] = 0;
    f[o + 1] = 0;
    f[o + 2] = OPA.sign << 15;
    return true;
  }
  if (OPA.sign !== 0) return invalidResult(f, d, env);
  if (ka === K_INF) {
    f[o] = 0;
    f[o + 1] = 0x80000000;
    f[o + 2] = 0x7fff;
    return true;
  }
  if (ka === K_DENORMAL) {
    env.flags |= FLAG_DE;
    if ((cw & FLAG_DE) === 0) return false;
  }
  // value = sig * 2^F with F = exp - 16446; sqrt = sqrt(sig * 2^(128 or 129)) * 2^((F - 0|1)/2 - 64).
  const F = OPA.exp - 16446;
  const odd = F & 1;
  W.sign = 0;
  sqrtSignificand(OPA.hi, OPA.lo, odd ? 129 : 128);
  W.exp = odd ? (F - 1) / 2 + 16415 : F / 2 + 16414;
  roundToReg(f, d, cwPrecision(cw), cwRc(cw), env);
  return true;
}
