// mmu_update semantics (xen-abi.md §2.8): MMU_NORMAL_PT_UPDATE, MMU_PT_UPDATE_PRESERVE_AD and
// MMU_MACHPHYS_UPDATE, with foreigndom, for both layouts.
import { DomId, MmuCmd, XenErrno } from '@xen-ts/abi';
import { PageType } from './frame-table.js';
import { PAE_XEN_L3_SLOT } from './layout.js';
import type { BatchResult, Mmu } from './mmu.js';
import { Pte } from './validate.js';

/** One request: `struct mmu_update` (an `MmuUpdateView` fits). */
export interface MmuUpdateReq {
  ptr: bigint;
  val: bigint;
}

/** `foreigndom` argument meaning "no foreign domain": FD = DOMID_SELF, PFD = 0 (self). */
export const FOREIGNDOM_SELF = DomId.DOMID_SELF;

/** Who a batch acts for: the caller, the owner of the page tables (PFD) and of the data pages (FD). */
interface Owners {
  caller: number;
  ptOwner: number;
  pgOwner: number;
}

/**
 * Process `reqs` in order for `domid`, stopping at the first failure. `foreigndom` (xen.h): bits 15:0
 * FD, owner of the data pages mapped by L1 updates (DOMID_SELF = the caller); bits 31:16 PFD + 1,
 * owner of the page tables updated (0 = the caller). A foreign FD or PFD needs a privileged caller
 * (-EPERM at the first update otherwise, as Xen's XSM check); unknown domains are -ESRCH.
 */
export function mmuUpdate(
  mmu: Mmu,
  domid: number,
  reqs: readonly MmuUpdateReq[],
  foreigndom: number = FOREIGNDOM_SELF,
): BatchResult {
  const fd = foreigndom & 0xffff;
  const pfd = (foreigndom >>> 16) & 0xffff;
  let ptOwner = domid;
  if (pfd !== 0) {
    ptOwner = pfd - 1;
    if (ptOwner !== domid && (ptOwner >= DomId.DOMID_FIRST_RESERVED || !mmu.domainExists(ptOwner))) {
      return { done: 0, rc: -XenErrno.ESRCH };
    }
  }
  const pg = mmu.pageOwner(domid, fd);
  if (pg === -XenErrno.ESRCH) return { done: 0, rc: pg };
  // An unprivileged caller naming another domain fails at its first update (XSM_TARGET).
  const denied = pg < 0 || (ptOwner !== domid && !mmu.isPrivileged(domid));
  const owners: Owners = { caller: domid, ptOwner, pgOwner: pg < 0 ? domid : pg };
  for (let i = 0; i < reqs.length; i++) {
    const rc = updateOne(mmu, owners, reqs[i]!, denied);
    if (rc !== 0) return { done: i, rc };
  }
  return { done: reqs.length, rc: 0 };
}

function updateOne(mmu: Mmu, o: Owners, req: MmuUpdateReq, denied: boolean): number {
  const pae = mmu.layout.pae;
  const entryBytes = pae ? 8n : 4n;
  // Xen: cmd = ptr & (sizeof(l1_pgentry_t) - 1); PAE's 8-byte entries leave values 4..7 unknown.
  const cmd = Number(req.ptr & (entryBytes - 1n));
  const addr = req.ptr & ~(entryBytes - 1n);
  if (cmd !== MmuCmd.MMU_NORMAL_PT_UPDATE && cmd !== MmuCmd.MMU_PT_UPDATE_PRESERVE_AD && cmd !== MmuCmd.MMU_MACHPHYS_UPDATE) {
    return -XenErrno.ENOSYS; // includes MMU_PT_UPDATE_NO_TRANSLATE
  }
  if (denied) return -XenErrno.EPERM;
  if (req.ptr < 0n || addr >= BigInt(mmu.ft.frames) << 12n) return -XenErrno.EINVAL;
  const mfn = Number(addr >> 12n);
  if (req.val < 0n || req.val > 0xffffffffffffffffn) return -XenErrno.EINVAL;
  // 2-level entries are 32 bits (intpte_t): Xen stores the low half of the u64 and drops the rest.
  const lo = Number(req.val & 0xffffffffn);
  const hi = pae ? Number(req.val >> 32n) : 0;
  if (cmd === MmuCmd.MMU_MACHPHYS_UPDATE) {
    if (o.caller !== o.ptOwner) return -XenErrno.EPERM;
    // Xen: get_page_from_mfn(mfn, pg_owner) fails → "Could not get page for mach->phys update", -EINVAL.
    if (mmu.ft.owner(mfn) !== o.pgOwner) return -XenErrno.EINVAL;
    if (hi !== 0) return -XenErrno.EINVAL; // the 32-bit M2P holds 32-bit pfns
    mmu.m2p[mfn] = lo;
    return 0;
  }
  const index = Number(addr & 0xfffn) / Number(entryBytes);
  return normalPtUpdate(mmu, o, mfn, index, lo, hi, cmd === MmuCmd.MMU_PT_UPDATE_PRESERVE_AD);
}

/**
 * Checked `*pte = val` in table `mfn` (owned by the page-table owner): take the new entry's
 * references, write, drop the old entry's. Frames that are not live tables are written as plain
 * memory if they could take a Writable reference.
 */
function normalPtUpdate(mmu: Mmu, o: Owners, mfn: number, index: number, lo: number, hi: number, preserveAd: boolean): number {
  const { ft, validator } = mmu;
  // Xen: "Could not get page for normal update", -EINVAL.
  if (ft.owner(mfn) !== o.ptOwner) return -XenErrno.EINVAL;
  const type = ft.type(mfn);
  const live = ft.typeCount(mfn) > 0 && ft.isValidated(mfn);
  if (live && (type === PageType.L1 || type === PageType.L2 || type === PageType.L3)) {
    const oldLo = validator.entryLo(mfn, index);
    const oldHi = validator.entryHi(mfn, index);
    // Xen: MMU_PT_UPDATE_PRESERVE_AD ORs in the A/D bits the CPU may have set meanwhile (PDPTEs have none).
    if (preserveAd && type !== PageType.L3) lo = (lo | (oldLo & (Pte.ACCESSED | Pte.DIRTY))) >>> 0;
    if (type === PageType.L1) {
      const rc = validator.getFromL1e(lo, o.ptOwner, hi, o.pgOwner);
      if (rc !== 0) return rc;
      validator.writeEntry(mfn, index, lo, hi);
      validator.putFromL1e(oldLo, oldHi);
      return 0;
    }
    if (o.pgOwner !== o.ptOwner) return -XenErrno.EINVAL; // only L1s may map foreign frames
    if (type === PageType.L2) {
      // Xen's mod_l2_entry: "L2 update in Xen-private area" is -EPERM.
      if (index >= validator.guestL2Slots(mfn)) return -XenErrno.EPERM;
      const rc = validator.getFromL2e(lo, o.ptOwner, hi);
      if (rc !== 0) return rc;
      validator.writeEntry(mfn, index, lo, hi);
      validator.putFromL2e(oldLo, oldHi);
      return 0;
    }
    // PAE L3: Xen refuses updates of slot 3 (it holds Xen's mappings and must stay valid throughout)
    // and of the slots beyond the 4 PDPTEs.
    if (index >= PAE_XEN_L3_SLOT) return -XenErrno.EINVAL;
    const rc = validator.getFromL3e(lo, hi, o.ptOwner, index);
    if (rc !== 0) return rc;
    validator.writeEntry(mfn, index, lo, hi);
    validator.putFromL3e(oldLo, oldHi);
    return 0;
  }
  // Not a live page table: an ordinary write, allowed only if the frame could be mapped writable.
  const rc = ft.getPageType(mfn, PageType.Writable);
  if (rc !== 0) return rc;
  validator.writeEntry(mfn, index, lo, hi);
  ft.putPageType(mfn);
  return 0;
}

/** One request for `domid` with no foreign domain; 0 or -errno. */
export function mmuUpdateOne(mmu: Mmu, domid: number, req: MmuUpdateReq): number {
  return mmuUpdate(mmu, domid, [req]).rc;
}
