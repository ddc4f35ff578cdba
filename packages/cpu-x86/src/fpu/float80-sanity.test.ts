/**
 * Host-independent checks with fixed expected encodings (taken from an
 * Intel x87), so the module is exercised even where the host oracle is
 * unavailable.
 */
import { describe, expect, it } from 'vitest';
import {
  CONST_PI, createF80File, f80Add, f80Compare, f80Div, f80FromBcd, f80FromNumber, f80LoadConst, f80Mul, f80Prem,
  f80Sqrt, f80ToBcd, f80ToF64, f80ToInt, f80ToNumber, FLAG_C1, FLAG_IE, FLAG_PE, FLAG_ZE, FpuEnv, INT_OUT,
  CMP_LT, RC_DOWN, RC_UP,
} from './float80.js';

function hex(f: Uint32Array, s: number): string {
  const o = s << 2;
  return `${f[o + 2]!.toString(16).padStart(4, '0')}:${f[o + 1]!.toString(16).padStart(8, '0')}${f[o]!.toString(16).padStart(8, '0')}`;
}

describe('float80 sanity (fixed vectors)', () => {
  const f = createF80File(8);
  const env = new FpuEnv();
  it('1/3 rounds to nearest with PE and C1', () => {
    env.flags = 0;
    f80FromNumber(f, 0, 1, env);
    f80FromNumber(f, 1, 3, env);
    f80Div(f, 2, 0, 1, env);
    expect(hex(f, 2)).toBe('3ffd:aaaaaaaaaaaaaaab');
    expect(env.flags).toBe(FLAG_PE | FLAG_C1);
  });
  it('0.1 + 0.2 and back to double', () => {
    env.flags = 0;
    f80FromNumber(f, 0, 0.1, env);
    f80FromNumber(f, 1, 0.2, env);
    f80Add(f, 2, 0, 1, env);
    expect(f80ToNumber(f, 2, env)).toBe(0.30000000000000004);
  });
  it('x/0 is ZE and infinity; 0*inf invalid gives the indefinite', () => {
    env.flags = 0;
    f80FromNumber(f, 0, -2, env);
    f80FromNumber(f, 1, 0, env);
    f80Div(f, 2, 0, 1, env);
    expect(hex(f, 2)).toBe('ffff:8000000000000000');
    expect(env.flags).toBe(FLAG_ZE);
    env.flags = 0;
    f80FromNumber(f, 0, Infinity, env);
    f80Mul(f, 2, 0, 1, env);
    expect(hex(f, 2)).toBe('ffff:c000000000000000');
    expect(env.flags).toBe(FLAG_IE);
  });
  it('sqrt(2), FLDPI under RC', () => {
    env.flags = 0;
    f80FromNumber(f, 0, 2, env);
    f80Sqrt(f, 1, 0, env);
    expect(hex(f, 1)).toBe('3fff:b504f333f9de6484');
    f80LoadConst(f, 3, CONST_PI, RC_DOWN);
    expect(hex(f, 3)).toBe('4000:c90fdaa22168c234');
    f80LoadConst(f, 3, CONST_PI, RC_UP);
    expect(hex(f, 3)).toBe('4000:c90fdaa22168c235');
  });
  it('FPREM quotient bits, compare, FIST and BCD round trip', () => {
    env.flags = 0;
    f80FromNumber(f, 0, 7.5, env);
    f80FromNumber(f, 1, 2, env);
    f80Prem(f, 2, 0, 1, env, false);
    expect(f80ToNumber(f, 2, env)).toBe(1.5);
    expect(f80Compare(f, 1, 0, env, false)).toBe(CMP_LT);
    env.flags = 0;
    f80FromNumber(f, 0, -123456789.5, env);
    expect(f80ToInt(f, 0, 32, env)).toBe(true);
    expect(INT_OUT[0]! | 0).toBe(-123456790); // nearest-even
    const mem = new Uint8Array(10);
    f80FromNumber(f, 0, -987654321012345, env);
    f80ToBcd(f, 0, mem, 0, env);
    expect([...mem].map((b) => b.toString(16).padStart(2, '0')).join('')).toBe('45230121436587090080');
    f80FromBcd(f, 1, mem, 0);
    expect(f80ToNumber(f, 1, env)).toBe(-987654321012345);
    const out = new Uint32Array(2);
    expect(f80ToF64(f, 1, env, out, 0)).toBe(true);
  });
});
