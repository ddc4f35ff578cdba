// The xenstore database and its operations (xenstore.txt), shared by every connection: guest
// rings (XenstoreConnection) and dom0 services calling it in-process.
import { XENSTORE_PAYLOAD_MAX } from '@xen-ts/abi';
import { XsError, type XsErrorName } from './errors.js';
import { NodeTable, type Node, type NodeView } from './node-table.js';
import {
  INTRODUCE_DOMAIN_PATH,
  RELEASE_DOMAIN_PATH,
  baseName,
  canonicalize,
  childPath,
  domainPath,
  parentOf,
} from './path.js';
import { accessFor, inheritPerms, parsePerm, type Access, type Perm } from './permissions.js';
import { Transaction } from './transaction.js';
import { WatchRegistry, reportedPath, type Watch, type WatchCallback, type WatchEvent } from './watches.js';

/** xen.h: DOMID_FIRST_RESERVED; domids from here up are special, not domains. */
const DOMID_FIRST_RESERVED = 0x7ff0;

export interface StoreOptions {
  /** Domains besides dom0 that bypass permission checks and quotas (control domains). */
  privileged?: Iterable<number>;
  /** Nodes an unprivileged domain may own (xenstored quota_nb_entry_per_domain, 1000). */
  maxNodesPerDomain?: number;
  /** Largest value in bytes (default and ceiling XENSTORE_PAYLOAD_MAX); larger writes are E2BIG. */
  maxValueSize?: number;
  /** Watches per connection for unprivileged domains (xenstored quota_nb_watch_per_domain, 128). */
  maxWatchesPerConnection?: number;
  /** Open transactions per connection for unprivileged domains (xenstored quota_max_transaction, 10). */
  maxTransactionsPerConnection?: number;
  /** Error for a quota violation: ENOSPC as C xenstored (default) or EQUOTA as oxenstored. */
  quotaError?: 'ENOSPC' | 'EQUOTA';
  /** INTRODUCE accepted: the host maps the ring page and creates the domain's connection. */
  onIntroduce?: (domid: number, gfn: number, evtchn: number) => void;
  /** RELEASE accepted (after the domain's connections were closed). */
  onRelease?: (domid: number) => void;
  /** CONTROL print. */
  log?: (line: string) => void;
  /**
   * A watch callback threw. Callbacks are isolated from the operation that fired them (a dom0
   * service's bug must not turn a guest's successful WRITE into an error); the default reports
   * to console.error.
   */
  onWatchError?: (error: unknown, path: string, token: string) => void;
}

/** Who performs an operation. */
export interface CallerOptions {
  /** Acting domain; 0 (dom0) when omitted. */
  domid?: number;
  /** Transaction id from transactionStart; 0 or omitted for none. */
  tx?: number;
  /**
   * The connection the request belongs to (watches and transactions are per connection).
   * In-process callers leave it out and share one implicit connection per domid.
   */
  owner?: object;
}

/** A connection the store can close on RELEASE. */
export interface AttachedConnection {
  readonly domid: number;
  readonly owner: object;
  close(): void;
}

export interface DirectoryListing {
  /** The node's generation count (DIRECTORY_PART `<gencnt>`). */
  readonly generation: number;
  readonly children: readonly string[];
}

interface Caller {
  readonly domid: number;
  readonly tx: number;
  readonly owner: object;
  readonly privileged: boolean;
}

interface Delivery {
  readonly watch: Watch;
  readonly path: string;
}

const SPECIAL_PERMS: readonly Perm[] = [{ domid: 0, access: 'n' }];
const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export class Store {
  private readonly table: NodeTable;
  private readonly watches = new WatchRegistry();
  private readonly transactions = new Map<number, Transaction>();
  private readonly introduced = new Map<number, { gfn: number; evtchn: number }>();
  private readonly targets = new Map<number, number>();
  private readonly connections = new Set<AttachedConnection>();
  private readonly privileged: Set<number>;
  /** In-process callers: one implicit connection per acting domid. */
  private readonly inProcess = new Map<number, object>();
  private readonly deliveries: Delivery[] = [];
  private delivering = false;
  private nextTxId = 1;

  readonly maxNodesPerDomain: number;
  readonly maxValueSize: number;
  readonly maxWatchesPerConnection: number;
  readonly maxTransactionsPerConnection: number;
  private readonly quotaError: XsErrorName;

  constructor(private readonly options: StoreOptions = {}) {
    this.privileged = new Set([0, ...(options.privileged ?? [])]);
    this.maxNodesPerDomain = options.maxNodesPerDomain ?? 1000;
    this.maxValueSize = Math.min(options.maxValueSize ?? XENSTORE_PAYLOAD_MAX, XENSTORE_PAYLOAD_MAX);
    this.maxWatchesPerConnection = options.maxWatchesPerConnection ?? 128;
    this.maxTransactionsPerConnection = options.maxTransactionsPerConnection ?? 10;
    this.quotaError = options.quotaError ?? 'ENOSPC';
    // xenstored starts with the root owned by dom0, closed to everyone else.
    this.table = new NodeTable([{ domid: 0, access: 'n' }]);
  }

  /** Nodes in the committed tree (the root included). */
  get nodeCount(): number {
    return this.table.size;
  }

  /** The latest generation count handed out. */
  get generation(): number {
    return this.table.generation;
  }

  isPrivileged(domid: number): boolean {
    return this.privileged.has(domid);
  }

  // ---- Database operations ------------------------------------------------------------------

  /** READ as UTF-8 text. */
  read(path: string, opts?: CallerOptions): string {
    return utf8Decoder.decode(this.readBytes(path, opts));
  }

  /** READ: the raw value. */
  readBytes(path: string, opts?: CallerOptions): Uint8Array {
    const c = this.caller(opts);
    const abs = canonicalize(path, c.domid).abs;
    return this.readable(this.view(c), c, abs).value.slice();
  }

  /** Whether `path` exists and is readable by the caller. */
  exists(path: string, opts?: CallerOptions): boolean {
    try {
      this.readBytes(path, opts);
      return true;
    } catch (e) {
      if (e instanceof XsError && (e.name === 'ENOENT' || e.name === 'EACCES')) return false;
      throw e;
    }
  }

  /** WRITE: stores `value` (text is UTF-8), creating missing parents with empty values. */
  write(path: string, value: string | Uint8Array, opts?: CallerOptions): void {
    const c = this.caller(opts);
    const abs = canonicalize(path, c.domid).abs;
    const bytes = typeof value === 'string' ? utf8.encode(value) : value.slice();
    if (bytes.length > this.maxValueSize) throw new XsError('E2BIG', `value of ${bytes.length} bytes`);
    const view = this.view(c);
    const node = view.get(abs);
    if (node) {
      this.require(c, node, 'write', abs);
      view.put(abs, { ...node, value: bytes });
      this.fire(c, { path: abs, perms: node.perms, recursive: false });
    } else {
      const created = this.create(view, c, abs, bytes);
      this.fire(c, { path: abs, perms: created.perms, recursive: false });
    }
    this.flush();
  }

  /** MKDIR: makes sure `path` exists; existing nodes keep their values. */
  mkdir(path: string, opts?: CallerOptions): void {
    const c = this.caller(opts);
    const abs = canonicalize(path, c.domid).abs;
    const view = this.view(c);
    const node = view.get(abs);
    if (node) {
      this.require(c, node, 'write', abs);
      return;
    }
    const created = this.create(view, c, abs, EMPTY);
    this.fire(c, { path: abs, perms: created.perms, recursive: false });
    this.flush();
  }

  /** RM: removes `path` and everything below it; a missing path is fine if its parent exists. */
  rm(path: string, opts?: CallerOptions): void {
    const c = this.caller(opts);
    const abs = canonicalize(path, c.domid).abs;
    if (abs === '/') throw new XsError('EINVAL', 'cannot remove the root');
    const view = this.view(c);
    const node = view.get(abs);
    if (!node) {
      // Not an error, but its parent must exist (and be visible to the caller).
      this.readable(view, c, parentOf(abs));
      return;
    }
    this.require(c, node, 'write', abs);
    this.removeTree(view, abs, node);
    const pPath = parentOf(abs);
    const parent = view.get(pPath)!;
    const name = baseName(abs);
    view.put(pPath, { ...parent, children: parent.children.filter((n) => n !== name) });
    this.fire(c, { path: abs, perms: node.perms, recursive: true });
    this.flush();
  }

  /** DIRECTORY: the names of the immediate children. */
  directory(path: string, opts?: CallerOptions): string[] {
    return this.directoryListing(path, opts).children.slice();
  }

  /** DIRECTORY with the node's generation count (what DIRECTORY_PART reports). */
  directoryListing(path: string, opts?: CallerOptions): DirectoryListing {
    const c = this.caller(opts);
    const abs = canonicalize(path, c.domid).abs;
    const node = this.readable(this.view(c), c, abs);
    return { generation: node.generation, children: node.children };
  }

  /** GET_PERMS. */
  getPerms(path: string, opts?: CallerOptions): Perm[] {
    const c = this.caller(opts);
    const abs = canonicalize(path, c.domid).abs;
    return this.readable(this.view(c), c, abs).perms.slice();
  }

  /** SET_PERMS: owner (or privileged) only; unprivileged owners cannot give a node away (EPERM). */
  setPerms(path: string, perms: readonly (Perm | string)[], opts?: CallerOptions): void {
    const c = this.caller(opts);
    const abs = canonicalize(path, c.domid).abs;
    if (perms.length === 0) throw new XsError('EINVAL', 'empty permission list');
    const list = perms.map((p) => (typeof p === 'string' ? parsePerm(p) : validPerm(p)));
    const view = this.view(c);
    const node = this.readable(view, c, abs, 'owner');
    if (!c.privileged && list[0]!.domid !== node.perms[0]!.domid) {
      throw new XsError('EPERM', 'only a privileged domain may change the owner');
    }
    view.put(abs, { ...node, perms: list });
    this.fire(c, { path: abs, perms: list, recursive: false });
    this.flush();
  }

  // ---- Watches ------------------------------------------------------------------------------

  /**
   * WATCH: `callback(path, token)` runs for every change to `path` or below it that the caller
   * may read, and once straight away with `path` itself (xenstore.txt). Callbacks run after the
   * operation that caused them has finished.
   */
  watch(path: string, token: string, callback: WatchCallback, opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx: 0 });
    const cp = canonicalize(path, c.domid, true);
    if (!c.privileged && this.watches.countOwner(c.owner) >= this.maxWatchesPerConnection) {
      throw new XsError(this.quotaError, 'too many watches');
    }
    const w: Watch = { owner: c.owner, domid: c.domid, abs: cp.abs, relative: cp.relative, token, deliver: callback };
    this.watches.add(w);
    this.deliveries.push({ watch: w, path: reportedPath(w, cp.abs) });
    this.flush();
  }

  /** UNWATCH: ENOENT if the caller has no such watch. */
  unwatch(path: string, token: string, opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx: 0 });
    this.watches.remove(c.owner, canonicalize(path, c.domid, true).abs, token);
  }

  /** RESET_WATCHES: drops the caller's watches and transactions. */
  resetWatches(opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx: 0 });
    this.dropOwner(c.owner);
  }

  // ---- Transactions -------------------------------------------------------------------------

  /** TRANSACTION_START: returns the id to pass as `tx`. */
  transactionStart(opts?: CallerOptions): number {
    if (opts?.tx) throw new XsError('EBUSY', 'transaction inside a transaction');
    const c = this.caller(opts);
    if (!c.privileged) {
      let open = 0;
      for (const t of this.transactions.values()) if (t.owner === c.owner) open++;
      if (open >= this.maxTransactionsPerConnection) throw new XsError(this.quotaError, 'too many transactions');
    }
    while (this.nextTxId === 0 || this.transactions.has(this.nextTxId)) this.nextTxId = (this.nextTxId + 1) >>> 0;
    const id = this.nextTxId;
    this.nextTxId = (this.nextTxId + 1) >>> 0;
    this.transactions.set(id, new Transaction(id, c.domid, c.owner, this.table));
    return id;
  }

  /** TRANSACTION_END: commit (EAGAIN if a node it used changed meanwhile) or abort. */
  transactionEnd(tx: number, commit: boolean, opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx });
    const t = this.lookupTx(c);
    if (!t) throw new XsError('ENOENT', 'no transaction');
    this.transactions.delete(t.id);
    if (!commit) return;
    if (t.conflicts()) throw new XsError('EAGAIN', `transaction ${t.id} conflicts`);
    t.apply();
    for (const e of t.events) this.fireNow(e);
    this.flush();
  }

  /** Runs `body` in a transaction and commits it, retrying on EAGAIN up to `retries` times. */
  transaction<T>(body: (tx: number) => T, opts?: CallerOptions & { retries?: number }): T {
    const retries = opts?.retries ?? 16;
    for (let attempt = 0; ; attempt++) {
      const tx = this.transactionStart({ ...opts, tx: 0 });
      let result: T;
      try {
        result = body(tx);
      } catch (e) {
        this.transactionEnd(tx, false, opts);
        throw e;
      }
      try {
        this.transactionEnd(tx, true, opts);
        return result;
      } catch (e) {
        if (!(e instanceof XsError && e.name === 'EAGAIN') || attempt >= retries) throw e;
      }
    }
  }

  // ---- Domains ------------------------------------------------------------------------------

  /** GET_DOMAIN_PATH. */
  getDomainPath(domid: number): string {
    return domainPath(domid);
  }

  /** INTRODUCE (privileged only): fires @introduceDomain. */
  introduceDomain(domid: number, gfn: number, evtchn: number, opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx: 0 });
    if (!c.privileged) throw new XsError('EACCES', 'INTRODUCE is for dom0');
    if (!Number.isInteger(domid) || domid <= 0 || domid >= DOMID_FIRST_RESERVED) {
      throw new XsError('EINVAL', `cannot introduce domain ${domid}`);
    }
    const old = this.introduced.get(domid);
    if (old) {
      if (old.gfn === gfn && old.evtchn === evtchn) return;
      throw new XsError('EEXIST', `domain ${domid} already introduced`);
    }
    this.introduced.set(domid, { gfn, evtchn });
    this.options.onIntroduce?.(domid, gfn, evtchn);
    this.fireNow({ path: INTRODUCE_DOMAIN_PATH, perms: SPECIAL_PERMS, recursive: false });
    this.flush();
  }

  /** RELEASE (privileged only): closes the domain's connections and fires @releaseDomain. */
  releaseDomain(domid: number, opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx: 0 });
    if (!c.privileged) throw new XsError('EACCES', 'RELEASE is for dom0');
    if (!this.introduced.has(domid)) throw new XsError('ENOENT', `domain ${domid} not introduced`);
    this.introduced.delete(domid);
    this.targets.delete(domid);
    for (const conn of [...this.connections]) if (conn.domid === domid) conn.close();
    this.options.onRelease?.(domid);
    this.fireNow({ path: RELEASE_DOMAIN_PATH, perms: SPECIAL_PERMS, recursive: false });
    this.flush();
  }

  /** IS_DOMAIN_INTRODUCED; dom0 is always connected. */
  isDomainIntroduced(domid: number): boolean {
    return domid === 0 || this.introduced.has(domid);
  }

  /** RESUME (privileged only): nothing to re-arm here, but the domain must be known. */
  resumeDomain(domid: number, opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx: 0 });
    if (!c.privileged) throw new XsError('EACCES', 'RESUME is for dom0');
    if (!this.isDomainIntroduced(domid)) throw new XsError('ENOENT', `domain ${domid} not introduced`);
  }

  /** SET_TARGET (privileged only): `domid` gets `target`'s rights (a device model's). */
  setTarget(domid: number, target: number, opts?: CallerOptions): void {
    const c = this.caller({ ...opts, tx: 0 });
    if (!c.privileged) throw new XsError('EACCES', 'SET_TARGET is for dom0');
    this.targets.set(domid, target);
  }

  /** CONTROL (privileged only): `check`, `print <text>`, `help`. Returns the reply text. */
  control(args: readonly string[], opts?: CallerOptions): string {
    const c = this.caller({ ...opts, tx: 0 });
    if (!c.privileged) throw new XsError('EACCES', 'CONTROL is for dom0');
    switch (args[0]) {
      case 'check': {
        const problems = this.checkInvariants();
        if (problems.length > 0) throw new XsError('EIO', problems.join('; '));
        return 'OK';
      }
      case 'print':
        this.options.log?.(args.slice(1).join(' '));
        return 'OK';
      case 'help':
        return 'check\nprint <string>\nhelp\n';
      default:
        throw new XsError('EINVAL', `unknown control command ${JSON.stringify(args[0] ?? '')}`);
    }
  }

  // ---- Connections --------------------------------------------------------------------------

  /** Registers a connection so RELEASE can close it. */
  attach(conn: AttachedConnection): void {
    this.connections.add(conn);
  }

  /** Forgets a connection and drops its watches and transactions. */
  detach(conn: AttachedConnection): void {
    this.connections.delete(conn);
    this.dropOwner(conn.owner);
  }

  // ---- Invariants ---------------------------------------------------------------------------

  /** Structural checks of the committed tree; returns the violations found (none when sound). */
  checkInvariants(): string[] {
    const problems: string[] = [];
    const owned = new Map<number, number>();
    if (!this.table.get('/')) problems.push('no root');
    for (const [path, node] of this.table.entries()) {
      if (node.perms.length === 0) problems.push(`${path}: no permissions`);
      else owned.set(node.perms[0]!.domid, (owned.get(node.perms[0]!.domid) ?? 0) + 1);
      if (node.value.length > this.maxValueSize) problems.push(`${path}: value too large`);
      if (node.generation > this.table.generation) problems.push(`${path}: generation from the future`);
      if (path !== '/') {
        const parent = this.table.get(parentOf(path));
        if (!parent) problems.push(`${path}: missing parent`);
        else if (!parent.children.includes(baseName(path))) problems.push(`${path}: not listed by its parent`);
      }
      const names = new Set(node.children);
      if (names.size !== node.children.length) problems.push(`${path}: duplicate children`);
      for (const name of node.children) {
        if (!this.table.get(childPath(path, name))) problems.push(`${path}: lists missing child ${name}`);
      }
    }
    for (const [domid, n] of owned) {
      if (this.table.ownedBy(domid) !== n) problems.push(`owner count of ${domid} is ${this.table.ownedBy(domid)}, not ${n}`);
    }
    for (const t of this.transactions.values()) {
      if (t.id === 0) problems.push('transaction with id 0');
    }
    return problems;
  }

  // ---- Internals ----------------------------------------------------------------------------

  private caller(opts: CallerOptions | undefined): Caller {
    const domid = opts?.domid ?? 0;
    return {
      domid,
      tx: (opts?.tx ?? 0) >>> 0,
      owner: opts?.owner ?? this.inProcessOwner(domid),
      privileged: this.privileged.has(domid),
    };
  }

  private inProcessOwner(domid: number): object {
    let o = this.inProcess.get(domid);
    if (!o) this.inProcess.set(domid, (o = { domid }));
    return o;
  }

  private lookupTx(c: Caller): Transaction | undefined {
    if (c.tx === 0) return undefined;
    const t = this.transactions.get(c.tx);
    if (!t || t.owner !== c.owner || t.domid !== c.domid) throw new XsError('ENOENT', `no transaction ${c.tx}`);
    return t;
  }

  private view(c: Caller): NodeView {
    return this.lookupTx(c) ?? this.table;
  }

  private accessTo(c: Caller, node: Node): Access {
    return accessFor(node.perms, c.domid, c.privileged, this.targets.get(c.domid));
  }

  private require(c: Caller, node: Node, what: keyof Access, abs: string): void {
    if (!this.accessTo(c, node)[what]) throw new XsError('EACCES', `${what} ${abs}`);
  }

  /**
   * The node at `abs` if the caller has `what` access to it. A missing node is ENOENT, unless
   * its nearest existing ancestor is unreadable: then EACCES, so a guest cannot probe for the
   * existence of nodes it may not see (xenstored's get_node).
   */
  private readable(view: NodeView, c: Caller, abs: string, what: keyof Access = 'read'): Node {
    const node = view.get(abs);
    if (node) {
      this.require(c, node, what, abs);
      return node;
    }
    let p = abs;
    let ancestor: Node | undefined;
    while (!ancestor && p !== '/') {
      p = parentOf(p);
      ancestor = view.get(p);
    }
    if (ancestor && !this.accessTo(c, ancestor).read) throw new XsError('EACCES', `read ${p}`);
    throw new XsError('ENOENT', abs);
  }

  /** Creates `abs` and its missing parents; needs write access to the nearest existing ancestor. */
  private create(view: NodeView, c: Caller, abs: string, value: Uint8Array): Node {
    const missing: string[] = [];
    let p = abs;
    let ancestor: Node | undefined;
    while (!ancestor) {
      missing.push(p);
      p = parentOf(p);
      ancestor = view.get(p);
    }
    this.require(c, ancestor, 'write', p);
    if (!c.privileged && view.ownedBy(c.domid) + missing.length > this.maxNodesPerDomain) {
      throw new XsError(this.quotaError, `domain ${c.domid} node quota`);
    }
    let parentPath = p;
    let parent = ancestor;
    for (let i = missing.length - 1; i >= 0; i--) {
      const path = missing[i]!;
      const node: Node = {
        value: i === 0 ? value : EMPTY,
        perms: inheritPerms(parent.perms, c.domid, c.privileged),
        children: [],
        generation: 0,
      };
      view.put(parentPath, { ...parent, children: [...parent.children, baseName(path)] });
      view.put(path, node);
      parentPath = path;
      parent = node;
    }
    return parent;
  }

  private removeTree(view: NodeView, abs: string, node: Node): void {
    for (const name of node.children) {
      const path = childPath(abs, name);
      const child = view.get(path);
      if (child) this.removeTree(view, path, child);
    }
    view.delete(abs);
  }

  /** Records an event: now, or at commit when the caller is in a transaction. */
  private fire(c: Caller, e: WatchEvent): void {
    const t = this.lookupTx(c);
    if (t) t.events.push(e);
    else this.fireNow(e);
  }

  private fireNow(e: WatchEvent): void {
    for (const m of this.watches.match(e)) {
      const w = m.watch;
      const privileged = this.privileged.has(w.domid);
      if (!accessFor(e.perms, w.domid, privileged, this.targets.get(w.domid)).read) continue;
      this.deliveries.push(m);
    }
  }

  /** Runs queued watch callbacks; re-entrant calls from inside a callback just queue. */
  private flush(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let d = this.deliveries.shift(); d; d = this.deliveries.shift()) {
        try {
          d.watch.deliver(d.path, d.watch.token);
        } catch (e) {
          const report = this.options.onWatchError ?? ((err: unknown, p: string, t: string) => console.error(`xenstore: watch ${p} ${t} callback failed`, err));
          report(e, d.path, d.watch.token);
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private dropOwner(owner: object): void {
    this.watches.removeOwner(owner);
    for (const [id, t] of this.transactions) if (t.owner === owner) this.transactions.delete(id);
    for (let i = this.deliveries.length - 1; i >= 0; i--) if (this.deliveries[i]!.watch.owner === owner) this.deliveries.splice(i, 1);
  }
}

function validPerm(p: Perm): Perm {
  if (!Number.isInteger(p.domid) || p.domid < 0 || p.domid > 0xffff || !'nrwb'.includes(p.access) || p.access.length !== 1) {
    throw new XsError('EINVAL', `bad permission ${JSON.stringify(p)}`);
  }
  return { domid: p.domid, access: p.access };
}
