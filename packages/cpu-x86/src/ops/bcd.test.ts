import { beforeAll, describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import { EAX, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_FIXED, VEC_DE } from '../constants.js';
import { flatMachine, runCode } from '../../test/support/flat-machine.js';
import { installBcdOps } from './bcd.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

beforeAll(() => installBcdOps());

function run(code: number[], eax: number, flagsIn = 0): Cpu {
  const c = flatMachine();
  c.reg32[EAX] = eax;
  c.setEflags(FLAGS_FIXED | flagsIn);
  expect(runCode(c, code)).toBe(StopReason.Halt);
  return c;
}

const status = (c: Cpu) => c.getEflags() & STATUS;

describe('DAA/DAS (SDM Vol. 2A "DAA", "DAS")', () => {
  it('SDM example: 79h + 35h = AEh, DAA -> 14h with CF=1, AF=1', () => {
    // ADD AL, BL with AL=79h BL=35h leaves AL=AEh and CF=AF=0.
    const c = run([0x27], 0xae);
    expect(c.reg8[0]).toBe(0x14);
    expect(status(c)).toBe(FLAG_CF | FLAG_AF | FLAG_PF);
  });

  it('DAA after a half-carry: 29h + 19h = 42h (AF=1) -> 48h', () => {
    const c = run([0x27], 0x42, FLAG_AF);
    expect(c.reg8[0]).toBe(0x48);
    expect(status(c)).toBe(FLAG_AF | FLAG_PF);
  });

  it('DAA leaves AH alone and sets ZF for 00h (99h + 01h = 9Ah -> 00h, CF=1)', () => {
    const c = run([0x27], 0x1234569a);
    expect(c.reg32[EAX]).toBe(0x12345600);
    expect(status(c)).toBe(FLAG_CF | FLAG_AF | FLAG_ZF | FLAG_PF);
  });

  it('SDM example: 35h - 47h = EEh (CF=AF=1), DAS -> 88h with CF=1, AF=1', () => {
    const c = run([0x2f], 0xee, FLAG_CF | FLAG_AF);
    expect(c.reg8[0]).toBe(0x88);
    expect(status(c)).toBe(FLAG_CF | FLAG_AF | FLAG_SF | FLAG_PF);
  });

  it('DAS: the borrow of AL - 6 sets CF even when the high adjustment is not needed', () => {
    // AL=03h with AF=1: 03h - 6 borrows -> FDh; old AL <= 99h and old CF = 0: no -60h.
    const c = run([0x2f], 0x03, FLAG_AF);
    expect(c.reg8[0]).toBe(0xfd);
    expect(status(c) & (FLAG_CF | FLAG_AF)).toBe(FLAG_CF | FLAG_AF);
  });

  it('host-observed: OF is cleared', () => {
    // 7Ah -> 80h crosses into negative; OF would be set by an ADD but DAA clears it.
    const c = run([0x27], 0x7a, FLAG_OF);
    expect(c.reg8[0]).toBe(0x80);
    expect(status(c) & FLAG_OF).toBe(0);
  });
});

describe('AAA/AAS (SDM Vol. 2A "AAA", "AAS")', () => {
  it('AAA after 08h + 09h = 11h (AF=1): AX 0011h -> 0107h, CF=AF=1', () => {
    const c = run([0x37], 0x0011, FLAG_AF);
    expect(c.reg16[0]).toBe(0x0107);
    expect(status(c) & (FLAG_CF | FLAG_AF)).toBe(FLAG_CF | FLAG_AF);
  });

  it('AAA with no adjustment clears CF/AF and the high nibble of AL', () => {
    const c = run([0x37], 0x0535, FLAG_CF);
    expect(c.reg16[0]).toBe(0x0505);
    expect(status(c) & (FLAG_CF | FLAG_AF)).toBe(0);
  });

  it('AAA adds 106h to AX as a whole on P6 (AL=FFh carries into AH twice)', () => {
    const c = run([0x37], 0x00ff);
    expect(c.reg16[0]).toBe(0x0205);
  });

  it('AAS after 02h - 08h = FAh (AF=1): AX 01FAh -> 0004h (AH decremented)', () => {
    const c = run([0x3f], 0x01fa, FLAG_AF);
    // AX - 6 = 01F4h, AH - 1 -> 00F4h, AL AND 0Fh -> 0004h.
    expect(c.reg16[0]).toBe(0x0004);
    expect(status(c) & (FLAG_CF | FLAG_AF)).toBe(FLAG_CF | FLAG_AF);
  });

  it('AAS subtracts 6 from AX as a whole on P6: AX 0200h with AF=1 -> 000Ah', () => {
    // AX - 6 = 01FAh (the borrow reaches AH), AH - 1 -> 00FAh, AL AND 0Fh -> 000Ah.
    const c = run([0x3f], 0x0200, FLAG_AF);
    expect(c.reg16[0]).toBe(0x000a);
  });

  it('host-observed: ZF/PF from the final AL, SF = OF = 0', () => {
    const c = run([0x37], 0x0030, FLAG_SF | FLAG_OF);
    expect(c.reg16[0]).toBe(0x0000);
    expect(status(c)).toBe(FLAG_ZF | FLAG_PF);
  });
});

describe('AAM/AAD (SDM Vol. 2A "AAM", "AAD")', () => {
  it('AAM: AL=3Fh (63) -> AH=6, AL=3', () => {
    const c = run([0xd4, 0x0a], 0x3f, FLAG_CF | FLAG_AF | FLAG_OF);
    expect(c.reg16[0]).toBe(0x0603);
    // SF/ZF/PF from AL; CF/AF/OF are undefined and the host clears them.
    expect(status(c)).toBe(FLAG_PF);
  });

  it('AAM with another base: AL=FFh, base 16 -> AH=0Fh, AL=0Fh', () => {
    const c = run([0xd4, 0x10], 0xff);
    expect(c.reg16[0]).toBe(0x0f0f);
  });

  it('AAM 0 raises #DE', () => {
    const c = flatMachine();
    c.reg32[EAX] = 0x1234;
    runCode(c, [0xd4, 0x00]);
    expect(c.exceptionCounts[VEC_DE]).toBe(1);
    expect(c.reg32[EAX]).toBe(0x1234);
  });

  it('AAD: AX=0603h -> AX=003Fh', () => {
    const c = run([0xd5, 0x0a], 0x0603);
    expect(c.reg16[0]).toBe(0x003f);
    expect(status(c)).toBe(FLAG_PF);
  });

  it('AAD with base FFh; host-observed CF/AF/OF as for ADD AL, AH*imm8', () => {
    // AH*FFh = FFh, 01h + FFh = 100h: AL=00h, CF=1, AF=1, ZF=1, PF=1
    const c = run([0xd5, 0xff], 0x0101);
    expect(c.reg16[0]).toBe(0x0000);
    expect(status(c)).toBe(FLAG_CF | FLAG_AF | FLAG_ZF | FLAG_PF);
  });
});
