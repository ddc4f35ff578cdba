// The generic shared ring of io/ring.h (xen-abi.md §2.15).
import { defineStruct, f } from './struct.js';

/** The 64-byte shared-ring header; `ring[]` entries start at offset 64. */
export const SRING_HEADER = defineStruct('xen_sring_header', 64, {
  req_prod: f(0, 'u32'),
  req_event: f(4, 'u32'),
  rsp_prod: f(8, 'u32'),
  rsp_event: f(12, 'u32'),
  pvt: f(16, 'u8', 4),
  pad: f(20, 'u8', 44),
});
export const SRING_ENTRIES_OFFSET = 64;

/** Rounds down to a power of 2 (`__RD32`); 0 stays 0. */
export function roundDownPow2(n: number): number {
  if (n < 1) return 0;
  return 2 ** Math.floor(Math.log2(n));
}

/** Entries in a ring: `(page_size − 64) / entry_size`, rounded down to a power of 2 (§2.15). */
export function ringSize(entrySize: number, ringBytes = 4096): number {
  if (!Number.isInteger(entrySize) || entrySize <= 0) throw new RangeError(`bad ring entry size ${entrySize}`);
  return roundDownPow2(Math.floor((ringBytes - SRING_ENTRIES_OFFSET) / entrySize));
}

/** `RING_IDX` arithmetic is unsigned 32-bit with free-running indices: slot = idx & (size−1). */
export function ringSlot(idx: number, size: number): number {
  return (idx & (size - 1)) >>> 0;
}

/**
 * The notify test of RING_PUSH_{REQUESTS,RESPONSES}_AND_CHECK_NOTIFY (§2.15):
 * `(RING_IDX)(new − event) < (RING_IDX)(new − old)`.
 */
export function ringNeedsNotify(oldProd: number, newProd: number, event: number): boolean {
  return ((newProd - event) >>> 0) < ((newProd - oldProd) >>> 0);
}
