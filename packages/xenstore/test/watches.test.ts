import { describe, expect, it } from 'vitest';
import { INTRODUCE_DOMAIN_PATH, RELEASE_DOMAIN_PATH, Store } from '../src/index.js';
import { err } from './helpers.js';


function recorder() {
  const events: string[] = [];
  return { events, cb: (path: string, token: string) => events.push(`${path} ${token}`) };
}

describe('watches', () => {
  it('fire once straight away, then on the path and its descendants, not on siblings or parents', () => {
    const s = new Store();
    const r = recorder();
    s.watch('/a/b', 'tok', r.cb);
    expect(r.events).toEqual(['/a/b tok']); // fires even though /a/b does not exist
    s.write('/a/b', '1');
    s.write('/a/b/c/d', '2');
    s.write('/a/bc', 'sibling with a common prefix');
    s.write('/a', 'parent');
    s.write('/z', 'elsewhere');
    expect(r.events).toEqual(['/a/b tok', '/a/b tok', '/a/b/c/d tok']);
  });

  it('a watch on / sees everything', () => {
    const s = new Store();
    const r = recorder();
    s.watch('/', 'all', r.cb);
    s.write('/x', '1');
    s.mkdir('/y');
    expect(r.events).toEqual(['/ all', '/x all', '/y all']);
  });

  it('fire on MKDIR only when something is created, on SET_PERMS, and on RM', () => {
    const s = new Store();
    const r = recorder();
    s.watch('/n', 't', r.cb);
    r.events.length = 0;
    s.mkdir('/n');
    s.mkdir('/n');
    s.setPerms('/n', ['r0']);
    s.rm('/n');
    s.rm('/n'); // already gone: nothing changes, no event
    expect(r.events).toEqual(['/n t', '/n t', '/n t']);
  });

  it('recursive removal of a parent reports the watched path itself', () => {
    const s = new Store();
    const r = recorder();
    s.write('/p/q/r', 'v');
    s.watch('/p/q/r', 'deep', r.cb);
    s.watch('/p/q/r/s/t', 'deeper', r.cb);
    r.events.length = 0;
    s.rm('/p');
    expect(r.events.sort()).toEqual(['/p/q/r deep', '/p/q/r/s/t deeper']);
  });

  it('relative watches report relative paths', () => {
    const s = new Store();
    s.mkdir('/local/domain/3');
    s.setPerms('/local/domain/3', ['n3']);
    const r = recorder();
    s.watch('control/shutdown', 'ctl', r.cb, { domid: 3 });
    s.write('/local/domain/3/control/shutdown', 'poweroff');
    s.rm('/local/domain/3');
    expect(r.events).toEqual(['control/shutdown ctl', 'control/shutdown ctl', 'control/shutdown ctl']);
  });

  it('events are delivered only to domains that may read the node', () => {
    const s = new Store();
    for (const d of [1, 2]) {
      s.mkdir(`/local/domain/${d}`);
      s.setPerms(`/local/domain/${d}`, [`n${d}`]);
    }
    const spy = recorder();
    s.watch('/local/domain/2', 'spy', spy.cb, { domid: 1 });
    const own = recorder();
    s.watch('/local/domain/2', 'own', own.cb, { domid: 2 });
    s.write('/local/domain/2/data', 'x', { domid: 2 });
    expect(spy.events).toEqual(['/local/domain/2 spy']); // only the initial firing
    expect(own.events).toEqual(['/local/domain/2 own', '/local/domain/2/data own']);
    s.setPerms('/local/domain/2/data', ['n2', 'r1']);
    s.write('/local/domain/2/data', 'y', { domid: 2 });
    expect(spy.events).toEqual(['/local/domain/2 spy', '/local/domain/2/data spy', '/local/domain/2/data spy']);
  });

  it('UNWATCH needs the same path and token; duplicates are EEXIST; RESET_WATCHES drops all', () => {
    const s = new Store();
    const r = recorder();
    s.watch('/w', 't', r.cb);
    expect(err(() => s.watch('/w', 't', r.cb))).toBe('EEXIST');
    s.watch('/w', 'u', r.cb);
    expect(err(() => s.unwatch('/w', 'x'))).toBe('ENOENT');
    s.unwatch('/w', 't');
    r.events.length = 0;
    s.write('/w', '1');
    expect(r.events).toEqual(['/w u']);
    s.resetWatches();
    s.write('/w', '2');
    expect(r.events).toEqual(['/w u']);
  });

  it('watch paths are validated', () => {
    const s = new Store();
    expect(err(() => s.watch('/bad//path', 't', () => {}))).toBe('EINVAL');
    expect(err(() => s.watch('', 't', () => {}))).toBe('EINVAL');
  });

  it('watch quota for unprivileged domains', () => {
    const s = new Store({ maxWatchesPerConnection: 2 });
    s.watch('/a', '1', () => {}, { domid: 4 });
    s.watch('/a', '2', () => {}, { domid: 4 });
    expect(err(() => s.watch('/a', '3', () => {}, { domid: 4 }))).toBe('ENOSPC');
    s.watch('/a', '3', () => {}); // dom0 exempt
  });

  it('@introduceDomain and @releaseDomain fire on INTRODUCE and RELEASE, for privileged watchers', () => {
    const s = new Store();
    const r = recorder();
    const guest = recorder();
    s.watch(INTRODUCE_DOMAIN_PATH, 'in', r.cb);
    s.watch(RELEASE_DOMAIN_PATH, 'out', r.cb);
    s.watch(RELEASE_DOMAIN_PATH, 'g', guest.cb, { domid: 5 });
    s.write('/local/domain/1/name', 'x'); // node writes never match special watches
    s.introduceDomain(1, 0x1234, 5);
    s.releaseDomain(1);
    expect(r.events).toEqual(['@introduceDomain in', '@releaseDomain out', '@introduceDomain in', '@releaseDomain out']);
    expect(guest.events).toEqual(['@releaseDomain g']);
  });

  it('callbacks may use the store; their own events are queued, not nested', () => {
    const s = new Store();
    const order: string[] = [];
    s.watch('/ping', 't', (p) => {
      order.push(`ping ${p}`);
      if (p === '/ping') s.write('/pong', s.exists('/ping') ? s.read('/ping') : 'none');
    });
    s.watch('/pong', 't', (p) => order.push(`pong ${p}`));
    order.length = 0;
    s.write('/ping', 'hello');
    expect(order).toEqual(['ping /ping', 'pong /pong']);
    expect(s.read('/pong')).toBe('hello');
  });

  it('a throwing callback is reported and does not fail the operation or starve other watchers', () => {
    const reported: string[] = [];
    const s = new Store({ onWatchError: (e, p, t) => reported.push(`${p} ${t} ${(e as Error).message}`) });
    const r = recorder();
    s.watch('/x', 'bad', (p) => {
      if (p === '/x/y') s.read('/nope'); // a dom0 service bug: uncaught ENOENT
    });
    s.watch('/x', 'good', r.cb);
    s.write('/x/y', 'v');
    expect(s.read('/x/y')).toBe('v');
    expect(reported).toEqual(['/x/y bad ENOENT: /nope']);
    expect(r.events).toEqual(['/x good', '/x/y good']);
  });
});
