// Page-table and descriptor-table hypercalls on top of @xen-ts/mmu: mmu_update, mmuext_op,
// update_va_mapping(_otherdomain), set_gdt, update_descriptor (xen-abi.md §2.3, §2.8).
import { Hypercall, MMU_UPDATE, MMU_UPDATE_PREEMPTED, MMUEXT_OP } from '@xen-ts/abi';
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
import { createContinuation, shouldPreempt } from './continuation.js';
import { EFAULT, EINVAL, readGuest, writeGuest32, type HypercallArgs } from './hypercall.js';

/** Entries read and validated between two preemption checks. */
const CHUNK = 64;
/** Largest batch inside a multicall, where only the multicall's own entries are preempted. */
const MAX_BATCH_IN_MULTICALL = 1 << 16;
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

/**
 * The count and the work done so far of a batch hypercall: a continued call (count with
 * MMU_UPDATE_PREEMPTED) finds the earlier progress in *done, as Xen's do_mmu_update does.
 */
function batchStart(h: HypercallArgs): { count: number; doneBefore: number } | number {
  let count = h.a2 >>> 0;
  let doneBefore = 0;
  if ((count & MMU_UPDATE_PREEMPTED) !== 0) {
    count = (count & ~MMU_UPDATE_PREEMPTED) >>> 0;
    const pdone = h.a3 >>> 0;
    const d = pdone === 0 ? null : readGuest(h, pdone, 4);
    if (d !== null) doneBefore = d.getUint32(0, true);
  }
  if (h.inMulticall && count > MAX_BATCH_IN_MULTICALL) return EINVAL;
  return { count, doneBefore };
}

/** Adds this call's work to *done (Xen writes it on success, failure and preemption alike). */
function reportDone(h: HypercallArgs, total: number): boolean {
  const pdone = h.a3 >>> 0;
  return pdone === 0 || writeGuest32(h, pdone, total >>> 0);
}

/**
 * Runs a batch hypercall (mmu_update, mmuext_op) entry by entry in chunks: `apply` decodes and
 * carries out `n` entries read from `raw` and says how many it did and why it stopped. Stops at
 * the first refusal; when the pCPU's time is up between chunks, *done gets the progress and the
 * guest re-issues the call for the rest. `finish` sees the entries done by this call.
 */
function runBatch(
  h: HypercallArgs,
  nr: number,
  entrySize: number,
  apply: (raw: DataView, n: number) => { done: number; rc: number },
  finish?: (done: number, rc: number) => void,
): number {
  const start = batchStart(h);
  if (typeof start === 'number') return start;
  const { count, doneBefore } = start;
  const base = h.a1 >>> 0;
  let i = 0;
  let rc = 0;
  while (i < count) {
    if (i > 0 && shouldPreempt(h)) break;
    const n = Math.min(CHUNK, count - i);
    const raw = readGuest(h, base + i * entrySize, n * entrySize);
    if (raw === null) {
      rc = EFAULT;
      break;
    }
    const r = apply(raw, n);
    h.xen.chargeMmu(h.p, r.done);
    i += r.done;
    if (r.rc !== 0) {
      rc = r.rc;
      break;
    }
  }
  finish?.(i, rc);
  if (!reportDone(h, doneBefore + i)) return EFAULT;
  if (rc === 0 && i < count) {
    return createContinuation(h, nr, [base + i * entrySize, (count - i) | MMU_UPDATE_PREEMPTED, h.a3, h.a4]);
  }
  return rc;
}

/** mmu_update(reqs, count, done*, foreigndom). */
export function mmuUpdateCall(h: HypercallArgs): number {
  const foreigndom = h.a4 >>> 0;
  return runBatch(
    h,
    Hypercall.mmu_update,
    MMU_UPDATE.size,
    (raw, n) => {
      const reqs: MmuUpdateReq[] = [];
      for (let k = 0; k < n; k++) {
        const at = k * MMU_UPDATE.size;
        reqs.push({ ptr: raw.getBigUint64(at + MU.ptr.offset, true), val: raw.getBigUint64(at + MU.val.offset, true) });
      }
      return mmuUpdate(h.xen.mmu, h.v.domain.id, reqs, foreigndom);
    },
    (done, rc) => {
      if (done > 0) h.xen.flushDomainTlbs(h.v.domain);
      h.xen.trace.ptUpdates(h.p, h.v, done, rc);
    },
  );
}

/** mmuext_op(ops, count, done*, foreigndom): each chunk's effects (flushes, base pointer) applied in order. */
export function mmuextOpCall(h: HypercallArgs): number {
  const foreigndom = (h.a4 >>> 0) & 0xffff;
  return runBatch(h, Hypercall.mmuext_op, MMUEXT_OP.size, (raw, n) => {
    const ops: MmuextOpReq[] = [];
    for (let k = 0; k < n; k++) {
      const at = k * MMUEXT_OP.size;
      ops.push({
        cmd: raw.getUint32(at + MX.cmd.offset, true),
        arg1: raw.getUint32(at + MX.arg1.offset, true),
        arg2: raw.getUint32(at + MX.arg2.offset, true),
      });
    }
    const r = mmuextOp(h.xen.mmu, h.v.domain.id, ops, { vcpu: h.v.id, foreigndom });
    applyMmuActions(h, r.actions, false);
    return r;
  });
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

