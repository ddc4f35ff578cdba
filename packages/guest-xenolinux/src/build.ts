// Builds the kernel: writes the generated ABI header, then runs `make` (incremental, under flock).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCHeader } from '@xen-ts/abi';

/** The package root (holds Makefile, arch/, kernel/, include/, lib/, build/). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = join(PACKAGE_DIR, 'build');

/** Absolute path of the kernel image (2-level layout, Xen ELF notes). */
export function kernelPath(): string {
  return join(BUILD_DIR, 'xenolinux.elf');
}

const SETUP_HINT = 'run scripts/setup.sh in the repository root (it installs gcc, gcc-multilib and make)';

function checkToolchain(): void {
  const make = spawnSync('make', ['--version'], { encoding: 'utf8' });
  if (make.error || make.status !== 0) throw new Error(`guest-xenolinux: 'make' was not found; ${SETUP_HINT}`);
  const gcc = spawnSync('gcc', ['-m32', '-ffreestanding', '-x', 'c', '-c', '-o', '/dev/null', '-'], {
    input: '#include <stdint.h>\nuint32_t x;\n',
    encoding: 'utf8',
  });
  if (gcc.error) throw new Error(`guest-xenolinux: gcc was not found; ${SETUP_HINT}`);
  if (gcc.status !== 0) {
    throw new Error(`guest-xenolinux: gcc cannot build i386 code (-m32): ${gcc.stderr.trim()}; ${SETUP_HINT}`);
  }
}

/** Writes build/include/xen-ts-abi.h only when it changed, so make stays incremental. */
function writeHeader(): void {
  const path = join(BUILD_DIR, 'include', 'xen-ts-abi.h');
  const text = generateCHeader();
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`; // write then rename: no reader sees half a header
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Builds the kernel (synchronous). Throws with make's stderr when the build fails.
 *  Safe from several test files or processes at once: make runs under flock(1). */
export function buildKernel(options: { quiet?: boolean } = {}): string {
  checkToolchain();
  mkdirSync(BUILD_DIR, { recursive: true });
  const make = ['make', '-C', PACKAGE_DIR, '-j2', '--no-print-directory'];
  const hasFlock = spawnSync('flock', ['--version'], { encoding: 'utf8' }).status === 0;
  const [cmd, ...args] = hasFlock ? ['flock', join(BUILD_DIR, '.lock'), ...make] : make;
  writeHeader();
  try {
    execFileSync(cmd!, args, { stdio: options.quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit', encoding: 'utf8' });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`guest-xenolinux: make failed${stderr ? `:\n${stderr}` : ''}`);
  }
  return kernelPath();
}
