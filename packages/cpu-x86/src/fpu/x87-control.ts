/**
 * x87 control instructions (SDM Vol. 2 FINIT/FNINIT, FCLEX/FNCLEX, FLDCW,
 * FSTCW/FNSTCW, FSTSW/FNSTSW, FSTENV/FNSTENV, FLDENV, FSAVE/FNSAVE, FRSTOR,
 * FINCSTP, FDECSTP, FNOP, FENI/FDISI/FSETPM, WAIT). Control instructions do
 * not change the last-instruction pointers; the FN forms do not wait (no
 * #MF for a pending exception).
 *
 * Environment layouts (SDM Vol. 1 8.1.10, Figures 8-9 to 8-12), chosen by
 * the operand size and by the mode (real and virtual-8086 modes use the
 * real-mode layout, whose pointers are 20/32-bit linear addresses
 * (selector << 4) + offset):
 *
 *   32-bit protected (28 bytes)       32-bit real (28 bytes)
 *    0 CW                               0 CW
 *    4 SW                               4 SW
 *    8 TW                               8 TW
 *   12 FIP offset                      12 FIP 15..0
 *   16 FCS | FOP << 16                 16 FIP 31..16 << 12 | FOP
 *   20 FDP offset                      20 FDP 15..0
 *   24 FDS                             24 FDP 31..16 << 12
 *
 *   16-bit protected (14 bytes)       16-bit real (14 bytes)
 *    0 CW  2 SW  4 TW                   0 CW  2 SW  4 TW
 *    6 FIP offset  8 FCS                6 FIP 15..0   8 FIP 19..16 << 12 | FOP
 *   10 FDP offset 12 FDS               10 FDP 15..0  12 FDP 19..16 << 12
 *
 * The unused upper halves of the 32-bit layouts' words are stored as FFFFh
 * (as the host does). FNSAVE/FRSTOR add ST(0)..ST(7), 10 bytes each, after
 * the environment (94 or 108 bytes).
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $x87_core from './x87-core.js';
import { MemOp, RegOp } from './x87-core.js';
import * as $x87_state from './x87-state.js';
import { X87State } from './x87-state.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CR0_MP, CR0_TS, VEC_NM } = $constants;
const { begin, pendingError, storeAddr } = $x87_core;
const { SW_C1, SW_ES } = $x87_state;

/** Extra cycles of FNSAVE/FRSTOR (P6: ~70-100). */
export const FSAVE_CYCLES = 70;

/** True when the environment uses the real-mode layout. */
function realLayout(c: Cpu): boolean {
  return !c.protectedMode || c.vm86;
}

/** FNSTENV body at linear `lin` (already checked and probed). */
function storeEnv(c: Cpu, x: X87State, lin: number, op32: boolean): void {
  const real = realLayout(c);
  const ip = real ? ((x.fcs << 4) + x.fip) >>> 0 : x.fip;
  const dp = real ? ((x.fds << 4) + x.fdp) >>> 0 : x.fdp;
  if (op32) {
    c.lwrite32(lin, 0xffff0000 | x.cw);
    c.lwrite32((lin + 4) | 0, 0xffff0000 | x.status);
    c.lwrite32((lin + 8) | 0, 0xffff0000 | x.tagWord);
    if (real) {
      c.lwrite32((lin + 12) | 0, 0xffff0000 | (ip & 0xffff));
      c.lwrite32((lin + 16) | 0, ((ip >>> 4) & 0x0ffff000) | x.fop);
      c.lwrite32((lin + 20) | 0, 0xffff0000 | (dp & 0xffff));
      c.lwrite32((lin + 24) | 0, (dp >>> 4) & 0x0ffff000);
    } else {
      c.lwrite32((lin + 12) | 0, x.fip);
      c.lwrite32((lin + 16) | 0, x.fcs | (x.fop << 16));
      c.lwrite32((lin + 20) | 0, x.fdp);
      c.lwrite32((lin + 24) | 0, 0xffff0000 | x.fds);
    }
  } else {
    c.lwrite16(lin, x.cw);
    c.lwrite16((lin + 2) | 0, x.status);
    c.lwrite16((lin + 4) | 0, x.tagWord);
    if (real) {
      c.lwrite16((lin + 6) | 0, ip);
      c.lwrite16((lin + 8) | 0, ((ip >>> 4) & 0xf000) | x.fop);
      c.lwrite16((lin + 10) | 0, dp);
      c.lwrite16((lin + 12) | 0, (dp >>> 4) & 0xf000);
    } else {
      c.lwrite16((lin + 6) | 0, x.fip);
      c.lwrite16((lin + 8) | 0, x.fcs);
      c.lwrite16((lin + 10) | 0, x.fdp);
      c.lwrite16((lin + 12) | 0, x.fds);
    }
  }
}

/** An environment read from memory, applied only once every byte was read. */
const ENV = new Uint32Array(7);
/** ST(0)..ST(7) of an FRSTOR image: [lo, hi, se] each. */
const REGS = new Uint32Array(24);

function readEnv(c: Cpu, lin: number, op32: boolean): void {
  if (op32) for (let i = 0; i < 7; i++) ENV[i] = c.lread32((lin + 4 * i) | 0);
  else for (let i = 0; i < 7; i++) ENV[i] = c.lread16((lin + 2 * i) | 0);
}

function applyEnv(c: Cpu, x: X87State, op32: boolean): void {
  const real = realLayout(c);
  x.cw = ENV[0] & 0xffff;
  x.status = ENV[1] & 0xffff; // TOP, flags; ES/B recomputed
  x.tagWord = ENV[2] & 0xffff;
  if (real) {
    const mask = op32 ? 0xffff : 0xf;
    x.fip = ((((ENV[4] >>> 12) & mask) << 16) | (ENV[3] & 0xffff)) >>> 0;
    x.fop = ENV[4] & 0x7ff;
    x.fdp = ((((ENV[6] >>> 12) & mask) << 16) | (ENV[5] & 0xffff)) >>> 0;
    x.fcs = 0;
    x.fds = 0;
  } else if (op32) {
    x.fip = ENV[3] | 0;
    x.fcs = ENV[4] & 0xffff;
    x.fop = (ENV[4] >>> 16) & 0x7ff;
    x.fdp = ENV[5] | 0;
    x.fds = ENV[6] & 0xffff;
  } else {
    x.fip = ENV[3] & 0xffff;
    x.fcs = ENV[4] & 0xffff;
    x.fdp = ENV[5] & 0xffff;
    x.fds = ENV[6] & 0xffff;
  }
}

function envSize(c: Cpu): number {
  return c.opsize32 ? 28 : 14;
}

/** FNSTENV (D9 /6): stores the environment, then masks every exception (which clears ES and B, host check). */
export const fnstenv: MemOp = (c, _fop, off, seg) => {
  const x = c.fpu;
  const size = envSize(c);
  const lin = storeAddr(c, seg, off, size);
  storeEnv(c, x, lin, c.opsize32);
  x.cw = x.cw | 0x3f;
};

/** FLDENV (D9 /4). */
export const fldenv: MemOp = (c, _fop, off, seg) => {
  const x = c.fpu;
  if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
  const lin = c.readAddr(seg, off, envSize(c));
  readEnv(c, lin, c.opsize32);
  applyEnv(c, x, c.opsize32);
};

/** FNSAVE (DD /6): environment and registers, then FNINIT. */
export const fnsave: MemOp = (c, _fop, off, seg) => {
  const x = c.fpu;
  const es = envSize(c);
  const lin = storeAddr(c, seg, off, es + 80);
  storeEnv(c, x, lin, c.opsize32);
  const f = x.regs;
  for (let i = 0; i < 8; i++) {
    const o = ((x.top + i) & 7) << 2;
    const p = (lin + es + 10 * i) | 0;
    c.lwrite32(p, f[o]);
    c.lwrite32((p + 4) | 0, f[o + 1]);
    c.lwrite16((p + 8) | 0, f[o + 2]);
  }
  x.init();
  c.extraCycles += FSAVE_CYCLES;
};

/** FRSTOR (DD /4). */
export const frstor: MemOp = (c, _fop, off, seg) => {
  const x = c.fpu;
  if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
  const es = envSize(c);
  const lin = c.readAddr(seg, off, es + 80);
  readEnv(c, lin, c.opsize32);
  for (let i = 0; i < 8; i++) {
    const p = (lin + es + 10 * i) | 0;
    REGS[3 * i] = c.lread32(p);
    REGS[3 * i + 1] = c.lread32((p + 4) | 0);
    REGS[3 * i + 2] = c.lread16((p + 8) | 0);
  }
  applyEnv(c, x, c.opsize32);
  for (let i = 0; i < 8; i++) x.setRawRegister((x.top + i) & 7, REGS[3 * i + 2], REGS[3 * i + 1], REGS[3 * i]);
  c.extraCycles += FSAVE_CYCLES;
};

/** FLDCW m16 (D9 /5): unmasking a pending exception sets ES (it is then raised at the next waiting instruction). */
export const fldcw: MemOp = (c, _fop, off, seg) => {
  const x = c.fpu;
  if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
  x.cw = c.read16(seg, off);
};

/** FNSTCW m16 (D9 /7). */
export const fnstcw: MemOp = (c, _fop, off, seg) => {
  c.write16(seg, off, c.fpu.cw);
};

/** FNSTSW m16 (DD /7). */
export const fnstswMem: MemOp = (c, _fop, off, seg) => {
  c.write16(seg, off, c.fpu.status);
};

/** FNSTSW AX (DF E0). */
export const fnstswAx: RegOp = (c) => {
  c.reg16[0] = c.fpu.status;
};

/** FNCLEX (DB E2). */
export const fnclex: RegOp = (c) => {
  c.fpu.clearExceptions();
};

/** FNINIT (DB E3). */
export const fninit: RegOp = (c) => {
  c.fpu.init();
};

/** FNENI, FNDISI (8087), FNSETPM (287) (DB E0, E1, E4): no operation on the 387 and later. */
export const fnNop: RegOp = () => {};

/** FNOP (D9 D0): a waiting non-control instruction that changes nothing else (C1 kept, host check). */
export const fnop: RegOp = (c, fop) => {
  begin(c, c.fpu, fop);
};

/** FINCSTP (D9 F7), FDECSTP (D9 F6): TOP +- 1, tags unchanged, C1 = 0. */
export function fstp(delta: number): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    x.top = (x.top + delta) & 7;
    x.sw &= ~SW_C1;
  };
}

/**
 * WAIT/FWAIT (9B): #NM only when CR0.MP and CR0.TS are both set (CR0.EM does
 * not matter, SDM Vol. 3A table 2-2), then any pending exception.
 */
export function fwait(c: Cpu): void {
  if ((c.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) c.fault(VEC_NM);
  if ((c.fpu.sw & SW_ES) !== 0) pendingError(c);
}
