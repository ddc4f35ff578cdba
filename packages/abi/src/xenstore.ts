// Xenstore wire protocol, io/xs_wire.h (xen-abi.md §2.19).
import { defineStruct, f } from './struct.js';

export const XsType = {
  XS_CONTROL: 0,
  XS_DEBUG: 0,
  XS_DIRECTORY: 1,
  XS_READ: 2,
  XS_GET_PERMS: 3,
  XS_WATCH: 4,
  XS_UNWATCH: 5,
  XS_TRANSACTION_START: 6,
  XS_TRANSACTION_END: 7,
  XS_INTRODUCE: 8,
  XS_RELEASE: 9,
  XS_GET_DOMAIN_PATH: 10,
  XS_WRITE: 11,
  XS_MKDIR: 12,
  XS_RM: 13,
  XS_SET_PERMS: 14,
  XS_WATCH_EVENT: 15,
  XS_ERROR: 16,
  XS_IS_DOMAIN_INTRODUCED: 17,
  XS_RESUME: 18,
  XS_SET_TARGET: 19,
  XS_RESET_WATCHES: 21,
  XS_DIRECTORY_PART: 22,
  XS_GET_FEATURE: 23,
  XS_SET_FEATURE: 24,
  XS_GET_QUOTA: 25,
  XS_SET_QUOTA: 26,
  XS_INVALID: 0xffff,
} as const;

/** `struct xsd_sockmsg {u32 type; u32 req_id; u32 tx_id; u32 len}`, followed by `len` bytes. */
export const XSD_SOCKMSG = defineStruct('xsd_sockmsg', 16, {
  type: f(0, 'u32'),
  req_id: f(4, 'u32'),
  tx_id: f(8, 'u32'),
  len: f(12, 'u32'),
});

export const XENSTORE_PAYLOAD_MAX = 4096;
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;
export const XENSTORE_RING_SIZE = 1024;

export const XENSTORE_DOMAIN_INTERFACE = defineStruct('xenstore_domain_interface', 2080, {
  req: f(0, 'char', 1024),
  rsp: f(1024, 'char', 1024),
  req_cons: f(2048, 'u32'),
  req_prod: f(2052, 'u32'),
  rsp_cons: f(2056, 'u32'),
  rsp_prod: f(2060, 'u32'),
  server_features: f(2064, 'u32'),
  connection: f(2068, 'u32'),
  error: f(2072, 'u32'),
  evtchn_port: f(2076, 'u32'),
});

export const XenstoreServerFeature = {
  XENSTORE_SERVER_FEATURE_RECONNECTION: 1,
  XENSTORE_SERVER_FEATURE_ERROR: 2,
  XENSTORE_SERVER_FEATURE_WATCHDEPTH: 4,
  XENSTORE_SERVER_FEATURE_DOMID_ANY: 8,
} as const;
export const XENSTORE_CONNECTED = 0;
export const XENSTORE_RECONNECT = 1;
export const XenstoreError = {
  XENSTORE_ERROR_NONE: 0,
  XENSTORE_ERROR_COMM: 1,
  XENSTORE_ERROR_RINGIDX: 2,
  XENSTORE_ERROR_PROTO: 3,
} as const;

/** MASK_XENSTORE_IDX(i) = i & (XENSTORE_RING_SIZE − 1). */
export function maskXenstoreIdx(idx: number): number {
  return (idx & (XENSTORE_RING_SIZE - 1)) >>> 0;
}

export interface XsdSockmsg {
  type: number;
  reqId: number;
  txId: number;
  len: number;
}

/** Encodes a 16-byte little-endian header. */
export function encodeXsdSockmsg(m: XsdSockmsg): Uint8Array {
  const b = new Uint8Array(XSD_SOCKMSG.size);
  const v = new DataView(b.buffer);
  v.setUint32(XSD_SOCKMSG.fields.type.offset, m.type >>> 0, true);
  v.setUint32(XSD_SOCKMSG.fields.req_id.offset, m.reqId >>> 0, true);
  v.setUint32(XSD_SOCKMSG.fields.tx_id.offset, m.txId >>> 0, true);
  v.setUint32(XSD_SOCKMSG.fields.len.offset, m.len >>> 0, true);
  return b;
}

/** Decodes a header from the first 16 bytes of `b`. */
export function decodeXsdSockmsg(b: Uint8Array): XsdSockmsg {
  if (b.length < XSD_SOCKMSG.size) throw new RangeError(`xsd_sockmsg needs 16 bytes, got ${b.length}`);
  const v = new DataView(b.buffer, b.byteOffset, XSD_SOCKMSG.size);
  return {
    type: v.getUint32(XSD_SOCKMSG.fields.type.offset, true),
    reqId: v.getUint32(XSD_SOCKMSG.fields.req_id.offset, true),
    txId: v.getUint32(XSD_SOCKMSG.fields.tx_id.offset, true),
    len: v.getUint32(XSD_SOCKMSG.fields.len.offset, true),
  };
}
