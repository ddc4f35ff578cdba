// grant_table_op(cmd, uop, count) (hypercall 20), grant tables v1 (xen-abi.md §2.13).
import {
  DomId,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTTAB_COPY,
  GNTTAB_COPY_PTR,
  GNTTAB_GET_VERSION,
  GNTTAB_MAP_GRANT_REF,
  GNTTAB_QUERY_SIZE,
  GNTTAB_SET_VERSION,
  GNTTAB_SETUP_TABLE,
  GNTTAB_UNMAP_GRANT_REF,
  GnttabOp,
  Gntst,
  PAGE_SIZE,
} from '@xen-ts/abi';
import { mapGrantRef, unmapGrantRef } from '../grants/grant-mapping.js';
import type { Domain } from '../domain/domain.js';
import { EFAULT, EINVAL, ENOSYS, readGuest, writeGuest, type HypercallArgs } from './hypercall.js';

const MAX_OPS = 512;

const SETUP = GNTTAB_SETUP_TABLE.fields;
const QUERY = GNTTAB_QUERY_SIZE.fields;
const MAP = GNTTAB_MAP_GRANT_REF.fields;
const UNMAP = GNTTAB_UNMAP_GRANT_REF.fields;
const COPY = GNTTAB_COPY.fields;
const COPY_PTR = GNTTAB_COPY_PTR.fields;
const GET_VERSION = GNTTAB_GET_VERSION.fields;

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
      return forEach(h, uop, count, GNTTAB_SETUP_TABLE.size, setupTable);
    case GnttabOp.GNTTABOP_query_size:
      return forEach(h, uop, count, GNTTAB_QUERY_SIZE.size, querySize);
    case GnttabOp.GNTTABOP_map_grant_ref:
      return forEach(h, uop, count, GNTTAB_MAP_GRANT_REF.size, mapGrant);
    case GnttabOp.GNTTABOP_unmap_grant_ref:
      return forEach(h, uop, count, GNTTAB_UNMAP_GRANT_REF.size, unmapGrant);
    case GnttabOp.GNTTABOP_copy:
      return forEach(h, uop, count, GNTTAB_COPY.size, copyGrant);
    case GnttabOp.GNTTABOP_set_version: {
      const a = readGuest(h, uop, GNTTAB_SET_VERSION.size);
      if (a === null) return EFAULT;
      return a.getUint32(GNTTAB_SET_VERSION.fields.version.offset, true) === 1 ? 0 : EINVAL; // only v1
    }
    case GnttabOp.GNTTABOP_get_version: {
      const b = new DataView(new ArrayBuffer(GNTTAB_GET_VERSION.size));
      b.setUint16(GET_VERSION.dom.offset, h.v.domain.id, true);
      b.setUint32(GET_VERSION.version.offset, 1, true);
      return writeGuest(h, uop, new Uint8Array(b.buffer)) ? 0 : EFAULT;
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

function setupTable(h: HypercallArgs, e: DataView): void {
  const d = domainOrSelf(h, e.getUint16(SETUP.dom.offset, true));
  const nr = e.getUint32(SETUP.nr_frames.offset, true);
  const list = e.getUint32(SETUP.frame_list.offset, true);
  const status = (s: number): void => e.setInt16(SETUP.status.offset, s, true);
  if (d === undefined) return status(Gntst.GNTST_bad_domain);
  if (d !== h.v.domain && !h.v.domain.privileged) return status(Gntst.GNTST_permission_denied);
  if (nr > d.grants.maxFrames) return status(Gntst.GNTST_general_error);
  if (!h.xen.growGrantTable(d, nr)) return status(Gntst.GNTST_general_error);
  for (let i = 0; i < nr; i++) {
    if (!h.xen.guestMem.write32(h.v.baseMfn, (list + i * 4) >>> 0, d.grants.frames[i]!)) return status(Gntst.GNTST_bad_virt_addr);
  }
  status(Gntst.GNTST_okay);
}

function querySize(h: HypercallArgs, e: DataView): void {
  const status = (s: number): void => e.setInt16(QUERY.status.offset, s, true);
  const d = domainOrSelf(h, e.getUint16(QUERY.dom.offset, true));
  if (d === undefined) return status(Gntst.GNTST_bad_domain);
  if (d !== h.v.domain && !h.v.domain.privileged) return status(Gntst.GNTST_permission_denied);
  e.setUint32(QUERY.nr_frames.offset, d.grants.frames.length, true);
  e.setUint32(QUERY.max_nr_frames.offset, d.grants.maxFrames, true);
  status(Gntst.GNTST_okay);
}

/** gnttab_map_grant_ref: IN host_addr flags ref dom; OUT status handle dev_bus_addr. */
function mapGrant(h: HypercallArgs, e: DataView): void {
  const r = mapGrantRef(
    h.xen,
    h.v.domain,
    h.v,
    e.getUint16(MAP.dom.offset, true),
    e.getUint32(MAP.ref.offset, true),
    e.getUint32(MAP.flags.offset, true),
    Number(e.getBigUint64(MAP.host_addr.offset, true)),
  );
  e.setInt16(MAP.status.offset, r.status, true);
  if (r.status !== Gntst.GNTST_okay) return;
  e.setUint32(MAP.handle.offset, r.handle, true);
  e.setBigUint64(MAP.dev_bus_addr.offset, BigInt(r.mfn) * BigInt(PAGE_SIZE), true);
}

/** gnttab_unmap_grant_ref: IN host_addr handle; OUT status. */
function unmapGrant(h: HypercallArgs, e: DataView): void {
  const status = unmapGrantRef(h.xen, h.v.domain, h.v, e.getUint32(UNMAP.handle.offset, true), Number(e.getBigUint64(UNMAP.host_addr.offset, true)));
  e.setInt16(UNMAP.status.offset, status, true);
}

/** gnttab_copy: source and dest {ref|gmfn, domid, offset}, len, flags (GNTCOPY_*); OUT status. */
function copyGrant(h: HypercallArgs, e: DataView): void {
  const status = (s: number): void => e.setInt16(COPY.status.offset, s, true);
  const len = e.getUint16(COPY.len.offset, true);
  const flags = e.getUint16(COPY.flags.offset, true);
  const me = h.v.domain;
  const side = (at: number, gref: boolean, write: boolean): { mfn: number; offset: number; undo: () => void } | number => {
    const value = e.getUint32(at + COPY_PTR.u.offset, true);
    const domid = e.getUint16(at + COPY_PTR.domid.offset, true);
    const offset = e.getUint16(at + COPY_PTR.offset.offset, true);
    if (offset + len > PAGE_SIZE) return Gntst.GNTST_bad_copy_arg;
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
  const src = side(COPY.source.offset, (flags & GNTCOPY_source_gref) !== 0, false);
  if (typeof src === 'number') return status(src);
  const dst = side(COPY.dest.offset, (flags & GNTCOPY_dest_gref) !== 0, true);
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
