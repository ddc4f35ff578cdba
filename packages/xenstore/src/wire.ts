// Request payloads and replies of the xenstore wire protocol (xenstore.txt, io/xs_wire.h):
// decodes a request's payload, runs it against the Store as the connection's domain, and
// encodes the reply payload. Every refusal becomes an ERROR reply carrying the errno name.
import { XENSTORE_PAYLOAD_MAX, XsType } from '@xen-ts/abi';
import { XsError } from './errors.js';
import { parseDomid } from './path.js';
import { formatPerm } from './permissions.js';
import type { Store } from './store.js';
import type { WatchCallback } from './watches.js';

export interface Reply {
  readonly type: number;
  readonly payload: Uint8Array;
}

export interface RequestContext {
  readonly domid: number;
  /** The connection: owns the watches and transactions the requests create. */
  readonly owner: object;
  /** Where this connection's watch events go. */
  readonly deliver: WatchCallback;
}

/** Bytes → string, one char per byte: paths are ASCII and tokens must round-trip exactly. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 4096)));
  }
  return s;
}

/** String → bytes, one byte per char (chars above 0xFF never come from latin1()). */
export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** `a\0b\0` → [a, b]. A trailing piece without its NUL still counts (lenient, like the C daemon's get_strings). */
function strings(payload: Uint8Array): string[] {
  if (payload.length === 0) return [];
  const s = latin1(payload);
  const parts = s.split('\0');
  if (s.endsWith('\0')) parts.pop();
  return parts;
}

/** xenstored's onearg: exactly one string, NUL-terminated. */
function oneArg(payload: Uint8Array): string {
  const nul = payload.indexOf(0);
  if (nul < 0 || nul !== payload.length - 1) throw new XsError('EINVAL', 'expected one NUL-terminated argument');
  return latin1(payload.subarray(0, nul));
}

function args(payload: Uint8Array, min: number): string[] {
  const a = strings(payload);
  if (a.length < min) throw new XsError('EINVAL', `expected ${min} arguments`);
  return a;
}

/** Concatenates `s\0` for each string. */
function nulList(items: readonly string[]): Uint8Array {
  return latin1Bytes(items.map((s) => `${s}\0`).join(''));
}

const OK = latin1Bytes('OK\0');

/** Parses a signed or unsigned 32-bit decimal (INTRODUCE's `<mfn>` is "signed decimal (!)"). */
function parseInt32(s: string): number {
  if (!/^-?[0-9]{1,10}$/.test(s)) throw new XsError('EINVAL', `bad number ${JSON.stringify(s)}`);
  const n = Number(s);
  if (n < -0x80000000 || n > 0xffffffff) throw new XsError('EINVAL', `number out of range ${s}`);
  return n >>> 0;
}

/** Runs one request; never throws an XsError (it becomes the ERROR reply). */
export function handleRequest(store: Store, ctx: RequestContext, type: number, txId: number, payload: Uint8Array): Reply {
  try {
    return { type, payload: run(store, ctx, type, txId, payload) };
  } catch (e) {
    if (e instanceof XsError) return { type: XsType.XS_ERROR, payload: latin1Bytes(`${e.name}\0`) };
    throw e;
  }
}

function run(store: Store, ctx: RequestContext, type: number, txId: number, payload: Uint8Array): Uint8Array {
  const opts = { domid: ctx.domid, owner: ctx.owner, tx: txId };
  const noTx = { domid: ctx.domid, owner: ctx.owner };
  switch (type) {
    case XsType.XS_READ:
      return store.readBytes(oneArg(payload), opts);
    case XsType.XS_WRITE: {
      const nul = payload.indexOf(0);
      if (nul < 0) throw new XsError('EINVAL', 'WRITE without a path terminator');
      store.write(latin1(payload.subarray(0, nul)), payload.subarray(nul + 1), opts);
      return OK;
    }
    case XsType.XS_MKDIR:
      store.mkdir(oneArg(payload), opts);
      return OK;
    case XsType.XS_RM:
      store.rm(oneArg(payload), opts);
      return OK;
    case XsType.XS_DIRECTORY: {
      const out = nulList(store.directory(oneArg(payload), opts));
      if (out.length > XENSTORE_PAYLOAD_MAX) throw new XsError('E2BIG', 'use DIRECTORY_PART');
      return out;
    }
    case XsType.XS_DIRECTORY_PART:
      return directoryPart(store, args(payload, 2), opts);
    case XsType.XS_GET_PERMS: {
      const out = nulList(store.getPerms(oneArg(payload), opts).map(formatPerm));
      if (out.length > XENSTORE_PAYLOAD_MAX) throw new XsError('E2BIG', 'permission list too long');
      return out;
    }
    case XsType.XS_SET_PERMS: {
      const [path, ...perms] = args(payload, 2);
      store.setPerms(path!, perms, opts);
      return OK;
    }
    case XsType.XS_WATCH: {
      const [path, token] = args(payload, 2);
      store.watch(path!, token!, ctx.deliver, noTx);
      return OK;
    }
    case XsType.XS_UNWATCH: {
      const [path, token] = args(payload, 2);
      store.unwatch(path!, token!, noTx);
      return OK;
    }
    case XsType.XS_RESET_WATCHES:
      store.resetWatches(noTx);
      return OK;
    case XsType.XS_TRANSACTION_START:
      return latin1Bytes(`${store.transactionStart(opts)}\0`);
    case XsType.XS_TRANSACTION_END: {
      const a = oneArg(payload);
      if (a !== 'T' && a !== 'F') throw new XsError('EINVAL', 'TRANSACTION_END takes T or F');
      if (txId === 0) throw new XsError('ENOENT', 'no transaction');
      store.transactionEnd(txId, a === 'T', noTx);
      return OK;
    }
    case XsType.XS_GET_DOMAIN_PATH:
      return latin1Bytes(`${store.getDomainPath(parseDomid(oneArg(payload)))}\0`);
    case XsType.XS_INTRODUCE: {
      const [domid, gfn, evtchn] = args(payload, 3);
      store.introduceDomain(parseDomid(domid!), parseInt32(gfn!), parseInt32(evtchn!), noTx);
      return OK;
    }
    case XsType.XS_RELEASE:
      store.releaseDomain(parseDomid(oneArg(payload)), noTx);
      return OK;
    case XsType.XS_IS_DOMAIN_INTRODUCED:
      return latin1Bytes(store.isDomainIntroduced(parseDomid(oneArg(payload))) ? 'T\0' : 'F\0');
    case XsType.XS_RESUME:
      store.resumeDomain(parseDomid(oneArg(payload)), noTx);
      return OK;
    case XsType.XS_SET_TARGET: {
      const [domid, target] = args(payload, 2);
      store.setTarget(parseDomid(domid!), parseDomid(target!), noTx);
      return OK;
    }
    case XsType.XS_CONTROL: {
      const reply = store.control(strings(payload), noTx);
      return latin1Bytes(`${reply}\0`);
    }
    case XsType.XS_GET_FEATURE:
    case XsType.XS_SET_FEATURE:
    case XsType.XS_GET_QUOTA:
    case XsType.XS_SET_QUOTA:
      throw new XsError('ENOSYS', 'not implemented');
    default:
      // WATCH_EVENT, ERROR, the removed RESTRICT and unknown types (xenstored replies EINVAL).
      throw new XsError('EINVAL', `bad request type ${type}`);
  }
}

/**
 * DIRECTORY_PART `<path>|<offset>` → `<gencnt>|<child>|*`: the children list (`c\0c\0...`)
 * from byte `offset`, as many whole children as fit in one payload; an extra empty string
 * marks the end of the list (what Linux's xenbus loops on).
 */
function directoryPart(store: Store, a: string[], opts: { domid: number; owner: object; tx: number }): Uint8Array {
  const [path, offsetText] = a;
  if (!/^[0-9]{1,10}$/.test(offsetText!)) throw new XsError('EINVAL', 'bad offset');
  const offset = Number(offsetText);
  const listing = store.directoryListing(path!, opts);
  const all = nulList(listing.children);
  const head = latin1Bytes(`${listing.generation}\0`);
  const room = XENSTORE_PAYLOAD_MAX - head.length - 1;
  let end = offset;
  if (offset < all.length) {
    // Whole strings only; the list is NUL-separated so the next NUL ends the next child.
    while (end < all.length) {
      const nul = all.indexOf(0, end);
      const next = (nul < 0 ? all.length : nul) + 1;
      if (next - offset > room) break;
      end = next;
    }
    if (end === offset) throw new XsError('E2BIG', 'child name too long');
  }
  const complete = end >= all.length;
  const body = offset < all.length ? all.subarray(offset, end) : new Uint8Array(0);
  const out = new Uint8Array(head.length + body.length + (complete ? 1 : 0));
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}
