// Builds the guests: writes the generated ABI header, then runs `make` (incremental).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCHeader } from '@xen-ts/abi';

/** The package root (holds Makefile, lib/, guests/, build/). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = join(PACKAGE_DIR, 'build');

export type Layout = '2level' | 'pae';
export const LAYOUTS: readonly Layout[] = ['2level', 'pae'];

/** Path of a built guest image: build/<layout>/<name>.elf. */
export function guestPath(name: string, layout: Layout): string {
  return join(BUILD_DIR, layout, `${name}.elf`);
}

const SETUP_HINT = 'run scripts/setup.sh in the repository root (it installs gcc, gcc-multilib and make)';

/** Fails with a clear message unless gcc can build i386 code and make is present. */
function checkToolchain(): void {
  const make = spawnSync('make', ['--version'], { encoding: 'utf8' });
  if (make.error || make.status !== 0) throw new Error(`test-guests: 'make' was not found; ${SETUP_HINT}`);
  const gcc = spawnSync('gcc', ['-m32', '-ffreestanding', '-x', 'c', '-c', '-o', '/dev/null', '-'], {
    input: '#include <stdint.h>\nuint32_t x;\n',
    encoding: 'utf8',
  });
  if (gcc.error) throw new Error(`test-guests: gcc was not found; ${SETUP_HINT}`);
  if (gcc.status !== 0) {
    throw new Error(`test-guests: gcc cannot build i386 code (-m32): ${gcc.stderr.trim()}; ${SETUP_HINT}`);
  }
}

const HEADER_PATH = join(BUILD_DIR, 'include', 'xen-ts-abi.h');

/** Writes build/include/xen-ts-abi.h only when it changed, so make stays incremental. */
function writeHeader(): void {
  const path = HEADER_PATH;
  const text = generateCHeader();
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename: a concurrent build never sees a half-written header.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Builds every guest for both layouts (synchronous). Throws when the toolchain is missing.
 *  Safe to call from several test files or processes at once: make runs under flock(1). */
export function buildGuests(options: { quiet?: boolean } = {}): void {
  checkToolchain();
  mkdirSync(BUILD_DIR, { recursive: true });
  const make = ['make', '-C', PACKAGE_DIR, '-j2', '--no-print-directory'];
  const hasFlock = spawnSync('flock', ['--version'], { encoding: 'utf8' }).status === 0;
  const [cmd, ...args] = hasFlock ? ['flock', join(BUILD_DIR, '.lock'), ...make] : make;
  writeHeader();
  try {
    execFileSync(cmd!, args, {
      stdio: options.quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit',
      encoding: 'utf8',
    });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`test-guests: make failed${stderr ? `:\n${stderr}` : ''}`);
  }
}
