/**
 * Lazy arithmetic flags. ALU instructions record their operands, result and
 * width; CF/PF/AF/ZF/SF/OF are derived only when something reads them (a Jcc,
 * PUSHF, ADC...). `lzMask` says which status flags are still lazy; the rest
 * live in `cpu.flags`.
 */
import type { Cpu } from './cpu.js';
import * as $constants from './constants.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_ARITH } = $constants;

/** Kinds of lazy operation; ADC/SBB mean "with a carry-in of 1". */
export const OP_ADD = 0, OP_ADC = 1, OP_SUB = 2, OP_SBB = 3, OP_LOGIC = 4;

/** PF for each low byte: set when the number of one bits is even. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b; b >>= 1) bits += b & 1;
  PARITY[i] = bits & 1 ? 0 : FLAG_PF;
}

export function getCF(c: Cpu): number {
  if ((c.lzMask & FLAG_CF) === 0) return c.flags & FLAG_CF;
  const sh = c.lzShift;
  switch (c.lzOp) {
    case OP_ADD: return ((c.lzRes << sh) >>> 0) < ((c.lzDst << sh) >>> 0) ? 1 : 0;
    case OP_ADC: return ((c.lzRes << sh) >>> 0) <= ((c.lzDst << sh) >>> 0) ? 1 : 0;
    case OP_SUB: return ((c.lzDst << sh) >>> 0) < ((c.lzSrc << sh) >>> 0) ? 1 : 0;
    case OP_SBB: return ((c.lzDst << sh) >>> 0) <= ((c.lzSrc << sh) >>> 0) ? 1 : 0;
    default: return 0;
  }
}

export function getOF(c: Cpu): boolean {
  if ((c.lzMask & FLAG_OF) === 0) return (c.flags & FLAG_OF) !== 0;
  const sh = c.lzShift;
  switch (c.lzOp) {
    case OP_ADD:
    case OP_ADC: return (((c.lzDst ^ c.lzRes) & (c.lzSrc ^ c.lzRes)) << sh) < 0;
    case OP_SUB:
    case OP_SBB: return (((c.lzDst ^ c.lzSrc) & (c.lzDst ^ c.lzRes)) << sh) < 0;
    default: return false;
  }
}

export function getZF(c: Cpu): boolean {
  if ((c.lzMask & FLAG_ZF) === 0) return (c.flags & FLAG_ZF) !== 0;
  return c.lzRes << c.lzShift === 0;
}

export function getSF(c: Cpu): boolean {
  if ((c.lzMask & FLAG_SF) === 0) return (c.flags & FLAG_SF) !== 0;
  return c.lzRes << c.lzShift < 0;
}

export function getPF(c: Cpu): boolean {
  if ((c.lzMask & FLAG_PF) === 0) return (c.flags & FLAG_PF) !== 0;
  return PARITY[c.lzRes & 0xff] !== 0;
}

export function getAF(c: Cpu): boolean {
  if ((c.lzMask & FLAG_AF) === 0) return (c.flags & FLAG_AF) !== 0;
  if (c.lzOp === OP_LOGIC) return false;
  return ((c.lzDst ^ c.lzSrc ^ c.lzRes) & 0x10) !== 0;
}

/** Folds every lazy status flag into `cpu.flags`. */
export function materializeFlags(c: Cpu): void {
  const m = c.lzMask;
  if (m === 0) return;
  let f = c.flags & ~m;
  if (m & FLAG_CF) f |= getCF(c);
  if (m & FLAG_PF && getPF(c)) f |= FLAG_PF;
  if (m & FLAG_AF && getAF(c)) f |= FLAG_AF;
  if (m & FLAG_ZF && getZF(c)) f |= FLAG_ZF;
  if (m & FLAG_SF && getSF(c)) f |= FLAG_SF;
  if (m & FLAG_OF && getOF(c)) f |= FLAG_OF;
  c.flags = f;
  c.lzMask = 0;
}

/** Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc). */
export function testCondition(c: Cpu, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(c); break;
    case 1: r = getCF(c) !== 0; break;
    case 2: r = getZF(c); break;
    case 3: r = getCF(c) !== 0 || getZF(c); break;
    case 4: r = getSF(c); break;
    case 5: r = getPF(c); break;
    case 6: r = getSF(c) !== getOF(c); break;
    default: r = getZF(c) || getSF(c) !== getOF(c); break;
  }
  return (cc & 1) === 0 ? r : !r;
}

// --- Recording results -------------------------------------------------

function record(c: Cpu, op: number, dst: number, src: number, res: number, bits: number): void {
  c.lzOp = op;
  c.lzDst = dst;
  c.lzSrc = src;
  c.lzRes = res;
  c.lzShift = 32 - bits;
  c.lzMask = FLAGS_ARITH;
}

export function add(c: Cpu, a: number, b: number, bits: number): number {
  const r = (a + b) | 0;
  record(c, OP_ADD, a, b, r, bits);
  return r;
}

export function adc(c: Cpu, a: number, b: number, bits: number): number {
  const cin = getCF(c);
  const r = (a + b + cin) | 0;
  record(c, cin ? OP_ADC : OP_ADD, a, b, r, bits);
  return r;
}

export function sub(c: Cpu, a: number, b: number, bits: number): number {
  const r = (a - b) | 0;
  record(c, OP_SUB, a, b, r, bits);
  return r;
}

export function sbb(c: Cpu, a: number, b: number, bits: number): number {
  const cin = getCF(c);
  const r = (a - b - cin) | 0;
  record(c, cin ? OP_SBB : OP_SUB, a, b, r, bits);
  return r;
}

export function logic(c: Cpu, r: number, bits: number): number {
  c.lzOp = OP_LOGIC;
  c.lzRes = r;
  c.lzShift = 32 - bits;
  c.lzMask = FLAGS_ARITH;
  return r;
}

/** INC/DEC keep CF (Intel SDM: INC/DEC "CF flag is not affected"). */
export function inc(c: Cpu, a: number, bits: number): number {
  const cf = getCF(c);
  c.flags = (c.flags & ~FLAG_CF) | cf;
  const r = (a + 1) | 0;
  record(c, OP_ADD, a, 1, r, bits);
  c.lzMask = FLAGS_ARITH & ~FLAG_CF;
  return r;
}

export function dec(c: Cpu, a: number, bits: number): number {
  const cf = getCF(c);
  c.flags = (c.flags & ~FLAG_CF) | cf;
  const r = (a - 1) | 0;
  record(c, OP_SUB, a, 1, r, bits);
  c.lzMask = FLAGS_ARITH & ~FLAG_CF;
  return r;
}

/**
 * Sets ZF/SF/PF lazily from `res` and CF/OF/AF eagerly (shifts, rotates
 * through results, MUL-like ops). `cfOfAf` holds those three bits.
 */
export function setResultFlags(c: Cpu, res: number, bits: number, cfOfAf: number): void {
  c.flags = (c.flags & ~(FLAG_CF | FLAG_OF | FLAG_AF)) | cfOfAf;
  c.lzOp = OP_LOGIC;
  c.lzRes = res;
  c.lzShift = 32 - bits;
  c.lzMask = FLAG_ZF | FLAG_SF | FLAG_PF;
}

/** Replaces the named status flags with explicit values (others untouched). */
export function setFlagBits(c: Cpu, mask: number, values: number): void {
  // The flags outside `mask` stay derivable from the lazy state; only the
  // replaced ones stop being lazy. Constant time, whatever was pending.
  c.flags = (c.flags & ~mask) | (values & mask);
  c.lzMask &= ~mask;
}
