// String instructions MOVS STOS LODS CMPS SCAS, 8/16/32-bit, with and without
// REP/REPE/REPNE, both DF directions, DS/ES/SS source overrides. ESI/EDI
// point into the data buffer (sometimes the stack window) and ECX is small,
// so every element stays inside the case memory.
import { type CaseBuilder } from '../case-builder.js';
import {
  DATA_BASE,
  DATA_SIZE,
  EAX,
  ECX,
  EDI,
  ESI,
  STACK_WINDOW_BASE,
  STACK_WINDOW_SIZE,
} from '../diff-case.js';
import { type Group, pickSize } from '../group.js';
import { REP, REPNE, SEG_NAMES, SEG_PREFIXES, STATUS6 } from '../x86-encode.js';

type Op = 'movs' | 'cmps' | 'stos' | 'lods' | 'scas';
const OPCODE: Record<Op, number> = { movs: 0xa4, cmps: 0xa6, stos: 0xaa, lods: 0xac, scas: 0xae };
const USES_SI: Record<Op, boolean> = { movs: true, cmps: true, stos: false, lods: true, scas: false };
const USES_DI: Record<Op, boolean> = { movs: true, cmps: true, stos: true, lods: false, scas: true };

/** Start address so that `count` elements of `w` bytes moving in direction
 *  dir stay inside [lo, hi). */
function placeRun(b: CaseBuilder, count: number, w: number, dir: 1 | -1, lo: number, hi: number): number {
  const span = Math.max(1, count) * w;
  const first = b.rng.range(0, hi - lo - span);
  const aligned = b.rng.chance(0.6) ? first - (first % w) : first;
  // Forward runs start at the low end; backward runs at the high end.
  return dir === 1 ? lo + aligned : lo + aligned + span - w;
}

function region(b: CaseBuilder): [number, number] {
  if (b.rng.chance(0.15)) {
    const lo = Math.max(STACK_WINDOW_BASE, b.esp - 256);
    const hi = Math.min(STACK_WINDOW_BASE + STACK_WINDOW_SIZE, b.esp + 128);
    if (hi - lo >= 160) return [lo, hi];
  }
  return [DATA_BASE, DATA_BASE + DATA_SIZE];
}

function emitString(b: CaseBuilder): void {
  const rng = b.rng;
  const op = rng.pick<Op>(['movs', 'cmps', 'stos', 'lods', 'scas']);
  const size = pickSize(rng);
  const w = size / 8;
  const compare = op === 'cmps' || op === 'scas';
  const rep = rng.weighted<number>([
    [2, 0],
    [3, REP],
    [compare ? 2 : 0, REPNE],
  ]);
  if (rng.chance(0.25)) {
    const d = rng.int(2);
    b.insn({ opcode: [0xfc + d], text: d ? 'std' : 'cld', df: d as 0 | 1 });
  }
  const df = b.ensureDf();
  const dir: 1 | -1 = df ? -1 : 1;
  const count = rep ? rng.pick([0, 1, 2, 3, 4, 5, 7, 8, 13, 16, rng.int(33)]) : 1;
  const ecx = rep ? count : (b.value(ECX) ?? rng.u32());
  if (rep || rng.chance(0.3)) b.setReg(ECX, ecx);

  let si = 0;
  let di = 0;
  if (USES_SI[op]) {
    const [lo, hi] = region(b);
    si = placeRun(b, count, w, dir, lo, hi);
    b.setReg(ESI, si);
  }
  if (USES_DI[op]) {
    if (op === 'movs' && rng.chance(0.2)) {
      // Overlapping move: destination a few elements away from the source.
      const [lo, hi] = [DATA_BASE, DATA_BASE + DATA_SIZE];
      const cand = si + rng.range(-3, 3) * w;
      const span = Math.max(1, count) * w;
      const first = dir === 1 ? cand : cand - span + w;
      di = first >= lo && first + span <= hi && si >= lo && si < hi ? cand : placeRun(b, count, w, dir, lo, hi);
    } else {
      const [lo, hi] = region(b);
      di = placeRun(b, count, w, dir, lo, hi);
    }
    b.setReg(EDI, di);
  }
  if (op === 'stos' || op === 'scas' || rng.chance(0.3)) b.setReg(EAX, rng.interesting32());
  // Shape the data so REPE/REPNE comparisons run for a while.
  if (compare && count > 1 && rng.chance(0.5)) {
    const stop = rng.int(count + 1);
    for (let i = 0; i < count; i++) {
      const dAddr = di + dir * i * w;
      let v: number | undefined;
      if (op === 'cmps') v = b.memValue(si + dir * i * w, w);
      else v = (b.value(EAX) ?? 0) & (size === 32 ? 0xffffffff : (1 << size) - 1);
      if (v === undefined) break;
      const same = rep === REP ? i !== stop : i === stop;
      b.poke(dAddr, w, same ? v : (v ^ 1) >>> 0);
    }
  }
  const seg = USES_SI[op] && rng.chance(0.3) ? [rng.pick(SEG_PREFIXES)] : rng.chance(0.05) ? [rng.pick(SEG_PREFIXES)] : [];
  const prefixes = [...(rep ? [rep] : []), ...(size === 16 ? [0x66] : []), ...seg];
  const early = compare && rep !== 0; // REPE/REPNE may stop before ECX = 0
  const n = rep ? count : 1;
  const range = (start: number): [number, number] => (dir === 1 ? [start, n * w] : [start - (n - 1) * w, n * w]);
  const known: [number, number][] = [];
  if (!early) {
    if (USES_SI[op]) known.push([ESI, si + dir * n * w]);
    if (USES_DI[op]) known.push([EDI, di + dir * n * w]);
    if (rep) known.push([ECX, 0]);
  }
  const reads = (1 << ECX) | (USES_SI[op] ? 1 << ESI : 0) | (USES_DI[op] ? 1 << EDI : 0) | (op === 'stos' || op === 'scas' ? 1 << EAX : 0);
  const writes = (rep ? 1 << ECX : 0) | (USES_SI[op] ? 1 << ESI : 0) | (USES_DI[op] ? 1 << EDI : 0) | (op === 'lods' ? 1 << EAX : 0);
  const repText = rep === REP ? (compare ? 'repe ' : 'rep ') : rep === REPNE ? 'repne ' : '';
  const suffix = size === 8 ? 'b' : size === 16 ? 'w' : 'd';
  const segText = seg.length ? ` ; ${SEG_NAMES[seg[0]!]}: source` : '';
  b.insn({
    prefixes,
    opcode: [OPCODE[op] + (size === 8 ? 0 : 1)],
    text: `${repText}${op}${suffix} ; ecx=${rep ? count : '-'} df=${df}${segText}`,
    reads,
    writes,
    known,
    // CMPS/SCAS set the flags like CMP, but not when REP runs zero times.
    flagsWritten: compare && n > 0 ? STATUS6 : 0,
    memReads: [
      ...(USES_SI[op] && n > 0 ? [range(si)] : []),
      ...(op === 'cmps' || op === 'scas' ? (n > 0 ? [range(di)] : []) : []),
    ],
    memWrites: (op === 'movs' || op === 'stos') && n > 0 ? [[...range(di)] as [number, number]] : [],
    df: df,
  });
}

export const stringGroup: Group = {
  name: 'string',
  summary: 'MOVS CMPS STOS LODS SCAS (A4-AF) x 8/16/32-bit x none/REP/REPE/REPNE x DF 0/1, DS/ES/SS source overrides',
  undefinedFlags: 0,
  implicitRegs: (1 << ESI) | (1 << EDI) | (1 << ECX) | (1 << EAX),
  emit: emitString,
};

