// Page-table and descriptor-table hypercalls on top of @xen-ts/mmu: mmu_update, mmuext_op,
// update_va_mapping(_otherdomain), set_gdt, update_descriptor (xen-abi.md §2.3, §2.8).
import { MMU_UPDATE, MMUEXT_OP } from '@xen-ts/abi';
import {
  mmuUpdate,
  mmuextOp,
  setGdt as mmuSetGdt,
  updateDescriptor as mmuUpdateDescriptor,
  updateVaMapping as mmuUpdateVaMapping,
  updateVaMappingOtherdomain,
  type MmuActions,
  type MmuUpdateReq,
  type MmuextOpReq,
} from '@xen-ts/mmu';
import { EFAULT, EINVAL, readGuest, writeGuest32, type HypercallArgs } from './hypercall.js';

/** Largest batch taken in one call (Xen would preempt and continue; we bound the work instead). */
const MAX_BATCH = 1 << 16;
const MU = MMU_UPDATE.fields;
const MX = MMUEXT_OP.fields;

/** Applies the TLB, base-pointer and LDT effects an MMU operation asked for. */
export function applyMmuActions(h: HypercallArgs, a: MmuActions, changedTables: boolean): void {
  const { xen, v } = h;
  if (a.newBaseptr !== undefined) xen.switchBaseptr(h.p, v, a.newBaseptr);
  if (a.setLdt !== undefined) xen.setLdt(h.p, v, a.setLdt.va, a.setLdt.ents);
  if (changedTables || a.flushTlbAllVcpus === true || (a.invlpgAllVcpus?.length ?? 0) > 0) {
    // Any change to a domain's tables may remove a right: no stale translation may survive it.
    xen.flushDomainTlbs(v.domain);
  } else if (a.flushTlb) {
    h.p.cpu.flushTlb(false);
  } else {
    for (const va of a.invlpg) h.p.cpu.invalidatePage(va);
  }
}

/** mmu_update(reqs, count, done*, foreigndom). */
export function mmuUpdateCall(h: HypercallArgs): number {
  const count = h.a2 >>> 0;
  if (count > MAX_BATCH) return EINVAL;
  const raw = readGuest(h, h.a1, count * MMU_UPDATE.size);
  if (raw === null) return EFAULT;
  const reqs: MmuUpdateReq[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * MMU_UPDATE.size;
    reqs.push({ ptr: raw.getBigUint64(at + MU.ptr.offset, true), val: raw.getBigUint64(at + MU.val.offset, true) });
  }
  const r = mmuUpdate(h.xen.mmu, h.v.domain.id, reqs, h.a4 >>> 0);
  h.xen.chargeMmu(h.p, r.done);
  if (r.done > 0) h.xen.flushDomainTlbs(h.v.domain);
  h.xen.trace.ptUpdates(h.p, h.v, r.done, r.rc);
  const pdone = h.a3 >>> 0;
  if (pdone !== 0 && !writeGuest32(h, pdone, r.done)) return EFAULT;
  return r.rc;
}

/** mmuext_op(ops, count, done*, foreigndom). */
export function mmuextOpCall(h: HypercallArgs): number {
  const count = h.a2 >>> 0;
  if (count > MAX_BATCH) return EINVAL;
  const raw = readGuest(h, h.a1, count * MMUEXT_OP.size);
  if (raw === null) return EFAULT;
  const ops: MmuextOpReq[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * MMUEXT_OP.size;
    ops.push({
      cmd: raw.getUint32(at + MX.cmd.offset, true),
      arg1: raw.getUint32(at + MX.arg1.offset, true),
      arg2: raw.getUint32(at + MX.arg2.offset, true),
    });
  }
  const r = mmuextOp(h.xen.mmu, h.v.domain.id, ops, { vcpu: h.v.id, foreigndom: (h.a4 >>> 0) & 0xffff });
  h.xen.chargeMmu(h.p, r.done);
  applyMmuActions(h, r.actions, false);
  const pdone = h.a3 >>> 0;
  if (pdone !== 0 && !writeGuest32(h, pdone, r.done)) return EFAULT;
  return r.rc;
}

/** update_va_mapping(va, pte_lo, pte_hi, flags). */
export function updateVaMappingCall(h: HypercallArgs): number {
  const r = mmuUpdateVaMapping(h.xen.mmu, h.v.domain.id, h.v.id, h.a1 >>> 0, h.a2 >>> 0, h.a3 >>> 0, h.a4 >>> 0);
  h.xen.chargeMmu(h.p, 1);
  applyMmuActions(h, r.actions, r.rc === 0);
  return r.rc;
}

/** update_va_mapping_otherdomain(va, pte_lo, pte_hi, flags, domid). */
export function updateVaMappingOtherdomainCall(h: HypercallArgs): number {
  const r = updateVaMappingOtherdomain(h.xen.mmu, h.v.domain.id, h.v.id, h.a1 >>> 0, h.a2 >>> 0, h.a3 >>> 0, h.a4 >>> 0, h.a5 & 0xffff);
  h.xen.chargeMmu(h.p, 1);
  applyMmuActions(h, r.actions, r.rc === 0);
  return r.rc;
}

/** set_gdt(frames[], entries): the guest GDT, validated and typed SegDesc, mapped into the vCPU's window. */
export function setGdtCall(h: HypercallArgs): number {
  const entries = h.a2 >>> 0;
  if (entries > 14 * 512) return EINVAL;
  const nframes = Math.ceil(entries / 512);
  const raw = readGuest(h, h.a1, nframes * 4);
  if (raw === null) return EFAULT;
  const frames: number[] = [];
  for (let i = 0; i < nframes; i++) frames.push(raw.getUint32(i * 4, true));
  const rc = mmuSetGdt(h.xen.mmu, h.v.domain.id, h.v.id, frames, entries);
  h.xen.chargeMmu(h.p, nframes * 512);
  if (rc !== 0) return rc;
  h.xen.installGdt(h.v, frames, entries);
  return 0;
}

/** update_descriptor(maddr_lo, maddr_hi, desc_lo, desc_hi). */
export function updateDescriptorCall(h: HypercallArgs): number {
  const rc = mmuUpdateDescriptor(h.xen.mmu, h.v.domain.id, h.a1 >>> 0, h.a2 >>> 0, h.a3 >>> 0, h.a4 >>> 0);
  h.xen.chargeMmu(h.p, 1);
  if (rc === 0) for (const v of h.v.domain.vcpus) v.segmentsDirty = true;
  return rc;
}

