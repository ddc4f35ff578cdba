// Scheduler plugins on real guests: one line of host configuration swaps the scheduler (the
// same domains give a different schedule trace), and CPU shares follow the per-domain
// parameters. The guests are CPU-bound spinners; a 50 MHz clock keeps the runs short (shares are
// measured in simulated time, which the clock rate does not change).
import type { SchedParams } from '@xen-ts/plugin-api';
import { buildGuests } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernel, newHypervisor } from './support/boot.js';

beforeAll(() => buildGuests({ quiet: true }), 300_000);

interface Spin {
  name: string;
  sched?: SchedParams;
}

function runSpinners(scheduler: string, spinners: Spin[], opts: { pcpus?: number; ms?: number } = {}) {
  const xen = newHypervisor({ scheduler, cpuMhz: 50, pcpus: opts.pcpus ?? 1, trace: true });
  const doms = spinners.map((s) =>
    xen.createDomain({ name: s.name, kernel: kernel('spin', '2level'), memoryMb: 4, ...(s.sched ? { sched: s.sched } : {}) }),
  );
  xen.run({ forNs: (opts.ms ?? 900) * 1e6 });
  expect(xen.stats.hostErrors).toBe(0);
  const switches = xen.trace.records.filter((r) => r.kind === 'switch').map((r) => `${r.pcpu}:${String(r.args['to'])}`);
  return { xen, cpu: doms.map((d) => d.cpuTimeNs), switches };
}

// Each run interprets tens of millions of guest instructions: generous time on a loaded machine.
describe('scheduler plugins', { timeout: 600_000 }, () => {
  it('`scheduler:` alone swaps the scheduler: the same domains, a different schedule', () => {
    const spinners = [{ name: 'a' }, { name: 'b' }];
    const credit = runSpinners('credit', spinners, { ms: 200 });
    const bvt = runSpinners('bvt', spinners, { ms: 200 });
    const rr = runSpinners('rr', spinners, { ms: 200 });
    expect(credit.xen.sched.scheduler.name).toBe('credit');
    expect(bvt.xen.sched.scheduler.name).toBe('bvt');
    // Every scheduler runs both; their switch sequences differ (credit: 30 ms slices, rr: 10 ms, bvt: virtual time).
    for (const r of [credit, bvt, rr]) expect(r.cpu.every((t) => t > 40e6)).toBe(true);
    expect(credit.switches).not.toEqual(bvt.switches);
    expect(credit.switches).not.toEqual(rr.switches);
    // And each is deterministic.
    expect(runSpinners('credit', spinners, { ms: 200 }).switches).toEqual(credit.switches);
  });

  it.each([
    ['credit', { weight: 512 }, { weight: 256 }],
    ['bvt', { mcuadv: 5 }, { mcuadv: 10 }],
  ] as const)('%s: CPU shares follow the weights, 2:1 within 15 percent', (scheduler, heavy, light) => {
    const r = runSpinners(scheduler, [{ name: 'heavy', sched: heavy }, { name: 'light', sched: light }]);
    const ratio = r.cpu[0]! / r.cpu[1]!;
    expect(ratio).toBeGreaterThan(2 * 0.85);
    expect(ratio).toBeLessThan(2 * 1.15);
  });

  it('rr: equal shares', () => {
    const r = runSpinners('rr', [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    for (const t of r.cpu) expect(t / (r.cpu.reduce((x, y) => x + y) / 3)).toBeCloseTo(1, 1);
  });

  it('credit on 2 pCPUs: 3 spinners share both CPUs, none starves, no CPU idles', () => {
    const r = runSpinners('credit', [{ name: 'a' }, { name: 'b' }, { name: 'c' }], { pcpus: 2 });
    const total = r.cpu.reduce((x, y) => x + y);
    expect(total / (2 * 900e6)).toBeGreaterThan(0.95);
    for (const t of r.cpu) expect(t / (total / 3)).toBeGreaterThan(0.8);
  });

  it('an idle (blocked) domain is never picked while spinners run', () => {
    const xen = newHypervisor({ scheduler: 'credit', cpuMhz: 50 });
    const idle = xen.createDomain({ name: 'idle', kernel: kernel('idle', '2level'), memoryMb: 4 });
    const spin = xen.createDomain({ name: 'spin', kernel: kernel('spin', '2level'), memoryMb: 4 });
    xen.run({ forNs: 50e6 });
    const idleAfterBoot = idle.cpuTimeNs;
    xen.run({ forNs: 500e6 });
    expect(idle.cpuTimeNs).toBe(idleAfterBoot);
    expect(spin.cpuTimeNs).toBeGreaterThan(500e6 * 0.95);
  });
});
