/**
 * Runs the bare-metal loops in v86 (npm `v86`, WebAssembly), headless in
 * Node: the floppy image boots with the Bochs BIOS (v86's npm package ships
 * no BIOS; its docs list SeaBIOS and Bochs BIOS as supported). Port 0xE9 is
 * hooked through v86's I/O bus, so each marker is timed synchronously from
 * inside the emulated OUT instruction.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { analyseMarkers, GUEST_RAM, type LoopParams, type LoopResult, type Marker } from './guest.js';
import { BOCHS_BIOS, VGA_BIOS } from './bochs-loops.js';
import { isReadable } from './util.js';

/** The v86 package directory, or null if it is not installed. */
export function v86PackageDir(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return dirname(require.resolve('v86/package.json'));
  } catch {
    return null;
  }
}

/** Why v86 cannot run here, or null when it can. */
export function v86Missing(): string | null {
  if (v86PackageDir() === null) return 'npm package v86 not installed (pnpm add -D v86)';
  if (!isReadable(BOCHS_BIOS)) return `no BIOS for v86: ${BOCHS_BIOS} missing (apt-get install bochsbios)`;
  if (!isReadable(VGA_BIOS)) return `no VGA BIOS for v86: ${VGA_BIOS} missing (apt-get install vgabios)`;
  return null;
}

/** The part of v86's internals the bench uses (not in v86.d.ts). */
interface V86Internals {
  v86: { cpu: { io: { register_write(port: number, device: object, w8: (byte: number) => void): void } } };
}

export interface V86LoopResult extends LoopResult {
  jit: boolean;
  /** Seconds from creating the emulator to the guest's first marker (BIOS boot). */
  bootSeconds: number | null;
  /** v86's own instruction counter over each section (it lags: it is updated per basic block). */
  counted: { alu: number | null; mem: number | null };
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export async function runV86Loops(floppy: Uint8Array, p: LoopParams, jit: boolean, timeoutMs: number): Promise<V86LoopResult> {
  const dir = v86PackageDir();
  if (dir === null) throw new Error('v86 not installed');
  const { V86 } = await import('v86');
  const markers: Marker[] = [];
  const counters: number[] = [];
  const start = performance.now();
  const emulator = new V86({
    wasm_path: join(dir, 'build', 'v86.wasm'),
    bios: { buffer: toArrayBuffer(readFileSync(BOCHS_BIOS)) },
    vga_bios: { buffer: toArrayBuffer(readFileSync(VGA_BIOS)) },
    fda: { buffer: toArrayBuffer(floppy) },
    memory_size: GUEST_RAM,
    autostart: true,
    disable_jit: !jit,
    fastboot: true,
  });
  let error: string | null = null;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      error = `timed out after ${Math.round(timeoutMs / 1000)} s`;
      resolve();
    }, timeoutMs);
    emulator.add_listener('emulator-ready', () => {
      const internals = emulator as unknown as V86Internals;
      internals.v86.cpu.io.register_write(0xe9, {}, (byte: number) => {
        markers.push({ byte, ms: performance.now() });
        counters.push(emulator.get_instruction_counter());
        const last = markers.length > 1 ? markers[markers.length - 2].byte : 0;
        if (byte === 0x51 /* Q */ || last === 0x21 /* ! */) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
  await emulator.stop();
  await emulator.destroy();
  const r = analyseMarkers(markers, p, error);
  const counted = (s: string, e: string): number | null => {
    const i = markers.findIndex((m) => m.byte === s.charCodeAt(0));
    const j = markers.findIndex((m) => m.byte === e.charCodeAt(0));
    return i >= 0 && j > i ? (counters[j] - counters[i]) >>> 0 : null;
  };
  return {
    ...r,
    jit,
    bootSeconds: markers.length > 0 ? (markers[0].ms - start) / 1000 : null,
    counted: { alu: counted('A', 'a'), mem: counted('M', 'm') },
  };
}
