// The x87 FPU as the CPU executes it (D8-DF, 9B): stack, tags, status word,
// exceptions (#MF, FERR#, #NM, #UD), environment formats, per instruction
// family. Bit-level agreement with the host CPU is covered by the
// differential groups x87 and x87trans (test/diff/groups/x87.ts); these tests
// pin down the documented behaviour and what the host cannot show (real
// mode, CR0 bits, FERR#, P6-style FOP/FDP).
import { describe, expect, it } from 'vitest';
import { Cpu, StopReason } from '../cpu.js';
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS, CS, DS, ES, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FS, GS, SS } from '../constants.js';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { flatMachine as bareFlatMachine, runCode } from '../../test/support/flat-machine.js';
import { f80ToNumber, FpuEnv } from './float80.js';
import { SW_C0, SW_C1, SW_C2, SW_C3, SW_ES, SW_IE, SW_PE, SW_SF, SW_ZE, TAG_EMPTY, TAG_SPECIAL, TAG_VALID, TAG_ZERO } from './x87-state.js';

/** A flat machine whose FPU has been through FNINIT, as software leaves it before use. */
function flatMachine(): ReturnType<typeof bareFlatMachine> {
  const c = bareFlatMachine();
  c.fpu.init();
  return c;
}

// ---- a real-mode machine whose exceptions stop in per-vector HLT stubs ------

const STUB_SEG = 0x0800;
const CODE_SEG = 0x1000;
const DATA_SEG = 0x3000;
const DATA = DATA_SEG * 16;

class RealMode {
  readonly mem = new PhysicalMemory(1 << 20);
  readonly cpu = new Cpu({ memory: this.mem });

  constructor() {
    for (let v = 0; v < 256; v++) {
      this.mem.write16(v * 4, v * 2);
      this.mem.write16(v * 4 + 2, STUB_SEG);
      this.mem.write8(STUB_SEG * 16 + v * 2, 0xf4);
      this.mem.write8(STUB_SEG * 16 + v * 2 + 1, 0xcf);
    }
    const c = this.cpu;
    for (const s of [ES, SS, DS, FS, GS]) c.setSegmentCache(s, DATA_SEG, DATA, 0xffff, 0x93);
    c.reg32[4] = 0xfff0;
  }

  /** Runs `code` at 1000:0000 followed by HLT. */
  exec(code: number[], budget = 10_000): StopReason {
    this.mem.load(CODE_SEG * 16, Uint8Array.from([...code, 0xf4]));
    this.cpu.setSegmentCache(CS, CODE_SEG, CODE_SEG * 16, 0xffff, 0x9b);
    this.cpu.eip = 0;
    this.cpu.halted = false;
    return this.cpu.run(budget);
  }

  /** Continues after a stop. */
  resume(budget = 10_000): StopReason {
    this.cpu.halted = false;
    return this.cpu.run(budget);
  }

  /** The vector whose stub the CPU halted in, or -1. */
  get vector(): number {
    const c = this.cpu;
    if (c.segSel[CS] !== STUB_SEG) return -1;
    return (c.eip - 1) / 2;
  }

  /** IP pushed by the exception. */
  get faultIp(): number {
    return this.mem.read16(DATA + (this.cpu.reg16[8] & 0xffff));
  }

  f64(off: number, v: number): void {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.mem.write8(DATA + off + i, b.getUint8(i));
  }

  f32(off: number, v: number): void {
    const b = new DataView(new ArrayBuffer(4));
    b.setFloat32(0, v, true);
    this.mem.write32(DATA + off, b.getUint32(0, true));
  }

  readF64(off: number): number {
    const b = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 8; i++) b.setUint8(i, this.mem.read8(DATA + off + i));
    return b.getFloat64(0, true);
  }

  readF32(off: number): number {
    const b = new DataView(new ArrayBuffer(4));
    b.setUint32(0, this.mem.read32(DATA + off), true);
    return b.getFloat32(0, true);
  }

  bytes(off: number, n: number): number[] {
    return Array.from(this.mem.u8.subarray(DATA + off, DATA + off + n));
  }
}

const scratch = new FpuEnv();
/** Value of ST(i) as a double. */
function st(c: Cpu, i: number): number {
  return f80ToNumber(c.fpu.regs, c.fpu.st(i), scratch);
}
/** [sign/exponent, hi, lo] of ST(i). */
function raw(c: Cpu, i: number): [number, number, number] {
  return c.fpu.rawRegister(c.fpu.st(i));
}
/** Number of non-empty registers. */
function depth(c: Cpu): number {
  let n = 0;
  for (let r = 0; r < 8; r++) n += (c.fpu.full >> r) & 1;
  return n;
}
const INDEFINITE: [number, number, number] = [0xffff, 0xc0000000, 0];

// Encodings used below (16-bit addressing: [disp16] is ModRM mod=00 rm=110).
const m = (op: number, reg: number, disp: number): number[] => [op, (reg << 3) | 6, disp & 0xff, disp >> 8];
const FNINIT = [0xdb, 0xe3];
const FLD1 = [0xd9, 0xe8];
const FLDZ = [0xd9, 0xee];
const FLDPI = [0xd9, 0xeb];
const FWAIT = [0x9b];
const fldcw = (disp: number) => m(0xd9, 5, disp);

describe('x87 state', () => {
  it('comes out of RESET with CW 0040h and TW 5555h (SDM table 9-1); FNINIT gives 037Fh and FFFFh', () => {
    const c = bareFlatMachine();
    expect(c.fpu.cw).toBe(0x0040);
    expect(c.fpu.status).toBe(0);
    expect(c.fpu.tagWord).toBe(0x5555);
    runCode(c, [...FNINIT]);
    expect(c.fpu.cw).toBe(0x037f);
    expect(c.fpu.tagWord).toBe(0xffff);
    runCode(c, [...FLD1, ...FLDPI]);
    expect(depth(c)).toBe(2);
    c.reset();
    expect(c.fpu.tagWord).toBe(0x5555);
    expect(c.fpu.top).toBe(0);
  });

  it('snapshot/restore round-trips the whole state', () => {
    const c = flatMachine();
    runCode(c, [...FLD1, ...FLDPI, 0xd9, 0xf7]);
    const snap = c.fpu.snapshot();
    runCode(c, [...FNINIT, ...FLDZ]);
    c.fpu.restore(snap);
    expect([c.fpu.top, c.fpu.tagWord, st(c, 7)]).toEqual([7, 0x0fff, Math.PI]);
  });

  it('computes the tag word from contents (valid, zero, special, empty)', () => {
    const c = flatMachine();
    // FLD1, FLDZ, FLD m80 of +inf, then an empty register below.
    c.mem.load(0x2000, Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f]));
    runCode(c, [...FLD1, ...FLDZ, 0xdb, 0x2d, 0x00, 0x20, 0x00, 0x00]);
    const x = c.fpu;
    expect(x.tagOf(x.st(0))).toBe(TAG_SPECIAL);
    expect(x.tagOf(x.st(1))).toBe(TAG_ZERO);
    expect(x.tagOf(x.st(2))).toBe(TAG_VALID);
    expect(x.tagOf(x.st(3))).toBe(TAG_EMPTY);
    expect(x.tagWord).toBe(0x1bff);
  });

  it('FLDCW keeps bit 12, forces bit 6 to 1 and bits 7, 13-15 to 0 (host check)', () => {
    const r = new RealMode();
    r.mem.write16(DATA + 0x100, 0xffff);
    r.mem.write16(DATA + 0x102, 0x0000);
    r.exec([...fldcw(0x100), ...m(0xd9, 7, 0x110), ...fldcw(0x102), ...m(0xd9, 7, 0x112)]);
    expect(r.mem.read16(DATA + 0x110)).toBe(0x1f7f);
    expect(r.mem.read16(DATA + 0x112)).toBe(0x0040);
  });
});

describe('x87 loads and stores', () => {
  it('FLD/FST m32 m64, FILD/FISTP m16 m32 m64 round trips with C1 = 0', () => {
    const r = new RealMode();
    r.f64(0x100, -2.75);
    r.f32(0x108, 1.5);
    r.mem.write16(DATA + 0x10c, 0xfff6); // -10
    r.mem.write32(DATA + 0x110, 123456789);
    r.mem.write32(DATA + 0x118, 0);
    r.mem.write32(DATA + 0x11c, 0x80000000); // -2^63
    r.exec([
      ...FNINIT,
      ...m(0xdd, 0, 0x100), // fld qword
      ...m(0xd9, 0, 0x108), // fld dword
      ...m(0xdf, 0, 0x10c), // fild word
      ...m(0xdb, 0, 0x110), // fild dword
      ...m(0xdf, 5, 0x118), // fild qword
      ...m(0xdf, 7, 0x200), // fistp qword
      ...m(0xdb, 3, 0x208), // fistp dword
      ...m(0xdf, 3, 0x20c), // fistp word
      ...m(0xd9, 3, 0x210), // fstp dword
      ...m(0xdd, 2, 0x218), // fst qword
    ]);
    const c = r.cpu;
    expect(r.mem.read32(DATA + 0x200)).toBe(0);
    expect(r.mem.read32(DATA + 0x204) >>> 0).toBe(0x80000000);
    expect(r.mem.read32(DATA + 0x208)).toBe(123456789);
    expect(r.mem.read16(DATA + 0x20c)).toBe(0xfff6);
    expect(r.readF32(0x210)).toBe(1.5);
    expect(r.readF64(0x218)).toBe(-2.75);
    expect(depth(c)).toBe(1);
    expect(c.fpu.status & (SW_C1 | 0x3f)).toBe(0);
  });

  it('FLD/FSTP m80 move raw bits (an SNaN stays signaling, no exception)', () => {
    const r = new RealMode();
    const snan = [1, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f];
    r.mem.load(DATA + 0x100, Uint8Array.from(snan));
    r.exec([...FNINIT, ...m(0xdb, 5, 0x100), ...m(0xdb, 7, 0x120)]);
    expect(r.bytes(0x120, 10)).toEqual(snan);
    expect(r.cpu.fpu.status & 0x3f).toBe(0);
  });

  it('FBLD/FBSTP convert packed BCD; FIST rounds with RC and sets C1 when rounding up', () => {
    const r = new RealMode();
    r.mem.load(DATA + 0x100, Uint8Array.from([0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80])); // -123456789
    r.f64(0x110, 2.5);
    r.mem.write16(DATA + 0x118, 0x037f | 0x0800); // RC = up
    r.exec([...FNINIT, ...m(0xdf, 4, 0x100), ...m(0xdf, 6, 0x120), ...fldcw(0x118), ...m(0xdd, 0, 0x110), ...m(0xdb, 3, 0x130)]);
    expect(r.bytes(0x120, 10)).toEqual([0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80]);
    expect(r.mem.read32(DATA + 0x130)).toBe(3);
    expect(r.cpu.fpu.status & (SW_PE | SW_C1)).toBe(SW_PE | SW_C1);
  });

  it('the seven constants', () => {
    const c = flatMachine();
    runCode(c, [0xd9, 0xe8, 0xd9, 0xe9, 0xd9, 0xea, 0xd9, 0xeb, 0xd9, 0xec, 0xd9, 0xed, 0xd9, 0xee]);
    const want = [1, Math.log2(10), Math.LOG2E, Math.PI, Math.log10(2), Math.LN2, 0];
    [6, 5, 4, 3, 2, 1, 0].forEach((i, k) => expect(st(c, i)).toBeCloseTo(want[k], 15));
  });

  it('stack overflow: masked pushes the indefinite with IE SF C1; unmasked changes nothing', () => {
    const c = flatMachine();
    runCode(c, Array(9).fill(FLD1).flat());
    expect(raw(c, 0)).toEqual(INDEFINITE);
    expect(c.fpu.status & (SW_IE | SW_SF | SW_C1 | SW_ES)).toBe(SW_IE | SW_SF | SW_C1);
    expect(c.fpu.top).toBe(7);

    const r = new RealMode();
    r.mem.write16(DATA + 0x100, 0x037e); // IE unmasked
    r.exec([...FNINIT, ...fldcw(0x100), ...Array(9).fill(FLD1).flat()]);
    expect(r.cpu.fpu.top).toBe(0);
    expect(st(r.cpu, 0)).toBe(1);
    expect(r.cpu.fpu.status & (SW_IE | SW_SF | SW_C1 | SW_ES)).toBe(SW_IE | SW_SF | SW_C1 | SW_ES);
  });

  it('stack underflow: FST m64 of an empty ST(0) stores the indefinite (masked) and pops for FSTP', () => {
    const r = new RealMode();
    r.exec([...FNINIT, ...m(0xdd, 3, 0x100), ...m(0xdf, 3, 0x108), ...m(0xdb, 7, 0x110)]);
    expect(r.mem.read32(DATA + 0x100)).toBe(0);
    expect(r.mem.read32(DATA + 0x104) >>> 0).toBe(0xfff80000);
    expect(r.mem.read16(DATA + 0x108)).toBe(0x8000);
    expect(r.bytes(0x110, 10)).toEqual([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]);
    expect(r.cpu.fpu.status & (SW_IE | SW_SF | SW_C1)).toBe(SW_IE | SW_SF);
    expect(r.cpu.fpu.top).toBe(3);
  });

  it('FXCH, FST/FSTP ST(i), FFREE/FFREEP and the aliases', () => {
    const c = flatMachine();
    runCode(c, [...FLD1, ...FLDPI, ...FLDZ, 0xd9, 0xca /* fxch st2 */]);
    expect([st(c, 0), st(c, 1), st(c, 2)]).toEqual([1, Math.PI, 0]);
    runCode(c, [0xdd, 0xd1 /* fst st1 */]);
    expect(st(c, 1)).toBe(1);
    runCode(c, [0xdf, 0xc1 /* ffreep st1 */]);
    expect(c.fpu.top).toBe(6);
    expect(c.fpu.tagOf(c.fpu.st(0))).toBe(TAG_EMPTY); // the old ST(1), now ST(0)
    runCode(c, [0xdd, 0xc1 /* ffree st1 */, 0xd9, 0xd8 /* fstp1 st0 of an empty ST0: pop only */]);
    expect(c.fpu.top).toBe(7);
    expect(c.fpu.status & SW_IE).toBe(0);
    expect(depth(c)).toBe(0);
  });

  it('FCMOVcc follows CF/ZF/PF; an empty operand makes ST(0) the indefinite even when not taken', () => {
    const c = flatMachine();
    runCode(c, [...FLD1, ...FLDZ, 0xf9 /* stc */, 0xda, 0xc1 /* fcmovb st, st1 */]);
    expect(st(c, 0)).toBe(1);
    runCode(c, [...FLDZ, 0xf8 /* clc */, 0xda, 0xc1]);
    expect(st(c, 0)).toBe(0);
    runCode(c, [0xf8, 0xdb, 0xc7 /* fcmovnb st, st7 (empty) */]);
    expect(raw(c, 0)).toEqual(INDEFINITE);
  });

  it('a store that fails the segment limit writes nothing and leaves the FPU alone', () => {
    const r = new RealMode();
    r.mem.write32(DATA + 0xfffc, 0x11111111);
    r.exec([...FNINIT, ...FLDPI, ...m(0xdb, 7, 0xfffc)]);
    expect(r.vector).toBe(13);
    expect(r.mem.read32(DATA + 0xfffc)).toBe(0x11111111);
    expect(r.cpu.fpu.top).toBe(7);
    expect(st(r.cpu, 0)).toBe(Math.PI);
  });
});

describe('x87 arithmetic', () => {
  it('D8/DC/DE register forms: direction of SUB/SUBR/DIV/DIVR and the destination', () => {
    // ST(1) = 8, ST(0) = 2, then one instruction.
    const run = (op: number[]): Cpu => {
      const c = flatMachine();
      c.mem.write32(0x3000, 8);
      c.mem.write32(0x3004, 2);
      runCode(c, [...FNINIT, 0xdb, 0x05, 0x00, 0x30, 0, 0, 0xdb, 0x05, 0x04, 0x30, 0, 0, ...op]);
      return c;
    };
    const both = (c: Cpu) => [st(c, 0), st(c, 1)];
    expect(both(run([0xd8, 0xe1]))).toEqual([-6, 8]); // FSUB ST(0), ST(1): 2 - 8
    expect(both(run([0xd8, 0xe9]))).toEqual([6, 8]); // FSUBR ST(0), ST(1): 8 - 2
    expect(both(run([0xdc, 0xe1]))).toEqual([2, -6]); // DC E0+i, FSUBR ST(1), ST(0): ST(0) - ST(1)
    expect(both(run([0xdc, 0xe9]))).toEqual([2, 6]); // DC E8+i, FSUB ST(1), ST(0): ST(1) - ST(0)
    expect(both(run([0xdc, 0xf1]))).toEqual([2, 0.25]); // FDIVR ST(1), ST(0): ST(0) / ST(1)
    expect(both(run([0xdc, 0xf9]))).toEqual([2, 4]); // FDIV ST(1), ST(0): ST(1) / ST(0)
    expect(both(run([0xd8, 0xf1]))).toEqual([0.25, 8]); // FDIV ST(0), ST(1)
    expect(both(run([0xd8, 0xf9]))).toEqual([4, 8]); // FDIVR ST(0), ST(1)
    const p = run([0xde, 0xe9]); // FSUBP ST(1), ST(0): ST(1) - ST(0), pop
    expect(st(p, 0)).toBe(6);
    expect(depth(p)).toBe(1);
    expect(st(run([0xde, 0xe1]), 0)).toBe(-6); // FSUBRP
    expect(st(run([0xde, 0xc9]), 0)).toBe(16); // FMULP
  });

  it('memory forms: m32fp, m64fp, m32int, m16int (FSUBR/FDIVR reverse)', () => {
    const r = new RealMode();
    r.f32(0x100, 0.5);
    r.f64(0x108, 10);
    r.mem.write32(DATA + 0x110, 3);
    r.mem.write16(DATA + 0x114, 0xfffe); // -2
    r.exec([...FNINIT, ...FLD1,
      ...m(0xd8, 0, 0x100), // fadd dword: 1.5
      ...m(0xdc, 1, 0x108), // fmul qword: 15
      ...m(0xda, 4, 0x110), // fisub dword: 12
      ...m(0xde, 7, 0x114), // fidivr word: -2 / 12
      ...m(0xdc, 5, 0x108), // fsubr qword: 10 - x
    ]);
    expect(st(r.cpu, 0)).toBeCloseTo(10 + 1 / 6, 15);
  });

  it('masked zero divide gives infinity; unmasked leaves the destination and TOP, and #MF comes at the next waiting instruction', () => {
    const r = new RealMode();
    r.cpu.cr0 |= CR0_NE;
    r.mem.write16(DATA + 0x100, 0x037b); // ZE unmasked
    const code = [...FNINIT, ...fldcw(0x100), ...FLDZ, ...FLD1, 0xde, 0xf1 /* fdivrp st1, st: ST(0) / ST(1) = 1/0 */, 0xdf, 0xe0 /* fnstsw ax */, 0x90, ...FLD1];
    r.exec(code);
    expect(r.vector).toBe(16);
    expect(r.faultIp).toBe(code.length - 2); // the FLD1 after the NOP
    const x = r.cpu.fpu;
    expect(r.cpu.reg16[0] & (SW_ZE | SW_ES | 0x8000)).toBe(SW_ZE | SW_ES | 0x8000);
    expect(x.top).toBe(6); // no pop
    expect([st(r.cpu, 0), st(r.cpu, 1)]).toEqual([1, 0]);
    // FIP/FOP/FDP: the FDIVP (P6: always recorded).
    expect(x.fip).toBe(10);
    expect(x.fop).toBe(0x6f1);
  });

  it('FSQRT, FRNDINT, FSCALE, FPREM, FXTRACT, FABS, FCHS', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, ...FLD1, 0xde, 0xc1, 0xd9, 0xfa]); // sqrt(2)
    expect(st(c, 0)).toBe(Math.SQRT2);
    runCode(c, [0xd9, 0xfc]); // frndint -> 1
    expect(st(c, 0)).toBe(1);
    runCode(c, [...FLDPI, 0xd9, 0xfd]); // pi * 2^trunc(1)? ST0 = pi, ST1 = 1: pi * 2
    expect(st(c, 0)).toBe(2 * Math.PI);
    runCode(c, [0xd9, 0xc9, 0xd9, 0xf8]); // fxch; fprem: 1 rem 2pi = 1
    expect(st(c, 0)).toBe(1);
    expect(c.fpu.status & (SW_C0 | SW_C1 | SW_C2 | SW_C3)).toBe(0);
    runCode(c, [0xd9, 0xe0, 0xd9, 0xf4]); // fchs; fxtract: -1 = -1.0 * 2^0
    expect([st(c, 0), st(c, 1)]).toEqual([-1, 0]);
    runCode(c, [0xd9, 0xe1]); // fabs
    expect(st(c, 0)).toBe(1);
  });

  it('transcendentals: FPTAN pushes 1.0, FSINCOS pushes cos, FYL2X pops; |x| >= 2^63 sets C2 and pushes nothing', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, 0xd9, 0xf2]); // fptan
    expect(st(c, 0)).toBe(1);
    expect(st(c, 1)).toBeCloseTo(Math.tan(1), 15);
    runCode(c, [...FNINIT, ...FLD1, 0xd9, 0xfb]); // fsincos
    expect(st(c, 0)).toBeCloseTo(Math.cos(1), 15);
    expect(st(c, 1)).toBeCloseTo(Math.sin(1), 15);
    runCode(c, [...FNINIT, ...FLDPI, ...FLD1, ...FLD1, 0xde, 0xc1, 0xd9, 0xf1]); // pi * log2(2)
    expect(st(c, 0)).toBe(Math.PI);
    expect(depth(c)).toBe(1);
    c.mem.load(0x2000, Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x80, 0x40, 0x40])); // 2^65
    runCode(c, [...FNINIT, 0xdb, 0x2d, 0x00, 0x20, 0x00, 0x00, 0xd9, 0xf2]);
    expect(c.fpu.status & SW_C2).toBe(SW_C2);
    expect(depth(c)).toBe(1);
  });
});

describe('x87 compares', () => {
  it('FCOM/FCOMP/FCOMPP condition codes and pops', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLDPI, ...FLD1, 0xd8, 0xd1]); // fcom st1: 1 < pi
    expect(c.fpu.status & (SW_C0 | SW_C2 | SW_C3)).toBe(SW_C0);
    runCode(c, [0xd9, 0xc9, 0xd8, 0xd9]); // fxch; fcomp st1: pi > 1, pop
    expect(c.fpu.status & (SW_C0 | SW_C2 | SW_C3)).toBe(0);
    expect(depth(c)).toBe(1);
    runCode(c, [...FLD1, 0xde, 0xd9]); // fcompp: equal
    expect(c.fpu.status & (SW_C0 | SW_C2 | SW_C3)).toBe(SW_C3);
    expect(depth(c)).toBe(0);
  });

  it('FCOMI sets ZF PF CF and clears OF SF AF; FUCOMI of a QNaN is unordered without IE', () => {
    const c = flatMachine();
    c.setEflags(0x2 | FLAG_OF | FLAG_SF | FLAG_AF);
    runCode(c, [...FNINIT, ...FLDPI, ...FLD1, 0xdb, 0xf1]); // fcomi st, st1: 1 < pi
    expect(c.getEflags() & (FLAG_ZF | FLAG_PF | FLAG_CF | FLAG_OF | FLAG_SF | FLAG_AF)).toBe(FLAG_CF);
    // 0/0 (masked) is a QNaN: FUCOMIP -> unordered, no IE from the compare.
    runCode(c, [...FNINIT, ...FLD1, ...FLDZ, ...FLDZ, 0xde, 0xf9, 0xdb, 0xe2 /* fnclex */, 0xdf, 0xe9 /* fucomip st, st1 */]);
    expect(c.getEflags() & (FLAG_ZF | FLAG_PF | FLAG_CF)).toBe(FLAG_ZF | FLAG_PF | FLAG_CF);
    expect(c.fpu.status & SW_IE).toBe(0);
    expect(depth(c)).toBe(1);
  });

  it('compare with an empty register: unordered codes and IE|SF', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, 0xd8, 0xd3]);
    expect(c.fpu.status & (SW_C0 | SW_C1 | SW_C2 | SW_C3 | SW_IE | SW_SF)).toBe(SW_C0 | SW_C2 | SW_C3 | SW_IE | SW_SF);
  });

  it('FTST and FXAM', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, 0xd9, 0xe0, 0xd9, 0xe4]); // -1 < 0
    expect(c.fpu.status & (SW_C0 | SW_C2 | SW_C3)).toBe(SW_C0);
    runCode(c, [0xd9, 0xe5]); // fxam: negative normal
    expect(c.fpu.status & (SW_C0 | SW_C1 | SW_C2 | SW_C3)).toBe(SW_C1 | SW_C2);
    runCode(c, [0xdd, 0xd8, 0xd9, 0xe5]); // fstp st0; fxam of an empty register: C3 C0, C1 = sign of the stale contents
    expect(c.fpu.status & (SW_C0 | SW_C2 | SW_C3)).toBe(SW_C0 | SW_C3);
  });
});

describe('x87 control and environment', () => {
  it('FNSTSW AX/m16, FNSTCW, FNCLEX (keeps C0-C3), FNINIT', () => {
    const r = new RealMode();
    r.exec([...FNINIT, ...FLD1, 0xd8, 0xd3 /* fcom st3: underflow */, 0xdf, 0xe0, ...m(0xdd, 7, 0x100), 0xdb, 0xe2, ...m(0xdd, 7, 0x102)]);
    const sw = r.cpu.reg16[0];
    expect(sw & (SW_IE | SW_SF)).toBe(SW_IE | SW_SF);
    expect(r.mem.read16(DATA + 0x100)).toBe(sw);
    expect(r.mem.read16(DATA + 0x102)).toBe(sw & ~(0x80ff));
    r.exec([...FNINIT, ...m(0xdd, 7, 0x104)]);
    expect(r.mem.read16(DATA + 0x104)).toBe(0);
  });

  it('FNSTENV 32-bit protected layout, then all exceptions masked (ES cleared)', () => {
    const c = flatMachine();
    c.mem.write16(0x3000, 0x037e); // IE unmasked
    // fldcw [0x3000]; fldz; fdiv dword [0x3004] (0/0: IE, unmasked); fnstenv [0x2000]
    runCode(c, [...FNINIT, 0xd9, 0x2d, 0x00, 0x30, 0, 0, ...FLDZ, 0xd8, 0x35, 0x04, 0x30, 0, 0, 0xd9, 0x35, 0x00, 0x20, 0, 0]);
    const w = (i: number) => c.mem.read32(0x2000 + 4 * i) >>> 0;
    expect(w(0)).toBe(0xffff037e);
    expect((w(1) & 0xffff0000) >>> 0).toBe(0xffff0000);
    expect(w(1) & (SW_IE | SW_ES)).toBe(SW_IE | SW_ES);
    expect(w(2)).toBe(0xffff7fff); // ST(0) = +0 kept: zero
    expect(w(3)).toBe(0x100a); // FIP: the FDIV
    expect(w(4)).toBe(0x08 | (0x035 << 16)); // FCS | FOP (D8 35)
    expect(w(5)).toBe(0x3004); // FDP
    expect(w(6)).toBe(0xffff0010); // FDS
    expect(c.fpu.cw).toBe(0x037f);
    expect(c.fpu.status & SW_ES).toBe(0);
  });

  it('16-bit protected layout (66 prefix) and FLDENV: TOP, tags (empty or not), ES recomputed', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, ...FLDZ, 0x66, 0xd9, 0x35, 0x00, 0x20, 0, 0]);
    const h = (i: number) => c.mem.read16(0x2000 + 2 * i);
    expect([h(0), h(1), h(2), h(3), h(4)]).toEqual([0x037f, 0x3000, 0x1fff, 0x1000 + 4, 0x08]);
    // Edit: SW with ZE set and ES, CW with ZE unmasked; tag word "all valid" for a register holding +0.
    c.mem.write16(0x2000, 0x037b);
    c.mem.write16(0x2002, 0x3084);
    c.mem.write16(0x2004, 0x0000);
    runCode(c, [0x66, 0xd9, 0x25, 0x00, 0x20, 0, 0 /* fldenv */]);
    expect(c.fpu.status & (SW_ES | 0x8000)).toBe(SW_ES | 0x8000);
    expect(c.fpu.tagWord).toBe(0x1555); // every register non-empty; R7 = 1.0 valid, the others hold +0
  });

  it('real-mode layouts store 20/32-bit linear pointers and the opcode', () => {
    const r = new RealMode();
    r.f64(0x80, 1.5);
    // 32-bit layout (66 prefix in 16-bit code), then the 16-bit one.
    r.exec([...FNINIT, ...m(0xdd, 0, 0x80), 0x66, ...m(0xd9, 6, 0x100), ...m(0xd9, 6, 0x200)]);
    const d = (o: number) => r.mem.read32(DATA + o) >>> 0;
    const fip = CODE_SEG * 16 + 2;
    const fdp = DATA + 0x80;
    expect(d(0x10c)).toBe((0xffff0000 | (fip & 0xffff)) >>> 0);
    expect(d(0x110)).toBe(((fip >>> 16) << 12) | 0x506); // DD 06
    expect(d(0x114)).toBe((0xffff0000 | (fdp & 0xffff)) >>> 0);
    expect(d(0x118)).toBe((fdp >>> 16) << 12);
    const w = (o: number) => r.mem.read16(DATA + o);
    expect([w(0x206), w(0x208), w(0x20a), w(0x20c)]).toEqual([fip & 0xffff, ((fip >>> 16) << 12) | 0x506, fdp & 0xffff, (fdp >>> 16) << 12]);
    // FLDENV of the 16-bit image brings the linear pointers back.
    r.exec([...FNINIT, ...m(0xd9, 4, 0x200), ...m(0xd9, 6, 0x300)]);
    expect(r.bytes(0x306, 8)).toEqual(r.bytes(0x206, 8));
  });

  it('FNSAVE stores ST(0)..ST(7) and reinitializes; FRSTOR restores everything', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, ...FLDPI, 0xdd, 0x35, 0x00, 0x20, 0, 0 /* fnsave */]);
    expect(c.fpu.tagWord).toBe(0xffff);
    expect(c.fpu.cw).toBe(0x037f);
    expect(Array.from(c.mem.u8.subarray(0x2000 + 28 + 8, 0x2000 + 28 + 10))).toEqual([0x00, 0x40]); // ST0 = pi: exponent 4000h
    runCode(c, [0xdd, 0x25, 0x00, 0x20, 0, 0 /* frstor */]);
    expect([st(c, 0), st(c, 1)]).toEqual([Math.PI, 1]);
    expect(c.fpu.top).toBe(6);
  });

  it('FINCSTP/FDECSTP move TOP without changing tags; FNOP/FENI/FDISI/FSETPM do nothing', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, 0xd9, 0xf7, 0xd9, 0xf7, 0xd9, 0xf6, 0xd9, 0xd0, 0xdb, 0xe0, 0xdb, 0xe1, 0xdb, 0xe4]);
    expect(c.fpu.top).toBe(0);
    expect(c.fpu.tagWord).toBe(0x3fff);
  });

  it('control instructions do not change FIP/FOP; others do (P6: FOP and FDP always recorded)', () => {
    const c = flatMachine();
    runCode(c, [...FNINIT, ...FLD1, 0xd9, 0xd0 /* fnop */, 0xdb, 0xe2, 0xdf, 0xe0, 0x9b]);
    expect(c.fpu.fip).toBe(0x1000 + 4);
    expect(c.fpu.fop).toBe(0x1d0);
    expect(c.fpu.fcs).toBe(0x08);
  });
});

describe('x87 exceptions and CR0', () => {
  it('reserved encodings raise #UD (also FISTTP, SSE3)', () => {
    for (const code of [[0xd9, 0xd1], [0xd9, 0xe2], [0xda, 0xe8], [0xdb, 0xe5], [0xdd, 0xf0], [0xde, 0xd8], [0xdf, 0xe1], [0xdf, 0xf8], [0xdb, 0x0e, 0, 0], [0xd9, 0x0e, 0, 0]]) {
      const r = new RealMode();
      r.exec(code);
      expect(r.vector, code.join(' ')).toBe(6);
    }
  });

  it('CR0.EM: #NM for every ESC opcode (FNINIT too) but not for WAIT', () => {
    const r = new RealMode();
    r.cpu.cr0 |= CR0_EM;
    r.exec([...FWAIT, ...FNINIT]);
    expect(r.vector).toBe(7);
    expect(r.faultIp).toBe(1);
  });

  it('CR0.TS: #NM for ESC opcodes; for WAIT only with CR0.MP', () => {
    const r = new RealMode();
    r.cpu.cr0 |= CR0_TS;
    r.exec([...FWAIT, ...FLD1]);
    expect(r.vector).toBe(7);
    expect(r.faultIp).toBe(1);
    const r2 = new RealMode();
    r2.cpu.cr0 |= CR0_TS | CR0_MP;
    r2.exec([...FWAIT]);
    expect(r2.vector).toBe(7);
    expect(r2.faultIp).toBe(0);
  });

  it('#MF (CR0.NE = 1) at WAIT; no-wait instructions do not fault; #UD is reported before a pending #MF', () => {
    const r = new RealMode();
    r.cpu.cr0 |= CR0_NE;
    r.mem.write16(DATA + 0x100, 0x037e);
    const pre = [...FNINIT, ...fldcw(0x100), 0xd8, 0xd1 /* fcom st1: underflow, unmasked */];
    r.exec([...pre, 0xdf, 0xe0, ...m(0xdd, 7, 0x10), ...m(0xd9, 7, 0x12), ...FWAIT]);
    expect(r.vector).toBe(16);
    expect(r.faultIp).toBe(pre.length + 10);
    r.exec([...pre, 0xd9, 0xd1]);
    expect(r.vector).toBe(6);
  });

  it('CR0.NE = 0: FERR# goes to onFerr, the waiting instruction freezes until IGNNE# or FNCLEX', () => {
    const r = new RealMode();
    const events: boolean[] = [];
    r.cpu.fpu.onFerr = (on) => events.push(on);
    r.mem.write16(DATA + 0x100, 0x037e);
    const pre = [...FNINIT, ...fldcw(0x100), 0xd8, 0xd1];
    expect(r.exec([...pre, ...FLD1])).toBe(StopReason.Halt);
    expect(events).toEqual([true]);
    expect(r.cpu.eip).toBe(pre.length); // frozen at the FLD1
    expect(r.cpu.segSel[CS]).toBe(CODE_SEG);
    // The IRQ 13 handler would write port F0h: IGNNE# lets the instruction run.
    r.cpu.fpu.ignne = true;
    expect(r.resume()).toBe(StopReason.Halt);
    expect(r.cpu.eip).toBe(pre.length + 3); // past FLD1, at the final HLT
    expect(st(r.cpu, 0)).toBe(1);
    // FNCLEX releases FERR# (and IGNNE#).
    r.exec([0xdb, 0xe2]);
    expect(events).toEqual([true, false]);
    expect(r.cpu.fpu.ignne).toBe(false);
  });

  it('CR0.NE = 0 without an FERR# connection: the error is ignored', () => {
    const r = new RealMode();
    r.mem.write16(DATA + 0x100, 0x037e);
    r.exec([...FNINIT, ...fldcw(0x100), 0xd8, 0xd1, ...FLD1]);
    expect(r.vector).toBe(-1);
    expect(st(r.cpu, 0)).toBe(1);
  });
});
