/**
 * Conversions between extended and two's-complement integers
 * (FILD m16/m32/m64, FIST/FISTP m16/m32/m64). Loads are exact and raise
 * nothing; stores round with RC (SDM Vol.2 FIST) and report IE with the
 * "integer indefinite" (most negative value) when out of range or NaN.
 */
import * as $float80_classify from './float80-classify.js';
import * as $float80_operand from './float80-operand.js';
import { Operand } from './float80-operand.js';
import * as $float80_regs from './float80-regs.js';
import * as $float80_round from './float80-round.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { K_INF, K_QNAN, K_ZERO } = $float80_classify;
const { normalizeOperand, OPA, unpack } = $float80_operand;
const { setF80, setSignedZero } = $float80_regs;
const { raisePrecision, roundOperandToInteger, W } = $float80_round;
const { cwRc, FLAG_IE } = $fpu_env;

/** Scratch for f80FromMagnitude (OPA may hold the caller's operand). */
const MAG: Operand = { kind: 0, sign: 0, exp: 0, hi: 0, lo: 0 };

/**
 * Slot d := (-1)^sign * hi:lo, a 64-bit integer magnitude (exact: 64 bits
 * fit the significand). A zero magnitude gives a zero of that sign.
 */
export function f80FromMagnitude(f: Uint32Array, d: number, sign: number, hi: number, lo: number): void {
  if (hi === 0 && lo === 0) {
    setSignedZero(f, d, sign);
    return;
  }
  MAG.hi = hi;
  MAG.lo = lo;
  normalizeOperand(MAG, 16446); // 16383 + 63: hi:lo read as an integer
  setF80(f, d, (sign << 15) | MAG.exp, MAG.hi, MAG.lo);
}

/** FILD m16/m32: load a signed integer given as a JS number (int32 range). */
export function f80FromInt32(f: Uint32Array, d: number, v: number): void {
  v |= 0;
  if (v < 0) f80FromMagnitude(f, d, 1, 0, -v >>> 0);
  else f80FromMagnitude(f, d, 0, 0, v); // FILD of 0 gives +0
}

/** FILD m64: load a signed 64-bit integer given as two's-complement halves. */
export function f80FromInt64(f: Uint32Array, d: number, hi32: number, lo32: number): void {
  hi32 >>>= 0;
  lo32 >>>= 0;
  if (hi32 & 0x80000000) {
    // Negate: ~x + 1.
    lo32 = (~lo32 + 1) >>> 0;
    hi32 = (~hi32 + (lo32 === 0 ? 1 : 0)) >>> 0;
    f80FromMagnitude(f, d, 1, hi32, lo32);
  } else f80FromMagnitude(f, d, 0, hi32, lo32);
}

/** Result of the last f80ToInt: low and high 32 bits of the two's-complement value. */
export const INT_OUT = new Uint32Array(2);

/**
 * FIST/FISTP: convert slot s to a `bits`-wide (16, 32 or 64) integer with
 * RC rounding into INT_OUT. Returns false when nothing may be stored
 * (unmasked IE). Out of range / NaN / infinity / unsupported: IE, and the
 * integer indefinite 8000h / 80000000h / 8000000000000000h when masked.
 * Hardware check: a denormal source raises no DE (only PE).
 */
export function f80ToInt(f: Uint32Array, s: number, bits: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, s);
  INT_OUT[0] = 0;
  INT_OUT[1] = 0;
  if (k === K_ZERO) return true;
  const r = k !== K_INF && k < K_QNAN ? roundOperandToInteger(OPA, cwRc(env.cw)) : -1;
  if (r >= 0) {
    const hi = W.hi;
    const lo = W.lo;
    const neg = OPA.sign !== 0;
    let ok: boolean;
    if (bits === 64) ok = hi < 0x80000000 || (neg && hi === 0x80000000 && lo === 0);
    else {
      const lim = bits === 32 ? 0x80000000 : 0x8000;
      ok = hi === 0 && (lo < lim || (neg && lo === lim));
    }
    if (ok) {
      raisePrecision(env, r);
      if (neg) {
        const nlo = (~lo + 1) >>> 0;
        INT_OUT[0] = nlo;
        INT_OUT[1] = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      } else {
        INT_OUT[0] = lo;
        INT_OUT[1] = hi;
      }
      if (bits === 16) INT_OUT[0] = INT_OUT[0]! & 0xffff;
      if (bits !== 64) INT_OUT[1] = 0;
      return true;
    }
  }
  env.flags |= FLAG_IE;
  if ((env.cw & FLAG_IE) === 0) return false;
  if (bits === 64) INT_OUT[1] = 0x80000000;
  else INT_OUT[0] = bits === 32 ? 0x80000000 : 0x8000;
  return true;
}
