/**
 * Arithmetic with m32/m64 memory operands (FADD m32, FSUBR m64, ...):
 * the operand is widened exactly (f80WidenF32/F64, SNaN kept signaling)
 * and a denormal source is passed as `memDenormal`, then compared bit for
 * bit with the host executing the real memory-operand instruction.
 */
import { expect, it } from 'vitest';
import { f80Add, f80Sub } from './float80-add.js';
import { f80Compare } from './float80-compare.js';
import { WIDEN_DENORMAL, f80WidenF32, f80WidenF64 } from './float80-convert-float.js';
import { f80Div } from './float80-div.js';
import { f80Mul } from './float80-mul.js';
import { compareWithHost, ModuleOut, OpCase, setSlot, slotHex, unaryCases } from './testing/host-compare.js';
import { f80, randBits32, randBits64, Rng } from './testing/f80-values.js';
import { describeHost, HostOp } from './testing/x87-host.js';
import { FLAG_C1, FLAGS_CC, FLAGS_EXC, FpuEnv } from './fpu-env.js';

type Op = (f: Uint32Array, d: number, a: number, b: number, env: FpuEnv, memDenormal?: number) => unknown;
const regs = new Uint32Array(16);
const N = 8000;

/** ST0 = c.a; memory operand bits in c.b (lo = m32, or hi:lo = m64). */
function memCases(seed: number, wide: boolean): OpCase[] {
  const r = new Rng(seed);
  return unaryCases(seed + 1, N).map((c) => {
    if (wide) {
      const [hi, lo] = randBits64(r);
      return { ...c, b: f80(0, hi, lo) };
    }
    return { ...c, b: f80(0, 0, randBits32(r)) };
  });
}

function run(op: Op, wide: boolean, reversed: boolean) {
  return (c: OpCase, env: FpuEnv): ModuleOut => {
    setSlot(regs, 0, c.a);
    setSlot(regs, 1, f80(0, 0, 0));
    const w = wide ? f80WidenF64(regs, 2, c.b.hi, c.b.lo) : f80WidenF32(regs, 2, c.b.lo);
    const den = w === WIDEN_DENORMAL ? (reversed ? 1 : 2) : 0;
    if (reversed) op(regs, 0, 2, 0, env, den);
    else op(regs, 0, 0, 2, env, den);
    return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
  };
}

describeHost('memory-operand arithmetic vs host x87 (bit-exact)', () => {
  const SW = FLAGS_EXC | FLAG_C1;
  const table = [
    ['FADD m32', HostOp.fadds, f80Add, false, false], ['FADD m64', HostOp.faddl, f80Add, true, false],
    ['FSUB m32', HostOp.fsubs, f80Sub, false, false], ['FSUBR m64', HostOp.fsubrl, f80Sub, true, true],
    ['FMUL m32', HostOp.fmuls, f80Mul, false, false], ['FMUL m64', HostOp.fmull, f80Mul, true, false],
    ['FDIV m32', HostOp.fdivs, f80Div, false, false], ['FDIVR m64', HostOp.fdivrl, f80Div, true, true],
  ] as const;
  let seed = 900;
  for (const [name, hop, fn, wide, rev] of table) {
    const s = seed++;
    it(name, () => {
      expect(compareWithHost(hop, memCases(s * 7, wide), run(fn, wide, rev), { swMask: SW, r2: true }).slice(0, 20)).toEqual([]);
    });
  }
  for (const [name, hop, wide] of [['FCOM m32', HostOp.fcoms, false], ['FCOM m64', HostOp.fcoml, true]] as const) {
    it(name, () => {
      const bad = compareWithHost(hop, memCases(wide ? 950 : 960, wide), (c, env) => {
        setSlot(regs, 0, c.a);
        setSlot(regs, 1, f80(0, 0, 0));
        const w = wide ? f80WidenF64(regs, 2, c.b.hi, c.b.lo) : f80WidenF32(regs, 2, c.b.lo);
        const cc = f80Compare(regs, 0, 2, env, false, w === WIDEN_DENORMAL ? 2 : 0);
        env.flags |= cc;
        return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
      }, { swMask: FLAGS_EXC | FLAGS_CC });
      expect(bad.slice(0, 20)).toEqual([]);
    });
  }
});
