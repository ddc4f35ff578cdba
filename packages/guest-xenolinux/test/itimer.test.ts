// Interval timers and CPU time: test/itimer-probe.c (a static i386 program without libc) runs
// natively on this host and as init on XenoLinux; it prints only what does not depend on the
// machine's speed (return values, which signals came, whether time was counted), so the two
// outputs must be identical.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel, writeCpio } from '../src/index.js';
import { bootXenolinux } from './support/boot.js';
import { buildStaticProgram } from './support/static-program.js';

const PANIC0 =
  'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\r\n' +
  '---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000 ]---\r\n';

let probe = '';
beforeAll(() => {
  buildKernel({ quiet: true });
  probe = buildStaticProgram(join(import.meta.dirname, 'itimer-probe.c'));
});

describe('alarm, setitimer, times and rusage match Linux', () => {
  it('timers fire with their signals, CPU time is counted, and the values returned are native ones', () => {
    const ramdisk = writeCpio([
      { type: 'dir', path: 'dev' },
      { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
      { type: 'file', path: 'init', data: new Uint8Array(readFileSync(probe)), mode: 0o755 },
    ]);
    const r = bootXenolinux(ramdisk, 'quiet');
    expect(r.hostErrors).toBe(0);
    const output = r.output.replace(/\r\n/g, '\n');
    // Fixed facts, on any host.
    expect(output).toContain('pause until SIGALRM: -4\n  SIGALRM handled: 1\n');
    expect(output).toContain('SIGVTALRM handled: 3\n');
    expect(output).toContain('times: user time counted: 1\n');
    expect(output).toContain('  child exit status (0: no alarm inherited): 0\n');
    expect(output).toContain('child killed by signal: 14\n');
    expect(r.output.endsWith(PANIC0)).toBe(true);
    const native = spawnSync(probe, { encoding: 'latin1', timeout: 30_000 });
    if (native.status !== 0) return; // the byte-for-byte comparison needs the host to run i386 code
    expect(output).toBe(native.stdout + PANIC0.replace(/\r\n/g, '\n'));
  });
});
