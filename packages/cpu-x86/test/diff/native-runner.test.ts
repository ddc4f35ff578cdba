// Sanity tests of the native (host CPU) side of the differential tests.
import { describe, expect, it } from 'vitest';
import {
  AF,
  CF,
  CODE_BASE,
  DATA_BASE,
  DATA_SIZE,
  EFLAGS_SETTABLE,
  INITIAL_ESP,
  OF,
  PF,
  SF,
  STACK_WINDOW_BASE,
  STACK_WINDOW_SIZE,
  TF,
  ZF,
  type DiffCase,
} from './diff-case.js';
import { runNative } from './native-runner.js';

const hostOk = process.platform === 'linux' && process.arch === 'x64';

/** A case with zeroed memory; regs: eax ecx edx ebx (esp defaults) ebp esi edi. */
function mk(code: number[], regs: Partial<Record<'eax' | 'ecx' | 'edx' | 'ebx' | 'esp' | 'ebp' | 'esi' | 'edi', number>> = {}, eflags = 0): DiffCase {
  return {
    regs: Uint32Array.from([regs.eax ?? 0, regs.ecx ?? 0, regs.edx ?? 0, regs.ebx ?? 0, regs.esp ?? INITIAL_ESP, regs.ebp ?? 0, regs.esi ?? 0, regs.edi ?? 0]),
    eflags,
    data: new Uint8Array(DATA_SIZE),
    code: Uint8Array.from(code),
  };
}

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const STATUS = CF | PF | AF | ZF | SF | OF;

describe.skipIf(!hostOk)('native harness', () => {
  it('returns the initial state for empty code', () => {
    const c = mk([], { eax: 1, ecx: 2, edx: 3, ebx: 4, ebp: 5, esi: 6, edi: 7 }, EFLAGS_SETTABLE | TF);
    c.data[5] = 0x5a;
    const [r] = runNative([c]);
    expect(r!.fault).toBeNull();
    expect(r!.timeout).toBe(false);
    expect(Array.from(r!.regs)).toEqual([1, 2, 3, 4, INITIAL_ESP, 5, 6, 7]);
    // Only the settable flags are loaded (TF is not); bit 1 and IF are set.
    expect(r!.eflags & ~0x10000).toBe(EFLAGS_SETTABLE | 0x202);
    expect(r!.data[5]).toBe(0x5a);
    expect(r!.stack.length).toBe(STACK_WINDOW_SIZE);
  });

  it('add eax, ebx gives the sum and the flags', () => {
    const cases = [
      mk([0x01, 0xd8], { eax: 5, ebx: 7 }), // 12: PF (0b1100 has 2 bits)
      mk([0x01, 0xd8], { eax: 0xffffffff, ebx: 1 }), // 0: CF ZF PF AF
      mk([0x01, 0xd8], { eax: 0x7fffffff, ebx: 1 }), // 0x80000000: OF SF AF PF
    ];
    const [a, b, c] = runNative(cases);
    expect(a!.regs[0]).toBe(12);
    expect(a!.eflags & STATUS).toBe(PF);
    expect(b!.regs[0]).toBe(0);
    expect(b!.eflags & STATUS).toBe(CF | ZF | PF | AF);
    expect(c!.regs[0]).toBe(0x80000000);
    expect(c!.eflags & STATUS).toBe(OF | SF | AF | PF);
  });

  it('loads the initial flags (pushfd; pop eax)', () => {
    const [r] = runNative([mk([0x9c, 0x58], {}, CF | ZF | OF | 0x400)]);
    expect(r!.regs[0]! & (STATUS | 0x400)).toBe(CF | ZF | OF | 0x400);
    expect(r!.regs[0]! & 0x202).toBe(0x202);
  });

  it('reports div by zero as vector 0 at the faulting instruction', () => {
    // mov eax, 9 is folded into the initial state; nop; div ecx (ecx = 0)
    const [r] = runNative([mk([0x90, 0xf7, 0xf1], { eax: 9, edx: 0, ecx: 0 })]);
    expect(r!.fault).not.toBeNull();
    expect(r!.fault!.vector).toBe(0);
    expect(r!.fault!.eip).toBe(CODE_BASE + 1);
    expect(r!.regs[0]).toBe(9);
  });

  it('shows writes to the data buffer and the stack window', () => {
    const code = [
      0xa3, ...le32(DATA_BASE + 0x10), // mov [0x10000010], eax
      0x50, // push eax
      0x6a, 0x7f, // push 0x7f
    ];
    const [r] = runNative([mk(code, { eax: 0xdeadbeef })]);
    expect(r!.fault).toBeNull();
    expect(Array.from(r!.data.subarray(0x10, 0x14))).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(r!.regs[4]).toBe(INITIAL_ESP - 8);
    const off = INITIAL_ESP - 8 - STACK_WINDOW_BASE;
    expect(Array.from(r!.stack.subarray(off, off + 8))).toEqual([0x7f, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde]);
  });

  it('loads the initial stack window', () => {
    const c = mk([0x58]); // pop eax
    c.stack = new Uint8Array(STACK_WINDOW_SIZE);
    c.stack.set([1, 2, 3, 4], INITIAL_ESP - STACK_WINDOW_BASE);
    const [r] = runNative([c]);
    expect(r!.regs[0]).toBe(0x04030201);
    expect(r!.regs[4]).toBe(INITIAL_ESP + 4);
  });

  it('reports a write outside the buffer as #PF (vector 14) without writing', () => {
    const addr = DATA_BASE + DATA_SIZE; // first byte of the guard page
    const cases = [
      mk([0x89, 0x05, ...le32(addr)], { eax: 1 }), // mov [addr], eax
      mk([0x8b, 0x05, ...le32(addr - 2)]), // mov eax, [addr-2]: crosses the end
      mk([0x89, 0x05, ...le32(addr - 2)], { eax: 0x11223344 }), // store crossing the end
    ];
    const [w, rd, cross] = runNative(cases);
    expect(w!.fault!.vector).toBe(14);
    expect(w!.fault!.errorCode & 6).toBe(6); // write, user
    expect(w!.fault!.cr2).toBe(addr);
    expect(w!.fault!.eip).toBe(CODE_BASE);
    expect(rd!.fault!.vector).toBe(14);
    expect(rd!.fault!.errorCode & 6).toBe(4); // read, user
    expect(cross!.fault!.cr2).toBe(addr);
    // No partial write of the straddling store.
    expect(cross!.data[DATA_SIZE - 2]).toBe(0);
    expect(cross!.data[DATA_SIZE - 1]).toBe(0);
  });

  it('reports #BP, #UD, #GP and #BR', () => {
    const bounds = mk([0x62, 0x05, ...le32(DATA_BASE)], { eax: 100 }); // bound eax, [buf]
    bounds.data.set([...le32(0), ...le32(10)]);
    const [bp, ud, gp, intn, br] = runNative([mk([0x90, 0xcc]), mk([0x0f, 0x0b]), mk([0xf4]), mk([0xcd, 0x21]), bounds]);
    expect(bp!.fault).toMatchObject({ vector: 3, eip: CODE_BASE + 2 }); // trap: next EIP
    expect(ud!.fault).toMatchObject({ vector: 6, eip: CODE_BASE });
    expect(gp!.fault).toMatchObject({ vector: 13, errorCode: 0, eip: CODE_BASE });
    expect(intn!.fault).toMatchObject({ vector: 13, errorCode: 0x21 * 8 + 2 });
    expect(br!.fault).toMatchObject({ vector: 5, eip: CODE_BASE });
  });

  it('recovers after a fault and runs the next case normally', () => {
    const res = runNative([mk([0x0f, 0x0b]), mk([0x40], { eax: 41 }), mk([0xf7, 0xf1]), mk([0x48], { eax: 1 })]);
    expect(res.map((r) => r.fault?.vector ?? null)).toEqual([6, null, 0, null]);
    expect(res[1]!.regs[0]).toBe(42);
    expect(res[3]!.regs[0]).toBe(0);
    expect(res[3]!.eflags & ZF).toBe(ZF);
  });

  it('splits large inputs into batches and keeps the order', () => {
    const cases = Array.from({ length: 300 }, (_, i) => mk([0x40], { eax: i }));
    const res = runNative(cases, { batchSize: 64 });
    expect(res.map((r) => r.regs[0])).toEqual(cases.map((_, i) => i + 1));
  });

  it('stops an endless loop with a timeout and goes on', () => {
    const res = runNative([mk([0xeb, 0xfe]), mk([0x40])]);
    expect(res[0]!.timeout).toBe(true);
    expect(res[0]!.fault).toBeNull();
    expect(res[1]!.timeout).toBe(false);
    expect(res[1]!.regs[0]).toBe(1);
  });
});
