// The frame table: per machine frame, its owner, type, type count, reference count and flags,
// held in typed arrays (one slot per frame, no per-frame objects). See DESIGN.md.
import { DomId, XenErrno } from '@xen-ts/abi';

/** Frame types. A frame has exactly one type while its type count is non-zero. */
export const PageType = {
  None: 0,
  L1: 1,
  L2: 2,
  /** PAE page directory pointer table (the PAE top level). */
  L3: 3,
  /** Reserved (x86-64 only). */
  L4: 4,
  /** GDT or LDT page. */
  SegDesc: 5,
  Writable: 6,
} as const;
export type PageType = (typeof PageType)[keyof typeof PageType];

/** True for the page-table types L1..L4. */
export function isPageTableType(t: number): boolean {
  return t >= PageType.L1 && t <= PageType.L4;
}

/** Types whose contents are checked when the type is taken: page tables and descriptor pages. */
export function isValidatedType(t: number): boolean {
  return isPageTableType(t) || t === PageType.SegDesc;
}

/** Owner value of a frame that belongs to no domain. */
export const NO_OWNER = DomId.DOMID_INVALID;

const FLAG_PINNED = 1;
const FLAG_VALIDATED = 2;
/** Xen's PGT_pae_xen_l2: an L2 used in PAE L3 slot 3, carrying Xen's entries; part of the type. */
const FLAG_XEN_L2 = 4;
const COUNT_MAX = 0x7fffffff;

/**
 * What the frame table calls when a frame takes or loses a page-table type: validate its entries
 * (taking the references they need) or release them. Implemented by {@link PageTableValidator}.
 */
export interface PageTableHooks {
  /**
   * Take the references the frame's entries need (page tables) or check its descriptors (SegDesc);
   * 0 or -errno, leaving nothing taken on failure.
   */
  validate(mfn: number, type: PageType): number;
  /** Drop the references the frame's entries hold. */
  release(mfn: number, type: PageType): void;
}

export class FrameTable {
  readonly frames: number;
  private readonly owners: Uint16Array;
  private readonly types: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly typeCounts: Uint32Array;
  private readonly refCounts: Uint32Array;
  /** Set by the MMU; without it page-table types cannot be taken. */
  hooks: PageTableHooks | undefined;

  constructor(frames: number) {
    this.frames = frames;
    this.owners = new Uint16Array(frames).fill(NO_OWNER);
    this.types = new Uint8Array(frames);
    this.flags = new Uint8Array(frames);
    this.typeCounts = new Uint32Array(frames);
    this.refCounts = new Uint32Array(frames);
  }

  isValidMfn(mfn: number): boolean {
    return Number.isInteger(mfn) && mfn >= 0 && mfn < this.frames;
  }

  owner(mfn: number): number {
    return this.owners[mfn]!;
  }
  type(mfn: number): PageType {
    return this.types[mfn] as PageType;
  }
  typeCount(mfn: number): number {
    return this.typeCounts[mfn]!;
  }
  refCount(mfn: number): number {
    return this.refCounts[mfn]!;
  }
  isPinned(mfn: number): boolean {
    return (this.flags[mfn]! & FLAG_PINNED) !== 0;
  }
  isValidated(mfn: number): boolean {
    return (this.flags[mfn]! & FLAG_VALIDATED) !== 0;
  }
  /** PAE: the frame is typed as the L2 of L3 slot 3 (Xen's PGT_pae_xen_l2). */
  isPaeXenL2(mfn: number): boolean {
    return (this.flags[mfn]! & FLAG_XEN_L2) !== 0;
  }
  /** Used by the pin operations only. */
  setPinned(mfn: number, pinned: boolean): void {
    if (pinned) this.flags[mfn]! |= FLAG_PINNED;
    else this.flags[mfn]! &= ~FLAG_PINNED;
  }

  /** Give frames to a domain (the domain builder / allocator). Refused while referenced. */
  assign(mfn: number, domid: number): number {
    if (!this.isValidMfn(mfn)) return -XenErrno.EINVAL;
    if (this.refCounts[mfn]! !== 0 || this.typeCounts[mfn]! !== 0) return -XenErrno.EBUSY;
    this.owners[mfn] = domid;
    return 0;
  }

  /**
   * Take a general reference. `domid` must own the frame unless `foreignOk` (a grant said so).
   * 0 or -EINVAL (no such frame) / -EPERM (not the owner) / -ENOMEM (count overflow).
   */
  getPage(mfn: number, domid: number, foreignOk = false): number {
    if (!this.isValidMfn(mfn)) return -XenErrno.EINVAL;
    const owner = this.owners[mfn]!;
    if (owner === NO_OWNER || (owner !== domid && !foreignOk)) return -XenErrno.EPERM;
    if (this.refCounts[mfn]! >= COUNT_MAX) return -XenErrno.ENOMEM;
    this.refCounts[mfn]!++;
    return 0;
  }

  putPage(mfn: number): void {
    if (this.refCounts[mfn]! === 0) throw new Error(`putPage: mfn ${mfn} has no references`);
    this.refCounts[mfn]!--;
  }

  /**
   * Take a type reference. The type may change only while the type count is 0; taking a
   * page-table or SegDesc type validates the frame first (the frame is marked typed-but-unvalidated
   * meanwhile, so recursion back into it fails). `paeXenL2` is part of the type (Xen's
   * PGT_pae_xen_l2): an L2 typed one way cannot be taken the other way. 0 or -EINVAL (type conflict /
   * validation failure) or the validator's error; on failure nothing changes.
   */
  getPageType(mfn: number, type: PageType, paeXenL2 = false): number {
    if (!this.isValidMfn(mfn) || type === PageType.None) return -XenErrno.EINVAL;
    if (paeXenL2 && type !== PageType.L2) return -XenErrno.EINVAL;
    const count = this.typeCounts[mfn]!;
    if (count > 0) {
      if (this.types[mfn] !== type || this.isPaeXenL2(mfn) !== paeXenL2) return -XenErrno.EINVAL;
      if (isValidatedType(type) && !this.isValidated(mfn)) return -XenErrno.EINVAL; // being validated
      if (count >= COUNT_MAX) return -XenErrno.ENOMEM;
      this.typeCounts[mfn] = count + 1;
      return 0;
    }
    this.types[mfn] = type;
    this.typeCounts[mfn] = 1;
    if (paeXenL2) this.flags[mfn]! |= FLAG_XEN_L2;
    if (isValidatedType(type)) {
      const rc = this.hooks ? this.hooks.validate(mfn, type) : -XenErrno.EINVAL;
      if (rc !== 0) {
        this.types[mfn] = PageType.None;
        this.typeCounts[mfn] = 0;
        this.flags[mfn]! &= ~FLAG_XEN_L2;
        return rc;
      }
      this.flags[mfn]! |= FLAG_VALIDATED;
    }
    return 0;
  }

  /** Drop a type reference; the last one of a page-table frame releases what its entries hold. */
  putPageType(mfn: number): void {
    const count = this.typeCounts[mfn]!;
    if (count === 0) throw new Error(`putPageType: mfn ${mfn} has no type references`);
    if (count > 1) {
      this.typeCounts[mfn] = count - 1;
      return;
    }
    const type = this.types[mfn] as PageType;
    if (isValidatedType(type) && this.isValidated(mfn)) {
      this.flags[mfn]! &= ~FLAG_VALIDATED;
      this.hooks?.release(mfn, type);
    }
    this.flags[mfn]! &= ~FLAG_XEN_L2;
    this.typeCounts[mfn] = 0;
    this.types[mfn] = PageType.None;
  }

  /**
   * getPage then getPageType, undoing the first if the second fails. As Xen's
   * get_page_and_type_from_mfn, a frame that cannot be referenced (none, not `domid`'s, count
   * overflow) is -EINVAL; a type failure returns getPageType's error (including what validating the
   * frame's entries returned, e.g. -EBUSY from an L1 entry naming another domain's frame).
   */
  getPageAndType(mfn: number, domid: number, type: PageType, paeXenL2 = false): number {
    if (this.getPage(mfn, domid) !== 0) return -XenErrno.EINVAL;
    const rt = this.getPageType(mfn, type, paeXenL2);
    if (rt !== 0) this.putPage(mfn);
    return rt;
  }

  putPageAndType(mfn: number): void {
    this.putPageType(mfn);
    this.putPage(mfn);
  }
}
