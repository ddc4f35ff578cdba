/**
 * Register-file representation of 80-bit extended values.
 *
 * Intel SDM Vol.1 4.2.2 / Figure 4-3: double extended precision is
 * sign(1) | biased exponent(15) | significand(64) with an explicit integer
 * bit (bit 63). One value ("slot") occupies F80_STRIDE uint32 words of a
 * Uint32Array:
 *   [slot*4 + 0] significand bits 31..0   (lo)
 *   [slot*4 + 1] significand bits 63..32  (hi, bit 31 = integer bit)
 *   [slot*4 + 2] sign << 15 | biased exponent  ("se", bytes 8..9 of memory form)
 *   [slot*4 + 3] unused (free for the caller, e.g. a tag)
 * Operations take the array plus slot numbers and write results into a
 * destination slot, so an 8-register stack plus a few scratch slots lives in
 * one typed array with no per-operation allocation.
 */

export const F80_STRIDE = 4;
export const F80_LO = 0;
export const F80_HI = 1;
export const F80_SE = 2;

export type F80File = Uint32Array;

/** Allocate a file with `slots` values (all +0.0). */
export function createF80File(slots: number): F80File {
  return new Uint32Array(slots * F80_STRIDE);
}

/** Write a raw encoding into a slot. */
export function setF80(f: F80File, slot: number, se: number, hi: number, lo: number): void {
  const o = slot << 2;
  f[o] = lo;
  f[o + 1] = hi;
  f[o + 2] = se & 0xffff;
}

/** Write +-0 (`sign` 0 or 1). */
export function setSignedZero(f: F80File, slot: number, sign: number): void {
  setF80(f, slot, sign << 15, 0, 0);
}

/** Write +-infinity (`sign` 0 or 1): exponent 7FFFh, significand 8000000000000000h (SDM Vol.1 Table 8-3). */
export function setSignedInfinity(f: F80File, slot: number, sign: number): void {
  setF80(f, slot, (sign << 15) | 0x7fff, 0x80000000, 0);
}

/** Copy slot `s` to slot `d` (FLD ST(i), FST ST(i), FXCH halves). */
export function copyF80(f: F80File, d: number, s: number): void {
  const od = d << 2;
  const os = s << 2;
  f[od] = f[os];
  f[od + 1] = f[os + 1];
  f[od + 2] = f[os + 2];
}

/** FLD m80: load 10 little-endian bytes; no exceptions (SDM Vol.2 FLD, #IA/#D exclude m80). */
export function loadF80Bytes(f: F80File, d: number, mem: Uint8Array, off: number): void {
  const o = d << 2;
  f[o] = (mem[off]! | (mem[off + 1]! << 8) | (mem[off + 2]! << 16) | (mem[off + 3]! << 24)) >>> 0;
  f[o + 1] = (mem[off + 4]! | (mem[off + 5]! << 8) | (mem[off + 6]! << 16) | (mem[off + 7]! << 24)) >>> 0;
  f[o + 2] = mem[off + 8]! | (mem[off + 9]! << 8);
}

/** FSTP m80: store 10 little-endian bytes verbatim (no rounding, no exceptions). */
export function storeF80Bytes(f: F80File, s: number, mem: Uint8Array, off: number): void {
  const o = s << 2;
  const lo = f[o]!;
  const hi = f[o + 1]!;
  const se = f[o + 2]!;
  mem[off] = lo & 0xff;
  mem[off + 1] = (lo >>> 8) & 0xff;
  mem[off + 2] = (lo >>> 16) & 0xff;
  mem[off + 3] = lo >>> 24;
  mem[off + 4] = hi & 0xff;
  mem[off + 5] = (hi >>> 8) & 0xff;
  mem[off + 6] = (hi >>> 16) & 0xff;
  mem[off + 7] = hi >>> 24;
  mem[off + 8] = se & 0xff;
  mem[off + 9] = (se >>> 8) & 0xff;
}

/** FABS: clear the sign; never raises (SDM Vol.2 FABS: only #IS). */
export function f80Abs(f: F80File, d: number, s: number): void {
  copyF80(f, d, s);
  f[(d << 2) + 2] = f[(d << 2) + 2]! & 0x7fff;
}

/** FCHS: flip the sign; never raises (SDM Vol.2 FCHS: only #IS). */
export function f80Chs(f: F80File, d: number, s: number): void {
  copyF80(f, d, s);
  f[(d << 2) + 2] = f[(d << 2) + 2]! ^ 0x8000;
}
