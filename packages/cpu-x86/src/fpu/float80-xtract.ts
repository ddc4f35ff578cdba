/**
 * FXTRACT (SDM Vol.2 FXTRACT): split ST(0) into its unbiased exponent
 * (as a float, goes to ST(1) after the push) and its significand with
 * exponent 0 (3FFFh, goes to ST(0)).
 */
import * as $float80_classify from './float80-classify.js';
import * as $float80_convert_int from './float80-convert-int.js';
import * as $float80_operand from './float80-operand.js';
import * as $float80_regs from './float80-regs.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO } = $float80_classify;
const { f80FromInt32 } = $float80_convert_int;
const { OPA, unpack, writeIndefinite } = $float80_operand;
const { setF80, setSignedInfinity, setSignedZero } = $float80_regs;
const { FLAG_DE, FLAG_IE, FLAG_ZE } = $fpu_env;

/**
 * Slot dSig := significand(a), slot dExp := exponent(a). `a` may alias
 * dSig or dExp. Returns false when an unmasked exception suppressed the
 * results.
 */
export function f80Extract(f: Uint32Array, dSig: number, dExp: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  const sign = OPA.sign;
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
    // Both results are the quieted NaN.
    const hi = (OPA.hi | 0x40000000) >>> 0;
    setF80(f, dSig, (sign << 15) | 0x7fff, hi, OPA.lo);
    setF80(f, dExp, (sign << 15) | 0x7fff, hi, OPA.lo);
    return true;
  }
  if (k === K_ZERO) {
    // Masked #Z: exponent -inf, significand = the signed zero.
    env.flags |= FLAG_ZE;
    if ((env.cw & FLAG_ZE) === 0) return false;
    setSignedInfinity(f, dExp, 1);
    setSignedZero(f, dSig, sign);
    return true;
  }
  if (k === K_INF) {
    setSignedInfinity(f, dExp, 0);
    setSignedInfinity(f, dSig, sign);
    return true;
  }
  if (k === K_DENORMAL) {
    env.flags |= FLAG_DE;
    if ((env.cw & FLAG_DE) === 0) return false;
  }
  const hi = OPA.hi;
  const lo = OPA.lo;
  f80FromInt32(f, dExp, OPA.exp - 16383);
  setF80(f, dSig, (sign << 15) | 0x3fff, hi, lo);
  return true;
}
