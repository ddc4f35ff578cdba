/**
 * Shifts and rotates: group 2 (C0, C1, D0, D1, D2, D3: ROL ROR RCL RCR SHL SHR
 * SAL SAR) and the double shifts SHLD/SHRD (0F A4, A5, AC, AD).
 * Intel SDM Vol. 2B "RCL/RCR/ROL/ROR—Rotate", "SAL/SAR/SHL/SHR—Shift",
 * "SHLD—Double Precision Shift Left", "SHRD—Double Precision Shift Right".
 *
 * The count is masked to 5 bits; a masked count of 0 changes nothing, not
 * even the flags (a memory operand is still checked for read and write).
 * RCL/RCR rotate through CF by count mod 9 (8-bit) or mod 17 (16-bit).
 *
 * What the SDM leaves undefined is done as a modern Intel core does it
 * (established with a differential fuzzer against the host CPU):
 *  - OF, for every count, is the OF of the *first* one-bit step, i.e. it
 *    depends on the operand before the operation, not on the result:
 *      SHL/SAL: MSB(v) XOR MSB-1(v)      SHR: MSB(v)        SAR: 0
 *      ROL, RCL: MSB(v) XOR MSB-1(v)     ROR: MSB(v) XOR LSB(v)
 *      RCR: MSB(v) XOR CF(in)
 *      SHLD: MSB(dest) XOR MSB-1(dest)   SHRD: MSB(dest) XOR LSB(src)
 *  - Exception: ROL/ROR of a *register* by an *immediate* count > 1 (C0/C1
 *    with mod = 3) leave OF unchanged (the memory forms and the CL forms
 *    compute it as above).
 *  - RCL/RCR whose count is a non-zero multiple of 9 (8-bit) or 17 (16-bit)
 *    change neither the operand nor any flag.
 *  - ROL/ROR of 8/16-bit operands by a non-zero multiple of the width leave
 *    the value but still set CF (= LSB / MSB of the value) and OF.
 *  - SHL/SHR/SAR: AF = 0. SHL/SHR counts beyond the width shift out zeros
 *    (CF = 0); SAR shifts out copies of the sign.
 *  - 16-bit SHLD/SHRD with count 17..31: the operation shifts the 48-bit
 *    value dest:src:dest, so bits of dest come back in (P6 and later).
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { FLAG_CF, FLAG_OF } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { getCF, setFlagBits, setResultFlags } = $flags;

/** Where the count of a group-2 instruction comes from. */
const COUNT_IMM = 0, COUNT_ONE = 1, COUNT_CL = 2;

/**
 * Applies group-2 operation `op` (the ModRM reg field) to `v` (zero-extended
 * for 8/16 bits, any 32-bit pattern for 32) with masked count `n` (1..31),
 * sets the flags and returns the result (same representation as `v`).
 * `regByImm`: register destination with an immediate count (see header).
 */
function shiftRotate(c: Cpu, op: number, v: number, n: number, bits: number, regByImm: boolean): number {
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  const top = bits - 1;
  let res: number;
  let cf: number;
  switch (op) {
    case 0: { // ROL
      const r = n & top;
      res = r === 0 ? v : ((v << r) | (v >>> (bits - r))) & mask;
      cf = res & 1;
      if (regByImm && n > 1) setFlagBits(c, FLAG_CF, cf); // OF unchanged (see header)
      else setFlagBits(c, FLAG_CF | FLAG_OF, cf | ((((v >>> top) ^ (v >>> (top - 1))) & 1) << 11));
      return res;
    }
    case 1: { // ROR
      const r = n & top;
      res = r === 0 ? v : ((v >>> r) | (v << (bits - r))) & mask;
      cf = (res >>> top) & 1;
      if (regByImm && n > 1) setFlagBits(c, FLAG_CF, cf); // OF unchanged (see header)
      else setFlagBits(c, FLAG_CF | FLAG_OF, cf | ((((v >>> top) ^ v) & 1) << 11));
      return res;
    }
    case 2: { // RCL: rotate the (bits+1)-bit value CF:v
      const r = bits === 8 ? n % 9 : bits === 16 ? n % 17 : n;
      const cin = getCF(c);
      if (r === 0) return v; // a whole turn: value and flags unchanged
      const back = bits + 1 - r; // bits that wrap around to the bottom
      res = ((v << r) | (cin << (r - 1)) | (back >= 32 ? 0 : v >>> back)) & mask;
      cf = (v >>> (bits - r)) & 1;
      setFlagBits(c, FLAG_CF | FLAG_OF, cf | ((((v >>> top) ^ (v >>> (top - 1))) & 1) << 11));
      return res;
    }
    case 3: { // RCR
      const r = bits === 8 ? n % 9 : bits === 16 ? n % 17 : n;
      const cin = getCF(c);
      if (r === 0) return v;
      const back = bits + 1 - r;
      res = ((v >>> r) | (cin << (bits - r)) | (back >= 32 ? 0 : v << back)) & mask;
      cf = (v >>> (r - 1)) & 1;
      setFlagBits(c, FLAG_CF | FLAG_OF, cf | ((((v >>> top) ^ cin) & 1) << 11));
      return res;
    }
    case 4:
    case 6: // SAL (/6 is an alias of /4)
      res = (v << n) & mask;
      // Counts above the width shift out zeros: the last bit out is 0.
      cf = n <= bits ? (v >>> (bits - n)) & 1 : 0;
      setResultFlags(c, res, bits, cf | ((((v >>> top) ^ (v >>> (top - 1))) & 1) << 11));
      return res;
    case 5: // SHR
      res = (v >>> n) & mask;
      cf = (v >>> (n - 1)) & 1;
      setResultFlags(c, res, bits, cf | (((v >>> top) & 1) << 11));
      return res;
    default: { // SAR
      const sv = (v << (32 - bits)) >> (32 - bits);
      res = (sv >> n) & mask;
      cf = (sv >> (n - 1)) & 1;
      setResultFlags(c, res, bits, cf);
      return res;
    }
  }
}

function countOf(c: Cpu, kind: number): number {
  if (kind === COUNT_ONE) return 1;
  if (kind === COUNT_CL) return c.reg8[4] & 31; // CL
  return c.fetch8() & 31;
}

function group2b(c: Cpu, kind: number): void {
  const modrm = c.fetch8();
  const op = (modrm >> 3) & 7;
  if (modrm >= 0xc0) {
    const n = countOf(c, kind);
    if (n === 0) return;
    const r = modrm & 7;
    c.setReg8(r, shiftRotate(c, op, c.getReg8(r), n, 8, kind === COUNT_IMM));
    return;
  }
  const off = decodeEA(c, modrm);
  const n = countOf(c, kind);
  const lin = c.rmwAddr(c.eaSeg, off, 1);
  const v = c.lread8(lin);
  if (n !== 0) c.lwrite8(lin, shiftRotate(c, op, v, n, 8, false));
}

function group2w(c: Cpu, kind: number): void {
  const modrm = c.fetch8();
  const op = (modrm >> 3) & 7;
  if (modrm >= 0xc0) {
    const n = countOf(c, kind);
    if (n === 0) return;
    const r = (modrm & 7) << 1;
    c.reg16[r] = shiftRotate(c, op, c.reg16[r], n, 16, kind === COUNT_IMM);
    return;
  }
  const off = decodeEA(c, modrm);
  const n = countOf(c, kind);
  const lin = c.rmwAddr(c.eaSeg, off, 2);
  const v = c.lread16(lin);
  if (n !== 0) c.lwrite16(lin, shiftRotate(c, op, v, n, 16, false));
}

function group2d(c: Cpu, kind: number): void {
  const modrm = c.fetch8();
  const op = (modrm >> 3) & 7;
  if (modrm >= 0xc0) {
    const n = countOf(c, kind);
    if (n === 0) return;
    const r = modrm & 7;
    c.reg32[r] = shiftRotate(c, op, c.reg32[r], n, 32, kind === COUNT_IMM);
    return;
  }
  const off = decodeEA(c, modrm);
  const n = countOf(c, kind);
  const lin = c.rmwAddr(c.eaSeg, off, 4);
  const v = c.lread32(lin);
  if (n !== 0) c.lwrite32(lin, shiftRotate(c, op, v, n, 32, false));
}

// --- SHLD / SHRD ---------------------------------------------------------

/** SHLD/SHRD flags: CF = last bit out, OF from the first step (see header), AF = 0. */
function doubleShift32(c: Cpu, left: boolean, d: number, s: number, n: number): number {
  let res: number;
  let cf: number;
  let of: number;
  if (left) {
    res = (d << n) | (s >>> (32 - n));
    cf = (d >>> (32 - n)) & 1;
    of = ((d >>> 31) ^ (d >>> 30)) & 1;
  } else {
    res = (d >>> n) | (s << (32 - n));
    cf = (d >>> (n - 1)) & 1;
    of = ((d >>> 31) ^ s) & 1;
  }
  setResultFlags(c, res, 32, cf | (of << 11));
  return res;
}

/**
 * 16-bit SHLD/SHRD. For counts 17..31 (undefined in the SDM) a P6-class
 * core shifts the 48-bit value dest:src:dest, which is what this computes.
 */
function doubleShift16(c: Cpu, left: boolean, d: number, s: number, n: number): number {
  let res: number;
  let cf: number;
  let of: number;
  if (left) {
    if (n <= 16) {
      const w = (d << 16) | s; // dest:src
      res = (w >>> (16 - n)) & 0xffff;
      cf = (d >>> (16 - n)) & 1;
    } else {
      const w = (s << 16) | d; // src:dest, the low 32 bits of dest:src:dest
      res = (w >>> (32 - n)) & 0xffff;
      cf = (s >>> (32 - n)) & 1;
    }
    of = ((d >>> 15) ^ (d >>> 14)) & 1;
  } else {
    if (n <= 16) {
      const w = (s << 16) | d; // src:dest
      res = (w >>> n) & 0xffff;
      cf = (d >>> (n - 1)) & 1;
    } else {
      const w = (d << 16) | s; // dest:src, the high 32 bits of dest:src:dest
      res = (w >>> (n - 16)) & 0xffff;
      cf = (s >>> (n - 17)) & 1;
    }
    of = ((d >>> 15) ^ s) & 1;
  }
  setResultFlags(c, res, 16, cf | (of << 11));
  return res;
}

function shxd16(c: Cpu, left: boolean, kind: number): void {
  const modrm = c.fetch8();
  const src = c.reg16[((modrm >> 3) & 7) << 1];
  if (modrm >= 0xc0) {
    const n = countOf(c, kind);
    if (n === 0) return;
    const r = (modrm & 7) << 1;
    c.reg16[r] = doubleShift16(c, left, c.reg16[r], src, n);
    return;
  }
  const off = decodeEA(c, modrm);
  const n = countOf(c, kind);
  const lin = c.rmwAddr(c.eaSeg, off, 2);
  const d = c.lread16(lin);
  if (n !== 0) c.lwrite16(lin, doubleShift16(c, left, d, src, n));
}

function shxd32(c: Cpu, left: boolean, kind: number): void {
  const modrm = c.fetch8();
  const src = c.reg32[(modrm >> 3) & 7];
  if (modrm >= 0xc0) {
    const n = countOf(c, kind);
    if (n === 0) return;
    const r = modrm & 7;
    c.reg32[r] = doubleShift32(c, left, c.reg32[r], src, n);
    return;
  }
  const off = decodeEA(c, modrm);
  const n = countOf(c, kind);
  const lin = c.rmwAddr(c.eaSeg, off, 4);
  const d = c.lread32(lin);
  if (n !== 0) c.lwrite32(lin, doubleShift32(c, left, d, src, n));
}

export function installShiftOps(): void {
  defineOp(0xc0, (c) => group2b(c, COUNT_IMM));
  defineOp(0xd0, (c) => group2b(c, COUNT_ONE));
  defineOp(0xd2, (c) => group2b(c, COUNT_CL));
  defineOp(0xc1, (c) => group2w(c, COUNT_IMM), (c) => group2d(c, COUNT_IMM));
  defineOp(0xd1, (c) => group2w(c, COUNT_ONE), (c) => group2d(c, COUNT_ONE));
  defineOp(0xd3, (c) => group2w(c, COUNT_CL), (c) => group2d(c, COUNT_CL));
  defineOp(0x1a4, (c) => shxd16(c, true, COUNT_IMM), (c) => shxd32(c, true, COUNT_IMM));
  defineOp(0x1a5, (c) => shxd16(c, true, COUNT_CL), (c) => shxd32(c, true, COUNT_CL));
  defineOp(0x1ac, (c) => shxd16(c, false, COUNT_IMM), (c) => shxd32(c, false, COUNT_IMM));
  defineOp(0x1ad, (c) => shxd16(c, false, COUNT_CL), (c) => shxd32(c, false, COUNT_CL));
}
