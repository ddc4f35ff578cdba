import { describe, expect, it } from 'vitest';
import { Store } from '../src/index.js';
import { err } from './helpers.js';


describe('transactions', () => {
  it('writes are private until commit, then visible', () => {
    const s = new Store();
    s.write('/t/a', 'old');
    const tx = s.transactionStart();
    s.write('/t/a', 'new', { tx });
    s.write('/t/b/c', 'created', { tx });
    expect(s.read('/t/a', { tx })).toBe('new');
    expect(s.read('/t/a')).toBe('old');
    expect(err(() => s.read('/t/b/c'))).toBe('ENOENT');
    expect(s.directory('/t', { tx })).toEqual(['a', 'b']);
    s.transactionEnd(tx, true);
    expect(s.read('/t/a')).toBe('new');
    expect(s.read('/t/b/c')).toBe('created');
    expect(s.checkInvariants()).toEqual([]);
  });

  it('F aborts; the id is gone afterwards', () => {
    const s = new Store();
    const tx = s.transactionStart();
    s.write('/x', '1', { tx });
    s.transactionEnd(tx, false);
    expect(s.exists('/x')).toBe(false);
    expect(err(() => s.transactionEnd(tx, true))).toBe('ENOENT');
    expect(err(() => s.read('/x', { tx }))).toBe('ENOENT');
  });

  it('a conflicting change to a node the transaction used makes commit EAGAIN and applies nothing', () => {
    const s = new Store();
    s.write('/c/v', '0');
    const tx = s.transactionStart();
    const n = Number(s.read('/c/v', { tx }));
    s.write('/c/w', 'mine', { tx });
    s.write('/c/v', '5'); // someone else
    s.write('/c/v', String(n + 1), { tx });
    expect(err(() => s.transactionEnd(tx, true))).toBe('EAGAIN');
    expect(s.read('/c/v')).toBe('5');
    expect(s.exists('/c/w')).toBe(false);
    expect(s.checkInvariants()).toEqual([]);
  });

  it('creating a sibling the transaction also listed conflicts; unrelated changes do not', () => {
    const s = new Store();
    s.write('/d/a', '');
    s.write('/e', '');
    const t1 = s.transactionStart();
    s.directory('/d', { tx: t1 });
    s.write('/e', 'unrelated');
    s.transactionEnd(t1, true);
    const t2 = s.transactionStart();
    s.directory('/d', { tx: t2 });
    s.write('/d/b', 'new child');
    expect(err(() => s.transactionEnd(t2, true))).toBe('EAGAIN');
  });

  it('two transactions writing the same node: first commit wins, second gets EAGAIN', () => {
    const s = new Store();
    s.write('/k', '0');
    const a = s.transactionStart();
    const b = s.transactionStart();
    s.write('/k', 'a', { tx: a });
    s.write('/k', 'b', { tx: b });
    s.transactionEnd(a, true);
    expect(err(() => s.transactionEnd(b, true))).toBe('EAGAIN');
    expect(s.read('/k')).toBe('a');
  });

  it('RM and SET_PERMS inside a transaction', () => {
    const s = new Store();
    s.write('/r/a/b', '1');
    const tx = s.transactionStart();
    s.rm('/r/a', { tx });
    s.setPerms('/r', ['r0'], { tx });
    expect(s.exists('/r/a/b', { tx })).toBe(false);
    expect(s.exists('/r/a/b')).toBe(true);
    s.transactionEnd(tx, true);
    expect(s.exists('/r/a/b')).toBe(false);
    expect(s.getPerms('/r')).toEqual([{ domid: 0, access: 'r' }]);
    expect(s.checkInvariants()).toEqual([]);
  });

  it('watches fire on commit only, and not at all on abort or conflict', () => {
    const s = new Store();
    const events: string[] = [];
    s.watch('/w', 't', (p) => events.push(p));
    events.length = 0;
    const tx = s.transactionStart();
    s.write('/w/a', '1', { tx });
    s.rm('/w/a', { tx });
    s.write('/w/b', '2', { tx });
    expect(events).toEqual([]);
    s.transactionEnd(tx, true);
    expect(events).toEqual(['/w/a', '/w/a', '/w/b']);
    events.length = 0;
    const ab = s.transactionStart();
    s.write('/w/c', '', { tx: ab });
    s.transactionEnd(ab, false);
    const cf = s.transactionStart();
    s.read('/w/b', { tx: cf });
    s.write('/w/d', '', { tx: cf });
    s.write('/w/b', 'other');
    expect(err(() => s.transactionEnd(cf, true))).toBe('EAGAIN');
    expect(events).toEqual(['/w/b']);
  });

  it('transactions are per connection and per domain; nesting is EBUSY; quota applies', () => {
    const s = new Store({ maxTransactionsPerConnection: 2 });
    const tx = s.transactionStart({ domid: 0 });
    expect(err(() => s.read('/', { tx, domid: 3 }))).toBe('ENOENT');
    expect(err(() => s.read('/', { tx, owner: {} }))).toBe('ENOENT');
    expect(err(() => s.transactionStart({ tx }))).toBe('EBUSY');
    expect(err(() => s.read('/', { tx: 12345 }))).toBe('ENOENT');
    s.transactionStart({ domid: 3 });
    s.transactionStart({ domid: 3 });
    expect(err(() => s.transactionStart({ domid: 3 }))).toBe('ENOSPC');
  });

  it('quota counts nodes created inside the transaction', () => {
    const s = new Store({ maxNodesPerDomain: 3 });
    s.mkdir('/local/domain/3');
    s.setPerms('/local/domain/3', ['n3']);
    const tx = s.transactionStart({ domid: 3 });
    s.write('a', '', { domid: 3, tx });
    s.write('b', '', { domid: 3, tx });
    expect(err(() => s.write('c', '', { domid: 3, tx }))).toBe('ENOSPC');
    s.rm('a', { domid: 3, tx });
    s.write('c', '', { domid: 3, tx });
    s.transactionEnd(tx, true, { domid: 3 });
    expect(s.directory('/local/domain/3', { domid: 3 })).toEqual(['b', 'c']);
    expect(s.checkInvariants()).toEqual([]);
  });

  it('transaction() retries on EAGAIN', () => {
    const s = new Store();
    s.write('/n', '0');
    let attempts = 0;
    s.transaction((tx) => {
      attempts++;
      const v = Number(s.read('/n', { tx }));
      if (attempts === 1) s.write('/n', '10'); // interfering writer, first time only
      s.write('/n', String(v + 1), { tx });
    });
    expect(attempts).toBe(2);
    expect(s.read('/n')).toBe('11');
  });
});
