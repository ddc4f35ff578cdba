/**
 * x86-run on small hand-written i386 programs (test/linux/programs/*.S, built
 * with the host's GNU as/ld): each runs natively and under x86-run, and the
 * output and exit status must agree. They cover the loader (ET_EXEC, static
 * PIE, the initial stack and auxv), system calls, paging faults, and signal
 * delivery with both frame layouts. Plus the runner's own error paths.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, X86_RUN } from './busybox-harness.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROGRAMS = join(HERE, 'programs');
const CACHE = join(PACKAGE_ROOT, 'node_modules', '.cache', 'x86-run-programs');

interface Built {
  path: string;
}

/** Assembles and links programs/NAME.S (static, or a static PIE); null when binutils cannot. */
function build(name: string, pie = false): Built | null {
  const src = join(PROGRAMS, `${name}.S`);
  const hash = createHash('sha256').update(readFileSync(src)).update(pie ? 'pie' : 'exec').digest('hex').slice(0, 12);
  const out = join(CACHE, `${name}-${hash}`);
  if (existsSync(out)) return { path: out };
  mkdirSync(CACHE, { recursive: true });
  const obj = `${out}.${process.pid}.o`;
  const tmp = `${out}.${process.pid}.tmp`;
  const as = spawnSync('as', ['--32', '-o', obj, src], { encoding: 'utf8' });
  if (as.status !== 0) return null;
  const ldArgs = pie ? ['-m', 'elf_i386', '-pie', '--no-dynamic-linker'] : ['-m', 'elf_i386', '-static'];
  const ld = spawnSync('ld', [...ldArgs, '-o', tmp, obj], { encoding: 'utf8' });
  rmSync(obj, { force: true });
  if (ld.status !== 0) return null;
  renameSync(tmp, out);
  return { path: out };
}

interface Result {
  stdout: string;
  stderr: string;
  status: number;
}

function run(cmd: string, args: string[], cwd?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const sig = signal === null ? 0 : (constants.signals as Record<string, number>)[signal] ?? 0;
      resolve({ stdout, stderr, status: code ?? 128 + sig });
    });
  });
}

/** Compiles programs/NAME.c with gcc -m32 -static; null when the host has no 32-bit toolchain. */
function buildC(name: string): Built | null {
  const src = join(PROGRAMS, `${name}.c`);
  const flags = ['-m32', '-static', '-O1'];
  const hash = createHash('sha256').update(readFileSync(src)).update(flags.join(' ')).digest('hex').slice(0, 12);
  const out = join(CACHE, `${name}-${hash}`);
  if (existsSync(out)) return { path: out };
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = spawnSync('gcc', [...flags, '-o', tmp, src, '-lm'], { encoding: 'utf8' });
  if (cc.status !== 0) {
    // In CI the toolchain is installed by scripts/setup.sh: a failure is an error, not a skip.
    if (process.env.CI) throw new Error(`gcc -m32 failed for ${name}.c:\n${cc.stderr}`);
    return null;
  }
  renameSync(tmp, out);
  return { path: out };
}

const canBuild = build('hello') !== null;
const canRunNative = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'ia32');

describe.skipIf(!canBuild || !canRunNative)('x86-run matches native runs of small i386 programs', () => {
  const cases: { name: string; program: string; args?: string[]; pie?: boolean; expectStatus: number }[] = [
    { name: 'write and exit status', program: 'hello', expectStatus: 7 },
    { name: 'static PIE (ET_DYN without PT_INTERP)', program: 'hello-pie', pie: true, expectStatus: 5 },
    { name: 'argv and the auxiliary vector', program: 'auxv', args: ['one', 'two words'], expectStatus: 0 },
    { name: 'page fault -> SIGSEGV (139)', program: 'faults', args: ['s'], expectStatus: 139 },
    { name: 'int3 -> SIGTRAP (133)', program: 'faults', args: ['t'], expectStatus: 133 },
    { name: 'ud2 -> SIGILL (132)', program: 'faults', args: ['u'], expectStatus: 132 },
    { name: 'divide error -> SIGFPE (136)', program: 'faults', args: ['d'], expectStatus: 136 },
    { name: 'tgkill SIGABRT to self (134)', program: 'faults', args: ['a'], expectStatus: 134 },
    { name: 'privileged instruction -> #GP -> SIGSEGV', program: 'faults', args: ['g'], expectStatus: 139 },
    { name: 'write to a read-only text page -> SIGSEGV', program: 'faults', args: ['w'], expectStatus: 139 },
    { name: 'SA_SIGINFO handler fixes the context; old-style frame and sigreturn', program: 'sigsegv-handler', expectStatus: 0 },
    { name: 'brk, mmap, set_thread_area, mprotect -> SEGV_ACCERR', program: 'memory', expectStatus: 42 },
  ];
  for (const c of cases) {
    it.concurrent(c.name, async () => {
      const prog = build(c.program, c.pie);
      expect(prog).not.toBeNull();
      const native = await run(prog!.path, c.args ?? []);
      const emulated = await run(X86_RUN, [prog!.path, ...(c.args ?? [])]);
      expect(native.status).toBe(c.expectStatus);
      expect(emulated).toEqual(native);
    });
  }
});

const libcTour = canRunNative ? buildC('libc-tour') : null;

describe.skipIf(libcTour === null)('x86-run runs a static glibc program like the host does', () => {
  it('libc-tour.c: signals, malloc, files, mmap, fork, pipes, readdir, SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x86-run-libc-'));
    try {
      writeFileSync(join(dir, 'some-file'), 'x');
      const native = await run(libcTour!.path, [], dir);
      const emulated = await run(X86_RUN, [libcTour!.path], dir);
      expect(native.status).toBe(143);
      expect(native.stdout).toContain('through a pipe');
      expect(emulated).toEqual(native);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const fpuSignals = canRunNative ? buildC('fpu-signals') : null;

describe.skipIf(fpuSignals === null)('x86-run keeps the x87 state of a program apart', () => {
  it('fpu-signals.c: rounding mode across a signal handler and a fork', async () => {
    const native = await run(fpuSignals!.path, []);
    const emulated = await run(X86_RUN, [fpuSignals!.path]);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain('after the handler: toward zero 1');
    expect(emulated).toEqual(native);
  });
});

describe('x86-run refuses what it cannot run, as a shell would', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x86-run-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing program: 127', async () => {
    const r = await run(X86_RUN, [join(dir, 'nope')]);
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/nope: No such file or directory/);
  });

  it('a file that is not ELF: 126', async () => {
    const f = join(dir, 'script');
    writeFileSync(f, 'echo hi\n', { mode: 0o755 });
    const r = await run(X86_RUN, [f]);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/not an ELF executable/);
  });

  it('a 64-bit ELF: 126', async () => {
    const r = await run(X86_RUN, [process.execPath, '--version']);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/not a 32-bit ELF/);
  });

  it('a directory: 126', async () => {
    const r = await run(X86_RUN, [dir]);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/Is a directory/);
  });

  it('a file without execute permission: 126', async () => {
    const f = join(dir, 'noexec');
    writeFileSync(f, '\x7fELF', { mode: 0o644 });
    const r = await run(X86_RUN, [f]);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/Permission denied/);
  });
});
