/**
 * Control/status context shared by every float80 operation.
 *
 * Intel SDM Vol.1 8.1.5 (x87 control word) and 8.1.3 (status word): the
 * bit positions below are the architectural ones, so `flags` can be OR-ed
 * straight into the status word by the caller.
 */

/** Status word exception flags (SDM Vol.1 Figure 8-4). */
export const FLAG_IE = 0x0001; // invalid operation
export const FLAG_DE = 0x0002; // denormal operand
export const FLAG_ZE = 0x0004; // zero divide
export const FLAG_OE = 0x0008; // overflow
export const FLAG_UE = 0x0010; // underflow
export const FLAG_PE = 0x0020; // precision (inexact)
/** Condition code bits, same positions as in the status word. */
export const FLAG_C0 = 0x0100;
export const FLAG_C1 = 0x0200;
export const FLAG_C2 = 0x0400;
export const FLAG_C3 = 0x4000;
export const FLAGS_EXC = 0x003f;
export const FLAGS_CC = FLAG_C0 | FLAG_C1 | FLAG_C2 | FLAG_C3;

/** Rounding control values, CW bits 11:10 (SDM Vol.1 Table 4-8). */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/** Precision control values, CW bits 9:8 (SDM Vol.1 Table 8-2); 1 is reserved. */
export const PC_24 = 0;
export const PC_53 = 2;
export const PC_64 = 3;

/** Power-on / FNINIT control word: all exceptions masked, RC nearest, PC 64. */
export const CW_DEFAULT = 0x037f;

/**
 * Mutable per-FPU context. Operations read `cw` and OR their results into
 * `flags`: exception bits (IE..PE) and the condition codes they define
 * (C1 "rounded up" for arithmetic, C0..C3 for compares, FXAM, FPREM).
 * The caller clears `flags` before an instruction and merges it into the
 * status word afterwards (exceptions are sticky there, condition codes not).
 */
export class FpuEnv {
  cw: number;
  flags = 0;
  constructor(cw = CW_DEFAULT) {
    this.cw = cw;
  }
}

/** Rounding control field of a control word. */
export function cwRc(cw: number): number {
  return (cw >>> 10) & 3;
}

/**
 * Significand precision selected by a control word, in bits.
 * SDM Vol.1 8.1.5.2: 00b = 24, 10b = 53, 11b = 64; the reserved 01b
 * behaves like 64 bits on the host CPU (hardware check).
 */
export function cwPrecision(cw: number): number {
  const pc = (cw >>> 8) & 3;
  return pc === PC_24 ? 24 : pc === PC_53 ? 53 : 64;
}

/** True when exception `flag` (FLAG_IE..FLAG_PE) is masked in the control word. */
export function isMasked(cw: number, flag: number): boolean {
  return (cw & flag) !== 0;
}
