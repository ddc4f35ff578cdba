/**
 * The runner's address space on its own: VMAs, demand paging through the
 * CPU's own page walk, kernel copies, protection changes, mremap moves and
 * fork snapshots.
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import { PhysicalMemory } from '../../src/memory/physical-memory.js';
import { AddressSpace } from '../../src/linux/address-space.js';
import { FrameAllocator } from '../../src/linux/frame-allocator.js';
import { Errno, MAP_PRIVATE, PROT_READ, PROT_WRITE, SEGV_ACCERR, SEGV_MAPERR } from '../../src/linux/linux-abi.js';

function space(): { cpu: Cpu; as: AddressSpace } {
  const cpu = new Cpu({ memory: new PhysicalMemory(8 << 20) });
  const as = new AddressSpace(cpu, new FrameAllocator(cpu.mem));
  cpu.cr3 = as.pageDirectory;
  cpu.cr0 |= 0x80000001;
  cpu.cpl = 3;
  cpu.updateModeMasks();
  cpu.flushTlb(true);
  return { cpu, as };
}

const RW = PROT_READ | PROT_WRITE;

describe('AddressSpace', () => {
  it('maps pages on first touch, zeroed or from the backing bytes', () => {
    const { cpu, as } = space();
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    as.addVma({ start: 0x10000, end: 0x12000, prot: RW, flags: MAP_PRIVATE, kind: 'mmap',
      backing: { data, fileStart: 0x10000, dataOffset: 2, fileEnd: 0x10004 } });
    const used = as.frames.used;
    expect(as.handleFault(0x10001, false)).toBe(0);
    expect(as.frames.used).toBe(used + 2); // the page and its page table
    // The CPU now reads the page through the tables the runner wrote (user access, CPL 3).
    expect(cpu.lread32(0x10000)).toBe(0x06050403);
    expect(cpu.lread8(0x10004)).toBe(0); // past fileEnd: zeros
    expect(as.read32(0x11000)).toBe(0); // a kernel read faults the second page in
    expect(as.frames.used).toBe(used + 3);
  });

  it('reports SEGV_MAPERR outside any VMA and SEGV_ACCERR for a forbidden access', () => {
    const { as } = space();
    as.addVma({ start: 0x20000, end: 0x21000, prot: PROT_READ, flags: MAP_PRIVATE, kind: 'mmap', backing: null });
    expect(as.handleFault(0x30000, false)).toBe(SEGV_MAPERR);
    expect(as.handleFault(0x20000, true)).toBe(SEGV_ACCERR);
    expect(as.handleFault(0xc0001000, false)).toBe(SEGV_MAPERR);
    expect(() => as.write32(0x20000, 1)).toThrow(Errno);
  });

  it('mprotect splits VMAs and keeps the frames; PROT_NONE pages fault', () => {
    const { cpu, as } = space();
    as.addVma({ start: 0x40000, end: 0x43000, prot: RW, flags: MAP_PRIVATE, kind: 'mmap', backing: null });
    as.write32(0x41000, 0xabcdef);
    as.protect(0x41000, 0x42000, 0);
    expect(as.areas.map((v) => [v.start, v.end, v.prot])).toEqual([[0x40000, 0x41000, RW], [0x41000, 0x42000, 0], [0x42000, 0x43000, RW]]);
    expect(as.handleFault(0x41000, false)).toBe(SEGV_ACCERR);
    as.protect(0x41000, 0x42000, PROT_READ);
    expect(cpu.lread32(0x41000)).toBe(0xabcdef);
  });

  it('munmap frees frames; move() carries pages to a new address', () => {
    const { as } = space();
    as.addVma({ start: 0x50000, end: 0x52000, prot: RW, flags: MAP_PRIVATE, kind: 'mmap', backing: null });
    as.write32(0x50010, 42);
    as.write32(0x51010, 43);
    const used = as.frames.used;
    as.move(0x50000, 0x2000, 0x80000);
    expect(as.frames.used).toBe(used);
    expect(as.read32(0x80010)).toBe(42);
    expect(as.read32(0x81010)).toBe(43);
    expect(as.findVma(0x50000)).toBeUndefined();
    as.unmap(0x80000, 0x82000);
    expect(as.frames.used).toBe(used - 2);
  });

  it('snapshot/restore brings back the pages and mappings of a fork parent', () => {
    const { as } = space();
    as.addVma({ start: 0x60000, end: 0x61000, prot: RW, flags: MAP_PRIVATE, kind: 'mmap', backing: null });
    as.write32(0x60000, 1);
    const snap = as.snapshot();
    as.write32(0x60000, 2);
    as.addVma({ start: 0x70000, end: 0x71000, prot: RW, flags: MAP_PRIVATE, kind: 'mmap', backing: null });
    as.write32(0x70000, 3);
    as.restore(snap);
    expect(as.read32(0x60000)).toBe(1);
    expect(as.findVma(0x70000)).toBeUndefined();
  });

  it('finds free ranges top-down below a limit', () => {
    const { as } = space();
    as.addVma({ start: 0xb7ff0000, end: 0xb8000000, prot: RW, flags: MAP_PRIVATE, kind: 'mmap', backing: null });
    expect(as.findFree(0x1000, 0xb8000000) >>> 0).toBe(0xb7fef000);
    expect(as.findFree(0x20000, 0xb8000000) >>> 0).toBe(0xb7fd0000);
  });
});
