// The writable RAM file system, system call by system call: test/fs-probe.c (a static i386
// program without libc) runs natively on this host in a fresh directory and as init on XenoLinux
// in /tmp; both print what every call returns (only facts that do not depend on the file system
// type), and the outputs must be identical.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel } from '../src/index.js';
import { bootXenolinux, programRamdisk } from './support/boot.js';
import { buildStaticProgram } from './support/static-program.js';

const PROBE_SOURCE = join(import.meta.dirname, 'fs-probe.c');
const PANIC0 =
  'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\r\n' +
  '---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000 ]---\r\n';

let probe = '';
beforeAll(() => {
  buildKernel({ quiet: true });
  probe = buildStaticProgram(PROBE_SOURCE);
});

/** Whether this host runs i386 programs (a 64-bit kernel without IA32 emulation does not). */
function hostRunsI386(): boolean {
  return spawnSync(probe, [mkdtempSync(join(tmpdir(), 'xenolinux-probe-run-'))]).status === 0;
}

describe('file system calls match Linux', () => {
  it('creating, writing, truncating, renaming, linking and removing give what native Linux gives', () => {
    const r = bootXenolinux(programRamdisk(new Uint8Array(readFileSync(probe))), 'quiet rdinit=/init /tmp');
    expect(r.hostErrors).toBe(0);
    const output = r.output.replace(/\r\n/g, '\n');
    // Fixed facts, on any host.
    expect(output).toContain('create f again (O_EXCL): -17\n');
    expect(output).toContain('rmdir d (not empty): -39\n');
    expect(output).toContain('rename h d/g (replace): 0\nd/g replaced: mode 100640 nlink 1 size 12 uid 0\n');
    expect(output).toContain('after unlink: still here\nfstat nlink: 0\n');
    expect(output).toContain('zero bytes: 1\n');
    expect(r.output.endsWith(PANIC0)).toBe(true);
    if (!hostRunsI386()) return; // the byte-for-byte comparison needs the host to run i386 code
    const native = execFileSync(probe, [mkdtempSync(join(tmpdir(), 'xenolinux-probe-native-'))], { encoding: 'latin1' });
    expect(output).toBe(native.replace(/\r\n/g, '\n') + PANIC0.replace(/\r\n/g, '\n'));
  });
});
