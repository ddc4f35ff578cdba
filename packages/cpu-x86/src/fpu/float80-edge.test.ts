/**
 * Exhaustive special-operand pairs and constructed exact/halfway cases,
 * compared bit for bit with the host x87.
 */
import { expect, it } from 'vitest';
import { f80Add, f80Sub } from './float80-add.js';
import { f80Compare } from './float80-compare.js';
import { f80Div } from './float80-div.js';
import { f80Mul } from './float80-mul.js';
import { f80Prem } from './float80-prem.js';
import { f80RoundInt } from './float80-rndint.js';
import { f80Scale } from './float80-scale.js';
import { f80Sqrt } from './float80-sqrt.js';
import { f80Extract } from './float80-xtract.js';
import { f80ToF32, f80ToF64 } from './float80-convert-float.js';
import { f80ToInt, INT_OUT } from './float80-convert-int.js';
import { f80ToBcd } from './float80-bcd.js';
import {
  compareWithHost, makeCw, MASKED_CWS, ModuleOut, OpCase, regBinary, regUnary, setSlot, slotHex,
} from './testing/host-compare.js';
import { bytesHex, f80, F80, Rng } from './testing/f80-values.js';
import { SPECIAL_VALUES } from './testing/special-values.js';
import { describeHost, HostOp } from './testing/x87-host.js';
import { FLAG_C1, FLAG_DE, FLAG_IE, FLAG_OE, FLAG_PE, FLAG_UE, FLAG_ZE, FLAGS_CC, FLAGS_EXC, FpuEnv } from './fpu-env.js';

const SW = FLAGS_EXC | FLAG_C1;
const regs = new Uint32Array(16);
const mem = new Uint8Array(16);

/** Control words: all RC x PC masked, plus each exception unmasked alone (RC nearest / up). */
const CWS: number[] = [
  ...MASKED_CWS,
  ...[FLAG_IE, FLAG_DE, FLAG_ZE, FLAG_OE, FLAG_UE].flatMap((fl) => [makeCw(0, 3, 0x3f & ~fl), makeCw(2, 0, 0x3f & ~fl)]),
];

function pairCases(): OpCase[] {
  const out: OpCase[] = [];
  for (const a of SPECIAL_VALUES) for (const b of SPECIAL_VALUES) for (const cw of CWS) out.push({ a, b, cw });
  return out;
}
function singleCases(): OpCase[] {
  const out: OpCase[] = [];
  for (const a of SPECIAL_VALUES) for (const cw of CWS) out.push({ a, b: f80(0, 0, 0), cw });
  return out;
}

const PAIRS = pairCases();
const SINGLES = singleCases();

describeHost('special operand pairs (64 x 64 values x 22 control words) vs host x87', () => {
  const binaries = [
    ['FADD', HostOp.fadd, f80Add], ['FSUB', HostOp.fsub, f80Sub], ['FMUL', HostOp.fmul, f80Mul],
    ['FDIV', HostOp.fdiv, f80Div], ['FSCALE', HostOp.fscale, f80Scale],
  ] as const;
  for (const [name, op, fn] of binaries) {
    it(name, () => {
      expect(compareWithHost(op, PAIRS, regBinary(fn), { swMask: SW, r2: true }).slice(0, 20)).toEqual([]);
    });
  }
  it('FPREM / FPREM1', () => {
    for (const [op, nearest] of [[HostOp.fprem, false], [HostOp.fprem1, true]] as const) {
      const bad = compareWithHost(op, PAIRS, regBinary((f, d, a, b, env) => f80Prem(f, d, a, b, env, nearest)), { swMask: FLAGS_EXC | FLAGS_CC, r2: true });
      expect(bad.slice(0, 20)).toEqual([]);
    }
  });
  it('FCOM / FUCOM', () => {
    for (const [op, unord] of [[HostOp.fcom, false], [HostOp.fucom, true]] as const) {
      const bad = compareWithHost(op, PAIRS.filter((c) => c.cw === MASKED_CWS[0]), (c, env) => {
        setSlot(regs, 0, c.a);
        setSlot(regs, 1, c.b);
        const cc = f80Compare(regs, 0, 1, env, unord);
        env.flags |= cc;
        return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
      }, { swMask: FLAGS_EXC | FLAGS_CC });
      expect(bad.slice(0, 20)).toEqual([]);
    }
  });
  it('unary: FSQRT, FRNDINT, FXTRACT', () => {
    expect(compareWithHost(HostOp.fsqrt, SINGLES, regUnary(f80Sqrt), { swMask: SW, r2: true })).toEqual([]);
    expect(compareWithHost(HostOp.frndint, SINGLES, regUnary(f80RoundInt), { swMask: SW, r2: true })).toEqual([]);
    expect(compareWithHost(HostOp.fxtract, SINGLES, regUnary((f, _d, a, env) => f80Extract(f, 0, 1, a, env)), { swMask: SW, r2: true })).toEqual([]);
  });
  it('stores: FST m32/m64, FIST m16/m32/m64, FBSTP', () => {
    const store = (fn: (env: FpuEnv) => void) => (c: OpCase, env: FpuEnv): ModuleOut => {
      setSlot(regs, 0, c.a);
      mem.fill(0xa5);
      fn(env);
      return { r1: bytesHex(mem), r2: '' };
    };
    const put32 = (v: number, at: number) => {
      for (let i = 0; i < 4; i++) mem[at + i] = (v >>> (8 * i)) & 0xff;
    };
    const out = new Uint32Array(2);
    expect(compareWithHost(HostOp.fsts, SINGLES, store((env) => {
      const v = f80ToF32(regs, 0, env);
      if (v !== -1) put32(v, 0);
    }), { swMask: SW })).toEqual([]);
    expect(compareWithHost(HostOp.fstl, SINGLES, store((env) => {
      if (f80ToF64(regs, 0, env, out, 0)) {
        put32(out[0]!, 0);
        put32(out[1]!, 4);
      }
    }), { swMask: SW })).toEqual([]);
    for (const [op, bits] of [[HostOp.fists, 16], [HostOp.fistl, 32], [HostOp.fistpll, 64]] as const) {
      expect(compareWithHost(op, SINGLES, store((env) => {
        if (f80ToInt(regs, 0, bits, env)) {
          if (bits === 16) {
            mem[0] = INT_OUT[0]! & 0xff;
            mem[1] = INT_OUT[0]! >>> 8;
          } else put32(INT_OUT[0]!, 0);
          if (bits === 64) put32(INT_OUT[1]!, 4);
        }
      }), { swMask: SW })).toEqual([]);
    }
    expect(compareWithHost(HostOp.fbstp, SINGLES, store((env) => void f80ToBcd(regs, 0, mem, 0, env)), { swMask: SW })).toEqual([]);
  });
});

/** 64-bit significand (as BigInt, bit 63 set) with only the top k bits random. */
function shortSig(r: Rng, k: number): bigint {
  let v = 1n;
  for (let i = 1; i < k; i++) v = (v << 1n) | BigInt(r.int(2));
  return v << BigInt(64 - k);
}
function fromSig(sign: number, exp: number, sig: bigint): F80 {
  return f80((sign << 15) | exp, Number(sig >> 32n), Number(sig & 0xffffffffn));
}
function constructed(seed: number, n: number, gen: (r: Rng) => [F80, F80]): OpCase[] {
  const r = new Rng(seed);
  const out: OpCase[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = gen(r);
    out.push({ a, b, cw: CWS[i % CWS.length]! });
  }
  return out;
}

describeHost('constructed exact and halfway results vs host x87', () => {
  it('FMUL of short significands (exact, halfway at 24/53/64 bits)', () => {
    const cases = constructed(701, 20000, (r) => {
      const ka = r.range(2, 40);
      const kb = r.range(2, 40);
      const ea = r.pick([16383, r.range(1, 200), r.range(0x7ffe - 200, 0x7ffe), r.range(16383 - 8300, 16383 - 8100)]);
      const eb = r.pick([16383, r.range(16383 - 8300, 16383 - 8100), r.range(16383 + 8100, 16383 + 8300)]);
      return [fromSig(r.int(2), ea, shortSig(r, ka)), fromSig(r.int(2), eb, shortSig(r, kb))];
    });
    expect(compareWithHost(HostOp.fmul, cases, regBinary(f80Mul), { swMask: SW, expectFlags: FLAG_C1 | FLAG_PE | FLAG_UE | FLAG_OE }).slice(0, 20)).toEqual([]);
  });
  it('FDIV with quotients of 24/25, 53/54, 64/65 bits (exact and halfway)', () => {
    const cases = constructed(702, 20000, (r) => {
      const p = r.pick([24, 25, 53, 54, 44]);
      const kb = r.range(1, 64 - p);
      const q = shortSig(r, p) >> BigInt(64 - p);
      const b = shortSig(r, kb) >> BigInt(64 - kb);
      let a = q * b;
      const la = a.toString(2).length;
      a <<= BigInt(64 - la);
      const eb = r.range(16383 - 100, 16383 + 100);
      return [fromSig(r.int(2), r.range(16383 - 100, 16383 + 100), a), fromSig(r.int(2), eb, b << BigInt(64 - kb))];
    });
    expect(compareWithHost(HostOp.fdiv, cases, regBinary(f80Div), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FSQRT of perfect squares (exact, and halfway at 24 bits)', () => {
    const cases = constructed(703, 10000, (r) => {
      const k = r.range(1, 32);
      const q = shortSig(r, k) >> BigInt(64 - k);
      let a = q * q;
      a <<= BigInt(64 - a.toString(2).length);
      return [fromSig(0, r.range(1, 0x7ffe), a), f80(0, 0, 0)];
    });
    expect(compareWithHost(HostOp.fsqrt, cases, regUnary(f80Sqrt), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FADD/FSUB near cancellation and with far-apart exponents', () => {
    const cases = constructed(704, 20000, (r) => {
      const ea = r.range(100, 0x7ffe - 100);
      const sa = shortSig(r, r.range(1, 64));
      const d = r.pick([0, 1, 2, r.range(3, 70), r.range(60, 70), r.range(62, 66)]);
      return [fromSig(r.int(2), ea, sa | 1n << 63n), fromSig(r.int(2), ea - d, shortSig(r, r.range(1, 64)))];
    });
    expect(compareWithHost(HostOp.fadd, cases, regBinary(f80Add), { swMask: SW }).slice(0, 20)).toEqual([]);
    expect(compareWithHost(HostOp.fsub, cases, regBinary(f80Sub), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FSCALE around the wrap-around range (unmasked OE/UE rescaling)', () => {
    const cases = constructed(705, 10000, (r) => {
      const ea = r.range(1, 0x7ffe);
      const target = r.pick([0x7ffe + r.range(-3, 3), 1 + r.range(-3, 3), 0x7ffe + 24576 + r.range(-3, 3), 1 - 24576 + r.range(-3, 3), 1 - 64 + r.range(-3, 3)]);
      const n = target - ea;
      const mag = Math.abs(n);
      const sig = mag === 0 ? 0n : BigInt(mag) << BigInt(64 - mag.toString(2).length);
      const b = mag === 0 ? f80(0, 0, 0) : fromSig(n < 0 ? 1 : 0, 16383 + mag.toString(2).length - 1, sig);
      return [fromSig(r.int(2), ea, shortSig(r, r.range(1, 64))), b];
    });
    expect(compareWithHost(HostOp.fscale, cases, regBinary(f80Scale), { swMask: SW, expectFlags: FLAG_OE | FLAG_UE }).slice(0, 20)).toEqual([]);
  });
});
