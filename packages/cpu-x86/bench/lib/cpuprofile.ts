/** Reads a V8 .cpuprofile and ranks functions (and their hottest lines) by self time. */
import { readFileSync } from 'node:fs';
import type { SourceMap } from './sourcemap.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionCost {
  name: string;
  /** Original file:line of the function (through the source map when given). */
  where: string;
  selfPct: number;
  /** Self + callees (each function counted once per stack). */
  totalPct: number;
  /** The function's hottest source lines, by share of all samples. */
  hotLines: { where: string; pct: number }[];
}

export interface ProfileSummary {
  totalMs: number;
  functions: FunctionCost[];
}

/**
 * Self time comes from the sample stream (timeDeltas). `map` translates the
 * bundle's positions back to TypeScript; `strip` is removed from paths.
 */
export function summariseProfile(path: string, map: SourceMap | null, strip: (p: string) => string): ProfileSummary {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of prof.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = prof.samples ?? [];
  const deltas = prof.timeDeltas ?? [];
  const selfUs = new Map<number, number>();
  let all = 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = Math.max(0, deltas[i + 1] ?? 0);
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
    all += dt;
  }
  const place = (url: string, line0: number, col0: number): string => {
    if (url === '') return '';
    if (url.startsWith('node:')) return `${url}:${line0 + 1}`;
    if (map !== null && url.endsWith('.mjs')) {
      const o = map.lookup(line0, col0);
      if (o !== null) return `${strip(o.source)}:${o.line}`;
    }
    return `${strip(url.replace(/^file:\/\//, ''))}:${line0 + 1}`;
  };
  const key = (n: ProfileNode): string =>
    `${n.callFrame.functionName || '(anonymous)'}\u0000${place(n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber)}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  // per function: line -> ticks (positionTicks lines are 1-based generated lines)
  const lineTicks = new Map<string, Map<string, number>>();
  const ticksPerUs = new Map<string, number>();
  for (const n of prof.nodes) {
    const k = key(n);
    const us = selfUs.get(n.id) ?? 0;
    if (us > 0) self.set(k, (self.get(k) ?? 0) + us);
    const ticks = n.positionTicks ?? [];
    const sum = ticks.reduce((a, t) => a + t.ticks, 0);
    if (sum > 0 && us > 0) {
      const perTick = us / sum;
      const m = lineTicks.get(k) ?? new Map<string, number>();
      for (const t of ticks) {
        const w = place(n.callFrame.url, t.line - 1, 0);
        m.set(w, (m.get(w) ?? 0) + t.ticks * perTick);
      }
      lineTicks.set(k, m);
      ticksPerUs.set(k, perTick);
    }
  }
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur) as ProfileNode);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const functions: FunctionCost[] = [];
  for (const [k, us] of total) {
    const [name, where] = k.split('\u0000');
    const lines = [...(lineTicks.get(k) ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([w, t]) => ({ where: w, pct: (100 * t) / all }));
    functions.push({
      name,
      where,
      selfPct: (100 * (self.get(k) ?? 0)) / all,
      totalPct: (100 * us) / all,
      hotLines: lines,
    });
  }
  functions.sort((a, b) => b.selfPct - a.selfPct);
  return { totalMs: all / 1000, functions };
}
