// Xenstore path rules (xenstore.txt "Paths are /-separated ..."; xs_wire.h XENSTORE_*_PATH_MAX).
import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from '@xen-ts/abi';
import { XsError } from './errors.js';

/** xenstore.txt: special watch paths invented by xenstored. */
export const INTRODUCE_DOMAIN_PATH = '@introduceDomain';
export const RELEASE_DOMAIN_PATH = '@releaseDomain';

/** `/local/domain/<domid>`: the base of a domain's relative paths (xenstore.txt `<path>`). */
export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

// ASCII alphanumerics plus - / _ @ (xenstore.txt "The permitted character for paths set").
const PATH_CHARS = /^[A-Za-z0-9\-/_@]*$/;

export interface CanonicalPath {
  /** The absolute path (or the special `@...` name). */
  readonly abs: string;
  /** True when the caller gave a path relative to its domain path. */
  readonly relative: boolean;
  /** True for an `@...` special watch path. */
  readonly special: boolean;
}

/**
 * Validates `path` and resolves a relative one against `/local/domain/<domid>`. Special `@`
 * paths are accepted only when `allowSpecial` (watches). Violations are EINVAL, as xenstored's
 * is_valid_nodename ("Violating these just gets you an error back", xs_wire.h).
 */
export function canonicalize(path: string, domid: number, allowSpecial = false): CanonicalPath {
  if (path.length === 0) throw new XsError('EINVAL', 'empty path');
  if (!PATH_CHARS.test(path)) throw new XsError('EINVAL', 'invalid character in path');
  if (path.startsWith('@')) {
    if (!allowSpecial) throw new XsError('EINVAL', 'special path outside a watch');
    if (path.length > XENSTORE_ABS_PATH_MAX) throw new XsError('EINVAL', 'path too long');
    return { abs: path, relative: false, special: true };
  }
  const relative = !path.startsWith('/');
  if (relative && path.length > XENSTORE_REL_PATH_MAX) throw new XsError('EINVAL', 'relative path too long');
  const abs = relative ? `${domainPath(domid)}/${path}` : path;
  if (abs.length > XENSTORE_ABS_PATH_MAX) throw new XsError('EINVAL', 'path too long');
  if (abs.includes('//')) throw new XsError('EINVAL', 'doubled slash');
  if (abs.length > 1 && abs.endsWith('/')) throw new XsError('EINVAL', 'trailing slash');
  return { abs, relative, special: false };
}

/** Parent of an absolute, canonical, non-root path. */
export function parentOf(abs: string): string {
  const i = abs.lastIndexOf('/');
  return i <= 0 ? '/' : abs.slice(0, i);
}

/** Last component of an absolute, canonical, non-root path. */
export function baseName(abs: string): string {
  return abs.slice(abs.lastIndexOf('/') + 1);
}

/** Joins a canonical parent and a child name. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/**
 * xenstore.txt: `child` is a child of `parent` if they are identical, if `parent` is `/`, or if
 * `parent/` is an initial substring of `child`. Special paths only relate to themselves and
 * their `@name/...` extensions, never to `/`.
 */
export function isChildOf(child: string, parent: string): boolean {
  if (child === parent) return true;
  if (parent === '/') return child.startsWith('/');
  return child.startsWith(parent) && child.charCodeAt(parent.length) === 0x2f;
}

/** Parses a decimal domid 0..65535 (xenstore.txt `<domid>`); anything else is EINVAL. */
export function parseDomid(s: string): number {
  if (!/^[0-9]{1,5}$/.test(s)) throw new XsError('EINVAL', `bad domid ${JSON.stringify(s)}`);
  const n = Number(s);
  if (n > 0xffff) throw new XsError('EINVAL', `domid out of range ${n}`);
  return n;
}
