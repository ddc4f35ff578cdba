// Segment descriptor checking for GDT/LDT pages of 32-bit PV guests (Xen's check_descriptor).
// A descriptor page (type SegDesc) holds 512 descriptors, every one of which passes this check.
import { FIRST_RESERVED_GDT_ENTRY, Selector, XenErrno } from '@xen-ts/abi';
import { pagingLayout, type PagingLayout, type PagingLayoutName } from './layout.js';

/** Descriptor high-word bits (Intel SDM vol. 3, 3.4.5). */
const SEG_P = 1 << 15;
const SEG_S = 1 << 12;
const SEG_DPL = 3 << 13;
const SEG_G = 1 << 23;
/** The 64-bit code flag: reserved for 32-bit PV guests (modern Xen refuses it). */
const SEG_L = 1 << 21;
const SEG_TYPE_SHIFT = 8;
/** Data segment, expand-down (type bits: code=0, E=1). */
const TYPE_CODE = 8;
const TYPE_EXPAND_DOWN = 4;
/** System types: 32-bit call gate; 0 is the harmless filler used for the second half of gates. */
const SYS_CALL_GATE_32 = 0xc;
/** Call gate high word bits 5..7 are reserved (must be 0). */
const GATE_RESERVED = 0xe0;
const PAGE = 4096;
const TWO_32 = 0x1_0000_0000;

export const DESCRIPTORS_PER_PAGE = 512;
/** xen.h: FIRST_RESERVED_GDT_ENTRY (7168 = 14 pages): guest GDTs end below Xen's entries. */
export const MAX_GUEST_GDT_ENTRIES = FIRST_RESERVED_GDT_ENTRY;
/** MMUEXT_SET_LDT: at most 8192 entries (16 pages), like the hardware LDT limit. */
export const MAX_LDT_ENTRIES = 8192;

/** Outcome of {@link checkDescriptor}: rc 0 with the (possibly fixed-up) words, or rc -EINVAL. */
export interface DescriptorCheck {
  rc: number;
  lo: number;
  hi: number;
}

/**
 * May a call gate jump to selector `sel`? Only to guest code: an LDT selector, or a GDT selector
 * below Xen's reserved entries, or Xen's flat guest code selectors; never the null selector; and
 * its RPL must not be 0 (Xen: guest_gate_selector_okay; x86_32: VALID_CODESEL).
 */
function guestGateSelectorOkay(sel: number): boolean {
  if ((sel & 3) === 0) return false;
  if (sel === Selector.FLAT_RING1_CS || sel === Selector.FLAT_RING3_CS) return true;
  if ((sel & 4) !== 0) return true; // LDT
  const index = sel >>> 3;
  return index !== 0 && index < FIRST_RESERVED_GDT_ENTRY;
}

/**
 * Check one descriptor (`lo` = low word, `hi` = high word) a guest wants in a GDT/LDT, as Xen's
 * check_descriptor for 32-bit PV guests does:
 * - not present: accepted unchanged (it always faults);
 * - DPL 0 becomes DPL 1 (the guest kernel runs in ring 1);
 * - code/data: the 64-bit L flag is refused; a base within one page of the guest segment ceiling
 *   ({@link PagingLayout.guestSegmentMaxAddr}) is refused; expand-up segments reaching beyond the
 *   ceiling get their limit truncated (page-granular segments only; byte-granular ones are refused,
 *   as x86_32 Xen did); expand-down segments whose range does not wrap below the base would cover
 *   the hole and are refused (x86_32 Xen truncated them instead; we refuse: documented in DESIGN.md);
 * - system: only 32-bit call gates to a guest code selector with reserved bits clear; the empty
 *   type 0 is accepted unchanged; TSS, LDT, task, interrupt and trap gates are refused.
 */
export function checkDescriptor(lo: number, hi: number, layout: PagingLayoutName | PagingLayout): DescriptorCheck {
  const l = typeof layout === 'string' ? pagingLayout(layout) : layout;
  let a = lo >>> 0;
  let b = hi >>> 0;
  const bad: DescriptorCheck = { rc: -XenErrno.EINVAL, lo: a, hi: b };
  if ((b & SEG_P) === 0) return { rc: 0, lo: a, hi: b };
  const type = (b >>> SEG_TYPE_SHIFT) & 0xf;
  if ((b & SEG_S) === 0) {
    if (type === 0) return { rc: 0, lo: a, hi: b };
    if (type !== SYS_CALL_GATE_32) return bad;
    if (!guestGateSelectorOkay(a >>> 16)) return bad;
    if ((b & GATE_RESERVED) !== 0) return bad;
    return { rc: 0, lo: a, hi: fixDpl(b) };
  }
  b = fixDpl(b);
  if ((b & SEG_L) !== 0) return bad;
  const max = l.guestSegmentMaxAddr;
  const base = ((b & 0xff000000) | ((b & 0xff) << 16) | (a >>> 16)) >>> 0;
  if (base >= max - PAGE) return bad;
  const granular = (b & SEG_G) !== 0;
  const rawLimit = (b & 0xf0000) | (a & 0xffff);
  const size = granular ? (rawLimit + 1) * PAGE : rawLimit + 1; // bytes covered from offset 0
  if ((type & (TYPE_CODE | TYPE_EXPAND_DOWN)) === TYPE_EXPAND_DOWN) {
    // Valid offsets are size..4G-1, i.e. linear base+size .. base+4G-1 (mod 4G). Unless that range
    // wraps to end below the base, it runs through the hole.
    if (base + size < TWO_32) return bad;
    return { rc: 0, lo: a, hi: b };
  }
  if (base + size > max) {
    if (!granular) return bad;
    const pages = Math.floor((max - base) / PAGE) - 1; // new inclusive limit, in pages
    a = ((a & ~0xffff) | (pages & 0xffff)) >>> 0;
    b = ((b & ~0xf0000) | (pages & 0xf0000)) >>> 0;
  }
  return { rc: 0, lo: a, hi: b };
}

function fixDpl(b: number): number {
  return (b & SEG_DPL) === 0 ? (b | (1 << 13)) >>> 0 : b;
}
