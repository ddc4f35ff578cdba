import { describe, expect, it } from 'vitest';
import { Store, accessFor, formatPerm, inheritPerms, parsePerm } from '../src/index.js';
import { err, withGuests } from './helpers.js';



describe('permission entries', () => {
  it('parse and format w/r/b/n<domid>', () => {
    expect(parsePerm('b12')).toEqual({ access: 'b', domid: 12 });
    expect(formatPerm({ access: 'r', domid: 0 })).toBe('r0');
    for (const bad of ['', 'x1', 'r', 'r-1', 'r65536', 'r1a', 'R1']) expect(err(() => parsePerm(bad))).toBe('EINVAL');
  });

  it('the owner has full access; listed domains their entry; others the owner entry letter', () => {
    const perms = [
      { domid: 3, access: 'n' as const },
      { domid: 5, access: 'r' as const },
      { domid: 6, access: 'w' as const },
    ];
    expect(accessFor(perms, 3, false)).toEqual({ read: true, write: true, owner: true });
    expect(accessFor(perms, 5, false)).toEqual({ read: true, write: false, owner: false });
    expect(accessFor(perms, 6, false)).toEqual({ read: false, write: true, owner: false });
    expect(accessFor(perms, 7, false)).toEqual({ read: false, write: false, owner: false });
    expect(accessFor([{ domid: 3, access: 'r' }], 7, false).read).toBe(true);
    expect(accessFor(perms, 9, true)).toEqual({ read: true, write: true, owner: true });
  });

  it('children inherit; an unprivileged creator becomes the owner', () => {
    expect(inheritPerms([{ domid: 0, access: 'r' }, { domid: 4, access: 'b' }], 0, true)).toEqual([
      { domid: 0, access: 'r' },
      { domid: 4, access: 'b' },
    ]);
    expect(inheritPerms([{ domid: 0, access: 'r' }, { domid: 4, access: 'b' }, { domid: 5, access: 'r' }], 4, false)).toEqual([
      { domid: 4, access: 'r' },
      { domid: 5, access: 'r' },
    ]);
  });
});

describe('permission enforcement', () => {
  it('a guest sees its own subtree and not another guest’s; dom0 sees everything', () => {
    const s = withGuests(1, 2);
    s.write('/local/domain/2/secret', 'x', { domid: 2 });
    s.write('mine', 'y', { domid: 1 });
    expect(s.read('mine', { domid: 1 })).toBe('y');
    expect(s.getPerms('mine', { domid: 1 })).toEqual([{ domid: 1, access: 'n' }]);
    expect(err(() => s.read('/local/domain/2/secret', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.directory('/local/domain/2', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.write('/local/domain/2/secret', 'z', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.rm('/local/domain/2/secret', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.write('/local/domain/2/new', 'z', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.mkdir('/local/domain/2/new', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.getPerms('/local/domain/2', { domid: 1 }))).toBe('EACCES');
    // The root is n0: guests cannot list it or write at top level.
    expect(err(() => s.directory('/', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.write('/top', 'v', { domid: 1 }))).toBe('EACCES');
    // dom0 bypasses every check.
    expect(s.read('/local/domain/2/secret')).toBe('x');
    s.write('/local/domain/2/secret', 'dom0');
  });

  it('a missing node under an unreadable parent is EACCES, not ENOENT (no probing)', () => {
    const s = withGuests(1, 2);
    expect(err(() => s.read('/local/domain/2/nothing', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.read('nothing', { domid: 1 }))).toBe('ENOENT');
  });

  it('grants: r lets read, w lets write, b both; the default entry applies to everyone else', () => {
    const s = withGuests(1, 2, 3);
    s.write('/local/domain/2/device/vif/0/state', '1');
    s.setPerms('/local/domain/2/device/vif/0/state', ['n2', 'r1']);
    expect(s.read('/local/domain/2/device/vif/0/state', { domid: 1 })).toBe('1');
    expect(err(() => s.write('/local/domain/2/device/vif/0/state', '4', { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.read('/local/domain/2/device/vif/0/state', { domid: 3 }))).toBe('EACCES');
    s.setPerms('/local/domain/2/device/vif/0/state', ['n2', 'w1']);
    s.write('/local/domain/2/device/vif/0/state', '4', { domid: 1 });
    expect(err(() => s.read('/local/domain/2/device/vif/0/state', { domid: 1 }))).toBe('EACCES');
    s.setPerms('/local/domain/2/device/vif/0/state', ['r2']);
    expect(s.read('/local/domain/2/device/vif/0/state', { domid: 3 })).toBe('4');
  });

  it('a backend domain writes in a frontend directory it was granted; the new node is its own', () => {
    const s = withGuests(1, 2);
    s.mkdir('/local/domain/2/device/vbd/768');
    s.setPerms('/local/domain/2/device/vbd/768', ['n2', 'b1']);
    s.write('/local/domain/2/device/vbd/768/from-backend', 'v', { domid: 1 });
    expect(s.getPerms('/local/domain/2/device/vbd/768/from-backend')).toEqual([{ domid: 1, access: 'n' }]);
    // The frontend cannot read a node its backend created unless granted ...
    expect(err(() => s.read('/local/domain/2/device/vbd/768/from-backend', { domid: 2 }))).toBe('EACCES');
    // ... and a child created by the frontend itself keeps the backend's grant.
    s.write('/local/domain/2/device/vbd/768/state', '1', { domid: 2 });
    expect(s.getPerms('/local/domain/2/device/vbd/768/state')).toEqual([
      { domid: 2, access: 'n' },
      { domid: 1, access: 'b' },
    ]);
    expect(s.read('/local/domain/2/device/vbd/768/state', { domid: 1 })).toBe('1');
  });

  it('SET_PERMS needs ownership; only privileged domains change the owner', () => {
    const s = withGuests(1, 2);
    s.write('/local/domain/2/x', '', { domid: 2 });
    s.setPerms('/local/domain/2/x', ['n2', 'r1'], { domid: 2 });
    expect(err(() => s.setPerms('/local/domain/2/x', ['b1'], { domid: 1 }))).toBe('EACCES');
    expect(err(() => s.setPerms('/local/domain/2/x', ['n1'], { domid: 2 }))).toBe('EPERM');
    expect(err(() => s.setPerms('/local/domain/2/nope', ['n2'], { domid: 2 }))).toBe('ENOENT');
    expect(err(() => s.setPerms('/local/domain/2/x', [], { domid: 2 }))).toBe('EINVAL');
    expect(err(() => s.setPerms('/local/domain/2/x', ['q2'], { domid: 2 }))).toBe('EINVAL');
    s.setPerms('/local/domain/2/x', ['n1']);
    expect(s.getPerms('/local/domain/2/x')).toEqual([{ domid: 1, access: 'n' }]);
    expect(s.checkInvariants()).toEqual([]);
  });

  it('configured privileged domains bypass checks like dom0', () => {
    const s = new Store({ privileged: [7] });
    s.mkdir('/local/domain/2');
    s.setPerms('/local/domain/2', ['n2']);
    s.write('/local/domain/2/x', 'v', { domid: 7 });
    expect(s.read('/local/domain/2/x', { domid: 7 })).toBe('v');
    expect(s.isPrivileged(7)).toBe(true);
    expect(s.isPrivileged(2)).toBe(false);
  });

  it('SET_TARGET gives a domain its target’s rights', () => {
    const s = withGuests(2, 9);
    s.write('/local/domain/2/x', 'v', { domid: 2 });
    expect(err(() => s.read('/local/domain/2/x', { domid: 9 }))).toBe('EACCES');
    expect(err(() => s.setTarget(9, 2, { domid: 9 }))).toBe('EACCES');
    s.setTarget(9, 2);
    expect(s.read('/local/domain/2/x', { domid: 9 })).toBe('v');
  });
});
