import { expect, it } from 'vitest';
import { f80Compare, f80Examine } from './float80-compare.js';
import { CONST_L2E, CONST_L2T, CONST_LG2, CONST_LN2, CONST_ONE, CONST_PI, CONST_ZERO, f80LoadConst } from './float80-const.js';
import { f80Prem } from './float80-prem.js';
import { f80Abs, f80Chs } from './float80-regs.js';
import { f80RoundInt } from './float80-rndint.js';
import { f80Scale } from './float80-scale.js';
import { f80Extract } from './float80-xtract.js';
import {
  binaryCases, compareWithHost, MASKED_CWS, ModuleOut, OpCase, regBinary, regUnary, setSlot, slotHex, unaryCases,
} from './testing/host-compare.js';
import { f80, randNormal, randOperand, relatedOperand, Rng } from './testing/f80-values.js';
import { describeHost, HostOp } from './testing/x87-host.js';
import { cwRc, FLAG_C0, FLAG_C1, FLAG_C2, FLAG_C3, FLAGS_CC, FLAGS_EXC, FpuEnv } from './fpu-env.js';

const SW = FLAGS_EXC | FLAG_C1;
const N = 12000;
const regs = new Uint32Array(16);

function ccAdapter(run: (env: FpuEnv) => number) {
  return (c: OpCase, env: FpuEnv): ModuleOut => {
    setSlot(regs, 0, c.a);
    setSlot(regs, 1, c.b);
    const cc = run(env);
    env.flags |= cc;
    return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
  };
}

describeHost('compare / classify vs host x87', () => {
  it('FCOM', () => {
    const bad = compareWithHost(HostOp.fcom, binaryCases(401, N, 0), ccAdapter((env) => f80Compare(regs, 0, 1, env, false)), { swMask: FLAGS_EXC | FLAGS_CC });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FUCOM', () => {
    const bad = compareWithHost(HostOp.fucom, binaryCases(402, N, 0), ccAdapter((env) => f80Compare(regs, 0, 1, env, true)), { swMask: FLAGS_EXC | FLAGS_CC });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FTST', () => {
    const bad = compareWithHost(HostOp.ftst, unaryCases(403, N, randOperand, 0), ccAdapter((env) => {
      setSlot(regs, 2, f80(0, 0, 0));
      return f80Compare(regs, 0, 2, env, false);
    }), { swMask: FLAGS_EXC | FLAGS_CC });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FXAM', () => {
    const bad = compareWithHost(HostOp.fxam, unaryCases(404, N), ccAdapter(() => f80Examine(regs, 0)), { swMask: FLAGS_EXC | FLAGS_CC });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FABS / FCHS', () => {
    expect(compareWithHost(HostOp.fabs, unaryCases(405, 3000), regUnary((f, d, a) => f80Abs(f, d, a)), { swMask: FLAGS_EXC | FLAGS_CC, r2: true })).toEqual([]);
    expect(compareWithHost(HostOp.fchs, unaryCases(406, 3000), regUnary((f, d, a) => f80Chs(f, d, a)), { swMask: FLAGS_EXC | FLAGS_CC, r2: true })).toEqual([]);
  });
});

describeHost('FRNDINT / FSCALE / FXTRACT / FPREM vs host x87 (bit-exact)', () => {
  it('FRNDINT', () => {
    const gen = (r: Rng) => (r.chance(0.6) ? randNormal(r, 16383 - 3, 16383 + 66) : randOperand(r));
    const bad = compareWithHost(HostOp.frndint, unaryCases(501, N, gen), regUnary(f80RoundInt), { swMask: SW, r2: true });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FSCALE', () => {
    const r = new Rng(502);
    const cases = binaryCases(503, N).map((c) => {
      if (r.chance(0.7)) return { ...c, b: randNormal(r, 16383 - 2, 16383 + 16) };
      return c;
    });
    const bad = compareWithHost(HostOp.fscale, cases, regBinary(f80Scale), { swMask: SW, r2: true });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FXTRACT', () => {
    const bad = compareWithHost(HostOp.fxtract, unaryCases(504, N), regUnary((f, _d, a, env) => {
      // ST(1) := exponent, ST(0) := significand (after the push).
      return f80Extract(f, 0, 1, a, env);
    }), { swMask: SW, r2: true });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  for (const [name, op, nearest] of [['FPREM', HostOp.fprem, false], ['FPREM1', HostOp.fprem1, true]] as const) {
    it(name, () => {
      const r = new Rng(nearest ? 505 : 506);
      const cases = binaryCases(nearest ? 507 : 508, N).map((c) => {
        const u = r.int(4);
        if (u === 0) {
          // Exponent differences around and beyond 64 (partial remainder).
          const b = randNormal(r, 16383 - 40, 16383 + 40);
          return { ...c, b, a: randNormal(r, (b.se & 0x7fff) + r.range(50, 140), (b.se & 0x7fff) + 140) };
        }
        if (u === 1) {
          const b = randNormal(r, 16383 - 40, 16383 + 40);
          return { ...c, b, a: relatedOperand(r, b) };
        }
        return c;
      });
      const bad = compareWithHost(op, cases, regBinary((f, d, a, b, env) => f80Prem(f, d, a, b, env, nearest)), {
        swMask: FLAGS_EXC | FLAGS_CC, r2: true, expectFlags: FLAG_C0 | FLAG_C1 | FLAG_C2 | FLAG_C3,
      });
      expect(bad.slice(0, 20)).toEqual([]);
    });
  }
});

describeHost('constants vs host x87', () => {
  const table = [
    [HostOp.fld1, CONST_ONE], [HostOp.fldl2t, CONST_L2T], [HostOp.fldl2e, CONST_L2E], [HostOp.fldpi, CONST_PI],
    [HostOp.fldlg2, CONST_LG2], [HostOp.fldln2, CONST_LN2], [HostOp.fldz, CONST_ZERO],
  ] as const;
  for (const [op, which] of table) {
    it(`constant ${which} under every RC/PC`, () => {
      const cases: OpCase[] = MASKED_CWS.map((cw) => ({ a: f80(0, 0, 0), b: f80(0, 0, 0), cw }));
      const bad = compareWithHost(op, cases, (_c, env) => {
        regs.fill(0);
        f80LoadConst(regs, 0, which, cwRc(env.cw));
        return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
      }, { swMask: FLAGS_EXC | FLAGS_CC, r2: true });
      expect(bad).toEqual([]);
    });
  }
});
