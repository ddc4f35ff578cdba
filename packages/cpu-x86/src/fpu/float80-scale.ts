/**
 * FSCALE (SDM Vol.2 FSCALE): ST(0) := ST(0) * 2^RoundTowardZero(ST(1)).
 * The scaled value is exact unless it leaves the normal range, where the
 * usual overflow/underflow responses apply (RC used, PC not).
 */
import * as $float80_classify from './float80-classify.js';
import * as $float80_regs from './float80-regs.js';
import * as $float80_operand from './float80-operand.js';
import * as $float80_round from './float80-round.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { K_INF, K_ZERO } = $float80_classify;
const { copyF80, setSignedInfinity, setSignedZero } = $float80_regs;
const { copyCanonical, denormalsAllowed, invalidResult, nanResult2, OPA, OPB, unpack2 } = $float80_operand;
const { loadW, roundToReg, W } = $float80_round;
const { cwRc } = $fpu_env;

/** ST(d) := a * 2^trunc(b). Returns false when an unmasked exception suppressed the result. */
export function f80Scale(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv): boolean {
  if (!unpack2(f, a, b)) return nanResult2(f, d, a, OPA.kind, b, OPB.kind, env);
  const ka = OPA.kind;
  const kb = OPB.kind;
  if (!denormalsAllowed(ka, kb, env)) return false;
  if (kb === K_INF) {
    // SDM FSCALE table: 0 * 2^+inf and inf * 2^-inf are invalid.
    if (OPB.sign === 0) {
      if (ka === K_ZERO) return invalidResult(f, d, env);
      setSignedInfinity(f, d, OPA.sign);
    } else {
      if (ka === K_INF) return invalidResult(f, d, env);
      setSignedZero(f, d, OPA.sign);
    }
    return true;
  }
  if (ka === K_ZERO || ka === K_INF) {
    copyF80(f, d, a);
    return true;
  }
  // trunc(b): |b| >= 2^16 already over/underflows any finite a; clamp.
  let n = 0;
  if (kb !== K_ZERO) {
    const e = OPB.exp - 16383;
    if (e >= 20) n = 1 << 20;
    else if (e >= 0) n = OPB.hi >>> (31 - e);
    if (OPB.sign) n = -n;
  }
  if (kb === K_ZERO) {
    // Hardware check: ST1 = +-0 returns ST0 unchanged (no underflow processing),
    // while a non-zero ST1 that truncates to 0 still goes through rounding.
    copyCanonical(f, d, a);
    return true;
  }
  loadW(OPA, OPA.sign);
  W.exp += n;
  roundToReg(f, d, 64, cwRc(env.cw), env);
  return true;
}
