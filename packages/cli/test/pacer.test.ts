// The pacer runs the model in slices on the event loop; it waits when nothing can run and a
// kick resumes it. Only simulated time is asserted.
import { readFileSync } from 'node:fs';
import { Hypervisor } from '@xen-ts/hypervisor';
import { guestPath } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_PLUGINS } from '../src/server/plugin-loader.js';
import { Pacer } from '../src/server/pacer.js';
import { ensureGuests, eventually } from './support.js';

beforeAll(() => ensureGuests());

function machine(): Hypervisor {
  return new Hypervisor({ memoryMb: 64, plugins: BUILTIN_PLUGINS, scheduler: 'credit' });
}

const kernel = (name: string): Uint8Array => new Uint8Array(readFileSync(guestPath(name, '2level')));

describe('Pacer', () => {
  for (const pace of [0, 1000]) {
    it(`runs a guest to its end on the event loop and then waits (pace ${pace})`, async () => {
      const xen = machine();
      const d = xen.createDomain({ name: 'h', kernel: kernel('hello'), memoryMb: 8 });
      let slices = 0;
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 0); // the event loop stays responsive meanwhile
      const pacer = new Pacer(xen, { pace, afterSlice: () => slices++ });
      pacer.start();
      await eventually(() => pacer.isWaiting, 'the pacer waits once every domain is down');
      clearInterval(ticker);
      expect(d.isAlive).toBe(false);
      expect(d.shutdownReason).toBe(0); // SHUTDOWN_poweroff
      expect(slices).toBeGreaterThan(0);
      expect(ticks).toBeGreaterThan(0);

      // A new domain and a kick: it runs again.
      const before = xen.now();
      const e = xen.createDomain({ name: 'h2', kernel: kernel('hello'), memoryMb: 8 });
      pacer.kick();
      await eventually(() => !e.isAlive, 'the second guest runs after a kick');
      expect(xen.now()).toBeGreaterThan(before);
      pacer.stop();
      xen.dispose();
    });
  }

  it('stops on a fault of the model and reports it', async () => {
    const xen = machine();
    xen.createDomain({ name: 'h', kernel: kernel('idle'), memoryMb: 8 });
    const boom = new Error('model fault');
    xen.run = () => {
      throw boom;
    };
    let fault: unknown;
    const pacer = new Pacer(xen, { pace: 0, onFault: (e) => (fault = e) });
    pacer.start();
    await eventually(() => fault !== undefined, 'the fault is reported');
    expect(fault).toBe(boom);
    pacer.stop();
    xen.dispose();
  });
});
