// Hostile guests are normal: a guest issuing 100,000 random hypercalls with random arguments
// never makes the host throw, never changes a byte of another domain's memory, and leaves the
// frame table consistent.
import { createHash } from 'node:crypto';
import { checkInvariants } from '@xen-ts/mmu';
import { LAYOUTS, buildGuests } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Domain, Hypervisor } from '../src/index.js';
import { kernel, newHypervisor } from './support/boot.js';

beforeAll(() => buildGuests({ quiet: true }), 300_000);

function memoryHash(xen: Hypervisor, d: Domain): string {
  const h = createHash('sha256');
  for (const mfn of [...d.p2m, d.sharedInfoMfn]) h.update(xen.mem.u8.subarray(mfn * 4096, mfn * 4096 + 4096));
  return h.digest('hex');
}

describe.each(LAYOUTS)('hostile guest, %s paging', (layout) => {
  it('100,000 random hypercalls: no host exception, the other domain untouched, invariants hold', () => {
    const xen = newHypervisor({ paging: layout, memoryMb: 96 });
    const victim = xen.createDomain({ name: 'victim', kernel: kernel('hello', layout), memoryMb: 8, paused: true });
    const before = memoryHash(xen, victim);
    let output = '';
    const fuzz = xen.createDomain({ name: 'fuzz', kernel: kernel('hypercall-fuzz', layout), memoryMb: 16, cmdline: 'count=100000 seed=7' });
    xen.onConsole((d, t) => {
      if (d === fuzz.id) output += t;
    });
    xen.run({ until: () => !fuzz.isAlive, forNs: 600e9 });
    expect(xen.stats.hostErrors, xen.log.join('\n')).toBe(0);
    expect(xen.stats.hypercalls).toBeGreaterThanOrEqual(100_000);
    expect(output, output.slice(-2000)).toMatch(/XTF-DONE hypercall-fuzz \d+ 0/);
    expect(memoryHash(xen, victim)).toBe(before);
    expect(victim.state).toBe('paused');
    expect(checkInvariants(xen.mmu)).toEqual([]);
  }, 600_000);
});
