/**
 * FSQRT on extended values (SDM Vol.2 FSQRT). The root is computed exactly
 * to 96 bits (restoring digit-by-digit method) with a sticky bit from the
 * remainder. Precision control applies.
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
const { K_DENORMAL, K_INF, K_QNAN, K_ZERO } = $float80_classify;
const { invalidResult, nanResult1, OPA, unpack } = $float80_operand;
const { setSignedInfinity, setSignedZero } = $float80_regs;
const { roundToReg, W, wShiftRight } = $float80_round;
const { cwPrecision, cwRc, FLAG_DE } = $fpu_env;

/**
 * floor(sqrt(sig * 2^sh)) for sh = 128 or 129, into W (hi:lo:ext top 96 bits
 * of the root, sticky = inexact), returning the root's bit length (96 or 97).
 * Restoring square root on bit pairs; the first 26 root bits come from
 * Math.sqrt of the top 52 radicand bits (exact after the integer fix-up).
 */
function sqrtSignificand(hi: number, lo: number, sh: number): number {
  const pairs = sh === 128 ? 96 : 97; // radicand bit pairs
  const skip = 2 * (pairs - 26) - sh; // top 52 bits = sig >> skip (12 or 13)
  const top = hi * 2 ** (32 - skip) + Math.floor(lo / 2 ** skip);
  let r = Math.floor(Math.sqrt(top));
  if (r * r > top) r -= 1;
  else if ((r + 1) * (r + 1) <= top) r += 1;
  // root s3:s2:s1:s0 and remainder r3:r2:r1:r0 (little-endian 32-bit words)
  let s0 = r, s1 = 0, s2 = 0, s3 = 0;
  let r0 = top - r * r, r1 = 0, r2 = 0, r3 = 0;
  for (let p = pairs - 27; p >= 0; p--) {
    // next two radicand bits: bits 2p+1, 2p of sig << sh
    const j = 2 * p - sh;
    let two = 0;
    if (j >= -1 && j < 64) {
      if (j >= 32) two = (hi >>> (j - 32)) & 3;
      else if (j === 31) two = ((hi & 1) << 1) | (lo >>> 31);
      else if (j >= 0) two = (lo >>> j) & 3;
      else two = (lo & 1) << 1;
    }
    // rem = rem*4 + two
    r3 = ((r3 << 2) | (r2 >>> 30)) >>> 0;
    r2 = ((r2 << 2) | (r1 >>> 30)) >>> 0;
    r1 = ((r1 << 2) | (r0 >>> 30)) >>> 0;
    r0 = ((r0 << 2) | two) >>> 0;
    // trial = root*4 + 1
    const t3 = ((s3 << 2) | (s2 >>> 30)) >>> 0;
    const t2 = ((s2 << 2) | (s1 >>> 30)) >>> 0;
    const t1 = ((s1 << 2) | (s0 >>> 30)) >>> 0;
    const t0 = ((s0 << 2) | 1) >>> 0;
    // root = root*2
    s3 = ((s3 << 1) | (s2 >>> 31)) >>> 0;
    s2 = ((s2 << 1) | (s1 >>> 31)) >>> 0;
    s1 = ((s1 << 1) | (s0 >>> 31)) >>> 0;
    s0 = (s0 << 1) >>> 0;
    if (r3 > t3 || (r3 === t3 && (r2 > t2 || (r2 === t2 && (r1 > t1 || (r1 === t1 && r0 >= t0)))))) {
      let t = r0 - t0;
      let br = t < 0 ? 1 : 0;
      r0 = t >>> 0;
      t = r1 - t1 - br;
      br = t < 0 ? 1 : 0;
      r1 = t >>> 0;
      t = r2 - t2 - br;
      br = t < 0 ? 1 : 0;
      r2 = t >>> 0;
      r3 = (r3 - t3 - br) >>> 0;
      s0 = (s0 | 1) >>> 0;
    }
  }
  W.hi = s2;
  W.lo = s1;
  W.ext = s0;
  W.sticky = (r0 | r1 | r2 | r3) !== 0 ? 1 : 0;
  if (s3 !== 0) {
    wShiftRight(1);
    W.hi = (W.hi | 0x80000000) >>> 0;
    return 97;
  }
  return 96;
}

/** ST(d) := sqrt(a). Returns false when an unmasked exception suppressed the result. */
export function f80Sqrt(f: Uint32Array, d: number, a: number, env: FpuEnv): boolean {
  const ka = unpack(OPA, f, a);
  if (ka >= K_QNAN) return nanResult1(f, d, a, ka, env);
  const cw = env.cw;
  if (ka === K_ZERO) {
    // SDM Vol.2 FSQRT: sqrt(-0) = -0.
    setSignedZero(f, d, OPA.sign);
    return true;
  }
  if (OPA.sign !== 0) return invalidResult(f, d, env);
  if (ka === K_INF) {
    setSignedInfinity(f, d, 0);
    return true;
  }
  if (ka === K_DENORMAL) {
    env.flags |= FLAG_DE;
    if ((cw & FLAG_DE) === 0) return false;
  }
  // value = sig * 2^F with F = exp - 16446; sqrt = sqrt(sig * 2^(128 or 129)) * 2^((F - 0|1)/2 - 64).
  const F = OPA.exp - 16446;
  const odd = F & 1;
  W.sign = 0;
  sqrtSignificand(OPA.hi, OPA.lo, odd ? 129 : 128);
  W.exp = odd ? (F - 1) / 2 + 16415 : F / 2 + 16414;
  roundToReg(f, d, cwPrecision(cw), cwRc(cw), env);
  return true;
}
