/**
 * Paging (Intel SDM Vol. 3A ch. 4): #PF error codes and CR2 for every
 * combination of present/protection, read/write/fetch, user/supervisor,
 * CR0.WP, PAE reserved bits and XD; 4 MiB and 2 MiB pages; accessed and dirty
 * bits; global pages across CR3 loads; and the TLB's non-coherence with
 * page-table writes until INVLPG (4.10.4).
 */
import { describe, expect, it } from 'vitest';
import { StopReason } from '../../src/cpu.js';
import {
  asm, CODE0, CODE3, FREE, gate, GATE_TASK, KCODE, KDATA, ProtectedMachine, TSS_BASE, tssDesc, le32,
} from '../support/protected-machine.js';

const P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
const CR0_PG = 0x80000000 | 0, CR0_WP = 0x10000;
const CR4_PSE = 0x10, CR4_PAE = 0x20, CR4_PGE = 0x80;
const EFER_NXE = 0x800;
const PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16;

const PD = FREE, PT0 = FREE + 0x1000, PT1 = FREE + 0x2000;
const PDPT = FREE + 0x3000, PAE_PD = FREE + 0x4000, PAE_PT = FREE + 0x5000;
/** The linear page the tests play with (mapped through PT1 / PAE_PT). */
const X = 0x401000;

function paging32(m: ProtectedMachine, o: { wp?: boolean; pse?: boolean; pge?: boolean; nxe?: boolean } = {}): void {
  for (let i = 0; i < 1024; i++) m.mem.write32(PT0 + i * 4, (i << 12) | P | RW | US);
  m.mem.write32(PD, PT0 | P | RW | US);
  m.mem.write32(PD + 4, PT1 | P | RW | US);
  const c = m.cpu;
  c.cr4 = (o.pse ? CR4_PSE : 0) | (o.pge ? CR4_PGE : 0);
  c.efer = o.nxe ? EFER_NXE : 0;
  c.cr3 = PD;
  c.cr0 = (c.cr0 | CR0_PG | (o.wp ? CR0_WP : 0)) & ~(o.wp ? 0 : CR0_WP);
  c.flushTlb(true);
}

function map32(m: ProtectedMachine, lin: number, entry: number): void {
  m.mem.write32(PT1 + ((lin >>> 12) & 0x3ff) * 4, entry);
}

function pte32(m: ProtectedMachine, lin: number): number {
  return m.mem.read32(PT1 + ((lin >>> 12) & 0x3ff) * 4);
}

function pagingPae(m: ProtectedMachine, o: { nxe?: boolean; wp?: boolean } = {}): void {
  m.mem.write32(PDPT, PAE_PD | P);
  for (let i = 1; i < 4; i++) m.mem.write32(PDPT + i * 8, 0);
  m.mem.write32(PAE_PD, 0x000000 | PS | P | RW | US); // 0-2 MiB identity
  m.mem.write32(PAE_PD + 8, 0x200000 | PS | P | RW | US); // 2-4 MiB identity
  m.mem.write32(PAE_PD + 16, PAE_PT | P | RW | US); // 4-6 MiB through PAE_PT
  const c = m.cpu;
  c.cr4 = CR4_PAE;
  c.efer = o.nxe ? EFER_NXE : 0;
  c.cr3 = PDPT;
  c.cr0 = (c.cr0 | CR0_PG | (o.wp ? CR0_WP : 0)) & ~(o.wp ? 0 : CR0_WP);
  c.flushTlb(true);
}

function mapPae(m: ProtectedMachine, lin: number, low: number, high = 0): void {
  const a = PAE_PT + ((lin >>> 12) & 0x1ff) * 8;
  m.mem.write32(a, low);
  m.mem.write32(a + 4, high);
}

const READ = asm.movEaxMem(X + 0x10);
const WRITE = asm.movMemEax(X + 0x10);
const FETCH = [...asm.movEaxImm(X + 0x10), 0xff, 0xe0]; // mov eax, X+0x10; jmp eax

type Access = 'read' | 'write' | 'fetch';
const CODE: Record<Access, number[]> = { read: READ, write: WRITE, fetch: FETCH };

/** Runs one access at `ring` and returns the #PF error code, or null if no #PF happened. */
function pfError(m: ProtectedMachine, ring: 0 | 3, access: Access): number | null {
  const addr = ring === 0 ? CODE0 : CODE3;
  m.code(addr, [...CODE[access], 0xcd, 0x80]);
  m.enter(ring, addr);
  m.mem.write8(0x500010, 0xf4); // a HLT at X+0x10 for fetches that succeed
  const stop = m.run();
  expect(stop).toBe(StopReason.Halt);
  if (m.vector !== 14) return null;
  const f = m.frame();
  expect(m.cpu.cr2 >>> 0).toBe(X + 0x10);
  expect(f.eip).toBe(access === 'fetch' ? X + 0x10 : addr);
  return f.error;
}

describe('#PF error codes with 32-bit paging', () => {
  const cases: [string, number, 0 | 3, Access, { wp?: boolean; nxe?: boolean }, number | null][] = [
    ['not present, supervisor read', 0, 0, 'read', {}, 0],
    ['not present, supervisor write', 0, 0, 'write', {}, PF_W],
    ['not present, user read', 0, 3, 'read', {}, PF_U],
    ['not present, user write', 0, 3, 'write', {}, PF_U | PF_W],
    ['not present, user fetch', 0, 3, 'fetch', {}, PF_U],
    ['supervisor page, user read', P | RW, 3, 'read', {}, PF_P | PF_U],
    ['supervisor page, user write', P | RW, 3, 'write', {}, PF_P | PF_W | PF_U],
    ['supervisor page, user fetch', P | RW, 3, 'fetch', {}, PF_P | PF_U],
    ['read-only user page, user write', P | US, 3, 'write', {}, PF_P | PF_W | PF_U],
    ['read-only user page, user write with WP', P | US, 3, 'write', { wp: true }, PF_P | PF_W | PF_U],
    ['read-only page, supervisor write with WP', P, 0, 'write', { wp: true }, PF_P | PF_W],
    ['read-only page, supervisor write without WP', P, 0, 'write', {}, null],
    ['read-only user page, user read', P | US, 3, 'read', {}, null],
    ['user page, user fetch', P | US, 3, 'fetch', {}, null],
    // I/D is only reported with PAE paging, even if EFER.NXE is set.
    ['supervisor page, user fetch, NXE without PAE', P | RW, 3, 'fetch', { nxe: true }, PF_P | PF_U],
    ['not present, fetch, NXE without PAE', 0, 0, 'fetch', { nxe: true }, 0],
  ];
  for (const [name, pte, ring, access, o, expected] of cases) {
    it(`${name}: ${expected === null ? 'no fault' : `error ${expected}`}`, () => {
      const m = new ProtectedMachine();
      paging32(m, o);
      map32(m, X, pte === 0 ? 0x500000 : 0x500000 | pte);
      expect(pfError(m, ring, access)).toBe(expected);
    });
  }

  it('a not-present PDE faults like a not-present PTE', () => {
    const m = new ProtectedMachine();
    paging32(m);
    m.mem.write32(PD + 4, 0);
    expect(pfError(m, 3, 'write')).toBe(PF_W | PF_U);
  });

  it('rights combine across levels: a read-only PDE over a writable PTE denies user writes', () => {
    const m = new ProtectedMachine();
    paging32(m);
    m.mem.write32(PD + 4, PT1 | P | US);
    map32(m, X, 0x500000 | P | RW | US);
    expect(pfError(m, 3, 'write')).toBe(PF_P | PF_W | PF_U);
  });

  it('a supervisor PDE over a user PTE denies user reads', () => {
    const m = new ProtectedMachine();
    paging32(m);
    m.mem.write32(PD + 4, PT1 | P | RW);
    map32(m, X, 0x500000 | P | RW | US);
    expect(pfError(m, 3, 'read')).toBe(PF_P | PF_U);
  });

  it('a supervisor write without WP really lands in the read-only page', () => {
    const m = new ProtectedMachine();
    paging32(m);
    map32(m, X, 0x500000 | P);
    m.code(CODE0, [...asm.movEaxImm(0x1234abcd), ...WRITE, 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.run();
    expect(m.mem.read32(0x500010)).toBe(0x1234abcd);
  });

  it('an implicit supervisor access (IDT/GDT/TSS read) from ring 3 ignores U/S', () => {
    const m = new ProtectedMachine();
    paging32(m);
    // Make the IDT, GDT and TSS pages supervisor-only.
    for (const a of [0x1000, 0x2000, TSS_BASE]) m.mem.write32(PT0 + (a >>> 12) * 4, a | P | RW);
    m.exec(3, [0xcd, 0x80]);
    expect(m.vector).toBe(0x80);
  });
});

describe('#PF error codes with PAE', () => {
  const cases: [string, number, number, 0 | 3, Access, boolean, number | null][] = [
    ['reserved bit 40 in a PTE, supervisor read', P | RW, 0x100, 0, 'read', false, PF_P | PF_RSVD],
    ['reserved bit 40 in a PTE, user write', P | RW | US, 0x100, 3, 'write', false, PF_P | PF_RSVD | PF_W | PF_U],
    ['XD (bit 63) without EFER.NXE is reserved', P | RW, 0x80000000 | 0, 0, 'read', false, PF_P | PF_RSVD],
    ['XD with NXE: data read is fine', P | RW, 0x80000000 | 0, 0, 'read', true, null],
    ['XD with NXE: supervisor fetch', P | RW, 0x80000000 | 0, 0, 'fetch', true, PF_P | PF_I],
    ['XD with NXE: user fetch', P | RW | US, 0x80000000 | 0, 3, 'fetch', true, PF_P | PF_U | PF_I],
    ['not present, fetch with NXE sets I/D', 0, 0, 0, 'fetch', true, PF_I],
    ['not present, fetch without NXE leaves I/D clear', 0, 0, 0, 'fetch', false, 0],
    ['supervisor page, user fetch with NXE', P | RW, 0, 3, 'fetch', true, PF_P | PF_U | PF_I],
    ['executable page with NXE', P | RW, 0, 0, 'fetch', true, null],
    ['reserved bit, fetch with NXE', P | RW, 0x100, 0, 'fetch', true, PF_P | PF_RSVD | PF_I],
  ];
  for (const [name, low, high, ring, access, nxe, expected] of cases) {
    it(`${name}: ${expected === null ? 'no fault' : `error ${expected}`}`, () => {
      const m = new ProtectedMachine();
      pagingPae(m, { nxe });
      mapPae(m, X, low === 0 ? 0 : 0x500000 | low, high);
      expect(pfError(m, ring, access)).toBe(expected);
    });
  }

  it('reserved bits 20:13 of a 2 MiB PDE', () => {
    const m = new ProtectedMachine();
    pagingPae(m);
    m.mem.write32(PAE_PD + 16, 0x400000 | 0x2000 | PS | P | RW | US);
    expect(pfError(m, 0, 'read')).toBe(PF_P | PF_RSVD);
  });

  it('a not-present PDPTE', () => {
    const m = new ProtectedMachine();
    pagingPae(m);
    m.mem.write32(PDPT + 8, 0);
    m.code(CODE0, [...asm.movEaxMem(0x40000010), 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.run();
    expect(m.vector).toBe(14);
    expect(m.frame().error).toBe(0);
    expect(m.cpu.cr2).toBe(0x40000010);
  });

  it('XD in the PDE applies to the whole 2 MiB region', () => {
    const m = new ProtectedMachine();
    pagingPae(m, { nxe: true });
    m.mem.write32(PAE_PD + 16 + 4, 0x80000000 | 0);
    mapPae(m, X, 0x500000 | P | RW);
    expect(pfError(m, 0, 'fetch')).toBe(PF_P | PF_I);
  });
});

describe('large pages, accessed and dirty bits', () => {
  it('a 4 MiB page (CR4.PSE) maps 0x800000 to 0x400000 and the walker sets A and D in the PDE', () => {
    const m = new ProtectedMachine();
    paging32(m, { pse: true });
    m.mem.write32(PD + 2 * 4, 0x400000 | PS | P | RW);
    m.mem.write32(0x400120, 0x77777777);
    m.code(CODE0, [...asm.movEaxMem(0x800120), 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.run();
    expect(m.cpu.reg32[0]).toBe(0x77777777);
    expect(m.mem.read32(PD + 8) & (A | D)).toBe(A);
    m.code(CODE0, [...asm.movEaxImm(0x12345678), ...asm.movMemEax(0x9ffff0), 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.run();
    expect(m.mem.read32(0x5ffff0)).toBe(0x12345678);
    expect(m.mem.read32(PD + 8) & (A | D)).toBe(A | D);
  });

  it('a 2 MiB PAE page maps 0x600000 to 0x400000', () => {
    const m = new ProtectedMachine();
    pagingPae(m);
    m.mem.write32(PDPT, PAE_PD | P);
    m.mem.write32(PAE_PD + 3 * 8, 0x400000 | PS | P | RW);
    m.mem.write32(0x4abcd0, 0x2468ace0);
    m.code(CODE0, [...asm.movEaxMem(0x6abcd0), ...asm.movMemEax(0x7ffff8), 0xcd, 0x80]);
    m.enter(0, CODE0);
    m.run();
    expect(m.vector).toBe(0x80);
    expect(m.cpu.reg32[0]).toBe(0x2468ace0);
    expect(m.mem.read32(0x5ffff8)).toBe(0x2468ace0);
    expect(m.mem.read32(PAE_PD + 24) & (A | D)).toBe(A | D);
  });

  it('a read sets A in the PDE and PTE; the first write to a clean page sets D', () => {
    const m = new ProtectedMachine();
    paging32(m);
    map32(m, X, 0x500000 | P | RW);
    m.code(CODE0, [...READ, 0xf4, ...WRITE, 0xf4]);
    m.enter(0, CODE0);
    m.run();
    expect(pte32(m, X) & (A | D)).toBe(A);
    expect(m.mem.read32(PD + 4) & A).toBe(A);
    m.run();
    expect(pte32(m, X) & (A | D)).toBe(A | D);
  });

  it('PAE: A and D are set in 64-bit entries', () => {
    const m = new ProtectedMachine();
    pagingPae(m);
    mapPae(m, X, 0x500000 | P | RW);
    m.exec(0, [...WRITE, 0xcd, 0x80]);
    expect(m.mem.read32(PAE_PT + 8) & (A | D)).toBe(A | D);
    expect(m.mem.read32(PAE_PD + 16) & A).toBe(A);
  });
});

describe('TLB', () => {
  it('global pages survive a CR3 load, others do not; page-table writes stay invisible until INVLPG', () => {
    const m = new ProtectedMachine();
    paging32(m, { pge: true });
    map32(m, 0x401000, 0x500000 | P | RW | G);
    map32(m, 0x402000, 0x502000 | P | RW);
    for (const [a, v] of [[0x500000, 0xa0], [0x501000, 0xa1], [0x502000, 0xb0], [0x503000, 0xb1]]) m.mem.write32(a, v);
    const movStore = (addr: number, v: number): number[] => [0xc7, 0x05, ...le32(addr), ...le32(v)];
    m.code(CODE0, [
      0x8b, 0x1d, ...le32(0x401000), // mov ebx, [0x401000]
      0x8b, 0x0d, ...le32(0x402000), // mov ecx, [0x402000]
      ...movStore(PT1 + 4, 0x501000 | P | RW | G), // repoint both PTEs
      ...movStore(PT1 + 8, 0x503000 | P | RW),
      0x8b, 0x35, ...le32(0x401000), // mov esi, [0x401000]  (stale)
      0x8b, 0x3d, ...le32(0x402000), // mov edi, [0x402000]  (stale)
      0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, // mov eax, cr3; mov cr3, eax
      ...asm.movEaxMem(0x401000), ...asm.movMemEax(0x90000),
      ...asm.movEaxMem(0x402000), ...asm.movMemEax(0x90004),
      0x0f, 0x01, 0x3d, ...le32(0x401000), // invlpg [0x401000]
      ...asm.movEaxMem(0x401000), ...asm.movMemEax(0x90008),
      0xcd, 0x80,
    ]);
    m.enter(0, CODE0);
    m.run();
    expect(m.vector).toBe(0x80);
    const c = m.cpu;
    expect([c.reg32[3], c.reg32[1], c.reg32[6], c.reg32[7]]).toEqual([0xa0, 0xb0, 0xa0, 0xb0]);
    expect([m.mem.read32(0x90000), m.mem.read32(0x90004), m.mem.read32(0x90008)]).toEqual([0xa0, 0xb1, 0xa1]);
  });

  it('without CR4.PGE the G bit is ignored and a CR3 load flushes the page', () => {
    const m = new ProtectedMachine();
    paging32(m);
    map32(m, X, 0x500000 | P | RW | G);
    m.mem.write32(0x500000, 1);
    m.mem.write32(0x501000, 2);
    m.code(CODE0, [
      ...asm.movEaxMem(X), 0x89, 0xc3, // mov ebx, eax
      0xc7, 0x05, ...le32(PT1 + 4), ...le32(0x501000 | P | RW | G),
      0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, ...asm.movEaxMem(X), 0xcd, 0x80,
    ]);
    m.enter(0, CODE0);
    m.run();
    expect([m.cpu.reg32[3], m.cpu.reg32[0]]).toEqual([1, 2]);
  });

  it('a PTE cleared without INVLPG still translates; after INVLPG the access faults', () => {
    const m = new ProtectedMachine();
    paging32(m);
    map32(m, X, 0x500000 | P | RW);
    m.mem.write32(0x500010, 0x5555);
    m.code(CODE0, [
      ...READ, 0x89, 0xc3, // mov ebx, eax
      0xc7, 0x05, ...le32(PT1 + 4), ...le32(0), // PTE = 0
      ...READ, 0x89, 0xc1, // mov ecx, eax (stale translation)
      0x0f, 0x01, 0x3d, ...le32(X), // invlpg [X]
      ...READ,
    ]);
    m.enter(0, CODE0);
    m.run();
    expect(m.vector).toBe(14);
    expect(m.frame().error).toBe(0);
    expect(m.frame().eip).toBe(CODE0 + 31);
    expect([m.cpu.reg32[3], m.cpu.reg32[1]]).toEqual([0x5555, 0x5555]);
  });

  it('INVLPG drops a global entry', () => {
    const m = new ProtectedMachine();
    paging32(m, { pge: true });
    map32(m, X, 0x500000 | P | RW | G);
    m.mem.write32(0x500000, 1);
    m.mem.write32(0x501000, 2);
    m.code(CODE0, [
      ...asm.movEaxMem(X), 0x89, 0xc3,
      0xc7, 0x05, ...le32(PT1 + 4), ...le32(0x501000 | P | RW | G),
      0x0f, 0x01, 0x3d, ...le32(X), ...asm.movEaxMem(X), 0xcd, 0x80,
    ]);
    m.enter(0, CODE0);
    m.run();
    expect([m.cpu.reg32[3], m.cpu.reg32[0]]).toEqual([1, 2]);
  });
});

describe('double and triple faults from paging', () => {
  /** Ring 3 touches an unmapped page while ESP0 points into another unmapped page. */
  function setup(m: ProtectedMachine): void {
    paging32(m);
    map32(m, X, 0);
    m.writeTss32(TSS_BASE, { esp0: 0x406000 }); // stack page 0x405000 not mapped
    m.code(CODE3, [0x90, ...READ]);
    m.enter(3, CODE3);
  }

  it('#PF while pushing the #PF frame is a double fault; a task gate for #DF handles it', () => {
    const m = new ProtectedMachine();
    setup(m);
    m.setGdt(8, tssDesc(0x6000, 0x67));
    m.writeTss32(0x6000, {
      cr3: PD, eip: CODE0 + 0x400, eflags: 2, esp: 0x68000, cs: KCODE, ss: KDATA, ds: KDATA, es: KDATA, fs: KDATA, gs: KDATA,
    });
    m.setIdt(8, gate(GATE_TASK, 0x40, 0, 0));
    m.code(CODE0 + 0x400, [0xf4]);
    expect(m.run()).toBe(StopReason.Halt);
    const c = m.cpu;
    expect(c.trSel).toBe(0x40);
    expect(c.reg32[4]).toBe(0x68000 - 4);
    expect(m.mem.read32(0x68000 - 4)).toBe(0); // #DF error code
    expect(c.cr2).toBe(0x405ffc); // the stack push that faulted
    expect(c.exceptionCounts[8]).toBe(1);
    const saved = m.readTss32(TSS_BASE);
    expect([saved.eip, saved.cs]).toEqual([CODE3 + 1, 0x2b]);
  });

  it('with an interrupt gate for #DF on the same bad stack, the machine shuts down', () => {
    const m = new ProtectedMachine();
    setup(m);
    expect(m.run()).toBe(StopReason.Shutdown);
    expect(m.cpu.exceptionCounts[8]).toBe(1);
  });
});
