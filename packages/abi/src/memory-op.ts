// memory_op (hypercall 12) commands and struct xen_memory_reservation (xen-abi.md §2.12;
// public/memory.h).
import { defineStruct, f } from './struct.js';

/** `XENMEM_*` commands (§2.12). */
export const MemoryOp = {
  XENMEM_increase_reservation: 0,
  XENMEM_decrease_reservation: 1,
  XENMEM_maximum_ram_page: 2,
  XENMEM_current_reservation: 3,
  XENMEM_maximum_reservation: 4,
  XENMEM_machphys_mfn_list: 5,
  XENMEM_populate_physmap: 6,
  XENMEM_add_to_physmap: 7,
  XENMEM_memory_map: 9,
  XENMEM_machine_memory_map: 10,
  XENMEM_exchange: 11,
  XENMEM_machphys_mapping: 12,
  XENMEM_set_memory_map: 13,
  XENMEM_maximum_gpfn: 14,
  XENMEM_remove_from_physmap: 15,
} as const;

/**
 * memory.h: the command sits in the low MEMOP_EXTENT_SHIFT bits of `cmd`; the bits above carry
 * the extent a preempted call continues from.
 */
export const MEMOP_EXTENT_SHIFT = 6;
export const MEMOP_CMD_MASK = (1 << MEMOP_EXTENT_SHIFT) - 1;

/**
 * `{handle extent_start; xen_ulong_t nr_extents; u32 extent_order; u32 mem_flags; domid_t domid}`
 * — 20 bytes on i386 (§2.12). `extent_start` is a guest pointer to `xen_pfn_t[]` (may be NULL
 * for increase_reservation).
 */
export const XEN_MEMORY_RESERVATION = defineStruct('xen_memory_reservation', 20, {
  extent_start: f(0, 'u32'),
  nr_extents: f(4, 'u32'),
  extent_order: f(8, 'u32'),
  mem_flags: f(12, 'u32'),
  domid: f(16, 'u16'),
});
