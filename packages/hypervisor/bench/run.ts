/**
 * `pnpm bench` for @xen-ts/hypervisor: what the paper measures about the hypervisor itself, in
 * simulated cycles (from the guest's own RDTSC, at the configured clock) and in host time.
 *
 * - hypercall round trip, trap bounce, the int 0x80 fast path, and page-table updates batched
 *   in one mmu_update against one hypercall per update: the `bench` test guest times each in a
 *   loop and prints `XTF-BENCH <name> cycles=<per op> ops=<n>`; the host times the same phase
 *   between the guest's markers and counts hypervisor entries;
 * - domain creation: host time to build and boot a small guest;
 * - host memory with 128 idle domains (the `idle` guest blocks forever).
 *
 * Environment: BENCH_QUICK=1 for a smoke run. Nothing asserts a time.
 */
import { buildGuests } from '@xen-ts/test-guests';
import { kernel, newHypervisor } from '../test/support/boot.js';

const QUICK = process.env.BENCH_QUICK === '1';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

interface Phase {
  name: string;
  cycles: number;
  ops: number;
  hostNs: number;
  entries: number;
}

/** Runs the bench guest and splits host time and hypervisor entries at its markers. */
function guestPhases(layout: '2level' | 'pae', ops = QUICK ? 2000 : 20000): Phase[] {
  const xen = newHypervisor({ paging: layout, memoryMb: 64 });
  const d = xen.createDomain({ name: 'bench', kernel: kernel('bench', layout), memoryMb: 16, cmdline: `ops=${ops}` });
  let out = '';
  let markTime = 0;
  let markEntries = 0;
  const phases: Phase[] = [];
  xen.onConsole((domid, text) => {
    if (domid !== d.id) return;
    out += text;
    for (;;) {
      const nl = out.indexOf('\n');
      if (nl < 0) break;
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      const now = performance.now();
      const start = /^XTF-BENCH-START (\S+)/.exec(line);
      if (start !== null) {
        markTime = now;
        markEntries = xen.stats.entries;
        continue;
      }
      const m = /^XTF-BENCH (\S+) cycles=(\d+) ops=(\d+)/.exec(line);
      if (m !== null) {
        phases.push({
          name: m[1]!,
          cycles: Number(m[2]),
          ops: Number(m[3]),
          hostNs: (now - markTime) * 1e6,
          // the marker print itself is one console_io entry
          entries: xen.stats.entries - markEntries - 1,
        });
      }
    }
  });
  xen.run({ until: () => !d.isAlive, forNs: 600e9 });
  if (phases.length === 0) throw new Error(`bench guest printed no results; log:\n${xen.log.slice(-20).join('\n')}`);
  return phases;
}

function domainCreation(): { hostMsPerDomain: number; simUsToShutdown: number } {
  const xen = newHypervisor({ memoryMb: 256 });
  const n = QUICK ? 5 : 20;
  const t0 = performance.now();
  let sim = 0;
  for (let i = 0; i < n; i++) {
    const start = xen.now();
    const d = xen.createDomain({ name: `h${i}`, kernel: kernel('hello', '2level'), memoryMb: 8 });
    xen.run({ until: () => !d.isAlive });
    sim += xen.now() - start;
  }
  return { hostMsPerDomain: (performance.now() - t0) / n, simUsToShutdown: sim / n / 1000 };
}

function idleDomains(count: number): { rssMb: number; heapMb: number; perDomainKb: number; hostMs: number } {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const xen = newHypervisor({ memoryMb: Math.min(3072, 64 + count * 5) });
  for (let i = 0; i < count; i++) xen.createDomain({ name: `idle${i}`, kernel: kernel('idle', '2level'), memoryMb: 4 });
  xen.run({ forNs: 100e6 });
  const hostMs = performance.now() - t0;
  global.gc?.();
  const rss = process.memoryUsage().rss - rss0;
  const heap = process.memoryUsage().heapUsed - heap0;
  // The guests' own RAM is touched by the builder (it clears every frame it hands out).
  const guestRam = count * (4 << 20);
  return { rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20, perDomainKb: (rss - guestRam) / count / 1024, hostMs };
}

buildGuests({ quiet: true });
console.log(`# @xen-ts/hypervisor bench${QUICK ? ' (quick)' : ''}\n`);
console.log('Simulated cycles come from the guest (RDTSC at 1 GHz: one cycle is one ns); host time is wall time on this machine.\n');
guestPhases('2level', 2000); // warm the JIT up so the first table is not the slow one
for (const layout of ['2level', 'pae'] as const) {
  const phases = guestPhases(layout);
  console.log(`## Guest micro-benchmarks, ${layout} paging\n`);
  console.log(
    table(
      ['operation', 'simulated cycles / op', 'host ns / op', 'hypervisor entries / op'],
      phases.map((p) => [p.name, p.cycles.toFixed(0), (p.hostNs / p.ops).toFixed(0), (p.entries / p.ops).toFixed(3)]),
    ),
  );
  console.log('');
}
const dc = domainCreation();
console.log('## Domains\n');
const idle = idleDomains(QUICK ? 16 : 128);
console.log(
  table(
    ['measure', 'value'],
    [
      ['create + boot + shut down a 8 MiB guest (host)', `${dc.hostMsPerDomain.toFixed(1)} ms`],
      ['same, simulated time from creation to shutdown', `${dc.simUsToShutdown.toFixed(0)} µs`],
      [`${QUICK ? 16 : 128} idle domains (4 MiB each): host RSS growth`, `${idle.rssMb.toFixed(1)} MiB (their RAM included)`],
      [`${QUICK ? 16 : 128} idle domains: JS heap growth`, `${idle.heapMb.toFixed(1)} MiB`],
      ['host memory per idle domain beyond its 4 MiB of RAM', `${idle.perDomainKb.toFixed(0)} KiB`],
      [`boot all ${QUICK ? 16 : 128} and run 100 ms simulated (host)`, `${idle.hostMs.toFixed(0)} ms`],
    ],
  ),
);
