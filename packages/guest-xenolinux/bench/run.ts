/**
 * `pnpm bench` for @xen-ts/guest-xenolinux: the paper's lmbench-style figures (Tables 3–5),
 * measured inside XenoLinux by one static i386 program (bench/lmbench-lite.c, built with the
 * host's gcc -m32 -static) and, for reference in the same run, by the same binary natively on
 * this host. Also: boot time to init, simulated and host.
 *
 * Simulated microseconds are the guest's own clock_gettime at the configured 1 GHz; hypervisor
 * entries per operation are counted by the host between the program's markers. Nothing here
 * asserts a time. BENCH_QUICK=1 for a smoke run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Hypervisor } from '@xen-ts/hypervisor';
import { schedCreditPlugin } from '@xen-ts/sched-credit';
import { BUILD_DIR, PACKAGE_DIR, buildKernel, busyboxApplets, readBusybox, rootImagePath, writeCpio, type CpioEntry } from '../src/index.js';

const QUICK = process.env.BENCH_QUICK === '1';
const OPS = QUICK ? 200 : 2000;

/** The paper's XenoLinux and native (L-UP) figures, µs (Tables 3, 4, 5). */
const PAPER: Record<string, { xen: string; native: string }> = {
  'null-call': { xen: '0.46', native: '0.45' },
  'null-io': { xen: '0.50', native: '0.50' },
  'page-fault': { xen: '2.73', native: '1.42' },
  'fork-exit': { xen: '198', native: '110' },
  'fork-exec': { xen: '768', native: '530' },
  'ctx-switch': { xen: '1.97', native: '0.77' },
};

function lmbenchBinary(): string {
  const src = join(PACKAGE_DIR, 'bench', 'lmbench-lite.c');
  const out = join(BUILD_DIR, 'lmbench-lite');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(BUILD_DIR, { recursive: true });
    execFileSync('gcc', ['-m32', '-static', '-O2', '-o', out, src], { stdio: 'inherit' });
  }
  return out;
}

interface Row {
  name: string;
  us: number;
  ops: number;
  entries: number;
}

function parse(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^LMB (\S+) us=([\d.]+) ops=(\d+)/.exec(line.trim());
    if (r !== null) m.set(r[1]!, Number(r[2]));
  }
  return m;
}

function inGuest(bin: string): { rows: Row[]; bootUs: number; bootHostMs: number; totalHostMs: number } {
  const entries: CpioEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'chardev', path: 'dev/null', major: 1, minor: 3 },
    { type: 'file', path: 'bin/busybox', data: readBusybox(), mode: 0o755 },
    { type: 'file', path: 'bin/lmbench-lite', data: new Uint8Array(readFileSync(bin)), mode: 0o755 },
  ];
  for (const a of busyboxApplets()) entries.push({ type: 'symlink', path: join('bin', a), target: 'busybox' });
  const xen = new Hypervisor({ scheduler: 'credit', plugins: [schedCreditPlugin], memoryMb: 128 });
  const t0 = performance.now();
  let out = '';
  let markEntries = 0;
  let bootUs = -1;
  let bootHostMs = -1;
  const rows: Row[] = [];
  xen.onConsole((_d, text) => {
    out += text;
    for (;;) {
      const nl = out.indexOf('\n');
      if (nl < 0) break;
      const line = out.slice(0, nl).replace(/\r$/, '');
      out = out.slice(nl + 1);
      if (bootUs < 0 && line.startsWith('LMB-START')) {
        bootUs = xen.now() / 1000;
        bootHostMs = performance.now() - t0;
      }
      if (line.startsWith('LMB-START')) markEntries = xen.stats.entries;
      const m = /^LMB (\S+) us=([\d.]+) ops=(\d+)/.exec(line);
      if (m !== null) rows.push({ name: m[1]!, us: Number(m[2]), ops: Number(m[3]), entries: (xen.stats.entries - markEntries) / Number(m[3]) });
      if (line.startsWith('LMB-ERROR')) throw new Error(`in the guest: ${line}`);
    }
  });
  const d = xen.createDomain({
    name: 'lmbench',
    kernel: new Uint8Array(readFileSync(buildKernel({ quiet: true }))),
    ramdisk: writeCpio(entries),
    memoryMb: 64,
    cmdline: `quiet rdinit=/bin/lmbench-lite ${OPS}`,
  });
  xen.run({ until: () => !d.isAlive, forNs: 3600e9 });
  return { rows, bootUs, bootHostMs, totalHostMs: performance.now() - t0 };
}

/** Boots the default root image (what `pnpm xen start` boots) until busybox sh shows its prompt. */
function bootToPrompt(): { simMs: number; hostMs: number; entries: number } {
  const xen = new Hypervisor({ scheduler: 'credit', plugins: [schedCreditPlugin], memoryMb: 128 });
  const t0 = performance.now();
  let out = '';
  let seen = false;
  xen.onConsole((_d, text) => {
    out += text;
    if (/\/ # /.test(out)) seen = true;
  });
  xen.createDomain({
    name: 'boot',
    kernel: new Uint8Array(readFileSync(buildKernel({ quiet: true }))),
    ramdisk: new Uint8Array(readFileSync(rootImagePath())),
    memoryMb: 64,
    cmdline: 'quiet rdinit=/bin/sh',
  });
  xen.run({ until: () => seen, forNs: 60e9 });
  if (!seen) throw new Error(`no shell prompt; console:\n${out.slice(-1000)}`);
  return { simMs: xen.now() / 1e6, hostMs: performance.now() - t0, entries: xen.stats.entries };
}

const bin = lmbenchBinary();
const boot = bootToPrompt();
const native = parse(execFileSync(bin, [String(OPS)], { encoding: 'utf8' }));
const guest = inGuest(bin);
console.log(`# @xen-ts/guest-xenolinux bench${QUICK ? ' (quick)' : ''}\n`);
console.log('lmbench-style operations, one static i386 binary: inside XenoLinux (simulated µs at 1 GHz) and natively on this host;');
console.log("the paper's 2003 figures (2.4 GHz Xeon) for scale, not for comparison.\n");
const header = ['operation', 'XenoLinux (sim µs)', 'hypervisor entries / op', 'native host (µs)', 'paper Xen (µs)', 'paper Linux (µs)'];
const rows = guest.rows.map((r) => [
  r.name,
  r.us.toFixed(2),
  r.entries.toFixed(2),
  native.has(r.name) ? native.get(r.name)!.toFixed(2) : '—',
  PAPER[r.name]?.xen ?? '—',
  PAPER[r.name]?.native ?? '—',
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (c: string[]): string => `| ${c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ')} |`;
console.log([line(header), `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n'));
console.log(`\nboot to the shell prompt (the default root image, 64 MiB): ${boot.simMs.toFixed(2)} ms simulated, ${boot.hostMs.toFixed(0)} ms host, ${boot.entries} hypervisor entries`);
console.log(`boot to the benchmark's first line: ${(guest.bootUs / 1000).toFixed(2)} ms simulated, ${guest.bootHostMs.toFixed(0)} ms host; whole run ${(guest.totalHostMs / 1000).toFixed(1)} s host`);
