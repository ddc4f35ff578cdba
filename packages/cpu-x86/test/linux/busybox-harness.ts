/**
 * Runs Debian's static i386 busybox natively and under x86-run, for the
 * comparison tests in ../busybox.test.ts. The binary comes from
 * scripts/fetch-busybox.sh (cached in .cache/busybox).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT = resolve(HERE, '..', '..');
export const BUSYBOX = join(PACKAGE_ROOT, '.cache', 'busybox', 'busybox');
/** The runner under test: bin/x86-run, or another command in X86_RUN (e.g. a built copy). */
export const X86_RUN = process.env.X86_RUN ?? join(PACKAGE_ROOT, 'bin', 'x86-run');

/** Makes sure the busybox binary is there; returns why not when it cannot be had. */
export function ensureBusybox(): string | null {
  if (existsSync(BUSYBOX)) return null;
  const r = spawnSync('bash', [join(PACKAGE_ROOT, 'scripts', 'fetch-busybox.sh')], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0 && existsSync(BUSYBOX)) return null;
  return `busybox-static:i386 is not available (${(r.stderr || r.error?.message || 'fetch failed').trim()}); ` +
    'run packages/cpu-x86/scripts/fetch-busybox.sh on a Debian host with access to the Debian archive';
}

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit status as a shell reports it: the code, or 128 + signal number. */
  status: number;
}

export interface RunOptions {
  stdin?: string | Buffer;
  cwd: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

function run(cmd: string, args: string[], o: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const sig = signal === null ? 0 : (constants.signals as Record<string, number>)[signal] ?? 0;
      resolvePromise({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status: code ?? 128 + sig });
    });
    child.stdin.on('error', () => {
      // the program did not read all of its input
    });
    child.stdin.end(o.stdin ?? '');
  });
}

export function runNative(args: string[], o: RunOptions): Promise<RunResult> {
  return run(BUSYBOX, args, o);
}

export function runEmulated(args: string[], o: RunOptions): Promise<RunResult> {
  return run(X86_RUN, [BUSYBOX, ...args], o);
}
