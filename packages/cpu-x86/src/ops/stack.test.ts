/**
 * Stack instructions (Intel SDM Vol. 2B "PUSH", "POP", "PUSHA/PUSHAD",
 * "POPA/POPAD", "PUSHF/PUSHFD", "POPF/POPFD", Vol. 2A "ENTER", "LEAVE") with
 * the operand size (16/32) and the stack size (SS.B) varied independently,
 * and the stack-fault rules of Vol. 3A 6.15 ("Interrupt 12—Stack Fault
 * Exception"): a push or pop outside SS's limit raises #SS(0) before anything
 * changes.
 */
import { describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import {
  CS, DS, EAX, EBP, EBX, ECX, EDX, ES, ESP, FLAGS_FIXED, FS, GS, SS, VEC_GP, VEC_SS,
} from '../constants.js';
import { CODE_BASE, flatMachine, runCode } from '../../test/support/flat-machine.js';
import {
  CODE0, CODE1, CODE3, dataSeg, FIRST_FREE_INDEX, KDATA, ProtectedMachine, STACK0, UDATA, le16, le32, type Desc,
} from '../../test/support/protected-machine.js';
import { DATA_SEG, RealMachine, STACK_SEG } from '../../test/support/real-machine.js';

const FLAG_IF = 0x200, IOPL_MASK = 0x3000;

function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A flat CPL-0 machine; with `stack16` SS is a 64 KiB 16-bit stack (B=0) at 0x20000. */
function machine(stack16 = false): Cpu {
  const c = flatMachine();
  if (stack16) c.setSegmentCache(SS, 0x18, 0x20000, 0xffff, 0x93);
  return c;
}

function run(c: Cpu, code: number[]): void {
  const stop = runCode(c, code);
  if (stop !== StopReason.Halt || c.eip !== CODE_BASE + code.length + 1) {
    throw new Error(`stop ${stop} at ${c.eip.toString(16)} running ${hex(code)}`);
  }
}

describe('PUSH and POP with a 32-bit stack', () => {
  it('registers with 32- and 16-bit operand size', () => {
    const c = machine();
    c.reg32[EAX] = 0x11223344;
    c.reg32[EBX] = 0x55667788;
    c.reg32[ECX] = 0;
    c.reg32[EDX] = 0x7fff0000;
    // push eax; push bx (66 53); pop ecx: the word and the low half of EAX; pop dx (66 5A)
    run(c, [0x50, 0x66, 0x53, 0x59, 0x66, 0x5a]);
    expect(c.mem.read32(0x7ffc)).toBe(0x11223344);
    expect(c.reg32[ECX] >>> 0).toBe(0x33447788);
    expect(c.reg32[EDX] >>> 0).toBe(0x7fff1122);
    expect(c.reg32[ESP]).toBe(0x8000);
  });

  it('immediates: 6A sign-extends to the operand size, 68 takes imm16/imm32', () => {
    const c = machine();
    run(c, [0x6a, 0x80, 0x68, ...le32(0x12345678), 0x66, 0x6a, 0xff, 0x66, 0x68, ...le16(0xabcd)]);
    expect(c.reg32[ESP]).toBe(0x8000 - 12);
    expect(c.mem.read32(0x7ffc) >>> 0).toBe(0xffffff80);
    expect(c.mem.read32(0x7ff8)).toBe(0x12345678);
    expect(c.mem.read16(0x7ff6)).toBe(0xffff);
    expect(c.mem.read16(0x7ff4)).toBe(0xabcd);
  });

  it('memory operands: FF /6 and 8F /0, dword and word', () => {
    const c = machine();
    c.mem.write32(0x3000, 0xcafef00d);
    c.mem.write32(0x3008, 0x99999999);
    c.mem.write32(0x300c, 0x99999999);
    // push dword [0x3000]; push word [0x3002]; pop word [0x3008]; pop dword [0x300c]
    run(c, [0xff, 0x35, ...le32(0x3000), 0x66, 0xff, 0x35, ...le32(0x3002), 0x66, 0x8f, 0x05, ...le32(0x3008), 0x8f, 0x05, ...le32(0x300c)]);
    expect(c.mem.read32(0x3008) >>> 0).toBe(0x9999cafe);
    expect(c.mem.read32(0x300c) >>> 0).toBe(0xcafef00d);
    expect(c.reg32[ESP]).toBe(0x8000);
  });

  it('PUSH ESP pushes the value before the decrement (32 and 16 bits)', () => {
    const c = machine();
    c.reg32[ESP] = 0x7f00;
    run(c, [0x54, 0x66, 0x54]);
    expect(c.mem.read32(0x7efc)).toBe(0x7f00);
    expect(c.mem.read16(0x7efa)).toBe(0x7efc);
    expect(c.reg32[ESP]).toBe(0x7efa);
  });

  it('POP ESP loads the value that was on the stack (the increment is overwritten)', () => {
    const c = machine();
    c.reg32[ESP] = 0x7f00;
    c.mem.write32(0x7f00, 0x6000);
    run(c, [0x5c]);
    expect(c.reg32[ESP]).toBe(0x6000);
    c.reg32[ESP] = 0x7f00;
    c.mem.write16(0x7f00, 0x1234);
    run(c, [0x66, 0x5c]); // pop sp: SP = 1234, the upper half of ESP kept
    expect(c.reg32[ESP]).toBe(0x1234);
  });

  it('POP [ESP+4] computes the address after ESP has been incremented', () => {
    const c = machine();
    c.reg32[ESP] = 0x7f00;
    c.mem.write32(0x7f00, 0xaaaaaaaa);
    for (let a = 0x7f04; a < 0x7f10; a += 4) c.mem.write32(a, 0);
    run(c, [0x8f, 0x44, 0x24, 0x04]); // pop dword [esp+4]
    expect(c.reg32[ESP]).toBe(0x7f04);
    expect(c.mem.read32(0x7f08) >>> 0).toBe(0xaaaaaaaa);
    expect(c.mem.read32(0x7f04)).toBe(0);
    // 16-bit operand size: ESP += 2, destination [new ESP].
    c.mem.write16(0x7f04, 0xbbbb);
    run(c, [0x66, 0x8f, 0x04, 0x24]); // pop word [esp]
    expect(c.reg32[ESP]).toBe(0x7f06);
    expect(c.mem.read16(0x7f06)).toBe(0xbbbb);
  });
});

describe('a 16-bit stack (SS.B = 0): SP is used and wraps at 64 KiB', () => {
  it('pushes and pops move SP only, keeping the upper half of ESP', () => {
    const c = machine(true);
    c.reg32[ESP] = 0xabcd0010 | 0;
    c.reg32[EAX] = 0x01020304;
    run(c, [0x50, 0x66, 0x50, 0x5b]); // push eax; push ax; pop ebx
    expect(c.reg32[ESP] >>> 0).toBe(0xabcd000e);
    expect(c.mem.read32(0x2000c)).toBe(0x01020304);
    expect(c.mem.read16(0x2000a)).toBe(0x0304);
    expect(c.reg32[EBX]).toBe(0x03040304);
  });

  it('a push at SP = 0 wraps to FFFC/FFFE and writes at the top of the segment', () => {
    const c = machine(true);
    c.reg32[ESP] = 0x12340000;
    c.reg32[EAX] = 0xdeadbeef | 0;
    run(c, [0x50]);
    expect(c.reg32[ESP] >>> 0).toBe(0x1234fffc);
    expect(c.mem.read32(0x2fffc) >>> 0).toBe(0xdeadbeef);
    c.reg32[ESP] = 0;
    run(c, [0x66, 0x50]);
    expect(c.reg32[ESP]).toBe(0xfffe);
    expect(c.mem.read16(0x2fffe)).toBe(0xbeef);
  });

  it('a pop at SP = FFFE wraps SP to 0', () => {
    const c = machine(true);
    c.reg32[ESP] = 0x5555fffe;
    c.mem.write16(0x2fffe, 0x4321);
    run(c, [0x66, 0x59]); // pop cx
    expect(c.reg32[ESP]).toBe(0x55550000);
    expect(c.reg16[ECX << 1]).toBe(0x4321);
  });

  it('real mode: push at SP = 0 writes SS:FFFE, push sp pushes the old SP', () => {
    const m = new RealMachine();
    expect(m.exec([0xb8, ...le16(0x7777), 0xbc, 0, 0, 0x50, 0x54], 100)).toBe(StopReason.Halt); // mov ax; mov sp, 0; push ax; push sp
    expect(m.mem.read16(STACK_SEG * 16 + 0xfffe)).toBe(0x7777);
    expect(m.mem.read16(STACK_SEG * 16 + 0xfffc)).toBe(0xfffe);
    expect(m.cpu.reg16[ESP << 1]).toBe(0xfffc);
  });
});

describe('PUSH/POP of segment registers', () => {
  it('real mode: push/pop Sreg in 16 and 32 bits (66: ESP moves by 4, the low word holds the selector)', () => {
    const m = new RealMachine();
    const c = m.cpu;
    // push cs; pop es; push ss (66 16): 4 bytes; pop fs (66 0F A1); push ds; pop gs (0F A9)
    expect(m.exec([0x0e, 0x07, 0x66, 0x16, 0x66, 0x0f, 0xa1, 0x1e, 0x0f, 0xa9])).toBe(StopReason.Halt);
    expect([c.segSel[ES], c.segBase[ES]]).toEqual([c.segSel[CS], c.segSel[CS] << 4]);
    expect([c.segSel[FS], c.segBase[FS]]).toEqual([STACK_SEG, STACK_SEG << 4]);
    expect([c.segSel[GS], c.segBase[GS]]).toEqual([DATA_SEG, DATA_SEG << 4]);
    expect(c.reg16[ESP << 1]).toBe(0xff00);
    // 32-bit push of a selector: SP moves by 4, the selector is in the low word.
    expect(m.exec([0x66, 0x0f, 0xa8])).toBe(StopReason.Halt); // push gs (32-bit)
    expect(c.reg16[ESP << 1]).toBe(0xff00 - 4);
    expect(m.mem.read16(STACK_SEG * 16 + 0xff00 - 4)).toBe(DATA_SEG);
  });

  it('protected mode: push ds; pop es loads ES through the GDT; pop ds of a bad selector is #GP(selector) with ESP unchanged', () => {
    const m = new ProtectedMachine({ ramBytes: 2 << 20 });
    m.setGdt(FIRST_FREE_INDEX, dataSeg(0, { base: 0x123000 }));
    m.code(CODE0, [0x68, ...le32(FIRST_FREE_INDEX * 8), 0x07, 0x1e, 0x0f, 0xa1, 0xf4]); // push sel; pop es; push ds; pop fs
    m.enter(0, CODE0);
    expect(m.run()).toBe(StopReason.Halt);
    expect([m.cpu.segSel[ES], m.cpu.segBase[ES]]).toEqual([FIRST_FREE_INDEX * 8, 0x123000]);
    expect(m.cpu.segSel[FS]).toBe(KDATA);
    expect(m.cpu.reg32[ESP]).toBe(STACK0);

    const m2 = new ProtectedMachine({ ramBytes: 2 << 20 });
    m2.code(CODE0, [0x6a, 0x7b, 0x1f, 0xf4]); // push 0x7b (beyond the GDT's used entries: a null descriptor); pop ds
    m2.enter(0, CODE0);
    const f = m2.expectVector(VEC_GP);
    expect(f.eip).toBe(CODE0 + 2);
    expect(f.error).toBe(0x78);
    expect(m2.cpu.reg32[ESP]).toBe(STACK0 - 4 - 16); // the pushed word is still there; the frame is below it
    expect(m2.cpu.segSel[DS]).toBe(KDATA);
  });
});

describe('PUSHA/POPA', () => {
  it('32-bit: EAX ECX EDX EBX (original) ESP EBP ESI EDI; POPAD restores all but ESP', () => {
    const c = machine();
    const vals = [0x10, 0x11, 0x12, 0x13, 0x7f00, 0x15, 0x16, 0x17];
    vals.forEach((v, i) => (c.reg32[i] = v));
    run(c, [0x60]);
    expect(c.reg32[ESP]).toBe(0x7f00 - 32);
    for (let i = 0; i < 8; i++) expect(c.mem.read32(0x7f00 - 4 * (i + 1))).toBe(vals[i]);
    c.mem.write32(0x7f00 - 20, 0x5555); // the saved ESP slot: ignored by POPAD
    for (let i = 0; i < 8; i++) if (i !== ESP) c.reg32[i] = -1;
    run(c, [0x61]);
    expect(Array.from(c.reg32)).toEqual(vals);
  });

  it('16-bit (66 60 / 66 61): words, upper halves untouched', () => {
    const c = machine();
    const vals = [0xaaaa0001, 0xaaaa0002, 0xaaaa0003, 0xaaaa0004, 0x7f00, 0xaaaa0006, 0xaaaa0007, 0xaaaa0008].map((v) => v | 0);
    vals.forEach((v, i) => (c.reg32[i] = v));
    run(c, [0x66, 0x60]);
    expect(c.reg32[ESP]).toBe(0x7f00 - 16);
    for (let i = 0; i < 8; i++) expect(c.mem.read16(0x7f00 - 2 * (i + 1))).toBe(vals[i] & 0xffff);
    for (let i = 0; i < 8; i++) if (i !== ESP) c.reg32[i] = 0x5555ffff;
    run(c, [0x66, 0x61]);
    for (let i = 0; i < 8; i++) if (i !== ESP) expect(c.reg32[i] >>> 0).toBe(0x55550000 | (vals[i] & 0xffff));
    expect(c.reg32[ESP]).toBe(0x7f00);
  });
});

describe('PUSHF/POPF', () => {
  it('PUSHFD/PUSHF store EFLAGS (bit 1 set) with lazy arithmetic flags folded in', () => {
    const c = machine();
    c.reg32[EAX] = 0x7fffffff;
    run(c, [0x40, 0x9c, 0x66, 0x9c]); // inc eax: OF SF AF PF (80000000h has an even low byte)
    const expected = FLAGS_FIXED | 0x800 | 0x80 | 0x10 | 0x04;
    expect(c.mem.read32(0x7ffc)).toBe(expected);
    expect(c.mem.read16(0x7ffa)).toBe(expected);
  });

  it('real mode: POPFD may change every defined flag but RF/VM/VIF/VIP; reserved bits read as fixed', () => {
    const m = new RealMachine();
    // push dword 0xFFFFFEFF (all ones but TF); popfd; pushfd; pop eax (32-bit)
    expect(m.exec([0x66, 0x68, ...le32(0xfffffeff), 0x66, 0x9d, 0x66, 0x9c, 0x66, 0x58])).toBe(StopReason.Halt);
    // CF PF AF ZF SF IF DF OF IOPL NT AC ID, and bit 1.
    expect(m.cpu.reg32[EAX] >>> 0).toBe(0x00247ed7);
  });

  it('real mode: 16-bit POPF changes only the low word', () => {
    const m = new RealMachine();
    m.cpu.setEflags(FLAGS_FIXED | 0x40000); // AC set; a 16-bit POPF cannot clear it
    expect(m.exec([0x68, ...le16(0xfeff), 0x9d, 0x66, 0x9c, 0x66, 0x58])).toBe(StopReason.Halt);
    expect(m.cpu.reg32[EAX] >>> 0).toBe(0x00047ed7);
  });

  /** Runs `push imm32; popfd; hlt` at `ring` with EFLAGS = `before` and returns EFLAGS after the POPFD. */
  function popfAt(ring: 0 | 1 | 3, before: number, value: number): number {
    const m = new ProtectedMachine({ ramBytes: 2 << 20 });
    const addr = ring === 0 ? CODE0 : ring === 1 ? CODE1 : CODE3;
    m.code(addr, [0x68, ...le32(value), 0x9d, 0xf4]);
    m.enter(ring, addr);
    m.cpu.setEflags(before);
    if (ring === 0) {
      expect(m.run()).toBe(StopReason.Halt);
      return m.cpu.getEflags();
    }
    const f = m.expectVector(VEC_GP); // HLT at CPL > 0
    expect(f.eip).toBe(addr + 6);
    return f.eflags;
  }

  it('CPL 0: IF and IOPL change', () => {
    expect(popfAt(0, FLAGS_FIXED, FLAGS_FIXED | FLAG_IF | IOPL_MASK | 0x1) & (FLAG_IF | IOPL_MASK | 1)).toBe(FLAG_IF | IOPL_MASK | 1);
    expect(popfAt(0, FLAGS_FIXED | FLAG_IF | IOPL_MASK, FLAGS_FIXED) & (FLAG_IF | IOPL_MASK)).toBe(0);
  });

  it('CPL 3, IOPL 0: IF and IOPL are silently kept, the other flags change (no fault)', () => {
    const after = popfAt(3, FLAGS_FIXED | FLAG_IF, FLAGS_FIXED | IOPL_MASK | 0x8d5); // try to clear IF, set IOPL
    expect(after & (FLAG_IF | IOPL_MASK)).toBe(FLAG_IF);
    expect(after & 0x8d5).toBe(0x8d5);
  });

  it('CPL 3, IOPL 3: IF changes, IOPL does not (CPL > 0)', () => {
    const after = popfAt(3, FLAGS_FIXED | FLAG_IF | IOPL_MASK, FLAGS_FIXED);
    expect(after & (FLAG_IF | IOPL_MASK)).toBe(IOPL_MASK);
  });

  it('CPL 1: IF changes when IOPL >= 1 and is kept when IOPL = 0; IOPL never changes', () => {
    expect(popfAt(1, FLAGS_FIXED | 0x1000, FLAGS_FIXED | FLAG_IF) & (FLAG_IF | IOPL_MASK)).toBe(FLAG_IF | 0x1000);
    expect(popfAt(1, FLAGS_FIXED, FLAGS_FIXED | FLAG_IF | IOPL_MASK) & (FLAG_IF | IOPL_MASK)).toBe(0);
  });
});

describe('ENTER/LEAVE', () => {
  it('ENTER 10h, 0: push ebp; ebp = esp; esp -= 10h. LEAVE undoes it', () => {
    const c = machine();
    c.reg32[ESP] = 0x7f00;
    c.reg32[EBP] = 0x1234;
    run(c, [0xc8, 0x10, 0x00, 0x00]);
    expect(c.mem.read32(0x7efc)).toBe(0x1234);
    expect(c.reg32[EBP]).toBe(0x7efc);
    expect(c.reg32[ESP]).toBe(0x7efc - 0x10);
    run(c, [0xc9]);
    expect(c.reg32[EBP]).toBe(0x1234);
    expect(c.reg32[ESP]).toBe(0x7f00);
  });

  it('ENTER 8, 1: the frame pointer is pushed as a one-entry display', () => {
    const c = machine();
    c.reg32[ESP] = 0x7f00;
    c.reg32[EBP] = 0x7f80;
    run(c, [0xc8, 0x08, 0x00, 0x01]);
    expect(c.mem.read32(0x7efc)).toBe(0x7f80); // old EBP
    expect(c.mem.read32(0x7ef8)).toBe(0x7efc); // FrameTemp
    expect(c.reg32[EBP]).toBe(0x7efc);
    expect(c.reg32[ESP]).toBe(0x7ef8 - 8);
  });

  it('ENTER 4, 3: copies two display entries from the enclosing frame, then FrameTemp', () => {
    const c = machine();
    c.reg32[ESP] = 0x7f00;
    c.reg32[EBP] = 0x7f80;
    c.mem.write32(0x7f80 - 4, 0xd1);
    c.mem.write32(0x7f80 - 8, 0xd2);
    run(c, [0xc8, 0x04, 0x00, 0x03]);
    expect([c.mem.read32(0x7efc), c.mem.read32(0x7ef8), c.mem.read32(0x7ef4), c.mem.read32(0x7ef0)]).toEqual([0x7f80, 0xd1, 0xd2, 0x7efc]);
    expect(c.reg32[EBP]).toBe(0x7efc);
    expect(c.reg32[ESP]).toBe(0x7ef0 - 4);
    run(c, [0xc9]);
    expect([c.reg32[EBP], c.reg32[ESP]]).toEqual([0x7f80, 0x7f00]);
  });

  it('the nesting level is taken modulo 32 (ENTER 0, 33 acts as level 1)', () => {
    const c = machine();
    c.reg32[ESP] = 0x7f00;
    c.reg32[EBP] = 0x7f80;
    run(c, [0xc8, 0x00, 0x00, 33]);
    expect(c.reg32[ESP]).toBe(0x7ef8);
    expect(c.mem.read32(0x7ef8)).toBe(0x7efc);
  });

  it('real mode (16-bit operand and stack): ENTER 6, 2 pushes words and steps BP by 2; LEAVE', () => {
    const m = new RealMachine();
    const c = m.cpu;
    const ss = STACK_SEG * 16;
    m.mem.write16(ss + 0xff80 - 2, 0xd1d1);
    c.reg32[EBP] = 0xff80;
    m.load(0x1000, 0, [0xc8, 0x06, 0x00, 0x02, 0xf4]);
    m.enter(0x1000, 0);
    c.reg32[EBP] = 0xff80;
    expect(m.run()).toBe(StopReason.Halt);
    expect([m.mem.read16(ss + 0xfefe), m.mem.read16(ss + 0xfefc), m.mem.read16(ss + 0xfefa)]).toEqual([0xff80, 0xd1d1, 0xfefe]);
    expect(c.reg16[EBP << 1]).toBe(0xfefe);
    expect(c.reg16[ESP << 1]).toBe(0xfefa - 6);
    expect(m.exec([0xc9])).toBe(StopReason.Halt);
    expect([c.reg16[EBP << 1], c.reg16[ESP << 1]]).toEqual([0xff80, 0xff00]);
  });

  it('LEAVE with a 16-bit operand size (66 C9) pops BP only', () => {
    const c = machine();
    c.reg32[EBP] = 0x7e00;
    c.mem.write32(0x7e00, 0xaaaa5555);
    run(c, [0x66, 0xc9]);
    expect(c.reg32[ESP]).toBe(0x7e02);
    expect(c.reg32[EBP]).toBe(0x5555);
  });
});

// --- Stack faults ------------------------------------------------------------------------

const USER_SS = FIRST_FREE_INDEX * 8 + 3;
const SS_BASE = 0x100000;

/** Ring-3 code at CODE3 with SS = a custom DPL-3 stack segment and ESP = `esp`. */
function userStack(desc: Desc, esp: number, code: number[]): ProtectedMachine {
  const m = new ProtectedMachine({ ramBytes: 4 << 20 });
  m.setGdt(FIRST_FREE_INDEX, desc);
  m.code(CODE3, [...code, 0xf4]);
  m.enter(3, CODE3);
  m.loadSeg(SS, USER_SS);
  m.cpu.reg32[ESP] = esp;
  for (let i = 0; i < 0x40; i++) m.mem.write32(SS_BASE + 0xf80 + 4 * i, 0x5a5a5a5a);
  return m;
}

/** Expects #SS(0) at `eip` with every general register (and user ESP) as before, and the stack bytes untouched. */
function expectPreciseSs(m: ProtectedMachine, eip: number, checkMemory = true): void {
  const before = Array.from(m.cpu.reg32);
  const f = m.expectVector(VEC_SS);
  expect(f.error).toBe(0);
  expect(f.eip).toBe(eip);
  expect(f.ss).toBe(USER_SS);
  expect(f.esp).toBe(before[ESP] >>> 0);
  const after = Array.from(m.cpu.reg32);
  after[ESP] = before[ESP];
  expect(after).toEqual(before);
  if (checkMemory) for (let i = 0; i < 0x40; i++) expect(m.mem.read32(SS_BASE + 0xf80 + 4 * i)).toBe(0x5a5a5a5a);
}

describe('#SS(0) when a stack access leaves SS (precise: nothing changes)', () => {
  const expandDown = dataSeg(3, { base: SS_BASE, limit: 0xfff, g: false, expandDown: true }); // valid offsets 1000h..FFFFFFFFh
  const expandUp = dataSeg(3, { base: SS_BASE, limit: 0xfff, g: false }); // valid offsets 0..FFFh

  it('push eax with the expand-down stack full (ESP = 1003h: bytes FFFh..1002h)', () => {
    const m = userStack(expandDown, 0x1003, [0x50]);
    m.cpu.reg32[EAX] = 0x11111111;
    expectPreciseSs(m, CODE3);
  });

  it('push eax just inside the limit succeeds (ESP = 1004h), the next one faults', () => {
    const m = userStack(expandDown, 0x1004, [0x50, 0x50]);
    m.cpu.reg32[EAX] = 0x22222222;
    const before = Array.from(m.cpu.reg32);
    before[ESP] = 0x1000;
    const f = m.expectVector(VEC_SS);
    expect(f.eip).toBe(CODE3 + 1);
    expect(f.esp).toBe(0x1000);
    expect(m.mem.read32(SS_BASE + 0x1000)).toBe(0x22222222);
    expect(m.cpu.reg32[EAX]).toBe(before[EAX]);
  });

  it('push at ESP = 2 on an expand-up stack wraps below 0 (FFFFFFFEh) and faults', () => {
    const m = userStack(expandUp, 2, [0x90, 0x53]);
    expectPreciseSs(m, CODE3 + 1);
  });

  it('pop past the top of an expand-up stack (ESP = FFEh: bytes FFEh..1001h)', () => {
    const m = userStack(expandUp, 0xffe, [0x59]);
    m.cpu.reg32[ECX] = 0x1234;
    expectPreciseSs(m, CODE3);
  });

  it('pushad that would cross the limit writes nothing', () => {
    const m = userStack(expandDown, 0x1010, [0x60]);
    for (let r = 0; r < 8; r++) if (r !== ESP) m.cpu.reg32[r] = 0x01010101 * (r + 1);
    expectPreciseSs(m, CODE3);
  });

  it('a near call whose return address does not fit: EIP stays at the CALL, ESP unchanged', () => {
    const m = userStack(expandDown, 0x1002, [0xe8, ...le32(0x10)]);
    expectPreciseSs(m, CODE3);
  });

  it('a 16-bit push (66 50) needs only 2 bytes: fits at ESP = 1002h', () => {
    const m = userStack(expandDown, 0x1002, [0x66, 0x50, 0x66, 0x50]);
    m.cpu.reg32[EAX] = 0x4444;
    const f = m.expectVector(VEC_SS);
    expect(f.eip).toBe(CODE3 + 2);
    expect(f.esp).toBe(0x1000);
    expect(m.mem.read16(SS_BASE + 0x1000)).toBe(0x4444);
  });

  it('ENTER whose new ESP falls outside the segment faults, leaving ESP and EBP', () => {
    const m = userStack(expandDown, 0x1010, [0xc8, 0x20, 0x00, 0x00]);
    m.cpu.reg32[EBP] = 0x7777;
    expectPreciseSs(m, CODE3, false); // the EBP push may already have been written
  });

  it('pop [mem] to an address beyond DS faults #GP(0) with ESP restored', () => {
    const m = new ProtectedMachine({ ramBytes: 2 << 20 });
    m.setGdt(FIRST_FREE_INDEX, dataSeg(3, { base: 0x100000, limit: 0xfff, g: false }));
    m.code(CODE3, [0x8f, 0x05, ...le32(0x2000), 0xf4]);
    m.enter(3, CODE3);
    m.loadSeg(DS, USER_SS);
    const esp = m.cpu.reg32[ESP];
    const f = m.expectVector(VEC_GP);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE3);
    expect(f.esp).toBe(esp);
    expect(f.ss).toBe(UDATA);
  });
});
