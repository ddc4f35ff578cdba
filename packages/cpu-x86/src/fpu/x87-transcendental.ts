/**
 * x87 transcendental instructions (SDM Vol. 2 F2XM1, FYL2X, FYL2XP1, FPTAN,
 * FPATAN, FSIN, FCOS, FSINCOS) on the register stack. The values come from
 * float80-transcendental.ts, which is not bit-exact with Intel hardware (see
 * the README there); the stack handling, C1/C2 and exceptions are.
 *
 * C2 = 1 for FSIN/FCOS/FSINCOS/FPTAN with |ST(0)| >= 2^63: nothing changes
 * (no push). FPTAN/FSINCOS/FXTRACT-style pushes check ST(0) empty
 * (underflow) before ST(7) full (overflow); the masked response makes both
 * results the indefinite.
 */
import * as $float80 from './float80.js';
import * as $x87_core from './x87-core.js';
import { RegOp } from './x87-core.js';
import * as $x87_arith from './x87-arith.js';
import * as $x87_state from './x87-state.js';
import { X87State } from './x87-state.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { f80Atan2, f80Cos, f80F2xm1, f80Sin, f80SinCos, f80Tan, f80Yl2x, f80Yl2xp1 } = $float80;
const { begin, commit, isFull, pop, setIndefinite, stackFault } = $x87_core;
const { top01, unaryOp } = $x87_arith;
const { SW_C1, SW_C2 } = $x87_state;

/** Extra cycles of a transcendental instruction (P6: roughly 100-200). */
export const TRANSCENDENTAL_CYCLES = 100;

const CC_TRIG = SW_C1 | SW_C2;

/** F2XM1 (D9 F0), FSIN (D9 FE), FCOS (D9 FF). */
export const f2xm1 = unaryOp(f80F2xm1, SW_C1, TRANSCENDENTAL_CYCLES);
export const fsin = unaryOp(f80Sin, CC_TRIG, TRANSCENDENTAL_CYCLES);
export const fcos = unaryOp(f80Cos, CC_TRIG, TRANSCENDENTAL_CYCLES);

/** FYL2X (D9 F1), FYL2XP1 (D9 F9), FPATAN (D9 F3): ST(1) := fn(ST(0), ST(1)), then pop. */
function binaryPop(fn: (f: Uint32Array, d: number, a: number, b: number, env: X87State['env']) => boolean): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s0 = top01(x, true);
    if (s0 < 0) {
      if ((x.env.cw & 1) !== 0) pop(x); // masked underflow: ST(1) = indefinite, pop
      return;
    }
    const s1 = (s0 + 1) & 7;
    x.env.flags = 0;
    const ok = fn(x.regs, s1, s0, s1, x.env);
    commit(x, SW_C1);
    if (ok) pop(x);
    c.extraCycles += TRANSCENDENTAL_CYCLES;
  };
}

export const fyl2x = binaryPop(f80Yl2x);
export const fyl2xp1 = binaryPop(f80Yl2xp1);
export const fpatan = binaryPop(f80Atan2);

/**
 * FPTAN (D9 F2) and FSINCOS (D9 FB): ST(0) := first result, then push the
 * second (1.0 for FPTAN, cos for FSINCOS).
 */
function pushing(sincos: boolean): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s0 = x.top;
    const d = (s0 - 1) & 7;
    if (!isFull(x, s0) || isFull(x, d)) {
      if (stackFault(x, isFull(x, s0), CC_TRIG)) {
        setIndefinite(x, s0);
        setIndefinite(x, d);
        x.top = d;
      }
      return;
    }
    x.env.flags = 0;
    const ok = sincos ? f80SinCos(x.regs, s0, d, s0, x.env) : f80Tan(x.regs, s0, d, s0, x.env);
    if (ok) {
      x.top = d;
      x.full |= 1 << d;
    }
    commit(x, CC_TRIG);
    c.extraCycles += TRANSCENDENTAL_CYCLES;
  };
}

export const fptan = pushing(false);
export const fsincos = pushing(true);
