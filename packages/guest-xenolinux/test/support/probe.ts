// Probe programs: a static i386 program that prints only machine-independent facts runs as init on
// XenoLinux and natively on this host, so a test can ask for identical output.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { buildKernel } from '../../src/index.js';
import { bootXenolinux, programRamdisk } from './boot.js';
import { buildStaticProgram } from './static-program.js';

/** What init's exit(0) prints at the end of a probe's run in the guest. */
export const INIT_EXIT_0 =
  'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\n' +
  '---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000 ]---\n';

export interface ProbeRun {
  /** The guest console, with the terminal's \r\n turned back into \n. */
  guest: string;
  /** The native run's stdout, or null when this host does not run i386 programs. */
  native: string | null;
  hostErrors: number;
}

export function runProbe(probe: string, cmdline = 'quiet'): ProbeRun {
  const r = bootXenolinux(programRamdisk(new Uint8Array(readFileSync(probe))), cmdline);
  const native = spawnSync(probe, { encoding: 'latin1', timeout: 30_000 });
  return {
    guest: r.output.replace(/\r\n/g, '\n'),
    native: native.status === 0 ? native.stdout : null,
    hostErrors: r.hostErrors,
  };
}

/** Builds the kernel and test/<source> before the file's tests; returns the probe's path getter. */
export function useProbe(source: string): () => string {
  let probe = '';
  beforeAll(() => {
    buildKernel({ quiet: true });
    probe = buildStaticProgram(join(import.meta.dirname, '..', source));
  });
  return () => probe;
}
