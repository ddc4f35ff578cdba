/**
 * Transcendentals are NOT bit-exact with hardware (see
 * float80-transcendental.ts). These tests require: identical special-case
 * handling and IE/DE/ZE/UE/OE/C2 flags, and finite results within 1 ulp of
 * the host (PE and C1 are not compared since they depend on the last bit).
 */
import { expect, it } from 'vitest';
import {
  f80Atan2, f80Cos, f80F2xm1, f80Sin, f80SinCos, f80Tan, f80Yl2x, f80Yl2xp1,
} from './float80-transcendental.js';
import { binaryCases, compareWithHost, makeCw, ModuleOut, OpCase, setSlot, slotHex, unaryCases } from './testing/host-compare.js';
import { SPECIAL_VALUES } from './testing/special-values.js';
import { f80, F80, randNormal, randOperand, Rng } from './testing/f80-values.js';
import { describeHost, HostOp } from './testing/x87-host.js';
import { FLAG_C2, FLAG_DE, FLAG_IE, FLAG_OE, FLAG_UE, FLAG_ZE, FpuEnv } from './fpu-env.js';

const SW = FLAG_IE | FLAG_DE | FLAG_ZE | FLAG_OE | FLAG_UE | FLAG_C2;
const N = 3000;
const ULPS = 1;
const regs = new Uint32Array(16);

function load(c: OpCase) {
  setSlot(regs, 0, c.a);
  setSlot(regs, 1, c.b);
}
const out = (): ModuleOut => ({ r1: slotHex(regs, 0), r2: slotHex(regs, 1) });

/** Binary op that pops: result to ST0, sentinel 0 to ST1 (when performed). */
function popping(op: (f: Uint32Array, d: number, a: number, b: number, env: FpuEnv) => boolean) {
  return (c: OpCase, env: FpuEnv) => {
    load(c);
    if (op(regs, 0, 0, 1, env)) setSlot(regs, 1, f80(0, 0, 0));
    return out();
  };
}

function unary(op: (f: Uint32Array, d: number, a: number, env: FpuEnv) => boolean) {
  return (c: OpCase, env: FpuEnv) => {
    load(c);
    op(regs, 0, 0, env);
    return out();
  };
}

const small = (lo: number, hi: number) => (r: Rng) => (r.chance(0.85) ? randNormal(r, lo, hi) : randOperand(r));

describeHost('transcendentals vs host x87 (within 1 ulp, special cases exact)', () => {
  it('F2XM1 on [-1, 1]', () => {
    const bad = compareWithHost(HostOp.f2xm1, unaryCases(601, N, small(16383 - 70, 16382)), unary(f80F2xm1), { swMask: SW, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FYL2X', () => {
    const r = new Rng(602);
    const cases = binaryCases(603, N).map((c) => (r.chance(0.6) ? { ...c, a: { ...c.a, se: c.a.se & 0x7fff }, b: randNormal(r, 16383 - 40, 16383 + 40) } : c));
    const bad = compareWithHost(HostOp.fyl2x, cases, popping(f80Yl2x), { swMask: SW, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FYL2XP1 on |x| < 1 - sqrt(2)/2', () => {
    const r = new Rng(604);
    const cases = binaryCases(605, N).map((c) => ({ ...c, a: r.chance(0.8) ? randNormal(r, 16383 - 80, 16383 - 3) : randOperand(r) }))
      .filter((c) => (c.a.se & 0x7fff) < 16383 - 2 || (c.a.se & 0x7fff) === 0x7fff);
    const bad = compareWithHost(HostOp.fyl2xp1, cases, popping(f80Yl2xp1), { swMask: SW, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FPATAN', () => {
    const bad = compareWithHost(HostOp.fpatan, binaryCases(606, N), popping(f80Atan2), { swMask: SW, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  const trigArg = (r: Rng) => (r.chance(0.8) ? randNormal(r, 16383 - 70, 16383 + 66) : randOperand(r));
  it('FSIN', () => {
    const bad = compareWithHost(HostOp.fsin, unaryCases(607, N, trigArg), unary(f80Sin), { swMask: SW, r2: true, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FCOS', () => {
    const bad = compareWithHost(HostOp.fcos, unaryCases(608, N, trigArg), unary(f80Cos), { swMask: SW, r2: true, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FSINCOS', () => {
    const bad = compareWithHost(HostOp.fsincos, unaryCases(609, N, trigArg), (c, env) => {
      load(c);
      f80SinCos(regs, 1, 0, 0, env);
      return out();
    }, { swMask: SW, r2: true, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FPTAN', () => {
    const bad = compareWithHost(HostOp.fptan, unaryCases(610, N, trigArg), (c, env) => {
      load(c);
      f80Tan(regs, 1, 0, 0, env);
      return out();
    }, { swMask: SW, r2: true, ulps: ULPS });
    expect(bad.slice(0, 20)).toEqual([]);
  });
});

describeHost('transcendentals on special operand pairs (within 1 ulp, special cases exact)', () => {
  const cws = [makeCw(0, 3), makeCw(1, 0), makeCw(3, 2), makeCw(2, 3, 0x3f & ~FLAG_UE), makeCw(0, 3, 0x3f & ~(FLAG_IE | FLAG_DE | FLAG_ZE))];
  const pairs: OpCase[] = [];
  const singles: OpCase[] = [];
  for (const a of SPECIAL_VALUES) {
    for (const cw of cws) {
      singles.push({ a, b: f80(0, 0, 0), cw });
      for (const b of SPECIAL_VALUES) pairs.push({ a, b, cw });
    }
  }
  // F2XM1 is only defined on [-1, 1]; FYL2XP1 on |x| < 1 - sqrt(2)/2.
  const inF2xm1Domain = (v: F80) => (v.se & 0x7fff) < 0x3fff || ((v.se & 0x7fff) === 0x3fff && v.hi === 0x80000000 && v.lo === 0) || (v.se & 0x7fff) === 0x7fff;
  const inLnp1Domain = (v: F80) => (v.se & 0x7fff) < 0x3ffd || (v.se & 0x7fff) === 0x7fff;
  it('F2XM1, FSIN, FCOS, FSINCOS, FPTAN', () => {
    expect(compareWithHost(HostOp.f2xm1, singles.filter((c) => inF2xm1Domain(c.a)), unary(f80F2xm1), { swMask: SW, ulps: ULPS })).toEqual([]);
    expect(compareWithHost(HostOp.fsin, singles, unary(f80Sin), { swMask: SW, r2: true, ulps: ULPS })).toEqual([]);
    expect(compareWithHost(HostOp.fcos, singles, unary(f80Cos), { swMask: SW, r2: true, ulps: ULPS })).toEqual([]);
    expect(compareWithHost(HostOp.fsincos, singles, (c, env) => {
      load(c);
      f80SinCos(regs, 1, 0, 0, env);
      return out();
    }, { swMask: SW, r2: true, ulps: ULPS })).toEqual([]);
    expect(compareWithHost(HostOp.fptan, singles, (c, env) => {
      load(c);
      f80Tan(regs, 1, 0, 0, env);
      return out();
    }, { swMask: SW, r2: true, ulps: ULPS })).toEqual([]);
  });
  it('FYL2X, FYL2XP1, FPATAN', () => {
    expect(compareWithHost(HostOp.fyl2x, pairs, popping(f80Yl2x), { swMask: SW, r2: true, ulps: ULPS }).slice(0, 20)).toEqual([]);
    expect(compareWithHost(HostOp.fyl2xp1, pairs.filter((c) => inLnp1Domain(c.a)), popping(f80Yl2xp1), { swMask: SW, r2: true, ulps: ULPS }).slice(0, 20)).toEqual([]);
    expect(compareWithHost(HostOp.fpatan, pairs, popping(f80Atan2), { swMask: SW, r2: true, ulps: ULPS }).slice(0, 20)).toEqual([]);
  });
});
