// Watches (xenstore.txt WATCH / WATCH_EVENT / UNWATCH / RESET_WATCHES): a change to a path is
// an event on that path; it matches every watch whose path is a parent of it. The recursive
// removal of a parent of a watched path also matches, reported as the watch's own path.
import { XsError } from './errors.js';
import { domainPath, isChildOf } from './path.js';
import type { Perm } from './permissions.js';

/** Called with the event path (relative if the watch was set relative) and the token. */
export type WatchCallback = (path: string, token: string) => void;

export interface WatchEvent {
  /** Absolute path that changed, or a special `@...` name. */
  readonly path: string;
  /** Permissions of the changed node (before removal for RM), for the read check on delivery. */
  readonly perms: readonly Perm[];
  /** RM: watches below `path` fire too. */
  readonly recursive: boolean;
}

export interface Watch {
  /** The connection (or in-process client) the watch belongs to. */
  readonly owner: object;
  readonly domid: number;
  /** Absolute watched path or special name. */
  readonly abs: string;
  readonly relative: boolean;
  readonly token: string;
  readonly deliver: WatchCallback;
}

export interface WatchMatch {
  readonly watch: Watch;
  /** The path to report, already made relative where the watch was. */
  readonly path: string;
}

export class WatchRegistry {
  private readonly watches: Watch[] = [];

  get size(): number {
    return this.watches.length;
  }

  add(w: Watch): void {
    if (this.watches.some((x) => x.owner === w.owner && x.abs === w.abs && x.token === w.token)) {
      throw new XsError('EEXIST', `watch ${w.abs} ${w.token}`);
    }
    this.watches.push(w);
  }

  remove(owner: object, abs: string, token: string): void {
    const i = this.watches.findIndex((x) => x.owner === owner && x.abs === abs && x.token === token);
    if (i < 0) throw new XsError('ENOENT', `no watch ${abs} ${token}`);
    this.watches.splice(i, 1);
  }

  removeOwner(owner: object): void {
    for (let i = this.watches.length - 1; i >= 0; i--) if (this.watches[i]!.owner === owner) this.watches.splice(i, 1);
  }

  countOwner(owner: object): number {
    let n = 0;
    for (const w of this.watches) if (w.owner === owner) n++;
    return n;
  }

  /** Every watch `event` fires, with the path each one reports. */
  match(event: WatchEvent): WatchMatch[] {
    const out: WatchMatch[] = [];
    for (const w of this.watches) {
      if (isChildOf(event.path, w.abs)) out.push({ watch: w, path: reportedPath(w, event.path) });
      else if (event.recursive && isChildOf(w.abs, event.path)) out.push({ watch: w, path: reportedPath(w, w.abs) });
    }
    return out;
  }
}

/** xenstore.txt: "Iff <wpath> was specified as a relative pathname, the <epath> will also be relative". */
export function reportedPath(w: Watch, abs: string): string {
  if (!w.relative) return abs;
  const base = `${domainPath(w.domid)}/`;
  return abs.startsWith(base) ? abs.slice(base.length) : abs;
}
