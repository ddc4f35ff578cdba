// Hostile programs are normal: test/syscall-fuzz.c (a static i386 program without libc) runs as
// init and forks children that make random system calls with random arguments, pointers into
// the kernel and the hypervisor hole among them. The kernel must survive all of it: no oops, no
// panic but init's own exit at the end, no host exception, and afterwards files and fork work.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel } from '../src/index.js';
import { bootXenolinux, programRamdisk } from './support/boot.js';
import { buildStaticProgram } from './support/static-program.js';

const FUZZ_SOURCE = join(import.meta.dirname, 'syscall-fuzz.c');
const PANIC0 =
  'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\r\n' +
  '---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000 ]---\r\n';

let fuzzer = new Uint8Array();
beforeAll(() => {
  buildKernel({ quiet: true });
  fuzzer = new Uint8Array(readFileSync(buildStaticProgram(FUZZ_SOURCE)));
});

describe('random system calls from hostile processes', () => {
  it('64 children x 2,000 random calls: the kernel survives and still works', () => {
    const r = bootXenolinux(programRamdisk(fuzzer), 'quiet rdinit=/init 64', { forNs: 600e9 });
    const summary = /fuzz: .*\r\n/.exec(r.output)?.[0] ?? '';
    console.log(summary.trim(), `| hypercalls ${r.hypercalls}`);
    expect(r.hostErrors, r.log.join('\n')).toBe(0);
    expect(r.output).not.toMatch(/Oops|BUG|Fatal exception/);
    expect(summary).toMatch(/^fuzz: 64 children x 2000 calls: exited \d+ \(careful \d+\), killed by a signal \d+ \(.*\), timed out \d+/);
    expect(r.output).toContain('FUZZ-DONE kernel still works\r\n');
    expect(r.output.endsWith(PANIC0)).toBe(true);
  }, 600_000);
});
