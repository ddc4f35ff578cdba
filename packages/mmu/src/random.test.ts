// Seeded random operation sequences on both layouts; the invariants are rechecked from scratch after
// every step, nothing may throw, and a final teardown must leave every frame unreferenced.
import { MmuCmd, MmuextCmd, Uvmf, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import {
  PageType,
  checkInvariants,
  findL1Slot,
  isPageTableType,
  mapLdtFrame,
  mmuUpdate,
  mmuextOp,
  relinquishDomain,
  setGdt,
  updateDescriptor,
  updateVaMapping,
  type MmuUpdateReq,
} from './index.js';
import { DOM0, DOM1, DOM2, FRAMES, machine } from '../test/helpers.js';

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

const STEPS = 2500;

describe('random operation sequences', () => {
  for (const layout of ['2level', 'pae'] as const) {
    for (const seed of [1, 2, 3, 0xc0ffee]) {
      it(`keeps every invariant (${layout}, seed ${seed})`, () => {
        const pae = layout === 'pae';
        const rnd = prng(seed);
        const int = (n: number) => Math.floor(rnd() * n);
        const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
        const { mmu, mem } = machine(undefined, {
          layout,
          xenSlots: { fill: (_d, m) => mem.write32(m, 1023, 0xdeadbeef) },
        });
        for (let f = 48; f < 56; f++) mmu.ft.assign(f, DOM0);
        const ft = mmu.ft;
        const dom1Frame = () => int(24);
        // Roles make valid hierarchies likely: data 0..7, L1s 8..13, L2s 14..17 (PAE: 16..17 for L3
        // slot 3), L3s 18..19 (PAE), descriptor pages and anything else 20..23.
        const range = (a: number, b: number) => a + int(b - a + 1);
        const targetFor = (table: number, index: number): number => {
          if (rnd() < 0.1) return rnd() < 0.8 ? dom1Frame() : int(FRAMES + 4);
          if (table >= 18 && table <= 19 && pae) return index === 3 ? range(16, 17) : range(14, 15);
          if (table >= 14 && table <= 17) return range(8, 13);
          return range(0, 13);
        };
        const entry = (table = dom1Frame(), index = 0): [number, number] => {
          if (rnd() < 0.08) return [int(0x1000) & ~1, rnd() < 0.5 ? 0 : int(0x100)];
          const pdpte = pae && table >= 18 && table <= 19 && rnd() < 0.9;
          const bad = rnd() < 0.08;
          let flags = pdpte ? pick([0, 0x8, 0x10]) : pick([0, 2, 4, 6, 0x8, 0x20, 0x60, 0x2 | 0x20 | 0x40]);
          if (bad) flags |= pick([0x2, 0x80, 0x100, 0x40]);
          const to = targetFor(table, index);
          // mostly map the would-be tables read-only, as a real guest does
          if (to >= 8 && !bad && rnd() < 0.9) flags &= ~2;
          const hi = !pae || rnd() < 0.9 ? 0 : pick([0x80000000, 0x80000000, 0x10, 0x1, 0x40000000]);
          return [((to << 12) | flags | 1) >>> 0, hi];
        };
        const entries = pae ? 512 : 1024;
        const slot = () => (rnd() < 0.8 ? int(4) : pick([int(entries), entries - 1, pae ? 427 : 1007, pae ? 428 : 1008]));
        const req = (mfn: number): MmuUpdateReq => {
          const i = ft.type(mfn) === PageType.L3 && rnd() < 0.8 ? int(3) : slot();
          const [lo, hi] = entry(mfn, i);
          const cmd = rnd() < 0.9 ? MmuCmd.MMU_NORMAL_PT_UPDATE : MmuCmd.MMU_PT_UPDATE_PRESERVE_AD;
          const ptr = BigInt(mfn * 4096 + i * (pae ? 8 : 4) + cmd);
          return { ptr, val: pae ? (BigInt(hi) << 32n) | BigInt(lo) : BigInt(lo) };
        };
        const descriptor = (): [number, number] => {
          const base = pick([0, 0x10000000, 0xf0000000, 0xfc000000]);
          const lo = ((base & 0xffff) << 16) | int(0x10000);
          const hi = (base & 0xff000000) | ((base >>> 16) & 0xff) | (int(0x10) << 16) | (int(2) << 23) | (int(2) << 15) | (int(4) << 13) | (int(2) << 12) | (int(16) << 8);
          return [lo >>> 0, hi >>> 0];
        };
        const va = (dom: number, vcpu: number) => {
          if (rnd() < 0.05) return mmu.layout.hypervisorVirtStart + int(0x1000) * 4096;
          if (rnd() < 0.6) {
            // aim at an address the current tables do map
            const mapped: number[] = [];
            for (let i = 0; i < 16; i++) {
              const v = pae ? (((i >> 2) << 30) | ((i & 3) << 21) | (int(4) << 12)) >>> 0 : (((i & 3) << 22) | (int(4) << 12)) >>> 0;
              if (typeof findL1Slot(mmu, dom, vcpu, v) !== 'number') mapped.push(v);
            }
            if (mapped.length > 0) return pick(mapped);
          }
          return pae ? ((int(4) << 30) | (int(4) << 21) | (int(4) << 12)) >>> 0 : ((int(4) << 22) | (int(4) << 12)) >>> 0;
        };
        let ok = 0;
        const codes = new Set<number>();
        const seen = { l3Update: !pae, l2WithL1: false, writable: false, top: false, gdt: false, uva: false, teardown: 0, foreign: false };
        for (let step = 0; step < STEPS; step++) {
          const dom = rnd() < 0.95 ? DOM1 : DOM2;
          const mfn = dom1Frame();
          const vcpu = int(3);
          const r = int(106);
          let rc = 0;
          if (r < 15) {
            // a guest write through its own writable mapping: only to frames that are not typed otherwise
            if (!isPageTableType(ft.type(mfn)) && ft.type(mfn) !== PageType.SegDesc) {
              const i = slot();
              const [lo, hi] = entry(mfn, i);
              if (pae) {
                mem.write32(mfn, 2 * i, lo);
                mem.write32(mfn, 2 * i + 1, hi);
              } else mem.write32(mfn, i, lo);
            }
          } else if (r < 40) {
            // half the time aim at live page tables, so updates replace present entries
            const live: number[] = [];
            for (let m = 0; m < 24; m++) if (isPageTableType(ft.type(m))) live.push(m);
            const target = live.length > 0 && rnd() < 0.5 ? pick(live) : mfn;
            rc = mmuUpdate(mmu, dom, [req(target), req(dom1Frame())]).rc;
            if (rc === 0 && ft.type(target) === PageType.L3) seen.l3Update = true;
          } else if (r < 55) {
            const cmds = pae
              ? [MmuextCmd.MMUEXT_PIN_L1_TABLE, MmuextCmd.MMUEXT_PIN_L2_TABLE, MmuextCmd.MMUEXT_PIN_L3_TABLE, MmuextCmd.MMUEXT_PIN_L3_TABLE]
              : [MmuextCmd.MMUEXT_PIN_L1_TABLE, MmuextCmd.MMUEXT_PIN_L2_TABLE, MmuextCmd.MMUEXT_PIN_L2_TABLE, MmuextCmd.MMUEXT_PIN_L3_TABLE];
            rc = mmuextOp(mmu, dom, [{ cmd: pick(cmds), arg1: mfn }]).rc;
          } else if (r < 62) {
            rc = mmuextOp(mmu, dom, [{ cmd: MmuextCmd.MMUEXT_UNPIN_TABLE, arg1: mfn }]).rc;
          } else if (r < 70) {
            rc = mmuextOp(mmu, dom, [{ cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: mfn }], { vcpu }).rc;
          } else if (r < 75) {
            const n = int(3);
            rc = setGdt(mmu, dom, vcpu, Array.from({ length: n }, dom1Frame), n === 0 ? 0 : (n - 1) * 512 + 1 + int(512));
            if (rc === 0 && n > 0) seen.gdt = true;
          } else if (r < 80) {
            const [lo, hi] = descriptor();
            rc = updateDescriptor(mmu, dom, mfn * 4096 + int(512) * 8, 0, lo, hi);
          } else if (r < 83) {
            const res = mmuextOp(mmu, dom, [{ cmd: MmuextCmd.MMUEXT_SET_LDT, arg1: int(16) * 4096, arg2: int(1200) }], { vcpu });
            rc = res.rc;
            if (rc === 0) rc = mapLdtFrame(mmu, dom, vcpu, mfn) === 0 ? 0 : 0; // may legitimately fail; must not break counts
          } else if (r < 93) {
            const [lo, hi] = entry();
            const res = updateVaMapping(mmu, dom, vcpu, va(dom, vcpu), lo, hi, pick([Uvmf.UVMF_NONE, Uvmf.UVMF_INVLPG, Uvmf.UVMF_TLB_FLUSH | Uvmf.UVMF_ALL]));
            rc = res.rc;
            if (rc === 0) seen.uva = true;
          } else if (r < 96) {
            // dom 0, privileged, maps dom 1's frames through its own L1 50
            if (!ft.isPinned(50)) mmuextOp(mmu, DOM0, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 50 }]);
            const [lo, hi] = entry();
            const ptr = BigInt(50 * 4096 + int(8) * (pae ? 8 : 4));
            rc = mmuUpdate(mmu, DOM0, [{ ptr, val: pae ? (BigInt(hi) << 32n) | BigInt(lo) : BigInt(lo) }], DOM1).rc;
            if (rc === 0 && lo & 1) seen.foreign = true;
          } else if (r < 98) {
            const cmd = pick([MmuextCmd.MMUEXT_CLEAR_PAGE, MmuextCmd.MMUEXT_COPY_PAGE]);
            rc = mmuextOp(mmu, dom, [{ cmd, arg1: mfn, arg2: dom1Frame() }]).rc;
          } else if (r < 99) {
            // teardown of dom 1 and a fresh start with whatever was freed
            for (const f of relinquishDomain(mmu, DOM1)) expect(ft.assign(f, DOM1)).toBe(0);
            seen.teardown++;
          } else {
            // a well-behaved guest: build a small hierarchy in untyped frames, then switch to it
            const put = (m: number, i: number, lo: number) => {
              if (ft.typeCount(m) > 0) return;
              if (pae) {
                mem.write32(m, 2 * i, lo);
                mem.write32(m, 2 * i + 1, 0);
              } else mem.write32(m, i, lo);
            };
            const clear = (m: number) => {
              if (ft.typeCount(m) === 0) for (let i = 0; i < 1024; i++) mem.write32(m, i, 0);
            };
            const l1 = range(8, 13);
            clear(l1);
            for (let i = 0; i < 4; i++) put(l1, i, ((range(0, 7) << 12) | pick([1, 3, 7])) >>> 0);
            const l2 = pae ? range(14, 15) : range(14, 17);
            clear(l2);
            put(l2, int(4), ((l1 << 12) | 7) >>> 0);
            let top = l2;
            if (pae) {
              top = range(18, 19);
              const xl2 = range(16, 17);
              clear(xl2);
              clear(top);
              put(top, 3, ((xl2 << 12) | 1) >>> 0);
              put(top, int(3), ((l2 << 12) | 1) >>> 0);
            }
            const pinTop = { cmd: pae ? MmuextCmd.MMUEXT_PIN_L3_TABLE : MmuextCmd.MMUEXT_PIN_L2_TABLE, arg1: top };
            if (!ft.isPinned(top) && rnd() < 0.5) mmuextOp(mmu, DOM1, [pinTop]);
            rc = mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: top }], { vcpu }).rc;
          }
          if (rc === 0) ok++;
          else codes.add(rc);
          for (let m = 0; m < FRAMES; m++) {
            if (ft.type(m) === PageType.Writable) seen.writable = true;
            if (ft.type(m) === mmu.topLevelType && ft.refCount(m) > 0) seen.top = true;
            if (ft.type(m) === PageType.L2) {
              for (let i = 0; i < 4; i++) if (mmu.validator.entryLo(m, i) & 1) seen.l2WithL1 = true;
            }
          }
          const errs = checkInvariants(mmu);
          if (errs.length) throw new Error(`step ${step}: ${errs.slice(0, 5).join('; ')}`);
        }
        expect(ok).toBeGreaterThan(STEPS / 5);
        // Failures are Xen's codes for these cases, and each of them occurs: -EINVAL (bad entries, type
        // conflicts, frames not owned), -EPERM (Xen's L2 slots, frames past RAM), -EBUSY (L1 entries
        // naming another domain's frame).
        const expected = [-XenErrno.EINVAL, -XenErrno.EBUSY, -XenErrno.EPERM];
        expect([...codes].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
        expect(seen).toMatchObject({ l3Update: true, l2WithL1: true, writable: true, top: true, gdt: true, uva: true, foreign: true });
        expect(seen.teardown).toBeGreaterThan(0);
        // final teardown of everyone: nothing may stay referenced
        relinquishDomain(mmu, DOM1);
        relinquishDomain(mmu, DOM2);
        relinquishDomain(mmu, DOM0);
        relinquishDomain(mmu, DOM1);
        expect(checkInvariants(mmu)).toEqual([]);
        for (let m = 0; m < FRAMES; m++) expect([m, ft.refCount(m), ft.typeCount(m), ft.isPinned(m)]).toEqual([m, 0, 0, false]);
      });
    }
  }
});
