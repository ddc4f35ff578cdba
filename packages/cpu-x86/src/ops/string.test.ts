import { beforeAll, describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import {
  CR0_PG, DS, EAX, ECX, EDI, EDX, ES, ESI, FLAG_AF, FLAG_CF, FLAG_DF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_TF, FLAG_ZF,
  FLAGS_FIXED, FS, VEC_GP, VEC_PF,
} from '../constants.js';
import { CODE_BASE, flatMachine, runCode } from '../../test/support/flat-machine.js';
import { installStringOps } from './string.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

beforeAll(() => installStringOps());

function exec(c: Cpu, code: number[]): void {
  expect(runCode(c, code, 1_000_000)).toBe(StopReason.Halt);
}

function machine(regs: Partial<Record<number, number>>, flagsIn = 0, ram = 1 << 20): Cpu {
  const c = flatMachine(ram);
  for (const [r, v] of Object.entries(regs)) c.reg32[Number(r)] = v!;
  c.setEflags(FLAGS_FIXED | flagsIn);
  return c;
}

function fillPattern(c: Cpu, addr: number, n: number, seed = 1): void {
  for (let i = 0; i < n; i++) c.mem.u8[addr + i] = (i * 7 + seed) & 0xff;
}

const bytes = (c: Cpu, addr: number, n: number) => Array.from(c.mem.u8.subarray(addr, addr + n));
const status = (c: Cpu) => c.getEflags() & STATUS;

describe('MOVS/STOS/LODS without REP', () => {
  it('movsb copies one byte and advances ESI/EDI', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000 });
    c.mem.write8(0x3000, 0xab);
    exec(c, [0xa4]);
    expect(c.mem.read8(0x4000)).toBe(0xab);
    expect(c.reg32[ESI]).toBe(0x3001);
    expect(c.reg32[EDI]).toBe(0x4001);
  });

  it('movsd with DF=1 moves down by 4', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000 }, FLAG_DF);
    c.mem.write32(0x3000, 0x12345678);
    exec(c, [0xa5]);
    expect(c.mem.read32(0x4000)).toBe(0x12345678);
    expect(c.reg32[ESI]).toBe(0x2ffc);
    expect(c.reg32[EDI]).toBe(0x3ffc);
  });

  it('movsw (66 prefix) and lodsw', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000, [EAX]: 0xffffffff });
    c.mem.write32(0x3000, 0x44332211);
    exec(c, [0x66, 0xa5, 0x66, 0xad]);
    expect(c.mem.read16(0x4000)).toBe(0x2211);
    expect(c.reg32[EAX] >>> 0).toBe(0xffff4433);
    expect(c.reg32[ESI]).toBe(0x3004);
  });

  it('stosb stores AL at ES:EDI', () => {
    const c = machine({ [EDI]: 0x4000, [EAX]: 0x5a });
    exec(c, [0xaa]);
    expect(c.mem.read8(0x4000)).toBe(0x5a);
    expect(c.reg32[EDI]).toBe(0x4001);
  });

  it('a segment override applies to the source only', () => {
    const c = machine({ [ESI]: 0x100, [EDI]: 0x100 });
    c.setSegmentCache(FS, 0x10, 0x20000, 0xffff, 0x4093);
    c.mem.write8(0x20100, 0x77);
    c.mem.write8(0x00100, 0x11);
    exec(c, [0x64, 0xa4]); // movsb fs:[esi] -> es:[edi]
    expect(c.mem.read8(0x100)).toBe(0x77);
    expect(c.mem.read8(0x20100)).toBe(0x77);
  });

  it('the destination is ES even when DS differs', () => {
    const c = machine({ [EDI]: 0x10 });
    c.setSegmentCache(ES, 0x10, 0x50000, 0xffff, 0x4093);
    c.reg32[EAX] = 0x99;
    exec(c, [0xaa]);
    expect(c.mem.read8(0x50010)).toBe(0x99);
    expect(c.mem.read8(0x10)).toBe(0);
  });

  it('16-bit addressing (67 prefix) uses SI/DI and wraps at 64 KiB', () => {
    const c = machine({ [ESI]: 0x1234ffff, [EDI]: 0x5678ffff });
    c.mem.write8(0xffff, 0x42);
    exec(c, [0x67, 0xa4]);
    expect(c.reg32[ESI]).toBe(0x12340000);
    expect(c.reg32[EDI]).toBe(0x56780000);
  });
});

describe('REP MOVS/STOS', () => {
  it('rep movsb copies ECX bytes; ECX ends at 0', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x8000, [ECX]: 300 });
    fillPattern(c, 0x3000, 300);
    exec(c, [0xf3, 0xa4]);
    expect(bytes(c, 0x8000, 300)).toEqual(bytes(c, 0x3000, 300));
    expect(c.reg32[ECX]).toBe(0);
    expect(c.reg32[ESI]).toBe(0x3000 + 300);
    expect(c.reg32[EDI]).toBe(0x8000 + 300);
  });

  it('rep movsd over many pages (fast path) matches a byte copy', () => {
    const n = 50_000; // dwords: 200 KB, crossing many pages, several dispatches
    const c = machine({ [ESI]: 0x20002, [EDI]: 0x60001, [ECX]: n });
    fillPattern(c, 0x20002, n * 4, 3);
    const expected = bytes(c, 0x20002, n * 4);
    exec(c, [0xf3, 0xa5]);
    expect(bytes(c, 0x60001, n * 4)).toEqual(expected);
    expect(c.reg32[ECX]).toBe(0);
    expect(c.reg32[ESI]).toBe(0x20002 + n * 4);
    expect(c.reg32[EDI]).toBe(0x60001 + n * 4);
  });

  it('rep movsb with overlapping forward copy replicates (element order is observable)', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x3001, [ECX]: 8 });
    c.mem.write8(0x3000, 0xee);
    exec(c, [0xf3, 0xa4]);
    expect(bytes(c, 0x3000, 9)).toEqual(new Array(9).fill(0xee));
  });

  it('rep movsd with EDI = ESI + 1 copies dword by dword', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x3001, [ECX]: 2 });
    c.mem.load(0x3000, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    exec(c, [0xf3, 0xa5]);
    // element 0 reads 01 02 03 04 and writes them at +1; element 1 then reads 04 06 07 08.
    expect(bytes(c, 0x3000, 9)).toEqual([1, 1, 2, 3, 4, 4, 6, 7, 8]);
  });

  it('rep movsb backwards (DF=1) with overlap behaves as memmove from the top', () => {
    const c = machine({ [ESI]: 0x3003, [EDI]: 0x3005, [ECX]: 4 }, FLAG_DF);
    c.mem.load(0x3000, Uint8Array.from([1, 2, 3, 4, 5, 6]));
    exec(c, [0xf3, 0xa4]);
    expect(bytes(c, 0x3000, 6)).toEqual([1, 2, 1, 2, 3, 4]);
    expect(c.reg32[ESI]).toBe(0x2fff);
    expect(c.reg32[EDI]).toBe(0x3001);
  });

  it('rep stosb / stosw / stosd fill, aligned or not', () => {
    for (const [op, size, acc] of [[[0xaa], 1, 0x5a], [[0x66, 0xab], 2, 0xbeef], [[0xab], 4, 0xcafebabe]] as const) {
      for (const start of [0x5000, 0x5001, 0x5ffe]) {
        const c = machine({ [EDI]: start, [ECX]: 1000, [EAX]: acc });
        exec(c, [0xf3, ...op]);
        const got = bytes(c, start, 1000 * size);
        const want: number[] = [];
        for (let i = 0; i < 1000 * size; i++) want.push((acc >>> ((i % size) * 8)) & 0xff);
        expect(got).toEqual(want);
        expect(c.reg32[EDI]).toBe(start + 1000 * size);
        expect(c.mem.read8(start + 1000 * size)).toBe(0);
      }
    }
  });

  it('16-bit addressing: rep movsb wraps SI and DI inside the segment', () => {
    const c = machine({ [ESI]: 0xfffe, [EDI]: 0x7ffe, [ECX]: 0xffff0004 });
    c.mem.load(0xfffe, Uint8Array.from([1, 2]));
    c.mem.load(0x0000, Uint8Array.from([3, 4]));
    exec(c, [0x67, 0xf3, 0xa4]);
    expect(bytes(c, 0x7ffe, 4)).toEqual([1, 2, 3, 4]);
    expect(c.reg32[ECX] >>> 0).toBe(0xffff0000); // only CX counts
    expect(c.reg32[ESI]).toBe(0x0002);
  });

  it('real mode: rep movsw with segment bases, SI wrapping inside DS', () => {
    const c = flatMachine();
    c.reset();
    c.setSegmentCache(1, 0, 0, 0xffff, 0x9b); // CS = 0 so that the code at 1000h runs
    c.setSegmentCache(DS, 0x1000, 0x10000, 0xffff, 0x93);
    c.setSegmentCache(ES, 0x2000, 0x20000, 0xffff, 0x93);
    c.reg32[ESI] = 0xf000;
    c.reg32[EDI] = 0x0100;
    c.reg32[ECX] = 0x2000; // words: 16 KiB, SI wraps from FFFEh to 0000h half way
    fillPattern(c, 0x10000, 0x10000, 5);
    const want = [...bytes(c, 0x1f000, 0x1000), ...bytes(c, 0x10000, 0x3000)];
    exec(c, [0xf3, 0xa5]); // 16-bit code: rep movsw
    expect(bytes(c, 0x20100, 0x4000)).toEqual(want);
    expect(c.reg32[ESI]).toBe(0x3000);
    expect(c.reg32[EDI]).toBe(0x4100);
    expect(c.reg32[ECX]).toBe(0);
  });

  it('ECX = 0 does nothing', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000, [ECX]: 0 });
    c.mem.write8(0x3000, 1);
    exec(c, [0xf3, 0xa4]);
    expect(c.mem.read8(0x4000)).toBe(0);
    expect(c.reg32[ESI]).toBe(0x3000);
  });

  it('REPNE (F2) acts as REP for MOVS', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000, [ECX]: 3 });
    fillPattern(c, 0x3000, 3);
    exec(c, [0xf2, 0xa4]);
    expect(bytes(c, 0x4000, 3)).toEqual(bytes(c, 0x3000, 3));
    expect(c.reg32[ECX]).toBe(0);
  });
});

describe('REPE/REPNE CMPS/SCAS', () => {
  it('repe cmpsb stops after the first difference', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000, [ECX]: 10 });
    c.mem.load(0x3000, new TextEncoder().encode('abcdX'));
    c.mem.load(0x4000, new TextEncoder().encode('abcdY'));
    exec(c, [0xf3, 0xa6]);
    expect(c.reg32[ECX]).toBe(5);
    expect(c.reg32[ESI]).toBe(0x3005);
    expect(c.reg32[EDI]).toBe(0x4005);
    // 'X' - 'Y' = -1: CF, SF, AF, PF
    expect(status(c)).toBe(FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF);
  });

  it('repe cmpsd that runs out of ECX leaves ZF=1', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000, [ECX]: 4 });
    exec(c, [0xf3, 0xa7]);
    expect(c.reg32[ECX]).toBe(0);
    expect(status(c) & FLAG_ZF).toBe(FLAG_ZF);
  });

  it('cmps compares [ESI] - [EDI] (the source minus the destination)', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000 });
    c.mem.write8(0x3000, 1);
    c.mem.write8(0x4000, 2);
    exec(c, [0xa6]);
    expect(status(c) & FLAG_CF).toBe(FLAG_CF);
  });

  it('repne scasb finds a terminator (strlen idiom)', () => {
    const c = machine({ [EDI]: 0x4000, [ECX]: -1, [EAX]: 0 });
    c.mem.load(0x4000, new TextEncoder().encode('hello\0'));
    exec(c, [0xf2, 0xae]);
    expect(c.reg32[ECX]).toBe(-7);
    expect(c.reg32[EDI]).toBe(0x4006);
    expect(status(c) & FLAG_ZF).toBe(FLAG_ZF);
  });

  it('repe scasw, ECX = 0: flags untouched', () => {
    const c = machine({ [EDI]: 0x4000, [ECX]: 0 }, FLAG_CF | FLAG_OF);
    exec(c, [0x66, 0xf3, 0xaf]);
    expect(status(c)).toBe(FLAG_CF | FLAG_OF);
    expect(c.reg32[EDI]).toBe(0x4000);
  });
});

describe('restartability', () => {
  it('a long REP MOVS yields back to the run loop with consistent registers', () => {
    const n = 300_000;
    for (const df of [0, FLAG_DF]) {
      const src = df ? 0x10000 + n - 1 : 0x10000;
      const dst = df ? 0x60000 + n - 1 : 0x60000;
      const c = machine({ [ESI]: src, [EDI]: dst, [ECX]: n }, df, 1 << 21);
      fillPattern(c, 0x10000, n);
      c.mem.load(CODE_BASE, Uint8Array.from([0xf3, 0xa4, 0xf4]));
      c.eip = CODE_BASE;
      c.run(1);
      expect(c.eip).toBe(CODE_BASE); // not finished: points back at the REP prefix
      const done = n - c.reg32[ECX];
      expect(done).toBeGreaterThan(0);
      expect(done).toBeLessThan(n);
      expect(c.reg32[ESI]).toBe(df ? src - done : src + done);
      expect(c.reg32[EDI]).toBe(df ? dst - done : dst + done);
      expect(c.run(100)).toBe(StopReason.Halt);
      expect(c.reg32[ECX]).toBe(0);
      expect(bytes(c, 0x60000, n)).toEqual(bytes(c, 0x10000, n));
    }
  });

  it('a long REPE CMPS yields after a bounded number of elements and resumes', () => {
    const c = machine({ [ESI]: 0x10000, [EDI]: 0x30000, [ECX]: 10_000 });
    fillPattern(c, 0x10000, 10_000);
    fillPattern(c, 0x30000, 10_000);
    c.mem.write8(0x30000 + 9000, 0);
    c.mem.load(CODE_BASE, Uint8Array.from([0xf3, 0xa6, 0xf4]));
    c.eip = CODE_BASE;
    const before = c.instructions;
    c.run(1);
    expect(c.eip).toBe(CODE_BASE);
    expect(c.reg32[ECX]).toBe(10_000 - 4096);
    expect(c.run(100)).toBe(StopReason.Halt);
    expect(c.reg32[ECX]).toBe(10_000 - 9001);
    expect(c.reg32[ESI]).toBe(0x10000 + 9001);
    // Three dispatches of the REPE CMPSB, one HLT.
    expect(c.instructions - before).toBe(4);
  });

  it('a segment-limit fault in the middle leaves ECX/ESI/EDI at the faulting element', () => {
    for (const df of [0, FLAG_DF]) {
      const c = machine({ [ESI]: df ? 0x3fff : 0x3000, [EDI]: df ? 0x8fff : 0x8000, [ECX]: 0x1000 }, df);
      // DS limit 30FFh (DF=0) / base such that offsets below 3F00h fault (DF=1, expand-down).
      if (df) c.setSegmentCache(DS, 0x10, 0, 0x3eff, 0x4097); // expand-down: valid 3F00h..FFFFFFFFh
      else c.setSegmentCache(DS, 0x10, 0, 0x30ff, 0x4093);
      runCode(c, [0xf3, 0xa4]);
      expect(c.exceptionCounts[VEC_GP]).toBeGreaterThan(0);
      expect(c.reg32[ECX]).toBe(0x1000 - 0x100);
      expect(c.reg32[ESI]).toBe(df ? 0x3eff : 0x3100);
      expect(c.reg32[EDI]).toBe(df ? 0x8eff : 0x8100);
    }
  });

  it('a page fault in the middle of a fast REP MOVSD reports the right CR2 and progress', () => {
    const c = machine({ [ESI]: 0x1f000, [EDI]: 0x30000, [ECX]: 0x800 });
    // Identity-map the first 4 MiB except page 20h (not present).
    const pd = 0x80000, pt = 0x81000;
    c.mem.write32(pd, pt | 7);
    for (let i = 0; i < 1024; i++) c.mem.write32(pt + i * 4, i === 0x20 ? 0 : (i << 12) | 7);
    c.cr3 = pd;
    c.cr0 |= CR0_PG;
    c.flushTlb(true);
    runCode(c, [0xf3, 0xa5]);
    expect(c.exceptionCounts[VEC_PF]).toBe(1);
    expect(c.cr2).toBe(0x20000);
    expect(c.reg32[ECX]).toBe(0x400);
    expect(c.reg32[ESI]).toBe(0x20000);
    expect(c.reg32[EDI]).toBe(0x31000);
  });

  it('with TF set, one element runs per dispatch (the #DB trap comes after each)', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000, [ECX]: 5 }, FLAG_TF);
    c.mem.load(CODE_BASE, Uint8Array.from([0xf3, 0xa4]));
    c.eip = CODE_BASE;
    c.run(1); // no IDT: the #DB delivery shuts the machine down, after one element
    expect(c.reg32[ECX]).toBe(4);
    expect(c.reg32[ESI]).toBe(0x3001);
  });
});

describe('INS/OUTS', () => {
  it('rep outsb writes each byte to DX; rep insw reads words from DX', () => {
    const c = machine({ [ESI]: 0x3000, [EDI]: 0x4000, [ECX]: 4, [EDX]: 0x3f8 });
    const out: number[] = [];
    let next = 0x100;
    c.io.register(0x3f8, 1, {
      in: () => next++,
      out: (_p, v) => { out.push(v); },
    });
    c.mem.load(0x3000, Uint8Array.from([10, 20, 30, 40]));
    exec(c, [0xf3, 0x6e]);
    expect(out).toEqual([10, 20, 30, 40]);
    expect(c.reg32[ESI]).toBe(0x3004);
    c.reg32[ECX] = 3;
    exec(c, [0x66, 0xf3, 0x6d]);
    expect([c.mem.read16(0x4000), c.mem.read16(0x4002), c.mem.read16(0x4004)]).toEqual([0x100, 0x101, 0x102]);
    expect(c.reg32[EDI]).toBe(0x4006);
  });

  it('outs honours a source segment override', () => {
    const c = machine({ [ESI]: 0x10, [EDX]: 0x80 });
    c.setSegmentCache(FS, 0x10, 0x20000, 0xffff, 0x4093);
    c.mem.write8(0x20010, 0x66);
    const out: number[] = [];
    c.io.onWrite(0x80, (v) => out.push(v));
    exec(c, [0x64, 0x6e]);
    expect(out).toEqual([0x66]);
  });

  it('at CPL 3 with IOPL 0 the TSS I/O bitmap decides; a denied port faults before any transfer', () => {
    const c = flatMachine(1 << 20, 3);
    // 32-bit TSS at 5000h with the bitmap at offset 68h: only port 80h allowed.
    c.trBase = 0x5000;
    c.trLimit = 0x68 + 0x2000;
    c.trType = 11;
    c.mem.write16(0x5066, 0x68);
    for (let i = 0; i < 0x2000; i++) c.mem.write8(0x5068 + i, 0xff);
    c.mem.write8(0x5068 + (0x80 >> 3), 0xfe);
    const out: number[] = [];
    c.io.onWrite(0x80, (v) => out.push(v));
    c.io.onWrite(0x81, (v) => out.push(0x1000 + v));
    c.mem.load(0x3000, Uint8Array.from([1, 2]));
    // rep outsb to port 80h: allowed
    c.reg32[ESI] = 0x3000;
    c.reg32[ECX] = 2;
    c.reg32[EDX] = 0x80;
    c.mem.load(CODE_BASE, Uint8Array.from([0xf3, 0x6e]));
    c.eip = CODE_BASE;
    c.run(1);
    expect(out).toEqual([1, 2]);
    expect(c.eip).toBe(CODE_BASE + 2);
    // rep outsb to port 81h: #GP(0), nothing transferred, registers untouched
    c.reg32[ESI] = 0x3000;
    c.reg32[ECX] = 2;
    c.reg32[EDX] = 0x81;
    c.eip = CODE_BASE;
    c.run(1);
    expect(c.exceptionCounts[VEC_GP]).toBeGreaterThan(0);
    expect(out).toEqual([1, 2]);
    expect(c.reg32[ECX]).toBe(2);
    expect(c.reg32[ESI]).toBe(0x3000);
  });
});
