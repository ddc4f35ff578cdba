// Seeded PRNG for reproducible case generation: xoshiro128** seeded by
// splitmix32 (never Math.random).

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 0) throw new Error('Rng.int: empty range');
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks from [weight, value] pairs. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of items) total += w;
    let x = (this.u32() / 0x1_0000_0000) * total;
    for (const [w, v] of items) {
      if (x < w) return v;
      x -= w;
    }
    return items[items.length - 1]![1];
  }

  /** n random bytes (bulk: a xorshift32 stream seeded from this generator). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array((n + 3) & ~3);
    const dv = new DataView(out.buffer);
    let x = this.u32() | 1;
    for (let i = 0; i < out.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      dv.setUint32(i, x >>> 0, true); // little-endian: same bytes on any host
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** A 32-bit value biased towards boundary cases (0, ±1, sign bits...). */
  interesting32(): number {
    switch (this.int(8)) {
      case 0:
        return this.pick([0, 1, 2, 0xffffffff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe]);
      case 1:
        return this.pick([0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000]);
      case 2: // one bit, or all but one bit
        return (this.chance(0.5) ? 1 << this.int(32) : ~(1 << this.int(32))) >>> 0;
      case 3: // small signed value
        return (this.range(-20, 20) >>> 0);
      case 4: // random byte / word sized
        return this.chance(0.5) ? this.int(0x100) : this.int(0x10000);
      default:
        return this.u32();
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
