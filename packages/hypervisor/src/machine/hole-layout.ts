// Where Xen lives in every guest address space (xen-abi.md §2.3; DESIGN.md §2). The hole starts
// at HYPERVISOR_VIRT_START; its first part is the read-only M2P table, which guest segments may
// reach (Xen x86_32: GUEST_SEGMENT_MAX_ADDR = RO_MPT_VIRT_END). Past it: the per-domain area
// (each vCPU's GDT and LDT windows) and Xen's private area (IDT, TSS, stacks and the reserved
// GDT page of each physical CPU). Host entry points sit at the top, unmapped: the CPU leaves the
// interpreter before it would fetch there (cpu-x86 `addHostEntry`).
import {
  HYPERVISOR_VIRT_START_2L,
  HYPERVISOR_VIRT_START_PAE,
  MACH2PHYS_VIRT_END_2L,
  MACH2PHYS_VIRT_END_PAE,
  MACH2PHYS_VIRT_START_2L,
  MACH2PHYS_VIRT_START_PAE,
} from '@xen-ts/abi';

export type PagingMode = '2level' | 'pae';

export interface HoleLayout {
  readonly mode: PagingMode;
  readonly hypervisorVirtStart: number;
  readonly m2pStart: number;
  readonly m2pEnd: number;
  /** Guest segments end here (exclusive): the M2P is readable, the rest of the hole is not. */
  readonly guestSegmentEnd: number;
  /** Per-domain area: vCPU v's GDT window at +v*VCPU_WINDOW, its LDT window 64 KiB later. */
  readonly perDomainStart: number;
  /** Xen's private area: per physical CPU, {@link PCPU_AREA_PAGES} pages from +1 page. */
  readonly xenPrivateStart: number;
  /** Bytes one page-table page of the last level maps (4 MiB 2-level, 2 MiB PAE). */
  readonly l1Span: number;
  /** Entries per page-table page. */
  readonly entriesPerTable: number;
}

export const HOLE_2LEVEL: HoleLayout = Object.freeze({
  mode: '2level',
  hypervisorVirtStart: HYPERVISOR_VIRT_START_2L,
  m2pStart: MACH2PHYS_VIRT_START_2L,
  m2pEnd: MACH2PHYS_VIRT_END_2L,
  guestSegmentEnd: MACH2PHYS_VIRT_END_2L,
  perDomainStart: 0xfc400000,
  xenPrivateStart: 0xfc800000,
  l1Span: 4 << 20,
  entriesPerTable: 1024,
});

export const HOLE_PAE: HoleLayout = Object.freeze({
  mode: 'pae',
  hypervisorVirtStart: HYPERVISOR_VIRT_START_PAE,
  m2pStart: MACH2PHYS_VIRT_START_PAE,
  m2pEnd: MACH2PHYS_VIRT_END_PAE,
  guestSegmentEnd: MACH2PHYS_VIRT_END_PAE,
  perDomainStart: 0xf6800000,
  xenPrivateStart: 0xf6c00000,
  l1Span: 2 << 20,
  entriesPerTable: 512,
});

export function holeLayout(mode: PagingMode): HoleLayout {
  return mode === 'pae' ? HOLE_PAE : HOLE_2LEVEL;
}

/** Bytes of per-domain VA per vCPU: 16 GDT pages then 16 LDT pages. */
export const VCPU_WINDOW = 0x20000;
export const LDT_WINDOW_OFFSET = 0x10000;
/** The per-domain area holds this many vCPUs (4 MiB / 128 KiB). */
export const MAX_VCPUS = 32;
export const PER_DOMAIN_BYTES = MAX_VCPUS * VCPU_WINDOW;

/** Pages of Xen's private area per physical CPU: IDT, TSS, reserved GDT page, 4 stack pages, spare. */
export const PCPU_AREA_PAGES = 8;
export const PCPU_IDT_PAGE = 0;
export const PCPU_TSS_PAGE = 1;
export const PCPU_GDT_PAGE = 2;
export const PCPU_STACK_PAGE = 3;
export const PCPU_STACK_PAGES = 4;
export const MAX_PCPUS = 16;

export function pcpuAreaVa(layout: HoleLayout, pcpu: number, page: number): number {
  return (layout.xenPrivateStart + (1 + pcpu * PCPU_AREA_PAGES + page) * 4096) >>> 0;
}

export function gdtWindowVa(layout: HoleLayout, vcpu: number): number {
  return (layout.perDomainStart + vcpu * VCPU_WINDOW) >>> 0;
}

export function ldtWindowVa(layout: HoleLayout, vcpu: number): number {
  return (gdtWindowVa(layout, vcpu) + LDT_WINDOW_OFFSET) >>> 0;
}

/** Host entry points (never mapped): exceptions at +16*vector, then the software entries. */
export const HOST_ENTRY_BASE = 0xffc00000;
export const HOST_ENTRY_HYPERCALL = HOST_ENTRY_BASE + 0x1000;
export const HOST_ENTRY_EVENT_CHECK = HOST_ENTRY_BASE + 0x1010;
export const HOST_ENTRY_SOFT_INT = HOST_ENTRY_BASE + 0x2000;

export function exceptionEntry(vector: number): number {
  return HOST_ENTRY_BASE + vector * 16;
}

/** The vector Xen uses to make a CPU look at pending events (HYPERCALL_VECTOR is @xen-ts/abi's). */
export const EVENT_CHECK_VECTOR = 0xec;
export const SYSCALL_VECTOR = 0x80;
