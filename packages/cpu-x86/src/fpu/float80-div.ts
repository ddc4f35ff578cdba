/**
 * FDIV on extended values (SDM Vol.2 FDIV). The significand quotient is
 * computed exactly (Knuth Algorithm D, base 2^16) to 96+ bits plus a sticky
 * bit from the remainder. Precision control applies.
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
const { roundToReg, W, wShiftRight } = $float80_round;
const { cwPrecision, cwRc, FLAG_ZE } = $fpu_env;

const U = new Int32Array(11);
const V = new Int32Array(4);
const Q = new Int32Array(7);

/**
 * floor(A * 2^96 / B) for 64-bit A, B with bit 63 set, into W (hi:lo:ext,
 * sticky = remainder != 0), normalized; W.exp is incremented when the
 * quotient had 97 bits (A >= B).
 */
export function divSignificands(ahi: number, alo: number, bhi: number, blo: number): void {
  U.fill(0);
  U[6] = alo & 0xffff;
  U[7] = alo >>> 16;
  U[8] = ahi & 0xffff;
  U[9] = ahi >>> 16;
  V[0] = blo & 0xffff;
  V[1] = blo >>> 16;
  V[2] = bhi & 0xffff;
  V[3] = bhi >>> 16;
  const v3 = V[3]!;
  const v2 = V[2]!;
  // Hacker's Delight divmnu: the divisor is already normalized (v3 >= 2^15).
  for (let j = 6; j >= 0; j--) {
    const num = U[j + 4]! * 65536 + U[j + 3]!;
    let qhat = Math.floor(num / v3);
    let rhat = num - qhat * v3;
    while (qhat >= 65536 || qhat * v2 > rhat * 65536 + U[j + 2]!) {
      qhat -= 1;
      rhat += v3;
      if (rhat >= 65536) break;
    }
    let k = 0;
    let t = 0;
    for (let i = 0; i < 4; i++) {
      const p = qhat * V[i]!;
      t = U[i + j]! - k - (p & 0xffff);
      U[i + j] = t & 0xffff;
      k = Math.floor(p / 65536) - (t >> 16);
    }
    t = U[j + 4]! - k;
    U[j + 4] = t;
    if (t < 0) {
      qhat -= 1;
      k = 0;
      for (let i = 0; i < 4; i++) {
        t = U[i + j]! + V[i]! + k;
        U[i + j] = t & 0xffff;
        k = t >> 16;
      }
      U[j + 4] = U[j + 4]! + k;
    }
    Q[j] = qhat;
  }
  W.hi = ((Q[5]! << 16) | Q[4]!) >>> 0;
  W.lo = ((Q[3]! << 16) | Q[2]!) >>> 0;
  W.ext = ((Q[1]! << 16) | Q[0]!) >>> 0;
  W.sticky = (U[0]! | U[1]! | U[2]! | U[3]!) !== 0 ? 1 : 0;
  if (Q[6]! !== 0) {
    wShiftRight(1);
    W.hi = (W.hi | 0x80000000) >>> 0;
    W.exp += 1;
  }
}

/**
 * ST(d) := a / b (FDIVR: swap a and b). Returns false when an unmasked
 * exception suppressed the result.
 * `memDenormal`: bit 0 / bit 1 set when operand a / b was widened from a
 * denormal m32/m64 memory operand (f80WidenF32/F64), so DE is reported.
 */
export function f80Div(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv, memDenormal = 0): boolean {
  if (!unpack2(f, a, b, memDenormal)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const ka = OPA.kind;
  const kb = OPB.kind;
  const cw = env.cw;
  const sign = OPA.sign ^ OPB.sign;
  if (ka === K_INF || kb === K_INF || ka === K_ZERO || kb === K_ZERO) {
    // SDM Vol.2 FDIV table: inf/inf and 0/0 are invalid, x/0 divides by zero.
    if ((ka === K_INF && kb === K_INF) || (ka === K_ZERO && kb === K_ZERO)) return invalidResult(f, d, env);
    if (kb === K_ZERO && ka !== K_INF) {
      // Hardware check: a denormal dividend with a zero divisor reports ZE only.
      env.flags |= FLAG_ZE;
      if ((cw & FLAG_ZE) === 0) return false;
    } else if (!denormalsAllowed(ka, kb, env)) return false;
    if (ka === K_INF || kb === K_ZERO) setSignedInfinity(f, d, sign);
    else setSignedZero(f, d, sign);
    return true;
  }
  if (!denormalsAllowed(ka, kb, env)) return false;
  W.sign = sign;
  // A/B in [1/2, 2): the 96-bit quotient of the [1/2,1) case has exponent ea-eb-1.
  W.exp = OPA.exp - OPB.exp + 16383 - 1;
  divSignificands(OPA.hi, OPA.lo, OPB.hi, OPB.lo);
  roundToReg(f, d, cwPrecision(cw), cwRc(cw), env);
  return true;
}
