/**
 * What bench/profile.ts profiles: one section of the bare-metal loops in
 * cpu-x86 (bundled by esbuild so the profile maps back to the sources).
 *   node --cpu-prof target.mjs <alu|mem> [scale]
 */
import { assembleGuest, type LoopParams } from '../lib/guest.js';
import { runCpuX86Loops } from '../lib/cpu-x86-loops.js';

const section = process.argv[2] === 'mem' ? 'mem' : 'alu';
const scale = Number(process.argv[3] ?? '1');
// memPasses must be >= 1 (the loop counts down with DEC/JNZ).
const p: LoopParams =
  section === 'alu'
    ? { aluIters: Math.round(10_000_000 * scale), memPasses: 1, memDwords: 1024 }
    : { aluIters: 1, memPasses: Math.max(1, Math.round(8 * scale)), memDwords: 1 << 20 };
const r = runCpuX86Loops(assembleGuest().loops, p);
const s = section === 'alu' ? r.alu : r.mem;
process.stdout.write(`${JSON.stringify({ section, mips: s?.mips ?? null, seconds: s?.seconds ?? null, error: r.error })}\n`);
