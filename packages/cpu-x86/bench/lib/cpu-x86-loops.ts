/**
 * Runs the bare-metal loops in cpu-x86, set up through the Cpu API in the
 * state boot.asm leaves a PC in: flat 32-bit protected mode with the same GDT
 * (so exceptions can be delivered through the guest's IDT), ESP = 0x90000,
 * EIP = the loops image.
 */
import { Cpu, StopReason } from '../../src/cpu.js';
import { IoBus } from '../../src/memory/io-bus.js';
import { PhysicalMemory } from '../../src/memory/physical-memory.js';
import { analyseMarkers, GUEST_RAM, LOAD_ADDR, type LoopParams, type LoopResult, type Marker, patchParams } from './guest.js';

const GDT_ADDR = 0x7e00;
/** null, 0x08 flat 32-bit code, 0x10 flat data: the descriptors of boot.asm. */
const GDT = [0, 0, 0x0000ffff, 0x00cf9a00, 0x0000ffff, 0x00cf9200];

/** Instructions per `cpu.run()` call; the markers are timed inside the call. */
const SLICE = 1 << 22;

export function createLoopCpu(loops: Uint8Array, p: LoopParams, onMarker: (byte: number) => void): Cpu {
  const io = new IoBus();
  io.onWrite(0xe9, (v) => onMarker(v & 0xff));
  const mem = new PhysicalMemory(GUEST_RAM);
  const cpu = new Cpu({ memory: mem, io });
  for (let i = 0; i < GDT.length; i++) mem.write32(GDT_ADDR + i * 4, GDT[i]);
  mem.load(LOAD_ADDR, patchParams(loops, p));
  cpu.gdtrBase = GDT_ADDR;
  cpu.gdtrLimit = GDT.length * 4 - 1;
  cpu.cr0 |= 1;
  cpu.cpl = 0;
  cpu.updateModeMasks();
  for (let s = 0; s < 6; s++) {
    if (s === 1) cpu.setSegmentCache(s, 0x08, 0, 0xffffffff, 0xc09b);
    else cpu.setSegmentCache(s, 0x10, 0, 0xffffffff, 0xc093);
  }
  cpu.reg32[4] = 0x90000;
  cpu.eip = LOAD_ADDR;
  return cpu;
}

export interface CpuX86LoopResult extends LoopResult {
  /** Instructions cpu-x86 counted between the markers (should equal the expected counts). */
  counted: { alu: number | null; mem: number | null };
  cpu: Cpu;
}

/** Runs the loops to the end (or to `maxInstructions`) and times the sections. */
export function runCpuX86Loops(loops: Uint8Array, p: LoopParams, maxInstructions = 20e9): CpuX86LoopResult {
  const markers: Marker[] = [];
  const counts: number[] = [];
  let cpuRef: Cpu | null = null;
  const cpu = createLoopCpu(loops, p, (byte) => {
    markers.push({ byte, ms: performance.now() });
    counts.push(cpuRef === null ? 0 : cpuRef.instructions);
  });
  cpuRef = cpu;
  let error: string | null = null;
  try {
    for (;;) {
      const why = cpu.run(SLICE);
      if (why === StopReason.Halt) break;
      if (why === StopReason.Shutdown) {
        error = `triple fault (last exception #${cpu.excVector} at eip ${(cpu.instrStart >>> 0).toString(16)})`;
        break;
      }
      if (cpu.instructions > maxInstructions) {
        error = `did not finish within ${maxInstructions} instructions`;
        break;
      }
    }
  } catch (e) {
    error = `host exception: ${(e as Error).message ?? String(e)} at eip ${(cpu.instrStart >>> 0).toString(16)}`;
  }
  const result = analyseMarkers(markers, p, error);
  const counted = (start: string, end: string): number | null => {
    const s = markers.findIndex((m) => m.byte === start.charCodeAt(0));
    const e = markers.findIndex((m) => m.byte === end.charCodeAt(0));
    return s >= 0 && e > s ? counts[e] - counts[s] : null;
  };
  return { ...result, counted: { alu: counted('A', 'a'), mem: counted('M', 'm') }, cpu };
}
