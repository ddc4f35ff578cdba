/**
 * Test-only: run operations both on the host FPU and on the float80 module
 * and report every difference.
 */
import { FpuEnv } from '../fpu-env.js';
import { f80Hex, F80, f80Str, parseF80Hex, randOperand, relatedOperand, Rng } from './f80-values.js';
import { HostCase, runHost } from './x87-host.js';

export interface OpCase {
  a: F80;
  b: F80;
  cw: number;
}

export interface ModuleOut {
  r1: string;
  r2: string;
}

/** Control word with the given RC, PC and exception masks (bit 6 is reserved-one). */
export function makeCw(rc: number, pc: number, masks = 0x3f): number {
  return 0x40 | (masks & 0x3f) | ((pc & 3) << 8) | ((rc & 3) << 10);
}

/** All RC x PC combinations with every exception masked. */
export const MASKED_CWS: readonly number[] = [0, 1, 2, 3].flatMap((rc) => [0, 2, 3].map((pc) => makeCw(rc, pc)));

/** A random control word; with probability pUnmask some exceptions are unmasked. */
export function randCw(r: Rng, pUnmask = 0.15): number {
  const masks = r.chance(pUnmask) ? 0x3f & ~(1 << r.int(5)) & ~(r.chance(0.3) ? 1 << r.int(5) : 0) : 0x3f;
  return makeCw(r.int(4), r.pick([0, 1, 2, 3]), masks | 0x20);
}

/** Hex of register slot `s`. */
export function slotHex(f: Uint32Array, s: number): string {
  const o = s << 2;
  return f80Hex({ lo: f[o]!, hi: f[o + 1]!, se: f[o + 2]! });
}

export function setSlot(f: Uint32Array, s: number, v: F80): void {
  const o = s << 2;
  f[o] = v.lo;
  f[o + 1] = v.hi;
  f[o + 2] = v.se;
}

export interface CompareOptions {
  /** Status word bits compared (exceptions, condition codes). */
  swMask: number;
  /** Compare ST(1) too. */
  r2?: boolean;
  /** Mask for r1 hex comparison: number of leading hex digits compared (memory stores). */
  r1Digits?: number;
  /**
   * Coverage guard: every status bit in this mask must be reported by the
   * host in at least one case (default: the compared exception bits that
   * can occur are not enforced; pass them explicitly).
   */
  expectFlags?: number;
  /**
   * Accept register results within this many units in the last place of
   * the host result (transcendentals). Counts of exact / tolerated results
   * are left in lastUlpStats.
   */
  ulps?: number;
}

export const lastUlpStats = { exact: 0, tolerated: 0, maxUlps: 0 };

/** Distance in ulps between two finite extended values of the same sign, else Infinity. */
export function ulpDistance(x: string, y: string): number {
  const a = parseF80Hex(x);
  const b = parseF80Hex(y);
  if ((a.se & 0x7fff) === 0x7fff || (b.se & 0x7fff) === 0x7fff) return Infinity;
  if ((a.se ^ b.se) & 0x8000) return Infinity;
  // Monotonic key: drop the explicit integer bit of normals (denormals continue into exponent 1).
  const key = (v: F80) => {
    const e = v.se & 0x7fff;
    const sig = (BigInt(v.hi) << 32n) | BigInt(v.lo);
    return e === 0 ? sig : (BigInt(e - 1) << 63n) + sig;
  };
  const d = key(a) - key(b);
  return Number(d < 0n ? -d : d);
}

/** Per-bit counts of host status words from the last compareWithHost call (debug aid). */
export const lastFlagCounts = new Map<number, number>();

/**
 * Run every case on the host and through `run` (which gets a fresh env with
 * the case's control word), returning human-readable mismatch descriptions.
 */
export function compareWithHost(
  hostOp: number,
  cases: readonly OpCase[],
  run: (c: OpCase, env: FpuEnv) => ModuleOut,
  opts: CompareOptions,
): string[] {
  const hc: HostCase[] = cases.map((c) => ({ op: hostOp, cw: c.cw, a: f80Hex(c.a), b: f80Hex(c.b) }));
  const host = runHost(hc);
  const bad: string[] = [];
  const env = new FpuEnv();
  const digits = opts.r1Digits ?? 20;
  lastFlagCounts.clear();
  lastUlpStats.exact = lastUlpStats.tolerated = lastUlpStats.maxUlps = 0;
  let seen = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    env.cw = c.cw;
    env.flags = 0;
    const m = run(c, env);
    const h = host[i]!;
    const swH = h.sw & opts.swMask;
    seen |= swH;
    for (let bit = 1; bit < 0x10000; bit <<= 1) if (swH & bit) lastFlagCounts.set(bit, (lastFlagCounts.get(bit) ?? 0) + 1);
    const swM = env.flags & opts.swMask;
    let r1ok = m.r1.slice(0, digits) === h.r1.slice(0, digits);
    let r2ok = !opts.r2 || m.r2 === h.r2;
    if (opts.ulps !== undefined) {
      if (r1ok && r2ok) lastUlpStats.exact++;
      else {
        const d1 = r1ok ? 0 : ulpDistance(m.r1, h.r1);
        const d2 = r2ok ? 0 : ulpDistance(m.r2, h.r2);
        const dm = Math.max(d1, d2);
        if (dm <= opts.ulps) {
          r1ok = r2ok = true;
          lastUlpStats.tolerated++;
        }
        if (dm !== Infinity) lastUlpStats.maxUlps = Math.max(lastUlpStats.maxUlps, dm);
      }
    }
    if (!r1ok || !r2ok || swH !== swM) {
      const show = (x: string) => (x.length === 20 && digits === 20 ? f80Str(parseF80Hex(x)) : x.slice(0, digits));
      bad.push(
        `#${i} cw=${c.cw.toString(16)} a=${f80Str(c.a)} b=${f80Str(c.b)}: ` +
          `host r1=${show(h.r1)}${opts.r2 ? ` r2=${show(h.r2)}` : ''} sw=${swH.toString(16)} | ` +
          `ours r1=${show(m.r1)}${opts.r2 ? ` r2=${show(m.r2)}` : ''} sw=${swM.toString(16)}`,
      );
    }
  }
  const missing = (opts.expectFlags ?? 0) & ~seen;
  if (missing) bad.push(`coverage: host never reported status bits ${missing.toString(16)}`);
  if (process.env.FPU_TEST_STATS) {
    console.log(`op ${hostOp}: ${cases.length} cases, flag counts`, JSON.stringify(Object.fromEntries([...lastFlagCounts].map(([k, v]) => [k.toString(16), v]))), opts.ulps !== undefined ? JSON.stringify(lastUlpStats) : '');
  }
  return bad;
}

/** Binary-operation cases: random/related operand pairs, mostly masked CWs. */
export function binaryCases(seed: number, n: number, pUnmasked = 0.2): OpCase[] {
  const r = new Rng(seed);
  const out: OpCase[] = [];
  for (let i = 0; i < n; i++) {
    const a = randOperand(r);
    const b = r.chance(0.5) ? relatedOperand(r, a) : randOperand(r);
    const cw = r.chance(pUnmasked) ? randCw(r, 1) : MASKED_CWS[i % MASKED_CWS.length]!;
    out.push({ a, b, cw });
  }
  return out;
}

/** Unary-operation cases (b is the 0.0 sentinel the probe pushes anyway). */
export function unaryCases(seed: number, n: number, gen: (r: Rng) => F80 = randOperand, pUnmasked = 0.2): OpCase[] {
  const r = new Rng(seed);
  const out: OpCase[] = [];
  for (let i = 0; i < n; i++) {
    const a = gen(r);
    const cw = r.chance(pUnmasked) ? randCw(r, 1) : MASKED_CWS[i % MASKED_CWS.length]!;
    out.push({ a, b: { se: 0, hi: 0, lo: 0 }, cw });
  }
  return out;
}

const regs = new Uint32Array(16);

/** Adapter for `op(f, d, a, b, env)` register operations: ST0 = op(ST0, ST1). */
export function regBinary(op: (f: Uint32Array, d: number, a: number, b: number, env: FpuEnv) => unknown) {
  return (c: OpCase, env: FpuEnv): ModuleOut => {
    setSlot(regs, 0, c.a);
    setSlot(regs, 1, c.b);
    op(regs, 0, 0, 1, env);
    return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
  };
}

/** Adapter for `op(f, d, a, env)` register operations: ST0 = op(ST0). */
export function regUnary(op: (f: Uint32Array, d: number, a: number, env: FpuEnv) => unknown) {
  return (c: OpCase, env: FpuEnv): ModuleOut => {
    setSlot(regs, 0, c.a);
    setSlot(regs, 1, c.b);
    op(regs, 0, 0, env);
    return { r1: slotHex(regs, 0), r2: slotHex(regs, 1) };
  };
}
