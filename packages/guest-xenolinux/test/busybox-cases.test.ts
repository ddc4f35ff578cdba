// The CPU issue's busybox conformance cases, now inside XenoLinux: each runs in its own boot as
// a small script under busybox sh, with its stdout, stderr and exit status compared byte for byte
// with the same script under the same busybox run natively on this host.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUSYBOX_CASES,
  BUSYBOX_FIXTURE_DIRS,
  BUSYBOX_FIXTURE_FILES,
  BUSYBOX_FIXTURE_TIME,
  type BusyboxCase,
} from '@xen-ts/cpu-x86/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKernel, busyboxApplets, busyboxInitramfs, busyboxPath, hasBusybox, type CpioEntry } from '../src/index.js';
import { bootXenolinux } from './support/boot.js';

/**
 * Cases whose output depends on the host's file system rather than on busybox or the kernel:
 * inode numbers, directory sizes and link counts, and directory read order (ext4 hashes names,
 * the RAM file system keeps creation order).
 */
const HOST_FS_SPECIFIC = new Set(['ls -l of a prepared directory', 'ls -a -i -R', 'stat -c', 'find', 'tar round trip']);

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script both sides run: $R is the root of the fixtures ('' in the guest). */
function script(c: BusyboxCase): string {
  return [
    'cd "$R/w"',
    // $R/bin first: natively it holds links to the same busybox, so no host tool stands in.
    'export PATH="$R/bin:/bin:/usr/bin" LC_ALL=C TZ=UTC HOME="$R/w"',
    // `busybox APPLET ...`, as the CPU issue's cases run it (an applet busybox lacks fails alike).
    `busybox ${c.args.map(quote).join(' ')} > "$R/out/o" 2> "$R/out/e" < "$R/out/i"`,
    'echo "@@S $?"',
    'base64 "$R/out/o" | sed "s/^/@@O /"',
    'base64 "$R/out/e" | sed "s/^/@@E /"',
    'echo "@@END"',
    '',
  ].join('\n');
}

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

function parse(text: string): Result {
  const lines = text.replace(/\r/g, '').split('\n');
  const pick = (tag: string): string => Buffer.from(lines.filter((l) => l.startsWith(tag)).map((l) => l.slice(tag.length)).join(''), 'base64').toString('latin1');
  const s = lines.find((l) => l.startsWith('@@S '));
  if (s === undefined || !lines.includes('@@END')) throw new Error(`no result in:\n${text.slice(-2000)}`);
  return { status: Number(s.slice(4)), stdout: pick('@@O '), stderr: pick('@@E ') };
}

const stdinOf = (c: BusyboxCase): Buffer => (c.stdin === undefined ? Buffer.alloc(0) : Buffer.from(c.stdin));
const t = Math.floor(BUSYBOX_FIXTURE_TIME.getTime() / 1000);

describe.skipIf(!hasBusybox())('busybox conformance cases inside XenoLinux match the native run', () => {
  let native = '';
  beforeAll(() => {
    buildKernel({ quiet: true });
    native = mkdtempSync(join(tmpdir(), 'xenolinux-bb-'));
    mkdirSync(join(native, 'bin'));
    for (const a of [...busyboxApplets(), 'busybox']) execFileSync('ln', ['-s', busyboxPath(), join(native, 'bin', a)]);
    for (const d of BUSYBOX_FIXTURE_DIRS) mkdirSync(join(native, 'w', d), { recursive: true });
    for (const [f, data] of Object.entries(BUSYBOX_FIXTURE_FILES)) writeFileSync(join(native, 'w', f), data);
    for (const f of [...Object.keys(BUSYBOX_FIXTURE_FILES), ...BUSYBOX_FIXTURE_DIRS]) utimesSync(join(native, 'w', f), t, t);
    mkdirSync(join(native, 'out'));
  });
  afterAll(() => {
    if (native !== '') rmSync(native, { recursive: true, force: true });
  });

  for (const c of BUSYBOX_CASES) {
    const run = HOST_FS_SPECIFIC.has(c.name) ? it.skip : it;
    run(c.name, () => {
      // Natively: the same script under the host's busybox sh, fixtures under $R.
      writeFileSync(join(native, 'out', 'i'), stdinOf(c));
      writeFileSync(join(native, 'run.sh'), script(c));
      // Both run `sh run.sh` from the root, so messages naming the script are the same.
      const nat = parse(execFileSync(busyboxPath(), ['sh', 'run.sh'], { cwd: native, env: { R: native, PATH: join(native, 'bin') }, encoding: 'latin1' }));

      // In the guest: fixtures in the initramfs (with the same times), the script as process 1's argument.
      const extra: CpioEntry[] = [
        { type: 'dir', path: 'w' },
        { type: 'dir', path: 'out' },
        ...BUSYBOX_FIXTURE_DIRS.map((d): CpioEntry => ({ type: 'dir', path: `w/${d}` })),
        ...Object.entries(BUSYBOX_FIXTURE_FILES).map(([f, data]): CpioEntry => ({ type: 'file', path: `w/${f}`, data: new Uint8Array(Buffer.from(data)) })),
        { type: 'file', path: 'out/i', data: new Uint8Array(stdinOf(c)) },
        { type: 'file', path: 'run.sh', data: new TextEncoder().encode(`${script(c)}poweroff -f\n`) },
      ];
      const ramdisk = busyboxInitramfs({ applets: busyboxApplets(), kernelProc: true, extra, mtime: t });
      const r = bootXenolinux(ramdisk, 'quiet rdinit=/bin/sh run.sh R=');
      const guest = parse(r.output);
      expect(guest.stdout).toBe(nat.stdout);
      if (c.stderr !== false) expect(guest.stderr).toBe(nat.stderr);
      expect(guest.status).toBe(nat.status);
    });
  }
});
