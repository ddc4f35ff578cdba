/**
 * A bare CPU in flat 32-bit protected mode (no GDT in memory: the descriptor
 * caches are loaded directly), for instruction-level tests.
 */
import { Cpu } from '../../src/cpu.js';
import { PhysicalMemory } from '../../src/memory/physical-memory.js';

export const CODE_BASE = 0x1000;

export function flatMachine(ramBytes = 1 << 20, cpl = 0): Cpu {
  const cpu = new Cpu({ memory: new PhysicalMemory(ramBytes) });
  cpu.cr0 |= 1;
  cpu.cpl = cpl;
  cpu.updateModeMasks();
  const dpl = cpl << 5;
  for (let s = 0; s < 6; s++) {
    if (s === 1) cpu.setSegmentCache(s, 0x08 | cpl, 0, 0xffffffff, 0xc09b | dpl);
    else cpu.setSegmentCache(s, 0x10 | cpl, 0, 0xffffffff, 0xc093 | dpl);
  }
  cpu.reg32[4] = 0x8000;
  cpu.eip = CODE_BASE;
  return cpu;
}

/** Loads `code` at CODE_BASE followed by HLT and runs until it halts (or `budget` runs out). */
export function runCode(cpu: Cpu, code: number[] | Uint8Array, budget = 100_000): number {
  const bytes = Uint8Array.from([...code, 0xf4]);
  cpu.mem.load(CODE_BASE, bytes);
  cpu.eip = CODE_BASE;
  cpu.halted = false;
  return cpu.run(budget);
}
