// grant_table_op(cmd, uop, count) (hypercall 20), grant tables v1 (xen-abi.md §2.13).
import { DomId, GnttabOp, Gntst, GNTCOPY_dest_gref, GNTCOPY_source_gref } from '@xen-ts/abi';
import { mapGrantRef, unmapGrantRef } from '../grants/grant-mapping.js';
import type { Domain } from '../domain/domain.js';
import { EFAULT, EINVAL, ENOSYS, readGuest, writeGuest, type HypercallArgs } from './hypercall.js';

const MAX_OPS = 512;

function domainOrSelf(h: HypercallArgs, domid: number): Domain | undefined {
  if (domid === DomId.DOMID_SELF) return h.v.domain;
  return h.xen.domain(domid);
}

export function grantTableOp(h: HypercallArgs): number {
  const cmd = h.a1 >>> 0;
  const uop = h.a2 >>> 0;
  const count = h.a3 >>> 0;
  if (count > MAX_OPS) return EINVAL;
  switch (cmd) {
    case GnttabOp.GNTTABOP_setup_table:
      return forEach(h, uop, count, 16, setupTable);
    case GnttabOp.GNTTABOP_query_size:
      return forEach(h, uop, count, 12, querySize);
    case GnttabOp.GNTTABOP_map_grant_ref:
      return forEach(h, uop, count, 32, mapGrant);
    case GnttabOp.GNTTABOP_unmap_grant_ref:
      return forEach(h, uop, count, 24, unmapGrant);
    case GnttabOp.GNTTABOP_copy:
      return forEach(h, uop, count, 24, copyGrant);
    case GnttabOp.GNTTABOP_set_version: {
      const a = readGuest(h, uop, 4);
      if (a === null) return EFAULT;
      return a.getUint32(0, true) === 1 ? 0 : EINVAL; // only v1
    }
    case GnttabOp.GNTTABOP_get_version: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setUint16(0, h.v.domain.id, true);
      new DataView(b.buffer).setUint32(4, 1, true);
      return writeGuest(h, uop, b) ? 0 : EFAULT;
    }
    default:
      return ENOSYS;
  }
}

/** Runs `op` on each `size`-byte element; an element that cannot be read or written back is -EFAULT. */
function forEach(h: HypercallArgs, uop: number, count: number, size: number, op: (h: HypercallArgs, e: DataView) => void): number {
  for (let i = 0; i < count; i++) {
    const va = (uop + i * size) >>> 0;
    const e = readGuest(h, va, size);
    if (e === null) return EFAULT;
    op(h, e);
    if (!writeGuest(h, va, new Uint8Array(e.buffer))) return EFAULT;
  }
  return 0;
}

/** {domid_t dom; u32 nr_frames; s16 status; handle frame_list} */
function setupTable(h: HypercallArgs, e: DataView): void {
  const d = domainOrSelf(h, e.getUint16(0, true));
  const nr = e.getUint32(4, true);
  const list = e.getUint32(12, true);
  const status = (s: number): void => e.setInt16(8, s, true);
  if (d === undefined) return status(Gntst.GNTST_bad_domain);
  if (d !== h.v.domain && !h.v.domain.privileged) return status(Gntst.GNTST_permission_denied);
  if (nr > d.grants.maxFrames) return status(Gntst.GNTST_general_error);
  if (!h.xen.growGrantTable(d, nr)) return status(Gntst.GNTST_general_error);
  for (let i = 0; i < nr; i++) {
    if (!h.xen.guestMem.write32(h.v.baseMfn, (list + i * 4) >>> 0, d.grants.frames[i]!)) return status(Gntst.GNTST_bad_virt_addr);
  }
  status(Gntst.GNTST_okay);
}

/** {domid_t dom; u32 nr_frames; u32 max_nr_frames; s16 status} */
function querySize(h: HypercallArgs, e: DataView): void {
  const d = domainOrSelf(h, e.getUint16(0, true));
  if (d === undefined) return e.setInt16(10, Gntst.GNTST_bad_domain, true);
  if (d !== h.v.domain && !h.v.domain.privileged) return e.setInt16(10, Gntst.GNTST_permission_denied, true);
  e.setUint32(4, d.grants.frames.length, true);
  e.setUint32(8, d.grants.maxFrames, true);
  e.setInt16(10, Gntst.GNTST_okay, true);
}

/** gnttab_map_grant_ref: IN host_addr(u64) flags ref dom; OUT status(+18) handle(+20) dev_bus_addr(+24). */
function mapGrant(h: HypercallArgs, e: DataView): void {
  const r = mapGrantRef(h.xen, h.v.domain, h.v, e.getUint16(16, true), e.getUint32(12, true), e.getUint32(8, true), Number(e.getBigUint64(0, true)));
  e.setInt16(18, r.status, true);
  if (r.status !== Gntst.GNTST_okay) return;
  e.setUint32(20, r.handle, true);
  e.setBigUint64(24, BigInt(r.mfn) * 4096n, true);
}

/** gnttab_unmap_grant_ref: {u64 host_addr; u64 dev_bus_addr; u32 handle; s16 status(+20)} */
function unmapGrant(h: HypercallArgs, e: DataView): void {
  e.setInt16(20, unmapGrantRef(h.xen, h.v.domain, h.v, e.getUint32(16, true), Number(e.getBigUint64(0, true))), true);
}

/** gnttab_copy: source{u32 ref|gmfn; u16 domid; u16 offset} dest{…} u16 len; u16 flags; s16 status(+20). */
function copyGrant(h: HypercallArgs, e: DataView): void {
  const status = (s: number): void => e.setInt16(20, s, true);
  const len = e.getUint16(16, true);
  const flags = e.getUint16(18, true);
  const me = h.v.domain;
  const side = (at: number, gref: boolean, write: boolean): { mfn: number; offset: number; undo: () => void } | number => {
    const value = e.getUint32(at, true);
    const domid = e.getUint16(at + 4, true);
    const offset = e.getUint16(at + 6, true);
    if (offset + len > 4096) return Gntst.GNTST_bad_copy_arg;
    const d = domainOrSelf(h, domid);
    if (d === undefined || !d.isAlive) return Gntst.GNTST_bad_domain;
    if (gref) {
      const mfn = d.grants.acquire(value, me.id, !write, (m) => h.xen.mmu.ft.isValidMfn(m) && h.xen.mmu.ft.owner(m) === d.id);
      if (mfn < 0) return mfn;
      return { mfn, offset, undo: () => d.grants.release(value, !write) };
    }
    // A frame named directly must be the caller's own (Xen: only privileged callers may name others').
    if (d !== me && !me.privileged) return Gntst.GNTST_permission_denied;
    if (!h.xen.mmu.ft.isValidMfn(value) || h.xen.mmu.ft.owner(value) !== d.id) return Gntst.GNTST_bad_page;
    return { mfn: value, offset, undo: () => undefined };
  };
  const src = side(0, (flags & GNTCOPY_source_gref) !== 0, false);
  if (typeof src === 'number') return status(src);
  const dst = side(8, (flags & GNTCOPY_dest_gref) !== 0, true);
  if (typeof dst === 'number') {
    src.undo();
    return status(dst);
  }
  const u8 = h.xen.mem.u8;
  u8.copyWithin(dst.mfn * 4096 + dst.offset, src.mfn * 4096 + src.offset, src.mfn * 4096 + src.offset + len);
  src.undo();
  dst.undo();
  h.xen.chargeCopy(h.p, len);
  status(Gntst.GNTST_okay);
}
