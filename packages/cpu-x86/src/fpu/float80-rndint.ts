/**
 * FRNDINT (SDM Vol.2 FRNDINT): round ST(0) to an integral value using RC.
 * Precision control does not apply. PE when inexact, C1 when rounded up.
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
const { K_DENORMAL, K_INF, K_QNAN, K_ZERO } = $float80_classify;
const { copyF80, setF80, setSignedZero } = $float80_regs;
const { nanResult1, OPA, unpack } = $float80_operand;
const { raisePrecision, roundOperandToInteger, W, wNormalize } = $float80_round;
const { cwRc, FLAG_DE } = $fpu_env;

/** ST(d) := round_to_integer(a). Returns false when an unmasked exception suppressed the result. */
export function f80RoundInt(f: Uint32Array, d: number, a: number, env: FpuEnv): boolean {
  const k = unpack(OPA, f, a);
  if (k >= K_QNAN) return nanResult1(f, d, a, k, env);
  if (k === K_ZERO || k === K_INF) {
    copyF80(f, d, a);
    return true;
  }
  if (k === K_DENORMAL) {
    env.flags |= FLAG_DE;
    if ((env.cw & FLAG_DE) === 0) return false;
  }
  if (OPA.exp >= 16446) {
    // Already integral (no fraction bits); denormal inputs never get here.
    copyF80(f, d, a);
    return true;
  }
  const r = roundOperandToInteger(OPA, cwRc(env.cw));
  raisePrecision(env, r);
  if (r === -1) {
    // Rounded up to 2^64 (cannot happen below exponent 16446, kept for safety).
    setF80(f, d, (OPA.sign << 15) | 16447, 0x80000000, 0);
    return true;
  }
  if (W.hi === 0 && W.lo === 0) {
    // The sign of the operand is kept for a zero result.
    setSignedZero(f, d, OPA.sign);
    return true;
  }
  W.exp = 16446;
  W.ext = 0;
  wNormalize();
  setF80(f, d, (OPA.sign << 15) | W.exp, W.hi, W.lo);
  return true;
}
