// Grant tables v1 (xen-abi.md §2.13; xen/common/grant_table.c). A domain publishes grant entries
// {flags, domid, frame} in table frames it shares with Xen; another domain maps or copies the
// granted frame through Xen, which checks the entry, marks it in use (GTF_reading/GTF_writing)
// and keeps a map-tracking handle. A grant in use cannot be revoked by the protocol, and the
// page stays referenced until the last mapping goes.
import { Gntst, Gtf } from '@xen-ts/abi';
import type { Domain } from '../domain/domain.js';
import type { RamMachineMemory } from '../machine/machine-memory.js';

export const GRANT_ENTRY_SIZE = 8;
export const GRANTS_PER_FRAME = 512;
/** Xen's default max_grant_frames is 32; a small machine does with 4 (2048 grants). */
export const DEFAULT_MAX_GRANT_FRAMES = 4;

/** One active mapping made by a domain (Xen: struct grant_mapping in the maptrack table). */
export interface GrantMapping {
  readonly granter: number;
  readonly ref: number;
  readonly mfn: number;
  readonly readonly: boolean;
  /** For host mappings: the virtual address whose PTE maps it (0 for device/service maps). */
  readonly hostAddr: number;
  readonly hostMap: boolean;
}

export class GrantTable {
  /** Machine frames of the shared table (GNTTABOP_setup_table). */
  readonly frames: number[] = [];
  /** Active mappings this domain holds, by handle. */
  readonly maptrack = new Map<number, GrantMapping>();
  private nextHandle = 1;
  /** How many mappings (by anyone) use each of our entries: [reading, writing] counts. */
  private readonly pins = new Map<number, { ro: number; rw: number }>();

  constructor(
    readonly domain: Domain,
    private readonly mem: RamMachineMemory,
    readonly maxFrames = DEFAULT_MAX_GRANT_FRAMES,
  ) {}

  get entries(): number {
    return this.frames.length * GRANTS_PER_FRAME;
  }

  private entryAddr(ref: number): number {
    return this.frames[ref >>> 9]! * 4096 + (ref & 511) * GRANT_ENTRY_SIZE;
  }

  readEntry(ref: number): { flags: number; domid: number; frame: number } {
    const a = this.entryAddr(ref);
    const v = this.mem.view;
    return { flags: v.getUint16(a, true), domid: v.getUint16(a + 2, true), frame: v.getUint32(a + 4, true) };
  }

  private setFlags(ref: number, flags: number): void {
    this.mem.view.setUint16(this.entryAddr(ref), flags, true);
  }

  /**
   * Checks entry `ref` for a mapping or copy by `grantee` and pins it. Returns the granted frame or
   * a GNTST_* status. `ownerOk(mfn)` confirms the frame belongs to the granting domain.
   */
  acquire(ref: number, grantee: number, readonly: boolean, ownerOk: (mfn: number) => boolean): number {
    if (!Number.isInteger(ref) || ref < 0 || ref >= this.entries) return Gntst.GNTST_bad_gntref;
    const e = this.readEntry(ref);
    if ((e.flags & Gtf.GTF_type_mask) !== Gtf.GTF_permit_access || e.domid !== grantee) return Gntst.GNTST_permission_denied;
    if (!readonly && (e.flags & Gtf.GTF_readonly) !== 0) return Gntst.GNTST_permission_denied;
    if (!ownerOk(e.frame)) return Gntst.GNTST_bad_page;
    const pin = this.pins.get(ref) ?? { ro: 0, rw: 0 };
    if (readonly) pin.ro++;
    else pin.rw++;
    this.pins.set(ref, pin);
    this.setFlags(ref, e.flags | Gtf.GTF_reading | (readonly ? 0 : Gtf.GTF_writing));
    return e.frame;
  }

  /** Drops one pin taken by {@link acquire}; the in-use bits clear with the last one. */
  release(ref: number, readonly: boolean): void {
    const pin = this.pins.get(ref);
    if (pin === undefined) return;
    if (readonly) pin.ro = Math.max(0, pin.ro - 1);
    else pin.rw = Math.max(0, pin.rw - 1);
    const flags = this.readEntry(ref).flags;
    let next = flags;
    if (pin.rw === 0) next &= ~Gtf.GTF_writing;
    if (pin.rw === 0 && pin.ro === 0) {
      next &= ~Gtf.GTF_reading;
      this.pins.delete(ref);
    }
    if (next !== flags) this.setFlags(ref, next);
  }

  /** Is `mfn` currently granted to and pinned for `grantee` (writable if asked)? */
  isPinnedFor(mfn: number, readonly: boolean): boolean {
    for (const [ref, pin] of this.pins) {
      if (this.readEntry(ref).frame !== mfn) continue;
      if (readonly ? pin.ro + pin.rw > 0 : pin.rw > 0) return true;
    }
    return false;
  }

  addMapping(m: GrantMapping): number {
    const handle = this.nextHandle++;
    this.maptrack.set(handle, m);
    return handle;
  }
}
