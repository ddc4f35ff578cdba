// mmu_update semantics (xen-abi.md §2.8): MMU_NORMAL_PT_UPDATE and MMU_MACHPHYS_UPDATE.
import { MmuCmd, XenErrno } from '@xen-ts/abi';
import { PageType } from './frame-table.js';
import type { BatchResult, Mmu } from './mmu.js';
import { isGuestL2Slot } from './validate.js';

/** One request: `struct mmu_update` (an `MmuUpdateView` fits). */
export interface MmuUpdateReq {
  ptr: bigint;
  val: bigint;
}

/** Process `reqs` in order for `domid`, stopping at the first failure. */
export function mmuUpdate(mmu: Mmu, domid: number, reqs: readonly MmuUpdateReq[]): BatchResult {
  for (let i = 0; i < reqs.length; i++) {
    const rc = mmuUpdateOne(mmu, domid, reqs[i]!);
    if (rc !== 0) return { done: i, rc };
  }
  return { done: reqs.length, rc: 0 };
}

export function mmuUpdateOne(mmu: Mmu, domid: number, req: MmuUpdateReq): number {
  const cmd = Number(req.ptr & 3n);
  const addr = req.ptr & ~3n;
  if (addr >= BigInt(mmu.ft.frames) << 12n) return -XenErrno.EINVAL;
  const mfn = Number(addr >> 12n);
  switch (cmd) {
    case MmuCmd.MMU_NORMAL_PT_UPDATE:
      if (req.val < 0n || req.val > 0xffffffffn) return -XenErrno.EINVAL;
      return normalPtUpdate(mmu, domid, mfn, Number(addr & 0xfffn) >> 2, Number(req.val));
    case MmuCmd.MMU_MACHPHYS_UPDATE:
      if (req.val < 0n || req.val > 0xffffffffn) return -XenErrno.EINVAL;
      if (mmu.ft.owner(mfn) !== domid) return -XenErrno.EPERM;
      mmu.m2p[mfn] = Number(req.val);
      return 0;
    default:
      return -XenErrno.ENOSYS; // PRESERVE_AD / NO_TRANSLATE: not yet
  }
}

/** Checked `*pte = val`: take the new entry's references, write, drop the old entry's. */
function normalPtUpdate(mmu: Mmu, domid: number, mfn: number, index: number, val: number): number {
  const { ft, mem, validator } = mmu;
  if (ft.owner(mfn) !== domid) return -XenErrno.EPERM;
  const type = ft.type(mfn);
  if (ft.typeCount(mfn) > 0 && ft.isValidated(mfn) && (type === PageType.L1 || type === PageType.L2)) {
    const l2 = type === PageType.L2;
    if (l2 && !isGuestL2Slot(index)) return -XenErrno.EPERM;
    const rc = l2 ? validator.getFromL2e(val, domid) : validator.getFromL1e(val, domid);
    if (rc !== 0) return rc;
    const old = mem.read32(mfn, index);
    mem.write32(mfn, index, val);
    if (l2) validator.putFromL2e(old);
    else validator.putFromL1e(old);
    return 0;
  }
  // Not a live page table: an ordinary write, allowed only if the frame could be mapped writable.
  const rc = ft.getPageType(mfn, PageType.Writable);
  if (rc !== 0) return rc;
  mem.write32(mfn, index, val);
  ft.putPageType(mfn);
  return 0;
}
