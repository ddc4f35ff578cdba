import { expect, it } from 'vitest';
import { f80FromBcd, f80ToBcd } from './float80-bcd.js';
import { f80FromF32, f80FromF64, f80ToF32, f80ToF64 } from './float80-convert-float.js';
import { f80FromInt32, f80FromInt64, f80ToInt, INT_OUT } from './float80-convert-int.js';
import { loadF80Bytes, storeF80Bytes } from './float80-regs.js';
import { compareWithHost, ModuleOut, OpCase, setSlot, slotHex, unaryCases } from './testing/host-compare.js';
import { bytesHex, f80, F80, randBits32, randBits64, randNormal, randOperand, Rng } from './testing/f80-values.js';
import { describeHost, HostOp } from './testing/x87-host.js';
import { FLAG_C1, FLAGS_EXC, FpuEnv } from './fpu-env.js';

const SW = FLAGS_EXC | FLAG_C1;
const N = 12000;
const regs = new Uint32Array(16);
const mem = new Uint8Array(16);

/** Memory image bytes -> F80 operand (so the probe's A operand carries them). */
function memOperand(bytes: number[]): F80 {
  const b = [...bytes, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  return f80(b[8]! | (b[9]! << 8), (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0, (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0);
}

function loadAdapter(load: (c: OpCase, env: FpuEnv) => void) {
  return (c: OpCase, env: FpuEnv): ModuleOut => {
    regs.fill(0);
    load(c, env);
    return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
  };
}

function storeAdapter(store: (env: FpuEnv) => void) {
  return (c: OpCase, env: FpuEnv): ModuleOut => {
    setSlot(regs, 0, c.a);
    mem.fill(0xa5);
    store(env);
    return { r1: bytesHex(mem), r2: '' };
  };
}

/** Operands biased towards the float32/float64 range limits. */
function storeOperand(r: Rng): F80 {
  switch (r.int(6)) {
    case 0: return randNormal(r, 16383 - 126 - 30, 16383 - 126 + 3);
    case 1: return randNormal(r, 16383 + 124, 16383 + 130);
    case 2: return randNormal(r, 16383 - 1022 - 60, 16383 - 1022 + 3);
    case 3: return randNormal(r, 16383 + 1020, 16383 + 1026);
    case 4: return randNormal(r, 16383 - 70, 16383 + 70);
    default: return randOperand(r);
  }
}

/** Operands biased towards integer range limits and fractions. */
function intOperand(r: Rng): F80 {
  switch (r.int(5)) {
    case 0: return randNormal(r, 16383 - 3, 16383 + 66);
    case 1: return randNormal(r, 16383 + 13, 16383 + 16);
    case 2: return randNormal(r, 16383 + 29, 16383 + 32);
    case 3: return randNormal(r, 16383 + 60, 16383 + 64);
    default: return randOperand(r);
  }
}

describeHost('conversions vs host x87 (bit-exact)', () => {
  it('FLD m32', () => {
    const r = new Rng(201);
    const cases = unaryCases(202, N).map((c) => ({ ...c, a: memOperand([...u32le(randBits32(r))]) }));
    const bad = compareWithHost(HostOp.flds, cases, loadAdapter((c, env) => f80FromF32(regs, 0, c.a.lo, env)), { swMask: SW, r2: true });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FLD m64', () => {
    const r = new Rng(203);
    const cases = unaryCases(204, N).map((c) => {
      const [hi, lo] = randBits64(r);
      return { ...c, a: f80(0, hi, lo) };
    });
    const bad = compareWithHost(HostOp.fldl, cases, loadAdapter((c, env) => f80FromF64(regs, 0, c.a.hi, c.a.lo, env)), { swMask: SW, r2: true });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FST m32', () => {
    const bad = compareWithHost(HostOp.fsts, unaryCases(205, N, storeOperand), storeAdapter((env) => {
      const v = f80ToF32(regs, 0, env);
      if (v !== -1) mem.set(u32le(v), 0);
    }), { swMask: SW });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FST m64', () => {
    const out = new Uint32Array(2);
    const bad = compareWithHost(HostOp.fstl, unaryCases(206, N, storeOperand), storeAdapter((env) => {
      if (f80ToF64(regs, 0, env, out, 0)) {
        mem.set(u32le(out[0]!), 0);
        mem.set(u32le(out[1]!), 4);
      }
    }), { swMask: SW });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FLD m80 / FSTP m80 round trip', () => {
    const bad = compareWithHost(HostOp.fstt, unaryCases(207, 3000), storeAdapter(() => {
      const tmp = new Uint8Array(10);
      storeF80Bytes(regs, 0, tmp, 0);
      loadF80Bytes(regs, 2, tmp, 0);
      storeF80Bytes(regs, 2, mem, 0);
    }), { swMask: SW });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FILD m16/m32/m64', () => {
    const r = new Rng(208);
    const c16 = unaryCases(209, 3000).map((c) => ({ ...c, a: f80(0, 0, r.chance(0.1) ? 0x8000 | r.int(2) : r.int(0x10000)) }));
    const c32 = unaryCases(210, 3000).map((c) => ({ ...c, a: f80(0, 0, r.chance(0.1) ? 0x80000000 : r.u32() >>> r.int(32)) }));
    const c64 = unaryCases(211, 3000).map((c) => ({ ...c, a: f80(0, r.chance(0.1) ? 0x80000000 : r.u32() >>> r.int(32), r.u32()) }));
    expect(compareWithHost(HostOp.filds, c16, loadAdapter((c) => f80FromInt32(regs, 0, (c.a.lo << 16) >> 16)), { swMask: SW, r2: true })).toEqual([]);
    expect(compareWithHost(HostOp.fildl, c32, loadAdapter((c) => f80FromInt32(regs, 0, c.a.lo | 0)), { swMask: SW, r2: true })).toEqual([]);
    expect(compareWithHost(HostOp.fildll, c64, loadAdapter((c) => f80FromInt64(regs, 0, c.a.hi, c.a.lo)), { swMask: SW, r2: true })).toEqual([]);
  });
  for (const [name, op, bits] of [['FIST m16', HostOp.fists, 16], ['FIST m32', HostOp.fistl, 32], ['FISTP m64', HostOp.fistpll, 64]] as const) {
    it(name, () => {
      const bad = compareWithHost(op, unaryCases(212 + bits, N, intOperand), storeAdapter((env) => {
        if (f80ToInt(regs, 0, bits, env)) {
          mem.set(u32le(INT_OUT[0]!).subarray(0, bits === 16 ? 2 : 4), 0);
          if (bits === 64) mem.set(u32le(INT_OUT[1]!), 4);
        }
      }), { swMask: SW });
      expect(bad.slice(0, 20)).toEqual([]);
    });
  }
  it('FBLD', () => {
    const r = new Rng(301);
    const cases = unaryCases(302, 5000).map((c) => {
      const b: number[] = [];
      const nd = r.range(0, 18);
      for (let i = 0; i < 9; i++) {
        const d0 = 2 * i < nd ? r.int(10) : 0;
        const d1 = 2 * i + 1 < nd ? r.int(10) : 0;
        b.push(d0 | (d1 << 4));
      }
      b.push(r.int(2) << 7);
      return { ...c, a: memOperand(b) };
    });
    const tmp = new Uint8Array(10);
    const bad = compareWithHost(HostOp.fbld, cases, loadAdapter((c) => {
      setSlot(regs, 3, c.a);
      storeF80Bytes(regs, 3, tmp, 0);
      f80FromBcd(regs, 0, tmp, 0);
    }), { swMask: SW, r2: true });
    expect(bad.slice(0, 20)).toEqual([]);
  });
  it('FBSTP', () => {
    const gen = (r: Rng) => (r.chance(0.7) ? randNormal(r, 16383 - 3, 16383 + 61) : randOperand(r));
    const bad = compareWithHost(HostOp.fbstp, unaryCases(303, N, gen), storeAdapter((env) => {
      f80ToBcd(regs, 0, mem, 0, env);
    }), { swMask: SW });
    expect(bad.slice(0, 20)).toEqual([]);
  });
});

function u32le(v: number): Uint8Array {
  return new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
}
