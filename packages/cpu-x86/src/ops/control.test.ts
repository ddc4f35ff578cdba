/**
 * Control transfer (Intel SDM Vol. 2A "Jcc", "JMP", "CALL", "LOOP/LOOPcc",
 * "INT n/INTO/INT3", "IRET", Vol. 2B "RET"; Vol. 3A 20.1.4 for interrupts in
 * real-address mode). Jcc conditions follow the SDM's Jcc table (and Vol. 1
 * appendix B, "EFLAGS Condition Codes"); the flags are produced by real ALU
 * instructions and by POPFD.
 */
import { describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import {
  CS, EAX, EBX, ECX, EDX, ESI, ESP, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_FIXED, VEC_GP, VEC_UD,
} from '../constants.js';
import { CODE_BASE, flatMachine, runCode } from '../../test/support/flat-machine.js';
import {
  CODE0, codeSeg, FIRST_FREE_INDEX, KCODE, ProtectedMachine, STACK0, le16, le32,
} from '../../test/support/protected-machine.js';
import { CODE_SEG, RealMachine, STACK_SEG, STACK_TOP, STUB_SEG } from '../../test/support/real-machine.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
const FLAG_TF = 0x100, FLAG_IF = 0x200, FLAG_AC = 0x40000;

function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

let shared: Cpu | null = null;
function flat(): Cpu {
  shared ??= flatMachine();
  const c = shared;
  for (let r = 0; r < 8; r++) c.reg32[r] = 0;
  c.reg32[ESP] = 0x8000;
  c.setEflags(FLAGS_FIXED);
  c.halted = false;
  for (let s = 0; s < 6; s++) {
    if (s === CS) c.setSegmentCache(s, 0x08, 0, 0xffffffff, 0xc09b);
    else c.setSegmentCache(s, 0x10, 0, 0xffffffff, 0xc093);
  }
  return c;
}

function run(c: Cpu, code: number[]): void {
  const stop = runCode(c, code);
  if (stop !== StopReason.Halt || c.eip !== CODE_BASE + code.length + 1) {
    throw new Error(`stop ${stop} at ${c.eip.toString(16)} running ${hex(code)}`);
  }
}

// --- Conditions --------------------------------------------------------------------

const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

/** The SDM's Jcc table: whether condition `cc` holds for EFLAGS `f`. */
function holds(cc: number, f: number): boolean {
  const of = (f & FLAG_OF) !== 0, cf = (f & FLAG_CF) !== 0, zf = (f & FLAG_ZF) !== 0, sf = (f & FLAG_SF) !== 0, pf = (f & FLAG_PF) !== 0;
  const base = [of, cf, zf, cf || zf, sf, pf, sf !== of, zf || sf !== of][cc >> 1];
  return (cc & 1) === 0 ? base : !base;
}

function parityEven(v: number): boolean {
  let n = 0;
  for (let b = v & 0xff; b; b >>= 1) n += b & 1;
  return n % 2 === 0;
}

/** Flags of CMP a, b (32-bit) from the arithmetic meaning of the comparison. */
function cmpFlags(a: number, b: number): number {
  const r = (a - b) >>> 0;
  const sa = a | 0, sb = b | 0;
  const exact = sa - sb;
  return (
    (a >>> 0 < b >>> 0 ? FLAG_CF : 0) | (r === 0 ? FLAG_ZF : 0) | (r >= 0x80000000 ? FLAG_SF : 0) |
    (exact !== (r | 0) ? FLAG_OF : 0) | (parityEven(r) ? FLAG_PF : 0)
  );
}

/** Flags of ADD a, b (32-bit). */
function addFlags(a: number, b: number): number {
  const full = (a >>> 0) + (b >>> 0);
  const r = full >>> 0;
  const exact = (a | 0) + (b | 0);
  return (
    (full > 0xffffffff ? FLAG_CF : 0) | (r === 0 ? FLAG_ZF : 0) | (r >= 0x80000000 ? FLAG_SF : 0) |
    (exact !== (r | 0) ? FLAG_OF : 0) | (parityEven(r) ? FLAG_PF : 0)
  );
}

type JccForm = 'short' | 'near32' | 'near16' | 'short66';

/** For each cc: Jcc over a 6-byte `lea esi, [esi + 2^cc]`; ESI ends with the bits of the conditions NOT taken. */
function conditionProbe(form: JccForm): number[] {
  const out: number[] = [];
  for (let cc = 0; cc < 16; cc++) {
    if (form === 'short') out.push(0x70 + cc, 6);
    else if (form === 'short66') out.push(0x66, 0x70 + cc, 6);
    else if (form === 'near32') out.push(0x0f, 0x80 + cc, ...le32(6));
    else out.push(0x66, 0x0f, 0x80 + cc, ...le16(6));
    out.push(0x8d, 0xb6, ...le32(1 << cc));
  }
  return out;
}

interface Prologue {
  text: string;
  code: number[];
  regs: Partial<Record<number, number>>;
  flagsIn?: number;
  /** The status flags the prologue leaves. */
  flags: number;
}

function prologues(): Prologue[] {
  const out: Prologue[] = [];
  const values = [0, 1, 2, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678, 0x000000ff];
  for (const a of values) {
    for (const b of values) {
      out.push({ text: `cmp ${a.toString(16)}, ${b.toString(16)}`, code: [0x39, 0xd8], regs: { [EAX]: a, [EBX]: b }, flags: cmpFlags(a, b) });
    }
  }
  for (const [a, b] of [[1, 0xffffffff], [0x7fffffff, 1], [0x80000000, 0x80000000], [3, 4], [0xff, 1]]) {
    out.push({ text: `add ${a.toString(16)}, ${b.toString(16)}`, code: [0x01, 0xd8], regs: { [EAX]: a, [EBX]: b }, flags: addFlags(a, b) });
  }
  // test eax, ebx: CF = OF = 0, SF ZF PF from the AND (AF undefined: not a condition input).
  for (const [a, b] of [[0xf0, 0x0f], [0x80000000, 0xffffffff], [3, 1]]) {
    const r = (a & b) >>> 0;
    const flags = (r === 0 ? FLAG_ZF : 0) | (r >= 0x80000000 ? FLAG_SF : 0) | (parityEven(r) ? FLAG_PF : 0);
    out.push({ text: `test ${a.toString(16)}, ${b.toString(16)}`, code: [0x85, 0xd8], regs: { [EAX]: a, [EBX]: b }, flags });
  }
  // inc/dec keep CF: stc; inc eax (EAX = 7FFFFFFF) -> OF SF PF AF, CF; clc; dec eax (EAX = 0) -> SF PF AF, no CF.
  out.push({ text: 'stc; inc 7fffffff', code: [0xf9, 0x40], regs: { [EAX]: 0x7fffffff }, flags: FLAG_CF | FLAG_OF | FLAG_SF | FLAG_PF });
  out.push({ text: 'clc; dec 0', code: [0xf8, 0x48], regs: { [EAX]: 0 }, flags: FLAG_SF | FLAG_PF });
  out.push({ text: 'stc; dec 1', code: [0xf9, 0x48], regs: { [EAX]: 1 }, flags: FLAG_CF | FLAG_ZF | FLAG_PF });
  // 8- and 16-bit compares: the flags come from the operand size, not from 32-bit arithmetic.
  out.push({ text: 'cmp al, 80h with AL=7Fh', code: [0x3c, 0x80], regs: { [EAX]: 0x7f }, flags: FLAG_CF | FLAG_OF | FLAG_SF | FLAG_PF });
  out.push({ text: 'cmp ax, 1 with AX=8000h', code: [0x66, 0x83, 0xf8, 0x01], regs: { [EAX]: 0x8000 }, flags: FLAG_OF | FLAG_PF });
  // Every combination of OF SF ZF PF CF through POPFD (non-lazy flags).
  for (let i = 0; i < 32; i++) {
    const f = (i & 1 ? FLAG_CF : 0) | (i & 2 ? FLAG_PF : 0) | (i & 4 ? FLAG_ZF : 0) | (i & 8 ? FLAG_SF : 0) | (i & 16 ? FLAG_OF : 0);
    out.push({ text: `popfd ${f.toString(16)}`, code: [0x68, ...le32(FLAGS_FIXED | f), 0x9d], regs: {}, flags: f });
  }
  return out;
}

describe('Jcc: all 16 conditions', () => {
  for (const form of ['short', 'near32', 'near16', 'short66'] as JccForm[]) {
    it(`${form} form, after CMP/ADD/TEST/INC/DEC and for all 32 flag combinations from POPFD`, () => {
      const probe = conditionProbe(form);
      const bad: string[] = [];
      for (const p of prologues()) {
        const c = flat();
        for (const [r, v] of Object.entries(p.regs)) c.reg32[Number(r)] = v!;
        c.setEflags(FLAGS_FIXED | (p.flagsIn ?? 0));
        run(c, [...p.code, ...probe]);
        const notTaken = c.reg32[ESI];
        for (let cc = 0; cc < 16; cc++) {
          const taken = (notTaken & (1 << cc)) === 0;
          if (taken !== holds(cc, p.flags)) bad.push(`${p.text}: j${CC_NAMES[cc]} ${taken ? 'taken' : 'not taken'}`);
        }
      }
      expect(bad.slice(0, 12)).toEqual([]);
    });
  }

  it('after CMP, the conditions mean what the SDM says: B/A unsigned, L/G signed', () => {
    const values = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 5];
    for (const a of values) {
      for (const b of values) {
        const f = cmpFlags(a, b);
        expect(holds(2, f)).toBe(a >>> 0 < b >>> 0);
        expect(holds(7, f)).toBe(a >>> 0 > b >>> 0);
        expect(holds(12, f)).toBe((a | 0) < (b | 0));
        expect(holds(15, f)).toBe((a | 0) > (b | 0));
        expect(holds(14, f)).toBe((a | 0) <= (b | 0));
        expect(holds(4, f)).toBe(a === b);
      }
    }
  });

  it('a backward Jcc loop (dec ecx; jnz) runs the expected number of times', () => {
    const c = flat();
    c.reg32[ECX] = 10;
    run(c, [0x40, 0x49, 0x75, 0xfc]); // L: inc eax; dec ecx; jnz L
    expect(c.reg32[EAX]).toBe(10);
    expect(c.reg32[ECX]).toBe(0);
  });
});

describe('JMP, CALL and RET (near)', () => {
  it('E8 pushes the address of the next instruction; C3 returns to it; C2 imm16 also releases imm16 bytes', () => {
    const c = flat();
    // call +5 (to the ret 8); mov ebx, esp; hlt ... ret 8
    const code = [0xe8, ...le32(3), 0x89, 0xe3, 0xf4, 0xc2, 0x08, 0x00];
    c.mem.load(CODE_BASE, Uint8Array.from(code));
    c.eip = CODE_BASE;
    expect(c.run(100)).toBe(StopReason.Halt);
    expect(c.eip).toBe(CODE_BASE + 8);
    expect(c.reg32[EBX]).toBe(0x8000 + 8);
    expect(c.mem.read32(0x7ffc)).toBe(CODE_BASE + 5);
  });

  it('JMP rel8/rel32 forward and backward', () => {
    const c = flat();
    // jmp +2; hlt; hlt; jmp +5 (rel32) over 5 bytes; ...; inc eax
    run(c, [0xeb, 0x01, 0xf4, 0xe9, ...le32(1), 0xf4, 0x40]);
    expect(c.reg32[EAX]).toBe(1);
  });

  it('FF /2 and FF /4 through a register and through memory', () => {
    const c = flat();
    c.mem.write32(0x3000, CODE_BASE + 0x20);
    c.reg32[EBX] = CODE_BASE + 0x10;
    c.mem.load(CODE_BASE, Uint8Array.from([0xff, 0xd3, 0xf4])); // call ebx
    c.mem.load(CODE_BASE + 0x10, Uint8Array.from([0xff, 0x25, ...le32(0x3000)])); // jmp [0x3000]
    c.mem.load(CODE_BASE + 0x20, Uint8Array.from([0xff, 0x15, ...le32(0x3004), 0xf4])); // call [0x3004]; hlt
    c.mem.write32(0x3004, CODE_BASE + 0x30);
    c.mem.load(CODE_BASE + 0x30, Uint8Array.from([0x40, 0xc3])); // inc eax; ret
    c.eip = CODE_BASE;
    expect(c.run(100)).toBe(StopReason.Halt);
    expect(c.eip).toBe(CODE_BASE + 0x20 + 6 + 1);
    expect(c.reg32[EAX]).toBe(1);
    expect(c.reg32[ESP]).toBe(0x8000 - 4); // the first call's return address is still on the stack
    expect(c.mem.read32(0x7ffc)).toBe(CODE_BASE + 2);
  });

  it('66 FF /4 and 66 FF /2 in 32-bit code: the target is the zero-extended word; the call pushes a word', () => {
    const c = flat();
    c.reg32[EBX] = 0x12341020;
    c.mem.load(CODE_BASE, Uint8Array.from([0x66, 0xff, 0xe3])); // jmp bx
    c.mem.load(0x1020, Uint8Array.from([0x66, 0xff, 0xd6])); // call si
    c.reg32[ESI] = 0x56781030;
    c.mem.load(0x1030, Uint8Array.from([0xf4]));
    c.eip = CODE_BASE;
    expect(c.run(100)).toBe(StopReason.Halt);
    expect(c.eip).toBe(0x1031);
    expect(c.reg32[ESP]).toBe(0x8000 - 2);
    expect(c.mem.read16(0x7ffe)).toBe(0x1023);
  });

  it('FF /6 pushes, FF /0 and /1 increment and decrement memory', () => {
    const c = flat();
    c.mem.write32(0x3000, 41);
    run(c, [0xff, 0x05, ...le32(0x3000), 0xff, 0x05, ...le32(0x3000), 0xff, 0x0d, ...le32(0x3000), 0xff, 0x35, ...le32(0x3000)]);
    expect(c.mem.read32(0x3000)).toBe(42);
    expect(c.mem.read32(0x7ffc)).toBe(42);
  });

  it('16-bit operand size in 32-bit code: 66 E8 pushes a word and wraps the target to 16 bits; 66 C3 pops a word', () => {
    const c = flat();
    // At 0xFFF0: call rel16 +0x20 -> (0xFFF4 + 0x20) & 0xFFFF = 0x0014.
    c.mem.load(0xfff0, Uint8Array.from([0x66, 0xe8, ...le16(0x20), 0xf4]));
    c.mem.load(0x0014, Uint8Array.from([0x66, 0xc3]));
    c.eip = 0xfff0;
    expect(c.run(100)).toBe(StopReason.Halt);
    expect(c.eip).toBe(0xfff5);
    expect(c.reg32[ESP]).toBe(0x8000);
    expect(c.mem.read16(0x7ffe)).toBe(0xfff4);
  });

  it('66 E9 and 66 EB wrap the target to 16 bits; a 66 RET zero-extends the popped IP', () => {
    const c = flat();
    c.mem.load(0xfff0, Uint8Array.from([0x66, 0xe9, ...le16(0x20)]));
    c.mem.load(0x0014, Uint8Array.from([0x66, 0xeb, 0xe0])); // jmp short -0x20 from 0x0017 -> 0xFFF7
    c.mem.load(0xfff7, Uint8Array.from([0x40, 0xf4]));
    c.eip = 0xfff0;
    expect(c.run(100)).toBe(StopReason.Halt);
    expect(c.eip).toBe(0xfff9);
    expect(c.reg32[EAX]).toBe(1);
    c.reg32[ESP] = 0x7000;
    c.mem.write32(0x7000, 0x00011020); // only the word 1020h is the return IP
    c.mem.load(0x1020, Uint8Array.from([0xf4]));
    c.mem.load(CODE_BASE, Uint8Array.from([0x66, 0xc2, 0x04, 0x00])); // ret 4 (16-bit)
    c.eip = CODE_BASE;
    c.halted = false;
    expect(c.run(100)).toBe(StopReason.Halt);
    expect(c.eip).toBe(0x1021);
    expect(c.reg32[ESP]).toBe(0x7006);
  });

  it('real mode: a near call at IP FFF0h wraps IP, and RET imm16 returns past it', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.load(CODE_SEG, 0xfff0, [0xe8, ...le16(0x0010), 0x40, 0xf4]); // call -> (FFF3 + 10h) & FFFFh = 0003h
    m.load(CODE_SEG, 0x0003, [0xc2, 0x02, 0x00]); // ret 2
    m.enter(CODE_SEG, 0xfff0);
    c.reg32[ESP] = STACK_TOP;
    expect(m.run(100)).toBe(StopReason.Halt);
    expect(c.eip).toBe(0xfff5);
    expect(c.reg32[EAX]).toBe(1);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP + 2);
    expect(m.mem.read16(STACK_SEG * 16 + STACK_TOP - 2)).toBe(0xfff3);
  });

  it('FF /7 is #UD, and FF /3 or FF /5 with a register operand is #UD', () => {
    for (const code of [[0xff, 0xf8], [0xff, 0xd8], [0xff, 0xe8]]) {
      const m = new ProtectedMachine({ ramBytes: 2 << 20 });
      m.code(CODE0, code);
      m.enter(0, CODE0);
      expect(m.expectVector(VEC_UD).eip).toBe(CODE0);
    }
  });

  it('FF /3 and FF /5: far call and jump through m16:32 in protected mode; RETF returns', () => {
    const m = new ProtectedMachine({ ramBytes: 2 << 20 });
    m.mem.write32(0x100000, CODE0 + 0x40);
    m.mem.write16(0x100004, KCODE);
    m.mem.write32(0x100008, CODE0 + 0x80);
    m.mem.write16(0x10000c, KCODE);
    m.code(CODE0, [0xff, 0x1d, ...le32(0x100000), 0xf4]); // call far [0x100000]
    m.code(CODE0 + 0x40, [0xff, 0x2d, ...le32(0x100008)]); // jmp far [0x100008]
    m.code(CODE0 + 0x80, [0x8b, 0x1c, 0x24, 0x8b, 0x4c, 0x24, 0x04, 0xcb]); // mov ebx,[esp]; mov ecx,[esp+4]; retf
    m.enter(0, CODE0);
    expect(m.run()).toBe(StopReason.Halt);
    const c = m.cpu;
    expect(c.eip).toBe(CODE0 + 7);
    expect(c.reg32[EBX]).toBe(CODE0 + 6);
    expect(c.reg32[ECX] & 0xffff).toBe(KCODE);
    expect(c.reg32[ESP]).toBe(STACK0);
  });
});

describe('LOOP/LOOPE/LOOPNE/JECXZ', () => {
  it('loop counts ECX down to 0 without touching the flags', () => {
    const c = flat();
    c.reg32[ECX] = 5;
    c.setEflags(FLAGS_FIXED | FLAG_CF | FLAG_ZF);
    run(c, [0x42, 0xe2, 0xfd]); // L: inc edx; loop L
    expect(c.reg32[EDX]).toBe(5);
    expect(c.reg32[ECX]).toBe(0);
    expect(c.getEflags() & (FLAG_CF | FLAG_ZF)).toBe(FLAG_CF); // ZF from the last INC (EDX = 5): clear; CF kept by INC
  });

  /** Runs `prefix* op rel8=+1; hlt; hlt` and says whether the branch was taken. */
  function branch(c: Cpu, code: number[]): boolean {
    c.mem.load(CODE_BASE, Uint8Array.from([...code, 0x01, 0xf4, 0xf4]));
    c.eip = CODE_BASE;
    c.halted = false;
    expect(c.run(100)).toBe(StopReason.Halt);
    return c.eip === CODE_BASE + code.length + 3;
  }

  it('the counter is ECX with a 32-bit address size and CX with 67 (the upper half kept)', () => {
    const c = flat();
    c.reg32[ECX] = 0x10000;
    expect(branch(c, [0xe2])).toBe(true);
    expect(c.reg32[ECX]).toBe(0xffff);
    c.reg32[ECX] = 0x10001;
    expect(branch(c, [0x67, 0xe2])).toBe(false); // CX: 1 -> 0
    expect(c.reg32[ECX]).toBe(0x10000);
    expect(branch(c, [0x67, 0xe2])).toBe(true); // CX: 0 -> FFFF
    expect(c.reg32[ECX]).toBe(0x1ffff);
  });

  it('LOOPE needs count != 0 and ZF = 1; LOOPNE needs count != 0 and ZF = 0', () => {
    const c = flat();
    for (const [op, zf, ecx, taken] of [
      [0xe1, 1, 5, true], [0xe1, 0, 5, false], [0xe1, 1, 1, false], [0xe0, 0, 5, true], [0xe0, 1, 5, false], [0xe0, 0, 1, false],
    ] as const) {
      c.reg32[ECX] = ecx;
      c.setEflags(FLAGS_FIXED | (zf ? FLAG_ZF : 0));
      expect(branch(c, [op])).toBe(taken);
      expect(c.reg32[ECX]).toBe(ecx - 1);
      expect(c.getEflags() & FLAG_ZF).toBe(zf ? FLAG_ZF : 0);
    }
  });

  it('LOOPE sees a ZF produced lazily by CMP', () => {
    const c = flat();
    c.reg32[ECX] = 3;
    c.reg32[EAX] = 7;
    expect(branch(c, [0x83, 0xf8, 0x07, 0xe1])).toBe(true); // cmp eax, 7; loope
    c.reg32[ECX] = 3;
    expect(branch(c, [0x83, 0xf8, 0x06, 0xe1])).toBe(false);
  });

  it('JECXZ tests ECX, JCXZ (67 E3) tests CX; neither decrements', () => {
    const c = flat();
    c.reg32[ECX] = 0;
    expect(branch(c, [0xe3])).toBe(true);
    c.reg32[ECX] = 0x10000;
    expect(branch(c, [0xe3])).toBe(false);
    expect(branch(c, [0x67, 0xe3])).toBe(true);
    expect(c.reg32[ECX]).toBe(0x10000);
  });

  it('in 16-bit code LOOP uses CX and 67 LOOP uses ECX', () => {
    const m = new RealMachine();
    const c = m.cpu;
    c.reg32[ECX] = 0x30000;
    // mov ax, 0; L: inc ax; loop L (CX: 0 -> FFFF -> ... 0: 65536 iterations)
    expect(m.exec([0x31, 0xc0, 0x40, 0xe2, 0xfd], 300_000)).toBe(StopReason.Halt);
    expect(c.reg16[0]).toBe(0); // 65536 increments
    expect(c.reg32[ECX]).toBe(0x30000);
    c.reg32[ECX] = 0x10002;
    expect(m.exec([0x31, 0xc0, 0x40, 0x67, 0xe2, 0xfc], 300_000)).toBe(StopReason.Halt);
    expect(c.reg32[ECX]).toBe(0);
    expect(c.reg16[0]).toBe(2);
  });
});

// --- CS limit -------------------------------------------------------------------------

const LIMITED_CS = FIRST_FREE_INDEX * 8;
const LIMITED_BASE = 0x40000;

/** Ring-0 code in a CS with base 40000h and limit FFh; `code` is placed at offset `at`. */
function limitedCs(at: number, code: number[], ip = at): ProtectedMachine {
  const m = new ProtectedMachine({ ramBytes: 2 << 20 });
  m.setGdt(FIRST_FREE_INDEX, codeSeg(0, { base: LIMITED_BASE, limit: 0xff, g: false }));
  m.code(LIMITED_BASE + at, code);
  m.enter(0, ip);
  m.loadSeg(CS, LIMITED_CS);
  return m;
}

function expectGpAt(m: ProtectedMachine, eip: number, esp = STACK0): void {
  const f = m.expectVector(VEC_GP);
  expect(f.error).toBe(0);
  expect(f.eip).toBe(eip);
  expect(f.cs).toBe(LIMITED_CS);
  expect(m.cpu.reg32[ESP]).toBe(esp - 16);
}

describe('#GP(0) for a transfer beyond the CS limit (faults at the transfer, nothing pushed)', () => {
  it('jmp to exactly the limit is allowed; one past it faults', () => {
    const ok = limitedCs(0x10, [0xe9, ...le32(0xff - 0x15)]);
    ok.code(LIMITED_BASE + 0xff, [0xf4]);
    expect(ok.run()).toBe(StopReason.Halt);
    expect(ok.cpu.eip).toBe(0x100);
    expectGpAt(limitedCs(0x10, [0xe9, ...le32(0x100 - 0x15)]), 0x10);
  });

  it('short jmp, taken Jcc, call, call/jmp through a register, and ret beyond the limit', () => {
    expectGpAt(limitedCs(0xf0, [0xeb, 0x20]), 0xf0);
    expectGpAt(limitedCs(0xf0, [0x31, 0xc0, 0x74, 0x20]), 0xf2); // xor eax,eax; jz
    const notTaken = limitedCs(0xf0, [0x31, 0xc0, 0x75, 0x20, 0xf4]);
    expect(notTaken.run()).toBe(StopReason.Halt);
    expectGpAt(limitedCs(0x20, [0xe8, ...le32(0x200)]), 0x20);
    const viaReg = limitedCs(0x20, [0xff, 0xd0]); // call eax
    viaReg.cpu.reg32[EAX] = 0x1000;
    expectGpAt(viaReg, 0x20);
    const jmpReg = limitedCs(0x20, [0xff, 0xe3]); // jmp ebx
    jmpReg.cpu.reg32[EBX] = 0x100;
    expectGpAt(jmpReg, 0x20);
    const ret = limitedCs(0x20, [0xc3]);
    ret.cpu.reg32[ESP] = STACK0 - 4;
    ret.mem.write32(STACK0 - 4, 0x12345);
    expectGpAt(ret, 0x20, STACK0 - 4);
  });

  it('running off the end of the segment faults at the first instruction beyond it', () => {
    expectGpAt(limitedCs(0xfc, [0x90, 0x90, 0x90, 0x90]), 0x100);
  });

  it('an instruction that straddles the limit faults at its first byte', () => {
    expectGpAt(limitedCs(0xfc, [0x90, 0xb8, 1, 2, 3, 4]), 0xfd); // mov eax, imm32 at FDh..101h
  });
});

// --- Interrupts in real mode -------------------------------------------------------------

describe('INT n, INT3, INTO and IRET in real mode (IVT)', () => {
  const HANDLER_SEG = 0x5000;

  it('INT n pushes FLAGS, CS, IP (of the next instruction), clears IF, TF and AC, and jumps through IVT[n]; IRET restores all', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.mem.write16(0x21 * 4, 0x0010);
    m.mem.write16(0x21 * 4 + 2, HANDLER_SEG);
    // handler: pushfd; pop ebx; mov bp, sp; mov cx, [bp]; mov dx, [bp+2]; mov di, [bp+4]; mov ax, 1234h; iret
    m.load(HANDLER_SEG, 0x10, [0x66, 0x9c, 0x66, 0x5b, 0x89, 0xe5, 0x8b, 0x4e, 0x00, 0x8b, 0x56, 0x02, 0x8b, 0x7e, 0x04, 0xb8, 0x34, 0x12, 0xcf]);
    // sti; int 21h; hlt
    m.load(CODE_SEG, 0, [0xfb, 0xcd, 0x21, 0xf4]);
    m.enter(CODE_SEG, 0);
    c.setEflags(FLAGS_FIXED | FLAG_CF | FLAG_AC);
    expect(m.run()).toBe(StopReason.Halt);
    expect(c.segSel[CS]).toBe(CODE_SEG);
    expect(c.eip).toBe(4);
    expect(c.reg16[0]).toBe(0x1234);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP);
    expect(c.reg32[EBX] & (FLAG_IF | FLAG_TF | FLAG_AC)).toBe(0); // inside the handler: INT cleared IF, TF and AC
    expect(c.reg16[ECX << 1]).toBe(3); // pushed IP: after `int 21h`
    expect(c.reg16[EDX << 1]).toBe(CODE_SEG);
    expect(c.reg16[7 << 1]).toBe(FLAGS_FIXED | FLAG_IF | FLAG_CF); // pushed FLAGS
    expect(c.getEflags() & (FLAG_IF | FLAG_CF)).toBe(FLAG_IF | FLAG_CF); // restored by IRET
    expect(c.getEflags() & FLAG_AC).toBe(0); // a 16-bit IRET restores FLAGS[15:0] only: AC stays clear
  });

  it('INT3 (CC) and INT 3 (CD 03) go through vector 3 with the next IP pushed', () => {
    const m = new RealMachine();
    m.load(CODE_SEG, 0, [0x90, 0xcc]);
    m.enter(CODE_SEG, 0);
    expect(m.expectVector(3)).toEqual({ ip: 2, cs: CODE_SEG, flags: FLAGS_FIXED });
    const m2 = new RealMachine();
    m2.load(CODE_SEG, 0, [0xcd, 0x03]);
    m2.enter(CODE_SEG, 0);
    expect(m2.expectVector(3).ip).toBe(2);
  });

  it('INTO raises vector 4 only when OF = 1', () => {
    const m = new RealMachine();
    m.load(CODE_SEG, 0, [0xce, 0xb8, 0x7f, 0x00, 0x04, 0x01, 0xce, 0xf4]); // into; mov ax, 7Fh; add al, 1 (OF); into
    m.enter(CODE_SEG, 0);
    const f = m.expectVector(4);
    expect(f.ip).toBe(7);
    expect(f.flags & FLAG_OF).toBe(FLAG_OF);
  });

  it('the stubs see the frame; returning with IRET resumes after the INT (IRET pops IP, CS, FLAGS)', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.load(CODE_SEG, 0, [0xcd, 0x40, 0x40, 0xf4]);
    m.enter(CODE_SEG, 0);
    expect(m.expectVector(0x40)).toEqual({ ip: 2, cs: CODE_SEG, flags: FLAGS_FIXED });
    expect(c.segSel[CS]).toBe(STUB_SEG);
    expect(m.run()).toBe(StopReason.Halt); // the stub's IRET, then inc ax; hlt
    expect(c.segSel[CS]).toBe(CODE_SEG);
    expect(c.eip).toBe(4);
    expect(c.reg16[0]).toBe(1);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP);
  });

  it('IRET restores FLAGS from the frame (here: sets CF, DF and IF that were clear)', () => {
    const m = new RealMachine();
    const c = m.cpu;
    // push 0x0601 (IF DF CF); push cs; push 8; iret; ... at 8: hlt
    m.load(CODE_SEG, 0, [0x68, ...le16(0x0601 | FLAGS_FIXED), 0x0e, 0x68, ...le16(8), 0xcf, 0xf4]);
    m.load(CODE_SEG, 8, [0xf4]);
    m.enter(CODE_SEG, 0);
    expect(m.run()).toBe(StopReason.Halt);
    expect(c.eip).toBe(9);
    expect(c.getEflags()).toBe(FLAGS_FIXED | 0x0601);
  });

  it('IRETD (66 CF) pops a 32-bit EIP, CS and EFLAGS', () => {
    const m = new RealMachine();
    const c = m.cpu;
    const frame = STACK_TOP - 12;
    m.mem.write32(STACK_SEG * 16 + frame, 0x20);
    m.mem.write32(STACK_SEG * 16 + frame + 4, 0xabcd0000 | HANDLER_SEG);
    m.mem.write32(STACK_SEG * 16 + frame + 8, 0x00000001 | FLAGS_FIXED);
    m.load(HANDLER_SEG, 0x20, [0xf4]);
    m.load(CODE_SEG, 0, [0x66, 0xcf]);
    m.enter(CODE_SEG, 0, frame);
    expect(m.run()).toBe(StopReason.Halt);
    expect([c.segSel[CS], c.segBase[CS], c.eip]).toEqual([HANDLER_SEG, HANDLER_SEG << 4, 0x21]);
    expect(c.getEflags() & STATUS).toBe(FLAG_CF);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP);
  });

  it('LIDT moves the IVT: INT uses IDTR.base in real mode', () => {
    const m = new RealMachine();
    const c = m.cpu;
    const ivt = 0x60000;
    m.mem.write16(ivt + 0x30 * 4, 0x0000);
    m.mem.write16(ivt + 0x30 * 4 + 2, HANDLER_SEG);
    m.load(HANDLER_SEG, 0, [0xbb, 0x99, 0x00, 0xf4]); // mov bx, 99h; hlt
    m.mem.write16(0x30000 + 0x100, 0x3ff);
    m.mem.write32(0x30000 + 0x102, ivt);
    m.load(CODE_SEG, 0, [0x0f, 0x01, 0x1e, ...le16(0x100), 0xcd, 0x30]); // lidt [0x100]; int 30h
    m.enter(CODE_SEG, 0);
    expect(m.run()).toBe(StopReason.Halt);
    expect(c.idtrBase).toBe(ivt);
    expect(c.segSel[CS]).toBe(HANDLER_SEG);
    expect(c.reg16[EBX << 1]).toBe(0x99);
  });

  it('an INT n beyond the IVT limit is #GP (delivered through vector 13 of the same IVT)', () => {
    const m = new RealMachine();
    m.cpu.idtrLimit = 0x7f; // vectors 0..31
    m.load(CODE_SEG, 0, [0x90, 0xcd, 0x20]);
    m.enter(CODE_SEG, 0);
    expect(m.expectVector(VEC_GP).ip).toBe(1);
  });
});
