/**
 * x87 80-bit extended-precision arithmetic core (public entry point).
 *
 * Values live in a Uint32Array "register file" (see float80-regs.ts); every
 * operation takes the file, destination/source slot numbers and an FpuEnv
 * (control word in, exception flags and condition codes out). Operations
 * returning boolean report whether the destination was written: false
 * means an unmasked exception suppressed the result (SDM Vol.1 4.9.2), and
 * the caller raises #MF at the next waiting instruction as usual.
 */
export * from './fpu-env.js';
export * from './float80-regs.js';
export {
  classifyParts, K_DENORMAL, K_INF, K_NORMAL, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO,
} from './float80-classify.js';
export { writeIndefinite } from './float80-operand.js';
export { f80Add, f80Sub } from './float80-add.js';
export { f80Mul } from './float80-mul.js';
export { f80Div } from './float80-div.js';
export { f80Sqrt } from './float80-sqrt.js';
export {
  CMP_EQ, CMP_GT, CMP_LT, CMP_UNORDERED, f80Compare, f80Examine,
  FXAM_DENORMAL, FXAM_EMPTY, FXAM_INFINITY, FXAM_NAN, FXAM_NORMAL, FXAM_UNSUPPORTED, FXAM_ZERO,
} from './float80-compare.js';
export { f80Prem } from './float80-prem.js';
export { f80RoundInt } from './float80-rndint.js';
export { f80Scale } from './float80-scale.js';
export { f80Extract } from './float80-xtract.js';
export {
  CONST_L2E, CONST_L2T, CONST_LG2, CONST_LN2, CONST_ONE, CONST_PI, CONST_ZERO, f80LoadConst,
} from './float80-const.js';
export {
  f80FromF32, f80FromF64, f80FromNumber, f80ToF32, f80ToF64, f80ToNumber, f80WidenF32, f80WidenF64,
  WIDEN_DENORMAL, WIDEN_PLAIN, WIDEN_SNAN,
} from './float80-convert-float.js';
export { f80FromInt32, f80FromInt64, f80ToInt, INT_OUT } from './float80-convert-int.js';
export { f80FromBcd, f80ToBcd } from './float80-bcd.js';
export {
  f80Atan2, f80Cos, f80F2xm1, f80Sin, f80SinCos, f80Tan, f80Yl2x, f80Yl2xp1,
} from './float80-transcendental.js';
