import { describe, expect, it } from 'vitest';
import { XenErrno } from '@xen-ts/abi';
import { Store, XsError } from '../src/index.js';
import { err } from './helpers.js';


describe('Store operations', () => {
  it('WRITE creates missing parents with empty values; READ returns the value', () => {
    const s = new Store();
    s.write('/a/b/c', 'hello');
    expect(s.read('/a/b/c')).toBe('hello');
    expect(s.read('/a/b')).toBe('');
    expect(s.directory('/')).toEqual(['a']);
    expect(s.directory('/a')).toEqual(['b']);
    s.write('/a/b/c', 'again');
    expect(s.read('/a/b/c')).toBe('again');
    expect(s.checkInvariants()).toEqual([]);
  });

  it('values are binary and may contain NULs', () => {
    const s = new Store();
    s.write('/bin', Uint8Array.of(0, 1, 0, 255));
    expect(s.readBytes('/bin')).toEqual(Uint8Array.of(0, 1, 0, 255));
  });

  it('READ of a missing node is ENOENT', () => {
    const s = new Store();
    expect(err(() => s.read('/nope'))).toBe('ENOENT');
    expect(s.exists('/nope')).toBe(false);
  });

  it('MKDIR creates, and leaves an existing value alone', () => {
    const s = new Store();
    s.mkdir('/x/y');
    expect(s.read('/x/y')).toBe('');
    s.write('/x/y', 'v');
    s.mkdir('/x/y');
    expect(s.read('/x/y')).toBe('v');
  });

  it('RM is recursive; a missing node is fine but not a missing parent', () => {
    const s = new Store();
    s.write('/a/b/c', '1');
    s.write('/a/b/d', '2');
    s.write('/a/e', '3');
    const before = s.nodeCount;
    s.rm('/a/b');
    expect(s.nodeCount).toBe(before - 3);
    expect(s.directory('/a')).toEqual(['e']);
    expect(err(() => s.read('/a/b/c'))).toBe('ENOENT');
    s.rm('/a/b');
    expect(err(() => s.rm('/a/b/c'))).toBe('ENOENT');
    expect(err(() => s.rm('/'))).toBe('EINVAL');
    expect(s.checkInvariants()).toEqual([]);
  });

  it('DIRECTORY keeps creation order and reports a generation that moves with changes', () => {
    const s = new Store();
    s.write('/d/z', '');
    s.write('/d/a', '');
    s.write('/d/m', '');
    const l1 = s.directoryListing('/d');
    expect(l1.children).toEqual(['z', 'a', 'm']);
    s.write('/d/a', 'value only');
    expect(s.directoryListing('/d').generation).toBe(l1.generation);
    s.rm('/d/a');
    const l2 = s.directoryListing('/d');
    expect(l2.children).toEqual(['z', 'm']);
    expect(l2.generation).toBeGreaterThan(l1.generation);
  });

  it('rejects bad paths with EINVAL', () => {
    const s = new Store();
    for (const p of ['', '/a//b', '/a/', 'a b', '/a/b\u00e9', '@introduceDomain', 'a\0b', '/' + 'x'.repeat(3072)]) {
      expect(err(() => s.write(p, 'v')), JSON.stringify(p.slice(0, 20))).toBe('EINVAL');
    }
    expect(err(() => s.read('x'.repeat(2049), { domid: 0 }))).toBe('EINVAL');
    s.write('/' + 'x'.repeat(3071), 'ok');
    // '@' is a permitted character; it only means "special" at the start of a watch path.
    s.write('/x@y', 'ok');
    expect(s.read('/x@y')).toBe('ok');
  });

  it('relative paths resolve against /local/domain/<domid>', () => {
    const s = new Store();
    s.mkdir('/local/domain/5');
    s.setPerms('/local/domain/5', ['n5']);
    s.write('device/vbd/768/state', '1', { domid: 5 });
    expect(s.read('/local/domain/5/device/vbd/768/state')).toBe('1');
    expect(s.read('device/vbd/768/state', { domid: 5 })).toBe('1');
    s.write('name', 'Domain-0');
    expect(s.read('/local/domain/0/name')).toBe('Domain-0');
    expect(s.getDomainPath(7)).toBe('/local/domain/7');
  });

  it('values larger than XENSTORE_PAYLOAD_MAX are E2BIG', () => {
    const s = new Store();
    s.write('/big', 'x'.repeat(4096));
    expect(err(() => s.write('/big', 'x'.repeat(4097)))).toBe('E2BIG');
    const small = new Store({ maxValueSize: 10 });
    expect(err(() => small.write('/v', 'x'.repeat(11)))).toBe('E2BIG');
  });

  it('node quota per unprivileged domain', () => {
    const s = new Store({ maxNodesPerDomain: 5 });
    s.mkdir('/local/domain/3');
    s.setPerms('/local/domain/3', ['n3']); // dom3 owns its home: 1 node
    s.write('a/b/c/d', 'x', { domid: 3 }); // 4 more: 5
    expect(err(() => s.write('e', 'x', { domid: 3 }))).toBe('ENOSPC');
    s.rm('a/b/c/d', { domid: 3 });
    s.write('e', 'x', { domid: 3 });
    const q = new Store({ maxNodesPerDomain: 1, quotaError: 'EQUOTA' });
    q.mkdir('/local/domain/3');
    q.setPerms('/local/domain/3', ['n3']);
    expect(err(() => q.write('e', 'x', { domid: 3 }))).toBe('EQUOTA');
    // dom0 is not subject to the quota.
    for (let i = 0; i < 20; i++) q.write(`/many/${i}`, '');
    expect(q.checkInvariants()).toEqual([]);
  });

  it('errors carry the Xen errno', () => {
    const e = new XsError('EAGAIN');
    expect(e.errno).toBe(XenErrno.EAGAIN);
    expect(new XsError('EQUOTA').errno).toBeUndefined();
  });

  it('GET_DOMAIN_PATH, INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED', () => {
    const introduced: number[][] = [];
    const released: number[] = [];
    const s = new Store({ onIntroduce: (d, g, e) => introduced.push([d, g, e]), onRelease: (d) => released.push(d) });
    expect(s.isDomainIntroduced(0)).toBe(true);
    expect(s.isDomainIntroduced(4)).toBe(false);
    expect(err(() => s.introduceDomain(4, 100, 3, { domid: 4 }))).toBe('EACCES');
    expect(err(() => s.introduceDomain(0, 100, 3))).toBe('EINVAL');
    expect(err(() => s.introduceDomain(0x7ff0, 100, 3))).toBe('EINVAL');
    s.introduceDomain(4, 100, 3);
    s.introduceDomain(4, 100, 3); // idempotent
    expect(err(() => s.introduceDomain(4, 101, 3))).toBe('EEXIST');
    expect(introduced).toEqual([[4, 100, 3]]);
    expect(s.isDomainIntroduced(4)).toBe(true);
    expect(err(() => s.releaseDomain(4, { domid: 4 }))).toBe('EACCES');
    s.releaseDomain(4);
    expect(released).toEqual([4]);
    expect(s.isDomainIntroduced(4)).toBe(false);
    expect(err(() => s.releaseDomain(4))).toBe('ENOENT');
  });

  it('CONTROL is dom0 only', () => {
    const lines: string[] = [];
    const s = new Store({ log: (l) => lines.push(l) });
    expect(s.control(['check'])).toBe('OK');
    expect(s.control(['print', 'hi'])).toBe('OK');
    expect(lines).toEqual(['hi']);
    expect(s.control(['help'])).toContain('check');
    expect(err(() => s.control(['bogus']))).toBe('EINVAL');
    expect(err(() => s.control(['check'], { domid: 1 }))).toBe('EACCES');
  });
});
