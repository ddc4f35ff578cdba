// mmuext_op semantics (xen-abi.md §2.8): pinning, base pointer switch, local TLB actions.
import { MmuextCmd, XenErrno } from '@xen-ts/abi';
import { PageType } from './frame-table.js';
import type { BatchResult, Mmu } from './mmu.js';

/** One op: `struct mmuext_op` (an `MmuextOpView` fits). */
export interface MmuextOpReq {
  cmd: number;
  arg1: number;
  arg2?: number;
}

/** What the caller (who owns the CPU) must do after the batch. */
export interface MmuActions {
  /** Flush the local TLB. */
  flushTlb: boolean;
  /** Linear addresses to invalidate locally. */
  invlpg: number[];
  /** Set when NEW_BASEPTR ran: the mfn to load into CR3. */
  newBaseptr?: number;
}

export interface MmuextResult extends BatchResult {
  actions: MmuActions;
}

export function mmuextOp(mmu: Mmu, domid: number, ops: readonly MmuextOpReq[]): MmuextResult {
  const actions: MmuActions = { flushTlb: false, invlpg: [] };
  for (let i = 0; i < ops.length; i++) {
    const rc = mmuextOne(mmu, domid, ops[i]!, actions);
    if (rc !== 0) return { done: i, rc, actions };
  }
  return { done: ops.length, rc: 0, actions };
}

function checkOwned(mmu: Mmu, domid: number, mfn: number): number {
  if (!mmu.ft.isValidMfn(mfn)) return -XenErrno.EINVAL;
  if (mmu.ft.owner(mfn) !== domid) return -XenErrno.EPERM;
  return 0;
}

function mmuextOne(mmu: Mmu, domid: number, op: MmuextOpReq, actions: MmuActions): number {
  const { ft } = mmu;
  const mfn = op.arg1 >>> 0;
  switch (op.cmd) {
    case MmuextCmd.MMUEXT_PIN_L1_TABLE:
    case MmuextCmd.MMUEXT_PIN_L2_TABLE: {
      const rc = checkOwned(mmu, domid, mfn);
      if (rc !== 0) return rc;
      if (ft.isPinned(mfn)) return -XenErrno.EINVAL;
      const type = op.cmd === MmuextCmd.MMUEXT_PIN_L1_TABLE ? PageType.L1 : PageType.L2;
      const rt = ft.getPageAndType(mfn, domid, type);
      if (rt !== 0) return rt;
      ft.setPinned(mfn, true);
      return 0;
    }
    case MmuextCmd.MMUEXT_PIN_L3_TABLE:
    case MmuextCmd.MMUEXT_PIN_L4_TABLE:
      return -XenErrno.EINVAL; // not in the 2-level layout
    case MmuextCmd.MMUEXT_UNPIN_TABLE: {
      const rc = checkOwned(mmu, domid, mfn);
      if (rc !== 0) return rc;
      if (!ft.isPinned(mfn)) return -XenErrno.EINVAL;
      ft.setPinned(mfn, false);
      ft.putPageAndType(mfn);
      return 0;
    }
    case MmuextCmd.MMUEXT_NEW_BASEPTR: {
      const rc = checkOwned(mmu, domid, mfn);
      if (rc !== 0) return rc;
      const rt = ft.getPageAndType(mfn, domid, PageType.L2);
      if (rt !== 0) return rt;
      const old = mmu.baseptr.get(domid);
      mmu.baseptr.set(domid, mfn);
      if (old !== undefined) ft.putPageAndType(old);
      actions.newBaseptr = mfn;
      actions.flushTlb = true;
      return 0;
    }
    case MmuextCmd.MMUEXT_TLB_FLUSH_LOCAL:
      actions.flushTlb = true;
      return 0;
    case MmuextCmd.MMUEXT_INVLPG_LOCAL:
      actions.invlpg.push(op.arg1 >>> 0);
      return 0;
    default:
      return -XenErrno.ENOSYS;
  }
}
