// Xen's reserved GDT entries (xen-abi.md §2.3: FIRST_RESERVED_GDT_ENTRY 7168, the FLAT_RING*
// selectors) and the descriptors in them. Entry numbers follow Xen x86_32's layout.
import { FIRST_RESERVED_GDT_ENTRY } from '@xen-ts/abi';

export const XenSelector = {
  HYPERVISOR_CS: 0xe008,
  HYPERVISOR_DS: 0xe010,
  TSS: 0xe040,
  LDT: 0xe048,
} as const;

/** GDTR limit: the guest's 14 pages plus Xen's entries up to the LDT descriptor. */
export const GDT_LIMIT = (FIRST_RESERVED_GDT_ENTRY + 10) * 8 - 1;

/** Encodes a segment descriptor: limit in bytes (≤ 1 MiB) or pages (`pages`), type nibble with S bit. */
export function segmentDescriptor(base: number, limit: number, typeS: number, dpl: number, pages: boolean, big = true): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi =
    (base & 0xff000000) |
    ((base >>> 16) & 0xff) |
    (typeS << 8) |
    (dpl << 13) |
    0x8000 | // present
    (limit & 0xf0000) |
    (big ? 0x400000 : 0) |
    (pages ? 0x800000 : 0);
  return [lo | 0, hi | 0];
}

/** Access nibbles with the S bit (0x10): code execute/read accessed, data read/write accessed. */
export const TYPE_CODE = 0x1b;
export const TYPE_DATA = 0x13;
/** 32-bit available TSS and LDT system descriptors. */
export const TYPE_TSS32 = 0x09;
export const TYPE_LDT = 0x02;

/** Fills a reserved GDT page (one per physical CPU) in `page` (1024 words of entry 7168 on). */
export function fillReservedGdt(
  write: (entryIndex: number, lo: number, hi: number) => void,
  guestSegmentEnd: number,
  tssVa: number,
): void {
  const guestLimitPages = ((guestSegmentEnd >>> 0) - 1) >>> 12;
  const put = (sel: number, d: [number, number]): void => write((sel >>> 3) - FIRST_RESERVED_GDT_ENTRY, d[0], d[1]);
  put(XenSelector.HYPERVISOR_CS, segmentDescriptor(0, 0xfffff, TYPE_CODE, 0, true));
  put(XenSelector.HYPERVISOR_DS, segmentDescriptor(0, 0xfffff, TYPE_DATA, 0, true));
  put(0xe019, segmentDescriptor(0, guestLimitPages, TYPE_CODE, 1, true));
  put(0xe021, segmentDescriptor(0, guestLimitPages, TYPE_DATA, 1, true));
  put(0xe02b, segmentDescriptor(0, guestLimitPages, TYPE_CODE, 3, true));
  put(0xe033, segmentDescriptor(0, guestLimitPages, TYPE_DATA, 3, true));
  put(XenSelector.TSS, segmentDescriptor(tssVa, 0x67, TYPE_TSS32, 0, false, false));
}
