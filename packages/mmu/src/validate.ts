// L1 and L2 entry validation for the 2-level non-PAE layout, and the reference taking/dropping that
// goes with each present entry (Xen's get_page_from_l1e / l2e and their put_ counterparts).
import { HYPERVISOR_VIRT_START_2L, XenErrno } from '@xen-ts/abi';
import { FrameTable, PageType, type PageTableHooks } from './frame-table.js';

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

export const ENTRIES_PER_TABLE = 1024;
/** First L2 slot of the hypervisor hole (0xFC000000 >> 22 = 1008); slots 1008..1023 are Xen's. */
export const FIRST_XEN_L2_SLOT = HYPERVISOR_VIRT_START_2L >>> 22;

export const Pte = {
  PRESENT: 0x001,
  RW: 0x002,
  USER: 0x004,
  PWT: 0x008,
  PCD: 0x010,
  ACCESSED: 0x020,
  DIRTY: 0x040,
  /** PAT in an L1 entry, PSE (4 MiB page) in an L2 entry. */
  PAT_PSE: 0x080,
  GLOBAL: 0x100,
} as const;

/** Flag bits a guest may not set in a present L1 entry: PAT (Xen's layout is not exposed yet) and GLOBAL. */
export const L1_DISALLOW_MASK = Pte.PAT_PSE | Pte.GLOBAL;
/** Flag bits a guest may not set in a present L2 entry: PSE (no guest superpages) and GLOBAL. */
export const L2_DISALLOW_MASK = Pte.PAT_PSE | Pte.GLOBAL;

export function isGuestL2Slot(slot: number): boolean {
  return slot >= 0 && slot < FIRST_XEN_L2_SLOT;
}

/** Entry checks and reference taking for page-table frames; the frame table's {@link PageTableHooks}. */
export class PageTableValidator implements PageTableHooks {
  constructor(
    readonly ft: FrameTable,
    readonly mem: MachineMemory,
    readonly grants: GrantCheck = NO_GRANTS,
  ) {}

  /** Check a new L1 entry for `domid` and take its references. 0 or -errno (nothing taken). */
  getFromL1e(pte: number, domid: number): number {
    if ((pte & Pte.PRESENT) === 0) return 0;
    if ((pte & L1_DISALLOW_MASK) !== 0) return -XenErrno.EINVAL;
    const mfn = pte >>> 12;
    if (!this.ft.isValidMfn(mfn)) return -XenErrno.EINVAL;
    const writable = (pte & Pte.RW) !== 0;
    const foreignOk = this.ft.owner(mfn) !== domid && this.grants.allowsMapping(domid, mfn, writable);
    const rc = this.ft.getPage(mfn, domid, foreignOk);
    if (rc !== 0) return rc;
    if (writable) {
      const rt = this.ft.getPageType(mfn, PageType.Writable);
      if (rt !== 0) {
        this.ft.putPage(mfn);
        return rt;
      }
    }
    return 0;
  }

  putFromL1e(pte: number): void {
    if ((pte & Pte.PRESENT) === 0) return;
    const mfn = pte >>> 12;
    if ((pte & Pte.RW) !== 0) this.ft.putPageType(mfn);
    this.ft.putPage(mfn);
  }

  /** Check a new L2 entry for `domid`: it must map one of the domain's frames as an L1. */
  getFromL2e(pte: number, domid: number): number {
    if ((pte & Pte.PRESENT) === 0) return 0;
    if ((pte & L2_DISALLOW_MASK) !== 0) return -XenErrno.EINVAL;
    const mfn = pte >>> 12;
    if (!this.ft.isValidMfn(mfn)) return -XenErrno.EINVAL;
    return this.ft.getPageAndType(mfn, domid, PageType.L1);
  }

  putFromL2e(pte: number): void {
    if ((pte & Pte.PRESENT) === 0) return;
    this.ft.putPageAndType(pte >>> 12);
  }

  validate(mfn: number, type: PageType): number {
    const domid = this.ft.owner(mfn);
    if (type === PageType.L1) return this.validateTable(mfn, domid, ENTRIES_PER_TABLE, false);
    if (type === PageType.L2) return this.validateTable(mfn, domid, FIRST_XEN_L2_SLOT, true);
    return -XenErrno.EINVAL; // L3/L4: not in the 2-level layout
  }

  release(mfn: number, type: PageType): void {
    if (type === PageType.L1) {
      for (let i = 0; i < ENTRIES_PER_TABLE; i++) this.putFromL1e(this.mem.read32(mfn, i));
    } else if (type === PageType.L2) {
      for (let i = 0; i < FIRST_XEN_L2_SLOT; i++) this.putFromL2e(this.mem.read32(mfn, i));
    }
  }

  private validateTable(mfn: number, domid: number, n: number, l2: boolean): number {
    for (let i = 0; i < n; i++) {
      const pte = this.mem.read32(mfn, i);
      const rc = l2 ? this.getFromL2e(pte, domid) : this.getFromL1e(pte, domid);
      if (rc !== 0) {
        for (let j = i - 1; j >= 0; j--) {
          const old = this.mem.read32(mfn, j);
          if (l2) this.putFromL2e(old);
          else this.putFromL1e(old);
        }
        return rc;
      }
    }
    return 0;
  }
}
