// The two 32-bit paging layouts Xen supports for PV guests (xen-abi.md §2.3): 2-level non-PAE with
// the hypervisor in the top 64 MiB, and PAE (3 levels, 64-bit entries) with the hole at 0xF5800000.
import {
  HYPERVISOR_VIRT_START_2L,
  HYPERVISOR_VIRT_START_PAE,
  MACH2PHYS_VIRT_END_2L,
  MACH2PHYS_VIRT_END_PAE,
} from '@xen-ts/abi';

export type PagingLayoutName = '2level' | 'pae';

export interface PagingLayout {
  readonly name: PagingLayoutName;
  readonly pae: boolean;
  /** Entries per page-table page: 1024 (32-bit entries) or 512 (64-bit entries). */
  readonly entriesPerTable: number;
  /** Start of the hypervisor hole: guests may not map or address anything at or above it. */
  readonly hypervisorVirtStart: number;
  /**
   * Highest linear address + 1 a guest segment may reach. Xen x86_32 (GUEST_SEGMENT_MAX_ADDR =
   * RO_MPT_VIRT_END) lets segments cover the read-only M2P at the bottom of the hole, so guests can
   * read `machine_to_phys_mapping` through their flat segments; the rest of the hole stays beyond
   * every guest limit.
   */
  readonly guestSegmentMaxAddr: number;
  /** First L2 index owned by Xen in the L2 that carries the hole (2-level: every L2; PAE: L3 slot 3's). */
  readonly firstXenL2Slot: number;
  /** Physical-address width the entries may use (bits above it are reserved). */
  readonly physAddrBits: number;
}

export const LAYOUT_2LEVEL: PagingLayout = Object.freeze({
  name: '2level',
  pae: false,
  entriesPerTable: 1024,
  hypervisorVirtStart: HYPERVISOR_VIRT_START_2L,
  guestSegmentMaxAddr: MACH2PHYS_VIRT_END_2L,
  firstXenL2Slot: HYPERVISOR_VIRT_START_2L >>> 22, // 1008
  physAddrBits: 32,
});

export const LAYOUT_PAE: PagingLayout = Object.freeze({
  name: 'pae',
  pae: true,
  entriesPerTable: 512,
  hypervisorVirtStart: HYPERVISOR_VIRT_START_PAE,
  guestSegmentMaxAddr: MACH2PHYS_VIRT_END_PAE,
  firstXenL2Slot: (HYPERVISOR_VIRT_START_PAE >>> 21) & 511, // 428
  // Our choice: 36-bit physical addresses (the first PAE CPUs; 64 GiB). Bits 36..62 are reserved.
  physAddrBits: 36,
});

export function pagingLayout(name: PagingLayoutName): PagingLayout {
  return name === 'pae' ? LAYOUT_PAE : LAYOUT_2LEVEL;
}

/** PAE: the L3 has 4 entries the CPU uses (PDPTEs); the rest of the page is ignored. */
export const PAE_L3_ENTRIES = 4;
/** PAE: the L3 slot whose L2 holds the hypervisor hole (Xen's PGT_pae_xen_l2). */
export const PAE_XEN_L3_SLOT = 3;

/**
 * Reserved bits of the high word of a PAE L1/L2 entry: physical-address bits 36..51 and bits
 * 52..62 (Intel SDM, PAE paging: bits 62:MAXPHYADDR must be 0). Bit 63 (NX) is allowed.
 */
export const PAE_HI_RESERVED = 0x7ffffff0;
/** Reserved bits of the high word of a PAE L3 entry (PDPTE): 36..63, NX included. */
export const PAE_L3_HI_RESERVED = 0xfffffff0;

/** Machine frame an entry points to (lo/hi words; hi is 0 in the 2-level layout). */
export function entryMfn(lo: number, hi: number): number {
  return (lo >>> 12) + (hi & 0xf) * 0x100000;
}
