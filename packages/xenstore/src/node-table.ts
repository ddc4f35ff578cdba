// The committed tree: a flat map from absolute path to node, each node listing its children,
// with per-owner node counts for the quota and xenstored's generation counts (a node's
// generation changes whenever its value, permissions or list of children does).
import type { Perm } from './permissions.js';

export interface Node {
  readonly value: Uint8Array;
  readonly perms: readonly Perm[];
  /** Child names in creation order (xenstored appends new children). */
  readonly children: readonly string[];
  /** Generation of the last change; assigned by the table on commit. */
  readonly generation: number;
}

/** What operations read and write through: the table itself or a transaction's overlay. */
export interface NodeView {
  get(path: string): Node | undefined;
  put(path: string, node: Node): void;
  delete(path: string): void;
  /** Nodes owned by `domid` as this view sees them (for the quota). */
  ownedBy(domid: number): number;
}

export class NodeTable implements NodeView {
  private readonly nodes = new Map<string, Node>();
  private readonly owned = new Map<number, number>();
  private generationCounter = 0;

  constructor(rootPerms: readonly Perm[]) {
    this.put('/', { value: new Uint8Array(0), perms: rootPerms, children: [], generation: 0 });
  }

  get generation(): number {
    return this.generationCounter;
  }

  get size(): number {
    return this.nodes.size;
  }

  get(path: string): Node | undefined {
    return this.nodes.get(path);
  }

  put(path: string, node: Node): void {
    const old = this.nodes.get(path);
    if (old) this.count(old.perms[0]!.domid, -1);
    this.count(node.perms[0]!.domid, +1);
    this.nodes.set(path, { ...node, generation: ++this.generationCounter });
  }

  delete(path: string): void {
    const old = this.nodes.get(path);
    if (!old) return;
    this.count(old.perms[0]!.domid, -1);
    this.nodes.delete(path);
  }

  ownedBy(domid: number): number {
    return this.owned.get(domid) ?? 0;
  }

  paths(): IterableIterator<string> {
    return this.nodes.keys();
  }

  entries(): IterableIterator<[string, Node]> {
    return this.nodes.entries();
  }

  private count(domid: number, delta: number): void {
    const n = (this.owned.get(domid) ?? 0) + delta;
    if (n === 0) this.owned.delete(domid);
    else this.owned.set(domid, n);
  }
}
