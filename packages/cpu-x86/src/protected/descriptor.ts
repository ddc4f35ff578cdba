/**
 * Segment descriptors: reading them from the GDT/LDT and decoding the fields
 * (Intel SDM Vol. 3A 3.4.5). A read leaves the two dwords in `desc` so that the
 * hot paths do not allocate.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { VEC_GP } = $constants;

/** The last descriptor read: [low dword, high dword, linear address]. */
export const desc = new Int32Array(3);

/**
 * Reads the descriptor for `selector` into `desc`. Raises `vector`(selector
 * with RPL cleared) when it lies beyond the table limit (or the LDT is null).
 */
export function readDescriptor(c: Cpu, selector: number, vector = VEC_GP): void {
  const index = selector & 0xfff8;
  let base: number;
  let limit: number;
  if ((selector & 4) !== 0) {
    if ((c.ldtrSel & 0xfffc) === 0) c.fault(vector, selector & 0xfffc);
    base = c.ldtrBase;
    limit = c.ldtrLimit;
  } else {
    base = c.gdtrBase;
    limit = c.gdtrLimit;
  }
  if (index + 7 > limit >>> 0) c.fault(vector, selector & 0xfffc);
  const lin = (base + index) | 0;
  desc[0] = c.sysRead32(lin);
  desc[1] = c.sysRead32((lin + 4) | 0);
  desc[2] = lin;
}

/** Sets the accessed bit of the descriptor last read (Intel SDM: loads of data/code segments set it). */
export function markAccessed(c: Cpu): void {
  if ((desc[1] & 0x100) === 0) {
    desc[1] |= 0x100;
    c.sysWrite8((desc[2] + 5) | 0, (desc[1] >>> 8) & 0xff);
  }
}

export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
}

/** The limit in bytes, after applying granularity. */
export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/** Access byte plus G/DB/L/AVL in bits 12-15, the layout of `Cpu.segAttr`. */
export function descAttr(hi: number): number {
  return (hi >>> 8) & 0xf0ff;
}

export function descDpl(hi: number): number {
  return (hi >>> 13) & 3;
}

export function descPresent(hi: number): boolean {
  return (hi & 0x8000) !== 0;
}

/** S bit: code/data (true) or system (false). */
export function descIsCodeOrData(hi: number): boolean {
  return (hi & 0x1000) !== 0;
}

export function descType(hi: number): number {
  return (hi >>> 8) & 0xf;
}
