/**
 * System instructions and instruction-boundary events (Intel SDM Vol. 2A
 * "CPUID", "CLTS", "HLT", "LGDT/LIDT", "LMSW", Vol. 2B "MOV—Move to/from
 * Control Registers", "RDMSR", "RDTSC", "SGDT", "SIDT", "SMSW", "STI",
 * "WRMSR"; Vol. 3A 2.5 (control registers), 2.8 (privileged instructions),
 * 6.7.1 (NMI handling), 6.8.3 (MOV SS/POP SS shadow), 9.1 (reset state)).
 */
import { describe, expect, it } from 'vitest';
import { StopReason, type InterruptLine } from '../cpu.js';
import {
  CR0_ET, CR0_PE, CR0_PG, CR0_TS, EAX, EBX, ECX, EDI, EDX, ESI, ESP, FLAGS_FIXED, MSR_EFER, VEC_DB, VEC_GP, VEC_NMI, VEC_UD,
} from '../constants.js';
import {
  CODE0, CODE1, CODE3, gate, GATE_INT32, KCODE, ProtectedMachine, STACK0, le16, le32,
} from '../../test/support/protected-machine.js';
import { RealMachine } from '../../test/support/real-machine.js';

const FLAG_IF = 0x200, FLAG_TF = 0x100;

function machine(): ProtectedMachine {
  return new ProtectedMachine({ ramBytes: 4 << 20 });
}

/** Runs ring-0 code to its HLT; returns the machine. */
function ring0(code: number[], setup?: (m: ProtectedMachine) => void): ProtectedMachine {
  const m = machine();
  m.code(CODE0, [...code, 0xf4]);
  m.enter(0, CODE0);
  setup?.(m);
  const stop = m.run(100_000);
  if (stop !== StopReason.Halt || m.vector !== -1) throw new Error(`ring-0 code stopped ${stop} in vector ${m.vector} at ${m.cpu.eip.toString(16)}`);
  return m;
}

/** Runs code at `ring` and expects exception `vector` at its first instruction (after `lead` bytes). */
function faultAt(ring: 0 | 1 | 3, code: number[], vector: number, lead = 0, setup?: (m: ProtectedMachine) => void): ReturnType<ProtectedMachine['frame']> {
  const m = machine();
  const addr = ring === 0 ? CODE0 : ring === 1 ? CODE1 : CODE3;
  m.code(addr, [...code, 0xf4]);
  m.enter(ring, addr);
  setup?.(m);
  const f = m.expectVector(vector);
  expect(f.eip).toBe(addr + lead);
  return f;
}

const cpuidCode = (leaf: number): number[] => [0xb8, ...le32(leaf), 0x0f, 0xa2];

function cpuid(leaf: number): [number, number, number, number] {
  const c = ring0(cpuidCode(leaf)).cpu;
  return [c.reg32[EAX] >>> 0, c.reg32[EBX] >>> 0, c.reg32[ECX] >>> 0, c.reg32[EDX] >>> 0];
}

function ascii(...regs: number[]): string {
  return regs.map((r) => String.fromCharCode(r & 0xff, (r >>> 8) & 0xff, (r >>> 16) & 0xff, r >>> 24)).join('');
}

describe('CPUID', () => {
  it('leaf 0: the highest basic leaf (at least 2) and "GenuineIntel" in EBX EDX ECX', () => {
    const [a, b, c, d] = cpuid(0);
    expect(a).toBeGreaterThanOrEqual(2);
    expect(ascii(b, d, c)).toBe('GenuineIntel');
  });

  it('leaf 1: family 6, model 1 (DESIGN.md: a Pentium Pro) and exactly FPU PSE TSC MSR PAE CX8 PGE CMOV', () => {
    const [a, b, c, d] = cpuid(1);
    expect((a >>> 8) & 0xf).toBe(6);
    expect((a >>> 4) & 0xf).toBe(1);
    expect(a >>> 12).toBe(0); // no extended family/model, processor type 0 (OEM)
    const FPU = 1 << 0, PSE = 1 << 3, TSC = 1 << 4, MSR = 1 << 5, PAE = 1 << 6, CX8 = 1 << 8, PGE = 1 << 13, CMOV = 1 << 15;
    expect(d).toBe((FPU | PSE | TSC | MSR | PAE | CX8 | PGE | CMOV) >>> 0);
    expect(c).toBe(0); // no SSE3 and later
    expect(b).toBe(0);
  });

  it('leaf 2: AL = 1 (one call), bit 31 clear in every register, only known P6 descriptors', () => {
    const regs = cpuid(2);
    expect(regs[0] & 0xff).toBe(1);
    const known = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45]);
    const bytes: number[] = [];
    regs.forEach((r, i) => {
      expect(r >>> 31).toBe(0);
      for (let k = i === 0 ? 1 : 0; k < 4; k++) bytes.push((r >>> (8 * k)) & 0xff);
    });
    for (const b of bytes) expect(known.has(b), `descriptor ${b.toString(16)}`).toBe(true);
    expect(bytes.some((b) => b === 0x0a || b === 0x0c)).toBe(true); // an L1 data cache
  });

  it('0x80000000 reports at least 0x80000001; 0x80000001 EDX has XD (bit 20) and no LM (bit 29)', () => {
    expect(cpuid(0x80000000)[0]).toBeGreaterThanOrEqual(0x80000001);
    const d = cpuid(0x80000001)[3];
    expect(d & (1 << 20)).toBe(1 << 20);
    expect(d & (1 << 29)).toBe(0);
  });

  it('a basic leaf above the maximum returns the highest basic leaf', () => {
    const max = cpuid(0)[0];
    expect(cpuid(max + 1)).toEqual(cpuid(max));
    expect(cpuid(0x1f)).toEqual(cpuid(max));
  });

  // Regression (was a bug, fixed): an extended leaf above the maximum extended leaf returns zeros. The SDM
  // (CPUID: "If a value entered for CPUID.EAX is higher than the maximum input value for basic
  // or extended function for that processor then the data for the highest basic information
  // leaf is returned") requires the highest basic leaf's data (leaf 2 here).
  it('an extended leaf above the maximum extended leaf returns the highest basic leaf too', () => {
    const max = cpuid(0)[0];
    const maxExt = cpuid(0x80000000)[0];
    expect(cpuid(maxExt + 1)).toEqual(cpuid(max));
  });

  it('is not privileged (CPL 3)', () => {
    const m = machine();
    m.code(CODE3, [...cpuidCode(0), 0xf4]);
    m.enter(3, CODE3);
    m.expectVector(VEC_GP); // the HLT after it
    expect(ascii(m.cpu.reg32[EBX], m.cpu.reg32[EDX], m.cpu.reg32[ECX])).toBe('GenuineIntel');
  });
});

describe('RDTSC', () => {
  const rdtscTwice = [0x0f, 0x31, 0x89, 0xc6, 0x89, 0xd7, 0x90, 0x90, 0x90, 0x0f, 0x31]; // rdtsc; mov esi,eax; mov edi,edx; nop x3; rdtsc

  const tsc = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

  it('is monotonic and advances with the instructions executed', () => {
    const c = ring0(rdtscTwice).cpu;
    const t0 = tsc(c.reg32[ESI], c.reg32[EDI]);
    const t1 = tsc(c.reg32[EAX], c.reg32[EDX]);
    expect(t1 > t0).toBe(true);
    expect(t1 - t0).toBeGreaterThanOrEqual(5n); // five instructions in between
  });

  it('is derived from the cycle count: the same program gives the same values, and never exceeds cycles at the stop', () => {
    const a = ring0(rdtscTwice).cpu;
    const b = ring0(rdtscTwice).cpu;
    expect([a.reg32[EAX], a.reg32[EDX], a.reg32[ESI], a.reg32[EDI]]).toEqual([b.reg32[EAX], b.reg32[EDX], b.reg32[ESI], b.reg32[EDI]]);
    expect(tsc(a.reg32[EAX], a.reg32[EDX]) <= BigInt(a.cycles + a.tscOffset)).toBe(true);
    // Ten more NOPs before the first RDTSC make it at least ten larger.
    const c = ring0([...Array(10).fill(0x90), ...rdtscTwice]).cpu;
    expect(tsc(c.reg32[ESI], c.reg32[EDI]) - tsc(a.reg32[ESI], a.reg32[EDI])).toBeGreaterThanOrEqual(10n);
  });

  it('WRMSR 10h sets the counter: RDTSC then reads a little more than the value written', () => {
    const c = ring0([0xb9, ...le32(0x10), 0xb8, ...le32(0x89abcdef), 0xba, ...le32(0), 0x0f, 0x30, 0x0f, 0x31]).cpu;
    const t = tsc(c.reg32[EAX], c.reg32[EDX]);
    const written = 0x89abcdefn;
    expect(t >= written && t < written + 1000n).toBe(true);
  });

  // Regression (was a bug, fixed): on the processor CPUID describes (family 6, model 1)
  // WRMSR to the TSC writes only the low 32 bits and clears the high 32 (SDM Vol. 3B 17.17
  // "Time-Stamp Counter": only family 0FH models 3/4/6 and family 06H models 0EH/0FH and later
  // have all 64 bits writable). The emulator writes all 64 bits.
  it('WRMSR 10h on a P6 (family 6, model 1) clears the high half of the TSC', () => {
    const c = ring0([0xb9, ...le32(0x10), 0xb8, ...le32(0x89abcdef), 0xba, ...le32(0x1234), 0x0f, 0x30, 0x0f, 0x31]).cpu;
    expect(c.reg32[EDX]).toBe(0);
    expect(c.reg32[EAX] >>> 0).toBeGreaterThanOrEqual(0x89abcdef);
  });

  it('CR4.TSD makes RDTSC #GP(0) at CPL 3, but not at CPL 0; without TSD CPL 3 may use it', () => {
    const f = faultAt(3, [0x0f, 0x31], VEC_GP, 0, (m) => (m.cpu.cr4 |= 4));
    expect(f.error).toBe(0);
    ring0([0x0f, 0x31], (m) => (m.cpu.cr4 |= 4));
    faultAt(3, [0x0f, 0x31], VEC_GP, 2); // the HLT after it faults, not RDTSC
  });
});

describe('RDMSR/WRMSR', () => {
  const rdmsr = (msr: number): number[] => [0xb9, ...le32(msr), 0x0f, 0x32];
  const wrmsr = (msr: number, lo: number, hi: number): number[] => [0xb9, ...le32(msr), 0xb8, ...le32(lo), 0xba, ...le32(hi), 0x0f, 0x30];

  it('EFER: NXE (bit 11) can be written and read back', () => {
    const m = ring0([...wrmsr(MSR_EFER, 1 << 11, 0), 0x31, 0xc0, ...rdmsr(MSR_EFER)]);
    expect(m.cpu.reg32[EAX]).toBe(1 << 11);
    expect(m.cpu.reg32[EDX]).toBe(0);
    expect(m.cpu.efer & (1 << 11)).toBe(1 << 11);
  });

  it('EFER: setting LME (bit 8) on a CPU without long mode is #GP(0) and leaves EFER', () => {
    const f = faultAt(0, wrmsr(MSR_EFER, 1 << 8, 0), VEC_GP, 15);
    expect(f.error).toBe(0);
  });

  it('an unknown MSR is #GP(0) for both RDMSR and WRMSR', () => {
    expect(faultAt(0, rdmsr(0x12345678), VEC_GP, 5).error).toBe(0);
    expect(faultAt(0, wrmsr(0x12345678, 0, 0), VEC_GP, 15).error).toBe(0);
  });

  it('real mode may use them (no CPL check outside protected mode)', () => {
    const m = new RealMachine();
    // mov ecx, 10h; rdmsr
    expect(m.exec([0x66, 0xb9, ...le32(0x10), 0x0f, 0x32])).toBe(StopReason.Halt);
    expect(m.cpu.reg32[EAX]).toBeGreaterThan(0);
  });
});

describe('MOV to/from control registers', () => {
  it('CR0: PG without PE is #GP(0), and CR0 is unchanged', () => {
    const f = faultAt(0, [0x0f, 0x20, 0xc0, 0x25, ...le32(~1), 0x0d, ...le32(CR0_PG), 0x0f, 0x22, 0xc0], VEC_GP, 13);
    expect(f.error).toBe(0);
  });

  it('CR0: NW without CD is #GP(0)', () => {
    // mov eax, cr0; and eax, ~CD; or eax, NW; mov cr0, eax
    const f = faultAt(0, [0x0f, 0x20, 0xc0, 0x25, ...le32(~0x40000000), 0x0d, ...le32(0x20000000), 0x0f, 0x22, 0xc0], VEC_GP, 13);
    expect(f.error).toBe(0);
  });

  it('CR0: ET is hardwired to 1 on a P6 (writing 0 reads back 1)', () => {
    const m = ring0([0x0f, 0x20, 0xc0, 0x25, ...le32(~CR0_ET), 0x0f, 0x22, 0xc0, 0x0f, 0x20, 0xc3]); // mov ebx, cr0 at the end
    expect(m.cpu.reg32[EBX] & CR0_ET).toBe(CR0_ET);
  });

  it('CR4: setting a reserved bit is #GP(0)', () => {
    for (const bit of [9, 10, 11, 13, 14, 20, 31]) {
      const f = faultAt(0, [0xb8, ...le32(1 << bit), 0x0f, 0x22, 0xe0], VEC_GP, 5);
      expect(f.error, `bit ${bit}`).toBe(0);
    }
  });

  it('CR1, CR5, CR6 and CR7 do not exist (#UD)', () => {
    for (const cr of [1, 5, 6, 7]) {
      faultAt(0, [0x0f, 0x20, 0xc0 | (cr << 3)], VEC_UD);
      faultAt(0, [0x0f, 0x22, 0xc0 | (cr << 3)], VEC_UD);
    }
  });

  it('the mod field is ignored: 0F 20 00 is mov eax, cr0', () => {
    const m = ring0([0x0f, 0x20, 0x00]);
    expect(m.cpu.reg32[EAX] >>> 0).toBe(m.cpu.cr0 >>> 0);
  });

  it('CR2 can be written and read', () => {
    const m = ring0([0xb8, ...le32(0xdeadb000), 0x0f, 0x22, 0xd0, 0x0f, 0x20, 0xd1]);
    expect(m.cpu.reg32[ECX] >>> 0).toBe(0xdeadb000);
  });

  /** Identity-maps the first 4 MiB with 4 KiB pages: PD at 200000h, PT at 201000h. */
  function pageTables(m: ProtectedMachine): void {
    m.mem.write32(0x200000, 0x201000 | 3);
    for (let i = 0; i < 1024; i++) m.mem.write32(0x201000 + i * 4, (i << 12) | 3);
    m.mem.write32(0x150000, 0xaaaaaaaa);
    m.mem.write32(0x160000, 0xbbbbbbbb);
  }
  const enablePaging = [0xb8, ...le32(0x200000), 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xc0, 0x0d, ...le32(CR0_PG), 0x0f, 0x22, 0xc0];

  it('CR0.PG turns translation on; reloading CR3 makes a changed PTE visible', () => {
    const m = ring0([
      ...enablePaging,
      0x8b, 0x1d, ...le32(0x150000), // mov ebx, [150000h] (through the TLB now)
      0xc7, 0x05, ...le32(0x201000 + 0x150 * 4), ...le32(0x160000 | 3), // remap page 150h to 160000h
      0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, // mov eax, cr3; mov cr3, eax
      0x8b, 0x15, ...le32(0x150000), // mov edx, [150000h]
    ], pageTables);
    expect(m.cpu.reg32[EBX] >>> 0).toBe(0xaaaaaaaa);
    expect(m.cpu.reg32[EDX] >>> 0).toBe(0xbbbbbbbb);
    expect(m.cpu.cr0 & CR0_PG).toBe(CR0_PG);
  });

  it('CR4.PSE enables 4 MiB pages (a PDE with PS = 1)', () => {
    const m = ring0([
      0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x10, 0x0f, 0x22, 0xe0, // mov eax, cr4; or eax, PSE; mov cr4, eax
      ...enablePaging,
      0x8b, 0x1d, ...le32(0x400000 + 0x150000), // through the 4 MiB page at 400000h -> 0
    ], (mm) => {
      pageTables(mm);
      mm.mem.write32(0x200000 + 4, 0x000000 | 0x83);
    });
    expect(m.cpu.reg32[EBX] >>> 0).toBe(0xaaaaaaaa);
  });

  it('CR4.DE: DR4/DR5 alias DR6/DR7 when clear and are #UD when set', () => {
    const m = ring0([0x0f, 0x21, 0xe0]); // mov eax, dr4
    expect(m.cpu.reg32[EAX] >>> 0).toBe(m.cpu.dr[6] >>> 0);
    faultAt(0, [0x0f, 0x21, 0xe0], VEC_UD, 0, (mm) => (mm.cpu.cr4 |= 8));
  });

  it('CLTS clears CR0.TS and nothing else', () => {
    const m = ring0([0x0f, 0x20, 0xc0, 0x83, 0xc8, 0x08, 0x0f, 0x22, 0xc0, 0x0f, 0x06, 0x0f, 0x20, 0xc3]);
    expect(m.cpu.reg32[EBX]).toBe((m.cpu.reg32[EAX] & ~CR0_TS) | 0);
    expect(m.cpu.reg32[EAX] & CR0_TS).toBe(CR0_TS);
  });
});

describe('LMSW/SMSW', () => {
  it('LMSW loads MP EM TS and can set but not clear PE', () => {
    // mov ax, 0Eh; lmsw ax; smsw bx (16-bit reg); mov ax, 0; lmsw ax; mov ecx, cr0
    const m = ring0([0x66, 0xb8, ...le16(0x0e), 0x0f, 0x01, 0xf0, 0x66, 0x0f, 0x01, 0xe3, 0x66, 0xb8, 0, 0, 0x0f, 0x01, 0xf0, 0x0f, 0x20, 0xc1]);
    const c = m.cpu;
    expect(c.reg32[EBX] & 0xf).toBe(0xf);
    expect(c.reg32[ECX] & 0xf).toBe(CR0_PE);
    expect(c.reg32[ECX] & 0xfff0).toBe(c.reg32[EBX] & 0xfff0); // other bits untouched
  });

  it('LMSW in real mode sets PE (enters protected mode)', () => {
    const m = new RealMachine();
    expect(m.exec([0xb8, 0x01, 0x00, 0x0f, 0x01, 0xf0])).toBe(StopReason.Halt);
    expect(m.cpu.cr0 & CR0_PE).toBe(CR0_PE);
    expect(m.cpu.protectedMode).toBe(true);
  });

  it('SMSW to memory stores 16 bits; to a register the low 16 bits of CR0; allowed at CPL 3', () => {
    const m = machine();
    m.mem.write32(0x100000, 0xffffffff);
    m.code(CODE3, [0x0f, 0x01, 0x25, ...le32(0x100000), 0x0f, 0x01, 0xe0, 0xf4]); // smsw [100000h]; smsw eax
    m.enter(3, CODE3);
    m.cpu.cr0 |= CR0_TS;
    m.expectVector(VEC_GP); // the final HLT
    const cr0 = m.cpu.cr0;
    expect(m.mem.read32(0x100000) >>> 0).toBe((0xffff0000 | (cr0 & 0xffff)) >>> 0);
    expect(m.cpu.reg32[EAX] & 0xffff).toBe(cr0 & 0xffff);
  });
});

describe('LGDT/LIDT/SGDT/SIDT', () => {
  const P = 0x100000;

  it('32-bit operand size: the full 32-bit base', () => {
    const m = ring0([0x0f, 0x01, 0x15, ...le32(P), 0x0f, 0x01, 0x1d, ...le32(P + 8), 0x0f, 0x01, 0x05, ...le32(P + 16), 0x0f, 0x01, 0x0d, ...le32(P + 24)], (mm) => {
      mm.mem.write16(P, 0x1234);
      mm.mem.write32(P + 2, 0xfedcba98);
      mm.mem.write16(P + 8, 0x07ff);
      mm.mem.write32(P + 10, 0x89abcdef);
    });
    const c = m.cpu;
    expect([c.gdtrLimit, c.gdtrBase >>> 0, c.idtrLimit, c.idtrBase >>> 0]).toEqual([0x1234, 0xfedcba98, 0x7ff, 0x89abcdef]);
    expect([m.mem.read16(P + 16), m.mem.read32(P + 18) >>> 0]).toEqual([0x1234, 0xfedcba98]);
    expect([m.mem.read16(P + 24), m.mem.read32(P + 26) >>> 0]).toEqual([0x7ff, 0x89abcdef]);
  });

  it('16-bit operand size: LGDT/LIDT take a 24-bit base (the fourth byte is ignored)', () => {
    const m = ring0([0x66, 0x0f, 0x01, 0x15, ...le32(P), 0x66, 0x0f, 0x01, 0x1d, ...le32(P + 8), 0x66, 0x0f, 0x01, 0x05, ...le32(P + 16)], (mm) => {
      mm.mem.write16(P, 0x00ff);
      mm.mem.write32(P + 2, 0xfe123456);
      mm.mem.write16(P + 8, 0x03ff);
      mm.mem.write32(P + 10, 0xab654321);
    });
    const c = m.cpu;
    expect([c.gdtrLimit, c.gdtrBase >>> 0]).toEqual([0xff, 0x123456]);
    expect([c.idtrLimit, c.idtrBase >>> 0]).toEqual([0x3ff, 0x654321]);
    // SGDT with a 16-bit operand size stores the limit and the low 24 bits of the base. The sixth
    // byte differs between SDM editions (P6-era: 0; current: base[31:24]), so it is not checked.
    expect(m.mem.read16(P + 16)).toBe(0xff);
    expect(m.mem.read32(P + 18) & 0xffffff).toBe(0x123456);
  });

  it('LGDT/LIDT are #GP(0) at CPL 3; SGDT/SIDT are allowed there (no UMIP on a P6)', () => {
    expect(faultAt(3, [0x0f, 0x01, 0x15, ...le32(P)], VEC_GP).error).toBe(0);
    expect(faultAt(3, [0x0f, 0x01, 0x1d, ...le32(P)], VEC_GP).error).toBe(0);
    faultAt(3, [0x0f, 0x01, 0x05, ...le32(P), 0x0f, 0x01, 0x0d, ...le32(P + 8)], VEC_GP, 14);
  });

  it('a register operand is #UD (0F 01 D0, 0F 01 C8)', () => {
    faultAt(0, [0x0f, 0x01, 0xd0], VEC_UD);
    faultAt(0, [0x0f, 0x01, 0xc8], VEC_UD);
  });
});

describe('privileged instructions at CPL 1 and 3: #GP(0)', () => {
  const cases: [string, number[]][] = [
    ['hlt', [0xf4]],
    ['clts', [0x0f, 0x06]],
    ['lgdt', [0x0f, 0x01, 0x15, ...le32(0x100000)]],
    ['lidt', [0x0f, 0x01, 0x1d, ...le32(0x100000)]],
    ['lldt ax', [0x0f, 0x00, 0xd0]],
    ['ltr ax', [0x0f, 0x00, 0xd8]],
    ['lmsw ax', [0x0f, 0x01, 0xf0]],
    ['mov cr0, eax', [0x0f, 0x22, 0xc0]],
    ['mov eax, cr0', [0x0f, 0x20, 0xc0]],
    ['mov cr3, eax', [0x0f, 0x22, 0xd8]],
    ['mov eax, cr3', [0x0f, 0x20, 0xd8]],
    ['mov cr4, eax', [0x0f, 0x22, 0xe0]],
    ['mov dr7, eax', [0x0f, 0x23, 0xf8]],
    ['mov eax, dr6', [0x0f, 0x21, 0xf0]],
    ['invd', [0x0f, 0x08]],
    ['wbinvd', [0x0f, 0x09]],
    ['invlpg [mem]', [0x0f, 0x01, 0x3d, ...le32(0x100000)]],
    ['rdmsr', [0x0f, 0x32]],
    ['wrmsr', [0x0f, 0x30]],
    // IOPL-sensitive with IOPL = 0 (and no I/O bitmap in the TSS):
    ['cli', [0xfa]],
    ['sti', [0xfb]],
    ['in al, 60h', [0xe4, 0x60]],
    ['out dx, al', [0xee]],
  ];
  for (const ring of [1, 3] as const) {
    for (const [name, code] of cases) {
      it(`${name} at CPL ${ring}`, () => {
        const f = faultAt(ring, code, VEC_GP);
        expect(f.error).toBe(0);
        expect(f.cs & 3).toBe(ring);
      });
    }
  }
});

// --- HLT, interrupts, NMI, shadows --------------------------------------------------------

/** An interrupt controller with a queue of vectors. */
class FakePic implements InterruptLine {
  readonly queue: number[] = [];
  pending(): boolean {
    return this.queue.length > 0;
  }
  acknowledge(): number {
    return this.queue.shift() ?? 0xff;
  }
}

const HANDLER = CODE0 + 0x400;

/** A ring-0 machine whose vector 40h handler records the pushed EIP in EDI, counts in ESI, and IRETs. */
function withHandler(code: number[], flags = FLAGS_FIXED): { m: ProtectedMachine; pic: FakePic } {
  const m = machine();
  m.code(CODE0, code);
  m.code(HANDLER, [0x8b, 0x3c, 0x24, 0x46, 0xcf]); // mov edi, [esp]; inc esi; iret
  m.setIdt(0x40, gate(GATE_INT32, KCODE, HANDLER, 0));
  m.enter(0, CODE0);
  m.cpu.setEflags(flags);
  const pic = new FakePic();
  m.cpu.interruptLine = pic;
  return { m, pic };
}

describe('HLT and waking up', () => {
  it('HLT stops run() with StopReason.Halt; run() again returns at once while nothing is pending', () => {
    const { m } = withHandler([0xfb, 0xf4, 0xbb, ...le32(0x1234), 0xf4], FLAGS_FIXED);
    const c = m.cpu;
    expect(c.run(1000)).toBe(StopReason.Halt);
    expect(c.halted).toBe(true);
    expect(c.eip).toBe(CODE0 + 2);
    const n = c.instructions;
    expect(c.run(1000)).toBe(StopReason.Halt);
    expect(c.instructions).toBe(n);
  });

  it('an interrupt wakes it: delivered with EIP after the HLT, execution resumes after IRET', () => {
    const { m, pic } = withHandler([0xfb, 0xf4, 0xbb, ...le32(0x1234), 0xf4]);
    const c = m.cpu;
    expect(c.run(1000)).toBe(StopReason.Halt);
    pic.queue.push(0x40);
    c.intr = true;
    expect(c.run(1000)).toBe(StopReason.Halt);
    expect(c.reg32[ESI]).toBe(1);
    expect(c.reg32[EDI]).toBe(CODE0 + 2);
    expect(c.reg32[EBX]).toBe(0x1234);
    expect(c.eip).toBe(CODE0 + 8);
    expect(c.reg32[ESP]).toBe(STACK0);
  });

  it('with IF = 0 a pending interrupt does not wake HLT', () => {
    const { m, pic } = withHandler([0xfa, 0xf4, 0xf4]);
    const c = m.cpu;
    pic.queue.push(0x40);
    c.intr = true;
    expect(c.run(1000)).toBe(StopReason.Halt);
    expect(c.eip).toBe(CODE0 + 2);
    expect(c.run(1000)).toBe(StopReason.Halt);
    expect(c.eip).toBe(CODE0 + 2);
    expect(c.reg32[ESI]).toBe(0);
  });
});

describe('NMI', () => {
  it('is delivered through vector 2 even with IF = 0, and wakes a halted CPU', () => {
    const m = machine();
    m.code(CODE0, [0xfa, 0xf4, 0x90, 0xf4]);
    m.enter(0, CODE0);
    const c = m.cpu;
    expect(c.run(1000)).toBe(StopReason.Halt);
    c.raiseNmi();
    expect(c.run(1000)).toBe(StopReason.Halt);
    expect(m.vector).toBe(VEC_NMI);
    expect(m.frame().eip).toBe(CODE0 + 2);
    expect(m.frame().eflags & FLAG_IF).toBe(0);
  });

  // Regression (was a bug, fixed): NMIs are not blocked while the NMI handler runs. SDM Vol. 3A 6.7.1: "While an
  // NMI interrupt handler is executing, the processor blocks delivery of subsequent NMIs until
  // the next execution of the IRET instruction." Here a second NMI raised inside the handler is
  // delivered at once, nesting the handler.
  it('a second NMI raised inside the NMI handler waits for its IRET', () => {
    const m = machine();
    const log: number[] = [];
    let raised = false;
    m.cpu.io.register(0x80, 1, {
      in: () => 0xff,
      out: (_p, v) => {
        log.push(v);
        if (v === 1 && !raised) {
          raised = true;
          m.cpu.raiseNmi();
        }
      },
    });
    const nmiHandler = CODE0 + 0x200;
    m.code(nmiHandler, [0xb0, 0x01, 0xe6, 0x80, 0xb0, 0x02, 0xe6, 0x80, 0xcf]); // out 1; out 2; iret
    m.setIdt(VEC_NMI, gate(GATE_INT32, KCODE, nmiHandler, 0));
    m.code(CODE0, [0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xf4]);
    m.enter(0, CODE0);
    m.cpu.raiseNmi();
    expect(m.run(1000)).toBe(StopReason.Halt);
    expect(log).toEqual([1, 2, 1, 2]);
  });
});

describe('interrupt shadows', () => {
  it('sti; hlt: the interrupt pending before STI is taken only after HLT has begun (EIP after HLT)', () => {
    const { m, pic } = withHandler([0xfb, 0xf4, 0xf4]);
    pic.queue.push(0x40);
    m.cpu.intr = true;
    expect(m.cpu.run(1000)).toBe(StopReason.Halt);
    expect(m.cpu.reg32[EDI]).toBe(CODE0 + 2);
  });

  it('sti; nop: the interrupt comes after the NOP, not between STI and NOP', () => {
    const { m, pic } = withHandler([0xfb, 0x90, 0x90, 0xf4]);
    pic.queue.push(0x40);
    m.cpu.intr = true;
    expect(m.cpu.run(1000)).toBe(StopReason.Halt);
    expect(m.cpu.reg32[EDI]).toBe(CODE0 + 2);
  });

  /** Runs the first instruction alone, raises INTR, then runs on; returns the EIP the interrupt pushed. */
  function interruptAfterFirst(code: number[], setup?: (m: ProtectedMachine) => void): number {
    const { m, pic } = withHandler([...code, 0x90, 0x90, 0xf4], FLAGS_FIXED | FLAG_IF);
    m.cpu.reg32[EAX] = 0x10; // KDATA
    setup?.(m);
    expect(m.cpu.run(1)).toBe(StopReason.Budget);
    pic.queue.push(0x40);
    m.cpu.intr = true;
    expect(m.cpu.run(1000)).toBe(StopReason.Halt);
    expect(m.cpu.reg32[ESI]).toBe(1);
    return m.cpu.reg32[EDI];
  }

  it('mov ss, ax inhibits interrupts until after the next instruction', () => {
    expect(interruptAfterFirst([0x8e, 0xd0])).toBe(CODE0 + 3);
  });

  it('pop ss does too', () => {
    const { m, pic } = withHandler([0x6a, 0x10, 0x17, 0x90, 0x90, 0xf4], FLAGS_FIXED | FLAG_IF);
    expect(m.cpu.run(2)).toBe(StopReason.Budget); // push; pop ss
    pic.queue.push(0x40);
    m.cpu.intr = true;
    expect(m.cpu.run(1000)).toBe(StopReason.Halt);
    expect(m.cpu.reg32[EDI]).toBe(CODE0 + 4);
  });

  it('mov ds, ax does not (control: the interrupt comes right after it)', () => {
    expect(interruptAfterFirst([0x8e, 0xd8])).toBe(CODE0 + 2);
  });

  // Regression (was a bug, fixed): LSS opens an interrupt shadow as MOV SS does. The SDM gives the
  // shadow only to MOV SS and POP SS (Vol. 2B "MOV", "POP"; Vol. 3A 6.8.3); LSS loads SS:ESP in
  // one instruction and needs none (Vol. 2A "LDS/LES/LFS/LGS/LSS" lists no such effect).
  it('lss does not inhibit interrupts (the interrupt comes right after it)', () => {
    const eip = interruptAfterFirst([0x0f, 0xb2, 0x25, ...le32(0x100000)], (m) => {
      m.mem.write32(0x100000, STACK0 - 0x100);
      m.mem.write16(0x100004, 0x10);
    });
    expect(eip).toBe(CODE0 + 7);
  });

  // Regression (was a bug, fixed): a single-step trap is taken right after MOV SS instead of after the next
  // instruction. SDM Vol. 3A 6.8.3: after MOV SS/POP SS "the processor inhibits interrupts, debug
  // exceptions, and single-step trap exceptions" until the boundary after the next instruction.
  it('with TF set, the single-step #DB after mov ss comes after the following instruction', () => {
    const m = machine();
    m.code(CODE0, [0x8e, 0xd0, 0x90, 0x90, 0xf4]);
    m.enter(0, CODE0);
    m.cpu.reg32[EAX] = 0x10;
    m.cpu.setEflags(FLAGS_FIXED | FLAG_TF);
    const f = m.expectVector(VEC_DB);
    expect(f.eip).toBe(CODE0 + 3);
    expect(m.cpu.dr[6] & 0x4000).toBe(0x4000);
  });
});
