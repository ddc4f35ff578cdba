import { MmuextCmd, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import {
  PageType,
  checkDescriptor,
  checkInvariants,
  destroyGdt,
  mapLdtFrame,
  mmuUpdate,
  mmuextOp,
  setGdt,
  updateDescriptor,
  type PagingLayoutName,
} from './index.js';
import { DOM1, DOM2, machine, ptUpdate, pte, RW } from '../test/helpers.js';

/** Build a code/data descriptor: base, raw 20-bit limit, type (4 bits), DPL, G, present. */
function seg(base: number, limit: number, type: number, dpl: number, g = true, present = true): [number, number] {
  const lo = (((base & 0xffff) << 16) | (limit & 0xffff)) >>> 0;
  const hi =
    ((base & 0xff000000) |
      (g ? 1 << 23 : 0) |
      (1 << 22) | // D/B: 32-bit
      (limit & 0xf0000) |
      (present ? 1 << 15 : 0) |
      (dpl << 13) |
      (1 << 12) | // S: code/data
      (type << 8) |
      ((base >>> 16) & 0xff)) >>>
    0;
  return [lo, hi];
}
/** A 32-bit call gate to `sel`:`offset` with DPL `dpl`. */
function gate(sel: number, offset: number, dpl: number, type = 0xc): [number, number] {
  const lo = ((sel << 16) | (offset & 0xffff)) >>> 0;
  const hi = ((offset & 0xffff0000) | (1 << 15) | (dpl << 13) | (type << 8)) >>> 0;
  return [lo, hi];
}
const CODE = 0xa; // execute/read
const DATA = 0x2; // read/write
const DATA_DOWN = 0x6; // read/write, expand-down
const ok = (d: [number, number], layout: PagingLayoutName = '2level') => checkDescriptor(d[0], d[1], layout);

describe('checkDescriptor', () => {
  for (const layout of ['2level', 'pae'] as const) {
    const ceiling = layout === 'pae' ? 0xf6800000 : 0xfc400000;
    describe(layout, () => {
      it('accepts not-present descriptors unchanged, and fixes DPL 0 to DPL 1', () => {
        expect(checkDescriptor(0xffffffff, 0xffff7fff, layout)).toEqual({ rc: 0, lo: 0xffffffff, hi: 0xffff7fff });
        const d0 = seg(0, 0x1000, CODE, 0);
        const r = ok(d0, layout);
        expect(r.rc).toBe(0);
        expect((r.hi >>> 13) & 3).toBe(1);
        expect(ok(seg(0, 0x1000, DATA, 3), layout)).toEqual({ rc: 0, lo: seg(0, 0x1000, DATA, 3)[0], hi: seg(0, 0x1000, DATA, 3)[1] });
      });

      it('truncates a flat expand-up segment to end at the guest ceiling (the read-only M2P end)', () => {
        const r = ok(seg(0, 0xfffff, DATA, 1), layout);
        expect(r.rc).toBe(0);
        const limit = (r.hi & 0xf0000) | (r.lo & 0xffff);
        expect((limit + 1) * 4096).toBe(ceiling);
        // an unaligned base: the new end stays at or below the ceiling
        const r2 = ok(seg(0x1234, 0xfffff, CODE, 1), layout);
        const l2 = (r2.hi & 0xf0000) | (r2.lo & 0xffff);
        expect(0x1234 + (l2 + 1) * 4096).toBeLessThanOrEqual(ceiling);
        expect(0x1234 + (l2 + 2) * 4096).toBeGreaterThan(ceiling);
        // within bounds: unchanged
        const small = seg(0x100000, 0x100, DATA, 1);
        expect(ok(small, layout)).toEqual({ rc: 0, lo: small[0], hi: small[1] });
      });

      it('refuses a base in the hole, byte-granular overflow, the L bit, and expand-down over the hole', () => {
        expect(ok(seg(ceiling - 4096, 0, DATA, 1), layout).rc).toBe(-XenErrno.EINVAL);
        expect(ok(seg(0xff000000, 0, DATA, 1), layout).rc).toBe(-XenErrno.EINVAL);
        expect(ok(seg(ceiling - 0x8000, 0xffff, DATA, 1, false), layout).rc).toBe(-XenErrno.EINVAL);
        const [lo, hi] = seg(0, 0xfffff, CODE, 1);
        expect(checkDescriptor(lo, hi | (1 << 21), layout).rc).toBe(-XenErrno.EINVAL);
        // expand-down with base 0: offsets limit..4G-1 run through the hole
        expect(ok(seg(0, 0x10, DATA_DOWN, 1), layout).rc).toBe(-XenErrno.EINVAL);
        // expand-down whose range wraps to end below its base: fine
        const down = seg(0x80000000, 0x80000, DATA_DOWN, 1);
        expect(ok(down, layout)).toEqual({ rc: 0, lo: down[0], hi: down[1] });
      });

      it('allows only 32-bit call gates to guest code; refuses TSS, LDT, task, interrupt and trap gates', () => {
        expect(ok(gate(0xe019, 0x1000, 3), layout).rc).toBe(0); // FLAT_RING1_CS
        expect(ok(gate(0x0011, 0x1000, 3), layout).rc).toBe(0); // GDT entry 2, RPL 1
        expect(ok(gate(0x000f, 0x1000, 3), layout).rc).toBe(0); // LDT selector
        expect((ok(gate(0x0011, 0, 0), layout).hi >>> 13) & 3).toBe(1); // DPL 0 -> 1
        expect(ok(gate(0x0010, 0x1000, 3), layout).rc).toBe(-XenErrno.EINVAL); // RPL 0
        expect(ok(gate(0x0001, 0x1000, 3), layout).rc).toBe(-XenErrno.EINVAL); // null selector
        expect(ok(gate(0xe009, 0x1000, 3), layout).rc).toBe(-XenErrno.EINVAL); // Xen's reserved GDT entry
        const [glo, ghi] = gate(0x0011, 0x1000, 3);
        expect(checkDescriptor(glo, ghi | 0x20, layout).rc).toBe(-XenErrno.EINVAL); // reserved bits
        for (const type of [0x1, 0x2, 0x3, 0x4, 0x5, 0x9, 0xb, 0xe, 0xf]) {
          expect(ok(gate(0x0011, 0, 1, type), layout).rc).toBe(-XenErrno.EINVAL);
        }
        const empty = gate(0, 0, 0, 0); // present type 0: harmless, unchanged
        expect(ok(empty, layout)).toEqual({ rc: 0, lo: empty[0], hi: empty[1] });
      });
    });
  }
});

function writeDesc(mem: { write32(m: number, i: number, v: number): void }, mfn: number, i: number, d: [number, number]): void {
  mem.write32(mfn, 2 * i, d[0]);
  mem.write32(mfn, 2 * i + 1, d[1]);
}

describe('setGdt', () => {
  for (const layout of ['2level', 'pae'] as const) {
    it(`validates, types and fixes up GDT frames, releasing the old ones (${layout})`, () => {
      const { mmu, mem } = machine(undefined, { layout });
      writeDesc(mem, 3, 1, seg(0, 0xfffff, CODE, 0));
      expect(setGdt(mmu, DOM1, 0, [3, 4], 513)).toBe(0);
      expect([mmu.ft.type(3), mmu.ft.type(4), mmu.ft.refCount(3), mmu.ft.typeCount(4)]).toEqual([
        PageType.SegDesc,
        PageType.SegDesc,
        1,
        1,
      ]);
      expect((mem.read32(3, 3) >>> 13) & 3).toBe(1); // DPL fixed up in place
      expect(checkInvariants(mmu)).toEqual([]);
      // a GDT frame can never be mapped writable
      expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
      const upd = (val: number) =>
        layout === 'pae'
          ? mmuUpdate(mmu, DOM1, [{ ptr: BigInt(10 * 4096), val: BigInt(val) }]).rc
          : mmuUpdate(mmu, DOM1, [ptUpdate(10, 0, val)]).rc;
      expect(upd(pte(3, RW))).toBe(-XenErrno.EBUSY);
      expect(upd(pte(3))).toBe(0);
      // vCPU 1 can share frame 4; replacing vCPU 0's GDT drops its references
      expect(setGdt(mmu, DOM1, 1, [4], 10)).toBe(0);
      expect(setGdt(mmu, DOM1, 0, [5], 1)).toBe(0);
      expect([mmu.ft.typeCount(3), mmu.ft.typeCount(4), mmu.ft.typeCount(5)]).toEqual([0, 1, 1]);
      expect(mmu.ft.refCount(3)).toBe(1); // the read-only mapping
      expect(checkInvariants(mmu)).toEqual([]);
      destroyGdt(mmu, DOM1, 1);
      expect(mmu.ft.typeCount(4)).toBe(0);
    });
  }

  it('refuses too many entries, missing frames, foreign, writable-mapped and invalid frames, all or nothing', () => {
    const { mmu, mem } = machine();
    expect(setGdt(mmu, DOM1, 0, [1], 7168)).toBe(-XenErrno.EINVAL); // needs 14 frames
    expect(setGdt(mmu, DOM1, 0, Array.from({ length: 15 }, (_, i) => i), 7169)).toBe(-XenErrno.EINVAL);
    expect(setGdt(mmu, DOM1, 0, Array.from({ length: 14 }, (_, i) => i), 7168)).toBe(0);
    expect(setGdt(mmu, DOM1, 0, [2, 40], 600)).toBe(-XenErrno.EINVAL); // dom 2's frame
    expect(setGdt(mmu, DOM1, 0, [2, 99], 600)).toBe(-XenErrno.EINVAL);
    writeDesc(mem, 20, 7, gate(0x0011, 0, 1, 0x9)); // a TSS descriptor
    expect(setGdt(mmu, DOM1, 0, [20], 8)).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 30 }]).rc).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(30, 0, pte(21, RW))]).rc).toBe(0);
    expect(setGdt(mmu, DOM1, 0, [21], 8)).toBe(-XenErrno.EINVAL); // mapped writable
    expect(setGdt(mmu, DOM1, 0, [30], 8)).toBe(-XenErrno.EINVAL); // a page table
    // the old 14-frame GDT is still installed, untouched
    expect(mmu.gdt.get(DOM1)?.frames.length).toBe(14);
    expect(mmu.ft.typeCount(2)).toBe(1);
    expect(setGdt(mmu, DOM1, 0, [], 0)).toBe(0); // empty GDT
    expect(mmu.gdt.get(DOM1)).toBeUndefined();
    expect(setGdt(mmu, DOM1, -1, [], 0)).toBe(-XenErrno.EINVAL);
    expect(checkInvariants(mmu)).toEqual([]);
    for (let m = 0; m < 14; m++) expect(mmu.ft.typeCount(m)).toBe(0);
  });
});

describe('updateDescriptor', () => {
  it('writes checked, fixed-up descriptors into GDT pages and plain pages, never into page tables', () => {
    const { mmu, mem } = machine();
    expect(setGdt(mmu, DOM1, 0, [3], 512)).toBe(0);
    const d = seg(0, 0xfffff, DATA, 0);
    expect(updateDescriptor(mmu, DOM1, 3 * 4096 + 16, 0, d[0], d[1])).toBe(0);
    const r = checkDescriptor(d[0], d[1], '2level');
    expect([mem.read32(3, 4), mem.read32(3, 5)]).toEqual([r.lo, r.hi]);
    expect(mmu.ft.typeCount(3)).toBe(1);
    expect(updateDescriptor(mmu, DOM1, 5 * 4096 + 8, 0, d[0], d[1])).toBe(0); // a plain page
    expect(mmu.ft.typeCount(5)).toBe(0);
    const tss = gate(0x11, 0, 1, 0x9);
    expect(updateDescriptor(mmu, DOM1, 3 * 4096, 0, tss[0], tss[1])).toBe(-XenErrno.EINVAL);
    expect(updateDescriptor(mmu, DOM1, 5 * 4096, 0, tss[0], tss[1])).toBe(-XenErrno.EINVAL);
    expect(updateDescriptor(mmu, DOM1, 3 * 4096 + 4, 0, d[0], d[1])).toBe(-XenErrno.EINVAL); // misaligned
    expect(updateDescriptor(mmu, DOM1, 40 * 4096, 0, d[0], d[1])).toBe(-XenErrno.EINVAL); // dom 2's
    expect(updateDescriptor(mmu, DOM1, 0, 1, d[0], d[1])).toBe(-XenErrno.EINVAL); // beyond memory
    expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
    // a page table is never written this way, not even with a harmless (not-present) descriptor
    expect(updateDescriptor(mmu, DOM1, 10 * 4096, 0, pte(12, RW), 0)).toBe(-XenErrno.EINVAL);
    expect(updateDescriptor(mmu, DOM1, 10 * 4096, 0, d[0], d[1])).toBe(-XenErrno.EINVAL);
    expect(mem.read32(10, 0)).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });
});

describe('MMUEXT_SET_LDT and lazily mapped LDT frames', () => {
  for (const layout of ['2level', 'pae'] as const) {
    it(`checks alignment, size and the hole; reports changes; frames hold SegDesc refs (${layout})`, () => {
      const { mmu } = machine(undefined, { layout });
      const hole = layout === 'pae' ? 0xf5800000 : 0xfc000000;
      const ldt = (va: number, ents: number, vcpu = 0) =>
        mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_SET_LDT, arg1: va, arg2: ents }], { vcpu });
      expect(ldt(0x10001000, 8192).rc).toBe(0);
      expect(ldt(0x10001000, 8192).actions.setLdt).toBeUndefined(); // unchanged: nothing to do
      expect(ldt(0x10001800, 16).rc).toBe(-XenErrno.EINVAL);
      expect(ldt(0x10000000, 8193).rc).toBe(-XenErrno.EINVAL);
      expect(ldt(hole, 1).rc).toBe(-XenErrno.EINVAL);
      expect(ldt(hole - 4096, 513).rc).toBe(-XenErrno.EINVAL); // runs into the hole
      expect(ldt(hole - 4096, 512).rc).toBe(0);
      expect(mapLdtFrame(mmu, DOM1, 0, 40)).toBe(-XenErrno.EINVAL); // dom 2's frame
      expect(mapLdtFrame(mmu, DOM1, 0, 64)).toBe(-XenErrno.EINVAL); // past RAM
      expect(mmu.ft.refCount(40)).toBe(0);
      expect(mapLdtFrame(mmu, DOM1, 0, 7)).toBe(0);
      expect(mapLdtFrame(mmu, DOM1, 0, 8)).toBe(-XenErrno.EINVAL); // one page of entries only
      expect(mapLdtFrame(mmu, DOM1, 1, 8)).toBe(-XenErrno.EINVAL); // vCPU 1 has no LDT
      expect([mmu.ft.type(7), mmu.ft.typeCount(7)]).toEqual([PageType.SegDesc, 1]);
      expect(checkInvariants(mmu)).toEqual([]);
      const r = ldt(0x20000000, 16);
      expect(r.actions).toEqual({ flushTlb: true, invlpg: [], setLdt: { va: 0x20000000, ents: 16 } });
      expect(mmu.ft.typeCount(7)).toBe(0);
      expect(ldt(0x12345678, 0).actions.setLdt).toEqual({ va: 0, ents: 0 }); // no LDT: address ignored
      expect(mmu.ldt.size).toBe(0);
      expect(mmuextOp(mmu, DOM2, [{ cmd: MmuextCmd.MMUEXT_SET_LDT, arg1: 0, arg2: 1 }], { foreigndom: DOM1 }).rc).toBe(
        -XenErrno.EPERM,
      );
      expect(checkInvariants(mmu)).toEqual([]);
    });
  }
});
