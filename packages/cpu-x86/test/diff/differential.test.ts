// Differential tests: the same seeded instruction sequences run on the host CPU
// (natively, in a 32-bit process) and on cpu-x86; registers, defined flags,
// memory and exceptions must agree. DIFF_CASES=N raises the count per group.
import { describe, expect, it } from 'vitest';
import { compareResults, describeCase } from './compare.js';
import { runEmulated } from './emulator-runner.js';
import { GROUP_NAMES, generateCases } from './generator.js';
import { nativeAvailable, runNative } from './native-runner.js';

const PER_GROUP = Number(process.env.DIFF_CASES ?? 400);
const SEED = Number(process.env.DIFF_SEED ?? 20031019);

/** Counted by group, printed once at the end (the closing note quotes these). */
const totals: Record<string, number> = {};

describe.skipIf(!nativeAvailable() && !process.env.CI)('differential: cpu-x86 vs the host CPU', () => {
  for (const group of GROUP_NAMES) {
    it(`${group}: ${PER_GROUP} cases agree`, () => {
      const cases = generateCases(group, PER_GROUP, SEED);
      const host = runNative(cases);
      const emu = runEmulated(cases);
      const failures: string[] = [];
      for (let i = 0; i < cases.length; i++) {
        const diffs = compareResults(cases[i]!, host[i]!, emu[i]!);
        if (diffs.length > 0 && failures.length < 5) failures.push(describeCase(cases[i]!, diffs, host[i]!));
        else if (diffs.length > 0) failures.push('');
      }
      totals[group] = cases.length;
      expect(failures.length, `${failures.length} of ${cases.length} differ:\n${failures.slice(0, 5).join('\n\n')}`).toBe(0);
    });
  }
});
