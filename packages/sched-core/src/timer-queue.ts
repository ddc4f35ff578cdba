// A deterministic timer queue on simulated time (Xen's per-CPU timer heap, xen/common/timer.c).
// Timers are ordered by (expiry, arming sequence): two timers due at the same nanosecond fire
// in the order they were armed, so a run never depends on anything but its inputs.
import type { Nanoseconds, SchedTimer } from '@xen-ts/plugin-api';

/** A one-shot timer owned by a {@link TimerQueue}; `set` re-arms it, `stop` disarms it. */
export interface Timer extends SchedTimer {
  /** Arms (or re-arms) the timer to fire at `at`. A time in the past fires at the next `runUntil`. */
  set(at: Nanoseconds): void;
  /** Disarms the timer; a no-op when it is not pending. */
  stop(): void;
  /** Is the timer armed and not yet fired? */
  readonly pending: boolean;
  /** The time it is armed for; meaningful only while `pending`. */
  readonly expiry: Nanoseconds;
}

/** Heap entry. `heapIndex` is -1 while the timer is not in the heap (stop/set are O(log n)). */
class HeapTimer implements Timer {
  heapIndex = -1;
  sequence = 0;
  expiry: Nanoseconds = 0;

  constructor(
    private readonly queue: TimerQueue,
    readonly callback: (now: Nanoseconds) => void,
  ) {}

  get pending(): boolean {
    return this.heapIndex >= 0;
  }

  set(at: Nanoseconds): void {
    if (Number.isNaN(at)) throw new RangeError('Timer.set: expiry is NaN');
    this.queue.arm(this, at);
  }

  stop(): void {
    this.queue.disarm(this);
  }
}

export class TimerQueue {
  private readonly heap: HeapTimer[] = [];
  private nextSequence = 0;

  /** Creates a disarmed timer. `callback` receives the timer's expiry time when it fires. */
  createTimer(callback: (now: Nanoseconds) => void): Timer {
    return new HeapTimer(this, callback);
  }

  /** Number of armed timers. */
  get size(): number {
    return this.heap.length;
  }

  /** Expiry of the earliest armed timer, or `Infinity` when none is armed. */
  nextExpiry(): Nanoseconds {
    return this.heap.length > 0 ? this.heap[0]!.expiry : Infinity;
  }

  /**
   * Fires, in (expiry, arming order), every timer due at or before `now`, including timers
   * that callbacks arm within that bound. Returns how many fired.
   */
  runUntil(now: Nanoseconds): number {
    let fired = 0;
    while (this.heap.length > 0 && this.heap[0]!.expiry <= now) {
      const timer = this.heap[0]!;
      this.removeAt(0);
      fired++;
      timer.callback(timer.expiry);
    }
    return fired;
  }

  /** @internal */
  arm(timer: HeapTimer, at: Nanoseconds): void {
    timer.expiry = at;
    timer.sequence = this.nextSequence++;
    if (timer.heapIndex < 0) {
      timer.heapIndex = this.heap.length;
      this.heap.push(timer);
      this.siftUp(timer.heapIndex);
    } else {
      // Re-keyed in place: the new key may be earlier or later than the old one.
      this.siftUp(timer.heapIndex);
      this.siftDown(timer.heapIndex);
    }
  }

  /** @internal */
  disarm(timer: HeapTimer): void {
    if (timer.heapIndex >= 0) this.removeAt(timer.heapIndex);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index]!;
    const last = heap.pop()!;
    removed.heapIndex = -1;
    if (last !== removed) {
      heap[index] = last;
      last.heapIndex = index;
      this.siftUp(index);
      this.siftDown(last.heapIndex);
    }
  }

  private static before(a: HeapTimer, b: HeapTimer): boolean {
    return a.expiry < b.expiry || (a.expiry === b.expiry && a.sequence < b.sequence);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const timer = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!TimerQueue.before(timer, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = timer;
    timer.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const timer = heap[index]!;
    const length = heap.length;
    while (true) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && TimerQueue.before(heap[right]!, heap[left]!) ? right : left;
      if (!TimerQueue.before(heap[child]!, timer)) break;
      heap[index] = heap[child]!;
      heap[index]!.heapIndex = index;
      index = child;
    }
    heap[index] = timer;
    timer.heapIndex = index;
  }
}
