// Seeded, reproducible generator of i386 instruction sequences for the
// differential tests. Each case is generated from (seed, group, index) alone,
// so one failing case can be regenerated without the rest of its batch.
import { CaseBuilder } from './case-builder.js';
import type { GeneratedCase } from './diff-case.js';
import type { Group } from './group.js';
import { aluGroup, incDecGroup, negNotGroup, testGroup } from './groups/arith.js';
import { cmpxchg8bGroup, cmpxchgGroup, xaddGroup } from './groups/atomic.js';
import { bitScanGroup, bswapGroup, btGroup } from './groups/bits.js';
import { callRetGroup } from './groups/callret.js';
import { cmovGroup, jccGroup, loopGroup, setccGroup } from './groups/control.js';
import { convertGroup, leaGroup, movGroup, movxGroup, xchgGroup, xlatGroup } from './groups/data.js';
import { faultsGroup } from './groups/faults.js';
import { bcdGroup, boundGroup, flagOpsGroup, nopGroup } from './groups/misc.js';
import { divGroup, mulGroup } from './groups/muldiv.js';
import { shiftGroup, shldGroup } from './groups/shift.js';
import { enterGroup, pushPopGroup, pushaGroup } from './groups/stack.js';
import { stringGroup } from './groups/string.js';
import { undocumentedGroup } from './groups/undocumented.js';
import { x87Group, x87TransGroup } from './groups/x87.js';
import { Rng } from './rng.js';

export type { Group } from './group.js';

const BASE_GROUPS: readonly Group[] = [
  aluGroup,
  incDecGroup,
  negNotGroup,
  testGroup,
  mulGroup,
  divGroup,
  shiftGroup,
  shldGroup,
  btGroup,
  bitScanGroup,
  bswapGroup,
  xaddGroup,
  cmpxchgGroup,
  cmpxchg8bGroup,
  cmovGroup,
  setccGroup,
  jccGroup,
  loopGroup,
  callRetGroup,
  movGroup,
  movxGroup,
  xchgGroup,
  leaGroup,
  convertGroup,
  flagOpsGroup,
  pushPopGroup,
  pushaGroup,
  enterGroup,
  stringGroup,
  bcdGroup,
  xlatGroup,
  boundGroup,
  nopGroup,
  faultsGroup,
  undocumentedGroup,
  x87Group,
  x87TransGroup,
];

const MIXABLE = BASE_GROUPS.filter((g) => g.mixed !== false);

/** Random sequences drawn from every group except faults/undocumented. */
export const mixedGroup: Group = {
  name: 'mixed',
  summary: 'sequences of 3-8 instructions drawn from all other groups (not faults/undocumented)',
  undefinedFlags: MIXABLE.reduce((m, g) => m | g.undefinedFlags, 0),
  faults: true,
  count: [3, 8],
  emit: (b) => b.rng.pick(MIXABLE).emit(b),
};

export const GROUPS: readonly Group[] = [...BASE_GROUPS, mixedGroup];

export const GROUP_NAMES: readonly string[] = GROUPS.map((g) => g.name);

export function getGroup(name: string): Group {
  const g = GROUPS.find((x) => x.name === name);
  if (g === undefined) throw new Error(`unknown diff group "${name}" (known: ${GROUP_NAMES.join(', ')})`);
  return g;
}

/** Bytes of code kept free for the last instruction's set-up. */
const MIN_ROOM = 80;

function caseSeed(seed: number, group: string, index: number): number {
  // FNV-1a over the group name, mixed with seed and index.
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ index, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

export interface GenerateOptions {
  /** Attach the generator's own prediction of the final state (self-checks). */
  predict?: boolean;
}

/** Case `index` of `group` for `seed` (independent of every other case). */
export function generateCase(group: string, index: number, seed = 1, opts: GenerateOptions = {}): GeneratedCase {
  const g = getGroup(group);
  const rng = new Rng(caseSeed(seed, g.name, index));
  const b = new CaseBuilder(rng, g.implicitRegs ?? 0);
  const [lo, hi] = g.count ?? [1, 4];
  const n = rng.range(lo, hi);
  for (let i = 0; i < n && b.room() >= MIN_ROOM; i++) g.emit(b);
  return b.finish(`${g.name}#${index}`, seed, opts.predict ?? false);
}

/** `count` cases of a group, indices start..start+count-1. */
export function generateCases(group: string, count: number, seed = 1, start = 0, opts: GenerateOptions = {}): GeneratedCase[] {
  const out: GeneratedCase[] = [];
  for (let i = 0; i < count; i++) out.push(generateCase(group, start + i, seed, opts));
  return out;
}
