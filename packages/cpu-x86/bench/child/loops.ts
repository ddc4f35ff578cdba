/**
 * Child process for one bare-metal run, so that each emulator gets a fresh
 * Node process (no JIT or GC state from the others):
 *   tsx bench/child/loops.ts <cpu-x86|v86-interp|v86-jit> <aluIters> <memPasses> <memDwords> <timeoutMs>
 * Prints one JSON line (a LoopResult) on stdout.
 */
import { assembleGuest, floppyImage, type LoopParams } from '../lib/guest.js';
import { runCpuX86Loops } from '../lib/cpu-x86-loops.js';
import { runV86Loops } from '../lib/v86-loops.js';

async function main(): Promise<void> {
  const [which, alu, passes, dwords, timeout] = process.argv.slice(2);
  const p: LoopParams = { aluIters: Number(alu), memPasses: Number(passes), memDwords: Number(dwords) };
  const images = assembleGuest();
  let result: object;
  if (which === 'cpu-x86') {
    const { cpu, ...rest } = runCpuX86Loops(images.loops, p);
    result = { ...rest, tlbMisses: cpu.tlbMisses };
  } else if (which === 'v86-interp' || which === 'v86-jit') {
    result = await runV86Loops(floppyImage(images, p), p, which === 'v86-jit', Number(timeout));
  } else {
    throw new Error(`unknown emulator ${which}`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // v86 may leave timers behind; the result is out.
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
