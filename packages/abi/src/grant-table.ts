// Grant tables v1: grant_table_op (hypercall 20) (xen-abi.md §2.13).
import { defineStruct, f } from './struct.js';

export const GnttabOp = {
  GNTTABOP_map_grant_ref: 0,
  GNTTABOP_unmap_grant_ref: 1,
  GNTTABOP_setup_table: 2,
  GNTTABOP_dump_table: 3,
  GNTTABOP_transfer: 4,
  GNTTABOP_copy: 5,
  GNTTABOP_query_size: 6,
  GNTTABOP_unmap_and_replace: 7,
  GNTTABOP_set_version: 8,
  GNTTABOP_get_status_frames: 9,
  GNTTABOP_get_version: 10,
  GNTTABOP_swap_grant_ref: 11,
  GNTTABOP_cache_flush: 12,
} as const;

export const Gtf = {
  GTF_invalid: 0,
  GTF_permit_access: 1,
  GTF_accept_transfer: 2,
  GTF_transitive: 3,
  GTF_type_mask: 3,
  GTF_readonly: 1 << 2,
  GTF_reading: 1 << 3,
  GTF_writing: 1 << 4,
  GTF_PWT: 1 << 5,
  GTF_PCD: 1 << 6,
  GTF_PAT: 1 << 7,
  GTF_sub_page: 1 << 8,
  GTF_transfer_committed: 1 << 2,
  GTF_transfer_completed: 1 << 3,
} as const;

export const Gntmap = {
  GNTMAP_device_map: 1 << 0,
  GNTMAP_host_map: 1 << 1,
  GNTMAP_readonly: 1 << 2,
  GNTMAP_application_map: 1 << 3,
  GNTMAP_contains_pte: 1 << 4,
} as const;

export const Gntst = {
  GNTST_okay: 0,
  GNTST_general_error: -1,
  GNTST_bad_domain: -2,
  GNTST_bad_gntref: -3,
  GNTST_bad_handle: -4,
  GNTST_bad_virt_addr: -5,
  GNTST_bad_dev_addr: -6,
  GNTST_no_device_space: -7,
  GNTST_permission_denied: -8,
  GNTST_bad_page: -9,
  GNTST_bad_copy_arg: -10,
  GNTST_address_too_big: -11,
  GNTST_eagain: -12,
  GNTST_no_space: -13,
} as const;

export const GNTCOPY_source_gref = 1;
export const GNTCOPY_dest_gref = 2;
export const GNTTAB_NR_RESERVED_ENTRIES = 8;
export const GNTTAB_RESERVED_CONSOLE = 0;
export const GNTTAB_RESERVED_XENSTORE = 1;
/** 512 v1 entries per 4 KiB frame. */
export const GRANT_ENTRIES_V1_PER_FRAME = 512;

export const GRANT_ENTRY_V1 = defineStruct('grant_entry_v1', 8, {
  flags: f(0, 'u16'),
  domid: f(2, 'u16'),
  frame: f(4, 'u32'),
});

export const GNTTAB_MAP_GRANT_REF = defineStruct('gnttab_map_grant_ref', 32, {
  host_addr: f(0, 'u64'),
  flags: f(8, 'u32'),
  ref: f(12, 'u32'),
  dom: f(16, 'u16'),
  status: f(18, 's16'),
  handle: f(20, 'u32'),
  dev_bus_addr: f(24, 'u64'),
});

export const GNTTAB_UNMAP_GRANT_REF = defineStruct('gnttab_unmap_grant_ref', 24, {
  host_addr: f(0, 'u64'),
  dev_bus_addr: f(8, 'u64'),
  handle: f(16, 'u32'),
  status: f(20, 's16'),
});

export const GNTTAB_SETUP_TABLE = defineStruct('gnttab_setup_table', 16, {
  dom: f(0, 'u16'),
  nr_frames: f(4, 'u32'),
  status: f(8, 's16'),
  frame_list: f(12, 'u32'),
});

/** `{domid_t dom; u32 nr_frames; u32 max_nr_frames; s16 status}` — 16 bytes on i386 (grant_table.h). */
export const GNTTAB_QUERY_SIZE = defineStruct('gnttab_query_size', 16, {
  dom: f(0, 'u16'),
  nr_frames: f(4, 'u32'),
  max_nr_frames: f(8, 'u32'),
  status: f(12, 's16'),
});

/** One side of a copy: `{union {grant_ref_t ref; xen_pfn_t gmfn} u; domid_t domid; u16 offset}`. */
export const GNTTAB_COPY_PTR = defineStruct('gnttab_copy_ptr', 8, {
  u: f(0, 'u32'),
  domid: f(4, 'u16'),
  offset: f(6, 'u16'),
});

/**
 * `{gnttab_copy_ptr source, dest; u16 len; u16 flags; s16 status}` — 24 bytes on i386 (§2.13).
 * `flags` says which side names a grant ref (GNTCOPY_source_gref / GNTCOPY_dest_gref) rather
 * than a frame; a copy must stay within one page.
 */
export const GNTTAB_COPY = defineStruct('gnttab_copy', 24, {
  source: f(0, GNTTAB_COPY_PTR),
  dest: f(8, GNTTAB_COPY_PTR),
  len: f(16, 'u16'),
  flags: f(18, 'u16'),
  status: f(20, 's16'),
});

/** `{u32 version}` (IN/OUT). */
export const GNTTAB_SET_VERSION = defineStruct('gnttab_set_version', 4, { version: f(0, 'u32') });

/** `{domid_t dom; u16 pad; u32 version}` — IN dom, OUT version. */
export const GNTTAB_GET_VERSION = defineStruct('gnttab_get_version', 8, {
  dom: f(0, 'u16'),
  pad: f(2, 'u16'),
  version: f(4, 'u32'),
});

/** Every grant_table_op layout, in header (dependency) order. */
export const GRANT_STRUCTS = [
  GRANT_ENTRY_V1,
  GNTTAB_MAP_GRANT_REF,
  GNTTAB_UNMAP_GRANT_REF,
  GNTTAB_SETUP_TABLE,
  GNTTAB_QUERY_SIZE,
  GNTTAB_COPY_PTR,
  GNTTAB_COPY,
  GNTTAB_SET_VERSION,
  GNTTAB_GET_VERSION,
] as const;
