// Seeded random traffic: well-behaved guests, a hostile guest writing garbage and corrupting its
// ring, and dom0 working in-process. The host must never throw, the store must stay sound, and
// the well-behaved guests must get exactly one well-formed reply per request, in order.
import { describe, expect, it } from 'vitest';
import { XsType } from '@xen-ts/abi';
import { Store, XenstoreConnection, XsError } from '../src/index.js';
import { GuestRing, request, text } from './guest-ring.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['a', 'b', 'c', 'state', 'device', 'vif', '0', '1'];
const TYPES = [
  XsType.XS_READ, XsType.XS_WRITE, XsType.XS_MKDIR, XsType.XS_RM, XsType.XS_DIRECTORY, XsType.XS_DIRECTORY_PART,
  XsType.XS_GET_PERMS, XsType.XS_SET_PERMS, XsType.XS_WATCH, XsType.XS_UNWATCH, XsType.XS_RESET_WATCHES,
  XsType.XS_TRANSACTION_START, XsType.XS_TRANSACTION_END, XsType.XS_GET_DOMAIN_PATH, XsType.XS_INTRODUCE,
  XsType.XS_RELEASE, XsType.XS_IS_DOMAIN_INTRODUCED, XsType.XS_CONTROL, XsType.XS_SET_TARGET, XsType.XS_RESUME,
  XsType.XS_GET_FEATURE, 20, 77, 0xffff,
];

interface Guest {
  domid: number;
  ring: GuestRing;
  conn: XenstoreConnection;
  backlog: number[];
  sent: number[];
  replies: number[];
  txs: number[];
  nextReq: number;
  hostile: boolean;
}

function run(seed: number, steps: number) {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (n: number) => Math.floor(rnd() * n);
  const store = new Store({ maxNodesPerDomain: 60, maxWatchesPerConnection: 8, maxTransactionsPerConnection: 3 });
  const guests: Guest[] = [];
  const stats = { ok: 0, errors: 0, events: 0, txStarted: 0 };
  for (const domid of [1, 2, 3]) {
    store.mkdir(`/local/domain/${domid}`);
    store.setPerms(`/local/domain/${domid}`, [`n${domid}`, ...(domid === 2 ? ['r1'] : [])]);
    const ring = new GuestRing(int(2) ? 0 : (0xffffffff - int(4000)) >>> 0);
    const conn = new XenstoreConnection(store, { domid, ring: ring.page, notify: () => {}, maxPendingEvents: 8192 });
    guests.push({ domid, ring, conn, backlog: [], sent: [], replies: [], txs: [], nextReq: 1, hostile: domid === 3 });
  }

  const path = () => {
    const n = 1 + int(4);
    const parts = Array.from({ length: n }, () => pick(NAMES)).join('/');
    return pick([parts, `/local/domain/${1 + int(3)}/${parts}`, '/', `/${parts}`, `${parts}//x`, '@releaseDomain']);
  };
  const payloadFor = (g: Guest, type: number): string => {
    switch (type) {
      case XsType.XS_WRITE:
        return `${path()}\0${'v'.repeat(int(3) === 0 ? int(3000) : int(10))}`;
      case XsType.XS_SET_PERMS:
        return `${path()}\0${pick(['n', 'r', 'w', 'b', 'q'])}${int(4)}\0${pick(['', 'r1\0', 'b2\0'])}`;
      case XsType.XS_WATCH:
      case XsType.XS_UNWATCH:
        return `${path()}\0tok${int(3)}\0`;
      case XsType.XS_TRANSACTION_END:
        return pick(['T\0', 'F\0', 'X\0']);
      case XsType.XS_DIRECTORY_PART:
        return `${path()}\0${int(20)}\0`;
      case XsType.XS_INTRODUCE:
        return `${int(5)}\0${int(1000)}\0${int(10)}\0`;
      case XsType.XS_GET_DOMAIN_PATH:
      case XsType.XS_RELEASE:
      case XsType.XS_IS_DOMAIN_INTRODUCED:
      case XsType.XS_RESUME:
        return `${pick(['1', '2', '70000', 'x', ''])}\0`;
      case XsType.XS_CONTROL:
        return pick(['check\0', 'help\0', 'print\0hi\0']);
      default:
        return int(4) === 0 ? '' : `${path()}\0`;
    }
  };

  const feed = (g: Guest) => {
    if (g.backlog.length === 0) return;
    const n = g.ring.send(Uint8Array.from(g.backlog));
    g.backlog.splice(0, n);
  };
  const collect = (g: Guest) => {
    g.ring.drain();
    if (g.hostile) {
      // Its own index games garble what it reads; only the daemon's survival matters there.
      g.ring.forget();
      return;
    }
    for (const m of g.ring.messages()) {
      expect(m.payload.length).toBeLessThanOrEqual(4096);
      if (m.type === XsType.XS_WATCH_EVENT) {
        expect(m.reqId).toBe(0);
        expect(text(m.payload).split('\0').length).toBe(3);
        stats.events++;
        continue;
      }
      g.replies.push(m.reqId);
      if (m.type === XsType.XS_TRANSACTION_START) {
        g.txs.push(Number(text(m.payload).slice(0, -1)));
        stats.txStarted++;
      }
      if (m.type === XsType.XS_ERROR) {
        expect(text(m.payload)).toMatch(/^E[A-Z0-9]+\0$/);
        stats.errors++;
      } else stats.ok++;
    }
  };

  for (let step = 0; step < steps; step++) {
    const g = pick(guests);
    const action = int(10);
    if (action < 4) {
      const type = pick(TYPES);
      const tx = int(3) === 0 && g.txs.length > 0 ? pick(g.txs) : int(20) === 0 ? int(100) : 0;
      const req = g.nextReq++;
      g.sent.push(req);
      g.backlog.push(...request(type, req, type === XsType.XS_TRANSACTION_START && int(2) ? 0 : tx, payloadFor(g, type)));
      feed(g);
    } else if (action < 6) {
      g.conn.process();
      feed(g);
    } else if (action < 8) {
      collect(g);
    } else if (action === 8 && g.hostile) {
      // Garbage in the ring and in the indices, a reconnect now and then.
      const r = int(4);
      if (r === 0) g.ring.send(Uint8Array.from({ length: int(200) }, () => int(256)));
      else if (r === 1) g.ring.set(2048 + 4 * int(4), int(3) === 0 ? int(2 ** 32) : g.ring.get(2048 + 4 * int(4)) + int(3));
      else if (r === 2) g.ring.set(2068, 1);
      else g.ring.send(request(int(30), int(9), int(4), Uint8Array.from({ length: int(300) }, () => int(256))));
      g.conn.process();
    } else {
      // dom0 as the toolstack would, in-process.
      try {
        const p = path();
        const op = int(4);
        if (op === 0) store.write(p, `${step}`);
        else if (op === 1) store.rm(p);
        else if (op === 2) store.setPerms(p, [`n${1 + int(3)}`, 'r1']);
        else store.transaction((tx) => store.write(p, 'tx', { tx }));
      } catch (e) {
        if (!(e instanceof XsError)) throw e;
      }
    }
    if (step % 97 === 0) expect(store.checkInvariants()).toEqual([]);
  }
  // Let the well-behaved guests finish: every request answered, in order.
  for (let round = 0; round < 200; round++) {
    for (const g of guests) {
      feed(g);
      g.conn.process();
      collect(g);
    }
  }
  for (const g of guests.filter((x) => !x.hostile)) {
    expect(g.conn.closed).toBe(false);
    expect(g.backlog.length).toBe(0);
    expect(g.replies).toEqual(g.sent);
  }
  const hostile = guests.find((x) => x.hostile)!;
  expect([0, 2, 3]).toContain(hostile.conn.error);
  expect(store.checkInvariants()).toEqual([]);
  return stats;
}

describe('fuzz', () => {
  for (const seed of [1, 2, 3, 0xc0ffee, 0xdeadbeef]) {
    it(`seed ${seed}: never throws, replies match requests, store stays sound`, () => {
      const stats = run(seed, 3000);
      // The traffic must reach the store, not only bounce off the parser.
      expect(stats.ok).toBeGreaterThan(100);
      expect(stats.errors).toBeGreaterThan(50);
      expect(stats.events).toBeGreaterThan(10);
      expect(stats.txStarted).toBeGreaterThan(5);
    });
  }

  it('pure garbage pages never throw', () => {
    const rnd = mulberry32(42);
    for (let trial = 0; trial < 300; trial++) {
      const store = new Store();
      const page = Uint8Array.from({ length: 4096 }, () => Math.floor(rnd() * 256));
      if (trial % 2) new DataView(page.buffer).setUint32(2052, new DataView(page.buffer).getUint32(2048, true) + Math.floor(rnd() * 1025), true);
      const conn = new XenstoreConnection(store, { domid: 1 + (trial % 5), ring: page, notify: () => {} });
      for (let i = 0; i < 5; i++) {
        expect(() => conn.process()).not.toThrow();
        const v = new DataView(page.buffer);
        v.setUint32(2056, v.getUint32(2060, true), true); // a guest that reads everything
      }
      expect([0, 2, 3]).toContain(conn.error >>> 0 === conn.error ? conn.error : -1);
      expect(store.checkInvariants()).toEqual([]);
    }
  });
});
