/**
 * Child process for the memory figure: the host RSS of a Cpu with 64 MiB of
 * guest RAM after it has run the loops, measured in a fresh Node process.
 *   tsx bench/child/rss.ts <aluIters> <memPasses> <memDwords>
 * Prints one JSON line.
 */
import { assembleGuest, GUEST_RAM, type LoopParams } from '../lib/guest.js';
import { runCpuX86Loops } from '../lib/cpu-x86-loops.js';

function snapshot(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

function main(): void {
  const [alu, passes, dwords] = process.argv.slice(2).map(Number);
  const p: LoopParams = { aluIters: alu, memPasses: passes, memDwords: dwords };
  const images = assembleGuest();
  global.gc?.();
  // Node + tsx + the cpu-x86 modules, before any Cpu exists.
  const baseline = snapshot();
  const { cpu, error } = runCpuX86Loops(images.loops, p);
  global.gc?.();
  const after = snapshot();
  process.stdout.write(
    `${JSON.stringify({
      guestRamBytes: GUEST_RAM,
      guestRamTouchedBytes: touchedBytes(cpu.ram),
      baseline,
      after,
      instructions: cpu.instructions,
      error,
    })}\n`,
  );
}

/** Guest RAM pages (4 KiB) holding any non-zero byte: a lower bound on what the guest touched. */
function touchedBytes(ram: Uint8Array): number {
  const words = new Int32Array(ram.buffer, ram.byteOffset, ram.byteLength >> 2);
  let pages = 0;
  for (let page = 0; page < words.length; page += 1024) {
    for (let i = page; i < page + 1024; i++) {
      if (words[i] !== 0) {
        pages++;
        break;
      }
    }
  }
  return pages * 4096;
}

main();
