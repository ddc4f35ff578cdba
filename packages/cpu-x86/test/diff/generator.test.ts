// Self-checks of the case generator against the host CPU: reproducibility,
// code size, no unintended exceptions, and the generator's own predictions
// of register/memory values (which keep every access inside the case memory).
import { describe, expect, it } from 'vitest';
import { compareResults, describeCase, undefinedFor } from './compare.js';
import { CODE_BASE, DATA_SIZE, type DiffResult, type GeneratedCase } from './diff-case.js';
import { GROUPS, generateCase, generateCases, getGroup } from './generator.js';
import { runNative } from './native-runner.js';

const hostOk = process.platform === 'linux' && process.arch === 'x64';
const PER_GROUP = 400;

/** Mismatches between the generator's prediction and the host result. */
function predictionErrors(c: GeneratedCase, r: DiffResult): string[] {
  const p = c.predicted!;
  const bad: string[] = [];
  for (let k = 0; k < 8; k++) {
    const v = p.regs[k];
    if (v !== null && v !== undefined && !(c.undefined.regs & (1 << k)) && v !== r.regs[k]) bad.push(`reg ${k}: predicted ${v}, host ${r.regs[k]}`);
  }
  for (let k = 0; k < p.memory.length && bad.length < 4; k++) {
    const got = k < DATA_SIZE ? r.data[k] : r.stack[k - DATA_SIZE];
    if (p.memory[k]! >= 0 && p.memory[k] !== got) bad.push(`memory byte ${k}: predicted ${p.memory[k]}, host ${got}`);
  }
  return bad;
}

describe('generator', () => {
  it('is reproducible from (group, index, seed)', () => {
    for (const g of GROUPS) {
      const a = generateCases(g.name, 20, 1234);
      const b = generateCases(g.name, 20, 1234);
      expect(a.map((c) => Array.from(c.code))).toEqual(b.map((c) => Array.from(c.code)));
      expect(a.map((c) => Array.from(c.regs))).toEqual(b.map((c) => Array.from(c.regs)));
      expect(Buffer.from(a[7]!.data).equals(Buffer.from(generateCase(g.name, 7, 1234).data))).toBe(true);
    }
  });

  it('keeps code within 256 bytes and records one offset per instruction', () => {
    for (const g of GROUPS) {
      for (const c of generateCases(g.name, 200, 99)) {
        expect(c.code.length).toBeLessThanOrEqual(256);
        expect(c.offsets.length).toBe(c.asm.length);
        expect(c.undefinedAt.length).toBe(c.asm.length);
        expect(c.offsets[0] ?? 0).toBe(0);
      }
    }
  });

  it('exposes undefined-flag masks per group', () => {
    expect(getGroup('mul').undefinedFlags).toBe(0x80 | 0x40 | 0x10 | 0x04);
    expect(getGroup('div').undefinedFlags).toBe(0x8d5);
    expect(getGroup('bt').undefinedFlags).toBe(0x800 | 0x80 | 0x10 | 0x04);
    expect(getGroup('alu').undefinedFlags).toBe(0x10);
    expect(getGroup('mov').undefinedFlags).toBe(0);
  });
});

describe.skipIf(!hostOk)('generated cases on the host CPU', () => {
  for (const g of GROUPS) {
    it(`${g.name}: runs without unintended faults and matches the predictions`, () => {
      const cases = generateCases(g.name, PER_GROUP, 42, 0, { predict: true });
      const res = runNative(cases);
      const problems: string[] = [];
      let faults = 0;
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i]!;
        const r = res[i]!;
        if (r.timeout) problems.push(describeCase(c, [{ what: 'timeout', expected: 'no', actual: 'yes' }], r));
        else if (r.fault !== null) {
          faults++;
          if (!c.mayFault) problems.push(describeCase(c, [{ what: 'unintended fault', expected: '', actual: `#${r.fault.vector}` }], r));
          else if (r.fault.eip - CODE_BASE > c.code.length) problems.push(describeCase(c, [{ what: 'fault outside the code', expected: '', actual: '' }], r));
        } else {
          const bad = predictionErrors(c, r);
          if (bad.length > 0) problems.push(describeCase(c, bad.map((b) => ({ what: b, expected: '', actual: '' })), r));
        }
        // A result always compares equal to itself, undefined parts included.
        expect(compareResults(c, r, r, { strict: true })).toEqual([]);
      }
      expect(problems.slice(0, 3).join('\n\n')).toBe('');
      if (g.name === 'faults') expect(faults).toBeGreaterThan(PER_GROUP * 0.9);
      if (!g.faults) expect(faults).toBe(0);
    });
  }

  it('the host is deterministic on generated cases', () => {
    const cases = generateCases('mixed', 300, 5);
    const a = runNative(cases);
    const b = runNative(cases);
    for (let i = 0; i < cases.length; i++) expect(compareResults(cases[i]!, a[i]!, b[i]!, { strict: true })).toEqual([]);
  });

  it('masks undefined flags by the state at the fault, not at the end', () => {
    const cases = generateCases('div', 200, 3);
    const res = runNative(cases);
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const r = res[i]!;
      const m = undefinedFor(c, r);
      if (r.fault === null) expect(m).toEqual(c.undefined);
      else expect(m).toEqual(c.undefinedAt[c.offsets.indexOf(r.fault.eip - CODE_BASE)]);
    }
  });
});
