// A transaction (xenstore.txt TRANSACTION_START/END): reads and writes go to a private overlay
// over the committed table. Every node the transaction looks at is remembered with the
// generation it had; commit succeeds only if none of them changed since (modern xenstored's
// per-node conflict check: "only intervening conflicting writes cause EAGAIN"), else EAGAIN.
import type { Node, NodeTable, NodeView } from './node-table.js';
import type { WatchEvent } from './watches.js';

/** Generation recorded for a path that did not exist when the transaction first saw it. */
const ABSENT = -1;

export class Transaction implements NodeView {
  private readonly overlay = new Map<string, Node | null>();
  private readonly seen = new Map<string, number>();
  private readonly ownedDelta = new Map<number, number>();
  /** Watch events to fire if and when the transaction commits. */
  readonly events: WatchEvent[] = [];

  constructor(
    readonly id: number,
    readonly domid: number,
    readonly owner: object,
    private readonly table: NodeTable,
  ) {}

  get(path: string): Node | undefined {
    const o = this.overlay.get(path);
    if (o !== undefined) return o ?? undefined;
    const n = this.table.get(path);
    if (!this.seen.has(path)) this.seen.set(path, n ? n.generation : ABSENT);
    return n;
  }

  put(path: string, node: Node): void {
    const old = this.get(path);
    if (old) this.count(old.perms[0]!.domid, -1);
    this.count(node.perms[0]!.domid, +1);
    this.overlay.set(path, node);
  }

  delete(path: string): void {
    const old = this.get(path);
    if (old) this.count(old.perms[0]!.domid, -1);
    this.overlay.set(path, null);
  }

  ownedBy(domid: number): number {
    return this.table.ownedBy(domid) + (this.ownedDelta.get(domid) ?? 0);
  }

  /** True if a node this transaction depends on changed in the committed table. */
  conflicts(): boolean {
    for (const [path, gen] of this.seen) {
      const n = this.table.get(path);
      if ((n ? n.generation : ABSENT) !== gen) return true;
    }
    return false;
  }

  /** Writes the overlay into the table. Call only after `conflicts()` returned false. */
  apply(): void {
    for (const [path, node] of this.overlay) {
      if (node === null) this.table.delete(path);
      else this.table.put(path, node);
    }
  }

  private count(domid: number, delta: number): void {
    this.ownedDelta.set(domid, (this.ownedDelta.get(domid) ?? 0) + delta);
  }
}
