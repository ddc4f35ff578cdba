/**
 * Real-address mode (Intel SDM Vol. 3A chapter 20 "8086 Emulation", 9.1
 * "Initialization Overview", 9.9 "Mode Switching"; Vol. 3B 22.x for the
 * IA-32 differences from the 8086).
 *
 * What is expected where the architecture leaves a choice to the platform:
 * - A20: not modelled, i.e. always enabled (as on any 386+ with the A20 gate
 *   open): FFFF:0010 is linear 100000h, not 0. Offsets still wrap within the
 *   64 KiB segment (16-bit address size), and an access that straddles offset
 *   FFFFh faults (#GP, or #SS for SS) instead of wrapping as on an 8086.
 * - Segment loads in real mode change only the selector and base; the cached
 *   limit and attributes stay, so limits loaded in protected mode survive the
 *   return to real mode ("unreal mode").
 */
import { describe, expect, it } from 'vitest';
import { Cpu, StopReason } from '../src/cpu.js';
import { CS, DS, EAX, EBX, ECX, EDX, ES, ESP, FS, GS, SS, VEC_DE, VEC_GP, VEC_SS, VEC_UD } from '../src/constants.js';
import { PhysicalMemory, type MmioDevice } from '../src/memory/physical-memory.js';
import { codeSeg, dataSeg, le16, le32 } from './support/protected-machine.js';
import { CODE_SEG, DATA_SEG, RealMachine, STACK_SEG, STACK_TOP } from './support/real-machine.js';

const FLAG_IF = 0x200;

/** A 64 KiB ROM at the top of the 4 GiB physical space; writes are ignored. */
class Rom implements MmioDevice {
  readonly image = new Uint8Array(0x10000).fill(0xf4);
  read8(addr: number): number {
    return this.image[(addr >>> 0) - 0xffff0000];
  }
  write8(): void {
    // read-only
  }
}

describe('RESET state (SDM Vol. 3A table 9-1)', () => {
  it('starts at F000:FFF0 with CS.base = FFFF0000h and the documented register values', () => {
    const c = new Cpu({ memory: new PhysicalMemory(1 << 20) });
    expect(c.protectedMode).toBe(false);
    expect([c.segSel[CS], c.segBase[CS] >>> 0, c.segLimit[CS], c.eip]).toEqual([0xf000, 0xffff0000, 0xffff, 0xfff0]);
    for (const s of [DS, ES, SS, FS, GS]) expect([c.segSel[s], c.segBase[s], c.segLimit[s]]).toEqual([0, 0, 0xffff]);
    expect(c.getEflags()).toBe(2);
    expect(c.cr0 >>> 0).toBe(0x60000010);
    expect([c.cr2, c.cr3, c.cr4]).toEqual([0, 0, 0]);
    expect([c.gdtrBase, c.gdtrLimit, c.idtrBase, c.idtrLimit]).toEqual([0, 0xffff, 0, 0xffff]);
    expect([c.dr[6] >>> 0, c.dr[7]]).toEqual([0xffff0ff0, 0x400]);
    expect(c.reg32[EAX]).toBe(0);
    expect((c.reg32[EDX] >>> 8) & 0xf).toBe(6); // P6 family signature in EDX
  });

  // Regression (was a bug, fixed): the reset EDX signature was 633h (family 6, model 3), not the CPUID signature
  // (619h: family 6, model 1, the Pentium Pro DESIGN.md describes). SDM Vol. 3A 9.1.3: after
  // reset EDX holds the processor's identification, the same family/model/stepping that CPUID
  // leaf 1 reports in EAX.
  it('the reset EDX equals CPUID(1).EAX', () => {
    const m = new RealMachine();
    const resetEdx = new Cpu({ memory: new PhysicalMemory(1 << 20) }).reg32[EDX];
    expect(m.exec([0x66, 0x31, 0xc0, 0x40, 0x0f, 0xa2])).toBe(StopReason.Halt); // xor eax, eax; inc ax; cpuid
    expect(resetEdx).toBe(m.cpu.reg32[EAX]);
  });

  it('boots from a ROM mapped at the top of 4 GiB: near jumps stay in the high alias until a far jump reloads CS', () => {
    const mem = new PhysicalMemory(2 << 20);
    const rom = new Rom();
    // FFF0: mov ax, 1234h; jmp near FF00h
    rom.image.set([0xb8, 0x34, 0x12, 0xe9, ...le16(0xff00 - 0xfff6)], 0xfff0);
    // FF00: mov bx, 5678h; jmp far F000:E05B
    rom.image.set([0xbb, 0x78, 0x56, 0xea, ...le16(0xe05b), ...le16(0xf000)], 0xff00);
    rom.image.set([0xb9, 0xba, 0xd0, 0xf4], 0xe05b); // must not run: after the far jump CS.base is F0000h
    mem.mapMmio(0xffff0000, 0x10000, rom);
    mem.load(0xfff00, Uint8Array.from([0xbb, 0x00, 0x00, 0xf4])); // the RAM below 1 MiB: not the ROM
    mem.load(0xfe05b, Uint8Array.from([0xb9, 0x0d, 0xf0, 0xf4])); // mov cx, F00Dh; hlt
    const c = new Cpu({ memory: mem });
    expect(c.run(100)).toBe(StopReason.Halt);
    expect([c.reg16[0], c.reg16[EBX << 1], c.reg16[ECX << 1]]).toEqual([0x1234, 0x5678, 0xf00d]);
    expect([c.segSel[CS], c.segBase[CS], c.eip]).toEqual([0xf000, 0xf0000, 0xe05f]);
  });
});

describe('16-bit code with operand- and address-size prefixes', () => {
  it('66 gives 32-bit operands: mov eax, imm32; add eax, imm32; imul eax, ebx; push/pop a dword', () => {
    const m = new RealMachine();
    const c = m.cpu;
    // mov eax, 12345678h; add eax, 11111111h; mov ebx, 2; imul eax, ebx; push eax; pop edx (two words)
    const code = [
      0x66, 0xb8, ...le32(0x12345678), 0x66, 0x05, ...le32(0x11111111), 0x66, 0xbb, ...le32(2), 0x66, 0x0f, 0xaf, 0xc3,
      0x66, 0x50, 0x5a, 0x59,
    ];
    expect(m.exec(code)).toBe(StopReason.Halt);
    expect(c.reg32[EAX] >>> 0).toBe(0x468acf12);
    expect([c.reg16[EDX << 1], c.reg16[ECX << 1]]).toEqual([0xcf12, 0x468a]);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP);
  });

  it('67 gives 32-bit addressing (SIB, disp32), DS by default and SS for an EBP base', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.mem.write32(DATA_SEG * 16 + 0x1234, 0xcafebabe);
    m.mem.write32(STACK_SEG * 16 + 0x0220, 0x0badf00d);
    c.reg32[ECX] = 0x1000;
    c.reg32[EBX] = 0x0234;
    c.reg32[5] = 0x0200; // EBP
    // mov eax, [ecx+ebx] (67 66 8B 04 19); mov edx, [ebp+20h] (67 66 8B 55 20)
    expect(m.exec([0x67, 0x66, 0x8b, 0x04, 0x19, 0x67, 0x66, 0x8b, 0x55, 0x20])).toBe(StopReason.Halt);
    expect(c.reg32[EAX] >>> 0).toBe(0xcafebabe);
    expect(c.reg32[EDX]).toBe(0x0badf00d);
  });

  it('a 32-bit offset above the 64 KiB limit is #GP (vector 13 through the IVT, IP of the first prefix)', () => {
    const m = new RealMachine();
    m.cpu.reg32[EBX] = 0x10000;
    m.load(CODE_SEG, 0, [0x90, 0x67, 0x66, 0x8b, 0x03, 0xf4]); // nop; mov eax, [ebx]
    m.enter(CODE_SEG, 0);
    const f = m.expectVector(VEC_GP);
    expect(f).toEqual({ ip: 1, cs: CODE_SEG, flags: 2 });
    expect(m.cpu.reg16[ESP << 1]).toBe(STACK_TOP - 6); // no error code in real mode
  });
});

describe('segment arithmetic', () => {
  it('linear = selector * 16 + offset without a 20-bit wrap: FFFF:0010 is 100000h (A20 always on)', () => {
    const m = new RealMachine();
    // mov ax, FFFFh; mov es, ax; mov byte [es:0010h], 5Ah; mov byte [es:000Fh], 0A5h
    expect(m.exec([0xb8, 0xff, 0xff, 0x8e, 0xc0, 0x26, 0xc6, 0x06, ...le16(0x10), 0x5a, 0x26, 0xc6, 0x06, ...le16(0x0f), 0xa5])).toBe(StopReason.Halt);
    expect(m.mem.read8(0x100000)).toBe(0x5a);
    expect(m.mem.read8(0xfffff)).toBe(0xa5);
    expect(m.mem.read8(0x00000)).not.toBe(0x5a);
  });

  it('16-bit offsets wrap within the segment: [bx+si] with BX = FFFFh, SI = 2 is offset 1', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.mem.write8(DATA_SEG * 16 + 1, 0x77);
    m.mem.write8(DATA_SEG * 16 + 0x10001, 0x88);
    c.reg32[EBX] = 0xffff;
    c.reg32[6] = 2; // ESI
    expect(m.exec([0x8a, 0x00])).toBe(StopReason.Halt); // mov al, [bx+si]
    expect(c.reg8[0]).toBe(0x77);
  });

  it('a word at offset FFFFh does not wrap: #GP for DS, #SS for SS (SDM Vol. 3B 22: "segment wraparound")', () => {
    const m = new RealMachine();
    m.cpu.reg32[EBX] = 0xffff;
    m.load(CODE_SEG, 0, [0x8b, 0x07]); // mov ax, [bx]
    m.enter(CODE_SEG, 0);
    expect(m.expectVector(VEC_GP).ip).toBe(0);
    const m2 = new RealMachine();
    m2.cpu.reg32[5] = 0xffff; // EBP
    m2.load(CODE_SEG, 0, [0x8b, 0x46, 0x00]); // mov ax, [bp+0]
    m2.enter(CODE_SEG, 0);
    expect(m2.expectVector(VEC_SS).ip).toBe(0);
  });
});

describe('interrupts and exceptions through the IVT', () => {
  it('an external interrupt (INTR) with IF = 1: IVT vector, FLAGS/CS/IP pushed, IRET returns', () => {
    const m = new RealMachine();
    const c = m.cpu;
    const queue = [0x08];
    c.interruptLine = { pending: () => queue.length > 0, acknowledge: () => queue.shift()! };
    m.mem.write16(8 * 4, 0x0100);
    m.mem.write16(8 * 4 + 2, 0x6000);
    m.load(0x6000, 0x100, [0x41, 0xcf]); // inc cx; iret
    m.load(CODE_SEG, 0, [0xfb, 0x90, 0x90, 0xf4]); // sti; nop; nop; hlt
    m.enter(CODE_SEG, 0);
    c.intr = true;
    expect(m.run()).toBe(StopReason.Halt);
    expect(c.reg16[ECX << 1]).toBe(1);
    expect(c.eip).toBe(4);
    expect(c.getEflags() & FLAG_IF).toBe(FLAG_IF);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP);
  });

  it('#DE pushes the IP of the DIV; #UD (UD2) pushes the IP of the UD2', () => {
    const m = new RealMachine();
    m.load(CODE_SEG, 0, [0x90, 0x31, 0xdb, 0xf6, 0xf3]); // nop; xor bx, bx; div bl
    m.enter(CODE_SEG, 0);
    expect(m.expectVector(VEC_DE).ip).toBe(3);
    const m2 = new RealMachine();
    m2.load(CODE_SEG, 0, [0x90, 0x0f, 0x0b]);
    m2.enter(CODE_SEG, 0);
    expect(m2.expectVector(VEC_UD).ip).toBe(1);
  });

  it('NMI goes through IVT vector 2 even with IF = 0', () => {
    const m = new RealMachine();
    m.load(CODE_SEG, 0, [0xfa, 0x90, 0x90, 0xf4]);
    m.enter(CODE_SEG, 0);
    expect(m.cpu.run(1)).toBe(StopReason.Budget);
    m.cpu.raiseNmi();
    expect(m.expectVector(2).ip).toBe(1);
  });
});

describe('far transfers in real mode', () => {
  it('jmp far ptr16:16, call far, retf and retf imm16', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.load(CODE_SEG, 0, [0xea, ...le16(0x10), ...le16(0x4000)]); // jmp 4000:0010
    m.load(0x4000, 0x10, [0x9a, ...le16(0x20), ...le16(0x4100), 0xf4]); // call 4100:0020; hlt
    // mov bp, sp; mov cx, [bp]; mov dx, [bp+2]; retf 0
    m.load(0x4100, 0x20, [0x89, 0xe5, 0x8b, 0x4e, 0x00, 0x8b, 0x56, 0x02, 0xca, 0x00, 0x00]);
    m.enter(CODE_SEG, 0);
    expect(m.run()).toBe(StopReason.Halt);
    expect([c.reg16[ECX << 1], c.reg16[EDX << 1]]).toEqual([0x15, 0x4000]); // pushed IP then CS
    expect([c.segSel[CS], c.segBase[CS], c.eip]).toEqual([0x4000, 0x40000, 0x16]);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP);
    // retf 4 releases two more words.
    const m2 = new RealMachine();
    m2.load(CODE_SEG, 0, [0x6a, 0x11, 0x6a, 0x22, 0x9a, ...le16(0x30), ...le16(0x4200), 0xf4]);
    m2.load(0x4200, 0x30, [0xca, 0x04, 0x00]);
    m2.enter(CODE_SEG, 0);
    expect(m2.run()).toBe(StopReason.Halt);
    expect(m2.cpu.reg16[ESP << 1]).toBe(STACK_TOP);
    expect(m2.cpu.eip).toBe(10);
  });

  it('FF /3 and FF /5 through m16:16', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.mem.write16(DATA_SEG * 16 + 0x40, 0x0050);
    m.mem.write16(DATA_SEG * 16 + 0x42, 0x4300);
    m.mem.write16(DATA_SEG * 16 + 0x44, 0x0060);
    m.mem.write16(DATA_SEG * 16 + 0x46, 0x4400);
    m.load(CODE_SEG, 0, [0xff, 0x1e, ...le16(0x40), 0xf4]); // call far [0x40]
    m.load(0x4300, 0x50, [0xff, 0x2e, ...le16(0x44)]); // jmp far [0x44]
    m.load(0x4400, 0x60, [0x40, 0xcb]); // inc ax; retf
    m.enter(CODE_SEG, 0);
    expect(m.run()).toBe(StopReason.Halt);
    expect(c.reg16[0]).toBe(1);
    expect([c.segSel[CS], c.eip]).toEqual([CODE_SEG, 5]);
    expect(c.reg16[ESP << 1]).toBe(STACK_TOP);
  });

  it('66 9A / 66 CB: 32-bit far call pushes a dword CS slot and EIP; the offset must be within the 64 KiB limit', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.load(CODE_SEG, 0, [0x66, 0x9a, ...le32(0x80), ...le16(0x4500), 0xf4]);
    m.load(0x4500, 0x80, [0x66, 0xcb]);
    m.enter(CODE_SEG, 0);
    expect(m.run()).toBe(StopReason.Halt);
    expect(c.eip).toBe(9);
    expect(m.mem.read32(STACK_SEG * 16 + STACK_TOP - 8)).toBe(8);
    expect(m.mem.read16(STACK_SEG * 16 + STACK_TOP - 4)).toBe(CODE_SEG);
    const m2 = new RealMachine();
    m2.load(CODE_SEG, 0, [0x90, 0x66, 0xea, ...le32(0x10000), ...le16(0x4500)]);
    m2.enter(CODE_SEG, 0);
    expect(m2.expectVector(VEC_GP).ip).toBe(1);
  });
});

describe('protected mode and back ("unreal mode")', () => {
  /**
   * Real-mode code at 1000:0000 (linear 10000h). It loads a GDT, sets PE, jumps
   * to a 16-bit protected-mode code segment (base 10000h), loads DS/ES with a
   * flat 4 GiB data segment, clears PE, jumps back to 1000:xxxx and reloads DS
   * with 0 in real mode. Offsets above 64 KiB then work through DS.
   */
  function unrealProgram(): number[] {
    const GDT_OFF = 0x200;
    const code: number[] = [];
    const at = (): number => code.length;
    code.push(0xfa); // cli
    code.push(0x8c, 0xc8, 0x8e, 0xd8); // mov ax, cs; mov ds, ax
    code.push(0x0f, 0x01, 0x16, ...le16(GDT_OFF)); // lgdt [GDT_OFF]
    code.push(0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0); // mov eax, cr0; or al, 1; mov cr0, eax
    const pmOff = at() + 5;
    code.push(0xea, ...le16(pmOff), ...le16(0x08)); // jmp 08:pm (16-bit code, base 10000h)
    // pm: mov ax, 10h; mov ds, ax; mov es, ax
    code.push(0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xc0);
    code.push(0x0f, 0x20, 0xc0, 0x24, 0xfe, 0x0f, 0x22, 0xc0); // mov eax, cr0; and al, FEh; mov cr0, eax
    const rmOff = at() + 5;
    code.push(0xea, ...le16(rmOff), ...le16(CODE_SEG)); // jmp 1000:rm
    // rm: xor ax, ax; mov ds, ax; mov es, ax
    code.push(0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xc0);
    code.push(0x66, 0xbb, ...le32(0x150000)); // mov ebx, 150000h
    code.push(0x67, 0x66, 0x8b, 0x03); // mov eax, [ebx]
    code.push(0x67, 0x26, 0x66, 0x89, 0x43, 0x04); // mov [es:ebx+4], eax
    code.push(0xf4);
    while (code.length < GDT_OFF) code.push(0x90);
    // GDTR (limit, base) then the GDT at GDT_OFF + 8.
    code.push(...le16(3 * 8 - 1), ...le32(CODE_SEG * 16 + GDT_OFF + 8), 0, 0);
    code.push(0, 0, 0, 0, 0, 0, 0, 0);
    const cs16 = codeSeg(0, { base: CODE_SEG * 16, limit: 0xffff, g: false, big: false });
    const flat = dataSeg(0);
    for (const d of [cs16, flat]) code.push(...le32(d[0]), ...le32(d[1]));
    return code;
  }

  it('the limit loaded in protected mode survives the return to real mode: 32-bit offsets reach above 1 MiB', () => {
    const m = new RealMachine(4 << 20);
    const c = m.cpu;
    m.mem.write32(0x150000, 0x600dcafe);
    m.load(CODE_SEG, 0, unrealProgram());
    m.enter(CODE_SEG, 0);
    expect(m.run()).toBe(StopReason.Halt);
    expect(m.vector).toBe(-1);
    expect(c.protectedMode).toBe(false);
    expect([c.segSel[CS], c.segBase[CS]]).toEqual([CODE_SEG, CODE_SEG * 16]);
    expect([c.segSel[DS], c.segBase[DS], c.segLimit[DS] >>> 0]).toEqual([0, 0, 0xffffffff]);
    expect(c.reg32[EAX]).toBe(0x600dcafe);
    expect(m.mem.read32(0x150004)).toBe(0x600dcafe);
  });

  it('control: without the protected-mode detour the same access is #GP', () => {
    const m = new RealMachine(4 << 20);
    m.load(CODE_SEG, 0, [0x31, 0xc0, 0x8e, 0xd8, 0x66, 0xbb, ...le32(0x150000), 0x67, 0x66, 0x8b, 0x03, 0xf4]);
    m.enter(CODE_SEG, 0);
    expect(m.expectVector(VEC_GP).ip).toBe(10);
  });
});
