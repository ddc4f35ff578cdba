// Page-table entry validation for both 32-bit layouts (2-level and PAE), descriptor-page validation,
// and the reference taking/dropping that goes with each present entry (Xen's get_page_from_l1e /
// l2e / l3e and their put_ counterparts).
import { HYPERVISOR_VIRT_START_2L, XenErrno } from '@xen-ts/abi';
import { checkDescriptor, DESCRIPTORS_PER_PAGE } from './descriptor.js';
import { FrameTable, PageType, type PageTableHooks } from './frame-table.js';
import {
  entryMfn,
  LAYOUT_2LEVEL,
  PAE_HI_RESERVED,
  PAE_L3_ENTRIES,
  PAE_L3_HI_RESERVED,
  PAE_XEN_L3_SLOT,
  type PagingLayout,
} from './layout.js';

/** Machine memory as 32-bit words addressed by frame and word index (0..1023). */
export interface MachineMemory {
  read32(mfn: number, index: number): number;
  write32(mfn: number, index: number, value: number): void;
}

/** A MachineMemory over a Uint32Array (1024 words per frame), for tests and tools. */
export class ArrayMachineMemory implements MachineMemory {
  readonly words: Uint32Array;
  constructor(frames: number) {
    this.words = new Uint32Array(frames * ENTRIES_PER_TABLE);
  }
  read32(mfn: number, index: number): number {
    return this.words[mfn * ENTRIES_PER_TABLE + index]!;
  }
  write32(mfn: number, index: number, value: number): void {
    this.words[mfn * ENTRIES_PER_TABLE + index] = value >>> 0;
  }
}

/**
 * May `domid` map frame `mfn` it does not own? Implemented later by the grant-table code.
 * Only L1 (data) mappings consult it; page-table frames must always be the domain's own.
 */
export interface GrantCheck {
  allowsMapping(domid: number, mfn: number, writable: boolean): boolean;
}
export const NO_GRANTS: GrantCheck = { allowsMapping: () => false };

/**
 * Writes Xen's own entries into the hypervisor-hole slots of a top-level table (2-level: an L2's
 * slots 1008..1023; PAE: the L3-slot-3 L2's slots 428..511): the read-only M2P mapping, Xen's
 * private area, the per-domain area. Called each time such a table is validated; the MMU never reads
 * those slots back (validation, release and the invariant checker ignore them).
 */
export interface HypervisorSlotFiller {
  fill(domid: number, mfn: number): void;
}

/** 32-bit words per page; also the entries of a 2-level table. */
export const ENTRIES_PER_TABLE = 1024;
/** First L2 slot of the 2-level hypervisor hole (0xFC000000 >> 22 = 1008); slots 1008..1023 are Xen's. */
export const FIRST_XEN_L2_SLOT = HYPERVISOR_VIRT_START_2L >>> 22;

export const Pte = {
  PRESENT: 0x001,
  RW: 0x002,
  USER: 0x004,
  PWT: 0x008,
  PCD: 0x010,
  ACCESSED: 0x020,
  DIRTY: 0x040,
  /** PAT in an L1 entry, PSE (large page) in an L2 entry. */
  PAT_PSE: 0x080,
  GLOBAL: 0x100,
} as const;

/** Flag bits a guest may not set in a present L1 entry: PAT (Xen's layout is not exposed yet) and GLOBAL. */
export const L1_DISALLOW_MASK = Pte.PAT_PSE | Pte.GLOBAL;
/** Flag bits a guest may not set in a present L2 entry: PSE (no guest superpages) and GLOBAL. */
export const L2_DISALLOW_MASK = Pte.PAT_PSE | Pte.GLOBAL;
/**
 * Low-word bits a present PAE L3 entry (PDPTE) may not set: RW, US, A, D, bit 7, bit 8 are reserved
 * in a PDPTE (Intel SDM, PAE paging); P, PWT, PCD and the software bits 9..11 are allowed.
 */
export const L3_DISALLOW_MASK = 0x1e6;

/** 2-level: is `slot` of an L2 a guest slot (below the hole)? */
export function isGuestL2Slot(slot: number): boolean {
  return slot >= 0 && slot < FIRST_XEN_L2_SLOT;
}

/** Entry checks and reference taking for page-table and descriptor frames; the frame table's {@link PageTableHooks}. */
export class PageTableValidator implements PageTableHooks {
  constructor(
    readonly ft: FrameTable,
    readonly mem: MachineMemory,
    readonly grants: GrantCheck = NO_GRANTS,
    readonly layout: PagingLayout = LAYOUT_2LEVEL,
    readonly xenSlots: HypervisorSlotFiller | undefined = undefined,
  ) {}

  /** Low word of entry `i` of table `mfn`. */
  entryLo(mfn: number, i: number): number {
    return this.mem.read32(mfn, this.layout.pae ? i * 2 : i);
  }
  /** High word of entry `i` (always 0 in the 2-level layout). */
  entryHi(mfn: number, i: number): number {
    return this.layout.pae ? this.mem.read32(mfn, i * 2 + 1) : 0;
  }
  writeEntry(mfn: number, i: number, lo: number, hi: number): void {
    if (this.layout.pae) {
      this.mem.write32(mfn, i * 2, lo);
      this.mem.write32(mfn, i * 2 + 1, hi);
    } else {
      this.mem.write32(mfn, i, lo);
    }
  }

  /** Number of guest-controlled slots of L2 `mfn` (the rest are Xen's). */
  guestL2Slots(mfn: number): number {
    if (!this.layout.pae) return FIRST_XEN_L2_SLOT;
    return this.ft.isPaeXenL2(mfn) ? this.layout.firstXenL2Slot : this.layout.entriesPerTable;
  }

  /**
   * Check a new L1 entry written by `domid` and take its references. The mapped frame must belong
   * to `pgOwner` (the domain itself, or the foreign domain of a privileged mmu_update), or a grant
   * must allow it. 0 or -errno, nothing taken: -EINVAL (disallowed flags, reserved bits), -EPERM
   * (frame past RAM), -EBUSY (frame not `pgOwner`'s and not granted, or a writable mapping of a
   * frame typed as a table or descriptor page).
   */
  getFromL1e(pte: number, domid: number, hi = 0, pgOwner = domid): number {
    if ((pte & Pte.PRESENT) === 0) return 0;
    if ((pte & L1_DISALLOW_MASK) !== 0) return -XenErrno.EINVAL;
    if (!this.hiOk(hi, PAE_HI_RESERVED)) return -XenErrno.EINVAL;
    const mfn = entryMfn(pte, hi);
    // A frame past RAM is I/O space, which no guest here may map (Xen: "non-privileged attempt
    // to map MMIO space", -EPERM).
    if (!this.ft.isValidMfn(mfn)) return -XenErrno.EPERM;
    const writable = (pte & Pte.RW) !== 0;
    const foreignOk = this.ft.owner(mfn) !== pgOwner && this.grants.allowsMapping(domid, mfn, writable);
    const rc = this.ft.getPage(mfn, pgOwner, foreignOk);
    // Someone else's frame: Xen's get_page_from_l1e ends at could_not_pin, -EBUSY.
    if (rc === -XenErrno.EPERM) return -XenErrno.EBUSY;
    if (rc !== 0) return rc;
    // A writable mapping of a page-table or descriptor frame: Xen's get_page_from_l1e fails
    // get_page_type(PGT_writable_page) and also ends at could_not_pin, -EBUSY.
    if (writable && this.ft.getPageType(mfn, PageType.Writable) !== 0) {
      this.ft.putPage(mfn);
      return -XenErrno.EBUSY;
    }
    return 0;
  }

  putFromL1e(pte: number, hi = 0): void {
    if ((pte & Pte.PRESENT) === 0) return;
    const mfn = entryMfn(pte, hi);
    if ((pte & Pte.RW) !== 0) this.ft.putPageType(mfn);
    this.ft.putPage(mfn);
  }

  /**
   * Check a new L2 entry for `domid`: it must map one of the domain's frames as an L1. A frame that
   * is not the domain's is -EINVAL (Xen's get_page_from_l2e → get_page_and_type_from_mfn).
   */
  getFromL2e(pte: number, domid: number, hi = 0): number {
    if ((pte & Pte.PRESENT) === 0) return 0;
    if ((pte & L2_DISALLOW_MASK) !== 0) return -XenErrno.EINVAL;
    if (!this.hiOk(hi, PAE_HI_RESERVED)) return -XenErrno.EINVAL;
    const mfn = entryMfn(pte, hi);
    if (!this.ft.isValidMfn(mfn)) return -XenErrno.EINVAL;
    return this.ft.getPageAndType(mfn, domid, PageType.L1);
  }

  putFromL2e(pte: number, hi = 0): void {
    if ((pte & Pte.PRESENT) === 0) return;
    this.ft.putPageAndType(entryMfn(pte, hi));
  }

  /**
   * PAE: check a new L3 entry for `domid` in `slot`: one of the domain's frames as an L2; slot 3
   * takes it as the L2 that carries Xen's entries (PGT_pae_xen_l2) and must be present. A frame
   * that is not the domain's is -EINVAL (Xen's get_page_from_l3e → get_page_and_type_from_mfn).
   */
  getFromL3e(pte: number, hi: number, domid: number, slot: number): number {
    if (!this.layout.pae) return -XenErrno.EINVAL;
    const xenL2 = slot === PAE_XEN_L3_SLOT;
    if ((pte & Pte.PRESENT) === 0) return xenL2 ? -XenErrno.EINVAL : 0;
    if ((pte & L3_DISALLOW_MASK) !== 0 || (hi & PAE_L3_HI_RESERVED) !== 0) return -XenErrno.EINVAL;
    const mfn = entryMfn(pte, hi);
    if (!this.ft.isValidMfn(mfn)) return -XenErrno.EINVAL;
    return this.ft.getPageAndType(mfn, domid, PageType.L2, xenL2);
  }

  putFromL3e(pte: number, hi: number): void {
    if ((pte & Pte.PRESENT) === 0) return;
    this.ft.putPageAndType(entryMfn(pte, hi));
  }

  validate(mfn: number, type: PageType): number {
    const domid = this.ft.owner(mfn);
    const n = this.layout.entriesPerTable;
    switch (type) {
      case PageType.L1:
        return this.validateEntries(mfn, n, (lo, hi) => this.getFromL1e(lo, domid, hi), (lo, hi) => this.putFromL1e(lo, hi));
      case PageType.L2: {
        const rc = this.validateEntries(
          mfn,
          this.guestL2Slots(mfn),
          (lo, hi) => this.getFromL2e(lo, domid, hi),
          (lo, hi) => this.putFromL2e(lo, hi),
        );
        if (rc === 0 && this.carriesHole(mfn)) this.xenSlots?.fill(domid, mfn);
        return rc;
      }
      case PageType.L3:
        if (!this.layout.pae) return -XenErrno.EINVAL;
        return this.validateEntries(
          mfn,
          PAE_L3_ENTRIES,
          (lo, hi, i) => this.getFromL3e(lo, hi, domid, i),
          (lo, hi) => this.putFromL3e(lo, hi),
        );
      case PageType.SegDesc:
        return this.validateSegDesc(mfn);
      default:
        return -XenErrno.EINVAL; // L4: not a 32-bit layout
    }
  }

  release(mfn: number, type: PageType): void {
    switch (type) {
      case PageType.L1:
        for (let i = 0; i < this.layout.entriesPerTable; i++) this.putFromL1e(this.entryLo(mfn, i), this.entryHi(mfn, i));
        break;
      case PageType.L2:
        for (let i = 0, n = this.guestL2Slots(mfn); i < n; i++) this.putFromL2e(this.entryLo(mfn, i), this.entryHi(mfn, i));
        break;
      case PageType.L3:
        for (let i = 0; i < PAE_L3_ENTRIES; i++) this.putFromL3e(this.entryLo(mfn, i), this.entryHi(mfn, i));
        break;
      default:
        break; // SegDesc pages hold no references
    }
  }

  /** Does L2 `mfn` (typed) hold the hypervisor hole, so Xen's entries go into it? */
  carriesHole(mfn: number): boolean {
    return !this.layout.pae || this.ft.isPaeXenL2(mfn);
  }

  /** Xen's alloc_segdesc_page: every descriptor must pass; the fixed-up forms are written back. */
  private validateSegDesc(mfn: number): number {
    for (let i = 0; i < DESCRIPTORS_PER_PAGE; i++) {
      if (checkDescriptor(this.mem.read32(mfn, 2 * i), this.mem.read32(mfn, 2 * i + 1), this.layout).rc !== 0) {
        return -XenErrno.EINVAL;
      }
    }
    for (let i = 0; i < DESCRIPTORS_PER_PAGE; i++) {
      const lo = this.mem.read32(mfn, 2 * i);
      const hi = this.mem.read32(mfn, 2 * i + 1);
      const d = checkDescriptor(lo, hi, this.layout);
      if (d.lo !== lo) this.mem.write32(mfn, 2 * i, d.lo);
      if (d.hi !== hi) this.mem.write32(mfn, 2 * i + 1, d.hi);
    }
    return 0;
  }

  private hiOk(hi: number, reserved: number): boolean {
    return this.layout.pae ? (hi & reserved) === 0 : hi === 0;
  }

  /** Take every entry's references in order; on a failure drop those already taken. */
  private validateEntries(
    mfn: number,
    n: number,
    get: (lo: number, hi: number, i: number) => number,
    put: (lo: number, hi: number) => void,
  ): number {
    for (let i = 0; i < n; i++) {
      const rc = get(this.entryLo(mfn, i), this.entryHi(mfn, i), i);
      if (rc !== 0) {
        for (let j = i - 1; j >= 0; j--) put(this.entryLo(mfn, j), this.entryHi(mfn, j));
        return rc;
      }
    }
    return 0;
  }
}
