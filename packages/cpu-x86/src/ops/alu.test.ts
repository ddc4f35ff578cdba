/**
 * Integer arithmetic (Intel SDM Vol. 2A/2B "ADD", "ADC", "SUB", "SBB", "CMP",
 * "AND", "OR", "XOR", "INC", "DEC", "NEG", "NOT", "MUL", "IMUL", "DIV",
 * "IDIV"; Vol. 1 3.4.3.1 for the status flags).
 *
 * Expectations come from a reference model written from the SDM definitions
 * (CF = unsigned carry/borrow out of the top bit, OF = the signed result does
 * not fit, AF = carry/borrow out of bit 3, ZF/SF from the result, PF = even
 * number of ones in the low byte), checked itself against hand-computed rows.
 * Flags the SDM leaves undefined (AF after logic ops; SF/ZF/AF/PF after
 * MUL/IMUL; all flags after DIV/IDIV) are not compared.
 */
import { describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import {
  EAX, EBX, ECX, EDX, ESI, ESP, FLAG_AF, FLAG_CF, FLAG_DF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_FIXED, VEC_DE,
} from '../constants.js';
import { CODE_BASE, flatMachine, runCode } from '../../test/support/flat-machine.js';
import { CODE0, ProtectedMachine, STACK0, le16, le32 } from '../../test/support/protected-machine.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
const OPSIZE = 0x66;
/** Memory operand address used by the memory forms ([disp32], DS base 0). */
const ADDR = 0x3000;

type Size = 8 | 16 | 32;
const SIZES: Size[] = [8, 16, 32];
const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, CMP = 7; // XOR = 6
const KIND_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

// --- Reference model (SDM definitions) -------------------------------------------

const mod = (size: Size): number => 2 ** size;
const maskOf = (size: Size): number => mod(size) - 1;
const signed = (v: number, size: Size): number => (v >= mod(size) / 2 ? v - mod(size) : v);
const wrap = (v: number, size: Size): number => ((v % mod(size)) + mod(size)) % mod(size);

function parity(v: number): boolean {
  let n = 0;
  for (let b = v & 0xff; b; b >>= 1) n += b & 1;
  return n % 2 === 0;
}

/** ZF, SF and PF of a result. */
function resultFlags(res: number, size: Size): number {
  return (res === 0 ? FLAG_ZF : 0) | (res >= mod(size) / 2 ? FLAG_SF : 0) | (parity(res) ? FLAG_PF : 0);
}

interface Ref {
  res: number;
  flags: number;
  /** Status flags the SDM defines for this operation. */
  defined: number;
}

function refAlu(kind: number, a: number, b: number, cf: number, size: Size): Ref {
  const cin = kind === ADC || kind === SBB ? cf : 0;
  switch (kind) {
    case ADD:
    case ADC: {
      const full = a + b + cin;
      const res = wrap(full, size);
      const s = signed(a, size) + signed(b, size) + cin;
      const flags =
        (full > maskOf(size) ? FLAG_CF : 0) | ((a & 15) + (b & 15) + cin > 15 ? FLAG_AF : 0) |
        (s < -mod(size) / 2 || s >= mod(size) / 2 ? FLAG_OF : 0) | resultFlags(res, size);
      return { res, flags, defined: STATUS };
    }
    case SUB:
    case SBB:
    case CMP: {
      const res = wrap(a - b - cin, size);
      const s = signed(a, size) - signed(b, size) - cin;
      const flags =
        (a < b + cin ? FLAG_CF : 0) | ((a & 15) < (b & 15) + cin ? FLAG_AF : 0) |
        (s < -mod(size) / 2 || s >= mod(size) / 2 ? FLAG_OF : 0) | resultFlags(res, size);
      return { res, flags, defined: STATUS };
    }
    default: {
      const r = kind === AND ? a & b : kind === OR ? a | b : a ^ b; // XOR
      const res = wrap(r, size);
      // "The OF and CF flags are cleared; SF, ZF, PF set according to the result; AF undefined."
      return { res, flags: resultFlags(res, size), defined: STATUS & ~FLAG_AF };
    }
  }
}

// --- Machine -------------------------------------------------------------------

/** One flat 32-bit machine reused by the sweeps (each case reloads code and state). */
let shared: Cpu | null = null;
function machine(): Cpu {
  shared ??= flatMachine();
  return shared;
}

/** Deterministic background values for the registers, so untouched bits can be checked. */
const BACKGROUND = [0x8badf00d, 0x0badc0de, 0x13579bdf, 0x2468ace0, 0x8000, 0xfeedface, 0xdeadbeef, 0x5a5aa5a5].map((v) => v | 0);

function prepare(c: Cpu, flagsIn: number): void {
  for (let r = 0; r < 8; r++) c.reg32[r] = BACKGROUND[r];
  c.reg32[ESP] = 0x8000;
  c.setEflags(FLAGS_FIXED | flagsIn);
  for (let i = -8; i < 12; i++) c.mem.write8(ADDR + i, 0xa0 + i);
}

function run(c: Cpu, code: number[]): void {
  const stop = runCode(c, code);
  if (stop !== StopReason.Halt) throw new Error(`did not halt (stop ${stop}) running ${hex(code)}`);
  if (c.eip !== CODE_BASE + code.length + 1) throw new Error(`stopped at ${c.eip.toString(16)} running ${hex(code)}`);
}

function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function imm(v: number, bytes: number): number[] {
  return bytes === 1 ? [v & 0xff] : bytes === 2 ? le16(v) : le32(v);
}

/** Writes `v` into register `r` of the given size (8-bit numbering: AL CL DL BL AH CH DH BH). */
function setReg(c: Cpu, size: Size, r: number, v: number): void {
  if (size === 8) c.setReg8(r, v);
  else if (size === 16) c.setReg16(r, v);
  else c.reg32[r] = v;
}

function getReg(c: Cpu, size: Size, r: number): number {
  if (size === 8) return c.getReg8(r);
  if (size === 16) return c.getReg16(r);
  return c.reg32[r] >>> 0;
}

function writeMem(c: Cpu, size: Size, v: number): void {
  if (size === 8) c.mem.write8(ADDR, v);
  else if (size === 16) c.mem.write16(ADDR, v);
  else c.mem.write32(ADDR, v);
}

function readMem(c: Cpu, size: Size): number {
  if (size === 8) return c.mem.read8(ADDR);
  if (size === 16) return c.mem.read16(ADDR);
  return c.mem.read32(ADDR) >>> 0;
}

/** The 32-bit register image after writing `v` to register `r` of `size` over `before`. */
function regsAfter(before: number[], size: Size, r: number, v: number): number[] {
  const out = [...before];
  if (size === 32) out[r] = v | 0;
  else if (size === 16) out[r] = ((before[r] & ~0xffff) | v) | 0;
  else if (r < 4) out[r] = ((before[r] & ~0xff) | v) | 0;
  else out[r - 4] = ((before[r - 4] & ~0xff00) | (v << 8)) | 0;
  return out;
}

// --- Value sets --------------------------------------------------------------------

function edges(size: Size): number[] {
  const m = maskOf(size), h = mod(size) / 2;
  return [...new Set([0, 1, 2, 0x0f, 0x10, h - 1, h, h + 1, m - 1, m, 0x5a & m, (0x0f0f0f0f % mod(size)) >>> 0])];
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function pairs(size: Size, seed: number, extra = 24): [number, number][] {
  const e = edges(size);
  const out: [number, number][] = [];
  for (const a of e) for (const b of e) out.push([a, b]);
  const rnd = prng(seed);
  for (let i = 0; i < extra; i++) out.push([rnd() % mod(size), rnd() % mod(size)]);
  return out;
}

// --- Encodings of the eight ALU operations -------------------------------------------

interface Form {
  name: string;
  /** Destination: a register number, 'mem', or the accumulator. */
  dst: 'reg' | 'mem' | 'acc';
  src: 'reg' | 'mem' | 'imm' | 'imm8s';
  encode(kind: number, size: Size, dst: number, src: number, b: number): number[];
}

function prefix(size: Size): number[] {
  return size === 16 ? [OPSIZE] : [];
}

const w = (size: Size): number => (size === 8 ? 0 : 1);
const immBytes = (size: Size): number => size / 8;

const FORMS: Form[] = [
  { name: 'r/m(reg), reg', dst: 'reg', src: 'reg', encode: (k, s, d, r) => [...prefix(s), (k << 3) | w(s), 0xc0 | (r << 3) | d] },
  { name: 'reg, r/m(reg)', dst: 'reg', src: 'reg', encode: (k, s, d, r) => [...prefix(s), (k << 3) | 2 | w(s), 0xc0 | (d << 3) | r] },
  { name: '[disp32], reg', dst: 'mem', src: 'reg', encode: (k, s, _d, r) => [...prefix(s), (k << 3) | w(s), (r << 3) | 5, ...le32(ADDR)] },
  { name: 'reg, [disp32]', dst: 'reg', src: 'mem', encode: (k, s, d) => [...prefix(s), (k << 3) | 2 | w(s), (d << 3) | 5, ...le32(ADDR)] },
  { name: 'AL/AX/EAX, imm', dst: 'acc', src: 'imm', encode: (k, s, _d, _r, b) => [...prefix(s), (k << 3) | 4 | w(s), ...imm(b, immBytes(s))] },
  {
    name: 'group 1 r/m(reg), imm (80/81)', dst: 'reg', src: 'imm',
    encode: (k, s, d, _r, b) => [...prefix(s), 0x80 | w(s), 0xc0 | (k << 3) | d, ...imm(b, immBytes(s))],
  },
  {
    name: 'group 1 [disp32], imm (80/81)', dst: 'mem', src: 'imm',
    encode: (k, s, _d, _r, b) => [...prefix(s), 0x80 | w(s), (k << 3) | 5, ...le32(ADDR), ...imm(b, immBytes(s))],
  },
  {
    name: 'group 1 r/m(reg), imm8 sign-extended (83; 82 for bytes)', dst: 'reg', src: 'imm8s',
    encode: (k, s, d, _r, b) => [...prefix(s), s === 8 ? 0x82 : 0x83, 0xc0 | (k << 3) | d, b & 0xff],
  },
  {
    name: 'group 1 [disp32], imm8 sign-extended (83; 82 for bytes)', dst: 'mem', src: 'imm8s',
    encode: (k, s, _d, _r, b) => [...prefix(s), s === 8 ? 0x82 : 0x83, (k << 3) | 5, ...le32(ADDR), b & 0xff],
  },
];

/** Register pairs (destination, source) used in turn; for bytes they include AH..BH. */
const REG_PAIRS: Record<Size, [number, number][]> = {
  8: [[1, 2], [4, 0], [3, 7], [5, 6], [0, 4]],
  16: [[1, 2], [3, 6], [7, 5], [2, 0]],
  32: [[1, 2], [3, 6], [7, 5], [2, 0], [6, 3]],
};

function signExtend8(b: number, size: Size): number {
  return wrap((b << 24) >> 24, size);
}

/**
 * Runs one ALU case and returns a description of the first mismatch, or null.
 * `flagsIn` holds the initial status flags (CF is the carry-in of ADC/SBB).
 */
function checkAluCase(kind: number, size: Size, form: Form, a: number, b: number, flagsIn: number, pairIndex: number): string | null {
  const c = machine();
  prepare(c, flagsIn | FLAG_DF);
  const [dreg, sreg] = form.dst === 'acc' ? [0, 1] : REG_PAIRS[size][pairIndex % REG_PAIRS[size].length];
  if (form.src === 'imm8s') b = signExtend8(b, size);
  // Place the operands.
  if (form.dst === 'mem') writeMem(c, size, a);
  else setReg(c, size, dreg, a);
  if (form.src === 'reg') setReg(c, size, sreg, b);
  else if (form.src === 'mem') writeMem(c, size, b);
  const regsBefore = Array.from(c.reg32);
  const memBefore = Array.from(c.mem.u8.subarray(ADDR - 8, ADDR + 12));
  const code = form.encode(kind, size, dreg, sreg, b);
  run(c, code);
  const ref = refAlu(kind, a, b, flagsIn & FLAG_CF, size);
  const writes = kind !== CMP;
  const what = `${KIND_NAMES[kind]}${size} ${form.name} a=${a.toString(16)} b=${b.toString(16)} CF=${flagsIn & 1} [${hex(code)}]`;
  // Registers: only the destination register may change.
  const expRegs = form.dst !== 'mem' && writes ? regsAfter(regsBefore, size, dreg, ref.res) : regsBefore;
  const gotRegs = Array.from(c.reg32);
  if (gotRegs.some((v, i) => v !== expRegs[i])) {
    return `${what}: registers ${gotRegs.map((v) => (v >>> 0).toString(16))} expected ${expRegs.map((v) => (v >>> 0).toString(16))}`;
  }
  // Memory: only the destination bytes may change.
  const expMem = [...memBefore];
  if (form.dst === 'mem' && writes) for (let i = 0; i < size / 8; i++) expMem[8 + i] = Math.floor(ref.res / 2 ** (8 * i)) & 0xff;
  const gotMem = Array.from(c.mem.u8.subarray(ADDR - 8, ADDR + 12));
  if (gotMem.some((v, i) => v !== expMem[i])) return `${what}: memory ${hex(gotMem)} expected ${hex(expMem)}`;
  const eflags = c.getEflags();
  if ((eflags & ref.defined) !== (ref.flags & ref.defined)) {
    return `${what}: flags ${(eflags & ref.defined).toString(16)} expected ${(ref.flags & ref.defined).toString(16)}`;
  }
  if ((eflags & ~STATUS) !== (FLAGS_FIXED | FLAG_DF)) return `${what}: non-status flags changed: ${eflags.toString(16)}`;
  return null;
}

// --- Hand-computed rows (also validate the reference model) ------------------------------

interface Row {
  text: string;
  code: number[];
  regs: Partial<Record<number, number>>;
  flagsIn?: number;
  reg: number;
  expect: number;
  flags: number;
  /** Flags to compare (default all six status flags). */
  mask?: number;
}

const ROWS: Row[] = [
  { text: 'add al, 1 with AL=FF: 0, CF ZF AF PF', code: [0x04, 0x01], regs: { [EAX]: 0xff }, reg: EAX, expect: 0x00, flags: FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF },
  { text: 'add al, 1 with AL=7F: 80, OF SF AF', code: [0x04, 0x01], regs: { [EAX]: 0x7f }, reg: EAX, expect: 0x80, flags: FLAG_OF | FLAG_SF | FLAG_AF },
  { text: 'add eax, ebx: 80000000 + 80000000 = 0, CF OF ZF PF', code: [0x01, 0xd8], regs: { [EAX]: 0x80000000, [EBX]: 0x80000000 }, reg: EAX, expect: 0, flags: FLAG_CF | FLAG_OF | FLAG_ZF | FLAG_PF },
  { text: 'add ax, 0x0001 with AX=000F: 0010, AF only', code: [0x66, 0x05, 0x01, 0x00], regs: { [EAX]: 0x000f }, reg: EAX, expect: 0x0010, flags: FLAG_AF },
  { text: 'adc al, 0 with AL=FF, CF=1: 0, CF ZF AF PF', code: [0x14, 0x00], regs: { [EAX]: 0xff }, flagsIn: FLAG_CF, reg: EAX, expect: 0, flags: FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF },
  { text: 'adc al, FF with AL=FF, CF=1: FF, CF SF AF PF', code: [0x14, 0xff], regs: { [EAX]: 0xff }, flagsIn: FLAG_CF, reg: EAX, expect: 0xff, flags: FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF },
  { text: 'adc al, 0 with AL=7F, CF=1: 80, OF SF AF', code: [0x14, 0x00], regs: { [EAX]: 0x7f }, flagsIn: FLAG_CF, reg: EAX, expect: 0x80, flags: FLAG_OF | FLAG_SF | FLAG_AF },
  { text: 'adc eax, -1 with EAX=0, CF=1: 0, CF ZF AF PF', code: [0x83, 0xd0, 0xff], regs: { [EAX]: 0 }, flagsIn: FLAG_CF, reg: EAX, expect: 0, flags: FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF },
  { text: 'sub al, 1 with AL=0: FF, CF SF AF PF', code: [0x2c, 0x01], regs: { [EAX]: 0 }, reg: EAX, expect: 0xff, flags: FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF },
  { text: 'sub al, 1 with AL=80: 7F, OF AF', code: [0x2c, 0x01], regs: { [EAX]: 0x80 }, reg: EAX, expect: 0x7f, flags: FLAG_OF | FLAG_AF },
  { text: 'sub eax, eax: 0, ZF PF', code: [0x29, 0xc0], regs: { [EAX]: 0x12345678 }, reg: EAX, expect: 0, flags: FLAG_ZF | FLAG_PF },
  { text: 'sbb al, FF with AL=0, CF=1: 0, CF ZF AF PF (borrow of 100h)', code: [0x1c, 0xff], regs: { [EAX]: 0 }, flagsIn: FLAG_CF, reg: EAX, expect: 0, flags: FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF },
  { text: 'sbb al, 0 with AL=80, CF=1: 7F, OF AF', code: [0x1c, 0x00], regs: { [EAX]: 0x80 }, flagsIn: FLAG_CF, reg: EAX, expect: 0x7f, flags: FLAG_OF | FLAG_AF },
  { text: 'sbb eax, eax with CF=1: FFFFFFFF, CF SF AF PF', code: [0x19, 0xc0], regs: { [EAX]: 0x1234 }, flagsIn: FLAG_CF, reg: EAX, expect: 0xffffffff, flags: FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF },
  { text: 'sbb eax, eax with CF=0: 0, ZF PF', code: [0x19, 0xc0], regs: { [EAX]: 0x1234 }, reg: EAX, expect: 0, flags: FLAG_ZF | FLAG_PF },
  { text: 'cmp al, 80 with AL=7F: unchanged, OF SF CF (7F-80=FF)', code: [0x3c, 0x80], regs: { [EAX]: 0x7f }, reg: EAX, expect: 0x7f, flags: FLAG_OF | FLAG_SF | FLAG_CF | FLAG_PF },
  { text: 'cmp eax, 5 with EAX=5: ZF PF', code: [0x83, 0xf8, 0x05], regs: { [EAX]: 5 }, reg: EAX, expect: 5, flags: FLAG_ZF | FLAG_PF },
  { text: 'and al, 0F with AL=F0: 0, ZF PF (CF OF cleared)', code: [0x24, 0x0f], regs: { [EAX]: 0xf0 }, flagsIn: FLAG_CF | FLAG_OF, reg: EAX, expect: 0, flags: FLAG_ZF | FLAG_PF, mask: STATUS & ~FLAG_AF },
  { text: 'or eax, 80000000 with EAX=1: 80000001, SF', code: [0x0d, ...le32(0x80000000)], regs: { [EAX]: 1 }, reg: EAX, expect: 0x80000001, flags: FLAG_SF, mask: STATUS & ~FLAG_AF },
  { text: 'xor ax, ax: 0, ZF PF', code: [0x66, 0x31, 0xc0], regs: { [EAX]: 0xabcd1234 }, reg: EAX, expect: 0xabcd0000, flags: FLAG_ZF | FLAG_PF, mask: STATUS & ~FLAG_AF },
  { text: 'xor al, 3 with AL=0: 3, PF (two ones)', code: [0x34, 0x03], regs: { [EAX]: 0 }, reg: EAX, expect: 3, flags: FLAG_PF, mask: STATUS & ~FLAG_AF },
  { text: 'add ah, 0x80 (80 /0 on AH) with AH=80: 0, CF OF ZF PF', code: [0x80, 0xc4, 0x80], regs: { [EAX]: 0x8055 }, reg: EAX, expect: 0x0055, flags: FLAG_CF | FLAG_OF | FLAG_ZF | FLAG_PF },
  { text: 'test eax, ebx (85) with 0F0 & 00F: 0, ZF PF', code: [0x85, 0xd8], regs: { [EAX]: 0xf0, [EBX]: 0x0f }, reg: EAX, expect: 0xf0, flags: FLAG_ZF | FLAG_PF, mask: STATUS & ~FLAG_AF },
  { text: 'test al, 80 (A8) with AL=80: SF', code: [0xa8, 0x80], regs: { [EAX]: 0x80 }, reg: EAX, expect: 0x80, flags: FLAG_SF, mask: STATUS & ~FLAG_AF },
  { text: 'test ecx, 1 (F7 /0) with ECX=3: no flags', code: [0xf7, 0xc1, 1, 0, 0, 0], regs: { [ECX]: 3 }, flagsIn: FLAG_CF | FLAG_OF | FLAG_ZF, reg: ECX, expect: 3, flags: 0, mask: STATUS & ~FLAG_AF },
  { text: 'test bh, 0x81 (F6 /0) with BH=01: no flags', code: [0xf6, 0xc7, 0x81], regs: { [EBX]: 0x0100 }, reg: EBX, expect: 0x0100, flags: 0, mask: STATUS & ~FLAG_AF },
];

describe('hand-computed flag rows', () => {
  for (const row of ROWS) {
    it(row.text, () => {
      const c = machine();
      prepare(c, row.flagsIn ?? 0);
      for (const [r, v] of Object.entries(row.regs)) c.reg32[Number(r)] = v!;
      run(c, row.code);
      expect((c.reg32[row.reg] >>> 0).toString(16)).toBe(row.expect.toString(16));
      const mask = row.mask ?? STATUS;
      expect((c.getEflags() & mask).toString(16)).toBe(row.flags.toString(16));
    });
  }

  it('the reference model agrees with every row it covers', () => {
    // The rows above were computed by hand; the model must reproduce them.
    expect(refAlu(ADD, 0xff, 1, 0, 8).flags).toBe(FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF);
    expect(refAlu(ADC, 0xff, 0xff, 1, 8)).toEqual({ res: 0xff, flags: FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF, defined: STATUS });
    expect(refAlu(SBB, 0, 0xff, 1, 8)).toEqual({ res: 0, flags: FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF, defined: STATUS });
    expect(refAlu(SBB, 0x80, 0, 1, 8)).toEqual({ res: 0x7f, flags: FLAG_OF | FLAG_AF, defined: STATUS });
    expect(refAlu(ADD, 0x80000000, 0x80000000, 0, 32).flags).toBe(FLAG_CF | FLAG_OF | FLAG_ZF | FLAG_PF);
  });
});

describe('ADD/OR/ADC/SBB/AND/SUB/XOR/CMP in every encoding and size', () => {
  for (let kind = 0; kind < 8; kind++) {
    for (const size of SIZES) {
      it(`${KIND_NAMES[kind]} ${size}-bit: ${FORMS.length} encodings x edge and random operands x CF in`, () => {
        const mismatches: string[] = [];
        let n = 0;
        for (const form of FORMS) {
          const ps = pairs(size, kind * 100 + size + form.name.length, 12);
          for (let i = 0; i < ps.length; i++) {
            const [a, b] = ps[i];
            // Alternate the unrelated initial flags so the result must overwrite all six.
            for (const flagsIn of [0, FLAG_CF | FLAG_ZF | FLAG_OF | FLAG_AF | FLAG_SF | FLAG_PF]) {
              const r = checkAluCase(kind, size, form, a, b, flagsIn, i + n);
              if (r !== null && mismatches.length < 8) mismatches.push(r);
            }
          }
          n++;
        }
        expect(mismatches).toEqual([]);
      });
    }
  }

  it('group 1 with a memory operand decodes the displacement before the immediate (81 /0 [ebx+disp8], imm32)', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EBX] = ADDR - 4;
    c.mem.write32(ADDR, 0x11111111);
    run(c, [0x81, 0x43, 0x04, ...le32(0x22222222)]); // add dword [ebx+4], 0x22222222
    expect(c.mem.read32(ADDR) >>> 0).toBe(0x33333333);
  });

  it('8-bit operations on AH..BH leave the other bytes of the register alone', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EDX] = 0x11223344;
    run(c, [0x80, 0xc6, 0x01]); // add dh, 1
    expect(c.reg32[EDX] >>> 0).toBe(0x11223444);
  });
});

describe('carry chains (ADC/SBB)', () => {
  it('64-bit add: add eax, ebx / adc edx, ecx', () => {
    const c = machine();
    const cases: [bigint, bigint][] = [
      [0xffffffffn, 1n], [0xffffffffffffffffn, 1n], [0x7fffffffffffffffn, 1n], [0x123456789abcdef0n, 0xfedcba9876543210n],
      [0x00000000ffffffffn, 0x00000000ffffffffn], [0x8000000000000000n, 0x8000000000000000n],
    ];
    for (const [x, y] of cases) {
      prepare(c, FLAG_CF); // a stale CF must not leak into the chain's ADD
      c.reg32[EAX] = Number(x & 0xffffffffn);
      c.reg32[EDX] = Number(x >> 32n);
      c.reg32[EBX] = Number(y & 0xffffffffn);
      c.reg32[ECX] = Number(y >> 32n);
      run(c, [0x01, 0xd8, 0x11, 0xca]);
      const sum = x + y;
      const got = (BigInt(c.reg32[EDX] >>> 0) << 32n) | BigInt(c.reg32[EAX] >>> 0);
      expect(got.toString(16)).toBe((sum & 0xffffffffffffffffn).toString(16));
      expect(c.getEflags() & FLAG_CF).toBe(sum >> 64n ? FLAG_CF : 0);
      const sx = BigInt.asIntN(64, x) + BigInt.asIntN(64, y);
      expect(c.getEflags() & FLAG_OF).toBe(sx !== BigInt.asIntN(64, sum) ? FLAG_OF : 0);
      expect(c.getEflags() & FLAG_ZF).toBe((c.reg32[EDX] === 0) ? FLAG_ZF : 0); // ZF of the last ADC only
    }
  });

  it('96-bit subtract: sub / sbb / sbb through memory, with the borrow propagating', () => {
    const c = machine();
    const cases: [bigint, bigint][] = [
      [0n, 1n], [1n << 64n, 1n], [0x800000000000000000000000n, 1n], [0x123456789abcdef012345678n, 0x123456789abcdef012345679n],
      [5n, 5n],
    ];
    const M96 = (1n << 96n) - 1n;
    for (const [x, y] of cases) {
      prepare(c, 0);
      for (let i = 0; i < 3; i++) {
        c.mem.write32(ADDR + 4 * i, Number((x >> BigInt(32 * i)) & 0xffffffffn));
        c.mem.write32(ADDR + 0x10 + 4 * i, Number((y >> BigInt(32 * i)) & 0xffffffffn));
      }
      // mov eax,[y0]; sub [x0],eax; mov eax,[y1]; sbb [x1],eax; mov eax,[y2]; sbb [x2],eax
      const code: number[] = [];
      for (let i = 0; i < 3; i++) {
        code.push(0xa1, ...le32(ADDR + 0x10 + 4 * i));
        code.push(i === 0 ? 0x29 : 0x19, 0x05, ...le32(ADDR + 4 * i));
      }
      run(c, code);
      const diff = (x - y) & M96;
      let got = 0n;
      for (let i = 2; i >= 0; i--) got = (got << 32n) | BigInt(c.mem.read32(ADDR + 4 * i) >>> 0);
      expect(got.toString(16)).toBe(diff.toString(16));
      expect(c.getEflags() & FLAG_CF).toBe(x < y ? FLAG_CF : 0);
    }
  });

  it('CMC/STC/CLC feed ADC: stc; adc eax, 0 adds one; clc; sbb eax, 0 subtracts nothing', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EAX] = 41;
    run(c, [0xf9, 0x83, 0xd0, 0x00, 0xf8, 0x83, 0xd8, 0x00, 0xf5, 0x83, 0xd8, 0x00]);
    expect(c.reg32[EAX]).toBe(41); // +1 (stc/adc), -0 (clc/sbb), -1 (cmc sets CF/sbb)
  });
});

// --- INC/DEC, NEG, NOT -------------------------------------------------------------

describe('INC/DEC (CF is not affected)', () => {
  type IncForm = { name: string; sizes: Size[]; encode: (size: Size, dec: boolean, r: number) => number[]; mem: boolean };
  const forms: IncForm[] = [
    { name: '40+r/48+r', sizes: [16, 32], mem: false, encode: (s, d, r) => [...prefix(s), (d ? 0x48 : 0x40) + r] },
    { name: 'FE/FF r/m(reg)', sizes: [8, 16, 32], mem: false, encode: (s, d, r) => [...prefix(s), s === 8 ? 0xfe : 0xff, 0xc0 | ((d ? 1 : 0) << 3) | r] },
    { name: 'FE/FF [disp32]', sizes: [8, 16, 32], mem: true, encode: (s, d) => [...prefix(s), s === 8 ? 0xfe : 0xff, ((d ? 1 : 0) << 3) | 5, ...le32(ADDR)] },
  ];
  for (const form of forms) {
    for (const size of form.sizes) {
      for (const isDec of [false, true]) {
        it(`${isDec ? 'dec' : 'inc'} ${size}-bit ${form.name}`, () => {
          const c = machine();
          const bad: string[] = [];
          const regs = size === 8 ? [1, 6] : [1, 7];
          for (const a of edges(size)) {
            for (const cf of [0, FLAG_CF]) {
              for (const r of regs) {
                prepare(c, cf | (cf ? 0 : FLAG_ZF | FLAG_OF));
                if (form.mem) writeMem(c, size, a);
                else setReg(c, size, r, a);
                run(c, form.encode(size, isDec, r));
                const ref = refAlu(isDec ? SUB : ADD, a, 1, 0, size);
                const got = form.mem ? readMem(c, size) : getReg(c, size, r);
                const expFlags = (ref.flags & ~FLAG_CF) | cf;
                const flags = c.getEflags() & STATUS;
                if (got !== ref.res || flags !== expFlags) {
                  bad.push(`a=${a.toString(16)} CF=${cf} r=${r}: got ${got.toString(16)} flags ${flags.toString(16)}, expected ${ref.res.toString(16)} ${expFlags.toString(16)}`);
                }
              }
            }
          }
          expect(bad).toEqual([]);
        });
      }
    }
  }

  it('keeps a CF produced lazily by a preceding ADD/SUB (add; inc; adc)', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EAX] = -1;
    c.reg32[EBX] = 1;
    c.reg32[ECX] = 7;
    c.reg32[EDX] = 0;
    // add eax, ebx (CF=1); inc ecx; dec ecx; inc cl (FE); dec word cx (66 FF C9); adc edx, 0
    run(c, [0x01, 0xd8, 0x41, 0x49, 0xfe, 0xc1, 0x66, 0xff, 0xc9, 0x83, 0xd2, 0x00]);
    expect(c.reg32[EDX]).toBe(1);
    expect(c.reg32[ECX]).toBe(7);
  });

  it('keeps CF=0 after a borrow-free SUB and CF=1 after a borrowing CMP', () => {
    const c = machine();
    prepare(c, FLAG_CF);
    c.reg32[EAX] = 5;
    run(c, [0x83, 0xe8, 0x01, 0x40]); // sub eax, 1; inc eax
    expect(c.getEflags() & FLAG_CF).toBe(0);
    prepare(c, 0);
    c.reg32[EAX] = 0;
    run(c, [0x83, 0xf8, 0x01, 0x48]); // cmp eax, 1 (borrow); dec eax
    expect(c.getEflags() & FLAG_CF).toBe(FLAG_CF);
    expect(c.reg32[EAX]).toBe(-1);
  });
});

describe('NEG (CF = source != 0) and NOT (no flags)', () => {
  for (const size of SIZES) {
    it(`neg ${size}-bit, register and memory, every edge value`, () => {
      const c = machine();
      const bad: string[] = [];
      for (const a of edges(size)) {
        for (const memForm of [false, true]) {
          prepare(c, a === 0 ? FLAG_CF : 0);
          const code = memForm
            ? [...prefix(size), size === 8 ? 0xf6 : 0xf7, 0x1d, ...le32(ADDR)]
            : [...prefix(size), size === 8 ? 0xf6 : 0xf7, 0xdb]; // neg bl/bx/ebx
          if (memForm) writeMem(c, size, a);
          else setReg(c, size, EBX, a);
          run(c, code);
          const ref = refAlu(SUB, 0, a, 0, size);
          const expFlags = (ref.flags & ~FLAG_CF) | (a !== 0 ? FLAG_CF : 0);
          const got = memForm ? readMem(c, size) : getReg(c, size, EBX);
          const flags = c.getEflags() & STATUS;
          if (got !== ref.res || flags !== expFlags) bad.push(`a=${a.toString(16)} mem=${memForm}: ${got.toString(16)}/${flags.toString(16)} expected ${ref.res.toString(16)}/${expFlags.toString(16)}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('neg of 0: 0, CF=0, ZF PF', () => {
    const c = machine();
    prepare(c, FLAG_CF | FLAG_OF);
    c.reg32[EAX] = 0;
    run(c, [0xf7, 0xd8]);
    expect(c.reg32[EAX]).toBe(0);
    expect(c.getEflags() & STATUS).toBe(FLAG_ZF | FLAG_PF);
  });

  it('neg of the minimum (80h, 8000h, 80000000h): unchanged, CF OF SF', () => {
    const c = machine();
    for (const [size, v, code] of [[8, 0x80, [0xf6, 0xd8]], [16, 0x8000, [0x66, 0xf7, 0xd8]], [32, 0x80000000, [0xf7, 0xd8]]] as const) {
      prepare(c, 0);
      setReg(c, size, EAX, v);
      run(c, [...code]);
      expect(getReg(c, size, EAX)).toBe(v);
      expect(c.getEflags() & STATUS).toBe(FLAG_CF | FLAG_OF | FLAG_SF | (size === 8 ? 0 : FLAG_PF)); // low byte 00h has even parity
    }
  });

  for (const size of SIZES) {
    it(`not ${size}-bit leaves every flag (set, clear, or pending from a CMP)`, () => {
      const c = machine();
      for (const memForm of [false, true]) {
        const code = memForm ? [...prefix(size), size === 8 ? 0xf6 : 0xf7, 0x15, ...le32(ADDR)] : [...prefix(size), size === 8 ? 0xf6 : 0xf7, 0xd2];
        for (const flagsIn of [0, STATUS]) {
          prepare(c, flagsIn);
          if (memForm) writeMem(c, size, 0x5a);
          else setReg(c, size, EDX, 0x5a);
          run(c, code);
          expect(memForm ? readMem(c, size) : getReg(c, size, EDX)).toBe(maskOf(size) - 0x5a);
          expect(c.getEflags() & STATUS).toBe(flagsIn);
        }
        // Lazy flags from CMP 1, 2 (CF SF AF PF) must survive the NOT.
        prepare(c, 0);
        c.reg32[EAX] = 1;
        if (memForm) writeMem(c, size, 0);
        else setReg(c, size, EDX, 0);
        run(c, [0x83, 0xf8, 0x02, ...code]);
        expect(c.getEflags() & STATUS).toBe(FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF);
      }
    });
  }
});

// --- MUL / IMUL ------------------------------------------------------------------------

const big = (v: number): bigint => BigInt(v);
const asSigned = (v: number, size: Size): bigint => BigInt(signed(v, size));

describe('MUL/IMUL (CF = OF = the upper half is significant)', () => {
  for (const size of SIZES) {
    it(`mul ${size}-bit (F6/F7 /4), register and memory operand`, () => {
      const c = machine();
      const bad: string[] = [];
      for (const [a, b] of pairs(size, 77 + size)) {
        for (const memForm of [false, true]) {
          prepare(c, 0);
          setReg(c, size, EAX, a);
          if (memForm) writeMem(c, size, b);
          else setReg(c, size, EBX, b);
          const code = memForm ? [...prefix(size), size === 8 ? 0xf6 : 0xf7, 0x25, ...le32(ADDR)] : [...prefix(size), size === 8 ? 0xf6 : 0xf7, 0xe3];
          const before = Array.from(c.reg32);
          run(c, code);
          const p = big(a) * big(b);
          const lo = Number(p & big(maskOf(size)));
          const hi = Number(p >> big(size));
          let got: [number, number];
          let others: boolean;
          if (size === 8) {
            got = [c.reg8[0], c.reg8[1]];
            others = (c.reg32[EAX] & ~0xffff) === (before[EAX] & ~0xffff) && c.reg32[EDX] === before[EDX];
          } else {
            got = [getReg(c, size, EAX), getReg(c, size, EDX)];
            others = size === 32 || ((c.reg32[EAX] ^ before[EAX]) & ~0xffff) === 0 && ((c.reg32[EDX] ^ before[EDX]) & ~0xffff) === 0;
          }
          const ov = hi !== 0 ? FLAG_CF | FLAG_OF : 0;
          const flags = c.getEflags() & (FLAG_CF | FLAG_OF);
          if (got[0] !== lo || got[1] !== hi || flags !== ov || !others) {
            bad.push(`${a.toString(16)}*${b.toString(16)}: lo ${got[0].toString(16)} hi ${got[1].toString(16)} CF/OF ${flags} others ${others}; expected ${lo.toString(16)} ${hi.toString(16)} ${ov}`);
          }
        }
      }
      expect(bad).toEqual([]);
    });

    it(`imul ${size}-bit one-operand (F6/F7 /5)`, () => {
      const c = machine();
      const bad: string[] = [];
      for (const [a, b] of pairs(size, 99 + size)) {
        prepare(c, 0);
        setReg(c, size, EAX, a);
        setReg(c, size, ECX, b);
        run(c, [...prefix(size), size === 8 ? 0xf6 : 0xf7, 0xe9]);
        const p = asSigned(a, size) * asSigned(b, size);
        const pu = BigInt.asUintN(2 * size, p);
        const lo = Number(pu & big(maskOf(size)));
        const hi = Number(pu >> big(size));
        const got = size === 8 ? [c.reg8[0], c.reg8[1]] : [getReg(c, size, EAX), getReg(c, size, EDX)];
        const fits = BigInt.asIntN(size, p) === p;
        const ov = fits ? 0 : FLAG_CF | FLAG_OF;
        const flags = c.getEflags() & (FLAG_CF | FLAG_OF);
        if (got[0] !== lo || got[1] !== hi || flags !== ov) {
          bad.push(`${a.toString(16)}*${b.toString(16)}: ${got.map((x) => x.toString(16))} CF/OF ${flags}; expected ${lo.toString(16)} ${hi.toString(16)} ${ov}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  for (const size of [16, 32] as const) {
    it(`imul ${size}-bit two- and three-operand forms (0F AF, 69, 6B): truncated result, CF = OF = it did not fit`, () => {
      const c = machine();
      const bad: string[] = [];
      for (const [a, b] of pairs(size, 123 + size)) {
        for (const form of ['0F AF reg', '0F AF mem', '69 reg', '69 mem', '6B reg'] as const) {
          prepare(c, 0);
          let bb = b;
          let code: number[];
          setReg(c, size, ESI, a);
          switch (form) {
            case '0F AF reg':
              setReg(c, size, EDX, a);
              setReg(c, size, EBX, b);
              code = [...prefix(size), 0x0f, 0xaf, 0xd3]; // imul edx, ebx
              break;
            case '0F AF mem':
              setReg(c, size, EDX, a);
              writeMem(c, size, b);
              code = [...prefix(size), 0x0f, 0xaf, 0x15, ...le32(ADDR)]; // imul edx, [ADDR]
              break;
            case '69 reg':
              code = [...prefix(size), 0x69, 0xd6, ...imm(b, size / 8)]; // imul edx, esi, imm
              break;
            case '69 mem':
              writeMem(c, size, a);
              code = [...prefix(size), 0x69, 0x15, ...le32(ADDR), ...imm(b, size / 8)]; // imul edx, [ADDR], imm
              break;
            default:
              bb = signExtend8(b & 0xff, size);
              code = [...prefix(size), 0x6b, 0xd6, b & 0xff]; // imul edx, esi, imm8
          }
          const esiBefore = c.reg32[6];
          run(c, code);
          const p = asSigned(a, size) * asSigned(bb, size);
          const res = Number(BigInt.asUintN(size, p));
          const ov = BigInt.asIntN(size, p) === p ? 0 : FLAG_CF | FLAG_OF;
          const got = getReg(c, size, EDX);
          const flags = c.getEflags() & (FLAG_CF | FLAG_OF);
          if (got !== res || flags !== ov || c.reg32[6] !== esiBefore) {
            bad.push(`${form} ${a.toString(16)}*${bb.toString(16)}: ${got.toString(16)} CF/OF ${flags}; expected ${res.toString(16)} ${ov}`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('hand-computed: mul bl with AL=FF BL=FF gives AX=FE01 and CF=OF=1; imul with AL=FF BL=FF gives AX=1, CF=OF=0', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EAX] = 0xff;
    c.reg32[EBX] = 0xff;
    run(c, [0xf6, 0xe3]);
    expect(c.reg16[0]).toBe(0xfe01);
    expect(c.getEflags() & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
    prepare(c, FLAG_CF | FLAG_OF);
    c.reg32[EAX] = 0xff;
    c.reg32[EBX] = 0xff;
    run(c, [0xf6, 0xeb]);
    expect(c.reg16[0]).toBe(1);
    expect(c.getEflags() & (FLAG_CF | FLAG_OF)).toBe(0);
  });

  it('hand-computed: imul eax, eax, 0x10000 with EAX=0x10000 is 0 with CF=OF=1; imul ax, cx, -1 with CX=8000h overflows', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EAX] = 0x10000;
    run(c, [0x69, 0xc0, ...le32(0x10000)]);
    expect(c.reg32[EAX]).toBe(0);
    expect(c.getEflags() & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
    prepare(c, 0);
    c.reg32[ECX] = 0x8000;
    run(c, [0x66, 0x6b, 0xc1, 0xff]);
    expect(c.reg16[0]).toBe(0x8000);
    expect(c.getEflags() & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
  });
});

// --- DIV / IDIV ------------------------------------------------------------------------

/** Reference DIV/IDIV: null when the SDM says #DE (zero divisor or quotient too large). */
function refDiv(size: Size, signedDiv: boolean, dividend: bigint, divisor: bigint): [bigint, bigint] | null {
  if (divisor === 0n) return null;
  const q = dividend / divisor; // BigInt division truncates toward zero, as IDIV does
  const r = dividend % divisor; // the remainder takes the dividend's sign
  if (signedDiv ? q < -(1n << BigInt(size - 1)) || q >= 1n << BigInt(size - 1) : q >= 1n << BigInt(size)) return null;
  return [q, r];
}

describe('DIV/IDIV results', () => {
  for (const size of SIZES) {
    for (const signedDiv of [false, true]) {
      it(`${signedDiv ? 'idiv' : 'div'} ${size}-bit: quotient and remainder for every representable case`, () => {
        const c = machine();
        const bad: string[] = [];
        const rnd = prng(size * 3 + (signedDiv ? 1 : 0));
        let checked = 0;
        for (let i = 0; i < 400 && checked < 200; i++) {
          const hiPart = [0, maskOf(size), rnd() % 4, rnd() % mod(size)][i % 4];
          const loPart = rnd() % mod(size);
          const divisor = i % 7 === 0 ? [1, maskOf(size), mod(size) / 2, 3][(i / 7) % 4] : 1 + (rnd() % maskOf(size));
          const dividendU = (big(hiPart) << big(size)) | big(loPart);
          const dividend = signedDiv ? BigInt.asIntN(2 * size, dividendU) : dividendU;
          const d = signedDiv ? asSigned(divisor, size) : big(divisor);
          const ref = refDiv(size, signedDiv, dividend, d);
          if (ref === null) continue;
          checked++;
          prepare(c, 0);
          if (size === 8) c.reg16[0] = Number(dividendU);
          else {
            setReg(c, size, EAX, loPart);
            setReg(c, size, EDX, hiPart);
          }
          setReg(c, size, EBX, divisor);
          run(c, [...prefix(size), size === 8 ? 0xf6 : 0xf7, signedDiv ? 0xfb : 0xf3]);
          const q = Number(BigInt.asUintN(size, ref[0]));
          const r = Number(BigInt.asUintN(size, ref[1]));
          const got = size === 8 ? [c.reg8[0], c.reg8[1]] : [getReg(c, size, EAX), getReg(c, size, EDX)];
          if (got[0] !== q || got[1] !== r) bad.push(`${dividend}/${d}: ${got.map((x) => x.toString(16))} expected ${q.toString(16)} ${r.toString(16)}`);
        }
        expect(checked).toBeGreaterThan(50);
        expect(bad).toEqual([]);
      });
    }
  }

  it('idiv truncates toward zero and the remainder takes the sign of the dividend', () => {
    const c = machine();
    for (const [n, d, q, r] of [[-7, 2, -3, -1], [7, -2, -3, 1], [-7, -2, 3, -1], [-256, 2, -128, 0]] as const) {
      prepare(c, 0);
      c.reg16[0] = n & 0xffff;
      c.reg32[EBX] = d & 0xff;
      run(c, [0xf6, 0xfb]); // idiv bl
      expect([(c.reg8[0] << 24) >> 24, (c.reg8[1] << 24) >> 24]).toEqual([q, r]);
      prepare(c, 0);
      c.reg32[EAX] = n;
      c.reg32[EDX] = n < 0 ? -1 : 0;
      c.reg32[EBX] = d;
      run(c, [0xf7, 0xfb]); // idiv ebx
      expect([c.reg32[EAX], c.reg32[EDX]]).toEqual([q, r]);
    }
  });

  it('idiv ecx with EDX:EAX = -2^32 and ECX = 2 gives the minimum quotient 80000000h (no #DE)', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EDX] = -1;
    c.reg32[EAX] = 0;
    c.reg32[ECX] = 2;
    run(c, [0xf7, 0xf9]);
    expect(c.reg32[EAX] >>> 0).toBe(0x80000000);
    expect(c.reg32[EDX]).toBe(0);
  });

  it('div with a memory divisor (div dword [disp32], div word [disp32], div byte [disp32])', () => {
    const c = machine();
    prepare(c, 0);
    c.reg32[EAX] = 100;
    c.reg32[EDX] = 1; // EDX:EAX = 2^32 + 100
    c.mem.write32(ADDR, 3);
    run(c, [0xf7, 0x35, ...le32(ADDR)]);
    expect(c.reg32[EAX]).toBe(Number((2n ** 32n + 100n) / 3n));
    expect(c.reg32[EDX]).toBe(Number((2n ** 32n + 100n) % 3n));
    prepare(c, 0);
    c.reg32[EAX] = 0x0005;
    c.reg32[EDX] = 0x0001;
    c.mem.write16(ADDR, 0x10);
    run(c, [0x66, 0xf7, 0x35, ...le32(ADDR)]);
    expect([c.reg16[0], c.reg16[4]]).toEqual([0x1000, 5]);
    prepare(c, 0);
    c.reg16[0] = 1000;
    c.mem.write8(ADDR, 7);
    run(c, [0xf6, 0x35, ...le32(ADDR)]);
    expect([c.reg8[0], c.reg8[1]]).toEqual([142, 6]);
  });
});

describe('#DE (divide error): a fault, with EIP at the DIV/IDIV and the registers untouched', () => {
  interface DeCase {
    text: string;
    code: number[];
    regs: Partial<Record<number, number>>;
    mem?: number;
  }
  const cases: DeCase[] = [
    { text: 'div bl, BL=0', code: [0xf6, 0xf3], regs: { [EAX]: 0x1234, [EBX]: 0 } },
    { text: 'div bl, quotient 100h does not fit in AL', code: [0xf6, 0xf3], regs: { [EAX]: 0x0100, [EBX]: 1 } },
    { text: 'div cx, CX=0 (66 prefix: EIP at the prefix)', code: [0x66, 0xf7, 0xf1], regs: { [EAX]: 1, [ECX]: 0x10000 } },
    { text: 'div cx, DX:AX = 10000h / 1', code: [0x66, 0xf7, 0xf1], regs: { [EAX]: 0, [EDX]: 1, [ECX]: 1 } },
    { text: 'div ecx, ECX=0', code: [0xf7, 0xf1], regs: { [EAX]: 1, [ECX]: 0 } },
    { text: 'div ecx, EDX = ECX (quotient >= 2^32)', code: [0xf7, 0xf1], regs: { [EAX]: 0, [EDX]: 5, [ECX]: 5 } },
    { text: 'div dword [disp32] = 0', code: [0xf7, 0x35, ...le32(0x100000)], regs: { [EAX]: 1 }, mem: 0 },
    { text: 'idiv bl, BL=0', code: [0xf6, 0xfb], regs: { [EAX]: 5, [EBX]: 0 } },
    { text: 'idiv bl, AX = -32768 / -1', code: [0xf6, 0xfb], regs: { [EAX]: 0x8000, [EBX]: 0xff } },
    { text: 'idiv bl, AX = -128 / -1 (quotient +128 > 127)', code: [0xf6, 0xfb], regs: { [EAX]: 0xff80, [EBX]: 0xff } },
    { text: 'idiv bl, AX = 256 / 2 (quotient 128 > 127)', code: [0xf6, 0xfb], regs: { [EAX]: 0x100, [EBX]: 2 } },
    { text: 'idiv cx, DX:AX = 80000000h (-2^31) / -1: quotient 2^31', code: [0x66, 0xf7, 0xf9], regs: { [EAX]: 0x0000, [EDX]: 0x8000, [ECX]: 0xffff } },
    { text: 'idiv cx, DX:AX = -32768 / -1 (the 16-bit INT_MIN)', code: [0x66, 0xf7, 0xf9], regs: { [EAX]: 0x8000, [EDX]: 0xffff, [ECX]: 0xffff } },
    { text: 'idiv ecx, EDX:EAX = INT_MIN (80000000h sign-extended) / -1', code: [0xf7, 0xf9], regs: { [EAX]: 0x80000000, [EDX]: -1, [ECX]: -1 } },
    { text: 'idiv ecx, EDX:EAX = +2^31 / 1', code: [0xf7, 0xf9], regs: { [EAX]: 0x80000000, [EDX]: 0, [ECX]: 1 } },
    { text: 'idiv ecx, EDX:EAX = -2^63 / -1', code: [0xf7, 0xf9], regs: { [EAX]: 0, [EDX]: 0x80000000, [ECX]: -1 } },
    { text: 'idiv ecx, ECX=0', code: [0xf7, 0xf9], regs: { [EAX]: 1, [ECX]: 0 } },
  ];
  for (const tc of cases) {
    it(tc.text, () => {
      const m = new ProtectedMachine({ ramBytes: 2 << 20 });
      const c = m.cpu;
      // A few instructions before, so EIP is not trivially the start of the code.
      const code = [0x90, 0x90, ...tc.code, 0xf4];
      m.code(CODE0, code);
      m.enter(0, CODE0);
      for (const [r, v] of Object.entries(tc.regs)) c.reg32[Number(r)] = v!;
      if (tc.mem !== undefined) m.mem.write32(0x100000, tc.mem);
      const before = Array.from(c.reg32);
      const f = m.expectVector(VEC_DE);
      expect(f.eip).toBe(CODE0 + 2);
      expect(c.reg32[ESP]).toBe(STACK0 - 12); // EIP, CS, EFLAGS; no error code
      const after = Array.from(c.reg32);
      after[ESP] = before[ESP];
      expect(after).toEqual(before);
    });
  }
});
