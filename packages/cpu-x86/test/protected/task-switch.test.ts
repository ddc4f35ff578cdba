/**
 * Hardware task switching (Intel SDM Vol. 3A 7.3 and table 7-1; Vol. 2 "JMP",
 * "CALL", "IRET", "INT n" task paths): state saved and loaded, busy bits, NT
 * and the back link, CR0.TS, task gates in the GDT and the IDT, exceptions
 * with error codes pushed on the new task's stack, 16-bit TSSs, the checks
 * before the commit point (nothing changes) and after it (the fault belongs
 * to the new task), the T bit, LDT and CR3 loads, and virtual-8086 tasks.
 */
import { describe, expect, it } from 'vitest';
import { CS, DS, ES, FS, GS, SS } from '../../src/constants.js';
import {
  asm, CODE0, CODE3, codeSeg, dataSeg, FREE, gate, GATE_INT32, GATE_TASK, KCODE, KDATA, LDT_BASE, ldtDesc,
  ProtectedMachine, STACK0, STACK3, STUB_BASE, type Tss32, tssDesc, TSS_BASE, UCODE, UDATA, le32,
} from '../support/protected-machine.js';

const A_SEL = 0x38;
const B_SEL = 0x40;
const B_BASE = 0x6000;
const B_EIP = CODE0 + 0x400;
const B_STACK = 0x68000;
const C_SEL = 0x50;
const C_BASE = 0x6400;
const FLAG_NT = 0x4000;
const CR0_TS = 8;

/** Task B: a ring-0 task at B_EIP with distinctive registers. */
function addTaskB(m: ProtectedMachine, fields: Partial<Tss32> = {}, desc = tssDesc(B_BASE, 0x67)): void {
  m.setGdt(8, desc);
  m.writeTss32(B_BASE, {
    link: 0x1234, esp0: 0x6f000, ss0: KDATA, cr3: 0, eip: B_EIP, eflags: 0x2 | 0x1,
    eax: 0xb0000000, ecx: 0xb0000001, edx: 0xb0000002, ebx: 0xb0000003, esp: B_STACK, ebp: 0xb0000005,
    esi: 0xb0000006, edi: 0xb0000007, es: KDATA, cs: KCODE, ss: KDATA, ds: KDATA, fs: KDATA, gs: KDATA,
    ldt: 0, trap: 0, iomap: 0x68, ...fields,
  });
}

describe('JMP to a task', () => {
  it('saves the old task, loads the new one, moves the busy bit and sets CR0.TS', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.code(B_EIP, [0xf4]);
    m.code(CODE0, [...asm.movEaxImm(0x11111111), ...asm.movRegImm(3, 0x22222222), ...asm.jmpFar(B_SEL, 0xdead)]);
    m.enter(0, CODE0);
    m.cpu.cr0 &= ~CR0_TS;
    m.run();
    const c = m.cpu;
    expect(c.halted).toBe(true);
    expect(c.eip).toBe(B_EIP + 1);
    expect(c.trSel).toBe(B_SEL);
    expect(c.trBase).toBe(B_BASE);
    expect(c.trLimit).toBe(0x67);
    expect(Array.from(c.reg32, (v) => v >>> 0)).toEqual([
      0xb0000000, 0xb0000001, 0xb0000002, 0xb0000003, B_STACK, 0xb0000005, 0xb0000006, 0xb0000007,
    ]);
    expect(c.getEflags()).toBe(0x3);
    expect(c.cr0 & CR0_TS).toBe(CR0_TS);
    expect(Array.from(c.segSel)).toEqual([KDATA, KCODE, KDATA, KDATA, KDATA, KDATA]);
    expect(c.cpl).toBe(0);
    expect(m.gdtAccess(7)).toBe(0x89); // old task available
    expect(m.gdtAccess(8)).toBe(0x8b); // new task busy
    expect(m.gdtAccess(1)).toBe(0x9b); // CS descriptor marked accessed
    expect(m.gdtAccess(2)).toBe(0x93);
    const a = m.readTss32(TSS_BASE);
    expect(a.eip).toBe(CODE0 + 17); // the instruction after the JMP
    expect(a.eax).toBe(0x11111111);
    expect(a.ebx).toBe(0x22222222);
    expect(a.esp).toBe(STACK0);
    expect(a.eflags).toBe(0x2);
    expect([a.es, a.cs, a.ss, a.ds, a.fs, a.gs]).toEqual([KDATA, KCODE, KDATA, KDATA, KDATA, KDATA]);
    expect(a.esp0).toBe(STACK0); // static fields untouched
    expect(m.readTss32(B_BASE).link).toBe(0x1234); // JMP does not write the back link
  });

  it('through a task gate in the GDT', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.setGdt(9, gate(GATE_TASK, B_SEL, 0, 0));
    m.code(B_EIP, [0xf4]);
    m.exec(0, asm.jmpFar(0x48, 0));
    expect(m.cpu.trSel).toBe(B_SEL);
    expect(m.cpu.eip).toBe(B_EIP + 1);
    expect(m.gdtAccess(7)).toBe(0x89);
    expect(m.gdtAccess(8)).toBe(0x8b);
  });

  it('from ring 3 to a DPL-3 TSS descriptor switches to the ring-0 task', () => {
    const m = new ProtectedMachine();
    addTaskB(m, {}, tssDesc(B_BASE, 0x67, { dpl: 3 }));
    m.code(B_EIP, [0xf4]);
    m.exec(3, asm.jmpFar(B_SEL | 3, 0));
    expect(m.cpu.halted).toBe(true);
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.trSel & 0xfffc).toBe(B_SEL);
    const a = m.readTss32(TSS_BASE);
    expect([a.cs, a.ss, a.esp, a.eip]).toEqual([UCODE, UDATA, STACK3, CODE3 + 7]);
  });
});

describe('CALL to a task and IRET back', () => {
  it('CALL from ring 3 through a DPL-3 task gate in the GDT nests a ring-0 task; IRET returns to ring 3', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.setGdt(9, gate(GATE_TASK, B_SEL, 0, 3));
    m.code(B_EIP, [0xcf]);
    m.code(CODE3, [...asm.callFar(0x4b, 0), 0xcd, 0x80]);
    m.enter(3, CODE3);
    const f = m.expectVector(0x80);
    expect([f.eip, f.cs, f.ss, f.esp]).toEqual([CODE3 + 9, UCODE, UDATA, STACK3]);
    expect(m.readTss32(B_BASE).link).toBe(A_SEL);
    expect(m.readTss32(B_BASE).eip).toBe(B_EIP + 1);
    expect(m.gdtAccess(8)).toBe(0x89);
    expect(m.cpu.trSel).toBe(A_SEL);
  });

  it('sets NT and the back link, keeps the caller busy; IRET returns, clearing the callee busy bit', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.code(B_EIP, [0xf4, ...asm.movEaxImm(0xbbbb), 0xcf]); // hlt; mov eax, 0xbbbb; iret
    m.code(CODE0, [...asm.movEaxImm(0x1111), ...asm.callFar(B_SEL, 0), 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.cpu.cr0 &= ~CR0_TS;
    m.run();
    const c = m.cpu;
    expect(c.eip).toBe(B_EIP + 1);
    expect(c.trSel).toBe(B_SEL);
    expect(c.getEflags() & FLAG_NT).toBe(FLAG_NT);
    expect(m.readTss32(B_BASE).link).toBe(A_SEL);
    expect(m.gdtAccess(7)).toBe(0x8b);
    expect(m.gdtAccess(8)).toBe(0x8b);
    expect(c.cr0 & CR0_TS).toBe(CR0_TS);

    c.cr0 &= ~CR0_TS;
    const f = m.expectVector(0x80);
    expect(f.eip).toBe(CODE0 + 14);
    expect(c.trSel).toBe(A_SEL);
    expect(c.reg32[0]).toBe(0x1111);
    expect(f.eflags & FLAG_NT).toBe(0);
    expect(m.gdtAccess(7)).toBe(0x8b);
    expect(m.gdtAccess(8)).toBe(0x89);
    expect(c.cr0 & CR0_TS).toBe(CR0_TS);
    const b = m.readTss32(B_BASE);
    expect(b.eip).toBe(B_EIP + 7); // after the IRET
    expect(b.eax).toBe(0xbbbb);
    expect(b.eflags & FLAG_NT).toBe(0); // cleared in the saved image
    expect(b.eflags & 1).toBe(1);
  });

  it('CALL to a busy task is #GP(selector) and changes nothing', () => {
    const m = new ProtectedMachine();
    addTaskB(m, {}, tssDesc(B_BASE, 0x67, { busy: true }));
    m.exec(0, [0x90, ...asm.callFar(B_SEL, 0)]);
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(B_SEL);
    expect(m.frame().eip).toBe(CODE0 + 1);
    expect(m.cpu.trSel).toBe(A_SEL);
    expect(m.gdtAccess(7)).toBe(0x8b);
    expect(m.readTss32(TSS_BASE).eip).toBe(0);
  });

  it('IRET with NT set and a back link to an available TSS is #TS(back link)', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.writeTss32(TSS_BASE, { link: B_SEL });
    // pushfd; or dword [esp], NT; popfd; iret
    m.exec(0, [0x9c, 0x81, 0x0c, 0x24, ...le32(FLAG_NT), 0x9d, 0xcf]);
    expect(m.vector).toBe(10);
    expect(m.frame().error).toBe(B_SEL);
    expect(m.frame().eip).toBe(CODE0 + 9);
    expect(m.cpu.trSel).toBe(A_SEL);
  });

  it('IRET with NT set and a null back link is #TS(0)', () => {
    const m = new ProtectedMachine();
    m.exec(0, [0x9c, 0x81, 0x0c, 0x24, ...le32(FLAG_NT), 0x9d, 0xcf]);
    expect(m.vector).toBe(10);
    expect(m.frame().error).toBe(0);
  });
});

describe('task gates in the IDT', () => {
  it('INT n from ring 3 through a task gate nests the task (no error code, NT, back link)', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.setIdt(0x40, gate(GATE_TASK, B_SEL, 0, 3));
    m.code(B_EIP, [0xf4, 0xcf]);
    m.code(CODE3, [...asm.movEaxImm(0x33333333), 0xcd, 0x40, 0xcd, 0x80]);
    m.enter(3, CODE3);
    m.run();
    const c = m.cpu;
    expect(c.eip).toBe(B_EIP + 1);
    expect(c.reg32[4]).toBe(B_STACK);
    expect(c.getEflags() & FLAG_NT).toBe(FLAG_NT);
    const a = m.readTss32(TSS_BASE);
    expect([a.eip, a.cs, a.ss, a.esp, a.eax]).toEqual([CODE3 + 7, UCODE, UDATA, STACK3, 0x33333333]);
    expect(m.readTss32(B_BASE).link).toBe(A_SEL);
    // IRET returns to ring 3, whose INT 0x80 then enters ring 0 on the old task's ESP0.
    const f = m.expectVector(0x80);
    expect([f.eip, f.cs, f.ss, f.esp]).toEqual([CODE3 + 9, UCODE, UDATA, STACK3]);
    expect(c.reg32[0]).toBe(0x33333333);
    expect(c.reg32[4]).toBe(STACK0 - 20);
  });

  it('a task gate with DPL < CPL used by INT n is #GP(vector*8+2)', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.setIdt(0x40, gate(GATE_TASK, B_SEL, 0, 0));
    m.exec(3, [0xcd, 0x40]);
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0x40 * 8 + 2);
  });

  it('an exception with an error code through a task gate pushes it on the new task stack', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.setIdt(13, gate(GATE_TASK, B_SEL, 0, 0));
    m.code(B_EIP, [0xf4]);
    m.exec(0, [0x90, ...asm.movEaxImm(0x3ff8), ...asm.movSregAx(DS)]);
    const c = m.cpu;
    expect(c.trSel).toBe(B_SEL);
    expect(c.eip).toBe(B_EIP + 1);
    expect(c.reg32[4]).toBe(B_STACK - 4);
    expect(m.mem.read32(B_STACK - 4)).toBe(0x3ff8);
    expect(m.readTss32(TSS_BASE).eip).toBe(CODE0 + 6); // the faulting instruction
    expect(m.readTss32(B_BASE).link).toBe(A_SEL);
    expect(c.getEflags() & FLAG_NT).toBe(FLAG_NT);
  });

  it('a double fault through a task gate runs the #DF task with error code 0', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.setIdt(8, gate(GATE_TASK, B_SEL, 0, 0));
    m.setIdt(13, gate(GATE_INT32, KCODE, STUB_BASE + 13 * 16, 0, { present: false }));
    m.code(B_EIP, [0xf4]);
    m.exec(0, [...asm.movEaxImm(0x3ff8), ...asm.movSregAx(DS)]);
    expect(m.cpu.trSel).toBe(B_SEL);
    expect(m.cpu.reg32[4]).toBe(B_STACK - 4);
    expect(m.mem.read32(B_STACK - 4)).toBe(0);
    expect(m.readTss32(TSS_BASE).eip).toBe(CODE0 + 5);
  });

  it('an external interrupt through a task gate to a busy TSS is #GP(TSS selector | EXT)', () => {
    const m = new ProtectedMachine();
    m.setIdt(0x50, gate(GATE_TASK, A_SEL, 0, 0));
    let pending = true;
    m.cpu.interruptLine = { pending: () => pending, acknowledge: () => ((pending = false), 0x50) };
    m.cpu.intr = true;
    m.code(CODE0, [0x90, 0x90]);
    m.enter(0, CODE0);
    m.cpu.setEflags(0x202);
    const f = m.expectVector(13);
    expect(f.error).toBe(A_SEL | 1);
    expect(f.eip).toBe(CODE0);
  });

  it('a task gate naming an LDT selector or a non-TSS descriptor is #GP(that selector)', () => {
    for (const sel of [0x44, KDATA]) {
      const m = new ProtectedMachine();
      m.setGdt(9, gate(GATE_TASK, sel, 0, 0));
      m.exec(0, asm.jmpFar(0x48, 0));
      expect(m.vector).toBe(13);
      expect(m.frame().error).toBe(sel & 0xfffc);
    }
  });

  it('a not-present task gate is #NP(gate selector); a not-present TSS is #NP(TSS selector)', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.setGdt(9, gate(GATE_TASK, B_SEL, 0, 0, { present: false }));
    m.exec(0, asm.jmpFar(0x48, 0));
    expect(m.vector).toBe(11);
    expect(m.frame().error).toBe(0x48);
    const m2 = new ProtectedMachine();
    addTaskB(m2, {}, tssDesc(B_BASE, 0x67, { present: false }));
    m2.setGdt(9, gate(GATE_TASK, B_SEL, 0, 0));
    m2.exec(0, asm.jmpFar(0x48, 0));
    expect(m2.vector).toBe(11);
    expect(m2.frame().error).toBe(B_SEL);
  });
});

describe('16-bit TSS', () => {
  function addTask16(m: ProtectedMachine, limit = 0x2b): void {
    m.setGdt(10, tssDesc(C_BASE, limit, { bits16: true }));
    m.writeTss16(C_BASE, {
      link: 0, sp0: 0, ss0: 0, ip: 0x9000, flags: 0x2, ax: 0x1234, cx: 0x5678, sp: 0x8ff0,
      es: KDATA, cs: KCODE, ss: KDATA, ds: KDATA, ldt: 0,
    });
  }

  it('JMP loads the 16-bit state (FS and GS null); a JMP out saves the 16-bit state', () => {
    const m = new ProtectedMachine();
    addTask16(m);
    addTaskB(m);
    m.code(B_EIP, [0xf4]);
    m.code(0x9000, [0xf4, 0x66, 0xb8, 0x21, 0x43, ...asm.jmpFar(B_SEL, 0)]); // hlt; mov ax,0x4321; jmp B
    m.exec(0, asm.jmpFar(C_SEL, 0));
    const c = m.cpu;
    expect(c.trSel).toBe(C_SEL);
    expect(c.eip).toBe(0x9001);
    expect(c.reg32[0] & 0xffff).toBe(0x1234);
    expect(c.reg32[1] & 0xffff).toBe(0x5678);
    expect(c.reg32[4] & 0xffff).toBe(0x8ff0);
    expect(c.segSel[FS]).toBe(0);
    expect(c.segSel[GS]).toBe(0);
    expect(c.segSel[DS]).toBe(KDATA);
    expect(m.gdtAccess(10)).toBe(0x83);
    expect(m.gdtAccess(7)).toBe(0x89);
    const a = m.readTss32(TSS_BASE);
    expect(a.eip).toBe(CODE0 + 7);

    m.run();
    expect(c.trSel).toBe(B_SEL);
    const t = m.readTss16(C_BASE);
    expect(t.ip).toBe(0x900c);
    expect(t.ax).toBe(0x4321);
    expect(t.cx).toBe(0x5678);
    expect([t.es, t.cs, t.ss, t.ds]).toEqual([KDATA, KCODE, KDATA, KDATA]);
    expect(m.gdtAccess(10)).toBe(0x81);
    expect(m.gdtAccess(8)).toBe(0x8b);
  });

  it('CALL to a 16-bit task and IRET back', () => {
    const m = new ProtectedMachine();
    addTask16(m);
    m.code(0x9000, [0xcf]);
    m.exec(0, [...asm.callFar(C_SEL, 0), 0xcd, 0x80]);
    expect(m.vector).toBe(0x80);
    expect(m.cpu.trSel).toBe(A_SEL);
    const t = m.readTss16(C_BASE);
    expect(t.link).toBe(A_SEL);
    expect(t.ip).toBe(0x9001);
    expect(t.flags & FLAG_NT).toBe(0);
    expect(m.gdtAccess(10)).toBe(0x81);
  });

  it('a 16-bit TSS with a limit below 2Bh is #TS(selector)', () => {
    const m = new ProtectedMachine();
    addTask16(m, 0x2a);
    m.exec(0, asm.jmpFar(C_SEL, 0));
    expect(m.vector).toBe(10);
    expect(m.frame().error).toBe(C_SEL);
    expect(m.cpu.trSel).toBe(A_SEL);
  });
});

describe('faults after the commit point belong to the new task', () => {
  /** B runs at ring 3 so that the fault handler takes the ring-0 stack from B's TSS. */
  function ring3Task(m: ProtectedMachine, fields: Partial<Tss32>): void {
    addTaskB(m, { cs: UCODE, ss: UDATA, ds: UDATA, es: UDATA, fs: UDATA, gs: UDATA, eip: CODE3 + 0x100, esp: STACK3, eflags: 2, ...fields });
  }

  const cases: [string, Partial<Tss32>, ((m: ProtectedMachine) => void) | null, number, number][] = [
    ['DS with DPL < CPL: #TS(DS)', { ds: KDATA | 3 }, null, 10, KDATA],
    ['DS not present: #NP(DS)', { ds: 0x4b }, (m) => m.setGdt(9, dataSeg(3, { present: false })), 11, 0x48],
    ['GS a system descriptor: #TS(GS)', { gs: A_SEL }, null, 10, A_SEL],
    ['SS with DPL != CPL: #TS(SS)', { ss: KDATA }, null, 10, KDATA],
    ['SS read-only: #TS(SS)', { ss: 0x4b }, (m) => m.setGdt(9, dataSeg(3, { writable: false })), 10, 0x48],
    ['SS not present: #SS(SS)', { ss: 0x4b }, (m) => m.setGdt(9, dataSeg(3, { present: false })), 12, 0x48],
    ['SS null: #TS(0)', { ss: 0 }, null, 10, 0],
    ['CS null (RPL 3): #TS(0)', { cs: 3 }, null, 10, 0],
    ['CS a data segment: #TS(CS)', { cs: UDATA }, null, 10, UDATA & 0xfffc],
    ['CS not present: #NP(CS)', { cs: 0x4b }, (m) => m.setGdt(9, codeSeg(3, { present: false })), 11, 0x48],
    ['LDT selector naming a data segment: #TS(LDT)', { ldt: KDATA }, null, 10, KDATA],
    ['LDT selector with TI set: #TS(LDT)', { ldt: 0x4c }, null, 10, 0x4c],
    ['LDT not present: #TS(LDT)', { ldt: 0x48 }, (m) => m.setGdt(9, ldtDesc(LDT_BASE, 0xff, false)), 10, 0x48],
  ];
  for (const [name, fields, setup, vector, error] of cases) {
    it(name, () => {
      const m = new ProtectedMachine();
      ring3Task(m, fields);
      setup?.(m);
      m.exec(0, [0x90, ...asm.jmpFar(B_SEL, 0)]);
      expect(m.vector).toBe(vector);
      const f = m.frame();
      expect(f.error).toBe(error);
      expect(f.eip).toBe(CODE3 + 0x100); // the new task's first instruction
      expect(f.cs).toBe(fields.cs ?? UCODE);
      expect(f.esp).toBe(STACK3);
      expect(f.ss).toBe(fields.ss ?? UDATA);
      expect(m.cpu.reg32[4]).toBe(0x6f000 - 24); // ESP0 of the new TSS
      expect(m.cpu.trSel).toBe(B_SEL);
      expect(m.gdtAccess(7)).toBe(0x89);
      expect(m.gdtAccess(8)).toBe(0x8b);
      expect(m.readTss32(TSS_BASE).eip).toBe(CODE0 + 8);
    });
  }

  it('during an external interrupt through a task gate the error code carries EXT', () => {
    const m = new ProtectedMachine();
    ring3Task(m, { ds: KDATA | 3 });
    m.setIdt(0x50, gate(GATE_TASK, B_SEL, 0, 0));
    let pending = true;
    m.cpu.interruptLine = { pending: () => pending, acknowledge: () => ((pending = false), 0x50) };
    m.cpu.intr = true;
    m.code(CODE0, [0x90, 0x90]);
    m.enter(0, CODE0);
    m.cpu.setEflags(0x202);
    const f = m.expectVector(10);
    expect(f.error).toBe(KDATA | 1);
    expect(f.eip).toBe(CODE3 + 0x100);
    expect(m.readTss32(TSS_BASE).eip).toBe(CODE0);
    expect(m.readTss32(B_BASE).link).toBe(A_SEL);
  });

  it('the failing segment keeps its new selector with an unusable descriptor', () => {
    const m = new ProtectedMachine();
    ring3Task(m, { ds: KDATA | 3 });
    m.exec(0, asm.jmpFar(B_SEL, 0));
    expect(m.vector).toBe(10);
    expect(m.cpu.segSel[DS]).toBe(KDATA | 3);
    expect(m.cpu.segAttr[DS] & 0x10000).toBe(0x10000);
  });

  it('EIP beyond the new CS limit is #GP(0) in the new task', () => {
    const m = new ProtectedMachine();
    m.setGdt(9, codeSeg(0, { limit: 0xfff, g: false }));
    addTaskB(m, { cs: 0x48, eip: 0x2000 });
    m.exec(0, asm.jmpFar(B_SEL, 0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0);
    expect(m.frame().eip).toBe(0x2000);
    expect(m.frame().cs).toBe(0x48);
    expect(m.cpu.trSel).toBe(B_SEL);
  });
});

describe('new task state', () => {
  it('the T bit raises #DB (DR6.BT) before the first instruction of the new task', () => {
    const m = new ProtectedMachine();
    addTaskB(m, { trap: 1 });
    m.code(B_EIP, [0xf4]);
    m.exec(0, asm.jmpFar(B_SEL, 0));
    expect(m.vector).toBe(1);
    const f = m.frame();
    expect(f.eip).toBe(B_EIP);
    expect(f.cs).toBe(KCODE);
    expect(m.cpu.dr[6] & 0x8000).toBe(0x8000);
    expect(m.cpu.reg32[4]).toBe(B_STACK - 12);
    expect(m.cpu.trSel).toBe(B_SEL);
  });

  it('loads the LDT of the new task and its LDT-based segments', () => {
    const m = new ProtectedMachine();
    m.setGdt(9, ldtDesc(LDT_BASE, 0xff));
    m.setLdt(1, dataSeg(0, { base: 0x40000 }));
    m.mem.write32(0x40010, 0x600df00d);
    addTaskB(m, { ldt: 0x48, ds: 0x0c });
    m.code(B_EIP, [0x8b, 0x1d, ...le32(0x10), 0xf4]); // mov ebx, [0x10]
    m.exec(0, asm.jmpFar(B_SEL, 0));
    const c = m.cpu;
    expect(c.ldtrSel).toBe(0x48);
    expect(c.ldtrBase).toBe(LDT_BASE);
    expect(c.ldtrLimit).toBe(0xff);
    expect(c.segSel[DS]).toBe(0x0c);
    expect(c.segBase[DS]).toBe(0x40000);
    expect(c.reg32[3]).toBe(0x600df00d);
  });

  it('loads CR3 from the new TSS when paging, and switches back on a JMP to the old task', () => {
    const m = new ProtectedMachine();
    const pdA = FREE, pdB = FREE + 0x1000, pt = FREE + 0x2000, ptA = FREE + 0x3000, ptB = FREE + 0x4000;
    for (let i = 0; i < 1024; i++) m.mem.write32(pt + i * 4, (i << 12) | 3); // identity 0-4 MiB
    m.mem.write32(ptA, 0x500000 | 3);
    m.mem.write32(ptB, 0x600000 | 3);
    m.mem.write32(pdA, pt | 3);
    m.mem.write32(pdA + 4, ptA | 3);
    m.mem.write32(pdB, pt | 3);
    m.mem.write32(pdB + 4, ptB | 3);
    m.mem.write32(0x500000, 0xaaaaaaaa);
    m.mem.write32(0x600000, 0xbbbbbbbb);
    m.writeTss32(TSS_BASE, { cr3: pdA });
    addTaskB(m, { cr3: pdB });
    // B: mov eax, [0x400000]; mov [0x80000], eax; jmp A
    m.code(B_EIP, [...asm.movEaxMem(0x400000), ...asm.movMemEax(0x80000), ...asm.jmpFar(A_SEL, 0)]);
    // A: jmp B; mov ebx, [0x400000]; int 0x80
    m.code(CODE0, [...asm.jmpFar(B_SEL, 0), 0x8b, 0x1d, ...le32(0x400000), 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.cpu.cr3 = pdA;
    m.cpu.cr0 |= 0x80000000;
    m.cpu.flushTlb(true);
    m.expectVector(0x80);
    expect(m.cpu.cr3).toBe(pdA);
    expect(m.mem.read32(0x80000) >>> 0).toBe(0xbbbbbbbb);
    expect(m.cpu.reg32[3] >>> 0).toBe(0xaaaaaaaa);
    expect(m.readTss32(B_BASE).cr3).toBe(pdB); // CR3 is not saved in the old TSS
    expect(m.readTss32(B_BASE).eip).toBe(B_EIP + 17);
  });

  it('a TSS image with VM set starts a virtual-8086 task', () => {
    const m = new ProtectedMachine();
    addTaskB(m, { eflags: 0x20002, cs: 0x1000, eip: 0x0, ss: 0x5000, esp: 0xfffe, ds: 0x2000, es: 0x3000, fs: 0x4000, gs: 0x4100 });
    m.code(0x10000, [0x90, 0xf4]); // nop; hlt (#GP(0) at CPL 3)
    m.code(CODE0 + 0x100, asm.jmpFar(B_SEL, 0));
    m.enter(0, CODE0 + 0x100);
    const f = m.expectVector(13);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(1);
    expect(f.cs).toBe(0x1000);
    expect(f.eflags & 0x20000).toBe(0x20000);
    expect([f.esp, f.ss]).toEqual([0xfffe, 0x5000]);
    expect([m.stack(6), m.stack(7), m.stack(8), m.stack(9)]).toEqual([0x3000, 0x2000, 0x4000, 0x4100]);
    expect(m.cpu.reg32[4]).toBe(0x6f000 - 40);
  });
});

describe('before the commit point nothing changes', () => {
  it('a JMP to the current (busy) task is #GP(selector)', () => {
    const m = new ProtectedMachine();
    m.exec(0, asm.jmpFar(A_SEL, 0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(A_SEL);
    expect(m.gdtAccess(7)).toBe(0x8b);
  });

  it('a JMP to a DPL-0 TSS from ring 3 is #GP(selector)', () => {
    const m = new ProtectedMachine();
    addTaskB(m);
    m.exec(3, asm.jmpFar(B_SEL, 0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(B_SEL);
    expect(m.gdtAccess(8)).toBe(0x89);
  });

  it('a TSS on a not-present page is #PF before anything is written', () => {
    const m = new ProtectedMachine();
    const pd = FREE, pt = FREE + 0x1000;
    for (let i = 0; i < 1024; i++) m.mem.write32(pt + i * 4, (i << 12) | 3);
    m.mem.write32(pt + (0x7000 >>> 12) * 4, 0); // page of the new TSS not present
    m.mem.write32(pd, pt | 3);
    addTaskB(m, {}, tssDesc(0x7000 + 0x80, 0x67));
    m.code(CODE0, [0x90, ...asm.jmpFar(B_SEL, 0)]);
    m.enter(0, CODE0);
    m.cpu.cr3 = pd;
    m.cpu.cr0 |= 0x80000000;
    m.cpu.flushTlb(true);
    const f = m.expectVector(14);
    expect(f.error).toBe(0);
    expect(m.cpu.cr2).toBe(0x7080);
    expect(f.eip).toBe(CODE0 + 1);
    expect(m.cpu.trSel).toBe(A_SEL);
    expect(m.gdtAccess(7)).toBe(0x8b);
    expect(m.gdtAccess(8)).toBe(0x89);
    expect(m.readTss32(TSS_BASE).eip).toBe(0);
    expect(m.cpu.segSel[CS]).toBe(KCODE);
    expect(m.cpu.segSel[SS]).toBe(KDATA);
    expect(m.cpu.segSel[ES]).toBe(KDATA);
  });
});
