/**
 * Conversions between extended and the IEEE single/double memory formats
 * (FLD m32/m64, FST/FSTP m32/m64). Loads are exact; stores round with RC
 * (precision control does not apply, SDM Vol.1 8.1.5.2).
 */
import * as $float80_classify from './float80-classify.js';
import * as $float80_operand from './float80-operand.js';
import * as $float80_round from './float80-round.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO } = $float80_classify;
const { normalizeOperand, OPA, unpack } = $float80_operand;
const { F32_EMAX, F32_EMIN, F64_EMAX, F64_EMIN, loadW, roundPack, RP_INF, RP_NONE, W } = $float80_round;
const { cwRc, FLAG_DE, FLAG_IE } = $fpu_env;

function put(f: Uint32Array, d: number, sign: number, exp: number, hi: number, lo: number): void {
  const o = d << 2;
  f[o] = lo >>> 0;
  f[o + 1] = hi >>> 0;
  f[o + 2] = (sign << 15) | exp;
}

/** WIDEN_* results: what the memory operand was. */
export const WIDEN_PLAIN = 0;
export const WIDEN_DENORMAL = 1;
export const WIDEN_SNAN = 2;

/**
 * Exact widening of an IEEE single to slot d with no exceptions: an SNaN
 * stays signaling, a denormal becomes a normalized extended value. Returns
 * WIDEN_DENORMAL / WIDEN_SNAN / WIDEN_PLAIN. Arithmetic with an m32 operand
 * (FADD m32 ...) uses this and passes WIDEN_DENORMAL on to the operation
 * (its `memDenormal` argument) so DE is reported with the usual priorities.
 */
export function f80WidenF32(f: Uint32Array, d: number, bits: number): number {
  const sign = bits >>> 31;
  const e = (bits >>> 23) & 0xff;
  const m = bits & 0x7fffff;
  if (e === 0xff) {
    put(f, d, sign, 0x7fff, 0x80000000 | (m << 8), 0);
    return m !== 0 && (m & 0x400000) === 0 ? WIDEN_SNAN : WIDEN_PLAIN;
  }
  if (e === 0) {
    if (m === 0) {
      put(f, d, sign, 0, 0, 0);
      return WIDEN_PLAIN;
    }
    // value = m * 2^-149: normalize from exponent 2^-126 (biased 16383 - 126).
    OPA.hi = m << 8;
    OPA.lo = 0;
    normalizeOperand(OPA, 16383 - 126);
    put(f, d, sign, OPA.exp, OPA.hi, OPA.lo);
    return WIDEN_DENORMAL;
  }
  put(f, d, sign, e - 127 + 16383, 0x80000000 | (m << 8), 0);
  return WIDEN_PLAIN;
}

/** Exact widening of an IEEE double (high, low words); see f80WidenF32. */
export function f80WidenF64(f: Uint32Array, d: number, hi32: number, lo32: number): number {
  const sign = hi32 >>> 31;
  const e = (hi32 >>> 20) & 0x7ff;
  const mh = hi32 & 0xfffff;
  const sh = ((mh << 11) | (lo32 >>> 21)) >>> 0;
  const sl = (lo32 << 11) >>> 0;
  if (e === 0x7ff) {
    put(f, d, sign, 0x7fff, 0x80000000 | sh, sl);
    return (mh | lo32) !== 0 && (mh & 0x80000) === 0 ? WIDEN_SNAN : WIDEN_PLAIN;
  }
  if (e === 0) {
    if ((mh | lo32) === 0) {
      put(f, d, sign, 0, 0, 0);
      return WIDEN_PLAIN;
    }
    OPA.hi = sh;
    OPA.lo = sl;
    normalizeOperand(OPA, 16383 - 1022);
    put(f, d, sign, OPA.exp, OPA.hi, OPA.lo);
    return WIDEN_DENORMAL;
  }
  put(f, d, sign, e - 1023 + 16383, 0x80000000 | sh, sl);
  return WIDEN_PLAIN;
}

/** FLD semantics on a widened value: SNaN -> IE and quieted, denormal -> DE. */
function loadResponse(f: Uint32Array, d: number, w: number, env: FpuEnv): boolean {
  if (w === WIDEN_SNAN) {
    env.flags |= FLAG_IE;
    if ((env.cw & FLAG_IE) === 0) return false;
    f[(d << 2) + 1] = (f[(d << 2) + 1]! | 0x40000000) >>> 0;
  } else if (w === WIDEN_DENORMAL) env.flags |= FLAG_DE;
  return true;
}

/**
 * FLD m32: load IEEE single `bits`. SNaN raises IE and is quieted (nothing is
 * loaded when IE is unmasked); a denormal raises DE but is still loaded
 * (both checked against hardware). Returns whether the slot was written.
 */
export function f80FromF32(f: Uint32Array, d: number, bits: number, env: FpuEnv): boolean {
  if ((bits & 0x7fc00000) === 0x7f800000 && (bits & 0x3fffff) !== 0 && (env.cw & FLAG_IE) === 0) {
    env.flags |= FLAG_IE; // unmasked SNaN: destination untouched
    return false;
  }
  return loadResponse(f, d, f80WidenF32(f, d, bits), env);
}

/** FLD m64: load IEEE double given as its high and low 32-bit words. Same rules as f80FromF32. */
export function f80FromF64(f: Uint32Array, d: number, hi32: number, lo32: number, env: FpuEnv): boolean {
  if ((hi32 & 0x7ff80000) === 0x7ff00000 && ((hi32 & 0x7ffff) | lo32) !== 0 && (env.cw & FLAG_IE) === 0) {
    env.flags |= FLAG_IE;
    return false;
  }
  return loadResponse(f, d, f80WidenF64(f, d, hi32, lo32), env);
}

/** FLD m64 from a JS number (convenience; goes through the raw bits). */
const f64View = new Float64Array(1);
const u32View = new Uint32Array(f64View.buffer);
export function f80FromNumber(f: Uint32Array, d: number, x: number, env: FpuEnv): boolean {
  f64View[0] = x;
  return f80FromF64(f, d, u32View[1]!, u32View[0]!, env);
}

/**
 * Shared front half of FST m32/m64: handles specials and leaves finite
 * non-zero values in W. Returns 0 = W holds a finite value to round,
 * 1 = NaN/inf/zero (sign, exp 7FFF/0, hi:lo significand in W), 2 = masked
 * invalid (store indefinite), 3 = nothing to store (unmasked IE).
 */
function storePrologue(f: Uint32Array, s: number, env: FpuEnv): number {
  const k = unpack(OPA, f, s);
  loadW(OPA, OPA.sign);
  if (k === K_UNSUPPORTED || k === K_SNAN) {
    env.flags |= FLAG_IE;
    if ((env.cw & FLAG_IE) === 0) return 3;
    if (k === K_UNSUPPORTED) return 2;
    W.hi = (W.hi | 0x40000000) >>> 0;
    return 1;
  }
  if (k === K_QNAN || k === K_INF || k === K_ZERO) return 1;
  // Hardware check: an extended denormal source raises no DE on FST m32/m64.
  return 0;
}

/**
 * FST m32: returns the single-precision bits, or -1 when nothing may be
 * stored (unmasked IE, or unmasked OE/UE: SDM Vol.1 4.9.1.4-5 memory
 * destinations are left unchanged).
 */
export function f80ToF32(f: Uint32Array, s: number, env: FpuEnv): number {
  const p = storePrologue(f, s, env);
  if (p === 3) return -1;
  if (p === 2) return 0xffc00000;
  const sign = W.sign << 31;
  if (p === 1) {
    if (W.exp === 0) return sign >>> 0;
    return (sign | 0x7f800000 | ((W.hi >>> 8) & 0x7fffff)) >>> 0;
  }
  const r = roundPack(24, F32_EMIN, F32_EMAX, cwRc(env.cw), env, false);
  if (r === RP_NONE) return -1;
  if (r === RP_INF) return (sign | 0x7f800000) >>> 0;
  const be = (W.hi & 0x80000000) !== 0 ? W.exp - 16383 + 127 : 0;
  return (sign | (be << 23) | ((W.hi >>> 8) & 0x7fffff)) >>> 0;
}

/**
 * FST m64: writes the double's low word to out[i] and high word to
 * out[i + 1]; returns false when nothing may be stored (see f80ToF32).
 */
export function f80ToF64(f: Uint32Array, s: number, env: FpuEnv, out: Uint32Array, i: number): boolean {
  const p = storePrologue(f, s, env);
  if (p === 3) return false;
  if (p === 2) {
    out[i] = 0;
    out[i + 1] = 0xfff80000;
    return true;
  }
  const sign = W.sign << 31;
  if (p === 1) {
    if (W.exp === 0) {
      out[i] = 0;
      out[i + 1] = sign;
      return true;
    }
    out[i] = ((W.hi << 21) | (W.lo >>> 11)) >>> 0;
    out[i + 1] = (sign | 0x7ff00000 | ((W.hi >>> 11) & 0xfffff)) >>> 0;
    return true;
  }
  const r = roundPack(53, F64_EMIN, F64_EMAX, cwRc(env.cw), env, false);
  if (r === RP_NONE) return false;
  if (r === RP_INF) {
    out[i] = 0;
    out[i + 1] = (sign | 0x7ff00000) >>> 0;
    return true;
  }
  const be = (W.hi & 0x80000000) !== 0 ? W.exp - 16383 + 1023 : 0;
  out[i] = ((W.hi << 21) | (W.lo >>> 11)) >>> 0;
  out[i + 1] = (sign | (be << 20) | ((W.hi >>> 11) & 0xfffff)) >>> 0;
  return true;
}

/** FST m64 to a JS number (convenience); NaN payloads survive in the bits only. */
export function f80ToNumber(f: Uint32Array, s: number, env: FpuEnv): number {
  if (!f80ToF64(f, s, env, u32View, 0)) return NaN;
  return f64View[0]!;
}
