// Integer arithmetic/logic groups: ADD OR ADC SBB AND SUB XOR CMP in every
// encoding, INC/DEC, NEG/NOT, TEST.
import { opText, type CaseBuilder } from '../case-builder.js';
import { AF, CF, EAX } from '../diff-case.js';
import { immFor, osz, pickSize, type Group } from '../group.js';
import { LOCK, STATUS6, hex, le, regBit, regName, type Size } from '../x86-encode.js';

const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;

/** Intel SDM: AND/OR/XOR/TEST clear OF and CF, set SF ZF PF; AF is undefined. */
const LOGIC_WRITTEN = STATUS6 & ~AF;

function aluFlags(op: number): { flagsRead: number; flagsWritten: number; flagsUndef: number } {
  const logic = op === 1 || op === 4 || op === 6;
  return {
    flagsRead: op === 2 || op === 3 ? CF : 0,
    flagsWritten: logic ? LOGIC_WRITTEN : STATUS6,
    flagsUndef: logic ? AF : 0,
  };
}

/** LOCK is legal only with a memory destination of a read-modify-write op. */
function maybeLock(b: CaseBuilder, memDest: boolean, p = 0.2): number[] {
  return memDest && b.rng.chance(p) ? [LOCK] : [];
}

function emitAlu(b: CaseBuilder): void {
  const rng = b.rng;
  const op = rng.int(8);
  const name = ALU_NAMES[op]!;
  const writesDest = op !== 7;
  const fl = aluFlags(op);
  const form = rng.weighted<string>([
    [3, 'rm,r'],
    [3, 'r,rm'],
    [2, 'acc,imm'],
    [2, '80'],
    [2, '81'],
    [2, '83'],
    [1, '82'],
  ]);
  if (form === 'rm,r' || form === 'r,rm') {
    const size = pickSize(rng);
    const w = size === 8 ? 0 : 1;
    if (form === 'rm,r') {
      const rm = b.rm(size, { dest: writesDest });
      const reg = b.srcReg(size);
      b.insn({
        prefixes: [...osz(size), ...maybeLock(b, writesDest && rm.kind === 'mem')],
        opcode: [op * 8 + w],
        rm,
        reg,
        text: `${name} ${opText(rm)}, ${regName(size, reg)}`,
        reads: regBit(size, reg),
        rmWrite: writesDest,
        ...fl,
      });
    } else {
      const rm = b.rm(size, { dest: false });
      const reg = writesDest ? b.destReg(size) : b.srcReg(size);
      b.insn({
        prefixes: osz(size),
        opcode: [op * 8 + 2 + w],
        rm,
        reg,
        text: `${name} ${regName(size, reg)}, ${opText(rm)}`,
        reads: regBit(size, reg),
        writes: writesDest ? regBit(size, reg) : 0,
        ...fl,
      });
    }
    return;
  }
  if (form === 'acc,imm') {
    const size = pickSize(rng);
    const imm = immFor(rng, size);
    b.insn({
      prefixes: osz(size),
      opcode: [op * 8 + (size === 8 ? 4 : 5)],
      imm: le(imm, size / 8),
      text: `${name} ${regName(size, EAX)}, ${hex(imm)}`,
      reads: 1 << EAX,
      writes: writesDest ? 1 << EAX : 0,
      ...fl,
    });
    return;
  }
  // Group 1: 80 /op ib, 81 /op iz, 82 /op ib (alias of 80 in 32-bit mode),
  // 83 /op ib sign-extended.
  const size: Size = form === '80' || form === '82' ? 8 : pickSize(rng, false);
  const opcode = Number.parseInt(form, 16);
  const immLen = opcode === 0x81 ? size / 8 : 1;
  const imm = immLen === 1 ? immFor(rng, 8) : immFor(rng, size);
  const rm = b.rm(size, { dest: writesDest });
  const shown = opcode === 0x83 ? ((imm << 24) >> 24) & (size === 32 ? -1 : 0xffff) : imm;
  b.insn({
    prefixes: [...osz(size), ...maybeLock(b, writesDest && rm.kind === 'mem')],
    opcode: [opcode],
    rm,
    reg: op,
    imm: le(imm, immLen),
    text: `${name} ${opText(rm)}, ${hex(shown)}`,
    rmWrite: writesDest,
    ...fl,
  });
}

function emitIncDec(b: CaseBuilder): void {
  const rng = b.rng;
  const dec = rng.int(2);
  const name = dec ? 'dec' : 'inc';
  // Intel SDM: INC/DEC leave CF unchanged and set OF SF ZF AF PF.
  const flags = { flagsWritten: STATUS6 & ~CF };
  if (rng.chance(0.3)) {
    // 40+r / 48+r (16/32-bit register forms).
    const size = pickSize(rng, false);
    const r = b.destReg(size);
    b.insn({
      prefixes: osz(size),
      opcode: [(dec ? 0x48 : 0x40) + r],
      text: `${name} ${regName(size, r)}`,
      reads: 1 << r,
      writes: 1 << r,
      ...flags,
    });
    return;
  }
  const size = pickSize(rng);
  const rm = b.rm(size, { dest: true });
  b.insn({
    prefixes: [...osz(size), ...maybeLock(b, rm.kind === 'mem')],
    opcode: [size === 8 ? 0xfe : 0xff],
    rm,
    reg: dec,
    text: `${name} ${opText(rm)}`,
    rmWrite: true,
    ...flags,
  });
}

function emitNegNot(b: CaseBuilder): void {
  const rng = b.rng;
  const neg = rng.int(2);
  const size = pickSize(rng);
  const rm = b.rm(size, { dest: true });
  b.insn({
    prefixes: [...osz(size), ...maybeLock(b, rm.kind === 'mem')],
    opcode: [size === 8 ? 0xf6 : 0xf7],
    rm,
    reg: 2 + neg,
    text: `${neg ? 'neg' : 'not'} ${opText(rm)}`,
    rmWrite: true,
    // Intel SDM: NOT affects no flags; NEG sets all six (CF = source != 0).
    flagsWritten: neg ? STATUS6 : 0,
  });
}

function emitTest(b: CaseBuilder): void {
  const rng = b.rng;
  const size = pickSize(rng);
  const w = size === 8 ? 0 : 1;
  const flags = { flagsWritten: LOGIC_WRITTEN, flagsUndef: AF };
  const form = rng.int(3);
  if (form === 0) {
    const rm = b.rm(size, { dest: false });
    const reg = b.srcReg(size);
    b.insn({
      prefixes: osz(size),
      opcode: [0x84 + w],
      rm,
      reg,
      text: `test ${opText(rm)}, ${regName(size, reg)}`,
      reads: regBit(size, reg),
      ...flags,
    });
  } else if (form === 1) {
    const imm = immFor(rng, size);
    b.insn({
      prefixes: osz(size),
      opcode: [0xa8 + w],
      imm: le(imm, size / 8),
      text: `test ${regName(size, EAX)}, ${hex(imm)}`,
      reads: 1 << EAX,
      ...flags,
    });
  } else {
    const imm = immFor(rng, size);
    const rm = b.rm(size, { dest: false });
    b.insn({
      prefixes: osz(size),
      opcode: [0xf6 + w],
      rm,
      reg: 0,
      imm: le(imm, size / 8),
      text: `test ${opText(rm)}, ${hex(imm)}`,
      ...flags,
    });
  }
}

export const aluGroup: Group = {
  name: 'alu',
  summary: 'ADD OR ADC SBB AND SUB XOR CMP: 00-3D r/m,r r,r/m acc,imm; 80/81/82/83 groups; LOCK on memory',
  undefinedFlags: AF, // after AND/OR/XOR only
  emit: emitAlu,
};

export const incDecGroup: Group = {
  name: 'incdec',
  summary: 'INC/DEC 40+r 48+r, FE /0 /1, FF /0 /1; LOCK on memory',
  undefinedFlags: 0,
  emit: emitIncDec,
};

export const negNotGroup: Group = {
  name: 'negnot',
  summary: 'NOT/NEG F6/F7 /2 /3; LOCK on memory',
  undefinedFlags: 0,
  emit: emitNegNot,
};

export const testGroup: Group = {
  name: 'test',
  summary: 'TEST 84/85 r/m,r; A8/A9 acc,imm; F6/F7 /0 r/m,imm',
  undefinedFlags: AF,
  emit: emitTest,
};
