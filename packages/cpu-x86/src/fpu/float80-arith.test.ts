import { expect, it } from 'vitest';
import { f80Add, f80Sub } from './float80-add.js';
import { f80Div } from './float80-div.js';
import { f80Mul } from './float80-mul.js';
import { f80Sqrt } from './float80-sqrt.js';
import { binaryCases, compareWithHost, regBinary, regUnary, unaryCases } from './testing/host-compare.js';
import { randNormal } from './testing/f80-values.js';
import { describeHost, HostOp } from './testing/x87-host.js';
import { FLAG_C1, FLAGS_EXC } from './fpu-env.js';

const SW = FLAGS_EXC | FLAG_C1;
const N = 20000;

describeHost('basic arithmetic vs host x87 (bit-exact, all RC x PC, some unmasked OE/UE/IE/DE/ZE)', () => {
  it('FADD', () => {
    expect(compareWithHost(HostOp.fadd, binaryCases(101, N), regBinary(f80Add), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FSUB', () => {
    expect(compareWithHost(HostOp.fsub, binaryCases(102, N), regBinary(f80Sub), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FMUL', () => {
    expect(compareWithHost(HostOp.fmul, binaryCases(103, N), regBinary(f80Mul), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FDIV', () => {
    expect(compareWithHost(HostOp.fdiv, binaryCases(104, N), regBinary(f80Div), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FSQRT', () => {
    expect(compareWithHost(HostOp.fsqrt, unaryCases(105, N), regUnary(f80Sqrt), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
  it('FSQRT of positive normals', () => {
    const cases = unaryCases(106, N, (r) => ({ ...randNormal(r), se: randNormal(r).se & 0x7fff }));
    expect(compareWithHost(HostOp.fsqrt, cases, regUnary(f80Sqrt), { swMask: SW }).slice(0, 20)).toEqual([]);
  });
});
