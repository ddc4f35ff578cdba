/**
 * The bare-metal guest: bench/guest/loops.asm (the timed loops) and
 * bench/guest/boot.asm (a floppy boot sector for emulators that start from a
 * PC BIOS), assembled once with nasm. Also the parameter block, the expected
 * instruction counts and the parser for the port 0xE9 marker stream.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, CACHE_DIR, which } from './util.js';

export const GUEST_DIR = join(BENCH_DIR, 'guest');

/** Where loops.asm is ORG'd and loaded, and where its parameter block sits. */
export const LOAD_ADDR = 0x10000;
export const PARAMS_OFFSET = 8;
export const PARAMS_MAGIC = 'XTSB';
/** Guest RAM every emulator gets for the loops. */
export const GUEST_RAM = 64 << 20;
const FLOPPY_BYTES = 1474560;

export interface LoopParams {
  /** Iterations of the 6-instruction ALU loop. */
  aluIters: number;
  /** Passes over the array in the memory loop. */
  memPasses: number;
  /** Array size in dwords (at most 1 Mi = 4 MiB, the identity-mapped window). */
  memDwords: number;
}

/** Guest instructions between the start and end markers of each section (see loops.asm). */
export function expectedInstructions(p: LoopParams): { alu: number; mem: number } {
  return {
    alu: 6 * p.aluIters + 6,
    mem: p.memPasses * (6 * p.memDwords + 5) + 4,
  };
}

export interface GuestImages {
  /** loops.asm, to be loaded at LOAD_ADDR (parameters not yet patched). */
  loops: Uint8Array;
  /** boot.asm, one 512-byte sector. */
  bootSector: Uint8Array;
}

/** Assembles both files (cached under node_modules/.cache/bench/guest). Throws if nasm is missing. */
export function assembleGuest(): GuestImages {
  const nasm = which('nasm');
  if (nasm === null) throw new Error('nasm not installed (apt-get install nasm)');
  const out = join(CACHE_DIR, 'guest');
  mkdirSync(out, { recursive: true });
  const loopsBin = join(out, 'loops.bin');
  execFileSync(nasm, ['-f', 'bin', '-o', loopsBin, join(GUEST_DIR, 'loops.asm')]);
  const loops = new Uint8Array(readFileSync(loopsBin));
  const sectors = Math.ceil(loops.length / 512);
  if (sectors > 17) throw new Error('loops.asm image too big for one floppy track');
  const bootBin = join(out, 'boot.bin');
  execFileSync(nasm, ['-f', 'bin', `-DIMAGE_SECTORS=${sectors}`, '-o', bootBin, join(GUEST_DIR, 'boot.asm')]);
  const bootSector = new Uint8Array(readFileSync(bootBin));
  const magic = new TextDecoder().decode(loops.subarray(PARAMS_OFFSET, PARAMS_OFFSET + 4));
  if (magic !== PARAMS_MAGIC) throw new Error(`loops.bin: parameter block not found (got ${JSON.stringify(magic)})`);
  return { loops, bootSector };
}

/** A copy of the loops image with the iteration counts written into its parameter block. */
export function patchParams(loops: Uint8Array, p: LoopParams): Uint8Array {
  if (p.memDwords > 1 << 20) throw new RangeError('memDwords: the array window is 4 MiB');
  const img = loops.slice();
  const dv = new DataView(img.buffer);
  dv.setUint32(PARAMS_OFFSET + 4, p.aluIters, true);
  dv.setUint32(PARAMS_OFFSET + 8, p.memPasses, true);
  dv.setUint32(PARAMS_OFFSET + 12, p.memDwords, true);
  return img;
}

/** A 1.44 MB floppy: boot sector, then the patched loops image from sector 2. */
export function floppyImage(images: GuestImages, p: LoopParams): Uint8Array {
  const img = new Uint8Array(FLOPPY_BYTES);
  img.set(images.bootSector, 0);
  img.set(patchParams(images.loops, p), 512);
  return img;
}

/** One marker byte written to port 0xE9, with the wall time it arrived. */
export interface Marker {
  byte: number;
  ms: number;
}

export interface SectionTiming {
  /** Wall time between the section's start and end markers. */
  seconds: number;
  /** Guest instructions in that window (from loops.asm's arithmetic). */
  instructions: number;
  mips: number;
  /** The checksum the guest printed after the section (same value expected everywhere). */
  checksum: string | null;
}

export interface LoopResult {
  alu: SectionTiming | null;
  mem: SectionTiming | null;
  /** Everything the guest wrote to port 0xE9. */
  output: string;
  /** Set when the guest did not reach the end marker. */
  error: string | null;
}

/** Turns the marker stream into section timings; `error` names what went wrong if a marker is missing. */
export function analyseMarkers(markers: Marker[], p: LoopParams, error: string | null = null): LoopResult {
  const output = String.fromCharCode(...markers.map((m) => m.byte));
  const expected = expectedInstructions(p);
  const section = (start: string, end: string, instructions: number): SectionTiming | null => {
    const s = markers.findIndex((m) => m.byte === start.charCodeAt(0));
    const e = markers.findIndex((m) => m.byte === end.charCodeAt(0));
    if (s < 0 || e < 0 || e < s) return null;
    const seconds = (markers[e].ms - markers[s].ms) / 1000;
    const after = output.slice(e + 1);
    const sum = /^=([0-9A-F]{8});/.exec(after);
    return { seconds, instructions, mips: instructions / seconds / 1e6, checksum: sum ? sum[1] : null };
  };
  const bang = output.indexOf('!');
  if (error === null && bang >= 0) {
    const vec = output.charCodeAt(bang + 1) - 0x40;
    error = `guest exception #${vec} (${EXCEPTION_NAMES[vec] ?? '?'})`;
  }
  if (error === null && !output.includes('Q')) error = `guest stopped early (output ${JSON.stringify(output)})`;
  return {
    alu: section('A', 'a', expected.alu),
    mem: section('M', 'm', expected.mem),
    output,
    error,
  };
}

const EXCEPTION_NAMES: Record<number, string> = {
  0: 'DE', 1: 'DB', 3: 'BP', 4: 'OF', 5: 'BR', 6: 'UD', 7: 'NM', 8: 'DF', 10: 'TS', 11: 'NP', 12: 'SS', 13: 'GP', 14: 'PF',
  16: 'MF', 17: 'AC',
};
