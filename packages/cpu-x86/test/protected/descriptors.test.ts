/**
 * Descriptor instructions and loads (Intel SDM Vol. 2 "LAR", "LSL", "VERR/
 * VERW", "ARPL", "LTR", "LLDT", "STR", "SLDT"; Vol. 3A 3.4-3.5): results, ZF,
 * visibility rules, accessed/busy bits, and the faults of LTR/LLDT.
 */
import { describe, expect, it } from 'vitest';
import { DS } from '../../src/constants.js';
import {
  asm, CODE0, CODE1, CODE3, codeSeg, dataSeg, gate, GATE_CALL32, GATE_INT32, KCODE, KDATA, LDT_BASE, ldtDesc,
  ProtectedMachine, tssDesc, UDATA,
} from '../support/protected-machine.js';

const ZF = 0x40;

/** Runs `mov ecx, sel; mov eax, 0xdeadbeef; <insn>; pushfd; pop edx; int 0x80` at `ring`. */
function probe(m: ProtectedMachine, ring: 0 | 1 | 3, insn: number[], sel: number): { eax: number; zf: boolean } {
  const addr = ring === 0 ? CODE0 : ring === 1 ? CODE1 : CODE3;
  m.code(addr, [...asm.movRegImm(1, sel), ...asm.movEaxImm(0xdeadbeef), ...insn, 0x9c, 0x5a, 0xcd, 0x80]);
  m.enter(ring, addr);
  m.expectVector(0x80);
  return { eax: m.cpu.reg32[0] >>> 0, zf: (m.cpu.reg32[2] & ZF) !== 0 };
}

const LAR = [0x0f, 0x02, 0xc1]; // lar eax, cx
const LSL = [0x0f, 0x03, 0xc1]; // lsl eax, cx
const VERR = [0x0f, 0x00, 0xe1]; // verr cx
const VERW = [0x0f, 0x00, 0xe9]; // verw cx

describe('LAR', () => {
  const cases: [string, 0 | 1 | 3, number, ((m: ProtectedMachine) => void) | null, number | null][] = [
    ['flat ring-0 code', 0, KCODE, null, 0x00cf9a00],
    ['the busy 32-bit TSS', 0, 0x38, null, 0x00008b00],
    ['a call gate', 3, 0x43, (m) => m.setGdt(8, gate(GATE_CALL32, KCODE, 0x12345678, 3, { params: 2 })), 0x0034ec00],
    ['an LDT descriptor', 0, 0x40, (m) => m.setGdt(8, ldtDesc(0x123456, 0xff)), 0x00008200],
    ['an interrupt gate (not valid for LAR)', 0, 0x40, (m) => m.setGdt(8, gate(GATE_INT32, KCODE, 0, 0)), null],
    ['DPL-0 data from ring 3', 3, KDATA, null, null],
    ['DPL-0 data with RPL 3 at ring 0', 0, KDATA | 3, null, null],
    ['DPL-0 conforming code from ring 3', 3, 0x43, (m) => m.setGdt(8, codeSeg(0, { conforming: true })), 0x00cf9e00],
    ['the null selector', 0, 0, null, null],
    ['a selector beyond the GDT limit', 0, 0x3ff8, null, null],
    ['an LDT selector with no LDT', 0, 0x0c, null, null],
  ];
  for (const [name, ring, sel, setup, expected] of cases) {
    it(`${name}: ${expected === null ? 'ZF=0, destination unchanged' : 'ZF=1 and the access rights'}`, () => {
      const m = new ProtectedMachine();
      setup?.(m);
      const r = probe(m, ring, LAR, sel);
      expect(r.zf).toBe(expected !== null);
      expect(r.eax).toBe(expected ?? 0xdeadbeef);
    });
  }
});

describe('LSL', () => {
  const cases: [string, number, ((m: ProtectedMachine) => void) | null, number | null][] = [
    ['page-granular 4 GiB', KDATA, null, 0xffffffff],
    ['byte-granular', 0x40, (m) => m.setGdt(8, dataSeg(0, { limit: 0xfff, g: false })), 0xfff],
    ['page-granular raw 3', 0x40, (m) => m.setGdt(8, dataSeg(0, { limit: 3, g: true })), 0x3fff],
    ['the TSS', 0x38, null, 0x67],
    ['a call gate (not valid for LSL)', 0x40, (m) => m.setGdt(8, gate(GATE_CALL32, KCODE, 0, 0)), null],
  ];
  for (const [name, sel, setup, expected] of cases) {
    it(`${name}`, () => {
      const m = new ProtectedMachine();
      setup?.(m);
      const r = probe(m, 0, LSL, sel);
      expect(r.zf).toBe(expected !== null);
      expect(r.eax).toBe(expected ?? 0xdeadbeef);
    });
  }
});

describe('VERR / VERW', () => {
  const cases: [string, 0 | 3, number, ((m: ProtectedMachine) => void) | null, boolean, boolean][] = [
    ['writable data', 0, KDATA, null, true, true],
    ['readable code', 0, KCODE, null, true, false],
    ['execute-only code', 0, 0x40, (m) => m.setGdt(8, codeSeg(0, { readable: false })), false, false],
    ['read-only data', 0, 0x40, (m) => m.setGdt(8, dataSeg(0, { writable: false })), true, false],
    ['DPL-0 data from ring 3', 3, KDATA | 3, null, false, false],
    ['DPL-3 data from ring 3', 3, UDATA, null, true, true],
    ['readable conforming DPL-0 code from ring 3', 3, 0x43, (m) => m.setGdt(8, codeSeg(0, { conforming: true })), true, false],
    ['a TSS', 0, 0x38, null, false, false],
    ['null', 0, 0, null, false, false],
  ];
  for (const [name, ring, sel, setup, r, w] of cases) {
    it(`${name}: VERR ${r}, VERW ${w}`, () => {
      const m1 = new ProtectedMachine();
      setup?.(m1);
      expect(probe(m1, ring, VERR, sel).zf).toBe(r);
      const m2 = new ProtectedMachine();
      setup?.(m2);
      expect(probe(m2, ring, VERW, sel).zf).toBe(w);
    });
  }
});

describe('ARPL', () => {
  it('raises the destination RPL to the source RPL and sets ZF; otherwise clears ZF', () => {
    const m = new ProtectedMachine();
    // mov eax,0x10; mov ecx,0x33; arpl ax,cx; pushfd; pop ebx; mov ecx,0x11; arpl ax,cx; pushfd; pop edx; int 0x80
    m.code(CODE3, [
      ...asm.movEaxImm(0x10), ...asm.movRegImm(1, 0x33), 0x63, 0xc8, 0x9c, 0x5b,
      ...asm.movRegImm(1, 0x11), 0x63, 0xc8, 0x9c, 0x5a, 0xcd, 0x80,
    ]);
    m.enter(3, CODE3);
    m.expectVector(0x80);
    expect(m.cpu.reg32[0]).toBe(0x13);
    expect(m.cpu.reg32[3] & ZF).toBe(ZF);
    expect(m.cpu.reg32[2] & ZF).toBe(0);
  });
});

describe('LTR / STR', () => {
  it('LTR loads TR from an available TSS and marks it busy; STR reads the selector', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, tssDesc(0x6000, 0x67));
    // mov ecx,0x40; ltr cx; str eax; int 0x80
    m.code(CODE0, [...asm.movRegImm(1, 0x40), 0x0f, 0x00, 0xd9, 0x0f, 0x00, 0xc8, 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.expectVector(0x80);
    expect(m.gdtAccess(8)).toBe(0x8b);
    expect(m.cpu.trSel).toBe(0x40);
    expect(m.cpu.trBase).toBe(0x6000);
    expect(m.cpu.trLimit).toBe(0x67);
    expect(m.cpu.reg32[0] & 0xffff).toBe(0x40);
    expect(m.gdtAccess(7)).toBe(0x8b); // LTR leaves the old TSS busy
  });

  const faults: [string, number, ((m: ProtectedMachine) => void) | null, number, number][] = [
    ['a busy TSS', 0x38, null, 13, 0x38],
    ['a not-present TSS', 0x40, (m) => m.setGdt(8, tssDesc(0x6000, 0x67, { present: false })), 11, 0x40],
    ['a data segment', KDATA, null, 13, KDATA],
    ['a selector with TI set', 0x44, null, 13, 0x44],
    ['the null selector', 0, null, 13, 0],
  ];
  for (const [name, sel, setup, vector, error] of faults) {
    it(`LTR of ${name} faults`, () => {
      const m = new ProtectedMachine();
      setup?.(m);
      m.exec(0, [...asm.movRegImm(1, sel), 0x0f, 0x00, 0xd9]);
      expect(m.vector).toBe(vector);
      expect(m.frame().error).toBe(error);
      expect(m.cpu.trSel).toBe(0x38);
    });
  }
});

describe('LLDT / SLDT and LDT selectors', () => {
  it('LLDT loads the LDT; a TI=1 selector then finds its descriptor there', () => {
    const m = new ProtectedMachine();
    m.setGdt(9, ldtDesc(LDT_BASE, 0xff));
    m.setLdt(1, dataSeg(0, { base: 0x40000 }));
    m.mem.write32(0x40010, 0xcafef00d);
    // mov ecx,0x48; lldt cx; mov eax,0x0c; mov ds,ax; mov ebx,[0x10]; sldt eax; int 0x80
    m.code(CODE0, [
      ...asm.movRegImm(1, 0x48), 0x0f, 0x00, 0xd1, ...asm.movEaxImm(0x0c), ...asm.movSregAx(DS),
      0x8b, 0x1d, 0x10, 0, 0, 0, 0x0f, 0x00, 0xc0, 0xcd, 0x80,
    ]);
    m.enter(0, CODE0);
    m.expectVector(0x80);
    expect(m.cpu.ldtrSel).toBe(0x48);
    expect(m.cpu.ldtrBase).toBe(LDT_BASE);
    expect(m.cpu.ldtrLimit).toBe(0xff);
    expect(m.cpu.reg32[3] >>> 0).toBe(0xcafef00d);
    expect(m.cpu.reg32[0] & 0xffff).toBe(0x48);
    expect(m.cpu.segBase[DS]).toBe(0x40000);
  });

  it('LLDT of a non-LDT descriptor is #GP(selector); of a not-present LDT #NP(selector)', () => {
    const m = new ProtectedMachine();
    m.exec(0, [...asm.movRegImm(1, 0x38), 0x0f, 0x00, 0xd1]);
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0x38);
    const m2 = new ProtectedMachine();
    m2.setGdt(9, ldtDesc(LDT_BASE, 0xff, false));
    m2.exec(0, [...asm.movRegImm(1, 0x48), 0x0f, 0x00, 0xd1]);
    expect(m2.vector).toBe(11);
    expect(m2.frame().error).toBe(0x48);
  });

  it('with a null LDTR, loading a TI=1 selector is #GP(selector)', () => {
    const m = new ProtectedMachine();
    m.exec(0, [...asm.movEaxImm(0x0c), ...asm.movSregAx(DS)]);
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0x0c);
  });

  it('a TI=1 selector beyond the LDT limit is #GP(selector)', () => {
    const m = new ProtectedMachine();
    m.useLdt(9, 2);
    m.exec(0, [...asm.movEaxImm(0x14), ...asm.movSregAx(DS)]);
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0x14);
  });
});

describe('segment loads', () => {
  it('MOV DS sets the accessed bit of the descriptor and loads base and limit', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, dataSeg(0, { base: 0x123000, limit: 0x1ff, g: false }));
    expect(m.gdtAccess(8)).toBe(0x92);
    m.exec(0, [...asm.movEaxImm(0x40), ...asm.movSregAx(DS), 0xcd, 0x80]);
    expect(m.vector).toBe(0x80);
    expect(m.gdtAccess(8)).toBe(0x93);
    expect(m.cpu.segBase[DS]).toBe(0x123000);
    expect(m.cpu.segLimit[DS]).toBe(0x1ff);
  });

  it('a readable code segment may be loaded into DS (and read, not written)', () => {
    const m = new ProtectedMachine();
    m.mem.write32(0x40000, 0x55aa55aa);
    m.exec(0, [...asm.movEaxImm(KCODE), ...asm.movSregAx(DS), ...asm.movEaxMem(0x40000), ...asm.movMemEax(0x40004)]);
    expect(m.vector).toBe(13);
    expect(m.frame().eip).toBe(CODE0 + 12);
    expect(m.cpu.reg32[0]).toBe(0x55aa55aa);
  });
});
