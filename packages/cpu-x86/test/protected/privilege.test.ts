/**
 * Ring transitions and privilege rules (Intel SDM Vol. 3A 5.8, 6.12; Vol. 2
 * "INT n", "IRET", "RET", "CALL", "POPF", "CLI", "IN"): stack switches through
 * the TSS, the frames pushed, returns to outer rings with data segments
 * nulled, call gates with parameter copy, conforming code, and the silent
 * IF/IOPL rules that a ring-1 paravirtualized kernel relies on.
 */
import { describe, expect, it } from 'vitest';
import { StopReason } from '../../src/cpu.js';
import { CS, DS, ES, FS, GS, SS } from '../../src/constants.js';
import {
  asm, CODE0, CODE1, CODE3, codeSeg, gate, GATE_CALL32, GATE_INT32, GATE_TRAP32, IOMAP_OFFSET, KCODE, KDATA,
  ProtectedMachine, R1CODE, R1DATA, STACK0, STACK1, STACK3, STUB_BASE, UCODE, UDATA, le32,
} from '../support/protected-machine.js';

const FLAG_IF = 0x200;
const IOPL3 = 0x3000;

describe('interrupts that raise privilege', () => {
  it('INT 0x80 from ring 3 through a trap gate switches to SS0:ESP0 and pushes SS, ESP, EFLAGS, CS, EIP', () => {
    const m = new ProtectedMachine();
    m.setIdt(0x80, gate(GATE_TRAP32, KCODE, STUB_BASE + 0x80 * 16, 3));
    m.code(CODE3, [...asm.movEaxImm(7), 0xcd, 0x80]);
    m.enter(3, CODE3, STACK3 - 0x10);
    m.cpu.setEflags(0x202 | 0x1); // IF, CF
    const stop = m.run();
    expect(stop).toBe(StopReason.Halt);
    expect(m.vector).toBe(0x80);
    const c = m.cpu;
    expect(c.cpl).toBe(0);
    expect(c.segSel[CS]).toBe(KCODE);
    expect(c.segSel[SS]).toBe(KDATA);
    expect(c.reg32[4]).toBe(STACK0 - 20);
    expect([m.stack(0), m.stack(1), m.stack(2), m.stack(3), m.stack(4)]).toEqual([
      CODE3 + 7, UCODE, 0x203, STACK3 - 0x10, UDATA,
    ]);
    expect(c.getEflags() & FLAG_IF).toBe(FLAG_IF); // trap gate keeps IF
    expect(c.reg32[0]).toBe(7);
    // Data segments are not touched by an interrupt from protected mode.
    expect(c.segSel[DS]).toBe(UDATA);
  });

  it('INT from ring 1 (a Xen-style guest kernel) to ring 0 saves the ring-1 SS:ESP', () => {
    const m = new ProtectedMachine();
    m.code(CODE1, [0xcd, 0x80]);
    m.enter(1, CODE1, STACK1 - 0x20);
    const f = m.expectVector(0x80);
    expect(f).toEqual({ error: -1, eip: CODE1 + 2, cs: R1CODE, eflags: 2, esp: STACK1 - 0x20, ss: R1DATA });
    expect(m.cpu.reg32[4]).toBe(STACK0 - 20);
  });

  it('a gate into ring-1 code takes SS1:ESP1 from the TSS', () => {
    const m = new ProtectedMachine();
    m.setIdt(0x82, gate(GATE_INT32, R1CODE, CODE1 + 0x100, 3));
    m.code(CODE1 + 0x100, [0xeb, 0xfe]); // jmp $
    m.code(CODE3, [0x90, 0xcd, 0x82]);
    m.enter(3, CODE3);
    expect(m.run(20)).toBe(StopReason.Budget);
    const c = m.cpu;
    expect(c.cpl).toBe(1);
    expect(c.segSel[CS]).toBe(R1CODE);
    expect(c.segSel[SS]).toBe(R1DATA);
    expect(c.eip).toBe(CODE1 + 0x100);
    expect(c.reg32[4]).toBe(STACK1 - 20);
    expect([m.stack(0), m.stack(1), m.stack(3), m.stack(4)]).toEqual([CODE3 + 3, UCODE, STACK3, UDATA]);
  });

  it('an interrupt at ring 0 uses the current stack (no SS:ESP in the frame)', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, [0xcd, 0x80]);
    m.enter(0, CODE0, STACK0 - 0x100);
    m.expectVector(0x80);
    expect(m.cpu.reg32[4]).toBe(STACK0 - 0x100 - 12);
    expect([m.stack(0), m.stack(1)]).toEqual([CODE0 + 2, KCODE]);
  });
});

/** Ring-0 code that builds an IRET frame to `cs:eip` with `ss:esp` and `eflags`. */
function iretFrame(ss: number, esp: number, eflags: number, cs: number, eip: number): number[] {
  return [0x68, ...le32(ss), 0x68, ...le32(esp), 0x68, ...le32(eflags), 0x68, ...le32(cs), 0x68, ...le32(eip), 0xcf];
}

describe('returns to outer rings', () => {
  it('IRET from ring 0 to ring 3 loads SS:ESP and nulls data segments the new CPL may not use', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0x8c, 0xd8, 0x8c, 0xc3, 0x8c, 0xe1, 0xcd, 0x80]); // mov eax,ds; mov ebx,es; mov ecx,fs; int 0x80
    m.enter(0, CODE0);
    m.loadSeg(ES, R1DATA);
    m.loadSeg(FS, UDATA);
    m.loadSeg(GS, KDATA);
    m.code(CODE0, iretFrame(UDATA, STACK3 - 4, 0x202, UCODE, CODE3));
    const f = m.expectVector(0x80);
    const c = m.cpu;
    expect(f.cs).toBe(UCODE);
    expect(f.ss).toBe(UDATA);
    expect(f.esp).toBe(STACK3 - 4);
    expect(f.eflags).toBe(0x202);
    expect(c.reg32[0] & 0xffff).toBe(0); // DS (KDATA, DPL 0) nulled
    expect(c.reg32[3] & 0xffff).toBe(0); // ES (DPL 1) nulled
    expect(c.reg32[1] & 0xffff).toBe(UDATA); // FS kept
    expect(c.segSel[GS]).toBe(0);
  });

  it('IRET from ring 0 to ring 1 keeps DPL-1 segments and nulls DPL-0 ones', () => {
    const m = new ProtectedMachine();
    m.code(CODE1, [0x8c, 0xd8, 0x8c, 0xc3, 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.loadSeg(ES, R1DATA);
    m.code(CODE0, iretFrame(R1DATA, STACK1, 0x2, R1CODE, CODE1));
    const f = m.expectVector(0x80);
    expect(f.cs).toBe(R1CODE);
    expect(f.ss).toBe(R1DATA);
    expect(f.esp).toBe(STACK1);
    expect(m.cpu.reg32[0] & 0xffff).toBe(0);
    expect(m.cpu.reg32[3] & 0xffff).toBe(R1DATA);
  });

  it('IRET to an inner ring is #GP(selector)', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0x68, ...le32(0x2), 0x6a, KCODE, 0x68, ...le32(CODE0), 0xcf]);
    m.enter(3, CODE3);
    const f = m.expectVector(13);
    expect(f.error).toBe(KCODE);
    expect(f.eip).toBe(CODE3 + 12);
  });

  it('IRET with an SS whose RPL differs from the return CS RPL is #GP(SS selector)', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, iretFrame(R1DATA, STACK3, 0x2, UCODE, CODE3));
    m.enter(0, CODE0);
    const f = m.expectVector(13);
    expect(f.error).toBe(R1DATA & 0xfffc);
  });

  it('RETF from ring 0 to ring 3 pops CS:EIP then ESP:SS and nulls DS', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0x8c, 0xd8, 0xcd, 0x80]);
    // push ss; push esp; push cs; push eip; retf
    m.code(CODE0, [0x6a, UDATA, 0x68, ...le32(STACK3 - 8), 0x6a, UCODE, 0x68, ...le32(CODE3), 0xcb]);
    m.enter(0, CODE0);
    const f = m.expectVector(0x80);
    expect(f.cs).toBe(UCODE);
    expect(f.esp).toBe(STACK3 - 8);
    expect(m.cpu.reg32[0] & 0xffff).toBe(0);
  });
});

describe('call gates', () => {
  it('CALL through a 32-bit call gate from ring 3 to ring 0 copies the parameters; RETF 8 releases them', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, gate(GATE_CALL32, KCODE, CODE0 + 0x100, 3, { params: 2 }));
    m.code(CODE0 + 0x100, [0xf4, 0xca, 0x08, 0x00]); // hlt; retf 8
    // push 0x11111111; push 0x22222222; call far 0x43:0; int3
    m.code(CODE3, [0x68, ...le32(0x11111111), 0x68, ...le32(0x22222222), ...asm.callFar(0x43, 0xdead), 0xcc]);
    m.enter(3, CODE3);
    expect(m.run()).toBe(StopReason.Halt);
    const c = m.cpu;
    expect(c.eip).toBe(CODE0 + 0x101);
    expect(c.cpl).toBe(0);
    expect(c.segSel[CS]).toBe(KCODE);
    expect(c.segSel[SS]).toBe(KDATA);
    expect(c.reg32[4]).toBe(STACK0 - 24);
    expect([0, 1, 2, 3, 4, 5].map((i) => m.stack(i))).toEqual([
      CODE3 + 17, UCODE, 0x22222222, 0x11111111, STACK3 - 8, UDATA,
    ]);
    const f = m.expectVector(3);
    expect(f.eip).toBe(CODE3 + 18);
    expect(f.cs).toBe(UCODE);
    expect(f.esp).toBe(STACK3);
  });

  it('a call gate whose DPL is below CPL is #GP(gate selector)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, gate(GATE_CALL32, KCODE, CODE0 + 0x100, 0));
    m.exec(3, asm.callFar(0x43, 0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0x40);
  });

  it('a call gate to ring 0 reached through JMP is #GP(code selector) (JMP cannot raise privilege)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, gate(GATE_CALL32, KCODE, CODE0 + 0x100, 3));
    m.exec(3, asm.jmpFar(0x43, 0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(KCODE);
  });

  it('a not-present call gate is #NP(gate selector)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, gate(GATE_CALL32, KCODE, CODE0 + 0x100, 3, { present: false }));
    m.exec(3, asm.callFar(0x43, 0));
    expect(m.vector).toBe(11);
    expect(m.frame().error).toBe(0x40);
  });
});

describe('conforming code segments', () => {
  it('a far call from ring 3 into DPL-0 conforming code keeps CPL 3 (CS.RPL = 3)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, codeSeg(0, { conforming: true }));
    m.code(CODE0 + 0x200, [0x8c, 0xc8, 0xf4]); // mov eax, cs; hlt (privileged: faults at CPL 3)
    m.code(CODE3, asm.callFar(0x40, CODE0 + 0x200));
    m.enter(3, CODE3);
    const f = m.expectVector(13);
    expect(f.error).toBe(0);
    expect(f.cs).toBe(0x43);
    expect(f.eip).toBe(CODE0 + 0x202);
    expect(f.ss).toBe(UDATA);
    expect(f.esp).toBe(STACK3 - 8);
    expect(m.cpu.reg32[0] & 0xffff).toBe(0x43);
  });

  it('a direct far call from ring 3 to non-conforming DPL-0 code is #GP(selector)', () => {
    const m = new ProtectedMachine();
    m.exec(3, asm.callFar(KCODE, CODE0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(KCODE);
  });

  it('conforming code with DPL above CPL is #GP(selector)', () => {
    const m = new ProtectedMachine();
    m.setGdt(8, codeSeg(3, { conforming: true }));
    m.exec(0, asm.jmpFar(0x40, CODE0));
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0x40);
  });
});

describe('EFLAGS privilege rules', () => {
  /** Runs `pre` then pushes `value`, POPFD, PUSHFD, POP EAX at `ring`; returns EAX. */
  function popfAt(ring: 0 | 1 | 3, initial: number, value: number): number {
    const m = new ProtectedMachine();
    const addr = ring === 0 ? CODE0 : ring === 1 ? CODE1 : CODE3;
    m.code(addr, [0x68, ...le32(value), 0x9d, 0x9c, 0x58, 0xcd, 0x80]);
    m.enter(ring, addr);
    m.cpu.setEflags(initial);
    m.expectVector(0x80);
    return m.cpu.reg32[0];
  }

  it('POPF at CPL 3 with IOPL 0 silently keeps IF and IOPL but changes the arithmetic flags', () => {
    expect(popfAt(3, 0x202, IOPL3 | 0x2 | 0x1 | 0x80) & 0x32c1).toBe(0x200 | 0x1 | 0x80);
  });

  it('POPF at CPL 1 with IOPL 1 may clear IF but not change IOPL', () => {
    expect(popfAt(1, 0x1202, IOPL3 | 0x2) & 0x3200).toBe(0x1000);
  });

  it('POPF at CPL 1 with IOPL 0 (a guest kernel) keeps IF set', () => {
    expect(popfAt(1, 0x202, 0x2) & 0x3200).toBe(0x200);
  });

  it('POPF at CPL 0 changes both IF and IOPL', () => {
    expect(popfAt(0, 0x202, IOPL3 | 0x2) & 0x3200).toBe(0x3000);
  });

  it('IRET at CPL 1 to CPL 1 silently keeps IF and IOPL', () => {
    const m = new ProtectedMachine();
    // push eflags(IOPL 3, IF 0); push cs; push eip; iret; then: pushfd; pop eax; int 0x80
    const target = CODE1 + 0x40;
    m.code(CODE1, [0x68, ...le32(IOPL3 | 0x2 | 0x40), 0x6a, R1CODE, 0x68, ...le32(target), 0xcf]);
    m.code(target, [0x9c, 0x58, 0xcd, 0x80]);
    m.enter(1, CODE1);
    m.cpu.setEflags(0x202);
    m.expectVector(0x80);
    expect(m.cpu.reg32[0] & 0x3240).toBe(0x240); // IF still 1, IOPL still 0, ZF from the image
  });

  it('IRET at CPL 1 to CPL 3 silently keeps IF and IOPL', () => {
    const m = new ProtectedMachine();
    m.code(CODE1, [
      0x6a, UDATA, 0x68, ...le32(STACK3), 0x68, ...le32(IOPL3 | 0x2), 0x6a, UCODE, 0x68, ...le32(CODE3), 0xcf,
    ]);
    m.code(CODE3, [0x9c, 0x58, 0xcd, 0x80]);
    m.enter(1, CODE1);
    m.cpu.setEflags(0x202);
    m.expectVector(0x80);
    expect(m.cpu.reg32[0] & 0x3200).toBe(0x200);
    expect(m.frame().cs).toBe(UCODE);
  });

  it('IRET at CPL 0 to CPL 3 loads IF and IOPL from the image', () => {
    const m = new ProtectedMachine();
    m.code(CODE0, iretFrame(UDATA, STACK3, IOPL3 | 0x2, UCODE, CODE3));
    m.code(CODE3, [0x9c, 0x58, 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.cpu.setEflags(0x202);
    m.expectVector(0x80);
    expect(m.cpu.reg32[0] & 0x3200).toBe(0x3000);
  });
});

describe('IOPL-sensitive instructions and the I/O bitmap', () => {
  for (const [name, bytes] of [['CLI', [0xfa]], ['STI', [0xfb]], ['IN AL, 0x80', [0xe4, 0x80]], ['OUT 0x80, AL', [0xe6, 0x80]]] as const) {
    it(`${name} at CPL 3 with IOPL 0 and no I/O bitmap is #GP(0)`, () => {
      const m = new ProtectedMachine();
      m.exec(3, [0x90, ...bytes]);
      expect(m.vector).toBe(13);
      expect(m.frame().error).toBe(0);
      expect(m.frame().eip).toBe(CODE3 + 1);
    });

    it(`${name} at CPL 1 with IOPL 0 is #GP(0)`, () => {
      const m = new ProtectedMachine();
      m.exec(1, [...bytes]);
      expect(m.vector).toBe(13);
      expect(m.frame().error).toBe(0);
    });
  }

  it('CLI and STI at CPL 3 with IOPL 3 change IF', () => {
    const m = new ProtectedMachine();
    m.code(CODE3, [0xfa, 0x9c, 0x5b, 0xfb, 0x9c, 0x58, 0xcd, 0x80]); // cli; pushfd; pop ebx; sti; pushfd; pop eax
    m.enter(3, CODE3);
    m.cpu.setEflags(IOPL3 | 0x202);
    m.expectVector(0x80);
    expect(m.cpu.reg32[3] & FLAG_IF).toBe(0);
    expect(m.cpu.reg32[0] & FLAG_IF).toBe(FLAG_IF);
  });

  it('IN/OUT at CPL 3 are allowed port by port by the TSS I/O bitmap', () => {
    const m = new ProtectedMachine();
    m.setIoBitmap([0x80, 0x3f8, 0x3f9]);
    const writes: [number, number, number][] = [];
    m.cpu.io.register(0x80, 1, { in: () => 0x5a, out: (p, v, s) => writes.push([p, v, s]) });
    m.cpu.io.register(0x3f8, 2, { in: (p) => p & 0xff, out: (p, v, s) => writes.push([p, v, s]) });
    // in al,0x80; mov bl,al; out 0x80,al; mov dx,0x3f8; in ax,dx; mov ecx,eax; out dx,ax; in al,0x81
    m.code(CODE3, [
      0xe4, 0x80, 0x88, 0xc3, 0xe6, 0x80, 0x66, 0xba, 0xf8, 0x03, 0x66, 0xed, 0x89, 0xc1, 0x66, 0xef, 0xe4, 0x81,
    ]);
    m.enter(3, CODE3);
    const f = m.expectVector(13);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE3 + 16);
    expect(m.cpu.reg8[12]).toBe(0x5a); // BL
    expect(m.cpu.reg32[1] & 0xffff).toBe(0xf8); // the word read from the device at 0x3f8
    expect(writes).toEqual([[0x80, 0x5a, 1], [0x3f8, 0xf8, 2]]);
  });

  it('a word access is denied if any of its ports is denied', () => {
    const m = new ProtectedMachine();
    m.setIoBitmap([0x80]);
    m.exec(3, [0x66, 0xe5, 0x80]); // in ax, 0x80 (ports 0x80 and 0x81)
    expect(m.vector).toBe(13);
    expect(m.frame().error).toBe(0);
  });

  it('the two bitmap bytes the processor reads must both lie within the TSS limit (SDM Vol. 1 19.5.2)', () => {
    const m = new ProtectedMachine();
    // The limit covers the bitmap bytes of ports 0..0x87; port 0x80 is allowed by its bit but its
    // byte is the last one inside the limit, so the second byte read lies beyond it.
    m.setIoBitmap([0x7f, 0x80], IOMAP_OFFSET + 0x10);
    m.code(CODE3, [0xe4, 0x7f, 0xe4, 0x80]);
    m.enter(3, CODE3);
    const f = m.expectVector(13);
    expect(f.eip).toBe(CODE3 + 2);
  });

  it('IN at CPL 1 with IOPL 1 needs no bitmap', () => {
    const m = new ProtectedMachine();
    m.cpu.io.register(0x60, 1, { in: () => 0x33, out: () => {} });
    m.code(CODE1, [0xe4, 0x60, 0xcd, 0x80]);
    m.enter(1, CODE1);
    m.cpu.setEflags(0x1002);
    m.expectVector(0x80);
    expect(m.cpu.reg8[0]).toBe(0x33);
  });
});
