/**
 * FMUL on extended values (SDM Vol.2 FMUL). The 64x64-bit significand
 * product is formed exactly from 16-bit limbs (every partial sum stays far
 * below 2^53, so plain JS numbers are exact). Precision control applies.
 */
import * as $float80_classify from './float80-classify.js';
import * as $float80_operand from './float80-operand.js';
import * as $float80_regs from './float80-regs.js';
import * as $float80_round from './float80-round.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { K_INF, K_ZERO } = $float80_classify;
const { denormalsAllowed, invalidResult, nanResult2, OPA, OPB, unpack2 } = $float80_operand;
const { setSignedInfinity, setSignedZero } = $float80_regs;
const { roundToReg, W } = $float80_round;
const { cwPrecision, cwRc } = $fpu_env;

/** 128-bit product of the OPA/OPB significands into W (hi:lo:ext + sticky), normalized. */
export function mulSignificands(ahi: number, alo: number, bhi: number, blo: number): void {
  const a0 = alo & 0xffff, a1 = alo >>> 16, a2 = ahi & 0xffff, a3 = ahi >>> 16;
  const b0 = blo & 0xffff, b1 = blo >>> 16, b2 = bhi & 0xffff, b3 = bhi >>> 16;
  let t = a0 * b0;
  const p0 = t & 0xffff;
  t = (t - p0) / 65536 + a0 * b1 + a1 * b0;
  const p1 = t & 0xffff;
  t = (t - p1) / 65536 + a0 * b2 + a1 * b1 + a2 * b0;
  const p2 = t & 0xffff;
  t = (t - p2) / 65536 + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  const p3 = t & 0xffff;
  t = (t - p3) / 65536 + a1 * b3 + a2 * b2 + a3 * b1;
  const p4 = t & 0xffff;
  t = (t - p4) / 65536 + a2 * b3 + a3 * b2;
  const p5 = t & 0xffff;
  t = (t - p5) / 65536 + a3 * b3;
  const p6 = t & 0xffff;
  const p7 = (t - p6) / 65536;
  let hi = ((p7 << 16) | p6) >>> 0;
  let lo = ((p5 << 16) | p4) >>> 0;
  let ext = ((p3 << 16) | p2) >>> 0;
  let low = ((p1 << 16) | p0) >>> 0;
  if ((hi & 0x80000000) === 0) {
    hi = ((hi << 1) | (lo >>> 31)) >>> 0;
    lo = ((lo << 1) | (ext >>> 31)) >>> 0;
    ext = ((ext << 1) | (low >>> 31)) >>> 0;
    low = (low << 1) >>> 0;
    W.exp -= 1;
  }
  W.hi = hi;
  W.lo = lo;
  W.ext = ext;
  W.sticky = low !== 0 ? 1 : 0;
}

/**
 * ST(d) := a * b. Returns false when an unmasked exception suppressed the result.
 * `memDenormal`: bit 0 / bit 1 set when operand a / b was widened from a
 * denormal m32/m64 memory operand (f80WidenF32/F64), so DE is reported.
 */
export function f80Mul(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv, memDenormal = 0): boolean {
  if (!unpack2(f, a, b, memDenormal)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const ka = OPA.kind;
  const kb = OPB.kind;
  if (!denormalsAllowed(ka, kb, env)) return false;
  const cw = env.cw;
  const sign = OPA.sign ^ OPB.sign;
  if (ka === K_INF || kb === K_INF) {
    // SDM Vol.1 8.5.1.2 (invalid arithmetic operand): 0 * inf is invalid.
    if (ka === K_ZERO || kb === K_ZERO) return invalidResult(f, d, env);
    setSignedInfinity(f, d, sign);
    return true;
  }
  if (ka === K_ZERO || kb === K_ZERO) {
    setSignedZero(f, d, sign);
    return true;
  }
  W.sign = sign;
  // Product of two [1,2) significands lies in [1,4): start with the [2,4) exponent.
  W.exp = OPA.exp + OPB.exp - 16383 + 1;
  mulSignificands(OPA.hi, OPA.lo, OPB.hi, OPB.lo);
  roundToReg(f, d, cwPrecision(cw), cwRc(cw), env);
  return true;
}
