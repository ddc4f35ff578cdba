// Xen's own frames and the page tables that map them into the hole of every address space:
// the read-only M2P table, each physical CPU's IDT/TSS/reserved-GDT page/stack, a zero page, and
// one per-domain L1 set (GDT and LDT windows of the domain's vCPUs). `fillXenSlots` writes the
// hole entries into a guest's top table when @xen-ts/mmu validates it (Xen: init_xen_l2_slots).
import { DomId } from '@xen-ts/abi';
import { Pte } from '@xen-ts/mmu';
import type { FrameAllocator } from './frame-allocator.js';
import {
  MAX_PCPUS,
  PCPU_AREA_PAGES,
  PCPU_GDT_PAGE,
  PCPU_IDT_PAGE,
  PCPU_STACK_PAGE,
  PCPU_STACK_PAGES,
  PCPU_TSS_PAGE,
  PER_DOMAIN_BYTES,
  pcpuAreaVa,
  type HoleLayout,
} from './hole-layout.js';
import type { RamMachineMemory } from './machine-memory.js';

/** Special `mfn` values for {@link XenArea.mapPerDomain}. */
export const ZERO_PAGE = -1;
export const NOT_PRESENT = -2;
const XEN_RW = Pte.PRESENT | Pte.RW | Pte.ACCESSED | Pte.DIRTY;
const XEN_RO = Pte.PRESENT | Pte.ACCESSED;

export interface PcpuFrames {
  idt: number;
  tss: number;
  gdt: number;
  stack: number[];
}

export class XenArea {
  readonly pae: boolean;
  /** First frame of the contiguous M2P table and its length in frames. */
  readonly m2pFirst: number;
  readonly m2pFrames: number;
  readonly m2pL1s: number[] = [];
  readonly privateL1: number;
  readonly zeroFrame: number;
  readonly pcpus: PcpuFrames[] = [];
  /** Per-domain L1 frames, by domid. */
  private readonly perDomainL1s = new Map<number, number[]>();
  /** Every frame Xen owns (for the frame table). */
  readonly xenFrames: number[] = [];

  constructor(
    readonly layout: HoleLayout,
    private readonly mem: RamMachineMemory,
    private readonly alloc: FrameAllocator,
    pcpuCount: number,
  ) {
    if (pcpuCount < 1 || pcpuCount > MAX_PCPUS) throw new RangeError(`pcpus must be 1..${MAX_PCPUS}, got ${pcpuCount}`);
    this.pae = layout.mode === 'pae';
    const entries = layout.entriesPerTable;
    const totalFrames = mem.frames;
    this.m2pFrames = Math.ceil((totalFrames * 4) / 4096);
    if (this.m2pFrames * 4096 > layout.m2pEnd - layout.m2pStart) throw new RangeError('machine memory too large for the M2P window');
    this.m2pFirst = this.take(this.m2pFrames, true);
    for (let i = 0; i < Math.ceil(this.m2pFrames / entries); i++) this.m2pL1s.push(this.take(1));
    this.m2pL1s.forEach((l1, i) => {
      for (let e = 0; e < entries; e++) {
        const idx = i * entries + e;
        if (idx < this.m2pFrames) mem.writePte(this.pae, l1, e, ((this.m2pFirst + idx) * 4096) | XEN_RO);
      }
    });
    this.privateL1 = this.take(1);
    this.zeroFrame = this.take(1);
    for (let p = 0; p < pcpuCount; p++) {
      const f: PcpuFrames = { idt: this.take(1), tss: this.take(1), gdt: this.take(1), stack: [] };
      for (let s = 0; s < PCPU_STACK_PAGES; s++) f.stack.push(this.take(1));
      this.pcpus.push(f);
      const map = (page: number, mfn: number): void => {
        const index = 1 + p * PCPU_AREA_PAGES + page;
        mem.writePte(this.pae, this.privateL1, index, (mfn * 4096) | XEN_RW);
      };
      map(PCPU_IDT_PAGE, f.idt);
      map(PCPU_TSS_PAGE, f.tss);
      map(PCPU_GDT_PAGE, f.gdt);
      f.stack.forEach((mfn, s) => map(PCPU_STACK_PAGE + s, mfn));
    }
  }

  /** The M2P as a typed array over emulated RAM (one entry per machine frame). */
  m2pView(): Uint32Array {
    return new Uint32Array(this.mem.u8.buffer, this.m2pFirst * 4096, this.mem.frames);
  }

  /** Top of physical CPU `p`'s hypervisor stack (linear). */
  stackTop(p: number): number {
    return (pcpuAreaVa(this.layout, p, PCPU_STACK_PAGE + PCPU_STACK_PAGES)) >>> 0;
  }

  /** Creates the per-domain L1s of a new domain (its vCPUs' GDT/LDT windows, initially empty). */
  createPerDomain(domid: number): void {
    const n = PER_DOMAIN_BYTES / this.layout.l1Span;
    const l1s: number[] = [];
    for (let i = 0; i < n; i++) l1s.push(this.take(1));
    this.perDomainL1s.set(domid, l1s);
  }

  destroyPerDomain(domid: number): void {
    for (const mfn of this.perDomainL1s.get(domid) ?? []) {
      this.alloc.release(mfn);
      this.xenFrames.splice(this.xenFrames.indexOf(mfn), 1);
    }
    this.perDomainL1s.delete(domid);
  }

  /**
   * Maps `mfn` at page `page` of the domain's per-domain area; {@link ZERO_PAGE} maps the shared
   * zero page read-only (unused GDT pages read as null descriptors), {@link NOT_PRESENT} clears it.
   */
  mapPerDomain(domid: number, page: number, mfn: number, writable: boolean): void {
    const l1s = this.perDomainL1s.get(domid);
    if (l1s === undefined) throw new Error(`domain ${domid} has no per-domain area`);
    const per = this.layout.entriesPerTable;
    const l1 = l1s[Math.floor(page / per)]!;
    const value =
      mfn === NOT_PRESENT ? 0 : mfn === ZERO_PAGE ? (this.zeroFrame * 4096) | XEN_RO : (mfn * 4096) | (writable ? XEN_RW : XEN_RO);
    this.mem.writePte(this.pae, l1, page % per, value);
  }

  /**
   * Writes Xen's entries into a guest top table that carries the hole: the 2-level L2, or the
   * PAE L2 referenced from L3 slot 3. Called by the MMU when it validates such a table.
   */
  fillXenSlots(domid: number, mfn: number): void {
    const l = this.layout;
    const shift = this.pae ? 21 : 22;
    const mask = this.pae ? 511 : 1023;
    const slot = (va: number): number => (va >>> shift) & mask;
    const pde = (l1: number): number => (l1 * 4096) | Pte.PRESENT | Pte.RW | Pte.ACCESSED;
    // Clear every hole slot first: nothing the guest wrote there survives.
    for (let i = slot(l.hypervisorVirtStart); i <= mask; i++) this.mem.writePte(this.pae, mfn, i, 0);
    this.m2pL1s.forEach((l1, i) => this.mem.writePte(this.pae, mfn, slot(l.m2pStart) + i, pde(l1)));
    const per = this.perDomainL1s.get(domid);
    if (per !== undefined && domid !== DomId.DOMID_XEN) {
      per.forEach((l1, i) => this.mem.writePte(this.pae, mfn, slot(l.perDomainStart) + i, pde(l1)));
    }
    this.mem.writePte(this.pae, mfn, slot(l.xenPrivateStart), pde(this.privateL1));
  }

  private take(count: number, contiguous = false): number {
    const first = contiguous ? this.alloc.allocContiguous(count) : this.alloc.alloc();
    if (first < 0) throw new RangeError('out of machine memory while setting up Xen');
    for (let i = 0; i < count; i++) {
      this.mem.clearFrame(first + i);
      this.xenFrames.push(first + i);
    }
    return first;
  }
}
