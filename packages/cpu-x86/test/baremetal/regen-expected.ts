// Regenerates expected/*.txt from the reference emulators:
//
//   npx tsx test/baremetal/regen-expected.ts
//
// 1. builds the images, runs the ROM under Bochs and QEMU and the two
//    Multiboot kernels under QEMU, and records the raw logs in
//    expected/oracles/ (for review in diffs);
// 2. writes expected/rom.txt = the Bochs log (Bochs checks everything these
//    programs test, see README.md), with HARDWARE_OVERRIDES applied;
// 3. writes expected/multiboot-{elf,aout}.txt = QEMU's "== multiboot" section
//    (Bochs cannot boot a Multiboot kernel) followed by the sections of
//    expected/rom.txt from "== 32-bit protected mode" on;
// 4. checks every oracle log against the expected logs: differences must be
//    listed in known-gaps.ts (QEMU_DEVIATIONS, BOCHS_DEVIATIONS), else the
//    script fails and says which lines to look at.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBareMetal } from './build.js';
import { BOCHS_DEVIATIONS, HARDWARE_OVERRIDES, ids, QEMU_DEVIATIONS } from './known-gaps.js';
import { compareLogs, parseLog } from './log-compare.js';
import { bochsRom, qemuMultiboot, qemuRom, type OracleRun } from './oracles.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const EXPECTED = join(HERE, 'expected');
const ORACLES = join(EXPECTED, 'oracles');

function need(run: OracleRun | undefined, what: string): string {
  if (run === undefined) throw new Error(`${what} is not installed (apt-get install qemu-system-x86 bochs bochs-term vgabios)`);
  if (!run.log.includes('=== END ===')) throw new Error(`${what} did not finish the program (status ${run.status}):\n${run.log}`);
  return run.log;
}

function applyOverrides(log: string): string {
  return parseLog(log).map((l) => HARDWARE_OVERRIDES[l.id] ?? l.text).join('\n') + '\n';
}

const images = buildBareMetal();
mkdirSync(ORACLES, { recursive: true });
const bochs = need(bochsRom(images.rom), 'Bochs');
const qemu = need(qemuRom(images.rom), 'QEMU (-bios)');
const qemuElf = need(qemuMultiboot(images.multibootElf), 'QEMU (-kernel, ELF)');
const qemuAout = need(qemuMultiboot(images.multibootAout), 'QEMU (-kernel, a.out kludge)');
writeFileSync(join(ORACLES, 'rom.bochs.txt'), bochs);
writeFileSync(join(ORACLES, 'rom.qemu.txt'), qemu);
writeFileSync(join(ORACLES, 'multiboot-elf.qemu.txt'), qemuElf);
writeFileSync(join(ORACLES, 'multiboot-aout.qemu.txt'), qemuAout);

const rom = applyOverrides(bochs);
writeFileSync(join(EXPECTED, 'rom.txt'), rom);
const romTail = rom.slice(rom.indexOf('== 32-bit protected mode'));
const multiboot = (q: string): string => applyOverrides(q.slice(0, q.indexOf('== 32-bit protected mode')) + romTail);
const mbElf = multiboot(qemuElf);
const mbAout = multiboot(qemuAout);
writeFileSync(join(EXPECTED, 'multiboot-elf.txt'), mbElf);
writeFileSync(join(EXPECTED, 'multiboot-aout.txt'), mbAout);

let failed = false;
const check = (name: string, expected: string, actual: string, allowed: Set<string>): void => {
  const problems = compareLogs(expected, actual, { mayDiffer: allowed });
  const deviating = parseLog(actual).filter((l) => allowed.has(l.id) && !expected.includes(`${l.text}\n`));
  console.log(`${name}: ${problems.length === 0 ? 'OK' : 'UNEXPLAINED DIFFERENCES'}; known deviations seen: ${deviating.length}`);
  for (const p of problems) console.log(`  ${p}`);
  if (problems.length > 0) failed = true;
};
check('Bochs, ROM', rom, bochs, ids(BOCHS_DEVIATIONS));
check('QEMU, ROM', rom, qemu, ids(QEMU_DEVIATIONS));
check('QEMU, Multiboot ELF', mbElf, qemuElf, ids(QEMU_DEVIATIONS));
check('QEMU, Multiboot a.out kludge', mbAout, qemuAout, ids(QEMU_DEVIATIONS));
if (failed) {
  console.log('\nExplain each difference in known-gaps.ts (or fix the test program) and run again.');
  process.exitCode = 1;
}
