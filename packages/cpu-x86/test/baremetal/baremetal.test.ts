// Bare-metal system tests: a firmware ROM and two Multiboot kernels (built
// from src/ with nasm and gcc -m32) exercise real and protected mode,
// descriptor tables, rings, gates, task switches, every exception vector the
// CPU can raise on purpose, and both paging layouts, writing one result per
// line to port 0xE9. cpu-x86 runs them through `x86-run --rom/--multiboot
// --port-log 0xe9` and must reproduce expected/*.txt, the hardware answers
// recorded from Bochs and QEMU (README.md), except for its listed gaps. When
// QEMU or Bochs is installed, they are run too and checked against the same
// logs, modulo their own listed deviations.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBareMetal, toolchainAvailable, type BareMetalImages } from './build.js';
import { BOCHS_DEVIATIONS, CPU_GAPS, gapMap, ids, QEMU_DEVIATIONS } from './known-gaps.js';
import { compareLogs, duplicateIds, sectionsOf } from './log-compare.js';
import { bochsAvailable, bochsRom, qemuAvailable, qemuMultiboot, qemuRom } from './oracles.js';
import { runOurs, type OurRun } from './run-ours.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const expectedLog = (name: string): string => readFileSync(join(HERE, 'expected', `${name}.txt`), 'latin1');

/** isa-debug-exit status of a complete run: the program writes 0x10, QEMU exits with (0x10 << 1) | 1. */
const DONE_STATUS = 0x21;

const haveToolchain = toolchainAvailable();
const cpuGaps = gapMap(CPU_GAPS);

interface Program {
  name: string;
  mode: '--rom' | '--multiboot';
  image: (i: BareMetalImages) => string;
}

const PROGRAMS: Program[] = [
  { name: 'rom', mode: '--rom', image: (i) => i.rom },
  { name: 'multiboot-elf', mode: '--multiboot', image: (i) => i.multibootElf },
  { name: 'multiboot-aout', mode: '--multiboot', image: (i) => i.multibootAout },
];

describe.skipIf(!haveToolchain)('bare-metal system tests on cpu-x86', () => {
  for (const program of PROGRAMS) {
    describe(program.name, () => {
      const expected = expectedLog(program.name);
      let run: OurRun;
      beforeAll(() => {
        run = runOurs(program.mode, program.image(buildBareMetal()));
      });

      it('the expected log has unique line ids', () => {
        expect(duplicateIds(expected)).toEqual([]);
      });

      it('runs to the end and exits through isa-debug-exit', () => {
        expect(run.log).toContain('=== END ===');
        expect(run.notes).toBe('');
        expect(run.status).toBe(DONE_STATUS);
        // Port 0xE9 is also the debug console: stdout carries the same bytes.
        expect(run.console).toContain(run.log);
      });

      for (const section of sectionsOf(expected)) {
        it(`matches the expected log: ${section || '(start)'}`, () => {
          expect(compareLogs(expected, run.log, { section, mustDiffer: cpuGaps })).toEqual([]);
        });
      }
    });
  }
});

describe.skipIf(!haveToolchain || !qemuAvailable())('bare-metal programs on QEMU (reference)', () => {
  for (const program of PROGRAMS) {
    it(`${program.name} matches the expected log but for QEMU's known deviations`, () => {
      const images = buildBareMetal();
      const r = program.mode === '--rom' ? qemuRom(images.rom) : qemuMultiboot(program.image(images));
      expect(r?.status).toBe(DONE_STATUS);
      expect(compareLogs(expectedLog(program.name), r?.log ?? '', { mayDiffer: ids(QEMU_DEVIATIONS) })).toEqual([]);
    });
  }
});

describe.skipIf(!haveToolchain || !bochsAvailable())('bare-metal programs on Bochs (reference)', () => {
  it("rom matches the expected log but for Bochs' known deviations", () => {
    const r = bochsRom(buildBareMetal().rom);
    expect(compareLogs(expectedLog('rom'), r?.log ?? '', { mayDiffer: ids(BOCHS_DEVIATIONS) })).toEqual([]);
  });
});
