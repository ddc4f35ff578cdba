// Shifts and rotates: C0/C1 (imm8), D0/D1 (by 1), D2/D3 (by CL) with
// ROL ROR RCL RCR SHL SHR SAR; double shifts SHLD/SHRD.
import { opText, type CaseBuilder } from '../case-builder.js';
import { AF, CF, ECX, OF, PF, SF, ZF } from '../diff-case.js';
import { osz, pickSize, type Group } from '../group.js';
import { STATUS6, le, regBit, regName, type Size } from '../x86-encode.js';

const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const;

interface FlagFx {
  flagsRead: number;
  flagsWritten: number;
  flagsUndef: number;
}

/** Counts biased towards the edges: 0, 1, operand size, 31/32, > 31. */
export function pickCount(b: CaseBuilder): number {
  if (b.rng.chance(0.3)) return b.rng.int(256);
  return b.rng.pick([0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 18, 24, 31, 32, 33, 63, 64, 255]);
}

/**
 * Flag effects of a shift/rotate (Intel SDM "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR"):
 *  - masked count (count & 1Fh) 0: flags unaffected;
 *  - rotates: CF defined, OF defined only for a masked count of 1;
 *  - shifts: CF SF ZF PF defined, AF undefined, OF defined only for count 1,
 *    CF undefined for SHL/SHR when the count is >= the operand size.
 */
export function shiftFlags(op: number, size: Size, count: number): FlagFx {
  const c = count & 0x1f;
  if (c === 0) return { flagsRead: 0, flagsWritten: 0, flagsUndef: 0 };
  const of1 = c === 1;
  if (op < 4) {
    return {
      flagsRead: op >= 2 ? CF : 0, // RCL/RCR rotate through CF
      flagsWritten: CF | (of1 ? OF : 0),
      flagsUndef: of1 ? 0 : OF,
    };
  }
  const cfUndef = op !== 7 && c >= size;
  return {
    flagsRead: 0,
    flagsWritten: (cfUndef ? 0 : CF) | SF | ZF | PF | (of1 ? OF : 0),
    flagsUndef: AF | (of1 ? 0 : OF) | (cfUndef ? CF : 0),
  };
}

/** Makes CL hold `count` (sometimes keeping a known ECX as it is). */
function countInCl(b: CaseBuilder, count: number): number {
  const v = b.value(ECX);
  if (v !== undefined && !b.isTainted(ECX) && b.rng.chance(0.3)) return v & 0xff;
  b.setReg(ECX, ((b.rng.u32() & 0xffffff00) | count) >>> 0);
  return count;
}

export function emitShift(b: CaseBuilder, ops: readonly number[] = [0, 1, 2, 3, 4, 5, 7]): void {
  const rng = b.rng;
  const op = rng.pick(ops);
  const size = pickSize(rng);
  const w = size === 8 ? 0 : 1;
  const form = rng.int(3);
  let count: number;
  let opcode: number;
  let imm: number[] = [];
  let countText: string;
  let reads = 0;
  if (form === 0) {
    count = 1;
    opcode = 0xd0 + w;
    countText = '1';
  } else if (form === 1) {
    count = pickCount(b);
    opcode = 0xc0 + w;
    imm = [count];
    countText = String(count);
  } else {
    count = countInCl(b, pickCount(b));
    opcode = 0xd2 + w;
    countText = 'cl';
    reads = 1 << ECX;
  }
  const rm = b.rm(size, { dest: true });
  b.insn({
    prefixes: osz(size),
    opcode: [opcode],
    rm,
    reg: op,
    imm,
    text: `${SHIFT_NAMES[op]} ${opText(rm)}, ${countText}`,
    reads,
    rmWrite: true,
    ...shiftFlags(op, size, count),
  });
}

function emitShld(b: CaseBuilder): void {
  const rng = b.rng;
  const right = rng.int(2);
  const size = pickSize(rng, false);
  const byCl = rng.chance(0.5);
  let count = pickCount(b);
  if (byCl) count = countInCl(b, count);
  const c = count & 0x1f;
  // Intel SDM SHLD/SHRD: count > operand size leaves the destination and
  // the flags undefined; keep such destinations in registers.
  const tooBig = c > size;
  const rm = tooBig ? b.reg(size, b.destReg(size)) : b.rm(size, { dest: true });
  const src = b.srcReg(size);
  let fx: FlagFx;
  if (c === 0) fx = { flagsRead: 0, flagsWritten: 0, flagsUndef: 0 };
  else if (tooBig) fx = { flagsRead: 0, flagsWritten: 0, flagsUndef: STATUS6 };
  else {
    // CF SF ZF PF defined; AF undefined; OF defined only for a 1-bit shift.
    fx = { flagsRead: 0, flagsWritten: CF | SF | ZF | PF | (c === 1 ? OF : 0), flagsUndef: AF | (c === 1 ? 0 : OF) };
  }
  b.insn({
    prefixes: osz(size),
    opcode: [0x0f, (right ? 0xac : 0xa4) + (byCl ? 1 : 0)],
    rm,
    reg: src,
    imm: byCl ? [] : le(count, 1),
    text: `${right ? 'shrd' : 'shld'} ${opText(rm)}, ${regName(size, src)}, ${byCl ? 'cl' : count}`,
    reads: regBit(size, src) | (byCl ? 1 << ECX : 0),
    rmWrite: true,
    regsUndef: tooBig ? regBit(size, rm.kind === 'reg' ? rm.reg : 0) : 0,
    ...fx,
  });
}

export const shiftGroup: Group = {
  name: 'shift',
  summary: 'ROL ROR RCL RCR SHL SHR SAR via C0/C1 imm8, D0/D1 by 1, D2/D3 by CL; counts 0..255',
  undefinedFlags: OF | AF | CF, // OF for counts != 1, AF for shifts, CF for SHL/SHR count >= size (8/16-bit)
  emit: (b) => emitShift(b),
};

export const shldGroup: Group = {
  name: 'shld',
  summary: 'SHLD/SHRD 0F A4/A5/AC/AD, imm8 and CL counts, 16/32-bit',
  undefinedFlags: STATUS6, // AF always, OF if count > 1, all six if count > operand size
  undefinedResults: 'destination when the masked count exceeds the operand size (16-bit, count 17..31)',
  emit: emitShld,
};
