// The domain builder and the kernel-image reader: real images from @xen-ts/test-guests, and
// broken ones made from them.
import { buildGuests } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseXenKernel } from '../src/index.js';
import { kernel, newHypervisor } from './support/boot.js';

beforeAll(() => buildGuests({ quiet: true }), 300_000);

/** Replaces every occurrence of `from` (latin1, same length as `to`) in a copy of `bytes`. */
function patch(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const copy = bytes.slice();
  const hay = Buffer.from(copy.buffer);
  const needle = Buffer.from(from, 'latin1');
  let at = hay.indexOf(needle);
  if (at < 0) throw new Error(`'${from}' not in image`);
  for (; at >= 0; at = hay.indexOf(needle, at + 1)) copy.set(Buffer.from(to, 'latin1'), at);
  return copy;
}

describe('kernel images', () => {
  it('reads the Xen notes of a 2-level and a PAE test guest', () => {
    const two = parseXenKernel(kernel('hello', '2level'));
    expect(two).toMatchObject({ paeMode: 'no', virtBase: 0xc0000000, guestOs: 'xen-ts-test', loader: 'generic', source: 'notes' });
    expect(two.hypercallPage).toBeGreaterThanOrEqual(two.kstart);
    expect(parseXenKernel(kernel('hello', 'pae')).paeMode).toBe('yes');
  });

  it('reads the legacy __xen_guest section', () => {
    const img = parseXenKernel(kernel('hello-legacy', 'pae'));
    expect(img.source).toBe('__xen_guest');
    expect(img.hypercallPage & 0xfff).toBe(0);
  });

  it.each([
    ['garbage', new Uint8Array(100), /not an ELF file/],
    ['64-bit', (() => { const b = kernel('hello', '2level').slice(); b[4] = 2; return b; })(), /64-bit ELF/],
    ['wrong Xen version', patch(kernel('hello', '2level'), 'xen-3.0', 'xen-2.0'), /XEN_VERSION is "xen-2.0"; it must start with "xen-3.0"/],
    ['wrong loader', patch(patch(kernel('hello', '2level'), 'generic', 'special'), 'xen-ts-test', 'bsd-ts-test'), /Xen needs LOADER=generic or GUEST_OS=linux/],
    ['truncated', kernel('hello', '2level').slice(0, 200), /past the end of the file|program headers/],
  ])('refuses %s with a clear error', (_name, bytes, msg) => {
    expect(() => parseXenKernel(bytes as Uint8Array)).toThrow(msg as RegExp);
  });
});

describe('domain builder', () => {
  it('refuses a PAE kernel on a 2-level hypervisor and says what to set', () => {
    const xen = newHypervisor({ memoryMb: 64 });
    expect(() => xen.createDomain({ name: 'p', kernel: kernel('hello', 'pae'), memoryMb: 8 })).toThrow(/set `paging: pae` in the host config/);
    expect(xen.listDomains().map((d) => d.id)).toEqual([0]); // nothing left behind
  });

  it('refuses too little memory for the boot region, and more memory than the machine has', () => {
    const xen = newHypervisor({ memoryMb: 64 });
    expect(() => xen.createDomain({ name: 'tiny', kernel: kernel('hello', '2level'), memoryMb: 1 })).toThrow(/raise memory=/);
    expect(() => xen.createDomain({ name: 'huge', kernel: kernel('hello', '2level'), memoryMb: 128 })).toThrow(/not enough free memory/);
    const free = xen.alloc.freeFrames;
    xen.createDomain({ name: 'ok', kernel: kernel('hello', '2level'), memoryMb: 8 });
    expect(free - xen.alloc.freeFrames).toBeGreaterThanOrEqual(8 * 256);
  });

  it('refuses duplicate and malformed names', () => {
    const xen = newHypervisor({ memoryMb: 64 });
    xen.createDomain({ name: 'a', kernel: kernel('hello', '2level'), memoryMb: 4 });
    expect(() => xen.createDomain({ name: 'a', kernel: kernel('hello', '2level'), memoryMb: 4 })).toThrow(/already exists/);
    expect(() => xen.createDomain({ name: 'a b', kernel: kernel('hello', '2level'), memoryMb: 4 })).toThrow(/must be 1..64 characters/);
  });

  it('gives all memory back when a domain is destroyed', () => {
    const xen = newHypervisor({ memoryMb: 64 });
    const free = xen.alloc.freeFrames;
    for (let i = 0; i < 3; i++) {
      const d = xen.createDomain({ name: `d${i}`, kernel: kernel('hello', '2level'), memoryMb: 8 });
      xen.run({ until: () => !d.isAlive });
      xen.run({ forNs: 1 }); // reap
    }
    expect(xen.alloc.freeFrames).toBe(free);
    expect(xen.listDomains().map((d) => d.id)).toEqual([0]);
  });
});
