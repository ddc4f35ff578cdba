/**
 * FADD / FSUB on extended values (SDM Vol.2 FADD, FSUB; Vol.1 4.8 special
 * cases). Precision control applies (SDM Vol.1 8.1.5.2).
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
const { loadW, roundToReg, W, wNormalize, wShiftRight } = $float80_round;
const { cwPrecision, cwRc, RC_DOWN } = $fpu_env;

/**
 * ST(d) := a + b. Returns false when an unmasked exception suppressed the result.
 * `memDenormal`: bit 0 / bit 1 set when operand a / b was widened from a
 * denormal m32/m64 memory operand (f80WidenF32/F64), so DE is reported.
 */
export function f80Add(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv, memDenormal = 0): boolean {
  return addSub(f, d, a, b, env, 0, memDenormal);
}

/** ST(d) := a - b (FSUBR: swap a and b). Same conventions as f80Add. */
export function f80Sub(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv, memDenormal = 0): boolean {
  return addSub(f, d, a, b, env, 1, memDenormal);
}

function addSub(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv, flip: number, memDenormal: number): boolean {
  if (!unpack2(f, a, b, memDenormal)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const ka = OPA.kind;
  const kb = OPB.kind;
  if (!denormalsAllowed(ka, kb, env)) return false;
  const cw = env.cw;
  const sa = OPA.sign;
  const sb = OPB.sign ^ flip;
  if (ka === K_INF || kb === K_INF) {
    // SDM Vol.1 8.5.1.2 (invalid arithmetic operand): inf - inf of like signs is invalid.
    if (ka === K_INF && kb === K_INF && sa !== sb) return invalidResult(f, d, env);
    setSignedInfinity(f, d, ka === K_INF ? sa : sb);
    return true;
  }
  const rc = cwRc(cw);
  if (ka === K_ZERO && kb === K_ZERO) {
    // SDM Vol.2 FADD: sum of opposite zeros is +0, or -0 when rounding down.
    setSignedZero(f, d, sa === sb ? sa : rc === RC_DOWN ? 1 : 0);
    return true;
  }
  const prec = cwPrecision(cw);
  if (kb === K_ZERO) {
    loadW(OPA, sa);
    roundToReg(f, d, prec, rc, env);
    return true;
  }
  if (ka === K_ZERO) {
    loadW(OPB, sb);
    roundToReg(f, d, prec, rc, env);
    return true;
  }
  // Order by magnitude: big - small keeps the difference non-negative.
  let big = OPA;
  let small = OPB;
  let sBig = sa;
  if (
    OPB.exp > OPA.exp ||
    (OPB.exp === OPA.exp && (OPB.hi > OPA.hi || (OPB.hi === OPA.hi && OPB.lo > OPA.lo)))
  ) {
    big = OPB;
    small = OPA;
    sBig = sb;
  }
  loadW(small, sBig);
  wShiftRight(big.exp - small.exp);
  W.exp = big.exp;
  if (sa === sb) {
    let t = W.lo + big.lo;
    const lo = t >>> 0;
    t = W.hi + big.hi + (t > 0xffffffff ? 1 : 0);
    W.lo = lo;
    W.hi = t >>> 0;
    if (t > 0xffffffff) {
      wShiftRight(1);
      W.hi = (W.hi | 0x80000000) >>> 0;
      W.exp += 1;
    }
  } else {
    // Anything in sticky lies strictly between 0 and one unit of ext: borrow it.
    let t = 0 - W.ext - W.sticky;
    let borrow = t < 0 ? 1 : 0;
    W.ext = t >>> 0;
    t = big.lo - W.lo - borrow;
    borrow = t < 0 ? 1 : 0;
    W.lo = t >>> 0;
    W.hi = (big.hi - W.hi - borrow) >>> 0;
    if (W.hi === 0 && W.lo === 0 && W.ext === 0 && W.sticky === 0) {
      setSignedZero(f, d, rc === RC_DOWN ? 1 : 0);
      return true;
    }
    wNormalize();
  }
  roundToReg(f, d, prec, rc, env);
  return true;
}
