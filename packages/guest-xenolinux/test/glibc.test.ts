// Unmodified binaries: an ordinary C program linked against Debian's i386 glibc, once static and
// once as a static PIE (loaded at ELF_ET_DYN_BASE, relocating itself), runs as init on XenoLinux
// and natively on this host with identical output: stdio, malloc, TLS through
// set_thread_area, errno, files, floating point, fork and wait.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel } from '../src/index.js';
import { INIT_EXIT_0, runProbe } from './support/probe.js';
import { buildGlibcProgram } from './support/static-program.js';

const SOURCE = join(import.meta.dirname, 'glibc-probe.c');
const programs = new Map<string, string>();
beforeAll(() => {
  buildKernel({ quiet: true });
  for (const link of ['static', 'static-pie'] as const) programs.set(link, buildGlibcProgram(SOURCE, link));
});

describe('glibc programs run unmodified', () => {
  it.each(['static', 'static-pie'])('%s: the same output as natively', (link) => {
    const r = runProbe(programs.get(link)!);
    expect(r.hostErrors).toBe(0);
    expect(r.guest).toContain('thread-local: 42\n');
    expect(r.guest).toContain('child exited 42 with its own copy of the thread-local (42)\n');
    expect(r.guest.endsWith(INIT_EXIT_0)).toBe(true);
    if (r.native !== null) expect(r.guest).toBe(r.native + INIT_EXIT_0); // needs a host that runs i386 code
  });
});
