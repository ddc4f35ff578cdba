/**
 * The LOCK prefix (Intel SDM Vol. 2A "LOCK"): allowed only on ADD ADC AND BTC
 * BTR BTS CMPXCHG CMPXCHG8B DEC INC NEG NOT OR SBB SUB XOR XADD XCHG with a
 * memory destination; #UD otherwise.
 */
import { describe, expect, it } from 'vitest';
import { CPU_FAULT } from '../../src/cpu.js';
import { checkLockable } from '../../src/protected/lock-prefix.js';
import { asm, CODE0, ProtectedMachine, le32 } from '../support/protected-machine.js';

/** Calls checkLockable with EIP just past an F0 at CODE0; returns the vector raised, or -1. */
function check(bytes: number[]): number {
  const m = new ProtectedMachine();
  const c = m.cpu;
  m.code(CODE0, [0xf0, ...bytes]);
  c.instrStart = CODE0;
  c.eip = CODE0 + 1;
  let vector = -1;
  try {
    checkLockable(c);
  } catch (e) {
    if (e !== CPU_FAULT) throw e;
    vector = c.excVector;
  }
  expect(c.eip).toBe(CODE0 + 1); // nothing consumed
  return vector;
}

const LOCKABLE: [string, number[]][] = [
  ['ADD Eb,Gb', [0x00, 0x00]], ['ADD Ev,Gv', [0x01, 0x00]], ['OR Ev,Gv', [0x09, 0x18]], ['ADC Eb,Gb', [0x10, 0x00]],
  ['SBB Ev,Gv', [0x19, 0x00]], ['AND Eb,Gb', [0x20, 0x00]], ['SUB Ev,Gv', [0x29, 0x00]], ['XOR Ev,Gv', [0x31, 0x00]],
  ['ADD Eb,Ib (80 /0)', [0x80, 0x00, 0x01]], ['OR Ev,Iz (81 /1)', [0x81, 0x08, 1, 0, 0, 0]],
  ['ADC Eb,Ib (82 /2)', [0x82, 0x10, 0x01]], ['XOR Ev,Ib (83 /6)', [0x83, 0x30, 0x01]],
  ['XCHG Eb,Gb', [0x86, 0x00]], ['XCHG Ev,Gv', [0x87, 0x00]],
  ['NOT Eb', [0xf6, 0x10]], ['NEG Ev', [0xf7, 0x18]], ['INC Eb', [0xfe, 0x00]], ['DEC Ev', [0xff, 0x08]],
  ['BTS Ev,Gv', [0x0f, 0xab, 0x00]], ['BTR Ev,Gv', [0x0f, 0xb3, 0x00]], ['BTC Ev,Gv', [0x0f, 0xbb, 0x00]],
  ['BTS Ev,Ib', [0x0f, 0xba, 0x28, 1]], ['BTR Ev,Ib', [0x0f, 0xba, 0x30, 1]], ['BTC Ev,Ib', [0x0f, 0xba, 0x38, 1]],
  ['XADD Eb,Gb', [0x0f, 0xc0, 0x00]], ['XADD Ev,Gv', [0x0f, 0xc1, 0x00]],
  ['CMPXCHG Eb,Gb', [0x0f, 0xb0, 0x00]], ['CMPXCHG Ev,Gv', [0x0f, 0xb1, 0x00]], ['CMPXCHG8B Mq', [0x0f, 0xc7, 0x08]],
  ['ADD with SIB and disp32', [0x01, 0x84, 0x24, ...le32(0x100)]],
  ['after an operand-size prefix', [0x66, 0x01, 0x00]],
  ['after segment and operand-size prefixes', [0x2e, 0x66, 0x87, 0x00]],
  ['after REP', [0xf3, 0x01, 0x00]],
];

const NOT_LOCKABLE: [string, number[]][] = [
  ['ADD Ev,Gv register form', [0x01, 0xc0]], ['ADD Gv,Ev (register destination)', [0x03, 0x00]],
  ['CMP Ev,Gv', [0x39, 0x00]], ['CMP Eb,Ib (80 /7)', [0x80, 0x38, 0x01]], ['ADD Ev,Iz register form', [0x81, 0xc0, 1, 0, 0, 0]],
  ['XCHG register form', [0x87, 0xc0]], ['XCHG EAX,ECX (91)', [0x91]],
  ['TEST Ev,Iz (F7 /0)', [0xf7, 0x00, 1, 0, 0, 0]], ['MUL Eb (F6 /4)', [0xf6, 0x20]], ['NOT register form', [0xf7, 0xd0]],
  ['CALL Ev (FF /2)', [0xff, 0x10]], ['PUSH Ev (FF /6)', [0xff, 0x30]], ['INC register form', [0xfe, 0xc0]],
  ['INC EAX (40)', [0x40]],
  ['BT Ev,Gv', [0x0f, 0xa3, 0x00]], ['BT Ev,Ib (0F BA /4)', [0x0f, 0xba, 0x20, 1]],
  ['CMPXCHG8B register form', [0x0f, 0xc7, 0xc8]], ['0F C7 /0', [0x0f, 0xc7, 0x00]],
  ['MOV Ev,Gv', [0x89, 0x00]], ['NOP', [0x90]], ['UD2', [0x0f, 0x0b]], ['MOV CR0 (0F 22)', [0x0f, 0x22, 0xc0]],
  ['register form after 66', [0x66, 0x01, 0xc0]],
];

describe('checkLockable', () => {
  for (const [name, bytes] of LOCKABLE) {
    it(`allows LOCK ${name}`, () => expect(check(bytes)).toBe(-1));
  }
  for (const [name, bytes] of NOT_LOCKABLE) {
    it(`rejects LOCK ${name} with #UD`, () => expect(check(bytes)).toBe(6));
  }
});

describe('LOCK through the decoder (needs checkLockable called from the F0 prefix handler)', () => {
  it('LOCK ADD [mem], EAX executes', () => {
    const m = new ProtectedMachine();
    m.mem.write32(0x40000, 5);
    m.exec(0, [...asm.movEaxImm(3), 0xf0, 0x01, 0x05, ...le32(0x40000), 0xcd, 0x80]);
    expect(m.vector).toBe(0x80);
    expect(m.mem.read32(0x40000)).toBe(8);
  });

  it('LOCK ADD EAX, EAX is #UD at the LOCK prefix', () => {
    const m = new ProtectedMachine();
    m.exec(0, [...asm.movEaxImm(3), 0xf0, 0x01, 0xc0]);
    expect(m.vector).toBe(6);
    expect(m.frame().eip).toBe(CODE0 + 5);
    expect(m.cpu.reg32[0]).toBe(3);
  });
});
