/**
 * Integer arithmetic and logic: the eight classic ALU operations in all their
 * encodings (00-3D, group 1 80-83), INC/DEC (40-4F), TEST (84, 85, A8, A9),
 * group 3 (F6/F7: TEST NOT NEG MUL IMUL DIV IDIV), the two- and three-operand
 * IMUL forms (0F AF, 69, 6B) and group 4/5's INC/DEC (FE/FF; FF's control
 * transfers live in control.ts). Intel SDM Vol. 2.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';
import * as $operands from './operands.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { EAX, EDX, FLAG_CF, FLAG_OF, VEC_DE } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { adc, add, dec, inc, logic, sbb, setResultFlags, sub } = $flags;
const { fetchS8, readE16, readE32, readE8 } = $operands;

export const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;

/** Cycles beyond the base one for multiply and divide (P6: MUL ~4, DIV ~20-40). */
export const MUL_CYCLES = 3;
export const DIV_CYCLES = 22;

/** Computes `a op b` for operation `kind` at width `bits`, recording flags. */
export function alu(c: Cpu, kind: number, a: number, b: number, bits: number): number {
  switch (kind) {
    case ALU_ADD: return add(c, a, b, bits);
    case ALU_OR: return logic(c, a | b, bits);
    case ALU_ADC: return adc(c, a, b, bits);
    case ALU_SBB: return sbb(c, a, b, bits);
    case ALU_AND: return logic(c, a & b, bits);
    case ALU_SUB: return sub(c, a, b, bits);
    case ALU_XOR: return logic(c, a ^ b, bits);
    default: return sub(c, a, b, bits);
  }
}

// --- Destination r/m, source register or immediate -----------------------

function aluE8(c: Cpu, kind: number, m: number, src: number): void {
  if (m >= 0xc0) {
    const r = alu(c, kind, c.getReg8(m & 7), src, 8);
    if (kind !== ALU_CMP) c.setReg8(m & 7, r);
    return;
  }
  const off = decodeEA(c, m);
  if (kind === ALU_CMP) {
    alu(c, kind, c.read8(c.eaSeg, off), src, 8);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 1);
  c.lwrite8(lin, alu(c, kind, c.lread8(lin), src, 8));
}

function aluE16(c: Cpu, kind: number, m: number, src: number): void {
  if (m >= 0xc0) {
    const i = (m & 7) << 1;
    const r = alu(c, kind, c.reg16[i], src & 0xffff, 16);
    if (kind !== ALU_CMP) c.reg16[i] = r;
    return;
  }
  const off = decodeEA(c, m);
  if (kind === ALU_CMP) {
    alu(c, kind, c.read16(c.eaSeg, off), src & 0xffff, 16);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 2);
  c.lwrite16(lin, alu(c, kind, c.lread16(lin), src & 0xffff, 16));
}

function aluE32(c: Cpu, kind: number, m: number, src: number): void {
  if (m >= 0xc0) {
    const r = m & 7;
    const res = alu(c, kind, c.reg32[r], src, 32);
    if (kind !== ALU_CMP) c.reg32[r] = res;
    return;
  }
  const off = decodeEA(c, m);
  if (kind === ALU_CMP) {
    alu(c, kind, c.read32(c.eaSeg, off), src, 32);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 4);
  c.lwrite32(lin, alu(c, kind, c.lread32(lin), src, 32));
}

function installAluForms(kind: number): void {
  const base = kind << 3;
  // Eb, Gb
  defineOp(base, (c) => {
    const m = c.fetch8();
    aluE8(c, kind, m, c.getReg8((m >> 3) & 7));
  });
  // Ev, Gv
  defineOp(
    base + 1,
    (c) => {
      const m = c.fetch8();
      aluE16(c, kind, m, c.reg16[((m >> 3) & 7) << 1]);
    },
    (c) => {
      const m = c.fetch8();
      aluE32(c, kind, m, c.reg32[(m >> 3) & 7]);
    },
  );
  // Gb, Eb
  defineOp(base + 2, (c) => {
    const m = c.fetch8();
    const r = (m >> 3) & 7;
    const res = alu(c, kind, c.getReg8(r), readE8(c, m), 8);
    if (kind !== ALU_CMP) c.setReg8(r, res);
  });
  // Gv, Ev
  defineOp(
    base + 3,
    (c) => {
      const m = c.fetch8();
      const i = ((m >> 3) & 7) << 1;
      const res = alu(c, kind, c.reg16[i], readE16(c, m), 16);
      if (kind !== ALU_CMP) c.reg16[i] = res;
    },
    (c) => {
      const m = c.fetch8();
      const r = (m >> 3) & 7;
      const res = alu(c, kind, c.reg32[r], readE32(c, m), 32);
      if (kind !== ALU_CMP) c.reg32[r] = res;
    },
  );
  // AL, Ib
  defineOp(base + 4, (c) => {
    const res = alu(c, kind, c.reg8[0], c.fetch8(), 8);
    if (kind !== ALU_CMP) c.reg8[0] = res;
  });
  // eAX, Iz
  defineOp(
    base + 5,
    (c) => {
      const res = alu(c, kind, c.reg16[0], c.fetch16(), 16);
      if (kind !== ALU_CMP) c.reg16[0] = res;
    },
    (c) => {
      const res = alu(c, kind, c.reg32[EAX], c.fetch32(), 32);
      if (kind !== ALU_CMP) c.reg32[EAX] = res;
    },
  );
}

// --- Group 1 ----------------------------------------------------------------

/** Group 1 decodes the displacement before the immediate: read ModRM, then EA, then imm. */
function group1E8(c: Cpu): void {
  const m = c.fetch8();
  const kind = (m >> 3) & 7;
  if (m >= 0xc0) {
    const r = alu(c, kind, c.getReg8(m & 7), c.fetch8(), 8);
    if (kind !== ALU_CMP) c.setReg8(m & 7, r);
    return;
  }
  const off = decodeEA(c, m);
  const imm = c.fetch8();
  if (kind === ALU_CMP) {
    alu(c, kind, c.read8(c.eaSeg, off), imm, 8);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 1);
  c.lwrite8(lin, alu(c, kind, c.lread8(lin), imm, 8));
}

function group1E16(c: Cpu, imm8: boolean): void {
  const m = c.fetch8();
  const kind = (m >> 3) & 7;
  if (m >= 0xc0) {
    const i = (m & 7) << 1;
    const imm = imm8 ? fetchS8(c) & 0xffff : c.fetch16();
    const r = alu(c, kind, c.reg16[i], imm, 16);
    if (kind !== ALU_CMP) c.reg16[i] = r;
    return;
  }
  const off = decodeEA(c, m);
  const imm = imm8 ? fetchS8(c) & 0xffff : c.fetch16();
  if (kind === ALU_CMP) {
    alu(c, kind, c.read16(c.eaSeg, off), imm, 16);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 2);
  c.lwrite16(lin, alu(c, kind, c.lread16(lin), imm, 16));
}

function group1E32(c: Cpu, imm8: boolean): void {
  const m = c.fetch8();
  const kind = (m >> 3) & 7;
  if (m >= 0xc0) {
    const r = m & 7;
    const imm = imm8 ? fetchS8(c) : c.fetch32();
    const res = alu(c, kind, c.reg32[r], imm, 32);
    if (kind !== ALU_CMP) c.reg32[r] = res;
    return;
  }
  const off = decodeEA(c, m);
  const imm = imm8 ? fetchS8(c) : c.fetch32();
  if (kind === ALU_CMP) {
    alu(c, kind, c.read32(c.eaSeg, off), imm, 32);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 4);
  c.lwrite32(lin, alu(c, kind, c.lread32(lin), imm, 32));
}

// --- Multiply and divide ----------------------------------------------------

/** Scratch for the high half of a 32x32 multiply. */
let mulHigh = 0;

/** Unsigned 32x32 -> 64 multiply; returns the low half, leaves the high half in `mulHigh`. */
function mulU32(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  const aL = a & 0xffff, aH = a >>> 16, bL = b & 0xffff, bH = b >>> 16;
  const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  mulHigh = (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) | 0;
  return ((mid << 16) | (ll & 0xffff)) | 0;
}

/** Signed 32x32 -> 64 multiply (two's-complement correction of the unsigned product). */
function mulS32(a: number, b: number): number {
  const lo = mulU32(a, b);
  mulHigh = (mulHigh - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
  return lo;
}

/**
 * MUL/IMUL flags: CF = OF = "the high half is significant". SF, ZF, PF and AF
 * are undefined (Intel SDM); P6-family and later hardware derive SF/ZF/PF
 * from the low half and clear AF, which is what we do.
 */
function mulFlags(c: Cpu, low: number, bits: number, overflow: boolean): void {
  setResultFlags(c, low, bits, overflow ? FLAG_CF | FLAG_OF : 0);
}

function group3E8(c: Cpu): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  let off = 0;
  let v: number;
  if (m >= 0xc0) v = c.getReg8(m & 7);
  else {
    off = decodeEA(c, m);
    v = op === 2 || op === 3 ? c.lread8(c.rmwAddr(c.eaSeg, off, 1)) : c.read8(c.eaSeg, off);
  }
  switch (op) {
    case 0:
    case 1:
      logic(c, v & c.fetch8(), 8);
      return;
    case 2: // NOT: flags unaffected
      store8(c, m, off, ~v);
      return;
    case 3:
      store8(c, m, off, sub(c, 0, v, 8));
      return;
    case 4: {
      const r = c.reg8[0] * v;
      c.reg16[0] = r;
      mulFlags(c, r & 0xff, 8, r > 0xff);
      c.extraCycles += MUL_CYCLES;
      return;
    }
    case 5: {
      const r = ((c.reg8[0] << 24) >> 24) * ((v << 24) >> 24);
      c.reg16[0] = r;
      mulFlags(c, r & 0xff, 8, r !== (r << 24) >> 24);
      c.extraCycles += MUL_CYCLES;
      return;
    }
    case 6: {
      if (v === 0) c.fault(VEC_DE);
      const ax = c.reg16[0];
      const q = Math.floor(ax / v);
      if (q > 0xff) c.fault(VEC_DE);
      c.reg8[0] = q;
      c.reg8[1] = ax % v;
      c.extraCycles += DIV_CYCLES;
      return;
    }
    default: {
      const d = (v << 24) >> 24;
      if (d === 0) c.fault(VEC_DE);
      const ax = (c.reg16[0] << 16) >> 16;
      const q = Math.trunc(ax / d);
      if (q > 127 || q < -128) c.fault(VEC_DE);
      c.reg8[0] = q;
      c.reg8[1] = ax % d;
      c.extraCycles += DIV_CYCLES;
    }
  }
}

function store8(c: Cpu, m: number, off: number, v: number): void {
  if (m >= 0xc0) c.setReg8(m & 7, v);
  else c.write8(c.eaSeg, off, v);
}

function group3E16(c: Cpu): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  let off = 0;
  let v: number;
  if (m >= 0xc0) v = c.reg16[(m & 7) << 1];
  else {
    off = decodeEA(c, m);
    v = op === 2 || op === 3 ? c.lread16(c.rmwAddr(c.eaSeg, off, 2)) : c.read16(c.eaSeg, off);
  }
  switch (op) {
    case 0:
    case 1:
      logic(c, v & c.fetch16(), 16);
      return;
    case 2:
      store16(c, m, off, ~v);
      return;
    case 3:
      store16(c, m, off, sub(c, 0, v, 16));
      return;
    case 4: {
      const r = c.reg16[0] * v;
      c.reg16[0] = r;
      c.reg16[EDX << 1] = r >>> 16;
      mulFlags(c, r & 0xffff, 16, r > 0xffff);
      c.extraCycles += MUL_CYCLES;
      return;
    }
    case 5: {
      const r = ((c.reg16[0] << 16) >> 16) * ((v << 16) >> 16);
      c.reg16[0] = r;
      c.reg16[EDX << 1] = r >> 16;
      mulFlags(c, r & 0xffff, 16, r !== (r << 16) >> 16);
      c.extraCycles += MUL_CYCLES;
      return;
    }
    case 6: {
      if (v === 0) c.fault(VEC_DE);
      const n = ((c.reg16[EDX << 1] << 16) | c.reg16[0]) >>> 0;
      const q = Math.floor(n / v);
      if (q > 0xffff) c.fault(VEC_DE);
      c.reg16[0] = q;
      c.reg16[EDX << 1] = n % v;
      c.extraCycles += DIV_CYCLES;
      return;
    }
    default: {
      const d = (v << 16) >> 16;
      if (d === 0) c.fault(VEC_DE);
      const n = (c.reg16[EDX << 1] << 16) | c.reg16[0];
      const q = Math.trunc(n / d);
      if (q > 32767 || q < -32768) c.fault(VEC_DE);
      c.reg16[0] = q;
      c.reg16[EDX << 1] = n % d;
      c.extraCycles += DIV_CYCLES;
    }
  }
}

function store16(c: Cpu, m: number, off: number, v: number): void {
  if (m >= 0xc0) c.reg16[(m & 7) << 1] = v;
  else c.write16(c.eaSeg, off, v);
}

function group3E32(c: Cpu): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  let off = 0;
  let v: number;
  if (m >= 0xc0) v = c.reg32[m & 7];
  else {
    off = decodeEA(c, m);
    v = op === 2 || op === 3 ? c.lread32(c.rmwAddr(c.eaSeg, off, 4)) : c.read32(c.eaSeg, off);
  }
  switch (op) {
    case 0:
    case 1:
      logic(c, v & c.fetch32(), 32);
      return;
    case 2:
      store32(c, m, off, ~v);
      return;
    case 3:
      store32(c, m, off, sub(c, 0, v, 32));
      return;
    case 4: {
      const lo = mulU32(c.reg32[EAX], v);
      c.reg32[EAX] = lo;
      c.reg32[EDX] = mulHigh;
      mulFlags(c, lo, 32, mulHigh !== 0);
      c.extraCycles += MUL_CYCLES;
      return;
    }
    case 5: {
      const lo = mulS32(c.reg32[EAX], v);
      c.reg32[EAX] = lo;
      c.reg32[EDX] = mulHigh;
      mulFlags(c, lo, 32, mulHigh !== lo >> 31);
      c.extraCycles += MUL_CYCLES;
      return;
    }
    case 6:
      divU32(c, v);
      return;
    default:
      divS32(c, v);
  }
}

function store32(c: Cpu, m: number, off: number, v: number): void {
  if (m >= 0xc0) c.reg32[m & 7] = v;
  else c.write32(c.eaSeg, off, v);
}

/** DIV r/m32: EDX:EAX / v; #DE on zero divisor or a quotient above 32 bits. */
function divU32(c: Cpu, v: number): void {
  const d = v >>> 0;
  if (d === 0) c.fault(VEC_DE);
  const hi = c.reg32[EDX] >>> 0;
  const lo = c.reg32[EAX] >>> 0;
  c.extraCycles += DIV_CYCLES;
  if (hi === 0) {
    c.reg32[EAX] = Math.floor(lo / d);
    c.reg32[EDX] = lo % d;
    return;
  }
  if (hi >= d) c.fault(VEC_DE);
  const n = (BigInt(hi) << 32n) | BigInt(lo);
  const bd = BigInt(d);
  c.reg32[EAX] = Number(n / bd);
  c.reg32[EDX] = Number(n % bd);
}

/** IDIV r/m32: signed EDX:EAX / v, truncating; #DE when the quotient leaves int32. */
function divS32(c: Cpu, v: number): void {
  const d = v | 0;
  if (d === 0) c.fault(VEC_DE);
  const hi = c.reg32[EDX];
  const lo = c.reg32[EAX];
  c.extraCycles += DIV_CYCLES;
  if (hi === lo >> 31) {
    // The dividend fits in 32 bits.
    if (lo === -0x80000000 && d === -1) c.fault(VEC_DE);
    c.reg32[EAX] = (lo / d) | 0;
    c.reg32[EDX] = lo % d;
    return;
  }
  const n = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  const bd = BigInt(d);
  const q = n / bd;
  if (q > 0x7fffffffn || q < -0x80000000n) c.fault(VEC_DE);
  c.reg32[EAX] = Number(q);
  c.reg32[EDX] = Number(n % bd);
}

// --- IMUL two- and three-operand forms --------------------------------------

function imul16(c: Cpu, a: number, b: number): number {
  const r = ((a << 16) >> 16) * ((b << 16) >> 16);
  mulFlags(c, r & 0xffff, 16, r !== (r << 16) >> 16);
  c.extraCycles += MUL_CYCLES;
  return r;
}

function imul32(c: Cpu, a: number, b: number): number {
  const lo = mulS32(a, b);
  mulFlags(c, lo, 32, mulHigh !== lo >> 31);
  c.extraCycles += MUL_CYCLES;
  return lo;
}

// --- Install -----------------------------------------------------------------

export function installAlu(): void {
  for (let kind = 0; kind < 8; kind++) installAluForms(kind);
  defineOp(0x80, group1E8);
  defineOp(0x82, group1E8); // alias of 80 in 16/32-bit mode
  defineOp(0x81, (c) => group1E16(c, false), (c) => group1E32(c, false));
  defineOp(0x83, (c) => group1E16(c, true), (c) => group1E32(c, true));

  for (let r = 0; r < 8; r++) {
    defineOp(0x40 + r, (c) => { c.reg16[r << 1] = inc(c, c.reg16[r << 1], 16); }, (c) => { c.reg32[r] = inc(c, c.reg32[r], 32); });
    defineOp(0x48 + r, (c) => { c.reg16[r << 1] = dec(c, c.reg16[r << 1], 16); }, (c) => { c.reg32[r] = dec(c, c.reg32[r], 32); });
  }

  // TEST
  defineOp(0x84, (c) => {
    const m = c.fetch8();
    const g = c.getReg8((m >> 3) & 7);
    logic(c, readE8(c, m) & g, 8);
  });
  defineOp(
    0x85,
    (c) => {
      const m = c.fetch8();
      const g = c.reg16[((m >> 3) & 7) << 1];
      logic(c, readE16(c, m) & g, 16);
    },
    (c) => {
      const m = c.fetch8();
      const g = c.reg32[(m >> 3) & 7];
      logic(c, readE32(c, m) & g, 32);
    },
  );
  defineOp(0xa8, (c) => { logic(c, c.reg8[0] & c.fetch8(), 8); });
  defineOp(0xa9, (c) => { logic(c, c.reg16[0] & c.fetch16(), 16); }, (c) => { logic(c, c.reg32[EAX] & c.fetch32(), 32); });

  defineOp(0xf6, group3E8);
  defineOp(0xf7, group3E16, group3E32);

  // IMUL Gv, Ev / Gv, Ev, Iz / Gv, Ev, Ib
  defineOp(
    0x1af,
    (c) => {
      const m = c.fetch8();
      const i = ((m >> 3) & 7) << 1;
      c.reg16[i] = imul16(c, c.reg16[i], readE16(c, m));
    },
    (c) => {
      const m = c.fetch8();
      const r = (m >> 3) & 7;
      c.reg32[r] = imul32(c, c.reg32[r], readE32(c, m));
    },
  );
  defineOp(
    0x69,
    (c) => {
      const m = c.fetch8();
      const v = readE16(c, m);
      c.reg16[((m >> 3) & 7) << 1] = imul16(c, v, c.fetch16());
    },
    (c) => {
      const m = c.fetch8();
      const v = readE32(c, m);
      c.reg32[(m >> 3) & 7] = imul32(c, v, c.fetch32());
    },
  );
  defineOp(
    0x6b,
    (c) => {
      const m = c.fetch8();
      const v = readE16(c, m);
      c.reg16[((m >> 3) & 7) << 1] = imul16(c, v, fetchS8(c));
    },
    (c) => {
      const m = c.fetch8();
      const v = readE32(c, m);
      c.reg32[(m >> 3) & 7] = imul32(c, v, fetchS8(c));
    },
  );

  // FE: INC/DEC Eb
  defineOp(0xfe, (c) => {
    const m = c.fetch8();
    const op = (m >> 3) & 7;
    if (op > 1) c.fault(6);
    if (m >= 0xc0) {
      const v = c.getReg8(m & 7);
      c.setReg8(m & 7, op === 0 ? inc(c, v, 8) : dec(c, v, 8));
      return;
    }
    const ea = decodeEA(c, m);
    const lin = c.rmwAddr(c.eaSeg, ea, 1);
    const v = c.lread8(lin);
    c.lwrite8(lin, op === 0 ? inc(c, v, 8) : dec(c, v, 8));
  });
}

/** INC/DEC of a word or dword r/m operand (FF /0, /1), used by the FF handler in control.ts. */
export function incDecE(c: Cpu, m: number, isDec: boolean, bits: 16 | 32): void {
  if (m >= 0xc0) {
    const r = m & 7;
    if (bits === 32) c.reg32[r] = isDec ? dec(c, c.reg32[r], 32) : inc(c, c.reg32[r], 32);
    else c.reg16[r << 1] = isDec ? dec(c, c.reg16[r << 1], 16) : inc(c, c.reg16[r << 1], 16);
    return;
  }
  const ea = decodeEA(c, m);
  const lin = c.rmwAddr(c.eaSeg, ea, bits >> 3);
  if (bits === 32) {
    const v = c.lread32(lin);
    c.lwrite32(lin, isDec ? dec(c, v, 32) : inc(c, v, 32));
  } else {
    const v = c.lread16(lin);
    c.lwrite16(lin, isDec ? dec(c, v, 16) : inc(c, v, 16));
  }
}
