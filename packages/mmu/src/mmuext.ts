// mmuext_op semantics (xen-abi.md §2.8): pinning, base pointer switch, TLB and cache actions, LDT,
// page clear/copy, for both layouts and per vCPU.
import { MmuextCmd, XenErrno } from '@xen-ts/abi';
import { MAX_LDT_ENTRIES } from './descriptor.js';
import { destroyLdtFrames } from './descriptor-tables.js';
import { PageType } from './frame-table.js';
import { isValidVcpu, vcpuKey, type BatchResult, type Mmu } from './mmu.js';
import { FOREIGNDOM_SELF } from './mmu-update.js';
import { ENTRIES_PER_TABLE } from './validate.js';

/** One op: `struct mmuext_op` (an `MmuextOpView` fits). */
export interface MmuextOpReq {
  cmd: number;
  arg1: number;
  arg2?: number;
}

/** What the caller (who owns the CPUs) must do after the call. Optional fields appear only when set. */
export interface MmuActions {
  /** Flush the calling vCPU's TLB. */
  flushTlb: boolean;
  /** Linear addresses to invalidate on the calling vCPU. */
  invlpg: number[];
  /** Set when NEW_BASEPTR ran: the mfn to load into CR3 (2-level: the L2; PAE: the L3). */
  newBaseptr?: number;
  /** Flush the TLB of every vCPU of the domain (TLB_FLUSH_ALL/MULTI, UVMF_ALL or a vCPU mask). */
  flushTlbAllVcpus?: boolean;
  /** Linear addresses to invalidate on every vCPU of the domain (INVLPG_ALL/MULTI, UVMF_INVLPG with ALL/mask). */
  invlpgAllVcpus?: number[];
  /** MMUEXT_SET_LDT changed the calling vCPU's LDT: load it (its frames are mapped lazily, see mapLdtFrame). */
  setLdt?: { va: number; ents: number };
  /** Write back and invalidate caches (FLUSH_CACHE / FLUSH_CACHE_GLOBAL by a permitted domain). */
  flushCache?: boolean;
}

export interface MmuextResult extends BatchResult {
  actions: MmuActions;
}

export interface MmuextOptions {
  /** The calling vCPU (default 0): NEW_BASEPTR and SET_LDT act on it. */
  vcpu?: number;
  /** `foreigndom` (xen.h): the domain whose frames pin/unpin/clear/copy name; default DOMID_SELF. */
  foreigndom?: number;
}

export function newActions(): MmuActions {
  return { flushTlb: false, invlpg: [] };
}

interface Ctx {
  mmu: Mmu;
  domid: number;
  vcpu: number;
  pgOwner: number;
  actions: MmuActions;
}

/**
 * Run `ops` for vCPU `opts.vcpu` (default 0) of `domid`, stopping at the first failure. A foreign
 * `opts.foreigndom` needs a privileged caller (-EPERM, nothing done) and must exist (-ESRCH); only
 * pin/unpin/clear/copy may then act on it, everything else is -EPERM.
 */
export function mmuextOp(mmu: Mmu, domid: number, ops: readonly MmuextOpReq[], opts: MmuextOptions = {}): MmuextResult {
  const actions = newActions();
  const vcpu = opts.vcpu ?? 0;
  if (!isValidVcpu(vcpu)) return { done: 0, rc: -XenErrno.EINVAL, actions };
  const pgOwner = mmu.pageOwner(domid, (opts.foreigndom ?? FOREIGNDOM_SELF) & 0xffff);
  if (pgOwner < 0) return { done: 0, rc: pgOwner, actions };
  const ctx: Ctx = { mmu, domid, vcpu, pgOwner, actions };
  for (let i = 0; i < ops.length; i++) {
    const rc = mmuextOne(ctx, ops[i]!);
    if (rc !== 0) return { done: i, rc, actions };
  }
  return { done: ops.length, rc: 0, actions };
}

function checkOwned(mmu: Mmu, owner: number, mfn: number): number {
  if (!mmu.ft.isValidMfn(mfn)) return -XenErrno.EINVAL;
  // Xen: get_page_from_gfn(pg_owner, ...) finds no page of that owner → -EINVAL.
  if (mmu.ft.owner(mfn) !== owner) return -XenErrno.EINVAL;
  return 0;
}

/** Xen's __addr_ok for a 32-bit guest: below the hypervisor hole. */
function addrOk(mmu: Mmu, va: number): boolean {
  return va < mmu.layout.hypervisorVirtStart;
}

function addInvlpgAll(actions: MmuActions, va: number): void {
  (actions.invlpgAllVcpus ??= []).push(va);
}

function pin(ctx: Ctx, mfn: number, type: PageType): number {
  const { mmu, pgOwner } = ctx;
  const rc = checkOwned(mmu, pgOwner, mfn);
  if (rc !== 0) return rc;
  if (mmu.ft.isPinned(mfn)) return -XenErrno.EINVAL;
  const rt = mmu.ft.getPageAndType(mfn, pgOwner, type);
  if (rt !== 0) return rt;
  mmu.ft.setPinned(mfn, true);
  return 0;
}

function mmuextOne(ctx: Ctx, op: MmuextOpReq): number {
  const { mmu, domid, pgOwner, actions } = ctx;
  const { ft } = mmu;
  const self = pgOwner === domid;
  const arg1 = op.arg1 >>> 0;
  const arg2 = (op.arg2 ?? 0) >>> 0;
  switch (op.cmd) {
    case MmuextCmd.MMUEXT_PIN_L1_TABLE:
      return pin(ctx, arg1, PageType.L1);
    case MmuextCmd.MMUEXT_PIN_L2_TABLE:
      return pin(ctx, arg1, PageType.L2);
    case MmuextCmd.MMUEXT_PIN_L3_TABLE:
      // Xen ignores pins of paging levels the guest does not have ("Ignore pinning of invalid
      // paging levels"): an L3 pin in the 2-level layout succeeds and does nothing.
      return mmu.layout.pae ? pin(ctx, arg1, PageType.L3) : 0;
    case MmuextCmd.MMUEXT_PIN_L4_TABLE:
      return 0; // Xen: ignored for 32-bit PV guests
    case MmuextCmd.MMUEXT_UNPIN_TABLE: {
      const rc = checkOwned(mmu, pgOwner, arg1);
      if (rc !== 0) return rc;
      if (!ft.isPinned(arg1)) return -XenErrno.EINVAL;
      ft.setPinned(arg1, false);
      ft.putPageAndType(arg1);
      return 0;
    }
    case MmuextCmd.MMUEXT_NEW_BASEPTR:
      if (!self) return -XenErrno.EPERM;
      return newBaseptr(ctx, arg1);
    case MmuextCmd.MMUEXT_TLB_FLUSH_LOCAL:
      if (!self) return -XenErrno.EPERM;
      actions.flushTlb = true;
      return 0;
    case MmuextCmd.MMUEXT_INVLPG_LOCAL:
      if (!self) return -XenErrno.EPERM;
      actions.invlpg.push(arg1);
      return 0;
    case MmuextCmd.MMUEXT_TLB_FLUSH_MULTI:
    case MmuextCmd.MMUEXT_TLB_FLUSH_ALL:
      // MULTI names a guest vCPU bitmap we cannot read here: flushing every vCPU is a safe superset.
      if (!self) return -XenErrno.EPERM;
      actions.flushTlbAllVcpus = true;
      return 0;
    case MmuextCmd.MMUEXT_INVLPG_MULTI:
    case MmuextCmd.MMUEXT_INVLPG_ALL:
      if (!self) return -XenErrno.EPERM;
      if (addrOk(mmu, arg1)) addInvlpgAll(actions, arg1); // Xen skips addresses in the hole silently
      return 0;
    case MmuextCmd.MMUEXT_FLUSH_CACHE:
      // Xen: only domains with I/O resources may flush caches (cache_flush_permitted), else -EACCES.
      if (!self) return -XenErrno.EPERM;
      if (!mmu.isPrivileged(domid)) return -XenErrno.EACCES;
      actions.flushCache = true;
      return 0;
    case MmuextCmd.MMUEXT_FLUSH_CACHE_GLOBAL:
      if (!self) return -XenErrno.EPERM;
      if (!mmu.isPrivileged(domid)) return -XenErrno.EINVAL; // Xen returns -EINVAL here
      actions.flushCache = true;
      return 0;
    case MmuextCmd.MMUEXT_SET_LDT:
      if (!self) return -XenErrno.EPERM;
      return setLdt(ctx, arg1, arg2);
    case MmuextCmd.MMUEXT_CLEAR_PAGE: {
      if (!ft.isValidMfn(arg1) || ft.owner(arg1) !== pgOwner) return -XenErrno.EINVAL;
      if (ft.getPageType(arg1, PageType.Writable) !== 0) return -XenErrno.EINVAL;
      for (let i = 0; i < ENTRIES_PER_TABLE; i++) mmu.mem.write32(arg1, i, 0);
      ft.putPageType(arg1);
      return 0;
    }
    case MmuextCmd.MMUEXT_COPY_PAGE: {
      // arg1 = destination mfn, arg2 = source mfn; both the page owner's.
      if (!ft.isValidMfn(arg2) || ft.owner(arg2) !== pgOwner) return -XenErrno.EINVAL;
      if (!ft.isValidMfn(arg1) || ft.owner(arg1) !== pgOwner) return -XenErrno.EINVAL;
      if (ft.getPageType(arg1, PageType.Writable) !== 0) return -XenErrno.EINVAL;
      if (arg1 !== arg2) for (let i = 0; i < ENTRIES_PER_TABLE; i++) mmu.mem.write32(arg1, i, mmu.mem.read32(arg2, i));
      ft.putPageType(arg1);
      return 0;
    }
    case MmuextCmd.MMUEXT_MARK_SUPER:
    case MmuextCmd.MMUEXT_UNMARK_SUPER:
      return -XenErrno.EOPNOTSUPP; // current Xen: superpage tracking was removed
    default:
      return -XenErrno.ENOSYS; // includes NEW_USER_BASEPTR (x86-64 only)
  }
}

/**
 * Xen's new_guest_cr3: take a top-level (L2 / PAE L3) reference on the new base before dropping the
 * old one and drop the vCPU's mapped LDT frames (unless the base is unchanged); the caller loads CR3
 * and flushes.
 */
function newBaseptr(ctx: Ctx, mfn: number): number {
  const { mmu, domid, vcpu, actions } = ctx;
  const rc = checkOwned(mmu, domid, mfn);
  if (rc !== 0) return rc;
  const key = vcpuKey(domid, vcpu);
  const old = mmu.baseptr.get(key);
  if (old !== mfn) {
    const rt = mmu.ft.getPageAndType(mfn, domid, mmu.topLevelType);
    if (rt !== 0) return rt;
    mmu.baseptr.set(key, mfn);
    if (old !== undefined) mmu.ft.putPageAndType(old);
    destroyLdtFrames(mmu, domid, vcpu);
  }
  actions.newBaseptr = mfn;
  actions.flushTlb = true;
  return 0;
}

/**
 * MMUEXT_SET_LDT(linear_addr, nr_ents): page-aligned, at most 8192 entries, and the whole table
 * below the hole (Xen checks only the start; the end check is ours, see DESIGN.md). nr_ents 0
 * means no LDT. A change drops the frames mapped for the old LDT and asks the caller to load it.
 */
function setLdt(ctx: Ctx, linear: number, ents: number): number {
  const { mmu, domid, vcpu, actions } = ctx;
  const va = ents === 0 ? 0 : linear;
  if (va % 4096 !== 0 || ents > MAX_LDT_ENTRIES || va + ents * 8 > mmu.layout.hypervisorVirtStart) return -XenErrno.EINVAL;
  const key = vcpuKey(domid, vcpu);
  const cur = mmu.ldt.get(key);
  if ((cur?.va ?? 0) === va && (cur?.ents ?? 0) === ents) return 0;
  if (destroyLdtFrames(mmu, domid, vcpu)) actions.flushTlb = true;
  if (ents === 0) mmu.ldt.delete(key);
  else mmu.ldt.set(key, { va, ents, frames: [] });
  actions.setLdt = { va, ents };
  return 0;
}
