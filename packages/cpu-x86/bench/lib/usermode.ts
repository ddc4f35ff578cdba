/**
 * User-mode section: Debian's static i386 busybox running CPU-bound applets
 * on generated inputs, natively (the x86-64 host runs i386 binaries
 * directly), under qemu-i386 (Debian qemu-user) and under x86-run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, PACKAGE_DIR, runProcess, which, isExecutable, type ProcessResult } from './util.js';

export const DEFAULT_BUSYBOX = join(PACKAGE_DIR, '.cache', 'busybox', 'busybox');
/** bin/x86-run, or BENCH_X86_RUN (e.g. another checkout's runner). */
export const X86_RUN = process.env.BENCH_X86_RUN ?? join(PACKAGE_DIR, 'bin', 'x86-run');

export interface Program {
  name: string;
  /** busybox applet and arguments (input paths already filled in). */
  args: string[];
  inputBytes: number;
}

/** One engine's run of one program. */
export interface EngineRun {
  seconds: number | null;
  /** Guest instructions retired (x86-run --stats only). */
  instructions: number | null;
  /** The emulation time x86-run reports with --stats (wall time less start-up), if it does. */
  runSeconds?: number | null;
  /** instructions / runSeconds (or / seconds when x86-run reports no time of its own). */
  mips: number | null;
  /** SHA-256 of stdout, to check that every engine computed the same thing. */
  outputHash: string | null;
  runs: number;
  error: string | null;
}

export interface ProgramResult {
  program: string;
  inputBytes: number;
  native: EngineRun | null;
  qemu: EngineRun | null;
  x86run: EngineRun | null;
}

// --- deterministic inputs ----------------------------------------------------

/** xorshift32: the same bytes on every machine. */
function prng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

export function randomBytes(n: number, seed = 0x2545f491): Uint8Array {
  const out = new Uint8Array(n);
  const next = prng(seed);
  for (let i = 0; i + 4 <= n; i += 4) {
    const v = next();
    out[i] = v;
    out[i + 1] = v >>> 8;
    out[i + 2] = v >>> 16;
    out[i + 3] = v >>> 24;
  }
  for (let i = n & ~3; i < n; i++) out[i] = next();
  return out;
}

const WORDS = (
  'the of and to in is that it was for on are as with his they at be this from have or by one had not but what all ' +
  'were when we there can an your which their said if do will each about how up out them then she many some so these ' +
  'would other into has more her two like him see time could no make than first been its who now people my made over ' +
  'did down only way find use may water long little very after words called just where most know get through back ' +
  'much before go good new write our used me man too any day same right look think also around another came come work ' +
  'three word must because does part even place well such here take why things help put years different away again ' +
  'off went old number great tell men say small every found still between name should home big give air line set own ' +
  'under read last never us left end along while might next sound below saw something thought both few those always ' +
  'looked show large often together asked house world going want school important until form food keep children feet ' +
  'land side without boy once animals life enough took sometimes four head above kind began almost live page got earth'
).split(' ');

/** Pseudo-English text (words drawn with a skewed distribution, wrapped at ~72 columns). */
export function englishText(n: number, seed = 0x1234567): Uint8Array {
  const next = prng(seed);
  const parts: string[] = [];
  let size = 0;
  let col = 0;
  let sentenceStart = true;
  while (size < n) {
    const r = next();
    // squaring skews towards the frequent words at the front of the list
    const idx = Math.floor(((r & 0xffff) / 65536) ** 2 * WORDS.length);
    let w = WORDS[idx];
    if (sentenceStart) w = w[0].toUpperCase() + w.slice(1);
    sentenceStart = false;
    if ((r >>> 16) % 13 === 0) {
      w += '.';
      sentenceStart = true;
    } else if ((r >>> 16) % 7 === 0) w += ',';
    const sep = col + w.length + 1 > 72 ? '\n' : col === 0 ? '' : ' ';
    if (sep === '\n') col = 0;
    const piece = (sep === '\n' ? '\n' : sep) + w;
    col += piece.length - (sep === '\n' ? 1 : 0);
    parts.push(piece);
    size += piece.length;
  }
  return new TextEncoder().encode(parts.join('').slice(0, n - 1) + '\n');
}

/** Writes the inputs into `dir` (reused when already there with the right size). */
export function prepareInputs(dir: string, shaBytes: number, gzipBytes: number): Program[] {
  mkdirSync(dir, { recursive: true });
  const shaFile = join(dir, `random-${shaBytes}.bin`);
  const textFile = join(dir, `text-${gzipBytes}.txt`);
  if (!existsSync(shaFile) || statSync(shaFile).size !== shaBytes) writeFileSync(shaFile, randomBytes(shaBytes));
  if (!existsSync(textFile) || statSync(textFile).size !== gzipBytes) writeFileSync(textFile, englishText(gzipBytes));
  return [
    { name: `sha256sum ${mib(shaBytes)}`, args: ['sha256sum', shaFile], inputBytes: shaBytes },
    { name: `gzip -9 ${mib(gzipBytes)} text`, args: ['gzip', '-9', '-c', textFile], inputBytes: gzipBytes },
  ];
}

function mib(n: number): string {
  return n >= 1 << 20 ? `${+(n / (1 << 20)).toFixed(2)} MiB` : `${+(n / 1024).toFixed(1)} KiB`;
}

// --- engines ------------------------------------------------------------------

function hashOf(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

function failure(r: ProcessResult, timeoutMs: number): string | null {
  if (r.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
  if (r.code === 0) return null;
  const tail = r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300);
  return `exit ${r.code ?? r.signal}${tail ? `: ${tail}` : ''}`;
}

/** Runs `cmd args` `runs` times and keeps the median wall time. */
async function timed(cmd: string, args: string[], runs: number, timeoutMs: number): Promise<EngineRun> {
  const times: number[] = [];
  let hash: string | null = null;
  for (let i = 0; i < runs; i++) {
    const r = await runProcess(cmd, args, { timeoutMs });
    const err = failure(r, timeoutMs);
    if (err !== null) return { seconds: null, instructions: null, mips: null, outputHash: null, runs: i + 1, error: err };
    times.push(r.seconds);
    hash = hashOf(r.stdout);
  }
  return { seconds: median(times), instructions: null, mips: null, outputHash: hash, runs, error: null };
}

export function qemuMissing(): string | null {
  return which('qemu-i386') === null ? 'qemu-i386 not installed (apt-get install qemu-user)' : null;
}

export function x86RunMissing(): string | null {
  return isExecutable(X86_RUN) ? null : `x86-run not ready (${X86_RUN} missing)`;
}

/** Does this x86-run accept --stats? (asked once, from its --help text) */
let statsFlag: boolean | null = null;
async function x86RunHasStats(): Promise<boolean> {
  if (statsFlag === null) {
    try {
      const r = await runProcess(X86_RUN, ['--help'], { timeoutMs: 30_000 });
      statsFlag = /--stats\b/.test(r.stdout.toString() + r.stderr);
    } catch {
      statsFlag = false;
    }
  }
  return statsFlag;
}

/** Pulls "N instructions" / "instructions: N" out of x86-run's --stats output. */
export function parseInstructionCount(text: string): number | null {
  const m =
    /instructions(?:[ \t]+retired)?[ \t]*[:=][ \t]*([\d][\d,_ ]*\d|\d)/i.exec(text) ??
    /([\d][\d,_]*)[ \t]+instructions/i.exec(text);
  if (!m) return null;
  const n = Number(m[1].replace(/[,_ ]/g, ''));
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Pulls the "... instructions in 12.3 s" run time out of x86-run's --stats line. */
export function parseRunSeconds(text: string): number | null {
  const m = /instructions in ([\d.]+) ?s\b/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

export async function runNative(busybox: string, prog: Program, runs: number, timeoutMs: number): Promise<EngineRun> {
  return timed(busybox, prog.args, runs, timeoutMs);
}

export async function runQemu(busybox: string, prog: Program, runs: number, timeoutMs: number): Promise<EngineRun> {
  return timed('qemu-i386', [busybox, ...prog.args], runs, timeoutMs);
}

export async function runX86Run(busybox: string, prog: Program, timeoutMs: number): Promise<EngineRun> {
  const stats = await x86RunHasStats();
  const args = [...(stats ? ['--stats'] : []), busybox, ...prog.args];
  const r = await runProcess(X86_RUN, args, { timeoutMs, cwd: PACKAGE_DIR });
  const err = failure(r, timeoutMs);
  if (err !== null) return { seconds: null, instructions: null, mips: null, outputHash: null, runs: 1, error: err };
  const instructions = stats ? parseInstructionCount(r.stderr) : null;
  const runSeconds = stats ? parseRunSeconds(r.stderr) : null;
  return {
    seconds: r.seconds,
    instructions,
    runSeconds,
    mips: instructions === null ? null : instructions / (runSeconds ?? r.seconds) / 1e6,
    outputHash: hashOf(r.stdout),
    runs: 1,
    error: null,
  };
}
