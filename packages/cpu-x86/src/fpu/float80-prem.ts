/**
 * FPREM / FPREM1 partial remainder (SDM Vol.2 FPREM, FPREM1).
 *
 * With D = exp(ST0) - exp(ST1): for D < 64 the exact remainder is produced
 * (quotient truncated for FPREM, rounded to nearest-even for FPREM1), C2 = 0
 * and the three low quotient bits go to C0 (Q2), C3 (Q1), C1 (Q0). For
 * D >= 64 only a partial reduction is done, C2 = 1:
 *   ST0 := ST0 - ST1 * QQ * 2^(D-N),  QQ = trunc(ST0 / ST1 / 2^(D-N))
 * with N = 32 + (D mod 32) (implementation-specific "between 32 and 63";
 * this choice matches the host CPU) and C0 = C3 = C1 = 0. The remainder is
 * always exact.
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
const { copyCanonical, denormalsAllowed, invalidResult, nanResult2, OPA, OPB, unpack2 } = $float80_operand;
const { setSignedZero } = $float80_regs;
const { roundToReg, W, wNormalize } = $float80_round;
const { cwRc, FLAG_C0, FLAG_C1, FLAG_C2, FLAG_C3 } = $fpu_env;

/** ST(d) := partial remainder of a / b (FPREM when `nearest` is false, FPREM1 when true). */
export function f80Prem(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv, nearest: boolean): boolean {
  if (!unpack2(f, a, b)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const ka = OPA.kind;
  const kb = OPB.kind;
  if (ka === K_INF || kb === K_ZERO) return invalidResult(f, d, env);
  if (!denormalsAllowed(ka, kb, env)) return false;
  if (ka === K_ZERO || kb === K_INF) {
    // Result is ST0 itself (hardware check: no underflow processing), except
    // that a pseudo-denormal comes back with exponent 1.
    copyCanonical(f, d, a);
    return true;
  }
  const D = OPA.exp - OPB.exp;
  const mbh = OPB.hi;
  const mbl = OPB.lo;
  let rh = OPA.hi;
  let rl = OPA.lo;
  let q = 0;
  let sign = OPA.sign;
  let base: number; // remainder value = r * 2^(base - 16446)
  let incomplete = false;
  if (D < 0) {
    base = OPA.exp;
    if (nearest && D === -1 && (rh > mbh || (rh === mbh && rl > mbl))) {
      // |a| > |b|/2: quotient 1, remainder |b| - |a| = (2*mb - ma) at a's scale
      // (< mb, so the 65-bit difference fits in 64 bits).
      const h2 = ((mbh << 1) | (mbl >>> 31)) >>> 0;
      const l2 = (mbl << 1) >>> 0;
      const t = l2 - rl;
      rl = t >>> 0;
      rh = (h2 - rh - (t < 0 ? 1 : 0)) >>> 0;
      sign ^= 1;
      q = 1;
    }
  } else {
    let dd = D;
    if (D >= 64) {
      incomplete = true;
      dd = 32 + (D % 32);
    }
    base = OPA.exp - dd;
    let carry = 0;
    for (let k = dd; k >= 0; k--) {
      q = (q << 1) & 7;
      if (carry !== 0 || rh > mbh || (rh === mbh && rl >= mbl)) {
        let t = rl - mbl;
        const br = t < 0 ? 1 : 0;
        rl = t >>> 0;
        t = rh - mbh - br;
        rh = t >>> 0;
        carry = 0;
        q |= 1;
      }
      if (k > 0) {
        carry = rh >>> 31;
        rh = ((rh << 1) | (rl >>> 31)) >>> 0;
        rl = (rl << 1) >>> 0;
      }
    }
    if (nearest && !incomplete) {
      // Round the quotient to nearest-even: compare 2r with mb.
      let gt: boolean;
      let eq = false;
      if (rh >>> 31) gt = true; // 2r >= 2^64 > mb
      else {
        const dh = ((rh << 1) | (rl >>> 31)) >>> 0;
        const dl = (rl << 1) >>> 0;
        gt = dh > mbh || (dh === mbh && dl > mbl);
        eq = dh === mbh && dl === mbl;
      }
      if (gt || (eq && (q & 1) !== 0)) {
        let t = mbl - rl;
        const br = t < 0 ? 1 : 0;
        rl = t >>> 0;
        t = mbh - rh - br;
        rh = t >>> 0;
        sign ^= 1;
        q = (q + 1) & 7;
      }
    }
  }
  // Hardware check: an incomplete reduction reports C0 = C3 = C1 = 0.
  if (incomplete) env.flags |= FLAG_C2;
  else env.flags |= ((q & 4) !== 0 ? FLAG_C0 : 0) | ((q & 2) !== 0 ? FLAG_C3 : 0) | ((q & 1) !== 0 ? FLAG_C1 : 0);
  if (rh === 0 && rl === 0) {
    // Zero remainder keeps the dividend's sign.
    setSignedZero(f, d, OPA.sign);
    return true;
  }
  W.sign = sign;
  W.exp = base;
  W.hi = rh;
  W.lo = rl;
  W.ext = 0;
  W.sticky = 0;
  wNormalize();
  // Exact; only the denormal/underflow handling of the rounding core matters.
  roundToReg(f, d, 64, cwRc(env.cw), env);
  return true;
}
