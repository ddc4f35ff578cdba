import { beforeAll, describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import {
  EAX, EBX, ECX, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_FIXED, VEC_UD,
} from '../constants.js';
import { flatMachine, runCode } from '../../test/support/flat-machine.js';
import { installBitOps } from './bit.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

beforeAll(() => installBitOps());

function exec(c: Cpu, code: number[]): void {
  expect(runCode(c, code)).toBe(StopReason.Halt);
}

function machine(eax: number, ecx = 0, ebx = 0, flagsIn = 0): Cpu {
  const c = flatMachine();
  c.reg32[EAX] = eax;
  c.reg32[ECX] = ecx;
  c.reg32[EBX] = ebx;
  c.setEflags(FLAGS_FIXED | flagsIn);
  return c;
}

const status = (c: Cpu) => c.getEflags() & STATUS;

describe('BT/BTS/BTR/BTC (SDM Vol. 2A "BT")', () => {
  it('bt eax, 5 (0F BA /4): CF = bit 5, other status flags unchanged', () => {
    const c = machine(0x20, 0, 0, FLAG_ZF | FLAG_OF);
    exec(c, [0x0f, 0xba, 0xe0, 5]);
    expect(status(c)).toBe(FLAG_CF | FLAG_ZF | FLAG_OF);
    expect(c.reg32[EAX]).toBe(0x20);
  });

  it('register bit offsets are taken modulo the operand size', () => {
    // bts eax, ecx with ECX = 33 sets bit 1
    const c = machine(0, 33);
    exec(c, [0x0f, 0xab, 0xc8]);
    expect(c.reg32[EAX]).toBe(2);
    expect(status(c) & FLAG_CF).toBe(0);
  });

  it('btr / btc on a register', () => {
    let c = machine(0xff, 3);
    exec(c, [0x0f, 0xb3, 0xc8]); // btr eax, ecx
    expect(c.reg32[EAX]).toBe(0xf7);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
    c = machine(0xff, 8);
    exec(c, [0x0f, 0xbb, 0xc8]); // btc eax, ecx
    expect(c.reg32[EAX]).toBe(0x1ff);
    expect(status(c) & FLAG_CF).toBe(0);
  });

  it('16-bit btc ax, imm masks the immediate to 4 bits', () => {
    const c = machine(0xffff0000);
    exec(c, [0x66, 0x0f, 0xba, 0xf8, 0x13]); // btc ax, 19 -> bit 3
    expect(c.reg32[EAX] >>> 0).toBe(0xffff0008);
  });

  it('memory, register offset: bt [ebx], eax with EAX = 35 tests bit 3 of the next dword', () => {
    const c = machine(35, 0, 0x3000);
    c.mem.write32(0x3004, 0x8);
    exec(c, [0x0f, 0xa3, 0x03]);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
  });

  it('memory, negative register offset: bts [ebx], eax with EAX = -1 sets bit 31 of [ebx-4]', () => {
    const c = machine(-1, 0, 0x3004);
    exec(c, [0x0f, 0xab, 0x03]);
    expect(c.mem.read32(0x3000) >>> 0).toBe(0x80000000);
    expect(c.mem.read32(0x3004)).toBe(0);
    expect(status(c) & FLAG_CF).toBe(0);
  });

  it('memory, 16-bit: the offset is the signed word, in 2-byte units (btr word [ebx], ax; AX = -1)', () => {
    const c = machine(0x0000ffff, 0, 0x3004);
    c.mem.write16(0x3002, 0xffff);
    exec(c, [0x66, 0x0f, 0xb3, 0x03]);
    expect(c.mem.read16(0x3002)).toBe(0x7fff);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
  });

  it('memory, large positive offset: btc [ebx], eax with EAX = 8*100+7 flips bit 7 of byte 100', () => {
    const c = machine(807, 0, 0x3000);
    exec(c, [0x0f, 0xbb, 0x03]);
    // dword index 807 >> 5 = 25 -> address 3000h + 100, bit 807 & 31 = 7
    expect(c.mem.read8(0x3000 + 100)).toBe(0x80);
  });

  it('memory, immediate offset stays inside the operand: bt dword [ebx], 37 tests bit 5', () => {
    const c = machine(0, 0, 0x3000);
    c.mem.write32(0x3000, 0x20);
    exec(c, [0x0f, 0xba, 0x23, 37]);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
  });

  it('memory with a displacement: the immediate follows it (bts dword [ebx+8], 1)', () => {
    const c = machine(0, 0, 0x3000);
    exec(c, [0x0f, 0xba, 0x6b, 0x08, 0x01]);
    expect(c.mem.read32(0x3008)).toBe(2);
  });

  it('16-bit addressing wraps the adjusted offset at 64 KiB', () => {
    // addr16: bts [bx], ax with BX = 0, AX = -16 (word index -1): offset FFFEh
    const c = flatMachine(1 << 20);
    c.reg32[EAX] = 0xfff0;
    c.reg32[EBX] = 0;
    exec(c, [0x67, 0x66, 0x0f, 0xab, 0x07]);
    expect(c.mem.read16(0xfffe)).toBe(1);
  });

  it('0F BA /0../3 are undefined (#UD)', () => {
    const c = machine(0);
    runCode(c, [0x0f, 0xba, 0xc0, 1]);
    expect(c.exceptionCounts[VEC_UD]).toBe(1);
  });
});

describe('BSF/BSR (SDM Vol. 2A "BSF", "BSR")', () => {
  it('bsf finds the lowest set bit, bsr the highest', () => {
    let c = machine(0, 0x00810000);
    exec(c, [0x0f, 0xbc, 0xc1]); // bsf eax, ecx
    expect(c.reg32[EAX]).toBe(16);
    expect(status(c) & FLAG_ZF).toBe(0);
    c = machine(0, 0x00810000);
    exec(c, [0x0f, 0xbd, 0xc1]); // bsr eax, ecx
    expect(c.reg32[EAX]).toBe(23);
  });

  it('a zero source sets ZF and leaves the destination unchanged', () => {
    const c = machine(0x12345678, 0);
    exec(c, [0x0f, 0xbc, 0xc1]);
    expect(c.reg32[EAX]).toBe(0x12345678);
    expect(status(c) & FLAG_ZF).toBe(FLAG_ZF);
  });

  it('16-bit bsr writes only the low word', () => {
    const c = machine(0xaaaa5555, 0x8000);
    exec(c, [0x66, 0x0f, 0xbd, 0xc1]);
    expect(c.reg32[EAX] >>> 0).toBe(0xaaaa000f);
  });

  it('host-observed undefined flags: CF/OF/SF/AF cleared, PF from the index (or 1 for a zero source)', () => {
    let c = machine(0, 0x8, 0, FLAG_CF | FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF);
    exec(c, [0x0f, 0xbc, 0xc1]); // index 3: two bits set, even parity
    expect(status(c)).toBe(FLAG_PF);
    c = machine(0, 0x10, 0, FLAG_PF);
    exec(c, [0x0f, 0xbc, 0xc1]); // index 4: odd parity
    expect(status(c)).toBe(0);
    c = machine(0, 0, 0, FLAG_CF | FLAG_SF);
    exec(c, [0x0f, 0xbc, 0xc1]);
    expect(status(c)).toBe(FLAG_ZF | FLAG_PF);
  });

  it('reads a memory source', () => {
    const c = machine(0, 0, 0x3000);
    c.mem.write32(0x3000, 0x100);
    exec(c, [0x0f, 0xbc, 0x03]); // bsf eax, [ebx]
    expect(c.reg32[EAX]).toBe(8);
  });
});

describe('BSWAP (SDM Vol. 2A "BSWAP")', () => {
  it('reverses the bytes of a 32-bit register', () => {
    const c = machine(0, 0x12345678);
    exec(c, [0x0f, 0xc9]); // bswap ecx
    expect(c.reg32[ECX]).toBe(0x78563412);
  });

  it('with a 16-bit operand (undefined) clears the low word, as the host does', () => {
    const c = machine(0x12345678);
    exec(c, [0x66, 0x0f, 0xc8]);
    expect(c.reg32[EAX]).toBe(0x12340000);
  });
});
