// Seeded random operations; the invariants are rechecked from scratch after every step.
import { MmuextCmd } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { PageType, checkInvariants, isPageTableType, mmuUpdate, mmuextOp } from './index.js';
import { DOM1, DOM2, FRAMES, machine, pte, ptUpdate } from '../test/helpers.js';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('random operation sequences', () => {
  for (const seed of [1, 2, 3, 0xc0ffee]) {
    it(`keeps every invariant (seed ${seed})`, () => {
      const rnd = prng(seed);
      const int = (n: number) => Math.floor(rnd() * n);
      const { mmu, mem } = machine();
      const ft = mmu.ft;
      const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
      const randomEntry = () => {
        if (rnd() < 0.15) return 0;
        const flags = pick([0, 2, 4, 6, 0x20, 0x80, 0x100]);
        return pte(rnd() < 0.9 ? int(24) : int(FRAMES + 4), flags);
      };
      const slot = () => (rnd() < 0.8 ? int(4) : pick([int(1024), 1007, 1008, 1023]));
      let ok = 0;
      const codes = new Set<number>();
      let sawL2WithL1 = false;
      let sawWritable = false;
      for (let step = 0; step < 3000; step++) {
        const dom = rnd() < 0.95 ? DOM1 : DOM2;
        const mfn = int(24);
        const r = int(10);
        let rc = 0;
        if (r < 2) {
          // a guest write through its own writable mapping: only to frames that are not page tables
          if (!isPageTableType(ft.type(mfn)) && ft.type(mfn) !== PageType.SegDesc) mem.write32(mfn, slot(), randomEntry());
        } else if (r < 6) {
          rc = mmuUpdate(mmu, dom, [ptUpdate(mfn, slot(), randomEntry()), ptUpdate(int(24), slot(), randomEntry())]).rc;
        } else if (r < 8) {
          rc = mmuextOp(mmu, dom, [{ cmd: pick([MmuextCmd.MMUEXT_PIN_L1_TABLE, MmuextCmd.MMUEXT_PIN_L2_TABLE]), arg1: mfn }]).rc;
        } else if (r < 9) {
          rc = mmuextOp(mmu, dom, [{ cmd: MmuextCmd.MMUEXT_UNPIN_TABLE, arg1: mfn }]).rc;
        } else {
          rc = mmuextOp(mmu, dom, [{ cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: mfn }]).rc;
        }
        if (rc === 0) ok++;
        else codes.add(rc);
        for (let m = 0; m < FRAMES; m++) {
          if (ft.type(m) === PageType.Writable) sawWritable = true;
          if (ft.type(m) === PageType.L2 && ft.refCount(m) > 0) for (let i = 0; i < 4; i++) if (mem.read32(m, i) & 1) sawL2WithL1 = true;
        }
        const errs = checkInvariants(mmu);
        if (errs.length) throw new Error(`step ${step}: ${errs.slice(0, 5).join('; ')}`);
        for (let m = 0; m < FRAMES; m++) {
          if (ft.typeCount(m) > 0 && ft.owner(m) !== DOM1) throw new Error(`step ${step}: dom 2 frame ${m} typed`);
        }
      }
      expect(ok).toBeGreaterThan(300);
      expect([...codes].sort((a, b) => a - b)).toEqual([-22, -1]);
      expect(sawL2WithL1 && sawWritable).toBe(true);
      // tear down: unpin everything and drop the base pointer; nothing may stay referenced
      for (let m = 0; m < FRAMES; m++) if (ft.isPinned(m)) expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_UNPIN_TABLE, arg1: m }]).rc).toBe(0);
      const base = mmu.baseptr.get(DOM1);
      if (base !== undefined) {
        mmu.baseptr.delete(DOM1);
        ft.putPageAndType(base);
      }
      expect(checkInvariants(mmu)).toEqual([]);
      for (let m = 0; m < FRAMES; m++) expect([m, ft.refCount(m), ft.typeCount(m)]).toEqual([m, 0, 0]);
    });
  }
});
