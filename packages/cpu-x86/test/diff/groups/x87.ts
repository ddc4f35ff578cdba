// x87 FPU groups. A case is one FPU program: FNINIT, FLDCW of a random
// control word (RC, PC, exception masks), loads of boundary-biased operands
// from the data buffer, a sequence of instructions (each optionally followed
// by FNSTSW to memory), and a final FNSAVE/FNSTENV image in the data buffer,
// which is how the FPU state becomes visible to the comparison.
//
// Fields the host cannot report like a P6 are overwritten with MOVs after
// each environment store: FCS and FDS (the host deprecates them and stores
// 0), FOP and FDP (the host keeps them only for instructions that raised an
// unmasked exception: "FOP compatibility mode" off, FDP_EXCPTN_ONLY). FIP is
// compared. Unmasked exceptions raise #MF (vector 16) at the next waiting
// instruction on both sides; FNSTSW/FNSTENV/FNSAVE do not wait, so the state
// after the exception is still captured.
//
// `x87trans` covers F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS, whose
// results are not bit-exact in the emulator (within 1 ulp): their status word
// is compared without C1 and PE (PE kept masked), and their results only
// after rounding to single precision with RC = nearest.
import type { CaseBuilder, MemOperand } from '../case-builder.js';
import { CF, DATA_BASE, DATA_SIZE, EAX, PF, ZF } from '../diff-case.js';
import type { Group } from '../group.js';
import type { Rng } from '../rng.js';
import { hex, SEG_NAMES, STATUS6 } from '../x86-encode.js';

// ---- operand values --------------------------------------------------------

/** A boundary-biased significand (64 bits as [hi, lo], integer bit not forced). */
function significand(rng: Rng): [number, number] {
  switch (rng.int(8)) {
    case 0: return [0x80000000, 0];
    case 1: return [0x80000000 | rng.int(0x100) << 23, 0]; // few bits (exact in single)
    case 2: return [(0x80000000 | rng.u32()) >>> 0, (rng.u32() & ~0x7ff) >>> 0]; // exact in double
    case 3: { // halfway or near-halfway for 24/53/64-bit rounding
      const hi = (0x80000000 | rng.u32()) >>> 0;
      const which = rng.int(3);
      if (which === 0) return [(hi & ~0xff) | 0x80 | (rng.chance(0.5) ? 0 : rng.int(2)), rng.chance(0.5) ? 0 : rng.int(4)];
      if (which === 1) return [hi, ((rng.u32() & ~0x7ff) | 0x400 | (rng.chance(0.5) ? 0 : rng.int(4))) >>> 0];
      return [hi, (rng.u32() | 1) >>> 0];
    }
    case 4: return [0xffffffff, rng.chance(0.5) ? 0xffffffff : 0xfffff800];
    default: return [(0x80000000 | rng.u32()) >>> 0, rng.u32()];
  }
}

/** A biased exponent for an extended value. */
function exponent(rng: Rng): number {
  switch (rng.int(8)) {
    case 0: return rng.range(0x3fff - 4, 0x3fff + 4);
    case 1: return rng.pick([1, 2, 0x7ffe, 0x7ffd, rng.range(1, 70), rng.range(0x7ffe - 70, 0x7ffe)]);
    case 2: return 0x3fff + rng.pick([-126, -127, -149, -150, 127, 128, -1022, -1023, -1074, -1075, 1023, 1024, -148, -1073]);
    case 3: return 0x3fff + rng.range(-70, 70);
    case 4: return 0x3fff + rng.range(-1100, 1100);
    default: return rng.range(0x3fff - 200, 0x3fff + 200);
  }
}

/** An 80-bit value [se, hi, lo], including the encodings only m80 can hold. */
export function f80Value(rng: Rng): [number, number, number] {
  const sign = rng.chance(0.4) ? 0x8000 : 0;
  const [hi, lo] = significand(rng);
  switch (rng.weighted<string>([[20, 'normal'], [3, 'zero'], [2, 'inf'], [2, 'qnan'], [2, 'snan'], [2, 'denormal'],
    [1, 'pseudo-denormal'], [1, 'unnormal'], [1, 'pseudo-nan'], [4, 'int'], [1, 'indefinite']])) {
    case 'zero': return [sign, 0, 0];
    case 'inf': return [sign | 0x7fff, 0x80000000, 0];
    case 'qnan': return [sign | 0x7fff, (hi | 0xc0000000) >>> 0, lo];
    case 'snan': return [sign | 0x7fff, ((hi & 0xbfffffff) | 0x80000000 | (lo === 0 ? 1 : 0)) >>> 0, lo];
    case 'denormal': return [sign, (hi & 0x7fffffff) >>> (rng.int(40) >= 32 ? 31 : rng.int(32)), lo];
    case 'pseudo-denormal': return [sign, hi, lo];
    case 'unnormal': return [sign | rng.range(1, 0x7ffe), (hi & 0x7fffffff) >>> rng.int(8), lo];
    case 'pseudo-nan': return [sign | 0x7fff, (hi & 0x7fffffff) >>> 0, lo];
    case 'indefinite': return [0xffff, 0xc0000000, 0];
    case 'int': {
      const v = rng.range(1, rng.chance(0.5) ? 20 : 100000);
      const s = Math.clz32(v);
      return [sign | (0x3fff + 31 - s), (v << s) >>> 0, 0];
    }
    default: return [sign | exponent(rng), hi, lo];
  }
}

/** An IEEE double as [hi, lo]. */
function f64Value(rng: Rng): [number, number] {
  const sign = rng.chance(0.4) ? 0x80000000 : 0;
  const m = (): [number, number] => (rng.chance(0.3) ? [rng.int(0x100000) & 0xff000, 0] : [rng.u32() & 0xfffff, rng.u32()]);
  const [mh, ml] = m();
  switch (rng.int(12)) {
    case 0: return [sign, 0];
    case 1: return [(sign | 0x7ff00000) >>> 0, 0];
    case 2: return [(sign | 0x7ff80000 | mh) >>> 0, ml];
    case 3: return [(sign | 0x7ff00000 | (mh & 0x7ffff) | (mh === 0 && ml === 0 ? 1 : 0)) >>> 0, ml]; // SNaN
    case 4: return [(sign | (mh >>> rng.int(20))) >>> 0, ml | (rng.chance(0.5) ? 1 : 0)]; // denormal
    case 5: return [(sign | (rng.pick([1, 2, 0x7fe, 0x7fd, 0x3ff, 0x400, 0x3fe]) << 20) | mh) >>> 0, ml];
    case 6: {
      const v = rng.range(1, 1000);
      return [(sign | ((1023 + 31 - Math.clz32(v)) << 20) | ((v << (Math.clz32(v) + 1)) >>> 12)) >>> 0, 0];
    }
    default: return [(sign | (rng.range(0x3ff - 80, 0x3ff + 80) << 20) | mh) >>> 0, ml];
  }
}

/** An IEEE single. */
function f32Value(rng: Rng): number {
  const sign = rng.chance(0.4) ? 0x80000000 : 0;
  const m = rng.chance(0.3) ? rng.int(0x800000) & 0x7f0000 : rng.int(0x800000);
  switch (rng.int(12)) {
    case 0: return sign;
    case 1: return (sign | 0x7f800000) >>> 0;
    case 2: return (sign | 0x7fc00000 | m) >>> 0;
    case 3: return (sign | 0x7f800000 | (m & 0x3fffff) | (m === 0 ? 1 : 0)) >>> 0; // SNaN
    case 4: return (sign | (m >>> rng.int(23)) | 1) >>> 0; // denormal
    case 5: return (sign | (rng.pick([1, 2, 0xfe, 0xfd, 0x7f, 0x80, 0x7e]) << 23) | m) >>> 0;
    case 6: {
      const v = rng.range(1, 1000);
      return (sign | ((127 + 31 - Math.clz32(v)) << 23) | ((v << (Math.clz32(v) + 1)) >>> 9)) >>> 0;
    }
    default: return (sign | (rng.range(0x7f - 40, 0x7f + 40) << 23) | m) >>> 0;
  }
}

/** Packed BCD bytes (valid digits mostly). */
function bcdValue(rng: Rng): number[] {
  const out: number[] = [];
  const digits = rng.pick([1, 2, 5, 10, 18, 18]);
  for (let i = 0; i < 9; i++) {
    const d = (): number => (2 * i < digits ? (rng.chance(0.97) ? rng.int(10) : rng.range(10, 15)) : 0);
    const lo = d();
    out.push(lo | (d() << 4));
  }
  out.push(rng.chance(0.5) ? 0x80 : rng.chance(0.9) ? 0 : rng.int(256));
  return out;
}

/** A random control word: RC, PC (incl. the reserved 01), masks mostly all set, bit 12 sometimes. */
function controlWord(rng: Rng, masks?: number): number {
  const rc = rng.int(4);
  const pc = rng.weighted<number>([[10, 3], [5, 2], [4, 0], [1, 1]]);
  const m = masks ?? rng.weighted<number>([
    [14, 0x3f],
    [4, 0x3f & ~rng.pick([0x01, 0x02, 0x04, 0x08, 0x10])],
    [2, 0x20],
    [1, rng.int(64)],
  ]);
  return (rc << 10) | (pc << 8) | m | 0x40 | (rng.chance(0.1) ? 0x1000 : 0);
}

// ---- the data buffer: operands and results ----------------------------------

/** Allocates disjoint ranges of the data buffer for one case. */
class Areas {
  private used: [number, number][] = [];
  constructor(private readonly rng: Rng) {}

  alloc(size: number): number {
    const rng = this.rng;
    for (let tries = 0; tries < 100; tries++) {
      const align = rng.chance(0.85) ? (size >= 8 ? 8 : size >= 4 ? 4 : 2) : 1;
      let off = rng.int(DATA_SIZE - size);
      off -= off % align;
      if (this.used.every(([a, n]) => off + size <= a || off >= a + n)) {
        this.used.push([off, size]);
        return DATA_BASE + off;
      }
    }
    throw new Error('x87 group: data buffer full');
  }
}

function pokeBytes(b: CaseBuilder, addr: number, bytes: number[]): void {
  for (let i = 0; i < bytes.length; i += 4) {
    const n = Math.min(4, bytes.length - i);
    let v = 0;
    for (let k = n - 1; k >= 0; k--) v = v * 256 + bytes[i + k]!;
    if (!b.poke(addr + i, n, v >>> 0)) throw new Error('x87 group: operand area not pristine');
  }
}

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

// ---- emission helpers -------------------------------------------------------

interface Ctx {
  b: CaseBuilder;
  rng: Rng;
  areas: Areas;
  /** Approximate stack depth (pushes - pops), only to bias choices. */
  depth: number;
  /** Some exception may be unmasked: later waiting instructions may raise #MF. */
  unmasked: boolean;
}

const PTR: Record<number, string> = { 16: 'word', 32: 'dword', 64: 'qword', 80: 'tword' };

function memText(m: MemOperand, bits: number): string {
  const seg = m.seg !== null ? `${SEG_NAMES[m.seg]}:` : '';
  return `${PTR[bits] ?? ''}${PTR[bits] ? ' ' : ''}${seg}${m.expr}`;
}

/** Emits an FPU instruction with a memory operand at `addr` (`bits` wide; `write`: stored). */
function fmem(x: Ctx, opcode: number, reg: number, addr: number, bits: number, name: string, write: boolean, prefixes: number[] = []): void {
  const rm = x.b.mem(bits, { target: addr, span: Math.ceil(bits / 8) });
  x.b.insn({
    prefixes,
    opcode: [opcode],
    rm,
    reg,
    text: `${name} ${memText(rm, bits)}`,
    rmRead: !write,
    rmWrite: write,
    mayFault: x.unmasked,
  });
}

/** Emits a two-byte register-form FPU instruction. */
function freg(x: Ctx, opcode: number, second: number, text: string, extra: Partial<Parameters<CaseBuilder['insn']>[0]> = {}): void {
  x.b.insn({ opcode: [opcode, second], text, mayFault: x.unmasked || extra.mayFault, ...extra });
}

/** Loads a memory operand of the given kind into a fresh area; returns its address. */
function operand(x: Ctx, kind: 'f32' | 'f64' | 'f80' | 'i16' | 'i32' | 'i64' | 'bcd'): number {
  const rng = x.rng;
  switch (kind) {
    case 'f32': {
      const a = x.areas.alloc(4);
      pokeBytes(x.b, a, le32(f32Value(rng)));
      return a;
    }
    case 'f64': {
      const a = x.areas.alloc(8);
      const [hi, lo] = f64Value(rng);
      pokeBytes(x.b, a, [...le32(lo), ...le32(hi)]);
      return a;
    }
    case 'f80': {
      const a = x.areas.alloc(10);
      const [se, hi, lo] = f80Value(rng);
      pokeBytes(x.b, a, [...le32(lo), ...le32(hi), se & 0xff, se >>> 8]);
      return a;
    }
    case 'i16': {
      const a = x.areas.alloc(2);
      pokeBytes(x.b, a, le32(rng.interesting32()).slice(0, 2));
      return a;
    }
    case 'i32': {
      const a = x.areas.alloc(4);
      pokeBytes(x.b, a, le32(rng.interesting32()));
      return a;
    }
    case 'i64': {
      const a = x.areas.alloc(8);
      const hi = rng.chance(0.5) ? rng.interesting32() : rng.pick([0, 0xffffffff, rng.int(16), 0x80000000]);
      pokeBytes(x.b, a, [...le32(rng.interesting32()), ...le32(hi)]);
      return a;
    }
    default: {
      const a = x.areas.alloc(10);
      pokeBytes(x.b, a, bcdValue(rng));
      return a;
    }
  }
}

// ---- instruction families ----------------------------------------------------

function emitLoad(x: Ctx): void {
  const rng = x.rng;
  switch (rng.int(10)) {
    case 0: fmem(x, 0xd9, 0, operand(x, 'f32'), 32, 'fld', false); break;
    case 1: fmem(x, 0xdd, 0, operand(x, 'f64'), 64, 'fld', false); break;
    case 2:
    case 3: fmem(x, 0xdb, 5, operand(x, 'f80'), 80, 'fld', false); break;
    case 4: fmem(x, 0xdf, 0, operand(x, 'i16'), 16, 'fild', false); break;
    case 5: fmem(x, 0xdb, 0, operand(x, 'i32'), 32, 'fild', false); break;
    case 6: fmem(x, 0xdf, 5, operand(x, 'i64'), 64, 'fild', false); break;
    case 7: fmem(x, 0xdf, 4, operand(x, 'bcd'), 80, 'fbld', false); break;
    case 8: {
      const i = rng.int(8);
      freg(x, 0xd9, 0xc0 + i, `fld st(${i})`);
      break;
    }
    default: {
      const k = rng.int(7);
      freg(x, 0xd9, 0xe8 + k, ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'][k]!);
    }
  }
  x.depth++;
}

function emitStore(x: Ctx): void {
  const rng = x.rng;
  const k = rng.int(14);
  const forms: [number, number, number, string, number][] = [
    // opcode, reg, bits, name, pops
    [0xd9, 2, 32, 'fst', 0], [0xd9, 3, 32, 'fstp', 1], [0xdd, 2, 64, 'fst', 0], [0xdd, 3, 64, 'fstp', 1],
    [0xdb, 7, 80, 'fstp', 1], [0xdf, 2, 16, 'fist', 0], [0xdf, 3, 16, 'fistp', 1], [0xdb, 2, 32, 'fist', 0],
    [0xdb, 3, 32, 'fistp', 1], [0xdf, 7, 64, 'fistp', 1], [0xdf, 6, 80, 'fbstp', 1],
  ];
  if (k < forms.length) {
    const [op, reg, bits, name, pops] = forms[k]!;
    fmem(x, op, reg, x.areas.alloc(bits / 8), bits, name, true);
    x.depth -= pops;
    return;
  }
  const i = rng.int(8);
  const alias = rng.pick<[number, number, string, number]>([
    [0xdd, 0xd0, 'fst', 0], [0xdd, 0xd8, 'fstp', 1], [0xd9, 0xd8, 'fstp1', 1], [0xdf, 0xd0, 'fstp8', 1], [0xdf, 0xd8, 'fstp9', 1],
  ]);
  freg(x, alias[0], alias[1] + i, `${alias[2]} st(${i})`);
  x.depth -= alias[3];
}

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];

/** A register index biased to existing stack entries. */
function stIndex(x: Ctx): number {
  return x.rng.chance(0.85) && x.depth > 1 ? x.rng.int(Math.min(8, x.depth)) : x.rng.int(8);
}

function emitArith(x: Ctx): void {
  const rng = x.rng;
  const r = rng.pick([0, 1, 4, 5, 6, 7, 0, 1, 4, 5, 6, 7, 2, 3]);
  if (rng.chance(0.45)) {
    const [op, kind, bits, pre] = rng.pick<[number, 'f32' | 'f64' | 'i32' | 'i16', number, string]>([
      [0xd8, 'f32', 32, ''], [0xdc, 'f64', 64, ''], [0xda, 'i32', 32, 'i'], [0xde, 'i16', 16, 'i'],
    ]);
    fmem(x, op, r, operand(x, kind), bits, `f${pre}${ARITH[r]!.slice(1)}`, false);
    if (r === 3) x.depth--;
    return;
  }
  const i = stIndex(x);
  const form = rng.int(3); // D8 st0,sti / DC sti,st0 / DE p
  if (r === 2 || r === 3) {
    const op = form === 0 ? 0xd8 : form === 1 ? 0xdc : 0xde;
    const rr = form === 2 ? 2 : r; // DE D0+i is FCOMP
    freg(x, op, 0xc0 + (rr << 3) + i, `${form === 2 ? 'fcomp5' : form === 1 ? ARITH[r] + (r === 2 ? '2' : '3') : ARITH[r]} st(${i})`);
    if (rr === 3 || form === 2) x.depth--;
    return;
  }
  const op = [0xd8, 0xdc, 0xde][form]!;
  freg(x, op, 0xc0 + (r << 3) + i, `${ARITH[r]}${form === 2 ? 'p' : ''} ${form === 0 ? `st, st(${i})` : `st(${i}), st`}`);
  if (form === 2) x.depth--;
}

function emitCompare(x: Ctx): void {
  const rng = x.rng;
  const i = stIndex(x);
  switch (rng.int(9)) {
    case 0: freg(x, 0xdd, 0xe0 + i, `fucom st(${i})`); break;
    case 1: freg(x, 0xdd, 0xe8 + i, `fucomp st(${i})`); x.depth--; break;
    case 2: freg(x, 0xde, 0xd9, 'fcompp'); x.depth -= 2; break;
    case 3: freg(x, 0xda, 0xe9, 'fucompp'); x.depth -= 2; break;
    case 4: freg(x, 0xd9, 0xe4, 'ftst'); break;
    case 5: freg(x, 0xd9, 0xe5, 'fxam'); break;
    default: {
      const [op, base, name, pops] = rng.pick<[number, number, string, number]>([
        [0xdb, 0xf0, 'fcomi', 0], [0xdb, 0xe8, 'fucomi', 0], [0xdf, 0xf0, 'fcomip', 1], [0xdf, 0xe8, 'fucomip', 1],
      ]);
      freg(x, op, base + i, `${name} st, st(${i})`, { flagsWritten: STATUS6 });
      x.depth -= pops;
    }
  }
}

function emitMisc(x: Ctx): void {
  const rng = x.rng;
  const i = stIndex(x);
  switch (rng.int(17)) {
    case 0: freg(x, 0xd9, 0xe0, 'fchs'); break;
    case 1: freg(x, 0xd9, 0xe1, 'fabs'); break;
    case 2: freg(x, 0xd9, 0xfa, 'fsqrt'); break;
    case 3: freg(x, 0xd9, 0xfc, 'frndint'); break;
    case 4: freg(x, 0xd9, 0xfd, 'fscale'); break;
    case 5: freg(x, 0xd9, 0xf8, 'fprem'); break;
    case 6: freg(x, 0xd9, 0xf5, 'fprem1'); break;
    case 7: freg(x, 0xd9, 0xf4, 'fxtract'); x.depth++; break;
    case 8: {
      const [op, name] = rng.pick<[number, string]>([[0xd9, 'fxch'], [0xd9, 'fxch'], [0xdd, 'fxch4'], [0xdf, 'fxch7']]);
      freg(x, op, 0xc8 + i, `${name} st(${i})`);
      break;
    }
    case 9:
    case 10: {
      const cc = rng.int(4);
      const neg = rng.int(2);
      const names = ['b', 'e', 'be', 'u'];
      const flags = [CF, ZF, CF | ZF, PF][cc]!;
      freg(x, neg ? 0xdb : 0xda, 0xc0 + (cc << 3) + i, `fcmov${neg ? 'n' : ''}${names[cc]} st, st(${i})`, { flagsRead: flags });
      break;
    }
    case 11: freg(x, 0xdd, 0xc0 + i, `ffree st(${i})`); break;
    case 12: freg(x, 0xdf, 0xc0 + i, `ffreep st(${i})`); x.depth--; break;
    case 13: freg(x, 0xd9, 0xf7, 'fincstp'); break;
    case 14: freg(x, 0xd9, 0xf6, 'fdecstp'); break;
    case 15: freg(x, 0xd9, 0xd0, 'fnop'); break;
    default: {
      const k = rng.pick([0xe0, 0xe1, 0xe4]);
      freg(x, 0xdb, k, k === 0xe0 ? 'fneni' : k === 0xe1 ? 'fndisi' : 'fnsetpm');
    }
  }
}

/** Environment or save image at `addr`; overwrites the fields the host does not keep like a P6. */
function saveImage(x: Ctx, save: boolean, op16: boolean): number {
  const size = (op16 ? 14 : 28) + (save ? 80 : 0);
  const a = x.areas.alloc(size);
  fmem(x, save ? 0xdd : 0xd9, 6, a, size * 8, save ? 'fnsave' : 'fnstenv', true, op16 ? [0x66] : []);
  if (op16) {
    x.b.setMem(a + 8, 2, 0); // FCS
    x.b.setMem(a + 10, 4, 0); // FDP, FDS
  } else {
    x.b.setMem(a + 16, 4, 0); // FCS, FOP
    x.b.setMem(a + 20, 4, 0); // FDP
    x.b.setMem(a + 24, 2, 0); // FDS
  }
  return a;
}

function emitControl(x: Ctx): void {
  const rng = x.rng;
  const b = x.b;
  switch (rng.int(11)) {
    case 0: {
      const a = x.areas.alloc(2);
      fmem(x, 0xdd, 7, a, 16, 'fnstsw', true);
      break;
    }
    case 1:
      freg(x, 0xdf, 0xe0, 'fnstsw ax', { writes: 1 << EAX });
      break;
    case 2:
      fmem(x, 0xd9, 7, x.areas.alloc(2), 16, 'fnstcw', true);
      break;
    case 3: {
      const a = x.areas.alloc(2);
      const cw = controlWord(rng);
      pokeBytes(b, a, [cw & 0xff, cw >>> 8]);
      fmem(x, 0xd9, 5, a, 16, 'fldcw', false);
      if ((cw & 0x3f) !== 0x3f) x.unmasked = true;
      break;
    }
    case 4:
      freg(x, 0xdb, 0xe2, 'fnclex');
      break;
    case 5:
    case 6: {
      // FNSTENV, edit some fields, FLDENV (16- or 32-bit layout).
      const op16 = rng.chance(0.3);
      const a = saveImage(x, false, op16);
      const step = op16 ? 2 : 4;
      if (rng.chance(0.4)) b.setMem(a, 2, controlWord(rng));
      if (rng.chance(0.4)) b.setMem(a + step, 2, rng.chance(0.5) ? rng.int(0x10000) : rng.int(8) << 11);
      if (rng.chance(0.4)) b.setMem(a + 2 * step, 2, rng.int(0x10000));
      x.unmasked = true; // the edited image may unmask a pending exception
      fmem(x, 0xd9, 4, a, (op16 ? 14 : 28) * 8, 'fldenv', false, op16 ? [0x66] : []);
      break;
    }
    case 7: {
      // FNSAVE, maybe replace a register image, FRSTOR.
      const op16 = rng.chance(0.3);
      const a = saveImage(x, true, op16);
      const env = op16 ? 14 : 28;
      if (rng.chance(0.5)) {
        const [se, hi, lo] = f80Value(rng);
        const r = a + env + 10 * rng.int(8);
        b.setMem(r, 4, lo);
        b.setMem(r + 4, 4, hi);
        b.setMem(r + 8, 2, se);
      }
      if (rng.chance(0.3)) b.setMem(a + 2 * (op16 ? 2 : 4), 2, rng.int(0x10000));
      x.unmasked = true;
      fmem(x, 0xdd, 4, a, (env + 80) * 8, 'frstor', false, op16 ? [0x66] : []);
      break;
    }
    case 8:
      b.insn({ opcode: [0x9b], text: 'fwait', mayFault: x.unmasked });
      break;
    case 9:
      if (rng.chance(0.5)) b.insn({ opcode: [0x9b, 0xdb, 0xe3], text: 'finit', mayFault: x.unmasked, fixedPrefixOrder: true });
      else freg(x, 0xdb, 0xe3, 'fninit');
      x.depth = 0;
      break;
    default:
      saveImage(x, rng.chance(0.5), rng.chance(0.3));
  }
}

/** Encodings the P6 does not have: #UD (ends the case). */
function emitReserved(x: Ctx): void {
  const rng = x.rng;
  x.b.expectFault();
  if (rng.chance(0.5)) {
    const [op, second] = rng.pick<[number, number]>([
      [0xd9, rng.range(0xd1, 0xd7)], [0xd9, 0xe2], [0xd9, 0xe3], [0xd9, 0xe6], [0xd9, 0xe7], [0xd9, 0xef],
      [0xda, rng.range(0xe0, 0xe8)], [0xda, rng.range(0xea, 0xff)], [0xdb, rng.range(0xe5, 0xe7)], [0xdb, rng.range(0xf8, 0xff)],
      [0xdd, rng.range(0xf0, 0xff)], [0xde, 0xd8], [0xde, rng.range(0xda, 0xdf)], [0xdf, rng.range(0xe1, 0xe7)],
      [0xdf, rng.range(0xf8, 0xff)],
    ]);
    x.b.insn({ opcode: [op, second], text: `(reserved ${hex(op)} ${hex(second)})`, mayFault: true });
  } else {
    // D9 /1, DB /4, DB /6, DD /5 with a memory operand (FISTTP, DB/DD/DF /1, exists on the host: not used).
    const [op, reg] = rng.pick<[number, number]>([[0xd9, 1], [0xdb, 4], [0xdb, 6], [0xdd, 5]]);
    const rm = x.b.mem(32, { target: x.areas.alloc(16) });
    x.b.insn({ opcode: [op], rm, reg, text: `(reserved ${hex(op)} /${reg}) ${memText(rm, 0)}`, rmRead: false, mayFault: true });
  }
}

/**
 * Case start. FNINIT first (the host FPU keeps the state of the previous
 * case, possibly with an exception pending), then either FLDCW, or FRSTOR
 * of a random image: every physical register gets a known value (the host's
 * otherwise hold leftovers), with random TOP, tags (empty or not), sticky
 * exception flags (masked ones, so nothing is pending) and condition codes.
 */
function begin(x: Ctx, cw: number): void {
  const rng = x.rng;
  const b = x.b;
  freg(x, 0xdb, 0xe3, 'fninit');
  if ((cw & 0x3f) !== 0x3f) {
    x.unmasked = true;
    b.expectFault();
  }
  const op16 = rng.chance(0.2);
  const env = op16 ? 14 : 28;
  const a = x.areas.alloc(env + 80);
  const fresh = rng.chance(0.3); // the FNINIT state, with known register contents
  const top = fresh ? 0 : rng.int(8);
  let tw = 0;
  let depth = 0;
  for (let r = 0; r < 8; r++) {
    const empty = fresh || rng.chance(0.55);
    tw |= (empty ? 3 : rng.int(3)) << (2 * r);
    if (!empty && ((r - top) & 7) < 8) depth++;
  }
  const sticky = !fresh && rng.chance(0.5) ? rng.int(0x80) & cw & 0x3f : 0;
  const sw = fresh ? 0 : sticky | (rng.u32() & 0x4700) | (top << 11) | (rng.chance(0.1) ? 0x8080 : 0);
  const words = [cw, sw, tw, rng.u32() >>> 0, 0, rng.u32() >>> 0, 0];
  const bytes: number[] = [];
  for (const w of words) bytes.push(...(op16 ? le32(w).slice(0, 2) : le32(op16 ? w : (w >>> 0))));
  if (!op16) {
    // Unused upper halves as the host writes them.
    for (const i of [0, 1, 2, 6]) { bytes[4 * i + 2] = 0xff; bytes[4 * i + 3] = 0xff; }
  }
  for (let i = 0; i < 8; i++) {
    const [se, hi, lo] = f80Value(rng);
    bytes.push(...le32(lo), ...le32(hi), se & 0xff, se >>> 8);
  }
  pokeBytes(b, a, bytes);
  fmem(x, 0xdd, 4, a, (env + 80) * 8, 'frstor', false, op16 ? [0x66] : []);
  x.depth = depth;
  if (rng.chance(0.3)) {
    const c2 = controlWord(rng);
    const w = x.areas.alloc(2);
    pokeBytes(b, w, [c2 & 0xff, c2 >>> 8]);
    fmem(x, 0xd9, 5, w, 16, 'fldcw', false);
    if ((c2 & 0x3f) !== 0x3f) {
      x.unmasked = true;
      b.expectFault();
    }
  }
}

function emitX87(b: CaseBuilder): void {
  const rng = b.rng;
  const x: Ctx = { b, rng, areas: new Areas(rng), depth: 0, unmasked: false };
  begin(x, controlWord(rng));
  const loads = rng.range(1, 4);
  for (let i = 0; i < loads; i++) emitLoad(x);
  const ops = rng.range(1, 6);
  for (let i = 0; i < ops && b.room() > 125; i++) {
    const depthBias = x.depth <= 0 ? 4 : x.depth >= 7 ? 0 : 2;
    const fam = rng.weighted<number>([[depthBias, 0], [2, 1], [6, 2], [3, 3], [4, 4], [2, 5], [x.unmasked ? 0.1 : 0.15, 6]]);
    switch (fam) {
      case 0: emitLoad(x); break;
      case 1: emitStore(x); break;
      case 2: emitArith(x); break;
      case 3: emitCompare(x); break;
      case 4: emitMisc(x); break;
      case 5: emitControl(x); break;
      default: emitReserved(x); return;
    }
    if (rng.chance(0.35)) fmem(x, 0xdd, 7, x.areas.alloc(2), 16, 'fnstsw', true);
  }
  saveImage(x, true, rng.chance(0.2));
}

// ---- transcendental ---------------------------------------------------------

const TRANS: [number, string, number, number][] = [
  // second byte, name, operands needed, results left (to store)
  [0xf0, 'f2xm1', 1, 1], [0xf1, 'fyl2x', 2, 1], [0xf9, 'fyl2xp1', 2, 1], [0xf2, 'fptan', 1, 2],
  [0xf3, 'fpatan', 2, 1], [0xfe, 'fsin', 1, 1], [0xff, 'fcos', 1, 1], [0xfb, 'fsincos', 1, 2],
];

function transOperand(x: Ctx, op: number, isX: boolean): void {
  const rng = x.rng;
  // FYL2XP1 of x <= -1 is outside the architectural domain; the host returns
  // results there that the emulator does not model (see src/fpu/README.md).
  const inDomain = op === 0xf9 && isX;
  // Mostly in-domain values: small exponents for F2XM1/FYL2XP1, moderate for the trig functions.
  if (inDomain || rng.chance(0.6)) {
    const a = x.areas.alloc(10);
    const [se0, hi, lo] = f80Value(rng);
    let se = se0;
    if ((se & 0x7fff) !== 0 && (se & 0x7fff) !== 0x7fff && (inDomain || rng.chance(0.7))) {
      const e = op === 0xf0 || op === 0xf9 ? rng.range(0x3fff - 70, 0x3ffe) : op === 0xf1 ? rng.range(0x3fff - 300, 0x3fff + 300)
        : rng.range(0x3fff - 40, 0x3fff + 70);
      se = (se & 0x8000) | e;
      if (op === 0xf1 && rng.chance(0.8)) se &= 0x7fff; // log of a positive value
    }
    pokeBytes(x.b, a, [...le32(lo), ...le32(hi), se & 0xff, se >>> 8]);
    fmem(x, 0xdb, 5, a, 80, 'fld', false);
  } else {
    emitLoad(x);
  }
}

function emitTrans(b: CaseBuilder): void {
  const rng = b.rng;
  const x: Ctx = { b, rng, areas: new Areas(rng), depth: 0, unmasked: false };
  const cw = controlWord(rng) | 0x20; // PE masked: its flag is not compared
  begin(x, cw);
  const [op, name, need, results] = rng.pick(TRANS);
  const have = op !== 0xf9 && rng.chance(0.1) ? rng.int(need) : need;
  for (let i = 0; i < have; i++) transOperand(x, op, i === have - 1);
  if (rng.chance(0.05)) for (let i = 0; i < 7; i++) freg(x, 0xd9, 0xe8, 'fld1'); // stack overflow for the pushes
  freg(x, 0xd9, op, name);
  // Status word without C1 and PE.
  freg(x, 0xdf, 0xe0, 'fnstsw ax', { writes: 1 << EAX });
  b.insn({ prefixes: [0x66], opcode: [0x25], imm: [0xdf, 0xfd], text: 'and ax, 0xfddf', reads: 1 << EAX, writes: 1 << EAX, flagsWritten: STATUS6, flagsUndef: 0x10 });
  freg(x, 0xdb, 0xe2, 'fnclex');
  // Results rounded to single precision, RC nearest, everything masked.
  const a = x.areas.alloc(2);
  pokeBytes(b, a, [0x7f, 0x03]);
  fmem(x, 0xd9, 5, a, 16, 'fldcw', false);
  for (let i = 0; i < results; i++) fmem(x, 0xd9, 3, x.areas.alloc(4), 32, 'fstp', true);
}

export const x87Group: Group = {
  name: 'x87',
  summary: 'x87 FPU: every D8-DF form and WAIT except the transcendentals (FLD/FST/FILD/FIST/FBLD/FBSTP all sizes, arithmetic, compares incl. FCOMI/FCMOV, FXCH/FFREE(P), aliases, constants, FSQRT/FSCALE/FPREM/FPREM1/FRNDINT/FXTRACT, control, FNSTENV/FLDENV/FNSAVE/FRSTOR 16/32-bit, reserved encodings); random RC/PC/masks, stack faults, #MF',
  undefinedFlags: 0,
  faults: true,
  mixed: false,
  count: [1, 1],
  emit: emitX87,
};

export const x87TransGroup: Group = {
  name: 'x87trans',
  summary: 'F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS: status word without C1/PE, results rounded to single',
  undefinedFlags: 0x10,
  faults: true,
  mixed: false,
  count: [1, 1],
  emit: emitTrans,
};
