// Node permissions (xenstore.txt GET_PERMS/SET_PERMS; the XenBus wiki's "Permissions"):
// a list of `<letter><domid>` entries. The first entry names the owner, who always has full
// access, and its letter is the access every domain not listed later gets.
import { XsError } from './errors.js';
import { parseDomid } from './path.js';

/** n = none, r = read, w = write, b = both. */
export type PermLetter = 'n' | 'r' | 'w' | 'b';

export interface Perm {
  readonly domid: number;
  readonly access: PermLetter;
}

export interface Access {
  readonly read: boolean;
  readonly write: boolean;
  /** Owner rights: SET_PERMS. */
  readonly owner: boolean;
}

const FULL: Access = { read: true, write: true, owner: true };

function fromLetter(l: PermLetter): Access {
  return { read: l === 'r' || l === 'b', write: l === 'w' || l === 'b', owner: false };
}

/** Parses one `w5`-style entry; EINVAL on anything else. */
export function parsePerm(s: string): Perm {
  const letter = s.charAt(0);
  if (letter !== 'n' && letter !== 'r' && letter !== 'w' && letter !== 'b') {
    throw new XsError('EINVAL', `bad permission ${JSON.stringify(s)}`);
  }
  return { access: letter, domid: parseDomid(s.slice(1)) };
}

export function formatPerm(p: Perm): string {
  return `${p.access}${p.domid}`;
}

/** Parses a whole list; it must not be empty. */
export function parsePerms(list: readonly string[]): Perm[] {
  if (list.length === 0) throw new XsError('EINVAL', 'empty permission list');
  return list.map(parsePerm);
}

/**
 * The access `domid` has to a node with `perms`. `privileged` domains bypass the check (dom0
 * and the configured control domains, as xenstored's domain_is_unprivileged). `target` is the
 * domain this one acts for after SET_TARGET: it gets that domain's rights as well.
 */
export function accessFor(perms: readonly Perm[], domid: number, privileged: boolean, target?: number): Access {
  if (privileged) return FULL;
  const owner = perms[0];
  if (owner === undefined) return fromLetter('n');
  if (owner.domid === domid || (target !== undefined && owner.domid === target)) return FULL;
  for (let i = 1; i < perms.length; i++) {
    const p = perms[i]!;
    if (p.domid === domid) return fromLetter(p.access);
  }
  if (target !== undefined) {
    for (let i = 1; i < perms.length; i++) {
      const p = perms[i]!;
      if (p.domid === target) return fromLetter(p.access);
    }
  }
  return fromLetter(owner.access);
}

/**
 * Permissions of a node created by `creator` under a parent with `parentPerms`: children
 * inherit the parent's list, but an unprivileged creator becomes the owner of what it creates
 * (xenstored's construct_node), keeping the inherited default; a later entry naming the creator
 * would be redundant and is dropped.
 */
export function inheritPerms(parentPerms: readonly Perm[], creator: number, privileged: boolean): Perm[] {
  if (privileged || parentPerms[0]?.domid === creator) return parentPerms.slice();
  const def = parentPerms[0]?.access ?? 'n';
  return [{ domid: creator, access: def }, ...parentPerms.slice(1).filter((p) => p.domid !== creator)];
}
