/**
 * The busybox proof: Debian's static i386 busybox (glibc) runs under x86-run
 * and must behave exactly as it does natively on the host CPU: the same
 * stdout, the same stderr, the same exit status, for each applet invocation.
 *
 * Cases marked `fpu` need the x87 instructions (printf %f, awk, seq...).
 * Scripts given to `sh -c` use fork (pipelines, command substitution,
 * external applets): x86-run runs a forked child to completion before its
 * parent continues (src/linux/fork.ts).
 */
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBusybox, runEmulated, runNative, type RunResult } from './linux/busybox-harness.js';
import {
  BUSYBOX_CASES as CASES,
  BUSYBOX_FIXTURE_DIRS,
  BUSYBOX_FIXTURE_FILES,
  BUSYBOX_FIXTURE_TIME,
} from '../src/conformance/busybox-cases.js';

const why = ensureBusybox();
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (why !== null) {
  describe('busybox under x86-run', () => {
    if (inCi) {
      it('needs busybox-static:i386', () => {
        throw new Error(why);
      });
    } else {
      it.skip(`skipped: ${why}`, () => {});
    }
  });
} else {
  describe('busybox under x86-run matches the native run', () => {
    let dir = '';
    const env = (): Record<string, string> => ({ PATH: '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC', HOME: dir });

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'x86-run-busybox-'));
      for (const d of BUSYBOX_FIXTURE_DIRS) mkdirSync(join(dir, d), { recursive: true });
      for (const [f, data] of Object.entries(BUSYBOX_FIXTURE_FILES)) writeFileSync(join(dir, f), data);
      const t = BUSYBOX_FIXTURE_TIME;
      for (const f of ['tree/a.txt', 'tree/b.dat', 'tree/sub/c.txt', 'tree/sub', 'tree']) utimesSync(join(dir, f), t, t);
    });

    afterAll(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    for (const c of CASES) {
      const title = c.fpu ? `${c.name} [fpu]` : c.name;
      it.concurrent(title, async () => {
        // Each case in its own copy-free working directory: the cases only read the fixtures,
        // except the sh ones, which clean up after themselves.
        const o = { cwd: dir, env: env(), stdin: c.stdin };
        const native: RunResult = await runNative(c.args, o);
        const emulated: RunResult = await runEmulated(c.args, o);
        expect(emulated.stdout.toString('latin1')).toBe(native.stdout.toString('latin1'));
        if (c.stderr !== false) expect(emulated.stderr.toString('latin1')).toBe(native.stderr.toString('latin1'));
        expect(emulated.status).toBe(native.status);
      });
    }
  });
}
