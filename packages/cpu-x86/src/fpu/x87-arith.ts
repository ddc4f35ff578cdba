/**
 * x87 arithmetic (SDM Vol. 2 FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR and their P and
 * FI forms, FCHS, FABS, FSQRT, FRNDINT, FSCALE, FPREM, FPREM1, FXTRACT).
 *
 * The reg field of D8/DC/DE/DA selects the operation: 0 add, 1 mul, 4 sub,
 * 5 subr, 6 div, 7 divr. With ST(0) as "a" and the other operand as "b",
 * reg 4/6 compute a - b, a / b and reg 5/7 compute b - a, b / a, whichever
 * register is the destination (so DC E0+i, "FSUBR ST(i), ST(0)", is
 * ST(i) := ST(0) - ST(i), as the SDM says).
 *
 * An unmasked exception that suppresses the result (IE, DE, ZE) leaves the
 * destination and TOP unchanged (no pop); unmasked OE/UE deliver the
 * rescaled result and PE the rounded one, and the instruction completes.
 */
import * as $float80 from './float80.js';
import * as $x87_core from './x87-core.js';
import { MemOp, RegOp } from './x87-core.js';
import type { FpuEnv } from './fpu-env.js';
import * as $x87_state from './x87-state.js';
import { X87State } from './x87-state.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { f80Abs, f80Add, f80Chs, f80Div, f80Extract, f80Mul, f80Prem, f80RoundInt, f80Scale, f80Sqrt, f80Sub } = $float80;
const { begin, beginMemOperand, commit, isFull, pop, setIndefinite, stackFault } = $x87_core;
const { SLOT_MEM, SW_C1, SW_C2, SW_CC, SW_IE } = $x87_state;

/** Extra cycles (DESIGN.md "Cycle model"; P6 latencies: FMUL 5, FDIV 38, FSQRT 69, FPREM ~30). */
export const FMUL_CYCLES = 4;
export const FDIV_CYCLES = 37;
export const FSQRT_CYCLES = 68;
export const FPREM_CYCLES = 30;

/** d := a op b for reg-field `op`. Returns false when an unmasked exception suppressed the result. */
function arith(x: X87State, op: number, d: number, a: number, b: number, memDenormal: number): boolean {
  const f = x.regs;
  const env = x.env;
  switch (op) {
    case 0: return f80Add(f, d, a, b, env, memDenormal);
    case 1: return f80Mul(f, d, a, b, env, memDenormal);
    case 4:
    case 5: return f80Sub(f, d, a, b, env, memDenormal);
    default: return f80Div(f, d, a, b, env, memDenormal);
  }
}

function cost(op: number): number {
  return op === 1 ? FMUL_CYCLES : op >= 6 ? FDIV_CYCLES : 0;
}

/**
 * Register forms: D8 (ST(0) := ST(0) op ST(i)), DC (ST(i) := ...), DE (DC
 * then pop). Stack underflow, masked: the destination becomes the indefinite
 * (and DE pops).
 */
export function regArith(op: number, toSti: boolean, popAfter: boolean): RegOp {
  const reversed = op === 5 || op === 7;
  const cycles = cost(op);
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s0 = x.top;
    const si = (s0 + (fop & 7)) & 7;
    const d = toSti ? si : s0;
    if ((x.full >> s0) & (x.full >> si) & 1) {
      x.env.flags = 0;
      const ok = reversed ? arith(x, op, d, si, s0, 0) : arith(x, op, d, s0, si, 0);
      commit(x, SW_C1);
      if (ok && popAfter) pop(x);
      c.extraCycles += cycles;
    } else if (stackFault(x, false)) {
      setIndefinite(x, d);
      if (popAfter) pop(x);
    }
  };
}

/** Memory forms: D8 m32fp, DC m64fp, DA m32int, DE m16int (ST(0) := ST(0) op m). */
export function memArith(op: number, kind: number): MemOp {
  const reversed = op === 5 || op === 7;
  const cycles = cost(op);
  return (c, fop, off, seg) => {
    const x = c.fpu;
    const den = beginMemOperand(c, x, kind, fop, off, seg);
    if (den < 0) return;
    const s0 = x.top;
    if (!isFull(x, s0)) {
      if (stackFault(x, false)) setIndefinite(x, s0);
      return;
    }
    x.env.flags = 0;
    if (reversed) arith(x, op, s0, SLOT_MEM, s0, den);
    else arith(x, op, s0, s0, SLOT_MEM, den << 1);
    commit(x, SW_C1);
    c.extraCycles += cycles;
  };
}

/** ST(0) if present; after a stack underflow (masked: ST(0) := indefinite) -1. */
function top0(x: X87State): number {
  const s = x.top;
  if (isFull(x, s)) return s;
  if (stackFault(x, false)) setIndefinite(x, s);
  return -1;
}

/** ST(0) and ST(1) present: returns ST(0)'s register; else -1 after the underflow response on `dst1 ? ST(1) : ST(0)`. */
export function top01(x: X87State, dst1: boolean, cc = SW_C1): number {
  const s0 = x.top;
  const s1 = (s0 + 1) & 7;
  if ((x.full >> s0) & (x.full >> s1) & 1) return s0;
  if (stackFault(x, false, cc)) setIndefinite(x, dst1 ? s1 : s0);
  return -1;
}

/** FCHS (D9 E0), FABS (D9 E1): ST(0) := setSign(ST(0)); C1 = 0, only stack faults. */
function signOp(setSign: (f: Uint32Array, d: number, s: number) => void): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s = top0(x);
    if (s < 0) return;
    setSign(x.regs, s, s);
    x.sw &= ~SW_C1;
  };
}

export const fchs = signOp(f80Chs);
export const fabs = signOp(f80Abs);

/**
 * ST(0) := fn(ST(0)) with fn's exceptions. `cc`: the condition codes the
 * instruction defines (C1, and C2 for the trig functions); an empty ST(0) is
 * a stack underflow (masked: ST(0) := indefinite).
 */
export function unaryOp(fn: (f: Uint32Array, d: number, a: number, env: FpuEnv) => boolean, cc: number, cycles: number): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s = x.top;
    if (!isFull(x, s)) {
      if (stackFault(x, false, cc)) setIndefinite(x, s);
      return;
    }
    x.env.flags = 0;
    fn(x.regs, s, s, x.env);
    commit(x, cc);
    c.extraCycles += cycles;
  };
}

/** FSQRT (D9 FA), FRNDINT (D9 FC). */
export const fsqrt = unaryOp(f80Sqrt, SW_C1, FSQRT_CYCLES);
export const frndint = unaryOp(f80RoundInt, SW_C1, 0);

/** FSCALE (D9 FD): ST(0) := ST(0) * 2^trunc(ST(1)). */
export const fscale: RegOp = (c, fop) => {
  const x = c.fpu;
  if (!begin(c, x, fop)) return;
  const s0 = top01(x, false);
  if (s0 < 0) return;
  x.env.flags = 0;
  f80Scale(x.regs, s0, s0, (s0 + 1) & 7, x.env);
  commit(x, SW_C1);
};

/** True when slot s holds a NaN or an unsupported encoding with exponent 7FFFh. */
function isNanSlot(f: Uint32Array, s: number): boolean {
  const o = s << 2;
  return (f[o + 2] & 0x7fff) === 0x7fff && (f[o + 1] !== 0x80000000 || f[o] !== 0);
}

/**
 * FPREM (D9 F8) / FPREM1 (D9 F5): C0 C3 C1 = quotient bits, C2 = incomplete.
 * Host check: with a NaN result (NaN operand, invalid operation), or when an
 * unmasked exception (e.g. DE) stops the operation, only C1 and C2 are
 * cleared; C0 and C3 keep their values.
 */
export function fprem(nearest: boolean): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s0 = top01(x, false, SW_C1 | SW_C2);
    if (s0 < 0) return;
    const s1 = (s0 + 1) & 7;
    const f = x.regs;
    const nan = isNanSlot(f, s0) || isNanSlot(f, s1);
    x.env.flags = 0;
    const done = f80Prem(f, s0, s0, s1, x.env, nearest);
    commit(x, nan || !done || (x.env.flags & SW_IE) !== 0 ? SW_C1 | SW_C2 : SW_CC);
    c.extraCycles += FPREM_CYCLES;
  };
}

/**
 * FXTRACT (D9 F4): ST(0) := exponent, then push the significand. An empty
 * ST(0) is an underflow, a full ST(7) an overflow; masked, both results are
 * the indefinite.
 */
export const fxtract: RegOp = (c, fop) => {
  const x = c.fpu;
  if (!begin(c, x, fop)) return;
  const s0 = x.top;
  const d = (s0 - 1) & 7;
  if (!isFull(x, s0) || isFull(x, d)) {
    if (stackFault(x, isFull(x, s0))) {
      setIndefinite(x, s0);
      setIndefinite(x, d);
      x.top = d;
    }
    return;
  }
  x.env.flags = 0;
  if (f80Extract(x.regs, d, s0, s0, x.env)) {
    x.top = d;
    x.full |= 1 << d;
  }
  commit(x, SW_C1);
};
