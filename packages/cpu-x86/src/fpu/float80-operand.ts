/**
 * Operand unpacking and the x87 NaN / invalid-operand responses shared by
 * all arithmetic operations.
 */
import * as $float80_classify from './float80-classify.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { classifyParts, K_DENORMAL, K_NORMAL, K_QNAN, K_SNAN, K_UNSUPPORTED } = $float80_classify;
const { FLAG_DE, FLAG_IE } = $fpu_env;

/** An unpacked operand: finite non-zero values are normalized (hi bit 31 set). */
export interface Operand {
  kind: number;
  sign: number;
  /** Biased exponent; below 1 for normalized denormals. */
  exp: number;
  hi: number;
  lo: number;
}

function mk(): Operand {
  return { kind: 0, sign: 0, exp: 0, hi: 0, lo: 0 };
}

/** Scratch operands (operations are not reentrant). */
export const OPA: Operand = mk();
export const OPB: Operand = mk();

/**
 * Unpack slot `s` of `f` into `op` and return its class (K_*). Denormals and
 * pseudo-denormals are normalized: SDM Vol.1 8.2.2, a pseudo-denormal has the
 * same value as the denormal reading of its bits (exponent 0 means 2^-16382).
 */
export function unpack(op: Operand, f: Uint32Array, s: number): number {
  const o = s << 2;
  const lo = f[o]!;
  const hi = f[o + 1]!;
  const se = f[o + 2]!;
  const k = classifyParts(se, hi, lo);
  op.kind = k;
  op.sign = (se >>> 15) & 1;
  op.exp = se & 0x7fff;
  op.hi = hi;
  op.lo = lo;
  if (k === K_DENORMAL) normalizeOperand(op, 1);
  return k;
}

/** Normalize a non-zero significand whose value uses exponent `e`. */
export function normalizeOperand(op: Operand, e: number): void {
  let hi = op.hi;
  let lo = op.lo;
  if (hi === 0) {
    hi = lo;
    lo = 0;
    e -= 32;
  }
  const s = Math.clz32(hi);
  if (s > 0) {
    hi = ((hi << s) | (lo >>> (32 - s))) >>> 0;
    lo = (lo << s) >>> 0;
    e -= s;
  }
  op.hi = hi;
  op.lo = lo;
  op.exp = e;
}

/** Write the default QNaN "real indefinite" (SDM Vol.1 4.8.3.7): sign 1, exp 7FFFh, C000000000000000h. */
export function writeIndefinite(f: Uint32Array, d: number): void {
  const o = d << 2;
  f[o] = 0;
  f[o + 1] = 0xc0000000;
  f[o + 2] = 0xffff;
}

/**
 * Invalid-operation response: raise IE; when masked store the indefinite.
 * Returns whether a result was written.
 */
export function invalidResult(f: Uint32Array, d: number, env: FpuEnv): boolean {
  env.flags |= FLAG_IE;
  if ((env.cw & FLAG_IE) === 0) return false;
  writeIndefinite(f, d);
  return true;
}

/**
 * Copy slot `s` to `d` as an unchanged result; a pseudo-denormal is
 * re-encoded with exponent 1 (same value), as the hardware does.
 */
export function copyCanonical(f: Uint32Array, d: number, s: number): void {
  const os = s << 2;
  const od = d << 2;
  const se = f[os + 2]!;
  const hi = f[os + 1]!;
  f[od] = f[os]!;
  f[od + 1] = hi;
  f[od + 2] = (se & 0x7fff) === 0 && (hi & 0x80000000) !== 0 ? se | 1 : se;
}

/** Copy operand slot `s` to `d` as a quiet NaN (sets significand bit 62). */
function writeQuieted(f: Uint32Array, d: number, s: number): void {
  const os = s << 2;
  const od = d << 2;
  f[od] = f[os]!;
  f[od + 1] = (f[os + 1]! | 0x40000000) >>> 0;
  f[od + 2] = f[os + 2]!;
}

/**
 * NaN / unsupported-operand handling for a one-operand instruction whose
 * operand has class k (>= K_QNAN). Returns whether a result was written.
 */
export function nanResult1(f: Uint32Array, d: number, a: number, k: number, env: FpuEnv): boolean {
  if (k === K_UNSUPPORTED) return invalidResult(f, d, env);
  if (k === K_SNAN) {
    env.flags |= FLAG_IE;
    if ((env.cw & FLAG_IE) === 0) return false;
  }
  writeQuieted(f, d, a);
  return true;
}

/**
 * NaN / unsupported-operand handling for a two-operand instruction where at
 * least one class is >= K_QNAN. SDM Vol.1 Table 4-7 (x87 column): an SNaN is
 * quieted and raises IE; of two NaNs the one with the larger significand is
 * delivered. Returns whether a result was written.
 */
export function nanResult2(f: Uint32Array, d: number, a: number, ka: number, b: number, kb: number, env: FpuEnv): boolean {
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) return invalidResult(f, d, env);
  if (ka === K_SNAN || kb === K_SNAN) {
    env.flags |= FLAG_IE;
    if ((env.cw & FLAG_IE) === 0) return false;
  }
  // Hardware check: a NaN operand suppresses DE for a denormal partner.
  let pick = a;
  if (kb >= K_QNAN) {
    if (ka < K_QNAN) pick = b;
    else if (ka !== kb) pick = ka === K_QNAN ? a : b; // SNaN and QNaN: the QNaN
    else {
      // Same kind: larger significand; on a tie the positive one (hardware check).
      const oa = a << 2;
      const ob = b << 2;
      const ha = f[oa + 1]!;
      const hb = f[ob + 1]!;
      const la = f[oa]!;
      const lb = f[ob]!;
      if (hb > ha || (hb === ha && lb > la)) pick = b;
      else if (hb === ha && lb === la && (f[ob + 2]! & 0x8000) === 0) pick = b;
    }
  }
  writeQuieted(f, d, pick);
  return true;
}

/**
 * Unpack the operands a, b of a two-operand instruction into OPA/OPB (classes
 * in OPA.kind, OPB.kind). Returns false when either is a NaN or unsupported
 * (answer with nanResult2). Otherwise `memDenormal` bit 0 / bit 1 marks a / b
 * as widened from a denormal m32/m64 memory operand (f80WidenF32/F64): its
 * class becomes K_DENORMAL so DE is reported.
 */
export function unpack2(f: Uint32Array, a: number, b: number, memDenormal = 0): boolean {
  const ka = unpack(OPA, f, a);
  const kb = unpack(OPB, f, b);
  if (ka >= K_QNAN || kb >= K_QNAN) return false;
  if (memDenormal & 1) OPA.kind = K_DENORMAL;
  if (memDenormal & 2) OPB.kind = K_DENORMAL;
  return true;
}

/**
 * DE for a denormal operand among classes ka, kb (SDM Vol.1 4.9.1.2).
 * Returns false when DE is unmasked: the operation is suppressed.
 */
export function denormalsAllowed(ka: number, kb: number, env: FpuEnv): boolean {
  if (ka !== K_DENORMAL && kb !== K_DENORMAL) return true;
  env.flags |= FLAG_DE;
  return (env.cw & FLAG_DE) !== 0;
}

/** True when the class is a finite non-zero value. */
export function isFiniteNonZero(k: number): boolean {
  return k === K_NORMAL || k === K_DENORMAL;
}
