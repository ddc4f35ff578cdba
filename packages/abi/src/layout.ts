// Segments, domain ids and the 32-bit address-space layout (xen-abi.md §2.0, §2.3).

/** Flat segment selectors Xen provides in its reserved GDT entries (§2.3). */
export const Selector = {
  FLAT_RING1_CS: 0xe019,
  FLAT_RING1_DS: 0xe021,
  FLAT_RING1_SS: 0xe021,
  FLAT_RING3_CS: 0xe02b,
  FLAT_RING3_DS: 0xe033,
  FLAT_RING3_SS: 0xe033,
  FLAT_KERNEL_CS: 0xe019,
  FLAT_KERNEL_DS: 0xe021,
  FLAT_KERNEL_SS: 0xe021,
  FLAT_USER_CS: 0xe02b,
  FLAT_USER_DS: 0xe033,
  FLAT_USER_SS: 0xe033,
} as const;

/** Xen's GDT entries sit at the far end of the GDT (§2.3). */
export const FIRST_RESERVED_GDT_PAGE = 14;
export const FIRST_RESERVED_GDT_BYTE = 57344;
export const FIRST_RESERVED_GDT_ENTRY = 7168;

/** Hypervisor hole and M2P table for PAE guests (§2.3). */
export const HYPERVISOR_VIRT_START_PAE = 0xf5800000;
export const MACH2PHYS_VIRT_START_PAE = 0xf5800000;
export const MACH2PHYS_VIRT_END_PAE = 0xf6800000;
/** Non-PAE (2-level) layout: the paper's top 64 MB (§2.3). */
export const HYPERVISOR_VIRT_START_2L = 0xfc000000;
export const MACH2PHYS_VIRT_START_2L = 0xfc000000;
export const MACH2PHYS_VIRT_END_2L = 0xfc400000;
/** End of the compat M2P on a 64-bit Xen (§2.3). */
export const COMPAT_MACH2PHYS_VIRT_END = 0xffe00000;

/** MACH2PHYS_NR_ENTRIES = (END − START) >> 2 (§2.3). */
export function mach2physEntries(start: number, end: number): number {
  return (end - start) >>> 2;
}

/** PAE CR3 packing (§2.3): `(pfn << 12) | (pfn >> 20)`, 32-bit. */
export function xenPfnToCr3(pfn: number): number {
  return ((pfn << 12) | (pfn >>> 20)) >>> 0;
}
/** Inverse of {@link xenPfnToCr3}: `(cr3 >> 12) | (cr3 << 20)`, 32-bit. */
export function xenCr3ToPfn(cr3: number): number {
  return ((cr3 >>> 12) | (cr3 << 20)) >>> 0;
}

/** Special domain ids; `domid_t` is uint16_t (§2.0). */
export const DomId = {
  DOMID_FIRST_RESERVED: 0x7ff0,
  DOMID_SELF: 0x7ff0,
  DOMID_IO: 0x7ff1,
  DOMID_XEN: 0x7ff2,
  DOMID_COW: 0x7ff3,
  DOMID_INVALID: 0x7ff4,
  DOMID_ANY: 0x7ff5,
  DOMID_IDLE: 0x7fff,
  DOMID_MASK: 0x7fff,
} as const;

/** §2.0 */
export const XEN_LEGACY_MAX_VCPUS = 32;
export const MAX_GUEST_CMDLINE = 1024;
export const XEN_LATEST_INTERFACE_VERSION = 0x00041300;
export const PAGE_SIZE = 4096;
