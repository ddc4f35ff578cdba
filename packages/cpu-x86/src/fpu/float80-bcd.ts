/**
 * Packed BCD conversions (FBLD, FBSTP; SDM Vol.1 4.7, Vol.2 FBLD/FBSTP):
 * 10 bytes, bytes 0..8 hold 18 digits (low nibble = less significant),
 * byte 9 bit 7 is the sign. Digit arithmetic uses exact double math on
 * 16-bit limbs (no BigInt).
 */
import * as $float80_classify from './float80-classify.js';
import * as $float80_convert_int from './float80-convert-int.js';
import * as $float80_operand from './float80-operand.js';
import * as $float80_round from './float80-round.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { K_INF, K_QNAN, K_ZERO } = $float80_classify;
const { f80FromMagnitude } = $float80_convert_int;
const { OPA, unpack } = $float80_operand;
const { raisePrecision, roundOperandToInteger, W } = $float80_round;
const { cwRc, FLAG_IE } = $fpu_env;

function digits9(mem: Uint8Array, off: number, first: number): number {
  // 9 digits starting at digit index `first` (0 = least significant).
  let v = 0;
  for (let i = first + 8; i >= first; i--) {
    const b = mem[off + (i >> 1)]!;
    v = v * 10 + ((i & 1) !== 0 ? b >>> 4 : b & 15);
  }
  return v;
}

/**
 * FBLD: load 18-digit packed BCD from mem[off..off+9] (exact). Invalid
 * digits (A-F) are undefined on hardware; here they are weighted as-is.
 */
export function f80FromBcd(f: Uint32Array, d: number, mem: Uint8Array, off: number): void {
  const high = digits9(mem, off, 9);
  const low = digits9(mem, off, 0);
  // v = high * 10^9 + low as 64 bits; 10^9 = 15258 * 2^16 + 51712.
  const a = high * 15258;
  const t = (a % 65536) * 65536 + high * 51712 + low;
  const lo = t % 4294967296;
  const hi = Math.floor(a / 65536) + Math.floor(t / 4294967296);
  // Hardware keeps the sign of a BCD zero (so does f80FromMagnitude).
  f80FromMagnitude(f, d, mem[off + 9]! >>> 7, hi, lo);
}

/**
 * FBSTP: round slot s to an integer (RC) and store 18-digit packed BCD into
 * mem[off..off+9]. Returns false when nothing may be stored (unmasked IE).
 * |value| >= 10^18, NaN, infinity and unsupported raise IE and store the
 * packed BCD indefinite (bytes 7..9 = C0 FF FF) when masked.
 */
export function f80ToBcd(f: Uint32Array, s: number, mem: Uint8Array, off: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, s);
  let r = 0;
  let hi = 0;
  let lo = 0;
  if (k !== K_ZERO) {
    r = -1;
    if (k !== K_INF && k < K_QNAN) {
      r = roundOperandToInteger(OPA, cwRc(env.cw));
      hi = W.hi;
      lo = W.lo;
      // 10^18 - 1 = 0DE0B6B3_A763FFFF.
      if (r >= 0 && (hi > 0x0de0b6b3 || (hi === 0x0de0b6b3 && lo > 0xa763ffff))) r = -1;
    }
  }
  if (r < 0) {
    env.flags |= FLAG_IE;
    if ((env.cw & FLAG_IE) === 0) return false;
    for (let i = 0; i < 7; i++) mem[off + i] = 0;
    mem[off + 7] = 0xc0;
    mem[off + 8] = 0xff;
    mem[off + 9] = 0xff;
    return true;
  }
  raisePrecision(env, r);
  // Split into 9-digit halves: long division of the 4 16-bit limbs by 10^9.
  let rem = 0;
  let qhi = 0;
  let qlo = 0;
  const limbs = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
  for (let i = 0; i < 4; i++) {
    const cur = rem * 65536 + limbs[i]!;
    const q = Math.floor(cur / 1e9);
    rem = cur - q * 1e9;
    if (i < 2) qhi = qhi * 65536 + q;
    else qlo = qlo * 65536 + q;
  }
  // quotient = qhi * 2^32 + qlo < 10^9, so it fits in a double exactly.
  let high = qhi * 4294967296 + qlo;
  let low = rem;
  for (let i = 0; i < 9; i++) {
    const dl = low % 10;
    low = (low - dl) / 10;
    const dh = high % 10;
    high = (high - dh) / 10;
    const j = i; // digit index in low half
    const jh = i + 9;
    writeDigit(mem, off, j, dl);
    writeDigit(mem, off, jh, dh);
  }
  mem[off + 9] = OPA.sign << 7;
  return true;
}

function writeDigit(mem: Uint8Array, off: number, idx: number, v: number): void {
  const p = off + (idx >> 1);
  if ((idx & 1) === 0) mem[p] = (mem[p]! & 0xf0) | v;
  else mem[p] = (mem[p]! & 0x0f) | (v << 4);
}
