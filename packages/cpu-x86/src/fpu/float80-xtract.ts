/**
 * FXTRACT (SDM Vol.2 FXTRACT): split ST(0) into its unbiased exponent
 * (as a float, goes to ST(1) after the push) and its significand with
 * exponent 0 (3FFFh, goes to ST(0)).
 */
import { K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO } from './float80-classify.js';
import { f80FromInt32 } from './float80-convert-int.js';
import { OPA, unpack, writeIndefinite } from './float80-operand.js';
import { FLAG_DE, FLAG_IE, FLAG_ZE, FpuEnv } from './fpu-env.js';

/**
 * Slot dSig := significand(a), slot dExp := exponent(a). `a` may alias
 * dSig or dExp. Returns false when an unmasked exception suppressed the
 * results.
 */
export function f80Extract(f: Uint32Array, dSig: number, dExp: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  const os = dSig << 2;
  const oe = dExp << 2;
  if (k >= K_QNAN) {
    if (k === K_SNAN || k === K_UNSUPPORTED) {
      env.flags |= FLAG_IE;
      if ((env.cw & FLAG_IE) === 0) return false;
    }
    if (k === K_UNSUPPORTED) {
      writeIndefinite(f, dSig);
      writeIndefinite(f, dExp);
      return true;
    }
    const hi = (OPA.hi | 0x40000000) >>> 0;
    const se = (OPA.sign << 15) | 0x7fff;
    f[os] = OPA.lo;
    f[os + 1] = hi;
    f[os + 2] = se;
    f[oe] = OPA.lo;
    f[oe + 1] = hi;
    f[oe + 2] = se;
    return true;
  }
  if (k === K_ZERO) {
    // Masked #Z: exponent -inf, significand = the signed zero.
    env.flags |= FLAG_ZE;
    if ((env.cw & FLAG_ZE) === 0) return false;
    const sign = OPA.sign;
    f[oe] = 0;
    f[oe + 1] = 0x80000000;
    f[oe + 2] = 0xffff;
    f[os] = 0;
    f[os + 1] = 0;
    f[os + 2] = sign << 15;
    return true;
  }
  if (k === K_INF) {
    const sign = OPA.sign;
    f[oe] = 0;
    f[oe + 1] = 0x80000000;
    f[oe + 2] = 0x7fff;
    f[os] = 0;
    f[os + 1] = 0x80000000;
    f[os + 2] = (sign << 15) | 0x7fff;
    return true;
  }
  if (k === K_DENORMAL) {
    env.flags |= FLAG_DE;
    if ((env.cw & FLAG_DE) === 0) return false;
  }
  const sign = OPA.sign;
  const hi = OPA.hi;
  const lo = OPA.lo;
  f80FromInt32(f, dExp, OPA.exp - 16383);
  f[os] = lo;
  f[os + 1] = hi;
  f[os + 2] = (sign << 15) | 0x3fff;
  return true;
}
