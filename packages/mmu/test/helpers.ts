// Shared test fixtures: a 64-frame machine, dom 1 owns 0..31, dom 2 owns 32..47, 48..63 unowned.
import {
  ArrayMachineMemory,
  Mmu,
  type GrantCheck,
  type HypervisorSlotFiller,
  type MmuUpdateReq,
  type PagingLayoutName,
} from '../src/index.js';

export const DOM0 = 0;
export const DOM1 = 1;
export const DOM2 = 2;
export const FRAMES = 64;

export interface MachineOptions {
  layout?: PagingLayoutName;
  xenSlots?: HypervisorSlotFiller;
  /** Domains that are privileged (default: dom 0 only, which owns 48..55 when given). */
  privileged?: number[];
}

export function machine(grants?: GrantCheck, opts: MachineOptions = {}): { mmu: Mmu; mem: ArrayMachineMemory } {
  const mem = new ArrayMachineMemory(FRAMES);
  const privileged = opts.privileged ?? [DOM0];
  const mmu = new Mmu({
    frames: FRAMES,
    memory: mem,
    grants,
    layout: opts.layout,
    xenSlots: opts.xenSlots,
    isPrivileged: (d) => privileged.includes(d),
  });
  for (let m = 0; m < 32; m++) mmu.ft.assign(m, DOM1);
  for (let m = 32; m < 48; m++) mmu.ft.assign(m, DOM2);
  return { mmu, mem };
}

/** A PTE mapping `mfn` with `flags` (present added). */
export function pte(mfn: number, flags = 0): number {
  return ((mfn << 12) | flags | 1) >>> 0;
}
export const RW = 2;

/** MMU_NORMAL_PT_UPDATE of entry `index` of table `mfn` (2-level: 4-byte entries). */
export function ptUpdate(mfn: number, index: number, val: number): MmuUpdateReq {
  return { ptr: BigInt(mfn * 4096 + index * 4), val: BigInt(val >>> 0) };
}

/** PAE: MMU_NORMAL_PT_UPDATE (or `cmd`) of 8-byte entry `index` of table `mfn`, value hi:lo. */
export function paeUpdate(mfn: number, index: number, lo: number, hi = 0, cmd = 0): MmuUpdateReq {
  return { ptr: BigInt(mfn * 4096 + index * 8 + cmd), val: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) };
}

/** PAE: write entry `index` of frame `mfn` directly (a guest building tables before pinning). */
export function paeWrite(mem: ArrayMachineMemory, mfn: number, index: number, lo: number, hi = 0): void {
  mem.write32(mfn, index * 2, lo);
  mem.write32(mfn, index * 2 + 1, hi);
}

/**
 * PAE: build a minimal valid hierarchy in dom 1's frames: L3 `l3` with slot 3 -> L2 `xl2` (Xen's)
 * and slot 0 -> L2 `l2`, which maps L1 `l1` at index 0. Nothing is validated yet.
 */
export function paeTables(mem: ArrayMachineMemory, t = { l3: 20, l2: 21, xl2: 22, l1: 11 }): typeof t {
  paeWrite(mem, t.l3, 0, pte(t.l2));
  paeWrite(mem, t.l3, 3, pte(t.xl2));
  paeWrite(mem, t.l2, 0, pte(t.l1));
  return t;
}
