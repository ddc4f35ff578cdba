// Shared test fixtures: a 64-frame machine, dom 1 owns 0..31, dom 2 owns 32..47, 48..63 unowned.
import { ArrayMachineMemory, Mmu, type GrantCheck, type MmuUpdateReq } from '../src/index.js';

export const DOM1 = 1;
export const DOM2 = 2;
export const FRAMES = 64;

export function machine(grants?: GrantCheck): { mmu: Mmu; mem: ArrayMachineMemory } {
  const mem = new ArrayMachineMemory(FRAMES);
  const mmu = new Mmu({ frames: FRAMES, memory: mem, grants });
  for (let m = 0; m < 32; m++) mmu.ft.assign(m, DOM1);
  for (let m = 32; m < 48; m++) mmu.ft.assign(m, DOM2);
  return { mmu, mem };
}

/** A PTE mapping `mfn` with `flags` (present added). */
export function pte(mfn: number, flags = 0): number {
  return ((mfn << 12) | flags | 1) >>> 0;
}
export const RW = 2;

/** MMU_NORMAL_PT_UPDATE of entry `index` of table `mfn`. */
export function ptUpdate(mfn: number, index: number, val: number): MmuUpdateReq {
  return { ptr: BigInt(mfn * 4096 + index * 4), val: BigInt(val >>> 0) };
}
