// physdev_op (hypercall 33; legacy physdev_op_compat 19 takes `{u32 cmd; union}`): I/O privilege
// and physical IRQs (xen-abi.md §2.14; public/physdev.h).
import { defineStruct, f } from './struct.js';

/** The `PHYSDEVOP_*` commands named in §2.14 and the other early ones (physdev.h). */
export const PhysdevOp = {
  PHYSDEVOP_irq_status_query: 5,
  PHYSDEVOP_set_iopl: 6,
  PHYSDEVOP_set_iobitmap: 7,
  PHYSDEVOP_apic_read: 8,
  PHYSDEVOP_apic_write: 9,
  PHYSDEVOP_alloc_irq_vector: 10,
  PHYSDEVOP_free_irq_vector: 11,
  PHYSDEVOP_eoi: 12,
  PHYSDEVOP_map_pirq: 13,
  PHYSDEVOP_unmap_pirq: 14,
} as const;

/** physdev_irq_status_query.flags (physdev.h). */
export const XenIrqStat = {
  XENIRQSTAT_needs_eoi: 1 << 0,
  XENIRQSTAT_shared: 1 << 1,
} as const;

/** `{u32 iopl}`: the vCPU's virtual IOPL, 0..3. */
export const PHYSDEV_SET_IOPL = defineStruct('physdev_set_iopl', 4, { iopl: f(0, 'u32') });

/** `{handle bitmap; u32 nr_ports}` — 8 bytes on i386. */
export const PHYSDEV_SET_IOBITMAP = defineStruct('physdev_set_iobitmap', 8, {
  bitmap: f(0, 'u32'),
  nr_ports: f(4, 'u32'),
});

/** `{u32 irq}` */
export const PHYSDEV_EOI = defineStruct('physdev_eoi', 4, { irq: f(0, 'u32') });

/** IN `irq`, OUT `flags` (XENIRQSTAT_*). */
export const PHYSDEV_IRQ_STATUS_QUERY = defineStruct('physdev_irq_status_query', 8, {
  irq: f(0, 'u32'),
  flags: f(4, 'u32'),
});

export const PHYSDEV_STRUCTS = [PHYSDEV_SET_IOPL, PHYSDEV_SET_IOBITMAP, PHYSDEV_EOI, PHYSDEV_IRQ_STATUS_QUERY] as const;
