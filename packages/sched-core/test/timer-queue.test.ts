import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../src/index.js';

/** xorshift32: a seeded PRNG for the randomized model test. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

describe('TimerQueue', () => {
  it('fires due timers in expiry order, ties in arming order', () => {
    const queue = new TimerQueue();
    const fired: string[] = [];
    const make = (name: string) => queue.createTimer((now) => fired.push(`${name}@${now}`));
    const a = make('a');
    const b = make('b');
    const c = make('c');
    const d = make('d');
    c.set(20);
    a.set(10);
    b.set(20);
    d.set(30);
    expect(queue.nextExpiry()).toBe(10);
    expect(queue.runUntil(20)).toBe(3);
    expect(fired).toEqual(['a@10', 'c@20', 'b@20']);
    expect(d.pending).toBe(true);
    expect(a.pending).toBe(false);
    expect(queue.nextExpiry()).toBe(30);
  });

  it('re-arming moves a timer earlier or later; stop removes it', () => {
    const queue = new TimerQueue();
    const fired: number[] = [];
    const timers = [0, 1, 2, 3, 4].map((index) => queue.createTimer(() => fired.push(index)));
    timers.forEach((timer, index) => timer.set(100 + index * 10));
    timers[4]!.set(50);
    timers[0]!.set(500);
    timers[2]!.stop();
    timers[2]!.stop();
    expect(queue.size).toBe(4);
    expect(timers[4]!.expiry).toBe(50);
    queue.runUntil(1000);
    expect(fired).toEqual([4, 1, 3, 0]);
    expect(queue.nextExpiry()).toBe(Infinity);
  });

  it('callbacks may re-arm; timers armed within the bound fire in the same run', () => {
    const queue = new TimerQueue();
    const times: number[] = [];
    const periodic = queue.createTimer((now) => {
      times.push(now);
      periodic.set(now + 10);
    });
    periodic.set(0);
    queue.runUntil(35);
    expect(times).toEqual([0, 10, 20, 30]);
    expect(periodic.expiry).toBe(40);
    expect(() => periodic.set(Number.NaN)).toThrow(RangeError);
  });

  it('matches a sorted-list model under random set/stop/run', () => {
    const random = prng(0xc0ffee);
    const queue = new TimerQueue();
    const model = new Map<number, { expiry: number; sequence: number }>();
    let sequence = 0;
    const fired: number[] = [];
    const expected: number[] = [];
    const timers = Array.from({ length: 64 }, (_, index) =>
      queue.createTimer(() => {
        fired.push(index);
      }),
    );
    let now = 0;
    for (let step = 0; step < 5000; step++) {
      const op = random() % 10;
      const index = random() % timers.length;
      if (op < 6) {
        const at = now + (random() % 200);
        timers[index]!.set(at);
        model.set(index, { expiry: at, sequence: sequence++ });
      } else if (op < 8) {
        timers[index]!.stop();
        model.delete(index);
      } else {
        now += random() % 100;
        const due = [...model.entries()]
          .filter(([, entry]) => entry.expiry <= now)
          .sort(([, x], [, y]) => x.expiry - y.expiry || x.sequence - y.sequence);
        for (const [id] of due) {
          expected.push(id);
          model.delete(id);
        }
        queue.runUntil(now);
      }
      expect(queue.size).toBe(model.size);
    }
    expect(fired).toEqual(expected);
    expect(fired.length).toBeGreaterThan(500);
  });
});
