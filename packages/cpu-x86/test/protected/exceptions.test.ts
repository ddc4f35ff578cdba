/**
 * Exception delivery in protected mode: each vector with its error code and
 * saved EIP (fault: the faulting instruction; trap: the next one), the EXT
 * bit, the double-fault rules and the triple fault. Expectations from Intel
 * SDM Vol. 3A 6.15 ("Exception and Interrupt Reference") and table 6-5.
 */
import { describe, expect, it } from 'vitest';
import { StopReason } from '../../src/cpu.js';
import { CS, DS, SS } from '../../src/constants.js';
import {
  asm, CODE0, CODE3, codeSeg, dataSeg, gate, GATE_INT32, KCODE, ProtectedMachine, STACK0, STACK3, STUB_BASE, tssDesc,
  UCODE, UDATA, le32,
} from '../support/protected-machine.js';

const FLAG_TF = 0x100;
const FLAG_IF = 0x200;

describe('exception vectors and error codes', () => {
  it('#DE (0): DIV by zero is a fault with no error code', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, [0x31, 0xc9, 0xf7, 0xf1, 0xf4]); // xor ecx,ecx; div ecx
    m.enter(0, CODE0);
    const f = m.expectVector(0);
    expect(f.eip).toBe(CODE0 + 2);
    expect(f.cs).toBe(KCODE);
    expect(m.cpu.reg32[4]).toBe(STACK0 - 12); // same privilege: EFLAGS, CS, EIP only
    expect(m.cpu.exceptionCounts[0]).toBe(1);
  });

  it('#DB (1): single-step traps after the instruction following the POPF that set TF, with DR6.BS', () => {
    const m = new ProtectedMachine();
    // pushfd; or dword [esp], 0x100; popfd; nop; nop
    m.code(CODE0, [0x9c, 0x81, 0x0c, 0x24, ...le32(FLAG_TF), 0x9d, 0x90, 0x90, 0xf4]);
    m.enter(0, CODE0);
    const f = m.expectVector(1);
    expect(f.eip).toBe(CODE0 + 10); // after the first NOP
    expect(f.eflags & FLAG_TF).toBe(FLAG_TF);
    expect(m.cpu.getEflags() & FLAG_TF).toBe(0); // cleared on entry to the handler
    expect(m.cpu.dr[6] & 0x4000).toBe(0x4000);
  });

  it('#DB (1): INT1 (F1) from ring 3 ignores the gate DPL and saves the next EIP', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0x90, 0xf1, 0x90]);
    m.enter(3, CODE3);
    const f = m.expectVector(1);
    expect(f.eip).toBe(CODE3 + 2);
    expect(f.cs).toBe(UCODE);
    expect(f.ss).toBe(UDATA);
    expect(f.esp).toBe(STACK3);
  });

  it('NMI (2) is taken at the next instruction boundary even with IF clear', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, [0x90, 0x90, 0x90]);
    m.enter(0, CODE0);
    m.cpu.raiseNmi();
    const f = m.expectVector(2);
    expect(f.eip).toBe(CODE0);
    expect(f.error).toBe(-1);
    expect(f.eflags & FLAG_IF).toBe(0);
  });

  it('#BP (3): INT3 from ring 3 through a DPL-3 gate is a trap', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0x90, 0xcc, 0x90]);
    m.enter(3, CODE3);
    const f = m.expectVector(3);
    expect(f.eip).toBe(CODE3 + 2);
    expect(f.cs).toBe(UCODE);
  });

  it('#GP(vector*8+2) for INT3 from ring 3 through a DPL-0 gate', () => {
    const m = new ProtectedMachine();
    m.setIdt(3, gate(GATE_INT32, KCODE, STUB_BASE + 3 * 16, 0));
    m.code(CODE3, [0xcc]);
    m.enter(3, CODE3);
    const f = m.expectVector(13);
    expect(f.error).toBe(3 * 8 + 2);
    expect(f.eip).toBe(CODE3);
  });

  it('#OF (4): INTO traps only when OF is set', () => {
    const m = new ProtectedMachine();
    // mov al, 1; add al, 1; into (OF clear: nothing); mov al, 0x7f; add al, 1; into
    m.code(CODE3, [0xb0, 0x01, 0x04, 0x01, 0xce, 0xb0, 0x7f, 0x04, 0x01, 0xce, 0x90]);
    m.enter(3, CODE3);
    const f = m.expectVector(4);
    expect(f.eip).toBe(CODE3 + 10);
    expect(f.eflags & 0x800).toBe(0x800);
  });

  it('#BR (5): BOUND out of range is a fault', () => {
    const m = new ProtectedMachine();
    m.mem.write32(0x40000, 10);
    m.mem.write32(0x40004, 20);
    // mov eax, 15; bound eax, [0x40000]; mov eax, 30; bound eax, [0x40000]
    m.code(CODE0, [...asm.movEaxImm(15), 0x62, 0x05, ...le32(0x40000), ...asm.movEaxImm(30), 0x62, 0x05, ...le32(0x40000)]);
    m.enter(0, CODE0);
    const f = m.expectVector(5);
    expect(f.eip).toBe(CODE0 + 16);
    expect(f.error).toBe(-1);
  });

  it('#UD (6): UD2', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, [0x90, 0x0f, 0x0b]);
    m.enter(0, CODE0);
    expect(m.expectVector(6).eip).toBe(CODE0 + 1);
  });

  it('#DF (8): #GP whose gate is not present raises #NP during delivery, which is a double fault (error 0)', () => {
    const m = new ProtectedMachine();
    m.setIdt(13, gate(GATE_INT32, KCODE, STUB_BASE + 13 * 16, 0, { present: false }));
    // mov eax, 0x3ff8 (beyond the GDT limit); mov ds, ax
    m.code(CODE0, [...asm.movEaxImm(0x3ff8), ...asm.movSregAx(DS)]);
    m.enter(0, CODE0);
    const f = m.expectVector(8);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE0 + 5); // the faulting MOV DS
    expect(m.cpu.exceptionCounts[8]).toBe(1);
  });

  it('#DF (8): #NP while delivering #NP', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, dataSeg(0, { present: false }));
    m.setIdt(11, gate(GATE_INT32, KCODE, STUB_BASE + 11 * 16, 0, { present: false }));
    m.code(CODE0, [...asm.movEaxImm(0x40), ...asm.movSregAx(DS)]);
    m.enter(0, CODE0);
    expect(m.expectVector(8).error).toBe(0);
  });

  it('no #DF for a benign first event: INT1 with a not-present gate gives #NP(0x0B) with EXT=1', () => {
    const m = new ProtectedMachine();
    m.setIdt(1, gate(GATE_INT32, KCODE, STUB_BASE + 16, 0, { present: false }));
    m.code(CODE0, [0xf1]);
    m.enter(0, CODE0);
    const f = m.expectVector(11);
    expect(f.error).toBe(1 * 8 + 2 + 1);
    expect(f.eip).toBe(CODE0);
  });

  it('INT n through a not-present gate gives #NP(n*8+2) with EXT=0', () => {
    const m = new ProtectedMachine();
    m.setIdt(0x41, gate(GATE_INT32, KCODE, STUB_BASE, 3, { present: false }));
    m.code(CODE3, [0xcd, 0x41]);
    m.enter(3, CODE3);
    const f = m.expectVector(11);
    expect(f.error).toBe(0x41 * 8 + 2);
    expect(f.eip).toBe(CODE3);
  });

  it('triple fault: #GP -> #NP (gate) -> #DF -> #NP (gate) shuts the machine down', () => {
    const m = new ProtectedMachine();
    for (const v of [8, 13]) m.setIdt(v, gate(GATE_INT32, KCODE, STUB_BASE + v * 16, 0, { present: false }));
    m.code(CODE0, [...asm.movEaxImm(0x3ff8), ...asm.movSregAx(DS)]);
    m.enter(0, CODE0);
    expect(m.run()).toBe(StopReason.Shutdown);
    expect(m.cpu.shutdown).toBe(true);
    expect(m.cpu.exceptionCounts[8]).toBe(1);
    expect(m.run()).toBe(StopReason.Shutdown); // stays dead
  });

  it('#TS (10): JMP to a TSS whose limit is below 67h', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, tssDesc(0x6000, 0x50));
    m.code(CODE0, [0x90, ...asm.jmpFar(0x40, 0)]);
    m.enter(0, CODE0);
    const f = m.expectVector(10);
    expect(f.error).toBe(0x40);
    expect(f.eip).toBe(CODE0 + 1);
    expect(m.cpu.trSel).toBe(0x38);
  });

  it('#NP (11): MOV DS with a not-present data segment', () => {
    const m = new ProtectedMachine();
    m.setGdt(9, dataSeg(0, { present: false }));
    m.code(CODE0, [...asm.movEaxImm(0x48), ...asm.movSregAx(DS)]);
    m.enter(0, CODE0);
    const f = m.expectVector(11);
    expect(f.error).toBe(0x48);
    expect(f.eip).toBe(CODE0 + 5);
    expect(m.cpu.segSel[DS]).toBe(0x10); // unchanged
  });

  it('#SS (12): PUSH beyond an expand-up stack limit, error 0, delivered on the ring-0 stack', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, dataSeg(3, { base: 0x40000, limit: 0xfff, g: false }));
    // mov eax, 0x43; mov ss, ax; mov esp, 0x1000; push eax (ok); mov esp, 0x1002; push eax
    m.code(CODE3, [...asm.movEaxImm(0x43), ...asm.movSregAx(SS), 0xbc, ...le32(0x1000), 0x50, 0xbc, ...le32(0x1002), 0x50]);
    m.enter(3, CODE3);
    const f = m.expectVector(12);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE3 + 18);
    expect(f.ss).toBe(0x43);
    expect(f.esp).toBe(0x1002);
    expect(m.mem.read32(0x40000 + 0xffc)).toBe(0x43); // the first push landed
  });

  it('#SS (12): expand-down stack segment faults at or below its limit', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, dataSeg(3, { base: 0x40000, limit: 0xfff, g: false, expandDown: true }));
    m.code(CODE3, [...asm.movEaxImm(0x43), ...asm.movSregAx(SS), 0xbc, ...le32(0x1004), 0x50, 0x50]);
    m.enter(3, CODE3);
    const f = m.expectVector(12);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE3 + 13);
    expect(f.esp).toBe(0x1000);
  });

  it('#SS(selector) for MOV SS with a not-present segment', () => {
    const m = new ProtectedMachine();
    m.setGdt(9, dataSeg(3, { present: false }));
    m.code(CODE3, [...asm.movEaxImm(0x4b), ...asm.movSregAx(SS)]);
    m.enter(3, CODE3);
    expect(m.expectVector(12).error).toBe(0x48);
  });

  it('vectors 32-255: INT 0x80 from ring 3 through a DPL-3 gate', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0xcd, 0x80]);
    m.enter(3, CODE3);
    const f = m.expectVector(0x80);
    expect(f.eip).toBe(CODE3 + 2);
    expect(f.error).toBe(-1);
  });
});

describe('#GP (13)', () => {
  const privileged: [string, number[]][] = [
    ['HLT', [0xf4]],
    ['MOV CR0, EAX', [0x0f, 0x22, 0xc0]],
    ['MOV EAX, CR3', [0x0f, 0x20, 0xd8]],
    ['MOV CR3, EAX', [0x0f, 0x22, 0xd8]],
    ['LGDT', [0x0f, 0x01, 0x15, ...le32(0x40000)]],
    ['LIDT', [0x0f, 0x01, 0x1d, ...le32(0x40000)]],
    ['LLDT', [0x0f, 0x00, 0xd0]],
    ['LTR', [0x0f, 0x00, 0xd8]],
    ['LMSW', [0x0f, 0x01, 0xf0]],
    ['CLTS', [0x0f, 0x06]],
    ['INVLPG', [0x0f, 0x01, 0x3d, ...le32(0x40000)]],
    ['WRMSR', [0x0f, 0x30]],
    ['RDMSR', [0x0f, 0x32]],
    ['MOV DR7, EAX', [0x0f, 0x23, 0xf8]],
    ['WBINVD', [0x0f, 0x09]],
  ];
  for (const ring of [1, 3] as const) {
    for (const [name, bytes] of privileged) {
      it(`${name} at CPL ${ring} is #GP(0)`, () => {
        const m = new ProtectedMachine();
        m.code(ring === 1 ? 0x20000 : CODE3, [0x90, ...bytes]);
        m.enter(ring, ring === 1 ? 0x20000 : CODE3);
        const f = m.expectVector(13);
        expect(f.error).toBe(0);
        expect(f.eip).toBe((ring === 1 ? 0x20000 : CODE3) + 1);
        expect(f.cs).toBe(ring === 1 ? 0x19 : UCODE);
      });
    }
  }

  it('using a null DS is #GP(0); loading it is not', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, [0x31, 0xc0, ...asm.movSregAx(DS), ...asm.movEaxMem(0x40000)]);
    m.enter(0, CODE0);
    const f = m.expectVector(13);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE0 + 4);
    expect(m.cpu.segSel[DS]).toBe(0);
  });

  it('MOV SS with a null selector is #GP(0)', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, [0x31, 0xc0, ...asm.movSregAx(SS)]);
    m.enter(0, CODE0);
    expect(m.expectVector(13).error).toBe(0);
  });

  it('data access beyond the DS limit is #GP(0)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, dataSeg(0, { base: 0x40000, limit: 0xfff, g: false }));
    m.mem.write32(0x40ffc, 0x12345678);
    // mov eax,0x40; mov ds,ax; mov eax,[0xffc] (ok); mov eax,[0xffe]
    m.code(CODE0, [...asm.movEaxImm(0x40), ...asm.movSregAx(DS), ...asm.movEaxMem(0xffc), ...asm.movEaxMem(0xffe)]);
    m.enter(0, CODE0);
    const f = m.expectVector(13);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE0 + 12);
    expect(m.cpu.reg32[0]).toBe(0x12345678);
  });

  it('writing through CS is #GP(0)', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, [0x2e, ...asm.movMemEax(0x40000)]);
    m.enter(0, CODE0);
    expect(m.expectVector(13).error).toBe(0);
  });

  it('writing to a read-only data segment is #GP(0)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, dataSeg(0, { writable: false }));
    m.code(CODE0, [...asm.movEaxImm(0x40), ...asm.movSregAx(DS), ...asm.movMemEax(0x40000)]);
    m.enter(0, CODE0);
    const f = m.expectVector(13);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE0 + 7);
  });

  it('INT n from ring 3 through a DPL-0 gate is #GP(n*8+2)', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0xcd, 0x40]);
    m.enter(3, CODE3);
    const f = m.expectVector(13);
    expect(f.error).toBe(0x40 * 8 + 2);
    expect(f.eip).toBe(CODE3);
  });

  it('an IDT vector beyond the IDT limit is #GP(n*8+2)', () => {
    const m = new ProtectedMachine();
    m.cpu.idtrLimit = 0x40 * 8 - 1;
    m.code(CODE0, [0xcd, 0x41]);
    m.enter(0, CODE0);
    expect(m.expectVector(13).error).toBe(0x41 * 8 + 2);
  });

  it('MOV DS with selectors that are beyond the GDT, a system segment, an execute-only code segment or too privileged', () => {
    const cases: [number, (m: ProtectedMachine) => void, 0 | 3][] = [
      [0x3ff8, () => {}, 0],
      [0x38, () => {}, 0], // the TSS
      [0x40, (m) => m.setGdt(8, codeSeg(0, { readable: false })), 0],
      [0x13, () => {}, 3], // DPL 0 data from CPL 3
      [0x12, () => {}, 0], // RPL 2 > DPL 0 at CPL 0
    ];
    for (const [sel, setup, ring] of cases) {
      const m = new ProtectedMachine();
      setup(m);
      m.exec(ring, [...asm.movEaxImm(sel), ...asm.movSregAx(DS)]);
      expect(m.vector).toBe(13);
      expect(m.frame().error).toBe(sel & 0xfffc);
    }
  });

  it('MOV SS needs RPL = DPL = CPL and a writable data segment: #GP(selector)', () => {
    for (const [sel, setup] of [
      [0x33, () => {}], // RPL 3 at CPL 0
      [0x40, (m: ProtectedMachine) => m.setGdt(8, dataSeg(0, { writable: false }))],
      [0x08, () => {}], // code
    ] as [number, (m: ProtectedMachine) => void][]) {
      const m = new ProtectedMachine();
      setup(m);
      m.exec(0, [...asm.movEaxImm(sel), ...asm.movSregAx(SS)]);
      expect(m.vector).toBe(13);
      expect(m.frame().error).toBe(sel & 0xfffc);
    }
  });

  it('JMP far to a data segment is #GP(selector)', () => {
    const m = new ProtectedMachine();
    m.exec(0, asm.jmpFar(0x10, 0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0x10);
  });

  it('instruction fetch beyond the CS limit is #GP(0)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, codeSeg(0, { base: CODE0, limit: 0x0f, g: false }));
    m.code(CODE0, [...asm.jmpFar(0x40, 0x0c), 0x90, 0x90, 0x90, 0x90, 0x90, 0x90]);
    m.code(CODE0 + 0x0c, [0x90, 0x90, 0x90, 0x90, 0x90]);
    m.enter(0, CODE0);
    const f = m.expectVector(13);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(0x10);
    expect(f.cs).toBe(0x40);
  });
});

describe('interrupt gates versus trap gates', () => {
  it('an interrupt gate clears IF, a trap gate keeps it; both clear TF and NT', () => {
    for (const [type, ifAfter] of [[GATE_INT32, 0], [0xf, FLAG_IF]] as const) {
      const m = new ProtectedMachine();
      m.setIdt(0x80, gate(type, KCODE, STUB_BASE + 0x80 * 16, 3));
      m.code(CODE3, [0xcd, 0x80]);
      m.enter(3, CODE3);
      m.cpu.setEflags(0x4202); // IF | NT
      const f = m.expectVector(0x80);
      expect(f.eflags & 0x4200).toBe(0x4200);
      expect(m.cpu.getEflags() & (FLAG_IF | 0x4000 | FLAG_TF)).toBe(ifAfter);
    }
  });

  it('a 16-bit interrupt gate pushes a 16-bit frame', () => {
    const m = new ProtectedMachine();
    m.setIdt(0x80, gate(0x6, KCODE, STUB_BASE + 0x80 * 16, 3));
    m.code(CODE3, [0x90, 0xcd, 0x80]);
    m.enter(3, CODE3);
    m.expectVector(0x80);
    const sp = m.cpu.reg32[4];
    expect(sp).toBe(STACK0 - 10);
    const w = (i: number): number => m.mem.read16(sp + 2 * i);
    expect([w(0), w(1), w(3), w(4)]).toEqual([(CODE3 + 3) & 0xffff, UCODE, STACK3 & 0xffff, UDATA]);
    expect(m.cpu.segSel[CS]).toBe(KCODE);
  });
});
