/**
 * x87 comparisons (SDM Vol. 2 FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/FUCOMPP,
 * FICOM/FICOMP, FCOMI/FCOMIP/FUCOMI/FUCOMIP, FTST, FXAM).
 *
 * C3 C2 C0 = 000 ST(0) > src, 001 <, 100 =, 111 unordered; C1 = 0.
 * Checked on the host: the condition codes (and for FCOMI the EFLAGS) are
 * written even when an unmasked IE is raised (NaN operand or stack
 * underflow), but then nothing is popped.
 * FCOMI family: ZF PF CF = C3 C2 C0, OF SF AF = 0; the status word's
 * condition codes are left alone (C1 too, host check), except that a
 * stack underflow clears C1.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $flags from '../flags.js';
import * as $float80 from './float80.js';
import * as $x87_core from './x87-core.js';
import { MemOp, RegOp } from './x87-core.js';
import * as $x87_state from './x87-state.js';
import { X87State } from './x87-state.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } = $constants;
const { setFlagBits } = $flags;
const { CMP_UNORDERED, f80Compare, f80Examine, FXAM_EMPTY } = $float80;
const { begin, beginMemOperand, compareUnderflow, isFull, pop, stackFault } = $x87_core;
const { SLOT_MEM, SLOT_ZERO, SW_B, SW_C0, SW_C1, SW_C2, SW_C3, SW_CC, SW_ES, SW_EXC } = $x87_state;

/** Sets the compare result: codes replace C0-C3 (C1 = 0), exceptions merge. Returns true when none is unmasked. */
function commitCompare(x: X87State, codes: number): boolean {
  const fl = x.env.flags;
  const sw = (x.sw & ~SW_CC) | codes | (fl & SW_EXC);
  if ((fl & ~x.env.cw & SW_EXC) !== 0) {
    x.sw = sw | SW_ES | SW_B;
    return false;
  }
  x.sw = sw;
  return true;
}

/**
 * FCOM/FCOMP ST(i) (D8 D0/D8, aliases DC D0/D8 and DE D0), FUCOM/FUCOMP
 * (DD E0/E8), FCOMPP (DE D9), FUCOMPP (DA E9): `pops` 0..2; `st1` compares
 * with ST(1) whatever the ModRM says.
 */
export function regCompare(unordered: boolean, pops: number, st1: boolean): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s0 = x.top;
    const si = (s0 + (st1 ? 1 : fop & 7)) & 7;
    let ok: boolean;
    if ((x.full >> s0) & (x.full >> si) & 1) {
      x.env.flags = 0;
      ok = commitCompare(x, f80Compare(x.regs, s0, si, x.env, unordered));
    } else {
      ok = compareUnderflow(x);
    }
    if (ok) for (let i = 0; i < pops; i++) pop(x);
  };
}

/** FCOM/FCOMP m32fp (D8 /2 /3), m64fp (DC), FICOM/FICOMP m32int (DA), m16int (DE). */
export function memCompare(kind: number, popAfter: boolean): MemOp {
  return (c, fop, off, seg) => {
    const x = c.fpu;
    const den = beginMemOperand(c, x, kind, fop, off, seg);
    if (den < 0) return;
    const s0 = x.top;
    let ok: boolean;
    if (isFull(x, s0)) {
      x.env.flags = 0;
      ok = commitCompare(x, f80Compare(x.regs, s0, SLOT_MEM, x.env, false, den << 1));
    } else {
      ok = compareUnderflow(x);
    }
    if (ok && popAfter) pop(x);
  };
}

/** FTST (D9 E4): compare ST(0) with +0.0. */
export const ftst: RegOp = (c, fop) => {
  const x = c.fpu;
  if (!begin(c, x, fop)) return;
  const s0 = x.top;
  if (isFull(x, s0)) {
    x.env.flags = 0;
    commitCompare(x, f80Compare(x.regs, s0, SLOT_ZERO, x.env, false));
  } else {
    compareUnderflow(x);
  }
};

/** FXAM (D9 E5): class of ST(0) in C3 C2 C0, sign in C1 (for an empty register the sign of its stale contents, host check). */
export const fxam: RegOp = (c, fop) => {
  const x = c.fpu;
  if (!begin(c, x, fop)) return;
  const s0 = x.top;
  const code = isFull(x, s0) ? f80Examine(x.regs, s0) : FXAM_EMPTY | ((x.regs[(s0 << 2) + 2] & 0x8000) !== 0 ? SW_C1 : 0);
  x.sw = (x.sw & ~SW_CC) | code;
};

const EFLAGS_FCOMI = FLAG_ZF | FLAG_PF | FLAG_CF | FLAG_OF | FLAG_SF | FLAG_AF;

function setComiFlags(c: Cpu, codes: number): void {
  setFlagBits(
    c,
    EFLAGS_FCOMI,
    ((codes & SW_C3) !== 0 ? FLAG_ZF : 0) | ((codes & SW_C2) !== 0 ? FLAG_PF : 0) | ((codes & SW_C0) !== 0 ? FLAG_CF : 0),
  );
}

/** FCOMI (DB F0+i), FUCOMI (DB E8+i), FCOMIP (DF F0+i), FUCOMIP (DF E8+i). */
export function fcomi(unordered: boolean, popAfter: boolean): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s0 = x.top;
    const si = (s0 + (fop & 7)) & 7;
    let ok: boolean;
    if ((x.full >> s0) & (x.full >> si) & 1) {
      x.env.flags = 0;
      const codes = f80Compare(x.regs, s0, si, x.env, unordered);
      const fl = x.env.flags;
      const sw = x.sw | (fl & SW_EXC);
      ok = (fl & ~x.env.cw & SW_EXC) === 0;
      x.sw = ok ? sw : sw | SW_ES | SW_B;
      setComiFlags(c, codes);
    } else {
      ok = stackFault(x, false);
      setComiFlags(c, CMP_UNORDERED);
    }
    if (ok && popAfter) pop(x);
  };
}
