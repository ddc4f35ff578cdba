import { describe, expect, it } from 'vitest';
import { XenstoreError, XsType } from '@xen-ts/abi';
import { SERVER_FEATURES, Store, XenstoreConnection } from '../src/index.js';
import { GuestRing, bytes, isError, request, text } from './guest-ring.js';

const REQ_CONS = 2048;
const REQ_PROD = 2052;
const RSP_CONS = 2056;
const RSP_PROD = 2060;
const FEATURES = 2064;
const CONNECTION = 2068;
const ERROR = 2072;

function setup(domid = 1, start = 0, store = new Store()) {
  store.mkdir(`/local/domain/${domid}`);
  store.setPerms(`/local/domain/${domid}`, [`n${domid}`]);
  const guest = new GuestRing(start);
  let notifies = 0;
  const conn = new XenstoreConnection(store, { domid, ring: guest.page, notify: () => notifies++ });
  return { store, guest, conn, notifies: () => notifies };
}

/** Sends one request, processes, drains, returns the messages received. */
function call(g: GuestRing, c: XenstoreConnection, type: number, reqId: number, txId: number, payload: string) {
  expect(g.send(request(type, reqId, txId, payload))).toBe(16 + payload.length);
  // Replies can be larger than the ring: keep reading while the daemon has more for us.
  const out = [];
  let rounds = 0;
  do {
    c.process();
    g.drain();
    out.push(...g.messages());
  } while ((c.pendingOutputBytes > 0 || g.pendingRx > 0) && ++rounds < 64);
  return out;
}

describe('XenstoreConnection', () => {
  it('advertises its features and answers a request a guest wrote byte by byte', () => {
    const { guest, conn, store, notifies } = setup(1);
    expect(guest.get(FEATURES)).toBe(SERVER_FEATURES);
    store.write('/local/domain/1/name', 'guest-one');
    // XS_READ (2), req_id 0x11223344, tx 0, len 5, "name\0": what Linux's xs_talkv puts in the ring.
    const raw = Uint8Array.from([
      0x02, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0, 0x05, 0, 0, 0, 0x6e, 0x61, 0x6d, 0x65, 0x00,
    ]);
    guest.send(raw);
    conn.process();
    expect(guest.get(REQ_CONS)).toBe(21);
    expect(guest.get(RSP_PROD)).toBe(16 + 9);
    expect(notifies()).toBe(1);
    expect(Array.from(guest.page.subarray(1024, 1024 + 25))).toEqual([
      0x02, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0, 0x09, 0, 0, 0, ...bytes('guest-one'),
    ]);
  });

  it('a guest session: write, read, directory, perms, domain path, errors', () => {
    const { guest: g, conn: c } = setup(1);
    const ok = (m: { payload: Uint8Array }[]) => expect(text(m[0]!.payload)).toBe('OK\0');
    ok(call(g, c, XsType.XS_WRITE, 1, 0, 'device/vif/0/state\x004'));
    expect(text(call(g, c, XsType.XS_READ, 2, 0, 'device/vif/0/state\0')[0]!.payload)).toBe('4');
    ok(call(g, c, XsType.XS_MKDIR, 3, 0, 'device/vbd\0'));
    expect(text(call(g, c, XsType.XS_DIRECTORY, 4, 0, 'device\0')[0]!.payload)).toBe('vif\0vbd\0');
    expect(text(call(g, c, XsType.XS_GET_PERMS, 5, 0, 'device\0')[0]!.payload)).toBe('n1\0');
    ok(call(g, c, XsType.XS_SET_PERMS, 6, 0, 'device\0n1\0r0\0'));
    expect(text(call(g, c, XsType.XS_GET_PERMS, 7, 0, 'device\0')[0]!.payload)).toBe('n1\0r0\0');
    expect(text(call(g, c, XsType.XS_GET_DOMAIN_PATH, 8, 0, '1\0')[0]!.payload)).toBe('/local/domain/1\0');
    ok(call(g, c, XsType.XS_RM, 9, 0, 'device\0'));
    const m = call(g, c, XsType.XS_READ, 10, 0, 'device\0');
    expect(m[0]!.reqId).toBe(10);
    expect(isError(m[0]!, 'ENOENT')).toBe(true);
    expect(isError(call(g, c, XsType.XS_READ, 11, 0, '/local/domain/0\0')[0]!, 'EACCES')).toBe(true);
    expect(isError(call(g, c, 99, 12, 0, '')[0]!, 'EINVAL')).toBe(true);
    expect(isError(call(g, c, XsType.XS_WATCH_EVENT, 13, 0, 'a\0b\0')[0]!, 'EINVAL')).toBe(true);
    expect(isError(call(g, c, XsType.XS_READ, 14, 0, 'no-nul')[0]!, 'EINVAL')).toBe(true);
    expect(isError(call(g, c, XsType.XS_READ, 15, 0, 'a\0b\0')[0]!, 'EINVAL')).toBe(true);
    expect(isError(call(g, c, XsType.XS_WRITE, 16, 0, 'novalue')[0]!, 'EINVAL')).toBe(true);
    expect(isError(call(g, c, XsType.XS_INTRODUCE, 17, 0, '5\x00100\x003\0')[0]!, 'EACCES')).toBe(true);
    expect(isError(call(g, c, XsType.XS_GET_QUOTA, 18, 0, '')[0]!, 'ENOSYS')).toBe(true);
    expect(text(call(g, c, XsType.XS_IS_DOMAIN_INTRODUCED, 19, 0, '0\0')[0]!.payload)).toBe('T\0');
    expect(text(call(g, c, XsType.XS_IS_DOMAIN_INTRODUCED, 20, 0, '9\0')[0]!.payload)).toBe('F\0');
    expect(isError(call(g, c, XsType.XS_GET_DOMAIN_PATH, 21, 0, 'x\0')[0]!, 'EINVAL')).toBe(true);
    expect(c.closed).toBe(false);
  });

  it('replies echo type, req_id and tx_id; errors have type ERROR', () => {
    const { guest: g, conn: c } = setup(1);
    const m = call(g, c, XsType.XS_READ, 0xdeadbeef, 0, 'missing\0')[0]!;
    expect(m).toMatchObject({ type: XsType.XS_ERROR, reqId: 0xdeadbeef, txId: 0 });
    const w = call(g, c, XsType.XS_WRITE, 7, 0, 'k\0v')[0]!;
    expect(w).toMatchObject({ type: XsType.XS_WRITE, reqId: 7, txId: 0 });
  });

  it('transactions over the ring: commit, and EAGAIN on conflict', () => {
    const { guest: g, conn: c, store } = setup(1);
    const start = call(g, c, XsType.XS_TRANSACTION_START, 1, 0, '\0')[0]!;
    const tx = Number(text(start.payload).replace('\0', ''));
    expect(tx).toBeGreaterThan(0);
    expect(call(g, c, XsType.XS_WRITE, 2, tx, 'a\x001')[0]!.txId).toBe(tx);
    expect(store.exists('/local/domain/1/a')).toBe(false);
    expect(text(call(g, c, XsType.XS_TRANSACTION_END, 3, tx, 'T\0')[0]!.payload)).toBe('OK\0');
    expect(store.read('/local/domain/1/a')).toBe('1');

    const t2 = Number(text(call(g, c, XsType.XS_TRANSACTION_START, 4, 0, '\0')[0]!.payload).replace('\0', ''));
    call(g, c, XsType.XS_READ, 5, t2, 'a\0');
    store.write('/local/domain/1/a', 'dom0 was here');
    call(g, c, XsType.XS_WRITE, 6, t2, 'a\x002');
    expect(isError(call(g, c, XsType.XS_TRANSACTION_END, 7, t2, 'T\0')[0]!, 'EAGAIN')).toBe(true);
    expect(isError(call(g, c, XsType.XS_TRANSACTION_END, 8, t2, 'T\0')[0]!, 'ENOENT')).toBe(true);
    expect(isError(call(g, c, XsType.XS_TRANSACTION_END, 9, 0, 'T\0')[0]!, 'ENOENT')).toBe(true);
    expect(isError(call(g, c, XsType.XS_READ, 10, 4242, 'a\0')[0]!, 'ENOENT')).toBe(true);
    const t3 = Number(text(call(g, c, XsType.XS_TRANSACTION_START, 11, 0, '\0')[0]!.payload).replace('\0', ''));
    expect(isError(call(g, c, XsType.XS_TRANSACTION_START, 12, t3, '\0')[0]!, 'EBUSY')).toBe(true);
    expect(isError(call(g, c, XsType.XS_TRANSACTION_END, 13, t3, 'X\0')[0]!, 'EINVAL')).toBe(true);
  });

  it('WATCH replies OK first, then the initial event; later events arrive unsolicited with a notify', () => {
    const { guest: g, conn: c, store, notifies } = setup(1);
    const m = call(g, c, XsType.XS_WATCH, 1, 0, 'control/shutdown\0tok\0');
    expect(m.map((x) => x.type)).toEqual([XsType.XS_WATCH, XsType.XS_WATCH_EVENT]);
    expect(text(m[1]!.payload)).toBe('control/shutdown\0tok\0');
    expect(m[1]).toMatchObject({ reqId: 0, txId: 0 });
    const before = notifies();
    store.write('/local/domain/1/control/shutdown', 'poweroff'); // the toolstack, in-process
    expect(notifies()).toBe(before + 1);
    g.drain();
    const ev = g.messages();
    expect(ev.map((x) => text(x.payload))).toEqual(['control/shutdown\0tok\0']);
    // The guest's own write it watches: reply, then event.
    const own = call(g, c, XsType.XS_WRITE, 2, 0, 'control/shutdown\0');
    expect(own.map((x) => x.type)).toEqual([XsType.XS_WRITE, XsType.XS_WATCH_EVENT]);
    expect(text(call(g, c, XsType.XS_UNWATCH, 3, 0, 'control/shutdown\0tok\0')[0]!.payload)).toBe('OK\0');
    store.write('/local/domain/1/control/shutdown', 'reboot');
    g.drain();
    expect(g.messages()).toEqual([]);
  });

  it('watch events from a transaction arrive only at commit', () => {
    const { guest: g, conn: c, store } = setup(1);
    call(g, c, XsType.XS_WATCH, 1, 0, '/local/domain/1/data\0w\0');
    const tx = store.transactionStart();
    store.write('/local/domain/1/data/x', '1', { tx });
    g.drain();
    expect(g.messages()).toEqual([]);
    store.transactionEnd(tx, true);
    g.drain();
    expect(g.messages().map((x) => text(x.payload))).toEqual(['/local/domain/1/data/x\0w\0']);
  });

  it('handles requests and replies that wrap around the ring and the 32-bit indices', () => {
    const { guest: g, conn: c, store } = setup(1, 0xfffffff0 + 3);
    store.write('/local/domain/1/v', 'x'.repeat(900));
    for (let i = 0; i < 20; i++) {
      const m = call(g, c, XsType.XS_READ, i, 0, 'v\0');
      expect(m.length).toBe(1);
      expect(m[0]!.reqId).toBe(i);
      expect(text(m[0]!.payload)).toBe('x'.repeat(900));
      expect(isError(call(g, c, XsType.XS_WRITE, 100 + i, 0, `k${i}\x00${'y'.repeat(i * 37)}`)[0]!, 'x')).toBe(false);
    }
    expect(g.get(REQ_PROD)).toBeLessThan(0x10000); // wrapped past 2^32
    expect(g.get(RSP_PROD)).toBeLessThan(0x10000);
    expect(store.read('/local/domain/1/k19')).toBe('y'.repeat(19 * 37));
  });

  it('assembles a request that arrives in pieces', () => {
    const { guest: g, conn: c, notifies } = setup(1);
    const req = request(XsType.XS_WRITE, 5, 0, 'piece\x00by piece');
    g.send(req.subarray(0, 7));
    c.process();
    expect(g.get(REQ_CONS)).toBe(7); // consumed into the daemon's buffer
    expect(g.get(RSP_PROD)).toBe(0);
    g.send(req.subarray(7, 20));
    c.process();
    expect(g.get(RSP_PROD)).toBe(0);
    const n = notifies();
    g.send(req.subarray(20));
    c.process();
    expect(notifies()).toBe(n + 1);
    g.drain();
    expect(g.messages()).toMatchObject([{ type: XsType.XS_WRITE, reqId: 5 }]);
  });

  it('a request larger than the free ring is fed in as the daemon consumes', () => {
    const { guest: g, conn: c, store } = setup(1);
    const req = request(XsType.XS_WRITE, 1, 0, `big\x00${'z'.repeat(3000)}`);
    let sent = 0;
    while (sent < req.length) {
      sent += g.send(req.subarray(sent));
      c.process();
    }
    g.drain();
    expect(g.messages()).toMatchObject([{ type: XsType.XS_WRITE }]);
    expect(store.read('/local/domain/1/big')).toBe('z'.repeat(3000));
  });

  it('queues replies that do not fit a full response ring and delivers them in order as the guest reads', () => {
    const store = new Store();
    const { guest: g, conn: c } = setup(1, 0, store);
    store.write('/local/domain/1/v', 'v'.repeat(500));
    // Ten reads = ten 516-byte replies, far more than the 1024-byte response ring.
    for (let i = 0; i < 10; i++) g.send(request(XsType.XS_READ, i, 0, 'v\0'));
    for (let i = 0; i < 10; i++) c.process();
    expect(g.get(RSP_PROD) - g.get(RSP_CONS)).toBe(1024);
    expect(c.pendingOutputBytes).toBe(10 * 516 - 1024);
    const got: number[] = [];
    for (let round = 0; round < 20 && got.length < 10; round++) {
      g.drain(300); // a slow reader
      c.process();
      got.push(...g.messages().map((m) => m.reqId));
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.pendingOutputBytes).toBe(0);
  });

  it('stops reading requests while a guest that never reads has too much output pending', () => {
    const store = new Store();
    store.mkdir('/local/domain/1');
    store.setPerms('/local/domain/1', ['n1']);
    store.write('/local/domain/1/v', 'v'.repeat(1000));
    const g = new GuestRing();
    const c = new XenstoreConnection(store, { domid: 1, ring: g.page, notify: () => {}, maxPendingReplies: 4000 });
    for (let round = 0; round < 50; round++) {
      while (g.send(request(XsType.XS_READ, round, 0, 'v\0')) > 0 && g.reqFree > 0) {
        /* fill */
      }
      c.process();
    }
    expect(c.pendingOutputBytes).toBeLessThanOrEqual(4000 + 1016);
    expect(g.reqFree).toBe(0);
    expect(c.closed).toBe(false);
  });

  it('a payload length over XENSTORE_PAYLOAD_MAX sets error PROTO and stops the connection, without throwing', () => {
    const { guest: g, conn: c, store, notifies } = setup(1);
    call(g, c, XsType.XS_WATCH, 1, 0, 'w\0t\0');
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setUint32(12, 4097, true);
    g.send(bad);
    expect(() => c.process()).not.toThrow();
    expect(g.get(ERROR)).toBe(XenstoreError.XENSTORE_ERROR_PROTO);
    expect(c.closed).toBe(true);
    expect(c.error).toBe(XenstoreError.XENSTORE_ERROR_PROTO);
    expect(notifies()).toBeGreaterThan(0);
    // Stopped: further requests are ignored, its watches are gone.
    g.send(request(XsType.XS_READ, 2, 0, 'w\0'));
    const cons = g.get(REQ_CONS);
    c.process();
    expect(g.get(REQ_CONS)).toBe(cons);
    g.drain();
    g.messages();
    store.write('/local/domain/1/w', 'x');
    g.drain();
    expect(g.messages()).toEqual([]);
  });

  it('inconsistent ring indices set error RINGIDX', () => {
    const { guest: g, conn: c } = setup(1);
    g.set(REQ_PROD, 5000);
    expect(() => c.process()).not.toThrow();
    expect(c.error).toBe(XenstoreError.XENSTORE_ERROR_RINGIDX);
    const h = setup(1);
    h.guest.set(RSP_CONS, 77); // consumer ahead of producer
    h.conn.process();
    expect(h.conn.error).toBe(XenstoreError.XENSTORE_ERROR_RINGIDX);
  });

  it('reconnection resets the ring, drops partial input, watches and transactions', () => {
    const { guest: g, conn: c, store } = setup(1, 100);
    call(g, c, XsType.XS_WATCH, 1, 0, 'w\0t\0');
    call(g, c, XsType.XS_TRANSACTION_START, 2, 0, '\0');
    g.send(request(XsType.XS_WRITE, 3, 0, 'w\x00x').subarray(0, 10)); // half a request
    c.process();
    g.set(CONNECTION, 1);
    c.process();
    expect(g.get(CONNECTION)).toBe(0);
    expect([g.get(REQ_CONS), g.get(REQ_PROD), g.get(RSP_CONS), g.get(RSP_PROD)]).toEqual([0, 0, 0, 0]);
    g.forget(); // the guest drops what it had half read, as xenstore-ring.txt asks
    expect(text(call(g, c, XsType.XS_WRITE, 4, 0, 'w\x00y')[0]!.payload)).toBe('OK\0');
    g.drain();
    expect(g.messages()).toEqual([]); // the old watch is gone
    expect(store.read('/local/domain/1/w')).toBe('y');
  });

  it('RELEASE closes the domain’s connection and fires @releaseDomain', () => {
    const store = new Store();
    const events: string[] = [];
    store.watch('@releaseDomain', 'r', (p) => events.push(p));
    const { guest: g, conn: c } = setup(3, 0, store);
    store.introduceDomain(3, 1234, 7);
    call(g, c, XsType.XS_WATCH, 1, 0, 'x\0t\0');
    store.releaseDomain(3);
    expect(c.closed).toBe(true);
    expect(events).toEqual(['@releaseDomain', '@releaseDomain']);
    g.send(request(XsType.XS_READ, 2, 0, 'x\0'));
    c.process();
    g.drain();
    expect(g.messages()).toEqual([]);
  });

  it('dom0 on a ring may INTRODUCE and RELEASE, and sees the special events', () => {
    const introduced: number[][] = [];
    const store = new Store({ onIntroduce: (d, g, e) => introduced.push([d, g, e]) });
    const { guest: g, conn: c } = setup(0, 0, store);
    call(g, c, XsType.XS_WATCH, 1, 0, '@introduceDomain\0i\0');
    const m = call(g, c, XsType.XS_INTRODUCE, 2, 0, '5\x00-1\x009\0');
    expect(text(m[0]!.payload)).toBe('OK\0');
    expect(text(m[1]!.payload)).toBe('@introduceDomain\0i\0');
    expect(introduced).toEqual([[5, 0xffffffff, 9]]);
    expect(text(call(g, c, XsType.XS_RELEASE, 3, 0, '5\0')[0]!.payload)).toBe('OK\0');
    expect(text(call(g, c, XsType.XS_CONTROL, 4, 0, 'check\0')[0]!.payload)).toBe('OK\0');
  });

  it('DIRECTORY_PART pages a long child list; DIRECTORY refuses it with E2BIG', () => {
    const { guest: g, conn: c, store } = setup(1);
    const names: string[] = [];
    for (let i = 0; i < 300; i++) names.push(`child-with-a-long-name-${String(i).padStart(4, '0')}`);
    store.transaction((tx) => names.forEach((n) => store.mkdir(`/local/domain/1/many/${n}`, { tx })));
    expect(isError(call(g, c, XsType.XS_DIRECTORY, 1, 0, 'many\0')[0]!, 'E2BIG')).toBe(true);
    const got: string[] = [];
    let offset = 0;
    let gen: string | undefined;
    for (let round = 0; round < 10; round++) {
      const m = call(g, c, XsType.XS_DIRECTORY_PART, 2, 0, `many\0${offset}\0`)[0]!;
      expect(m.type).toBe(XsType.XS_DIRECTORY_PART);
      expect(m.payload.length).toBeLessThanOrEqual(4096);
      const parts = text(m.payload).split('\0');
      gen ??= parts[0];
      expect(parts[0]).toBe(gen);
      const body = parts.slice(1, -1);
      if (body.length > 0 && body[body.length - 1] === '') {
        got.push(...body.slice(0, -1));
        break;
      }
      got.push(...body);
      offset += body.reduce((a, s) => a + s.length + 1, 0);
    }
    expect(got).toEqual(names);
  });

  it('RESET_WATCHES over the ring', () => {
    const { guest: g, conn: c, store } = setup(1);
    call(g, c, XsType.XS_WATCH, 1, 0, 'a\0t\0');
    call(g, c, XsType.XS_RESET_WATCHES, 2, 0, '');
    store.write('/local/domain/1/a', 'x');
    g.drain();
    expect(g.messages()).toEqual([]);
  });

  it('rejects a ring smaller than the interface', () => {
    expect(() => new XenstoreConnection(new Store(), { domid: 1, ring: new Uint8Array(100), notify: () => {} })).toThrow(RangeError);
  });

  it('guest-set indices near 2^32 with RSP_CONS arithmetic still work (free-running)', () => {
    const { guest: g, conn: c } = setup(1, 0xffffffff);
    expect(text(call(g, c, XsType.XS_WRITE, 1, 0, 'k\x00v')[0]!.payload)).toBe('OK\0');
    expect(g.get(RSP_PROD)).toBe((0xffffffff + 19) >>> 0);
  });
});
