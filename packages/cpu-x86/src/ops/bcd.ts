/**
 * Decimal arithmetic adjustments: DAA (27), DAS (2F), AAA (37), AAS (3F),
 * AAM (D4 ib) and AAD (D5 ib). Intel SDM Vol. 2A "AAA", "AAD", "AAM", "AAS",
 * "DAA", "DAS" give the algorithms; AAA/AAS use the P6 form that adjusts AX
 * as a whole (AX + 106H / AX - 6, so a carry or borrow out of AL reaches AH).
 *
 * The flags the SDM calls undefined are computed as a modern Intel host does
 * (checked exhaustively over AL x CF x AF, and AH for AAA/AAS/AAD):
 *  - DAA/DAS: OF = 0.
 *  - AAA/AAS: SF/ZF/PF from the final AL (which is at most 0FH, so SF = 0),
 *    OF = 0.
 *  - AAM: CF = AF = OF = 0.
 *  - AAD: CF/AF/OF as for ADD AL, (AH * imm8) AND 0FFH.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_ZF, FLAGS_ARITH, VEC_DE } = $constants;
const { defineOp } = $dispatch;
const { getAF, getCF, PARITY } = $flags;

/** Writes all six status flags at once: SF/ZF/PF from the byte `r`, plus `extra` (CF/AF/OF bits). */
function setByteFlags(c: Cpu, r: number, extra: number): void {
  r &= 0xff;
  c.lzMask = 0;
  c.flags = (c.flags & ~FLAGS_ARITH) | extra | PARITY[r] | (r === 0 ? FLAG_ZF : 0) | (r & 0x80);
}

/**
 * DAA (`dir` = 1) and DAS (`dir` = -1): the same two corrections, 6 for the
 * low digit and 60H for the high one, added or subtracted. A carry or borrow
 * out of AL by the first one sets CF (the host does so; the SDM says CF is
 * then decided by the second step alone, which differs for DAS).
 */
function decimalAdjust(c: Cpu, dir: number): void {
  const oldAl = c.reg8[0];
  const oldCf = getCF(c);
  const af = getAF(c);
  let al = oldAl;
  let flags = 0;
  if ((al & 0x0f) > 9 || af) {
    al += 6 * dir;
    flags |= FLAG_AF;
    if (al < 0 || al > 0xff) flags |= FLAG_CF;
  }
  if (oldAl > 0x99 || oldCf) {
    al += 0x60 * dir;
    flags |= FLAG_CF;
  }
  // OF (undefined): the host clears it.
  c.reg8[0] = al;
  setByteFlags(c, al, flags);
}

/** AAA (`dir` = 1) and AAS (`dir` = -1): AX + 106H / AX - 106H (AX - 6, then AH - 1), then AL's high digit cleared. */
function asciiAdjust(c: Cpu, dir: number): void {
  let ax = c.reg16[0];
  let flags = 0;
  if ((ax & 0x0f) > 9 || getAF(c)) {
    ax = (ax + 0x106 * dir) & 0xffff;
    flags = FLAG_AF | FLAG_CF;
  }
  c.reg16[0] = ax & 0xff0f;
  setByteFlags(c, ax & 0x0f, flags);
}

function aam(c: Cpu): void {
  const base = c.fetch8();
  if (base === 0) c.fault(VEC_DE);
  const al = c.reg8[0];
  const lo = al % base;
  c.reg8[1] = (al / base) | 0;
  c.reg8[0] = lo;
  // CF, AF, OF undefined: the host clears them.
  setByteFlags(c, lo, 0);
}

function aad(c: Cpu): void {
  const base = c.fetch8();
  const al = c.reg8[0];
  const prod = (c.reg8[1] * base) & 0xff;
  const sum = al + prod;
  const r = sum & 0xff;
  c.reg16[0] = r;
  // CF, AF, OF undefined: the host sets them as for ADD AL, (AH * imm8).
  let flags = 0;
  if (sum > 0xff) flags |= FLAG_CF;
  if (((al ^ prod ^ r) & 0x10) !== 0) flags |= FLAG_AF;
  if (((al ^ r) & (prod ^ r) & 0x80) !== 0) flags |= FLAG_OF;
  setByteFlags(c, r, flags);
}

export function installBcdOps(): void {
  defineOp(0x27, (c) => decimalAdjust(c, 1)); // DAA
  defineOp(0x2f, (c) => decimalAdjust(c, -1)); // DAS
  defineOp(0x37, (c) => asciiAdjust(c, 1)); // AAA
  defineOp(0x3f, (c) => asciiAdjust(c, -1)); // AAS
  defineOp(0xd4, aam);
  defineOp(0xd5, aad);
}
