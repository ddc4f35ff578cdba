/**
 * Test-only helpers: a seeded PRNG, hex encoding of 80-bit values and
 * generators of interesting operands (edge cases and halfway patterns).
 */

/** A raw 80-bit encoding. */
export interface F80 {
  se: number;
  hi: number;
  lo: number;
}

/** sfc32: small, fast, deterministic PRNG. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
}

function hex32le(v: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += ((v >>> (8 * i)) & 0xff).toString(16).padStart(2, '0');
  return s;
}

/** 20 hex digits, byte 0 first (the memory image). */
export function f80Hex(v: F80): string {
  return hex32le(v.lo) + hex32le(v.hi) + (v.se & 0xff).toString(16).padStart(2, '0') + ((v.se >>> 8) & 0xff).toString(16).padStart(2, '0');
}

/** Hex of the first n bytes of an integer memory image given as up to 80 bits. */
export function bytesHex(bytes: Uint8Array, n = 10): string {
  let s = '';
  for (let i = 0; i < n; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

export function parseF80Hex(h: string): F80 {
  const b = (i: number) => parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return {
    lo: (b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24)) >>> 0,
    hi: (b(4) | (b(5) << 8) | (b(6) << 16) | (b(7) << 24)) >>> 0,
    se: b(8) | (b(9) << 8),
  };
}

export function f80(se: number, hi: number, lo: number): F80 {
  return { se: se & 0xffff, hi: hi >>> 0, lo: lo >>> 0 };
}

/** Readable form for failure messages. */
export function f80Str(v: F80): string {
  return `${(v.se >>> 15) ? '-' : '+'}${(v.se & 0x7fff).toString(16).padStart(4, '0')}:${v.hi.toString(16).padStart(8, '0')}${v.lo.toString(16).padStart(8, '0')}`;
}

/** Significand with rounding-sensitive low bits for precision p (24, 53 or 64 + guard). */
export function randSig(r: Rng): [number, number] {
  let hi = r.u32();
  let lo = r.u32();
  switch (r.int(8)) {
    case 0:
    case 1:
      break;
    case 2: {
      // Halfway-ish patterns just below bit positions 24/53 (or the very bottom).
      const p = r.pick([24, 53, 63, 62]);
      const below = 64 - p; // number of low bits
      const pat = r.int(5);
      for (let i = 0; i < below; i++) {
        const top = i === below - 1;
        let bit: number;
        if (pat === 0) bit = top ? 1 : 0; // exactly half
        else if (pat === 1) bit = top ? 0 : 1; // just below half
        else if (pat === 2) bit = top || i === 0 ? 1 : 0; // just above half
        else if (pat === 3) bit = 0;
        else bit = 1;
        if (i < 32) lo = bit ? (lo | (1 << i)) >>> 0 : (lo & ~(1 << i)) >>> 0;
        else hi = bit ? (hi | (1 << (i - 32))) >>> 0 : (hi & ~(1 << (i - 32))) >>> 0;
      }
      break;
    }
    case 3:
      hi = 0xffffffff;
      lo = r.chance(0.5) ? 0xffffffff : r.u32() | 0xffff0000;
      break;
    case 4:
      hi = 0x80000000 | (r.chance(0.5) ? 0 : 1 << r.int(31));
      lo = r.chance(0.5) ? 0 : 1 << r.int(32);
      break;
    case 5:
      lo = 0;
      if (r.chance(0.5)) hi &= 0xffffff00;
      break;
    case 6:
      hi = 0xffffffff;
      lo &= 0xfffff800;
      break;
    default:
      lo = r.chance(0.5) ? lo & 0xfffff800 : lo;
  }
  return [(hi | 0x80000000) >>> 0, lo >>> 0];
}

/** Random finite normal with exponent in [emin, emax]. */
export function randNormal(r: Rng, emin = 1, emax = 0x7ffe): F80 {
  const [hi, lo] = randSig(r);
  return f80((r.int(2) << 15) | r.range(emin, emax), hi, lo);
}

/** Special and boundary encodings. */
export function randSpecial(r: Rng): F80 {
  const s = r.int(2) << 15;
  const [hi, lo] = randSig(r);
  switch (r.int(14)) {
    case 0: return f80(s, 0, 0);
    case 1: return f80(s | 0x7fff, 0x80000000, 0);
    case 2: return f80(s | 0x7fff, (hi | 0xc0000000) >>> 0, lo); // QNaN
    case 3: return f80(s | 0x7fff, ((hi & 0xbfffffff) | 0x80000000 | (lo === 0 ? 1 : 0)) >>> 0, lo); // SNaN
    case 4: return f80(0xffff, 0xc0000000, 0); // indefinite
    case 5: return randDenormal(r);
    case 6: return f80(s, hi, lo); // pseudo-denormal
    case 7: return f80(s | r.range(1, 0x7ffe), hi >>> 1, lo); // unnormal
    case 8: return f80(s | 0x7fff, 0, 0); // pseudo-infinity
    case 9: return f80(s | 0x7fff, hi >>> 1 || 1, lo); // pseudo-NaN
    case 10: return f80(s | 1, 0x80000000, 0); // smallest normal
    case 11: return f80(s | 0x7ffe, 0xffffffff, 0xffffffff); // largest finite
    case 12: return f80(s, 0, 1); // smallest denormal
    default: return f80(s | 0x3fff, 0x80000000, 0); // 1.0
  }
}

/** Random denormal: a significand shifted right by 1..63 bits, exponent 0. */
export function randDenormal(r: Rng): F80 {
  let [hi, lo] = randSig(r);
  const n = r.range(1, 63);
  if (n >= 32) {
    lo = hi >>> (n - 32);
    hi = 0;
  } else {
    lo = ((lo >>> n) | (hi << (32 - n))) >>> 0;
    hi = hi >>> n;
  }
  if (hi === 0 && lo === 0) lo = 1;
  return f80(r.int(2) << 15, hi, lo);
}

/** A mix of normals (various exponent bands), denormals and specials. */
export function randOperand(r: Rng): F80 {
  const u = r.int(20);
  if (u < 2) return randSpecial(r);
  if (u < 4) return randDenormal(r);
  if (u < 6) return randNormal(r, 1, 80);
  if (u < 8) return randNormal(r, 0x7ffe - 80, 0x7ffe);
  if (u < 14) return randNormal(r, 16383 - 70, 16383 + 70);
  return randNormal(r);
}

/** An operand related to `a` (close exponent / same significand) to hit cancellation and carries. */
export function relatedOperand(r: Rng, a: F80): F80 {
  const e = a.se & 0x7fff;
  const [hi, lo] = randSig(r);
  const ne = Math.max(1, Math.min(0x7ffe, e + r.range(-70, 70)));
  const s = (r.int(2) << 15);
  switch (r.int(4)) {
    case 0: return f80(s | e, a.hi, a.lo);
    case 1: return f80(s | e, a.hi, (a.lo + r.range(-3, 3)) >>> 0);
    case 2: return f80(s | Math.max(1, Math.min(0x7ffe, e + r.range(-2, 2))), hi, lo);
    default: return f80(s | ne, hi, lo);
  }
}

/** Random IEEE single bits biased to NaN/inf, zero/denormal and tiny exponents. */
export function randBits32(r: Rng): number {
  const s = r.int(2) << 31;
  switch (r.int(6)) {
    case 0: return (s | 0x7f800000 | r.int(0x800000)) >>> 0; // inf / NaN
    case 1: return (s | r.int(0x800000)) >>> 0; // zero / denormal
    case 2: return (s | (r.int(3) << 23) | r.int(0x800000)) >>> 0;
    default: return r.u32();
  }
}

/** Random IEEE double bits (high, low) with the same bias. */
export function randBits64(r: Rng): [number, number] {
  const s = r.int(2) << 31;
  const lo = r.chance(0.2) ? 0 : r.u32();
  switch (r.int(6)) {
    case 0: return [(s | 0x7ff00000 | (r.chance(0.5) ? r.int(0x100000) : 0)) >>> 0, lo];
    case 1: return [(s | (r.chance(0.5) ? r.int(0x100000) : 0)) >>> 0, lo];
    case 2: return [(s | (r.int(3) << 20) | r.int(0x100000)) >>> 0, lo];
    default: return [r.u32(), lo];
  }
}

