// dom0's console backend: keyboard input goes into the guest's `in` ring and raises its console
// event channel; guest output arrives through onConsole (the console-ring guest covers that).
import { StartInfoView, XENCONS_INTERFACE } from '@xen-ts/abi';
import { buildGuests } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernel, newHypervisor } from './support/boot.js';

beforeAll(() => buildGuests({ quiet: true }), 300_000);

describe('console backend', () => {
  it('puts input in the in-ring, up to its size, and signals the guest', () => {
    const xen = newHypervisor({ memoryMb: 64 });
    const d = xen.createDomain({ name: 'c', kernel: kernel('hello', '2level'), memoryMb: 8, paused: true });
    const si = new StartInfoView(xen.mem.view, d.startInfoMfn * 4096);
    const ring = si.consoleMfn * 4096;
    const F = XENCONS_INTERFACE.fields;
    expect(xen.consoleInput(d.id, 'ls /\r')).toBe(5);
    expect(new TextDecoder().decode(xen.mem.u8.subarray(ring + F.in.offset, ring + F.in.offset + 5))).toBe('ls /\r');
    expect(xen.mem.view.getUint32(ring + F.in_prod.offset, true)).toBe(5);
    expect(d.events.isPending(si.consoleEvtchn)).toBe(true);
    // The ring holds 1024 bytes: the rest is refused until the guest consumes.
    expect(xen.consoleInput(d.id, 'x'.repeat(2000))).toBe(1024 - 5);
    expect(xen.consoleInput(999, 'nobody')).toBe(0);
  });
});
