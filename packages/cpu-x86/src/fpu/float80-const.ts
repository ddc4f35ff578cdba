/**
 * FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ (SDM Vol.1 8.3.8 and Vol.2
 * "FLD1/FLDL2T/..."): constants are held internally with more than 64 bits
 * and rounded to 64 bits per RC; PC does not apply and no flags (not even
 * PE or C1) are reported (both checked against hardware).
 */
import * as $fpu_env from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { RC_NEAREST, RC_UP } = $fpu_env;

export const CONST_ONE = 0;
export const CONST_L2T = 1;
export const CONST_L2E = 2;
export const CONST_PI = 3;
export const CONST_LG2 = 4;
export const CONST_LN2 = 5;
export const CONST_ZERO = 6;

// [se, hi, lo truncated toward zero, rounds up when nearest (1) / exact (-1)]
const TABLE: readonly (readonly [number, number, number, number])[] = [
  [0x3fff, 0x80000000, 0x00000000, -1], // 1.0
  [0x4000, 0xd49a784b, 0xcd1b8afe, 0], // log2(10): next bits 01...
  [0x3fff, 0xb8aa3b29, 0x5c17f0bb, 1], // log2(e): next bits 10 then non-zero
  [0x4000, 0xc90fdaa2, 0x2168c234, 1], // pi: next bits 11
  [0x3ffd, 0x9a209a84, 0xfbcff798, 1], // log10(2): next bits 10 then non-zero
  [0x3ffe, 0xb17217f7, 0xd1cf79ab, 1], // ln(2): next bits 11
  [0x0000, 0x00000000, 0x00000000, -1], // +0.0
];

/** Load constant `which` (CONST_*) into slot d, rounded per rc. */
export function f80LoadConst(f: Uint32Array, d: number, which: number, rc: number): void {
  const t = TABLE[which]!;
  let lo = t[2];
  // All inexact constants are positive: RC up rounds up, down/zero truncate.
  if (t[3] >= 0 && (rc === RC_UP || (rc === RC_NEAREST && t[3] === 1))) lo += 1;
  const o = d << 2;
  f[o] = lo >>> 0;
  f[o + 1] = t[1];
  f[o + 2] = t[0];
}
