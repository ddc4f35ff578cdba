// One domain's xenstore connection over its shared ring page (io/xs_wire.h struct
// xenstore_domain_interface, docs/misc/xenstore-ring.txt). The guest produces request bytes in
// `req` and advances req_prod; we consume them, advance req_cons, and produce replies and watch
// events in `rsp`, advancing rsp_prod. Indices are free-running u32, little-endian.
import {
  XENSTORE_CONNECTED,
  XENSTORE_DOMAIN_INTERFACE,
  XENSTORE_PAYLOAD_MAX,
  XENSTORE_RECONNECT,
  XENSTORE_RING_SIZE,
  XSD_SOCKMSG,
  XenstoreError,
  XenstoreServerFeature,
  XsType,
  maskXenstoreIdx,
} from '@xen-ts/abi';
import type { AttachedConnection, Store } from './store.js';
import { handleRequest, latin1Bytes, type RequestContext } from './wire.js';

const F = XENSTORE_DOMAIN_INTERFACE.fields;
const REQ = F.req.offset;
const RSP = F.rsp.offset;
const HEADER = XSD_SOCKMSG.size;

export interface XenstoreConnectionOptions {
  readonly domid: number;
  /** The domain's xenstore page (at least the 2080 bytes of xenstore_domain_interface). */
  readonly ring: Uint8Array;
  /** Signal the domain's store event channel. */
  readonly notify: () => void;
  /**
   * Replies queued beyond the ring, in bytes, above which no further requests are read until
   * the guest drains its responses (a guest that never reads cannot grow our memory).
   */
  readonly maxPendingReplies?: number;
  /** Watch events queued beyond the ring, in bytes, above which new events are dropped. */
  readonly maxPendingEvents?: number;
}

/** What the daemon advertises in server_features (xenstore-ring.txt). */
export const SERVER_FEATURES =
  XenstoreServerFeature.XENSTORE_SERVER_FEATURE_RECONNECTION | XenstoreServerFeature.XENSTORE_SERVER_FEATURE_ERROR;

export class XenstoreConnection implements AttachedConnection {
  readonly domid: number;
  readonly owner: object = this;
  private readonly view: DataView;
  private readonly ring: Uint8Array;
  private readonly notifyGuest: () => void;
  private readonly ctx: RequestContext;
  private readonly maxPendingReplies: number;
  private readonly maxPendingEvents: number;

  // Request being assembled: header first, then its payload.
  private readonly header = new Uint8Array(HEADER);
  private headerFill = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;

  // Output not yet in the ring: whole messages, the first one possibly half written.
  private readonly out: Uint8Array[] = [];
  private outHeadOffset = 0;
  private pendingBytes = 0;
  private pendingEventBytes = 0;
  private readonly eventMessages = new WeakSet<Uint8Array>();
  private dispatching = false;
  private readonly deferredEvents: Uint8Array[] = [];

  private stopped = false;
  private released = false;
  private droppedEvents = 0;

  constructor(
    private readonly store: Store,
    opts: XenstoreConnectionOptions,
  ) {
    if (opts.ring.length < XENSTORE_DOMAIN_INTERFACE.size) {
      throw new RangeError(`xenstore ring needs ${XENSTORE_DOMAIN_INTERFACE.size} bytes, got ${opts.ring.length}`);
    }
    this.domid = opts.domid;
    this.ring = opts.ring;
    this.view = new DataView(opts.ring.buffer, opts.ring.byteOffset, XENSTORE_DOMAIN_INTERFACE.size);
    this.notifyGuest = opts.notify;
    this.maxPendingReplies = opts.maxPendingReplies ?? 64 * 1024;
    this.maxPendingEvents = opts.maxPendingEvents ?? 256 * 1024;
    this.ctx = { domid: this.domid, owner: this, deliver: (path, token) => this.queueEvent(path, token) };
    // xenstore-ring.txt: features are advertised before any data is produced or consumed.
    this.setU32(F.server_features.offset, this.u32(F.server_features.offset) | SERVER_FEATURES);
    store.attach(this);
  }

  /** True once the connection stopped for a protocol or ring error (see `error`) or was released. */
  get closed(): boolean {
    return this.stopped || this.released;
  }

  /** The value we put in the ring's error field (XenstoreError), 0 while healthy. */
  get error(): number {
    return this.u32(F.error.offset);
  }

  /** Bytes of replies and events waiting for room in the response ring. */
  get pendingOutputBytes(): number {
    return this.pendingBytes;
  }

  /** Watch events dropped because the guest let too many pile up. */
  get droppedWatchEvents(): number {
    return this.droppedEvents;
  }

  /**
   * Handles everything the guest has produced and writes what we owe it; call it when the
   * store event channel fires. Calls `notify` if it consumed requests or produced output.
   * Never throws on ring contents: violations set the ring's error field and stop the connection.
   */
  process(): void {
    if (this.released) return;
    let changed = false;
    if (this.u32(F.connection.offset) === XENSTORE_RECONNECT) {
      this.reconnect();
      changed = true;
    }
    if (this.stopped) {
      if (changed) this.notifyGuest();
      return;
    }
    while (true) {
      if (!this.indicesValid()) return this.fail(XenstoreError.XENSTORE_ERROR_RINGIDX);
      const wrote = this.flushOutput();
      const read = this.pendingBytes <= this.maxPendingReplies ? this.readRequests() : 0;
      if (this.stopped) return;
      if (this.released) break;
      if (wrote === 0 && read === 0) break;
      changed = true;
    }
    if (changed) this.notifyGuest();
  }

  /** Stops the connection for good (RELEASE or domain destruction); drops its watches and transactions. */
  close(): void {
    if (this.released) return;
    this.released = true;
    this.store.detach(this);
    this.dropOutput();
  }

  // ---- Input -------------------------------------------------------------------------------

  /** Copies available request bytes, dispatching each complete message; returns bytes consumed. */
  private readRequests(): number {
    let consumed = 0;
    while (!this.closed && this.pendingBytes <= this.maxPendingReplies) {
      const cons = this.u32(F.req_cons.offset);
      const avail = (this.u32(F.req_prod.offset) - cons) >>> 0;
      if (avail === 0) break;
      let n: number;
      if (this.body === null) {
        n = this.copyIn(cons, avail, this.header, this.headerFill);
        this.headerFill += n;
      } else {
        n = this.copyIn(cons, avail, this.body, this.bodyFill);
        this.bodyFill += n;
      }
      this.setU32(F.req_cons.offset, (cons + n) >>> 0);
      consumed += n;
      this.advanceMessage();
    }
    return consumed;
  }

  /** Copies up to `avail` bytes from the request ring at `cons` into `dst[fill..]`, handling the wrap. */
  private copyIn(cons: number, avail: number, dst: Uint8Array, fill: number): number {
    const start = maskXenstoreIdx(cons);
    const n = Math.min(avail, dst.length - fill, XENSTORE_RING_SIZE - start);
    dst.set(this.ring.subarray(REQ + start, REQ + start + n), fill);
    return n;
  }

  private advanceMessage(): void {
    if (this.body === null) {
      if (this.headerFill < HEADER) return;
      const len = this.headerView().getUint32(12, true);
      // xenstore.txt: a client exceeding XENSTORE_PAYLOAD_MAX has its connection killed.
      if (len > XENSTORE_PAYLOAD_MAX) return this.fail(XenstoreError.XENSTORE_ERROR_PROTO);
      this.body = new Uint8Array(len);
      this.bodyFill = 0;
    }
    if (this.bodyFill < this.body.length) return;
    const h = this.headerView();
    const type = h.getUint32(0, true);
    const reqId = h.getUint32(4, true);
    const txId = h.getUint32(8, true);
    const payload = this.body;
    this.body = null;
    this.headerFill = 0;
    this.dispatch(type, reqId, txId, payload);
  }

  private dispatch(type: number, reqId: number, txId: number, payload: Uint8Array): void {
    this.dispatching = true;
    let reply;
    try {
      reply = handleRequest(this.store, this.ctx, type, txId, payload);
    } finally {
      this.dispatching = false;
    }
    let { payload: body, type: replyType } = reply;
    if (body.length > XENSTORE_PAYLOAD_MAX) {
      replyType = XsType.XS_ERROR;
      body = latin1Bytes('E2BIG\0');
    }
    // Replies echo type, req_id and tx_id (xenstore.txt); errors carry type ERROR.
    this.enqueue(encodeMessage(replyType, reqId, txId, body));
    // A request's own watch events (WATCH's first firing, a write we watch) follow its reply.
    for (const e of this.deferredEvents.splice(0)) this.enqueue(e);
  }

  // ---- Output ------------------------------------------------------------------------------

  private queueEvent(path: string, token: string): void {
    if (this.closed) return;
    const body = latin1Bytes(`${path}\0${token}\0`);
    // An event the guest cannot receive in one payload, or one past the backlog, is dropped
    // (xenstore.txt: watches may fire spuriously and notifications may be lost).
    if (body.length > XENSTORE_PAYLOAD_MAX || this.pendingEventBytes + body.length + HEADER > this.maxPendingEvents) {
      this.droppedEvents++;
      return;
    }
    // WATCH_EVENT is unsolicited: req_id and tx_id are 0.
    const msg = encodeMessage(XsType.XS_WATCH_EVENT, 0, 0, body);
    this.eventMessages.add(msg);
    if (this.dispatching) {
      this.deferredEvents.push(msg);
      return;
    }
    this.enqueue(msg);
    // Raised by someone else's change: push it out now.
    if (!this.indicesValid()) return this.fail(XenstoreError.XENSTORE_ERROR_RINGIDX);
    if (this.flushOutput() > 0) this.notifyGuest();
  }

  private enqueue(msg: Uint8Array): void {
    this.out.push(msg);
    this.pendingBytes += msg.length;
    if (this.eventMessages.has(msg)) this.pendingEventBytes += msg.length;
  }

  /** Writes queued output into the free part of the response ring; returns bytes written. */
  private flushOutput(): number {
    let written = 0;
    while (this.out.length > 0) {
      const prod = this.u32(F.rsp_prod.offset);
      const free = XENSTORE_RING_SIZE - ((prod - this.u32(F.rsp_cons.offset)) >>> 0);
      if (free <= 0) break;
      const msg = this.out[0]!;
      const start = maskXenstoreIdx(prod);
      const n = Math.min(free, msg.length - this.outHeadOffset, XENSTORE_RING_SIZE - start);
      this.ring.set(msg.subarray(this.outHeadOffset, this.outHeadOffset + n), RSP + start);
      this.setU32(F.rsp_prod.offset, (prod + n) >>> 0);
      this.outHeadOffset += n;
      this.pendingBytes -= n;
      written += n;
      if (this.outHeadOffset === msg.length) {
        this.out.shift();
        this.outHeadOffset = 0;
        if (this.eventMessages.has(msg)) this.pendingEventBytes -= msg.length;
      }
    }
    return written;
  }

  private dropOutput(): void {
    this.out.length = 0;
    this.deferredEvents.length = 0;
    this.outHeadOffset = 0;
    this.pendingBytes = 0;
    this.pendingEventBytes = 0;
    this.headerFill = 0;
    this.body = null;
  }

  // ---- Ring state --------------------------------------------------------------------------

  /** Producer may be at most a ring's size ahead of its consumer in either direction. */
  private indicesValid(): boolean {
    const reqUsed = (this.u32(F.req_prod.offset) - this.u32(F.req_cons.offset)) >>> 0;
    const rspUsed = (this.u32(F.rsp_prod.offset) - this.u32(F.rsp_cons.offset)) >>> 0;
    return reqUsed <= XENSTORE_RING_SIZE && rspUsed <= XENSTORE_RING_SIZE;
  }

  /** xenstore-ring.txt "connection error feature": record why, stop, discard the connection's state. */
  private fail(code: number): void {
    this.setU32(F.error.offset, code);
    this.stopped = true;
    this.store.detach(this);
    this.dropOutput();
    this.notifyGuest();
  }

  /**
   * xenstore-ring.txt "ring reconnection feature": drop partial packets, empty both queues,
   * discard watches and transactions, mark the ring connected again.
   */
  private reconnect(): void {
    this.store.detach(this);
    this.dropOutput();
    this.setU32(F.req_cons.offset, 0);
    this.setU32(F.req_prod.offset, 0);
    this.setU32(F.rsp_cons.offset, 0);
    this.setU32(F.rsp_prod.offset, 0);
    this.setU32(F.error.offset, XenstoreError.XENSTORE_ERROR_NONE);
    this.stopped = false;
    this.store.attach(this);
    this.setU32(F.connection.offset, XENSTORE_CONNECTED);
  }

  private headerView(): DataView {
    return new DataView(this.header.buffer, this.header.byteOffset, HEADER);
  }

  private u32(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  private setU32(offset: number, v: number): void {
    this.view.setUint32(offset, v >>> 0, true);
  }
}

/** `struct xsd_sockmsg` followed by the payload. */
export function encodeMessage(type: number, reqId: number, txId: number, payload: Uint8Array): Uint8Array {
  const msg = new Uint8Array(HEADER + payload.length);
  const v = new DataView(msg.buffer);
  v.setUint32(0, type >>> 0, true);
  v.setUint32(4, reqId >>> 0, true);
  v.setUint32(8, txId >>> 0, true);
  v.setUint32(12, payload.length, true);
  msg.set(payload, HEADER);
  return msg;
}
