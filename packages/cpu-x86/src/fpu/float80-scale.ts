/**
 * FSCALE (SDM Vol.2 FSCALE): ST(0) := ST(0) * 2^RoundTowardZero(ST(1)).
 * The scaled value is exact unless it leaves the normal range, where the
 * usual overflow/underflow responses apply (RC used, PC not).
 */
import { K_DENORMAL, K_INF, K_QNAN, K_ZERO } from './float80-classify.js';
import { copyF80 } from './float80-regs.js';
import { copyCanonical, invalidResult, nanResult2, OPA, OPB, unpack } from './float80-operand.js';
import { roundToReg, W } from './float80-round.js';
import { cwRc, FLAG_DE, FpuEnv } from './fpu-env.js';

/** ST(d) := a * 2^trunc(b). Returns false when an unmasked exception suppressed the result. */
export function f80Scale(f: Uint32Array, d: number, a: number, b: number, env: FpuEnv): boolean {
  const ka = unpack(OPA, f, a);
  const kb = unpack(OPB, f, b);
  if (ka >= K_QNAN || kb >= K_QNAN) return nanResult2(f, d, a, ka, b, kb, env);
  if (ka === K_DENORMAL || kb === K_DENORMAL) {
    env.flags |= FLAG_DE;
    if ((env.cw & FLAG_DE) === 0) return false;
  }
  const o = d << 2;
  if (kb === K_INF) {
    // SDM FSCALE table: 0 * 2^+inf and inf * 2^-inf are invalid.
    if (OPB.sign === 0) {
      if (ka === K_ZERO) return invalidResult(f, d, env);
      f[o] = 0;
      f[o + 1] = 0x80000000;
      f[o + 2] = (OPA.sign << 15) | 0x7fff;
    } else {
      if (ka === K_INF) return invalidResult(f, d, env);
      f[o] = 0;
      f[o + 1] = 0;
      f[o + 2] = OPA.sign << 15;
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
  W.sign = OPA.sign;
  W.exp = OPA.exp + n;
  W.hi = OPA.hi;
  W.lo = OPA.lo;
  W.ext = 0;
  W.sticky = 0;
  roundToReg(f, d, 64, cwRc(env.cw), env);
  return true;
}
