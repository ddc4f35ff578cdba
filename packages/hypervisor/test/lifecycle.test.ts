// Domain life cycle: pause/unpause, shutdown reasons, on_crash policies, destroy, and a guest's
// crash ending that guest only — on one and on two physical CPUs.
import { ShutdownReason } from '@xen-ts/abi';
import { buildGuests } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernel, newHypervisor } from './support/boot.js';

beforeAll(() => buildGuests({ quiet: true }), 300_000);

function consoleOf(xen: ReturnType<typeof newHypervisor>): Map<number, string> {
  const out = new Map<number, string>();
  xen.onConsole((d, t) => out.set(d, (out.get(d) ?? '') + t));
  return out;
}

describe.each([1, 2])('domain life cycle on %i pCPU(s)', (pcpus) => {
  it("a crashing guest ends alone; the other finishes its checks", () => {
    const xen = newHypervisor({ pcpus });
    const out = consoleOf(xen);
    const bad = xen.createDomain({ name: 'bad', kernel: kernel('trap-unhandled', '2level'), memoryMb: 8 });
    const good = xen.createDomain({ name: 'good', kernel: kernel('events', '2level'), memoryMb: 8 });
    let badReason = -1;
    xen.onDomainEvent((e) => {
      if (e.domid === bad.id && e.what === 'crashed') badReason = bad.shutdownReason;
    });
    xen.run({ until: () => !good.isAlive, forNs: 10e9 });
    expect(badReason).toBe(ShutdownReason.SHUTDOWN_crash);
    expect(bad.crashMessage).toMatch(/unhandled trap 6/);
    expect(out.get(good.id)).toMatch(/XTF-DONE events \d+ 0/);
    expect(good.shutdownReason).toBe(ShutdownReason.SHUTDOWN_poweroff);
    expect(xen.stats.hostErrors).toBe(0);
  });

  it('a paused domain does not run until unpaused', () => {
    const xen = newHypervisor({ pcpus });
    const out = consoleOf(xen);
    const d = xen.createDomain({ name: 'p', kernel: kernel('hello', '2level'), memoryMb: 8, paused: true });
    expect(xen.run({ forNs: 50e6 })).toBe('deadline');
    expect(out.get(d.id)).toBeUndefined();
    expect(d.state).toBe('paused');
    xen.unpauseDomain(d);
    xen.run({ until: () => !d.isAlive, forNs: 1e9 });
    expect(out.get(d.id)).toMatch(/XTF-DONE hello \d+ 0/);
  });
});

describe('on_crash', () => {
  it('preserve keeps the crashed domain and its memory until destroyed', () => {
    const xen = newHypervisor();
    const free = xen.alloc.freeFrames;
    const d = xen.createDomain({ name: 'c', kernel: kernel('trap-unhandled', '2level'), memoryMb: 8, onCrash: 'preserve' });
    xen.run({ forNs: 100e6 });
    expect(d.state).toBe('shutdown');
    expect(d.shutdownReason).toBe(ShutdownReason.SHUTDOWN_crash);
    expect(xen.domain(d.id)).toBe(d);
    xen.destroyDomain(d);
    expect(xen.domain(d.id)).toBeUndefined();
    expect(xen.alloc.freeFrames).toBe(free);
  });

  it('restart builds the domain again from its configuration', () => {
    const xen = newHypervisor();
    const created: number[] = [];
    xen.onDomainEvent((e) => {
      if (e.what === 'created') created.push(e.domid);
    });
    xen.createDomain({ name: 'again', kernel: kernel('trap-unhandled', '2level'), memoryMb: 8, onCrash: 'restart' });
    xen.run({ until: () => created.length >= 3, forNs: 1e9 });
    expect(created.length).toBeGreaterThanOrEqual(3);
    expect(new Set(created).size).toBe(created.length); // each incarnation is a new domain id
    const current = xen.domainByName('again')!;
    xen.destroyDomain(current);
    expect(xen.domainByName('again')).toBeUndefined();
  });

  it('on_poweroff: preserve keeps the domain, restart builds it again', () => {
    const xen = newHypervisor();
    const kept = xen.createDomain({ name: 'kept', kernel: kernel('hello', '2level'), memoryMb: 8, onPoweroff: 'preserve' });
    xen.run({ until: () => !kept.isAlive, forNs: 1e9 });
    xen.run({ forNs: 1e6 });
    expect(xen.domain(kept.id)).toBe(kept);
    expect(kept.state).toBe('shutdown');
    const created: number[] = [];
    xen.onDomainEvent((e) => {
      if (e.what === 'created' && e.name === 'again') created.push(e.domid);
    });
    xen.createDomain({ name: 'again', kernel: kernel('hello', '2level'), memoryMb: 8, onPoweroff: 'restart' });
    xen.run({ until: () => created.length >= 3, forNs: 1e9 });
    expect(created.length).toBeGreaterThanOrEqual(3);
    xen.destroyDomain(xen.domainByName('again')!);
  });

  it('destroy of a running domain releases it at once', () => {
    const xen = newHypervisor();
    const free = xen.alloc.freeFrames;
    const d = xen.createDomain({ name: 'r', kernel: kernel('time', '2level'), memoryMb: 8 });
    xen.run({ forNs: 2e6 });
    expect(d.isAlive).toBe(true);
    xen.destroyDomain(d);
    expect(xen.alloc.freeFrames).toBe(free);
    expect(xen.run({ forNs: 1e6 })).toBe('all-down');
  });
});
