/** Small helpers shared by the bench scripts. */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/cpu-x86 (overridable for bundled copies of these scripts, see profile.ts). */
export const PACKAGE_DIR = process.env.XEN_TS_BENCH_PACKAGE_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = join(PACKAGE_DIR, 'bench');
/** Machine-specific outputs (results, assembled guest, inputs) stay out of git. */
export const CACHE_DIR = join(PACKAGE_DIR, 'node_modules', '.cache', 'bench');

/** The absolute path of an executable on PATH, or null. */
export function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  seconds: number;
  timedOut: boolean;
}

/** Runs a command to completion (or `timeoutMs`), timing it with the wall clock. */
export function runProcess(
  cmd: string,
  args: string[],
  options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; stdinFile?: string } = {},
): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 1 << 16) err += d.toString();
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - start) / 1000;
      if (timer) clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: err, seconds, timedOut });
    });
  });
}

/**
 * Runs one of the bench's child scripts (`bench/child/*.ts`) in a fresh Node
 * process through tsx and parses the JSON it prints on its last stdout line.
 */
export async function runChildScript<T>(script: string, args: string[], timeoutMs: number, nodeArgs: string[] = []): Promise<T> {
  const r = await runProcess(process.execPath, [...nodeArgs, '--import', 'tsx', join(BENCH_DIR, script), ...args], {
    cwd: PACKAGE_DIR,
    timeoutMs,
  });
  if (r.timedOut) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`);
  const lines = r.stdout.toString().trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    const why = r.stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${r.code ?? r.signal}`;
    throw new Error(why);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
