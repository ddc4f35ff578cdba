// The guest side of a xenstore ring, as a PV kernel's xenbus driver drives it: raw bytes in,
// raw bytes out, free-running little-endian indices.
import { XsType } from '@xen-ts/abi';

export const PAGE = 4096;
const REQ_CONS = 2048;
const REQ_PROD = 2052;
const RSP_CONS = 2056;
const RSP_PROD = 2060;

export interface Message {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
}

export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function text(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

/** Request bytes exactly as xs_wire.h lays them out. */
export function request(type: number, reqId: number, txId: number, payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === 'string' ? bytes(payload) : payload;
  const m = new Uint8Array(16 + body.length);
  const v = new DataView(m.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, reqId, true);
  v.setUint32(8, txId, true);
  v.setUint32(12, body.length, true);
  m.set(body, 16);
  return m;
}

export class GuestRing {
  readonly page = new Uint8Array(PAGE);
  private readonly v = new DataView(this.page.buffer);
  private rx: number[] = [];

  constructor(start = 0) {
    // Guests must not assume indices start at zero (xenstore-ring.txt).
    this.set(REQ_CONS, start);
    this.set(REQ_PROD, start);
    this.set(RSP_CONS, start);
    this.set(RSP_PROD, start);
  }

  get(off: number): number {
    return this.v.getUint32(off, true);
  }

  set(off: number, val: number): void {
    this.v.setUint32(off, val >>> 0, true);
  }

  get reqFree(): number {
    return 1024 - ((this.get(REQ_PROD) - this.get(REQ_CONS)) >>> 0);
  }

  /** Writes as many of `data` as fit; returns how many. */
  send(data: Uint8Array): number {
    let prod = this.get(REQ_PROD);
    const n = Math.min(data.length, this.reqFree);
    for (let i = 0; i < n; i++) {
      this.page[prod & 1023] = data[i]!;
      prod = (prod + 1) >>> 0;
    }
    this.set(REQ_PROD, prod);
    return n;
  }

  /** Drains the response ring into the receive buffer (optionally at most `max` bytes). */
  drain(max = Infinity): number {
    let cons = this.get(RSP_CONS);
    const prod = this.get(RSP_PROD);
    // A sane guest never reads more than a ring's worth, whatever the indices say.
    const avail = Math.min((prod - cons) >>> 0, 1024);
    let n = 0;
    while (n < avail && n < max) {
      this.rx.push(this.page[1024 + (cons & 1023)]!);
      cons = (cons + 1) >>> 0;
      n++;
    }
    this.set(RSP_CONS, cons);
    return n;
  }

  /** Complete messages received so far (removed from the buffer). */
  messages(): Message[] {
    const out: Message[] = [];
    while (this.rx.length >= 16) {
      const h = new DataView(Uint8Array.from(this.rx.slice(0, 16)).buffer);
      const len = h.getUint32(12, true);
      if (this.rx.length < 16 + len) break;
      out.push({
        type: h.getUint32(0, true),
        reqId: h.getUint32(4, true),
        txId: h.getUint32(8, true),
        payload: Uint8Array.from(this.rx.slice(16, 16 + len)),
      });
      this.rx = this.rx.slice(16 + len);
    }
    return out;
  }

  /** Drops partially received bytes (after a reconnect). */
  forget(): void {
    this.rx = [];
  }

  get pendingRx(): number {
    return this.rx.length;
  }
}

export function isError(m: Message, name: string): boolean {
  return m.type === XsType.XS_ERROR && text(m.payload) === `${name}\0`;
}
