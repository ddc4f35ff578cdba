// Runs DiffCases on the host CPU through the 32-bit harness (native/harness.c).
// The harness is compiled on demand and cached by the hash of its source.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CODE_MAX,
  DATA_SIZE,
  STACK_WINDOW_SIZE,
  type DiffCase,
  type DiffResult,
} from './diff-case.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'native', 'harness.c');
const PACKAGE_ROOT = resolve(HERE, '..', '..');
const CACHE_DIR = join(PACKAGE_ROOT, 'node_modules', '.cache', 'diff');
const CFLAGS = ['-m32', '-static', '-O1', '-fno-pie', '-no-pie', '-Wall'];

const MAGIC = 0x31464458; // "XDF1", see native/harness.c
const IN_HEADER = 10 * 4;
const OUT_HEADER = 15 * 4;
const OUT_RECORD = OUT_HEADER + DATA_SIZE + STACK_WINDOW_SIZE;
const STATUS_FAULT = 1;
const STATUS_TIMEOUT = 2;

export interface NativeOptions {
  /** Cases per harness process (default 4096). */
  batchSize?: number;
  /** Wall-clock limit for one batch in ms (default 120 s). */
  timeoutMs?: number;
}

let builtPath: string | undefined;

/** True when `gcc -m32` can build the harness (or it is already cached). */
export function nativeAvailable(): boolean {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'ia32')) return false;
  try {
    harnessPath();
    return true;
  } catch {
    return false;
  }
}

/** Path of the compiled harness, building it when the source changed. */
export function harnessPath(): string {
  if (builtPath !== undefined) return builtPath;
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).update(CFLAGS.join(' ')).digest('hex').slice(0, 16);
  const target = join(CACHE_DIR, `harness-${hash}`);
  if (!existsSync(target)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Build under a private name, then rename: parallel test workers may race.
    const tmp = `${target}.${process.pid}.tmp`;
    const r = spawnSync('gcc', [...CFLAGS, '-o', tmp, SOURCE], { encoding: 'utf8' });
    if (r.error !== undefined || r.status !== 0) {
      rmSync(tmp, { force: true });
      const why = r.error !== undefined ? r.error.message : r.stderr;
      throw new Error(`building the diff harness failed (need gcc -m32; apt-get install gcc-multilib):\n${why}`);
    }
    renameSync(tmp, target);
  }
  builtPath = target;
  return target;
}

/** Serialises cases into the harness input format. */
export function encodeCases(cases: readonly DiffCase[]): Buffer {
  let size = 4 + 4;
  for (const c of cases) size += IN_HEADER + DATA_SIZE + STACK_WINDOW_SIZE + c.code.length;
  const buf = Buffer.alloc(size);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  dv.setUint32(0, MAGIC, true);
  let o = 4;
  for (const c of cases) {
    if (c.code.length > CODE_MAX) throw new Error(`case code too long: ${c.code.length} > ${CODE_MAX}`);
    if (c.regs.length !== 8) throw new Error('case needs 8 registers');
    if (c.data.length !== DATA_SIZE) throw new Error(`case data must be ${DATA_SIZE} bytes`);
    dv.setUint32(o, c.code.length, true);
    for (let i = 0; i < 8; i++) dv.setUint32(o + 4 + i * 4, c.regs[i]! >>> 0, true);
    dv.setUint32(o + 36, c.eflags >>> 0, true);
    o += IN_HEADER;
    buf.set(c.data, o);
    o += DATA_SIZE;
    if (c.stack !== undefined) {
      if (c.stack.length !== STACK_WINDOW_SIZE) throw new Error(`case stack must be ${STACK_WINDOW_SIZE} bytes`);
      buf.set(c.stack, o);
    }
    o += STACK_WINDOW_SIZE;
    buf.set(c.code, o);
    o += c.code.length;
  }
  dv.setUint32(o, 0xffff_ffff, true);
  return buf;
}

/** Parses harness output into results. */
export function decodeResults(out: Uint8Array, count: number): DiffResult[] {
  const dv = new DataView(out.buffer, out.byteOffset, out.length);
  if (out.length < 4 || dv.getUint32(0, true) !== MAGIC) throw new Error('diff harness: bad output magic');
  if (out.length !== 4 + count * OUT_RECORD) {
    throw new Error(`diff harness: expected ${count} results, got ${(out.length - 4) / OUT_RECORD}`);
  }
  const u32 = (at: number): number => dv.getUint32(at, true);
  const results: DiffResult[] = [];
  for (let i = 0; i < count; i++) {
    const o = 4 + i * OUT_RECORD;
    const status = u32(o);
    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = u32(o + 24 + r * 4);
    const d = out.byteOffset + o + OUT_HEADER;
    results.push({
      fault:
        status === STATUS_FAULT
          ? { vector: u32(o + 8), errorCode: u32(o + 12), eip: u32(o + 16), cr2: u32(o + 20), signal: u32(o + 4) }
          : null,
      timeout: status === STATUS_TIMEOUT,
      regs,
      eflags: u32(o + 56),
      // Views into the batch output (no copy); each result owns its slice.
      data: new Uint8Array(out.buffer, d, DATA_SIZE),
      stack: new Uint8Array(out.buffer, d + DATA_SIZE, STACK_WINDOW_SIZE),
    });
  }
  return results;
}

/** Runs the cases on the host CPU; one harness process per batch. */
export function runNative(cases: readonly DiffCase[], options: NativeOptions = {}): DiffResult[] {
  const exe = harnessPath();
  const batch = options.batchSize ?? 4096;
  const results: DiffResult[] = [];
  for (let start = 0; start < cases.length; start += batch) {
    const slice = cases.slice(start, start + batch);
    const r = spawnSync(exe, [], {
      input: encodeCases(slice),
      maxBuffer: 4 + slice.length * OUT_RECORD + 1024,
      timeout: options.timeoutMs ?? 120_000,
    });
    if (r.error !== undefined) throw new Error(`diff harness failed: ${r.error.message}`);
    if (r.status !== 0) {
      throw new Error(`diff harness exited with ${r.status ?? r.signal}: ${r.stderr.toString()}`);
    }
    results.push(...decodeResults(r.stdout, slice.length));
  }
  return results;
}
