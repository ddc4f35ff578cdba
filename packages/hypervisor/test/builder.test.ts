// The domain builder and the kernel-image reader: real images from @xen-ts/test-guests, and
// broken ones made from them.
import { buildGuests } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { StartInfoView } from '@xen-ts/abi';
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

  // The images are made inside the test (a table entry is evaluated when the file is collected,
  // before beforeAll has built the guests on a fresh clone).
  it.each([
    ['garbage', () => new Uint8Array(100), /not an ELF file/],
    ['64-bit', () => { const b = kernel('hello', '2level').slice(); b[4] = 2; return b; }, /64-bit ELF/],
    ['wrong Xen version', () => patch(kernel('hello', '2level'), 'xen-3.0', 'xen-2.0'), /XEN_VERSION is "xen-2.0"; it must start with "xen-3.0"/],
    ['wrong loader', () => patch(patch(kernel('hello', '2level'), 'generic', 'special'), 'xen-ts-test', 'bsd-ts-test'), /Xen needs LOADER=generic or GUEST_OS=linux/],
    ['truncated', () => kernel('hello', '2level').slice(0, 200), /past the end of the file|program headers/],
  ] as const)('refuses %s with a clear error', (_name, image, msg) => {
    const bytes = image();
    expect(() => parseXenKernel(bytes)).toThrow(msg);
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

  it('lays out start_info, the ramdisk, the P2M and the command line as §2.22 says', () => {
    const xen = newHypervisor({ memoryMb: 64 });
    const ramdisk = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
    const d = xen.createDomain({ name: 'r', kernel: kernel('hello', '2level'), memoryMb: 8, ramdisk, cmdline: 'root=/dev/ram0 quiet', paused: true });
    const si = new StartInfoView(xen.mem.view, d.startInfoMfn * 4096);
    const img = parseXenKernel(kernel('hello', '2level'));
    const bytesAt = (va: number, n: number): Uint8Array => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const a = va + i;
        out[i] = xen.mem.u8[d.p2m[(a - img.virtBase) >>> 12]! * 4096 + (a & 0xfff)]!;
      }
      return out;
    };
    expect(si.magic).toBe('xen-3.0-x86_32');
    expect(si.nrPages).toBe(8 * 256);
    expect(si.sharedInfo).toBe(d.sharedInfoMfn * 4096);
    expect(si.cmdLine).toBe('root=/dev/ram0 quiet');
    expect(si.modLen).toBe(ramdisk.length);
    expect(si.modStart).toBeGreaterThanOrEqual(img.kend);
    expect(bytesAt(si.modStart, ramdisk.length)).toEqual(ramdisk);
    // mfn_list is the P2M, pt_base the pinned top table; the boot stack and 512 kB of padding fit below 4 MiB multiples.
    const p2m = new DataView(bytesAt(si.mfnList, 8 * 256 * 4).buffer);
    expect(Array.from({ length: 8 * 256 }, (_, i) => p2m.getUint32(i * 4, true))).toEqual(d.p2m);
    expect(xen.mmu.ft.isPinned(d.p2m[(si.ptBase - img.virtBase) >>> 12]!)).toBe(true);
    expect(si.storeMfn).not.toBe(si.consoleMfn);
    expect(xen.store.read('/local/domain/1/name')).toBe('r');
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
