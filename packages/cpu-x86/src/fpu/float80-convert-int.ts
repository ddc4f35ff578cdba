/**
 * Conversions between extended and two's-complement integers
 * (FILD m16/m32/m64, FIST/FISTP m16/m32/m64). Loads are exact and raise
 * nothing; stores round with RC (SDM Vol.2 FIST) and report IE with the
 * "integer indefinite" (most negative value) when out of range or NaN.
 */
import { K_INF, K_QNAN, K_ZERO } from './float80-classify.js';
import { OPA, unpack } from './float80-operand.js';
import { roundWToInteger, W } from './float80-round.js';
import { cwRc, FLAG_C1, FLAG_IE, FLAG_PE, FpuEnv } from './fpu-env.js';

/** Normalize a 64-bit magnitude into slot d with the given sign (exact). */
function putInt(f: Uint32Array, d: number, sign: number, hi: number, lo: number): void {
  const o = d << 2;
  if (hi === 0 && lo === 0) {
    f[o] = 0;
    f[o + 1] = 0;
    f[o + 2] = 0; // FILD of 0 gives +0
    return;
  }
  let e = 16446;
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
  f[o] = lo;
  f[o + 1] = hi;
  f[o + 2] = (sign << 15) | e;
}

/** FILD m16/m32: load a signed integer given as a JS number (int32 range). */
export function f80FromInt32(f: Uint32Array, d: number, v: number): void {
  v |= 0;
  if (v < 0) putInt(f, d, 1, 0, -v >>> 0);
  else putInt(f, d, 0, 0, v);
}

/** FILD m64: load a signed 64-bit integer given as two's-complement halves. */
export function f80FromInt64(f: Uint32Array, d: number, hi32: number, lo32: number): void {
  hi32 >>>= 0;
  lo32 >>>= 0;
  if (hi32 & 0x80000000) {
    // Negate: ~x + 1.
    lo32 = (~lo32 + 1) >>> 0;
    hi32 = (~hi32 + (lo32 === 0 ? 1 : 0)) >>> 0;
    putInt(f, d, 1, hi32, lo32);
  } else putInt(f, d, 0, hi32, lo32);
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
  let r = -1;
  if (k !== K_INF && k < K_QNAN) {
    W.sign = OPA.sign;
    W.exp = OPA.exp;
    W.hi = OPA.hi;
    W.lo = OPA.lo;
    W.ext = 0;
    W.sticky = 0;
    r = roundWToInteger(cwRc(env.cw));
  }
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
      if (r !== 0) env.flags |= FLAG_PE | (r === 2 ? FLAG_C1 : 0);
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
