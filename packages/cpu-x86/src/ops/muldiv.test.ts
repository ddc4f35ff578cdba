import { beforeAll, describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import {
  DS, EAX, EBX, ECX, EDX, ESI, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_FIXED, VEC_GP, VEC_UD,
} from '../constants.js';
import { flatMachine, runCode } from '../../test/support/flat-machine.js';
import { installExchangeOps } from './muldiv.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

beforeAll(() => installExchangeOps());

function exec(c: Cpu, code: number[]): void {
  expect(runCode(c, code)).toBe(StopReason.Halt);
}

function machine(regs: Partial<Record<number, number>>, flagsIn = 0): Cpu {
  const c = flatMachine();
  for (const [r, v] of Object.entries(regs)) c.reg32[Number(r)] = v!;
  c.setEflags(FLAGS_FIXED | flagsIn);
  return c;
}

const status = (c: Cpu) => c.getEflags() & STATUS;

describe('XADD (SDM Vol. 2B "XADD")', () => {
  it('xadd ecx, eax: ECX = sum, EAX = old ECX, flags of the ADD', () => {
    const c = machine({ [EAX]: 1, [ECX]: 0x7fffffff });
    exec(c, [0x0f, 0xc1, 0xc1]);
    expect(c.reg32[ECX] >>> 0).toBe(0x80000000);
    expect(c.reg32[EAX]).toBe(0x7fffffff);
    expect(status(c)).toBe(FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF);
  });

  it('xadd with the same register twice leaves the sum', () => {
    const c = machine({ [EAX]: 5 });
    exec(c, [0x0f, 0xc1, 0xc0]);
    expect(c.reg32[EAX]).toBe(10);
  });

  it('xadd byte [ebx], cl', () => {
    const c = machine({ [EBX]: 0x3000, [ECX]: 0x01 });
    c.mem.write8(0x3000, 0xff);
    exec(c, [0x0f, 0xc0, 0x0b]);
    expect(c.mem.read8(0x3000)).toBe(0x00);
    expect(c.reg8[4]).toBe(0xff); // CL
    expect(status(c)).toBe(FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF);
  });

  it('16-bit xadd leaves the upper halves alone', () => {
    const c = machine({ [EAX]: 0x11110001, [ECX]: 0x22220002 });
    exec(c, [0x66, 0x0f, 0xc1, 0xc1]); // xadd cx, ax
    expect(c.reg32[ECX]).toBe(0x22220003);
    expect(c.reg32[EAX]).toBe(0x11110002);
  });
});

describe('CMPXCHG (SDM Vol. 2A "CMPXCHG")', () => {
  it('equal: ZF=1 and the destination receives the source', () => {
    const c = machine({ [EAX]: 42, [EBX]: 0x3000, [ECX]: 99 });
    c.mem.write32(0x3000, 42);
    exec(c, [0x0f, 0xb1, 0x0b]); // cmpxchg [ebx], ecx
    expect(c.mem.read32(0x3000)).toBe(99);
    expect(c.reg32[EAX]).toBe(42);
    expect(status(c)).toBe(FLAG_ZF | FLAG_PF);
  });

  it('not equal: ZF=0, EAX receives the destination, flags as CMP EAX, dest', () => {
    const c = machine({ [EAX]: 1, [EBX]: 0x3000, [ECX]: 99 });
    c.mem.write32(0x3000, 2);
    exec(c, [0x0f, 0xb1, 0x0b]);
    expect(c.mem.read32(0x3000)).toBe(2);
    expect(c.reg32[EAX]).toBe(2);
    // 1 - 2 = FFFFFFFFh: CF (borrow), SF, AF, PF
    expect(status(c)).toBe(FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF);
  });

  it('not equal on a read-only segment still faults: the destination is always written', () => {
    const c = machine({ [EAX]: 1, [EBX]: 0x3000, [ECX]: 99 });
    c.setSegmentCache(DS, 0x10, 0, 0xffffffff, 0xc091); // read-only data
    runCode(c, [0x0f, 0xb1, 0x0b]);
    expect(c.exceptionCounts[VEC_GP]).toBeGreaterThan(0);
    expect(c.reg32[EAX]).toBe(1);
  });

  it('8-bit register form', () => {
    const c = machine({ [EAX]: 0x55, [EDX]: 0x55, [ECX]: 0x77 });
    exec(c, [0x0f, 0xb0, 0xca]); // cmpxchg dl, cl
    expect(c.reg8[8]).toBe(0x77);
    expect(status(c) & FLAG_ZF).toBe(FLAG_ZF);
  });

  it('16-bit register form, not equal', () => {
    const c = machine({ [EAX]: 0xaaaa0001, [EDX]: 0xbbbb0005 });
    exec(c, [0x66, 0x0f, 0xb1, 0xca]); // cmpxchg dx, cx
    expect(c.reg32[EAX] >>> 0).toBe(0xaaaa0005);
    expect(c.reg32[EDX] >>> 0).toBe(0xbbbb0005);
    expect(status(c) & FLAG_ZF).toBe(0);
  });
});

describe('CMPXCHG8B (SDM Vol. 2A "CMPXCHG8B")', () => {
  it('equal: stores ECX:EBX, ZF=1, other flags unchanged', () => {
    const c = machine({ [EAX]: 1, [EDX]: 2, [EBX]: 3, [ECX]: 4, [ESI]: 0x3000 }, FLAG_CF | FLAG_SF);
    c.mem.write32(0x3000, 1);
    c.mem.write32(0x3004, 2);
    exec(c, [0x0f, 0xc7, 0x0e]);
    expect(c.mem.read32(0x3000)).toBe(3);
    expect(c.mem.read32(0x3004)).toBe(4);
    expect(status(c)).toBe(FLAG_ZF | FLAG_CF | FLAG_SF);
  });

  it('not equal: loads EDX:EAX, ZF=0', () => {
    const c = machine({ [EAX]: 1, [EDX]: 2, [EBX]: 3, [ECX]: 4, [ESI]: 0x3000 }, FLAG_ZF);
    c.mem.write32(0x3000, 1);
    c.mem.write32(0x3004, 7);
    exec(c, [0x0f, 0xc7, 0x0e]);
    expect(c.reg32[EAX]).toBe(1);
    expect(c.reg32[EDX]).toBe(7);
    expect(c.mem.read32(0x3004)).toBe(7);
    expect(status(c) & FLAG_ZF).toBe(0);
  });

  it('a register operand or another /reg raises #UD', () => {
    let c = machine({});
    runCode(c, [0x0f, 0xc7, 0xc8]);
    expect(c.exceptionCounts[VEC_UD]).toBe(1);
    c = machine({ [ESI]: 0x3000 });
    runCode(c, [0x0f, 0xc7, 0x16]);
    expect(c.exceptionCounts[VEC_UD]).toBe(1);
  });
});

describe('CMOVcc / SETcc (SDM Vol. 2A "CMOVcc", Vol. 2B "SETcc")', () => {
  it('cmovz moves when ZF=1 and not when ZF=0', () => {
    let c = machine({ [EAX]: 1, [ECX]: 2 }, FLAG_ZF);
    exec(c, [0x0f, 0x44, 0xc1]); // cmovz eax, ecx
    expect(c.reg32[EAX]).toBe(2);
    c = machine({ [EAX]: 1, [ECX]: 2 }, 0);
    exec(c, [0x0f, 0x44, 0xc1]);
    expect(c.reg32[EAX]).toBe(1);
  });

  it('cmovl (SF != OF) and cmovbe (CF or ZF)', () => {
    let c = machine({ [EAX]: 1, [ECX]: 2 }, FLAG_SF);
    exec(c, [0x0f, 0x4c, 0xc1]);
    expect(c.reg32[EAX]).toBe(2);
    c = machine({ [EAX]: 1, [ECX]: 2 }, FLAG_SF | FLAG_OF);
    exec(c, [0x0f, 0x4c, 0xc1]);
    expect(c.reg32[EAX]).toBe(1);
    c = machine({ [EAX]: 1, [ECX]: 2 }, FLAG_CF);
    exec(c, [0x0f, 0x46, 0xc1]);
    expect(c.reg32[EAX]).toBe(2);
  });

  it('16-bit cmov writes only the low word', () => {
    const c = machine({ [EAX]: 0x11112222, [ECX]: 0x33334444 }, 0);
    exec(c, [0x66, 0x0f, 0x45, 0xc1]); // cmovnz ax, cx
    expect(c.reg32[EAX]).toBe(0x11114444);
  });

  it('a memory source is read even when the condition is false (and may fault)', () => {
    const c = machine({ [EAX]: 1, [EBX]: 0x3000 }, 0);
    c.setSegmentCache(DS, 0x10, 0, 0xfff, 0xc093 & ~0x8000); // byte granular, limit FFFh
    runCode(c, [0x0f, 0x44, 0x03]); // cmovz eax, [ebx]: ZF=0
    expect(c.exceptionCounts[VEC_GP]).toBeGreaterThan(0);
    expect(c.reg32[EAX]).toBe(1);
  });

  it('setcc writes 0 or 1 to a byte register or memory', () => {
    let c = machine({ [EAX]: 0xffffffff }, FLAG_CF);
    exec(c, [0x0f, 0x92, 0xc4]); // setc ah
    expect(c.reg32[EAX] >>> 0).toBe(0xffff01ff);
    c = machine({ [EBX]: 0x3000 }, FLAG_PF);
    c.mem.write8(0x3000, 0xaa);
    exec(c, [0x0f, 0x9b, 0x03]); // setnp [ebx]
    expect(c.mem.read8(0x3000)).toBe(0);
    c = machine({}, FLAG_ZF);
    exec(c, [0x0f, 0x9f, 0xc0]); // setg al: ZF=0 and SF=OF
    expect(c.reg8[0]).toBe(0);
  });

  it('setcc evaluates lazily recorded flags', () => {
    const c = machine({ [EAX]: 0, [ECX]: 0x80000000 });
    // xadd eax, ecx with 0 + 80000000h: SF=1, OF=0 -> setl al = 1
    exec(c, [0x0f, 0xc1, 0xc8, 0x0f, 0x9c, 0xc3]);
    expect(c.reg8[12]).toBe(1); // BL
  });
});
