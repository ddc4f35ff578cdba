import { beforeAll, describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import { EAX, EBX, ECX, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_FIXED } from '../constants.js';
import { flatMachine, runCode } from '../../test/support/flat-machine.js';
import { installShiftOps } from './shift.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

beforeAll(() => installShiftOps());

function exec(c: Cpu, code: number[]): void {
  expect(runCode(c, code)).toBe(StopReason.Halt);
}

/** Runs `code` with EAX/ECX/EBX and the status flags preset; returns the CPU. */
function run(code: number[], eax: number, ecx = 0, flagsIn = 0, ebx = 0): Cpu {
  const c = flatMachine();
  c.reg32[EAX] = eax;
  c.reg32[ECX] = ecx;
  c.reg32[EBX] = ebx;
  c.setEflags(FLAGS_FIXED | flagsIn);
  exec(c, code);
  return c;
}

const status = (c: Cpu) => c.getEflags() & STATUS;

describe('SHL/SHR/SAR (SDM Vol. 2B "SAL/SAR/SHL/SHR")', () => {
  it('shl al,1 with AL=80h: result 0, CF=1, OF=1 (MSB changed), ZF=1, PF=1', () => {
    const c = run([0xd0, 0xe0], 0x80);
    expect(c.reg8[0]).toBe(0);
    expect(status(c)).toBe(FLAG_CF | FLAG_OF | FLAG_ZF | FLAG_PF);
  });

  it('shr al,1 with AL=81h: 40h, CF=1, OF = MSB of the original operand', () => {
    const c = run([0xd0, 0xe8], 0x81);
    expect(c.reg8[0]).toBe(0x40);
    expect(status(c)).toBe(FLAG_CF | FLAG_OF);
  });

  it('sar al,1 with AL=81h: C1h >> 1 = C0h, CF=1, OF=0, SF=1, PF=1', () => {
    const c = run([0xd0, 0xf8], 0x81);
    expect(c.reg8[0]).toBe(0xc0);
    expect(status(c)).toBe(FLAG_CF | FLAG_SF | FLAG_PF);
  });

  it('/6 (SAL) is an alias of SHL', () => {
    const c = run([0xd0, 0xf0], 0x41);
    expect(c.reg8[0]).toBe(0x82);
    expect(status(c)).toBe(FLAG_OF | FLAG_SF | FLAG_PF);
  });

  it('a masked count of 0 changes neither the operand nor the flags (CL = 32)', () => {
    const c = run([0xd3, 0xe0], 0x12345678, 32, FLAG_CF | FLAG_ZF | FLAG_OF | FLAG_AF);
    expect(c.reg32[EAX]).toBe(0x12345678);
    expect(status(c)).toBe(FLAG_CF | FLAG_ZF | FLAG_OF | FLAG_AF);
  });

  it('the count is masked to 5 bits: shl eax, 33 shifts by 1', () => {
    const c = run([0xc1, 0xe0, 33], 0x40000001);
    expect(c.reg32[EAX] >>> 0).toBe(0x80000002);
  });

  it('8-bit shifts by 8 and more: SHL by 8 moves bit 0 into CF, by 9 leaves CF=0', () => {
    let c = run([0xd2, 0xe0], 0x01, 8);
    expect(c.reg8[0]).toBe(0);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
    c = run([0xd2, 0xe0], 0xff, 9);
    expect(c.reg8[0]).toBe(0);
    expect(status(c) & FLAG_CF).toBe(0);
  });

  it('sar beyond the width fills with the sign and CF = sign', () => {
    const c = run([0xd2, 0xf8], 0x80, 20);
    expect(c.reg8[0]).toBe(0xff);
    expect(status(c) & (FLAG_CF | FLAG_SF)).toBe(FLAG_CF | FLAG_SF);
  });

  it('16-bit shr by CL', () => {
    const c = run([0x66, 0xd3, 0xe8], 0xffff8001, 15);
    expect(c.reg32[EAX] >>> 0).toBe(0xffff0001);
    expect(status(c) & FLAG_CF).toBe(0); // bit 14 of 8001h
  });

  it('host-observed: AF = 0 and OF from the first step for counts > 1', () => {
    // shl eax,4 with 177219D3h: bits 31,30 = 0,0 -> OF=0 (although MSB(result) XOR CF = 1)
    const c = run([0xc1, 0xe0, 4], 0x177219d3, 0, FLAG_AF | FLAG_OF);
    expect(c.reg32[EAX] >>> 0).toBe(0x77219d30);
    expect(status(c)).toBe(FLAG_CF | FLAG_PF);
  });

  it('shl dword [ebx], cl on memory', () => {
    const c = flatMachine();
    c.mem.write32(0x3000, 0x80000001);
    c.reg32[EBX] = 0x3000;
    c.reg32[ECX] = 1;
    exec(c, [0xd3, 0x23]);
    expect(c.mem.read32(0x3000) >>> 0).toBe(2);
    expect(status(c) & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
  });
});

describe('ROL/ROR/RCL/RCR (SDM Vol. 2B "RCL/RCR/ROL/ROR")', () => {
  it('rol eax,4: 12345678h -> 23456781h, CF = LSB of the result', () => {
    const c = run([0xc1, 0xc0, 4], 0x12345678, 0, FLAG_ZF | FLAG_SF);
    expect(c.reg32[EAX]).toBe(0x23456781);
    // Only CF and OF change; ZF and SF keep their values.
    expect(status(c) & (FLAG_CF | FLAG_ZF | FLAG_SF)).toBe(FLAG_CF | FLAG_ZF | FLAG_SF);
  });

  it('ror eax,cl (4): 12345678h -> 81234567h, CF = MSB of the result', () => {
    const c = run([0xd3, 0xc8], 0x12345678, 4);
    expect(c.reg32[EAX] >>> 0).toBe(0x81234567);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
  });

  it('rol al,1 with AL=40h: 80h, CF=0, OF = MSB XOR CF = 1', () => {
    const c = run([0xd0, 0xc0], 0x40);
    expect(c.reg8[0]).toBe(0x80);
    expect(status(c) & (FLAG_CF | FLAG_OF)).toBe(FLAG_OF);
  });

  it('ror al,1 with AL=01h: 80h, CF=1, OF = MSB XOR MSB-1 = 1', () => {
    const c = run([0xd0, 0xc8], 0x01);
    expect(c.reg8[0]).toBe(0x80);
    expect(status(c) & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
  });

  it('rcl al,1 with CF=1, AL=80h: AL=01h, CF=1, OF = MSB(result) XOR CF = 1', () => {
    const c = run([0xd0, 0xd0], 0x80, 0, FLAG_CF);
    expect(c.reg8[0]).toBe(0x01);
    expect(status(c) & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
  });

  it('rcr al,1 with CF=1, AL=01h: AL=80h, CF=1, OF = MSB XOR MSB-1 of the result = 1', () => {
    const c = run([0xd0, 0xd8], 0x01, 0, FLAG_CF);
    expect(c.reg8[0]).toBe(0x80);
    expect(status(c) & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
  });

  it('8-bit RCL rotates 9 bits: count 10 = count 1; count 9 changes nothing', () => {
    let c = run([0xd2, 0xd0], 0x81, 10, 0);
    expect(c.reg8[0]).toBe(0x02);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
    c = run([0xd2, 0xd0], 0x81, 9, FLAG_OF);
    expect(c.reg8[0]).toBe(0x81);
    expect(status(c) & (FLAG_CF | FLAG_OF)).toBe(FLAG_OF);
  });

  it('16-bit RCR rotates 17 bits: by 16 with CF=0, AX=8001h gives 0002h, CF=1', () => {
    // CF:AX = 0:8001h rotated right by 16 of 17 = rotated left by 1 -> 1:0002h.
    const c = run([0x66, 0xd3, 0xd8], 0x8001, 16, 0);
    expect(c.reg16[0]).toBe(0x0002);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
  });

  it('32-bit rcl by 31', () => {
    // CF:EAX = 1:00000001h rotated left by 31 of 33 = rotated right by 2:
    // EAX = (bit 0 of EAX) << 31 | CF << 30 | EAX >> 2 = C0000000h, CF = bit 1 of EAX = 0.
    const c = run([0xc1, 0xd0, 31], 0x00000001, 0, FLAG_CF);
    expect(c.reg32[EAX] >>> 0).toBe(0xc0000000);
    expect(status(c) & FLAG_CF).toBe(0);
  });

  it('8-bit rol by 8 keeps the value but sets CF from bit 0', () => {
    const c = run([0xd2, 0xc0], 0x81, 8);
    expect(c.reg8[0]).toBe(0x81);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
  });

  it('host-observed: rol reg, imm with count > 1 leaves OF unchanged; rol reg, cl computes it', () => {
    // AL = 40h: a first step would give OF = bit7 XOR bit6 = 1.
    let c = run([0xc0, 0xc0, 2], 0x40, 0, 0);
    expect(c.reg8[0]).toBe(0x01);
    expect(status(c) & FLAG_OF).toBe(0);
    c = run([0xd2, 0xc0], 0x40, 2, 0);
    expect(status(c) & FLAG_OF).toBe(FLAG_OF);
  });
});

describe('SHLD/SHRD (SDM Vol. 2B "SHLD", "SHRD")', () => {
  it('shld eax, ebx, 4', () => {
    const c = run([0x0f, 0xa4, 0xd8, 4], 0x12345678, 0, 0, 0x9abcdef0);
    expect(c.reg32[EAX]).toBe(0x23456789);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF); // bit 28 of EAX
    expect(c.reg32[EBX] >>> 0).toBe(0x9abcdef0); // the source is not modified
  });

  it('shrd eax, ebx, cl (4)', () => {
    const c = run([0x0f, 0xad, 0xd8], 0x12345678, 4, 0, 0x9abcdef1);
    expect(c.reg32[EAX]).toBe(0x11234567);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF); // bit 3 of EAX
  });

  it('shld by 1: OF set when the sign changes', () => {
    const c = run([0x0f, 0xa4, 0xd8, 1], 0x40000000, 0, 0, 0);
    expect(c.reg32[EAX] >>> 0).toBe(0x80000000);
    expect(status(c)).toBe(FLAG_OF | FLAG_SF | FLAG_PF);
  });

  it('a count of 0 does nothing, not even to the flags', () => {
    const c = run([0x0f, 0xa5, 0xd8], 0x1234, 0x20, FLAG_CF | FLAG_ZF, 0xffff);
    expect(c.reg32[EAX]).toBe(0x1234);
    expect(status(c)).toBe(FLAG_CF | FLAG_ZF);
  });

  it('16-bit shld by 20 shifts dest:src:dest (P6 behaviour)', () => {
    // 48 bits 1234:5678:1234 << 20, top 16 bits = bits 27..12 of 5678_1234 = 6781h
    const c = run([0x66, 0x0f, 0xa4, 0xd8, 20], 0x1234, 0, 0, 0x5678);
    expect(c.reg16[0]).toBe(0x6781);
  });

  it('16-bit shrd by 20 shifts dest:src:dest right', () => {
    // 1234:5678:1234 >> 20, low 16 bits = bits 35..20 = (1234_5678h >> 4) & FFFFh = 4567h
    const c = run([0x66, 0x0f, 0xac, 0xd8, 20], 0x1234, 0, 0, 0x5678);
    expect(c.reg16[0]).toBe(0x4567);
  });

  it('shrd word [ebx], bx, 4 on memory', () => {
    const c = flatMachine();
    c.mem.write16(0x3000, 0xabcd);
    c.reg32[EBX] = 0x3000;
    exec(c, [0x66, 0x0f, 0xac, 0x1b, 4]);
    // BX = 3000h: low nibble 0 comes in at the top.
    expect(c.mem.read16(0x3000)).toBe(0x0abc);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF); // bit 3 of CDh
  });
});
