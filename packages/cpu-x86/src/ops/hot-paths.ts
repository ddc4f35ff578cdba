/**
 * Specialised handlers for the instructions that dominate real programs
 * (opcode histograms of busybox sha256sum and gzip: MOV 89/8B, the ALU ops
 * between registers, INC/DEC, Jcc/JNZ, PUSH/POP, CALL/RET).
 *
 * The generic handlers are made per operation by a factory, so V8 gives them
 * one shared body and one shared type feedback, and the operation switch
 * inside stays a switch. These are written out per opcode so that each has
 * its own feedback and its flag recording inlines. The semantics are the
 * generic ones: the memory forms defer to them, and the differential tests
 * run through these paths.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $dispatch from '../decode/dispatch.js';
import type { Handler } from '../decode/dispatch.js';
import * as $modrm from '../decode/modrm.js';
import * as $flags from '../flags.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CS, ESP, FLAG_CF, FLAG_OF, FLAG_ZF, FLAGS_ARITH, SS, VEC_GP } = $constants;
const { dispatchTables } = $dispatch;
const { decodeEA } = $modrm;
const { getCF, OP_ADD, OP_LOGIC, OP_SUB, setFlagBits, setResultFlags } = $flags;

/** Lazy-flags record for a 32-bit result (see flags.ts), written inline. */
function record32(c: Cpu, op: number, dst: number, src: number, res: number): void {
  c.lzOp = op;
  c.lzDst = dst;
  c.lzSrc = src;
  c.lzRes = res;
  c.lzShift = 0;
  c.lzMask = FLAGS_ARITH;
}

export function addEvGv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x01);
  const r = m & 7;
  const a = c.reg32[r];
  const b = c.reg32[(m >> 3) & 7];
  const res = (a + b) | 0;
  c.reg32[r] = res;
  record32(c, OP_ADD, a, b, res);
}

export function subEvGv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x29);
  const r = m & 7;
  const a = c.reg32[r];
  const b = c.reg32[(m >> 3) & 7];
  const res = (a - b) | 0;
  c.reg32[r] = res;
  record32(c, OP_SUB, a, b, res);
}

export function cmpEvGv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x39);
  const a = c.reg32[m & 7];
  const b = c.reg32[(m >> 3) & 7];
  record32(c, OP_SUB, a, b, (a - b) | 0);
}

export function cmpGvEv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x3b);
  const a = c.reg32[(m >> 3) & 7];
  const b = c.reg32[m & 7];
  record32(c, OP_SUB, a, b, (a - b) | 0);
}

function logicResult(c: Cpu, res: number): void {
  c.lzOp = OP_LOGIC;
  c.lzRes = res;
  c.lzShift = 0;
  c.lzMask = FLAGS_ARITH;
}

export function xorEvGv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x31);
  const r = m & 7;
  const res = c.reg32[r] ^ c.reg32[(m >> 3) & 7];
  c.reg32[r] = res;
  logicResult(c, res);
}

export function andEvGv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x21);
  const r = m & 7;
  const res = c.reg32[r] & c.reg32[(m >> 3) & 7];
  c.reg32[r] = res;
  logicResult(c, res);
}

export function orEvGv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x09);
  const r = m & 7;
  const res = c.reg32[r] | c.reg32[(m >> 3) & 7];
  c.reg32[r] = res;
  logicResult(c, res);
}

export function testEvGv(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x85);
  logicResult(c, c.reg32[m & 7] & c.reg32[(m >> 3) & 7]);
}

export function movEvGv(c: Cpu): void {
  const m = c.fetch8();
  const v = c.reg32[(m >> 3) & 7];
  if (m >= 0xc0) {
    c.reg32[m & 7] = v;
    return;
  }
  const off = decodeEA(c, m);
  c.write32(c.eaSeg, off, v);
}

export function movGvEv(c: Cpu): void {
  const m = c.fetch8();
  if (m >= 0xc0) {
    c.reg32[(m >> 3) & 7] = c.reg32[m & 7];
    return;
  }
  const off = decodeEA(c, m);
  c.reg32[(m >> 3) & 7] = c.read32(c.eaSeg, off);
}

/** Re-decodes the instruction with the generic handler (memory operands). */
function memoryForm(c: Cpu, opcode: number): void {
  c.eip = (c.eip - 1) | 0;
  GENERIC[opcode](c);
}

const GENERIC: Handler[] = [];

// --- Jcc on ZF, the most common conditions --------------------------------

function zf(c: Cpu): boolean {
  return (c.lzMask & FLAG_ZF) !== 0 ? c.lzRes << c.lzShift === 0 : (c.flags & FLAG_ZF) !== 0;
}

function jumpTo(c: Cpu, target: number): void {
  if (target >>> 0 > c.segLimit[CS]) c.fault(VEC_GP, 0);
  c.eip = target;
}

export function jnzShort(c: Cpu): void {
  const rel = (c.fetch8() << 24) >> 24;
  if (!zf(c)) jumpTo(c, (c.eip + rel) | 0);
}

export function jzShort(c: Cpu): void {
  const rel = (c.fetch8() << 24) >> 24;
  if (zf(c)) jumpTo(c, (c.eip + rel) | 0);
}

function jnzNear(c: Cpu): void {
  const rel = c.fetch32();
  if (!zf(c)) jumpTo(c, (c.eip + rel) | 0);
}

function jzNear(c: Cpu): void {
  const rel = c.fetch32();
  if (zf(c)) jumpTo(c, (c.eip + rel) | 0);
}

// --- INC/DEC r32: CF is kept, so it is folded into flags first --------------

export function incDec32(c: Cpu, r: number, delta: number): void {
  // Fold the current CF (possibly lazy) into flags; INC/DEC keep it.
  if ((c.lzMask & 1) !== 0) {
    const cf = getCF(c);
    c.flags = (c.flags & ~1) | cf;
  }
  const a = c.reg32[r];
  const res = (a + delta) | 0;
  c.reg32[r] = res;
  c.lzOp = delta > 0 ? OP_ADD : OP_SUB;
  c.lzDst = a;
  c.lzSrc = 1;
  c.lzRes = res;
  c.lzShift = 0;
  c.lzMask = FLAGS_ARITH & ~1;
}

// --- PUSH/POP r32 with a flat 32-bit stack ------------------------------------

function push32(c: Cpu, r: number): void {
  if (!c.stack32) return c.push32(c.reg32[r]);
  const sp = (c.reg32[ESP] - 4) | 0;
  c.write32(SS, sp, c.reg32[r]);
  c.reg32[ESP] = sp;
}

function pop32(c: Cpu, r: number): void {
  if (!c.stack32) {
    c.reg32[r] = c.pop32();
    return;
  }
  const sp = c.reg32[ESP];
  const v = c.read32(SS, sp);
  c.reg32[ESP] = (sp + 4) | 0;
  c.reg32[r] = v;
}

// --- Shifts of a 32-bit register (D1 by one, C1 by an immediate) ------------
// Flags as ops/shift.ts documents them (matched to the host): OF from the first
// one-bit step, AF = 0; ROL/ROR of a register by an immediate above 1 keep OF.

function shiftReg32(c: Cpu, m: number, n: number, byImm: boolean): boolean {
  const r = m & 7;
  const v = c.reg32[r];
  switch ((m >> 3) & 7) {
    case 4:
    case 6: {
      const res = v << n;
      c.reg32[r] = res;
      setResultFlags(c, res, 32, ((v >>> (32 - n)) & 1) | ((((v >>> 31) ^ (v >>> 30)) & 1) << 11));
      return true;
    }
    case 5: {
      const res = v >>> n;
      c.reg32[r] = res;
      setResultFlags(c, res, 32, ((v >>> (n - 1)) & 1) | (((v >>> 31) & 1) << 11));
      return true;
    }
    case 7: {
      const res = v >> n;
      c.reg32[r] = res;
      setResultFlags(c, res, 32, (v >> (n - 1)) & 1);
      return true;
    }
    case 0: {
      const res = (v << n) | (v >>> (32 - n));
      c.reg32[r] = res;
      if (byImm && n > 1) setFlagBits(c, FLAG_CF, res & 1);
      else setFlagBits(c, FLAG_CF | FLAG_OF, (res & 1) | ((((v >>> 31) ^ (v >>> 30)) & 1) << 11));
      return true;
    }
    case 1: {
      const res = (v >>> n) | (v << (32 - n));
      c.reg32[r] = res;
      if (byImm && n > 1) setFlagBits(c, FLAG_CF, res >>> 31);
      else setFlagBits(c, FLAG_CF | FLAG_OF, (res >>> 31) | ((((v >>> 31) ^ v) & 1) << 11));
      return true;
    }
    default:
      return false; // RCL/RCR: the generic handler
  }
}

export function shiftByOne(c: Cpu): void {
  const m = c.fetch8();
  if (m >= 0xc0 && shiftReg32(c, m, 1, false)) return;
  memoryForm(c, 0xd1);
}

export function shiftByImm(c: Cpu): void {
  const start = c.eip;
  const m = c.fetch8();
  if (m >= 0xc0) {
    const n = c.fetch8() & 31;
    if (n === 0) return; // a zero count changes nothing, not even flags
    if (shiftReg32(c, m, n, true)) return;
  }
  c.eip = start; // back to the ModRM byte
  GENERIC[0xc1](c);
}

// --- Group 1 with a sign-extended byte: ADD/SUB/CMP/AND r32, imm8 -----------

export function group1Imm8(c: Cpu): void {
  const m = c.fetch8();
  if (m < 0xc0) return memoryForm(c, 0x83);
  const r = m & 7;
  const a = c.reg32[r];
  const b = (c.fetch8() << 24) >> 24;
  switch ((m >> 3) & 7) {
    case 0: {
      const res = (a + b) | 0;
      c.reg32[r] = res;
      record32(c, OP_ADD, a, b, res);
      return;
    }
    case 5: {
      const res = (a - b) | 0;
      c.reg32[r] = res;
      record32(c, OP_SUB, a, b, res);
      return;
    }
    case 7:
      record32(c, OP_SUB, a, b, (a - b) | 0);
      return;
    case 4: {
      const res = a & b;
      c.reg32[r] = res;
      logicResult(c, res);
      return;
    }
    default:
      c.eip = (c.eip - 2) | 0; // back to the ModRM byte
      GENERIC[0x83](c);
  }
}

/** Installs the specialised 32-bit handlers over the generic ones (call after every group). */
export function installHotPaths(): void {
  const t = dispatchTables.op32;
  for (const op of [0x01, 0x29, 0x39, 0x3b, 0x31, 0x21, 0x09, 0x85, 0xd1, 0xc1, 0x83]) GENERIC[op] = t[op];
  t[0xd1] = shiftByOne;
  t[0xc1] = shiftByImm;
  t[0x83] = group1Imm8;
  t[0x01] = addEvGv;
  t[0x29] = subEvGv;
  t[0x39] = cmpEvGv;
  t[0x3b] = cmpGvEv;
  t[0x31] = xorEvGv;
  t[0x21] = andEvGv;
  t[0x09] = orEvGv;
  t[0x85] = testEvGv;
  t[0x89] = movEvGv;
  t[0x8b] = movGvEv;
  t[0x75] = jnzShort;
  t[0x74] = jzShort;
  t[0x185] = jnzNear;
  t[0x184] = jzNear;
  // One function per register so each call site stays monomorphic.
  const incs: Handler[] = [
    (c) => incDec32(c, 0, 1), (c) => incDec32(c, 1, 1), (c) => incDec32(c, 2, 1), (c) => incDec32(c, 3, 1),
    (c) => incDec32(c, 4, 1), (c) => incDec32(c, 5, 1), (c) => incDec32(c, 6, 1), (c) => incDec32(c, 7, 1),
  ];
  const decs: Handler[] = [
    (c) => incDec32(c, 0, -1), (c) => incDec32(c, 1, -1), (c) => incDec32(c, 2, -1), (c) => incDec32(c, 3, -1),
    (c) => incDec32(c, 4, -1), (c) => incDec32(c, 5, -1), (c) => incDec32(c, 6, -1), (c) => incDec32(c, 7, -1),
  ];
  for (let r = 0; r < 8; r++) {
    t[0x40 + r] = incs[r];
    t[0x48 + r] = decs[r];
    const pr = r;
    t[0x50 + r] = (c) => push32(c, pr);
    t[0x58 + r] = (c) => pop32(c, pr);
  }
}
