// Minimal reproductions of the CPU bugs the bare-metal system tests found
// (README.md, "Findings"). A fixed bug keeps its test as a regression test;
// an open one is `it.fails`, so that fixing the CPU turns it red: then drop
// the `.fails` here and the entry in known-gaps.ts.
import { describe, expect, it } from 'vitest';
import { CR0_PG, CR4_PAE, DS } from '../../src/constants.js';
import type { Cpu } from '../../src/cpu.js';
import { CODE_BASE, flatMachine, runCode } from '../support/flat-machine.js';

const IDT = 0xa000;
const HANDLER = 0xb000;
const GDT = 0xc000;

/** Flat machine with a GDT (null, code 0x08, data 0x10) and an IDT sending every exception to a HLT. */
function machine(cpl = 0): Cpu {
  const c = flatMachine(1 << 22, cpl);
  c.mem.write32(GDT + 8, 0x0000ffff);
  c.mem.write32(GDT + 12, 0x00cf9b00);
  c.mem.write32(GDT + 16, 0x0000ffff);
  c.mem.write32(GDT + 20, 0x00cf9300);
  c.gdtrBase = GDT;
  c.gdtrLimit = 23;
  for (let v = 0; v < 32; v++) {
    c.mem.write32(IDT + v * 8, (0x08 << 16) | (HANDLER & 0xffff));
    c.mem.write32(IDT + v * 8 + 4, (HANDLER & 0xffff0000) | 0x8e00);
  }
  c.idtrBase = IDT;
  c.idtrLimit = 32 * 8 - 1;
  c.mem.write8(HANDLER, 0xf4);
  return c;
}

function exceptions(c: Cpu): number[] {
  return [...c.exceptionCounts.keys()].filter((v) => c.exceptionCounts[v] > 0);
}

describe('CPU findings from the bare-metal tests', () => {
  it('a store uses the segment of its own ModRM, not the previous instruction (fixed)', () => {
    // mov eax,[ebx] (DS) then mov [esp],ecx (SS): the store was sent to DS:ESP
    // because `c.write32(c.eaSeg, decodeEA(c, m), v)` reads eaSeg before decodeEA sets it.
    const c = machine();
    c.setSegmentCache(DS, 0x10, 0x10000, 0xffff, 0x4093);
    c.reg32[1] = 0x12345678;
    c.reg32[3] = 0;
    runCode(c, [0x8b, 0x03, 0x89, 0x0c, 0x24]);
    expect(c.mem.read32(0x8000) >>> 0).toBe(0x12345678);
    expect(c.mem.read32(0x18000)).toBe(0);
  });

  it('LOCK on a register destination raises #UD (fixed)', () => {
    const c = machine();
    runCode(c, [0xf0, 0x01, 0xd8]); // lock add eax, ebx
    expect(exceptions(c)).toEqual([6]);
  });

  it('CR2 of a #PF in the second page of a crossing access is that page, not address + 3 (fixed)', () => {
    const c = machine();
    const PD = 0x100000, PT = 0x101000;
    c.mem.write32(PD, PT | 7);
    for (let i = 0; i < 1024; i++) c.mem.write32(PT + i * 4, i === 0x203 ? 0 : (i << 12) | 7);
    c.cr3 = PD;
    c.cr0 |= CR0_PG;
    c.flushTlb(true);
    runCode(c, [0xa1, 0xfe, 0x2f, 0x20, 0x00]); // mov eax, [0x202ffe]; 0x203000 not present
    expect(exceptions(c)).toEqual([14]);
    expect(c.cr2 >>> 0).toBe(0x203000);
  });

  it('MOV CR3 with a reserved bit in a PAE PDPTE raises #GP(0)', () => {
    const c = machine();
    const PDPT = 0x100000, BAD = 0x100040, PD = 0x101000;
    c.mem.write32(PDPT, PD | 1);
    c.mem.write32(BAD, PD | 3); // RW is reserved in a PAE PDPTE
    for (let i = 0; i < 8; i++) c.mem.write32(PD + i * 8, (i << 21) | 0x87); // 2 MiB identity pages
    c.cr4 |= CR4_PAE;
    c.cr3 = PDPT;
    c.cr0 |= CR0_PG;
    c.flushTlb(true);
    runCode(c, [0xb8, 0x40, 0x00, 0x10, 0x00, 0x0f, 0x22, 0xd8]); // mov eax, BAD; mov cr3, eax
    expect(exceptions(c)).toEqual([13]);
  });

  it('a DR0 instruction breakpoint (DR7.L0, R/W0 = 00) raises #DB before the instruction', () => {
    const c = machine();
    const at = CODE_BASE + 16;
    // mov eax, at; mov dr0, eax; mov eax, 0x401; mov dr7, eax; nop
    runCode(c, [0xb8, at & 0xff, at >> 8, 0, 0, 0x0f, 0x23, 0xc0, 0xb8, 0x01, 0x04, 0, 0, 0x0f, 0x23, 0xf8, 0x90]);
    expect(exceptions(c)).toEqual([1]);
  });

  it('a misaligned access at CPL 3 with CR0.AM and EFLAGS.AC raises #AC(0)', () => {
    const c = machine(3);
    c.cr0 |= 1 << 18;
    c.setEflags(c.getEflags() | (1 << 18));
    runCode(c, [0xa1, 0x01, 0x20, 0x00, 0x00]); // mov eax, [0x2001]
    expect(c.exceptionCounts[17]).toBe(1);
  });
});
