// update_va_mapping and update_va_mapping_otherdomain (xen-abi.md §2.8): change the L1 entry that maps
// `va` in the calling vCPU's current page tables, with the same checks as MMU_NORMAL_PT_UPDATE.
import { Uvmf, XenErrno } from '@xen-ts/abi';
import { PageType } from './frame-table.js';
import { entryMfn, PAE_L3_ENTRIES } from './layout.js';
import { isValidVcpu, type Mmu } from './mmu.js';
import { newActions, type MmuActions } from './mmuext.js';
import { Pte } from './validate.js';

export interface UpdateVaMappingResult {
  rc: number;
  actions: MmuActions;
}

/** Where the L1 entry for a linear address lives: table mfn and entry index. */
export interface L1Slot {
  l1: number;
  index: number;
}

/**
 * Walk vCPU `vcpu`'s current base pointer to the L1 entry that maps `va` (Xen's map_guest_l1e).
 * Returns the slot, or -EINVAL when there is no base pointer, `va` is in the hypervisor hole, an
 * upper-level entry is not present, or the table it names is not a validated L1.
 */
export function findL1Slot(mmu: Mmu, domid: number, vcpu: number, va: number): L1Slot | number {
  const { ft, validator, layout } = mmu;
  va >>>= 0;
  if (!isValidVcpu(vcpu) || va >= layout.hypervisorVirtStart) return -XenErrno.EINVAL;
  const base = mmu.getBaseptr(domid, vcpu);
  if (base === undefined) return -XenErrno.EINVAL;
  let l2 = base;
  if (layout.pae) {
    const i3 = va >>> 30;
    if (i3 >= PAE_L3_ENTRIES) return -XenErrno.EINVAL;
    const lo = validator.entryLo(base, i3);
    if ((lo & Pte.PRESENT) === 0) return -XenErrno.EINVAL;
    l2 = entryMfn(lo, validator.entryHi(base, i3));
  }
  const i2 = layout.pae ? (va >>> 21) & 511 : va >>> 22;
  const lo2 = validator.entryLo(l2, i2);
  if ((lo2 & Pte.PRESENT) === 0) return -XenErrno.EINVAL;
  const l1 = entryMfn(lo2, validator.entryHi(l2, i2));
  if (!ft.isValidMfn(l1) || ft.owner(l1) !== domid || ft.type(l1) !== PageType.L1 || !ft.isValidated(l1)) {
    return -XenErrno.EINVAL;
  }
  return { l1, index: layout.pae ? (va >>> 12) & 511 : (va >>> 12) & 1023 };
}

/**
 * HYPERVISOR_update_va_mapping(va, pte_lo, pte_hi, flags) for vCPU `vcpu` of `domid`: set the L1
 * entry mapping `va` (rules of MMU_NORMAL_PT_UPDATE; `pteHi` must be 0 in the 2-level layout).
 * `flags` (UVMF_*): TLB_FLUSH or INVLPG, for the local vCPU (UVMF_LOCAL), every vCPU (UVMF_ALL) or a
 * vCPU bitmap pointer (treated as every vCPU). As in Xen the flush is asked for even if the update
 * failed.
 */
export function updateVaMapping(
  mmu: Mmu,
  domid: number,
  vcpu: number,
  va: number,
  pteLo: number,
  pteHi: number,
  flags: number,
): UpdateVaMappingResult {
  return doUpdate(mmu, domid, vcpu, va, pteLo, pteHi, flags, domid);
}

/**
 * HYPERVISOR_update_va_mapping_otherdomain: as {@link updateVaMapping}, but the frame mapped belongs
 * to `foreignDomid` (Xen's get_pg_owner: DOMID_SELF = the caller, the caller's own id or an unknown
 * domain -ESRCH, another domain needs a privileged caller, else -EPERM).
 */
export function updateVaMappingOtherdomain(
  mmu: Mmu,
  domid: number,
  vcpu: number,
  va: number,
  pteLo: number,
  pteHi: number,
  flags: number,
  foreignDomid: number,
): UpdateVaMappingResult {
  const owner = mmu.pageOwner(domid, foreignDomid);
  if (owner < 0) return { rc: owner, actions: newActions() };
  return doUpdate(mmu, domid, vcpu, va, pteLo, pteHi, flags, owner);
}

function doUpdate(
  mmu: Mmu,
  domid: number,
  vcpu: number,
  va: number,
  pteLo: number,
  pteHi: number,
  flags: number,
  pgOwner: number,
): UpdateVaMappingResult {
  const actions = newActions();
  const rc = applyL1Update(mmu, domid, vcpu, va >>> 0, pteLo >>> 0, pteHi >>> 0, pgOwner);
  const scope = (flags >>> 0) & ~Uvmf.UVMF_FLUSHTYPE_MASK;
  switch (flags & Uvmf.UVMF_FLUSHTYPE_MASK) {
    case Uvmf.UVMF_TLB_FLUSH:
      if (scope === Uvmf.UVMF_LOCAL) actions.flushTlb = true;
      else actions.flushTlbAllVcpus = true;
      break;
    case Uvmf.UVMF_INVLPG:
      if (scope === Uvmf.UVMF_LOCAL) actions.invlpg.push(va >>> 0);
      else (actions.invlpgAllVcpus ??= []).push(va >>> 0);
      break;
    default:
      break; // UVMF_NONE; 3 is not a flush type Xen knows, so nothing
  }
  return { rc, actions };
}

function applyL1Update(mmu: Mmu, domid: number, vcpu: number, va: number, lo: number, hi: number, pgOwner: number): number {
  const slot = findL1Slot(mmu, domid, vcpu, va);
  if (typeof slot === 'number') return slot;
  const { validator } = mmu;
  const rc = validator.getFromL1e(lo, domid, hi, pgOwner);
  if (rc !== 0) return rc;
  const oldLo = validator.entryLo(slot.l1, slot.index);
  const oldHi = validator.entryHi(slot.l1, slot.index);
  validator.writeEntry(slot.l1, slot.index, lo, hi);
  validator.putFromL1e(oldLo, oldHi);
  return 0;
}
