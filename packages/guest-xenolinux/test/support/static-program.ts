// Test programs that run both natively and inside XenoLinux: static i386 binaries without libc,
// built with the host's gcc (-m32) into a fresh temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** Builds `source` (C, freestanding, its own `_start`) and returns the path of the executable. */
export function buildStaticProgram(source: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'xenolinux-test-')), basename(source, '.c'));
  execFileSync('gcc', ['-m32', '-static', '-nostdlib', '-ffreestanding', '-fno-pic', '-no-pie', '-O1', '-fno-stack-protector',
    '-fno-asynchronous-unwind-tables', '-Wl,--build-id=none', '-o', out, source]);
  return out;
}

/** Builds `source` against the host's i386 glibc, statically linked (`static`) or as a static
 *  PIE (`static-pie`); returns the path of the executable. */
export function buildGlibcProgram(source: string, link: 'static' | 'static-pie'): string {
  const out = join(mkdtempSync(join(tmpdir(), 'xenolinux-test-')), `${basename(source, '.c')}-${link}`);
  execFileSync('gcc', ['-m32', `-${link}`, '-O1', '-o', out, source]);
  return out;
}
