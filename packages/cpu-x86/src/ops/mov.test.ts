/**
 * Data movement (Intel SDM Vol. 2A/2B "MOV", "MOV—Move to/from Segment
 * Registers", "MOVZX", "MOVSX", "LEA", "XCHG", "CBW/CWDE", "CWD/CDQ", "LAHF",
 * "SAHF", "XLAT", "LDS/LES/LFS/LGS/LSS") and effective-address decoding
 * (Vol. 2A 2.1.5, tables 2-1 to 2-3; Vol. 1 3.7.4 for default segments).
 */
import { describe, expect, it } from 'vitest';
import { StopReason, type Cpu } from '../cpu.js';
import {
  CS, DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, ESP, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_FIXED,
  FS, GS, SS, VEC_GP, VEC_UD,
} from '../constants.js';
import { CODE_BASE, flatMachine, runCode } from '../../test/support/flat-machine.js';
import {
  CODE0, CODE3, dataSeg, FIRST_FREE_INDEX, KDATA, ProtectedMachine, STACK0, le16, le32,
} from '../../test/support/protected-machine.js';
import { CODE_SEG, DATA_SEG, RealMachine, STACK_SEG } from '../../test/support/real-machine.js';

const STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

let shared: Cpu | null = null;
/** A flat 32-bit CPL-0 machine (all bases 0, 4 GiB limits), reused between cases. */
function flat(): Cpu {
  shared ??= flatMachine();
  const c = shared;
  for (let s = 0; s < 6; s++) {
    if (s === CS) c.setSegmentCache(s, 0x08, 0, 0xffffffff, 0xc09b);
    else c.setSegmentCache(s, 0x10, 0, 0xffffffff, 0xc093);
  }
  for (let r = 0; r < 8; r++) c.reg32[r] = 0;
  c.reg32[ESP] = 0x8000;
  c.setEflags(FLAGS_FIXED);
  return c;
}

function run(c: Cpu, code: number[]): void {
  const stop = runCode(c, code);
  if (stop !== StopReason.Halt || c.eip !== CODE_BASE + code.length + 1) {
    throw new Error(`stop ${stop} at ${c.eip.toString(16)} running ${hex(code)}`);
  }
}

/** Runs ring-0 (or ring-3) code in a protected machine and expects exception `vector` at the first instruction after `lead` bytes. */
function expectFault(code: number[], vector: number, setup?: (m: ProtectedMachine) => void, ring: 0 | 3 = 0, lead = 0): ReturnType<ProtectedMachine['frame']> {
  const m = new ProtectedMachine({ ramBytes: 2 << 20 });
  const addr = ring === 0 ? CODE0 : CODE3;
  m.code(addr, [...code, 0xf4]);
  m.enter(ring, addr);
  setup?.(m);
  const f = m.expectVector(vector);
  expect(f.eip).toBe(addr + lead);
  return f;
}

describe('MOV between registers, memory and immediates', () => {
  it('88/89/8A/8B in 8, 16 and 32 bits, register and memory forms', () => {
    const c = flat();
    c.reg32[EAX] = 0x11223344;
    c.reg32[EBX] = 0x3000;
    c.mem.write32(0x3000, 0xaabbccdd);
    c.mem.write32(0x3004, 0);
    // mov ch, ah; mov dx, ax (66 89 c2); mov esi, [ebx]; mov [ebx+4], al; mov di, [ebx+2]; mov ebp, eax (8B E8)
    run(c, [0x88, 0xe5, 0x66, 0x89, 0xc2, 0x8b, 0x33, 0x88, 0x43, 0x04, 0x66, 0x8b, 0x7b, 0x02, 0x8b, 0xe8]);
    expect(c.reg32[ECX]).toBe(0x3300);
    expect(c.reg32[EDX]).toBe(0x3344);
    expect(c.reg32[ESI] >>> 0).toBe(0xaabbccdd);
    expect(c.mem.read32(0x3004)).toBe(0x44);
    expect(c.reg32[EDI]).toBe(0xaabb);
    expect(c.reg32[EBP]).toBe(0x11223344);
  });

  it('B0+r/B8+r and C6/C7 immediates; 16-bit forms keep the upper halves', () => {
    const c = flat();
    c.reg32[EDX] = 0x12345678;
    c.reg32[EBX] = 0x3000;
    c.mem.write32(0x3000, 0xffffffff);
    c.mem.write32(0x3004, 0xffffffff);
    // mov dx, 0xbeef; mov esi, 0xcafebabe; mov byte [ebx], 1; mov word [ebx+4], 0x2222; mov ecx, 5 (C7 C1); mov bh, 0x7f
    run(c, [0x66, 0xba, 0xef, 0xbe, 0xbe, ...le32(0xcafebabe), 0xc6, 0x03, 0x01, 0x66, 0xc7, 0x43, 0x04, 0x22, 0x22, 0xc7, 0xc1, 5, 0, 0, 0, 0xb7, 0x7f]);
    expect(c.reg32[EBX]).toBe(0x7f00); // BH replaced, BL (00) and the upper half kept
    expect(c.reg32[EDX]).toBe(0x1234beef);
    expect(c.reg32[ESI] >>> 0).toBe(0xcafebabe);
    expect(c.mem.read32(0x3000) >>> 0).toBe(0xffffff01);
    expect(c.mem.read32(0x3004) >>> 0).toBe(0xffff2222);
    expect(c.reg32[ECX]).toBe(5);
  });

  it('MOV does not change any flag', () => {
    const c = flat();
    c.setEflags(FLAGS_FIXED | STATUS);
    c.reg32[EBX] = 0x3000;
    run(c, [0xb8, 0, 0, 0, 0, 0x89, 0x03, 0x8b, 0x0b]);
    expect(c.getEflags() & STATUS).toBe(STATUS);
    c.setEflags(FLAGS_FIXED);
    run(c, [0xb8, 0xff, 0xff, 0xff, 0xff]);
    expect(c.getEflags() & STATUS).toBe(0);
  });

  it('C6 and C7 with a reg field other than 0 are invalid (#UD)', () => {
    expectFault([0xc6, 0xc8, 0x05], VEC_UD);
    expectFault([0xc7, 0x48, 0x04, 1, 0, 0, 0], VEC_UD);
  });
});

describe('MOV with moffs (A0-A3)', () => {
  function segmented(): Cpu {
    const c = flat();
    const bases = [0x10000, 0, 0x20000, 0x30000, 0x40000, 0x50000]; // ES CS SS DS FS GS
    for (let s = 0; s < 6; s++) if (s !== CS) c.setSegmentCache(s, 0x10, bases[s], 0xffffffff, 0xc093);
    for (let s = 0; s < 6; s++) c.mem.write32(bases[s] + 0x800, 0x1000 * (s + 1) + 0xaa);
    return c;
  }

  it('a moffs operand is DS-relative by default and honours every segment override', () => {
    const prefixes = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];
    for (let s = 0; s < 6; s++) {
      const c = segmented();
      run(c, [prefixes[s], 0xa1, ...le32(0x800)]); // mov eax, seg:[0x800]
      expect(c.reg32[EAX]).toBe(s === CS ? c.mem.read32(0x800) : 0x1000 * (s + 1) + 0xaa);
    }
    const c = segmented();
    run(c, [0xa1, ...le32(0x800)]);
    expect(c.reg32[EAX]).toBe(0x40aa);
  });

  it('A0/A2/A3 in every size, with overrides; the moffs is address-size wide (67: 16-bit offset)', () => {
    const c = segmented();
    c.reg32[EAX] = 0x8899aabb;
    // mov [fs:0x900], eax; mov [gs:0x900], ax (66 65 A3); mov [es:0x900], al; mov al, [fs:0x801] (A0)
    run(c, [0x64, 0xa3, ...le32(0x900), 0x66, 0x65, 0xa3, ...le32(0x900), 0x26, 0xa2, ...le32(0x900)]);
    expect(c.mem.read32(0x40900) >>> 0).toBe(0x8899aabb);
    expect(c.mem.read32(0x50900)).toBe(0xaabb);
    expect(c.mem.read32(0x10900)).toBe(0xbb);
    run(c, [0x64, 0xa0, ...le32(0x801)]);
    expect(c.reg8[0]).toBe(0x50);
    // 67 A1 iw: a 16-bit moffs; the next bytes are the next instruction (here HLT).
    c.reg32[EAX] = 0;
    run(c, [0x67, 0x65, 0xa1, ...le16(0x800)]);
    expect(c.reg32[EAX]).toBe(0x60aa);
  });

  it('in 16-bit code the moffs is 16 bits; 67 makes it 32 bits', () => {
    const m = new RealMachine();
    m.mem.write16(DATA_SEG * 16 + 0x1234, 0xbeef);
    m.mem.write16(STACK_SEG * 16 + 0x1234, 0xf00d);
    expect(m.exec([0xa1, ...le16(0x1234), 0x89, 0xc3, 0x36, 0x67, 0xa1, ...le32(0x1234)])).toBe(StopReason.Halt);
    expect(m.cpu.reg16[EBX << 1]).toBe(0xbeef);
    expect(m.cpu.reg16[0]).toBe(0xf00d);
  });

  it('a write through a CS override faults (#GP(0): code segments are not writable)', () => {
    const f = expectFault([0x2e, 0xa3, ...le32(0x1000)], VEC_GP);
    expect(f.error).toBe(0);
  });
});

describe('MOV to and from segment registers', () => {
  it('8C to a register: zero-extended with a 32-bit operand size, only the low word with 16', () => {
    const c = flat();
    c.setSegmentCache(GS, 0x1234, 0, 0xffffffff, 0xc093);
    c.reg32[EAX] = -1;
    c.reg32[EBX] = -1;
    run(c, [0x8c, 0xe8, 0x66, 0x8c, 0xeb]); // mov eax, gs; mov bx, gs
    expect(c.reg32[EAX]).toBe(0x1234);
    expect(c.reg32[EBX] >>> 0).toBe(0xffff1234);
  });

  it('8C to memory writes two bytes whatever the operand size', () => {
    const c = flat();
    c.setSegmentCache(FS, 0xabcd, 0, 0xffffffff, 0xc093);
    c.mem.write32(0x3000, 0x55555555);
    c.mem.write32(0x3004, 0x55555555);
    run(c, [0x8c, 0x25, ...le32(0x3000), 0x66, 0x8c, 0x25, ...le32(0x3004)]);
    expect(c.mem.read32(0x3000) >>> 0).toBe(0x5555abcd);
    expect(c.mem.read32(0x3004) >>> 0).toBe(0x5555abcd);
  });

  it('8E loads a data segment from the GDT (base, limit) from a register or memory', () => {
    const m = new ProtectedMachine({ ramBytes: 2 << 20 });
    m.setGdt(FIRST_FREE_INDEX, dataSeg(0, { base: 0x120000, limit: 0xfff, g: false }));
    const sel = FIRST_FREE_INDEX * 8;
    m.mem.write32(0x120010, 0x600df00d);
    m.mem.write16(0x100000, sel);
    // mov ax, sel; mov es, ax; mov fs, [0x100000]; mov ebx, [es:0x10]
    m.code(CODE0, [0x66, 0xb8, ...le16(sel), 0x8e, 0xc0, 0x8e, 0x25, ...le32(0x100000), 0x26, 0x8b, 0x1d, ...le32(0x10), 0xf4]);
    m.enter(0, CODE0);
    expect(m.run()).toBe(StopReason.Halt);
    const c = m.cpu;
    expect(c.segSel[ES]).toBe(sel);
    expect(c.segBase[ES]).toBe(0x120000);
    expect(c.segLimit[ES]).toBe(0xfff);
    expect(c.segSel[FS]).toBe(sel);
    expect(c.reg32[EBX]).toBe(0x600df00d);
  });

  it('mov cs, ax (8E /1) is #UD', () => {
    expectFault([0x66, 0xb8, ...le16(0x08), 0x8e, 0xc8], VEC_UD, undefined, 0, 4);
  });

  it('sreg fields 6 and 7 are #UD for both 8C and 8E', () => {
    expectFault([0x8e, 0xf0], VEC_UD);
    expectFault([0x8e, 0xf8], VEC_UD);
    expectFault([0x8c, 0xf0], VEC_UD);
    expectFault([0x8c, 0x3d, ...le32(0x100000)], VEC_UD);
  });

  it('mov cs, ax is #UD in real mode too', () => {
    const m = new RealMachine();
    m.load(CODE_SEG, 0, [0x90, 0x8e, 0xc8]);
    m.enter(CODE_SEG, 0);
    const f = m.expectVector(VEC_UD);
    expect(f).toEqual({ ip: 1, cs: CODE_SEG, flags: 2 });
  });

  it('a null selector may be loaded into DS but not into SS (#GP(0))', () => {
    const m = new ProtectedMachine({ ramBytes: 2 << 20 });
    m.code(CODE0, [0x31, 0xc0, 0x8e, 0xd8, 0xf4]); // xor eax, eax; mov ds, ax
    m.enter(0, CODE0);
    expect(m.run()).toBe(StopReason.Halt);
    expect(m.cpu.segSel[DS]).toBe(0);
    const f = expectFault([0x31, 0xc0, 0x8e, 0xd0], VEC_GP, undefined, 0, 2);
    expect(f.error).toBe(0);
  });

  it('real mode: mov ds, ax sets base = selector * 16', () => {
    const m = new RealMachine();
    m.mem.write16(0x45670 + 0x10, 0x4242);
    expect(m.exec([0xb8, ...le16(0x4567), 0x8e, 0xd8, 0x8b, 0x1e, ...le16(0x10)])).toBe(StopReason.Halt);
    expect(m.cpu.segBase[DS]).toBe(0x45670);
    expect(m.cpu.reg16[EBX << 1]).toBe(0x4242);
  });
});

describe('MOVZX / MOVSX', () => {
  it('register sources, including AH..BH, into 16- and 32-bit destinations', () => {
    const c = flat();
    c.reg32[EAX] = 0x000080f0;
    c.reg32[EBX] = 0x00008001;
    c.reg32[ECX] = -1;
    c.reg32[EDX] = -1;
    c.reg32[ESI] = -1;
    c.reg32[EDI] = -1;
    // movzx ecx, ah; movsx edx, ah; movzx si, al (66); movsx di, al (66); movsx ebp, bx
    run(c, [0x0f, 0xb6, 0xcc, 0x0f, 0xbe, 0xd4, 0x66, 0x0f, 0xb6, 0xf0, 0x66, 0x0f, 0xbe, 0xf8, 0x0f, 0xbf, 0xeb]);
    expect(c.reg32[ECX]).toBe(0x80);
    expect(c.reg32[EDX] >>> 0).toBe(0xffffff80);
    expect(c.reg32[ESI] >>> 0).toBe(0xffff00f0);
    expect(c.reg32[EDI] >>> 0).toBe(0xfffffff0);
    expect(c.reg32[EBP] >>> 0).toBe(0xffff8001);
  });

  it('memory sources: movzx/movsx of a byte and a word', () => {
    const c = flat();
    c.mem.write32(0x3000, 0x8000_7f80);
    // movzx eax, byte [0x3000]; movsx ebx, byte [0x3000]; movzx ecx, word [0x3002]; movsx edx, word [0x3002]; movsx esi, byte [0x3001]
    run(c, [
      0x0f, 0xb6, 0x05, ...le32(0x3000), 0x0f, 0xbe, 0x1d, ...le32(0x3000), 0x0f, 0xb7, 0x0d, ...le32(0x3002),
      0x0f, 0xbf, 0x15, ...le32(0x3002), 0x0f, 0xbe, 0x35, ...le32(0x3001),
    ]);
    expect(c.reg32[EAX]).toBe(0x80);
    expect(c.reg32[EBX]).toBe(-0x80);
    expect(c.reg32[ECX]).toBe(0x8000);
    expect(c.reg32[EDX]).toBe(-0x8000);
    expect(c.reg32[ESI]).toBe(0x7f);
  });
});

// --- Effective addresses ------------------------------------------------------------

const REG16_OF_RM: number[][] = [[EBX, ESI], [EBX, EDI], [EBP, ESI], [EBP, EDI], [ESI], [EDI], [EBP], [EBX]];

/** Intel SDM table 2-1: the 16-bit effective address and whether SS is the default segment. */
function ea16(mod: number, rm: number, regs: number[], disp: number): { off: number; ss: boolean } {
  if (mod === 0 && rm === 6) return { off: disp & 0xffff, ss: false };
  let off = 0;
  for (const r of REG16_OF_RM[rm]) off += regs[r] & 0xffff;
  if (mod === 1) off += (disp << 24) >> 24;
  if (mod === 2) off += disp & 0xffff;
  return { off: off & 0xffff, ss: REG16_OF_RM[rm].includes(EBP) };
}

/** Intel SDM tables 2-2 and 2-3: the 32-bit effective address and whether SS is the default segment. */
function ea32(mod: number, rm: number, sib: number, regs: number[], disp: number): { off: number; ss: boolean } {
  let off = 0;
  let ss = false;
  if (rm === 4) {
    const scale = sib >> 6, index = (sib >> 3) & 7, base = sib & 7;
    if (base === 5 && mod === 0) off = disp; // [scaled index + disp32], no base: DS
    else {
      off = regs[base];
      ss = base === ESP || base === EBP;
    }
    if (index !== 4) off += regs[index] * (1 << scale);
  } else if (rm === 5 && mod === 0) {
    return { off: disp >>> 0, ss: false };
  } else {
    off = regs[rm];
    ss = rm === EBP;
  }
  if (mod === 1) off += (disp << 24) >> 24;
  if (mod === 2) off += disp;
  return { off: off >>> 0, ss };
}

interface EaForm {
  bytes: number[]; // ModRM (reg field 0) [SIB] [disp]
  mod: number;
  rm: number;
  sib: number;
  disp: number;
}

function forms32(rnd: () => number): EaForm[] {
  const out: EaForm[] = [];
  for (let mod = 0; mod < 3; mod++) {
    for (let rm = 0; rm < 8; rm++) {
      const sibs = rm === 4 ? Array.from({ length: 256 }, (_, i) => i) : [-1];
      for (const sib of sibs) {
        const base = sib & 7;
        let disp = 0;
        let dispBytes: number[] = [];
        if (mod === 1) {
          disp = rnd() & 0xff;
          dispBytes = [disp];
        } else if (mod === 2 || (mod === 0 && (rm === 5 || (rm === 4 && base === 5)))) {
          disp = (rnd() & 0x3fff) + 0x10;
          dispBytes = le32(disp);
        }
        out.push({ bytes: [(mod << 6) | rm, ...(sib >= 0 ? [sib] : []), ...dispBytes], mod, rm, sib: Math.max(sib, 0), disp });
      }
    }
  }
  return out;
}

function forms16(rnd: () => number): EaForm[] {
  const out: EaForm[] = [];
  for (let mod = 0; mod < 3; mod++) {
    for (let rm = 0; rm < 8; rm++) {
      let disp = 0;
      let dispBytes: number[] = [];
      if (mod === 1) {
        disp = rnd() & 0xff;
        dispBytes = [disp];
      } else if (mod === 2 || (mod === 0 && rm === 6)) {
        disp = rnd() & 0xffff;
        dispBytes = le16(disp);
      }
      out.push({ bytes: [(mod << 6) | rm, ...dispBytes], mod, rm, sib: 0, disp });
    }
  }
  return out;
}

/** A small deterministic PRNG (mulberry32), 32-bit outputs. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Sets the ModRM reg field. */
function withReg(bytes: number[], reg: number): number[] {
  return [bytes[0] | (reg << 3), ...bytes.slice(1)];
}

describe('LEA: every ModRM/SIB form', () => {
  it('32-bit addressing: all mod/rm forms and all 256 SIB bytes, including [disp32] and [index*s+disp32]', () => {
    const rnd = prng(1);
    const bad: string[] = [];
    const c = flat();
    for (const form of forms32(rnd)) {
      for (let k = 0; k < 2; k++) {
        const regs = Array.from({ length: 8 }, () => (k === 0 ? rnd() | 0 : rnd() & 0xffff));
        for (let r = 0; r < 8; r++) c.reg32[r] = regs[r];
        const code = [0x8d, ...withReg(form.bytes, EDX)]; // lea edx, [...]
        run(c, code);
        const exp = ea32(form.mod, form.rm, form.sib, regs, form.disp).off;
        if (c.reg32[EDX] >>> 0 !== exp) bad.push(`${hex(code)}: ${(c.reg32[EDX] >>> 0).toString(16)} expected ${exp.toString(16)}`);
        for (let r = 0; r < 8; r++) if (r !== EDX && c.reg32[r] !== regs[r]) bad.push(`${hex(code)}: register ${r} changed`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('16-bit addressing (67 in 32-bit code): all 24 forms, offsets wrap at 64 KiB and are zero-extended into EDX', () => {
    const rnd = prng(2);
    const bad: string[] = [];
    const c = flat();
    for (const form of forms16(rnd)) {
      for (let k = 0; k < 4; k++) {
        const regs = Array.from({ length: 8 }, () => rnd() | 0xffff0000 | (k === 0 ? 0xff00 : 0));
        for (let r = 0; r < 8; r++) c.reg32[r] = regs[r];
        const code = [0x67, 0x8d, ...withReg(form.bytes, EDX)];
        run(c, code);
        const exp = ea16(form.mod, form.rm, regs, form.disp).off;
        if (c.reg32[EDX] >>> 0 !== exp) bad.push(`${hex(code)}: ${(c.reg32[EDX] >>> 0).toString(16)} expected ${exp.toString(16)}`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('16-bit operand size keeps the low 16 bits of a 32-bit address (66 8D); upper half of the destination unchanged', () => {
    const c = flat();
    c.reg32[EBX] = 0x12345678;
    c.reg32[EDX] = 0x7fff0000;
    run(c, [0x66, 0x8d, 0x93, ...le32(0x11111111)]); // lea dx, [ebx+0x11111111]
    expect(c.reg32[EDX] >>> 0).toBe(0x7fff6789);
  });

  it('real mode (native 16-bit addressing): lea di, [bx+si+0x10] wraps at 64 KiB; 67 gives a 32-bit address', () => {
    const m = new RealMachine();
    const c = m.cpu;
    c.reg32[EBX] = 0xfff0;
    c.reg32[ESI] = 0x0008;
    c.reg32[EDI] = 0xabcd0000 | 0;
    c.reg32[ECX] = 0x00100000;
    expect(m.exec([0x8d, 0x78, 0x10, 0x67, 0x66, 0x8d, 0x94, 0x4b, ...le32(0x20)])).toBe(StopReason.Halt); // lea di,[bx+si+10]; lea edx,[ebx+ecx*2+0x20]
    expect(c.reg32[EDI] >>> 0).toBe(0xabcd0008);
    expect(c.reg32[EDX]).toBe(0xfff0 + 0x200000 + 0x20);
  });

  it('a register operand (mod = 3) is #UD', () => {
    expectFault([0x8d, 0xc0], VEC_UD);
  });
});

describe('default segments of memory operands (DS, or SS for EBP/ESP/BP bases)', () => {
  const DS_BASE = 0x40000, SS_BASE = 0x80000;

  it('32-bit forms: every ModRM/SIB form reads from SS when the base is EBP or ESP, DS otherwise (including [disp32] and [ebp*s+disp32])', () => {
    const rnd = prng(3);
    const c = flat();
    const bad: string[] = [];
    for (const form of forms32(rnd)) {
      c.setSegmentCache(DS, 0x10, DS_BASE, 0xffffffff, 0xc093);
      c.setSegmentCache(SS, 0x18, SS_BASE, 0xffffffff, 0xc093);
      const regs = Array.from({ length: 8 }, () => rnd() & 0x1fff);
      for (let r = 0; r < 8; r++) c.reg32[r] = regs[r];
      const { off, ss } = ea32(form.mod, form.rm, form.sib, regs, form.disp);
      c.mem.write32(DS_BASE + off, 0xd5d5d5d5);
      c.mem.write32(SS_BASE + off, 0x55555555);
      const code = [0x8b, ...withReg(form.bytes, EAX)]; // mov eax, [...]
      run(c, code);
      const exp = ss ? 0x55555555 : 0xd5d5d5d5;
      if (c.reg32[EAX] >>> 0 !== exp) bad.push(`${hex(code)} (EA ${off.toString(16)}): read from ${ss ? 'DS' : 'SS'}`);
      c.mem.write32(DS_BASE + off, 0);
      c.mem.write32(SS_BASE + off, 0);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('16-bit forms (67): [bp+si], [bp+di], [bp+disp] read from SS; [disp16] and the others from DS', () => {
    const rnd = prng(4);
    const c = flat();
    const bad: string[] = [];
    for (const form of forms16(rnd)) {
      c.setSegmentCache(DS, 0x10, DS_BASE, 0xffffffff, 0xc093);
      c.setSegmentCache(SS, 0x18, SS_BASE, 0xffffffff, 0xc093);
      const regs = Array.from({ length: 8 }, () => rnd() & 0x7fff);
      for (let r = 0; r < 8; r++) c.reg32[r] = regs[r];
      const { off, ss } = ea16(form.mod, form.rm, regs, form.disp);
      c.mem.write32(DS_BASE + off, 0xd5d5d5d5);
      c.mem.write32(SS_BASE + off, 0x55555555);
      const code = [0x67, 0x8b, ...withReg(form.bytes, EAX)];
      run(c, code);
      const exp = ss ? 0x55555555 : 0xd5d5d5d5;
      if (c.reg32[EAX] >>> 0 !== exp) bad.push(`${hex(code)} (EA ${off.toString(16)}): wrong segment`);
      c.mem.write32(DS_BASE + off, 0);
      c.mem.write32(SS_BASE + off, 0);
    }
    expect(bad).toEqual([]);
  });

  it('a segment override replaces the default in both directions (ds:[ebp+8], ss:[ebx])', () => {
    const c = flat();
    c.setSegmentCache(DS, 0x10, DS_BASE, 0xffffffff, 0xc093);
    c.setSegmentCache(SS, 0x18, SS_BASE, 0xffffffff, 0xc093);
    c.reg32[EBP] = 0x100;
    c.reg32[EBX] = 0x200;
    c.mem.write32(DS_BASE + 0x108, 1);
    c.mem.write32(SS_BASE + 0x108, 2);
    c.mem.write32(DS_BASE + 0x200, 3);
    c.mem.write32(SS_BASE + 0x200, 4);
    run(c, [0x3e, 0x8b, 0x45, 0x08, 0x36, 0x8b, 0x0b, 0x8b, 0x55, 0x08, 0x8b, 0x33]);
    expect([c.reg32[EAX], c.reg32[ECX], c.reg32[EDX], c.reg32[ESI]]).toEqual([1, 4, 2, 3]);
  });
});

describe('XCHG', () => {
  it('register forms in every size, 90+r, and xchg with memory', () => {
    const c = flat();
    c.reg32[EAX] = 0x11111111;
    c.reg32[ECX] = 0x22222222;
    c.reg32[EDX] = 0x33334455;
    c.reg32[EBX] = 0x3000;
    c.reg32[ESI] = 0x55556666;
    c.mem.write32(0x3000, 0x77777777);
    // xchg eax, ecx (91); xchg dh, dl (86 F2); xchg si, dx (66 87 D6); xchg [ebx], eax (87 03)
    run(c, [0x91, 0x86, 0xf2, 0x66, 0x87, 0xd6, 0x87, 0x03]);
    expect(c.reg32[ECX]).toBe(0x11111111);
    expect(c.reg32[EAX]).toBe(0x77777777);
    expect(c.mem.read32(0x3000)).toBe(0x22222222);
    expect(c.reg32[EDX] >>> 0).toBe(0x33336666);
    expect(c.reg32[ESI] >>> 0).toBe(0x55555544);
  });

  it('66 90+r exchanges AX with a 16-bit register; 90 (xchg eax, eax) changes nothing', () => {
    const c = flat();
    c.reg32[EAX] = 0xaaaa1111 | 0;
    c.reg32[EDI] = 0xbbbb2222 | 0;
    c.setEflags(FLAGS_FIXED | STATUS);
    run(c, [0x66, 0x97, 0x90]);
    expect(c.reg32[EAX] >>> 0).toBe(0xaaaa2222);
    expect(c.reg32[EDI] >>> 0).toBe(0xbbbb1111);
    expect(c.getEflags() & STATUS).toBe(STATUS);
  });
});

describe('CBW/CWDE/CWD/CDQ', () => {
  it.each([
    ['cbw (66 98)', [0x66, 0x98], 0x12345680, 0, 0x1234ff80, 0],
    ['cbw of a positive byte', [0x66, 0x98], 0x1234567f, 0, 0x1234007f, 0],
    ['cwde (98)', [0x98], 0x12348000, 0, 0xffff8000, 0],
    ['cwde of a positive word', [0x98], 0xffff7fff, 0, 0x00007fff, 0],
    ['cwd (66 99)', [0x66, 0x99], 0x00008000, 0x12345678, 0x00008000, 0x1234ffff],
    ['cwd of a positive word', [0x66, 0x99], 0xffff7fff, 0x1234ffff, 0xffff7fff, 0x12340000],
    ['cdq (99)', [0x99], 0x80000000, 0, 0x80000000, 0xffffffff],
    ['cdq of a positive dword', [0x99], 0x7fffffff, 0xffffffff, 0x7fffffff, 0],
  ] as const)('%s', (_name, code, eax, edx, expEax, expEdx) => {
    const c = flat();
    c.reg32[EAX] = eax;
    c.reg32[EDX] = edx;
    c.setEflags(FLAGS_FIXED | FLAG_CF | FLAG_ZF);
    run(c, [...code]);
    expect(c.reg32[EAX] >>> 0).toBe(expEax);
    expect(c.reg32[EDX] >>> 0).toBe(expEdx);
    expect(c.getEflags() & STATUS).toBe(FLAG_CF | FLAG_ZF);
  });
});

describe('LAHF/SAHF', () => {
  it('SAHF loads SF ZF AF PF CF from AH bits 7 6 4 2 0 and leaves OF; LAHF stores them with bit 1 set', () => {
    const c = flat();
    for (let ah = 0; ah < 256; ah++) {
      for (const of of [0, FLAG_OF]) {
        c.setEflags(FLAGS_FIXED | of);
        c.reg32[EAX] = ah << 8;
        run(c, [0x9e]); // sahf
        const expFlags = (ah & (FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF)) | of;
        expect(c.getEflags() & STATUS).toBe(expFlags);
        c.reg32[EAX] = 0x11110011;
        run(c, [0x9f]); // lahf
        expect(c.reg32[EAX] >>> 0).toBe(0x11110011 | (((ah & 0xd5) | 0x02) << 8));
      }
    }
  });

  it('LAHF after an arithmetic instruction sees its (lazily computed) flags', () => {
    const c = flat();
    c.reg32[EAX] = 0x000000ff;
    run(c, [0x04, 0x01, 0x9f]); // add al, 1; lahf
    expect(c.reg8[1]).toBe(FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF | 2);
  });
});

describe('XLAT', () => {
  it('AL = [DS:EBX + AL] with AL unsigned; segment override; 16-bit address size wraps BX + AL', () => {
    const c = flat();
    c.setSegmentCache(FS, 0x10, 0x40000, 0xffffffff, 0xc093);
    for (let i = 0; i < 256; i++) {
      c.mem.write8(0x3000 + i, i ^ 0x5a);
      c.mem.write8(0x43000 + i, i ^ 0xa5);
    }
    c.reg32[EBX] = 0x3000;
    c.reg32[EAX] = 0x123456f0;
    run(c, [0xd7]);
    expect(c.reg32[EAX] >>> 0).toBe(0x12345600 | (0xf0 ^ 0x5a));
    c.reg32[EAX] = 0x80;
    run(c, [0x64, 0xd7]);
    expect(c.reg8[0]).toBe(0x80 ^ 0xa5);
    // 67 D7: BX + AL = FFF0 + 20 wraps to 0010 (EBX's upper half is ignored).
    c.reg32[EBX] = 0x0001fff0;
    c.reg32[EAX] = 0x20;
    c.mem.write8(0x0010, 0x99);
    c.mem.write8(0x20010, 0x11);
    c.mem.write8(0x10010, 0x22);
    run(c, [0x67, 0xd7]);
    expect(c.reg8[0]).toBe(0x99);
  });
});

describe('LDS/LES/LSS/LFS/LGS', () => {
  it('real mode, 16-bit operand size: m16:16 loads the offset register and the segment (base = selector * 16)', () => {
    const m = new RealMachine();
    const c = m.cpu;
    const p = DATA_SEG * 16 + 0x100;
    const ptrs: [number, number][] = [[0x1111, 0x4000], [0x2222, 0x5000], [0x3333, 0x6000], [0x4444, 0x7000], [0x5555, 0x8000]];
    ptrs.forEach(([off, sel], i) => {
      m.mem.write16(p + i * 4, off);
      m.mem.write16(p + i * 4 + 2, sel);
    });
    // les di,[0x100]; lfs si,[0x104]; lgs bx,[0x108]; lss sp,[0x10c]; lds dx,[0x110] (DS last: it moves the table)
    const code = [
      0xc4, 0x3e, ...le16(0x100), 0x0f, 0xb4, 0x36, ...le16(0x104), 0x0f, 0xb5, 0x1e, ...le16(0x108),
      0x0f, 0xb2, 0x26, ...le16(0x10c), 0xc5, 0x16, ...le16(0x110),
    ];
    expect(m.exec(code)).toBe(StopReason.Halt);
    expect([c.reg16[EDI << 1], c.segSel[ES], c.segBase[ES]]).toEqual([0x1111, 0x4000, 0x40000]);
    expect([c.reg16[ESI << 1], c.segSel[FS], c.segBase[FS]]).toEqual([0x2222, 0x5000, 0x50000]);
    expect([c.reg16[EBX << 1], c.segSel[GS], c.segBase[GS]]).toEqual([0x3333, 0x6000, 0x60000]);
    expect([c.reg16[ESP << 1], c.segSel[SS], c.segBase[SS]]).toEqual([0x4444, 0x7000, 0x70000]);
    expect([c.reg16[EDX << 1], c.segSel[DS], c.segBase[DS]]).toEqual([0x5555, 0x8000, 0x80000]);
  });

  it('real mode, 32-bit operand size (66): m16:32 loads a 32-bit offset, the selector follows it', () => {
    const m = new RealMachine();
    const c = m.cpu;
    m.mem.write32(DATA_SEG * 16 + 0x200, 0xdeadbeef);
    m.mem.write16(DATA_SEG * 16 + 0x204, 0x4321);
    expect(m.exec([0x66, 0xc4, 0x1e, ...le16(0x200)])).toBe(StopReason.Halt); // les ebx, [0x200]
    expect(c.reg32[EBX] >>> 0).toBe(0xdeadbeef);
    expect(c.segSel[ES]).toBe(0x4321);
    expect(c.segBase[ES]).toBe(0x43210);
  });

  it('protected mode: lds/lss read m16:32 and load the descriptors', () => {
    const m = new ProtectedMachine({ ramBytes: 2 << 20 });
    m.setGdt(FIRST_FREE_INDEX, dataSeg(0, { base: 0x150000 }));
    const sel = FIRST_FREE_INDEX * 8;
    m.mem.write32(0x100000, 0x1234);
    m.mem.write16(0x100004, sel);
    m.mem.write32(0x100008, STACK0 - 0x40);
    m.mem.write16(0x10000c, KDATA);
    m.code(CODE0, [0x0f, 0xb2, 0x25, ...le32(0x100008), 0xc5, 0x05, ...le32(0x100000), 0xf4]); // lss esp,[..]; lds eax,[..]
    m.enter(0, CODE0);
    expect(m.run()).toBe(StopReason.Halt);
    const c = m.cpu;
    expect([c.reg32[EAX], c.segSel[DS], c.segBase[DS]]).toEqual([0x1234, sel, 0x150000]);
    expect([c.reg32[ESP], c.segSel[SS]]).toEqual([STACK0 - 0x40, KDATA]);
  });

  it('a register operand is #UD (C5 C0, 0F B2 C0)', () => {
    expectFault([0xc5, 0xc0], VEC_UD);
    expectFault([0x0f, 0xb2, 0xc0], VEC_UD);
  });

  it('lss with a null selector is #GP(0) and changes neither ESP nor SS', () => {
    const f = expectFault([0x0f, 0xb2, 0x25, ...le32(0x100000)], VEC_GP, (m) => {
      m.mem.write32(0x100000, 0x1234);
      m.mem.write16(0x100004, 0);
    });
    expect(f.error).toBe(0);
  });
});
