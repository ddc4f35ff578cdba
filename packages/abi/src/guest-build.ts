// Building a freestanding i386 guest (C and assembly, gcc -m32) against the generated ABI
// header: the toolchain check with a message that says what to install, the header written only
// when it changed (so make stays incremental), and make run under flock(1) so several test
// files or processes can build at once. Node only: import it from `@xen-ts/abi/build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateCHeader } from './c-header.js';

const SETUP_HINT = 'run scripts/setup.sh in the repository root (it installs gcc, gcc-multilib and make)';

export interface GuestBuild {
  /** Names the project in error messages, e.g. `test-guests`. */
  readonly label: string;
  /** Where the Makefile is. */
  readonly projectDir: string;
  /** Where build output goes; the header lands in `<buildDir>/include/xen-ts-abi.h`. */
  readonly buildDir: string;
}

/** Fails with a clear message unless make is present and gcc can build i386 code. */
export function checkI386Toolchain(label: string): void {
  const make = spawnSync('make', ['--version'], { encoding: 'utf8' });
  if (make.error || make.status !== 0) throw new Error(`${label}: 'make' was not found; ${SETUP_HINT}`);
  const gcc = spawnSync('gcc', ['-m32', '-ffreestanding', '-x', 'c', '-c', '-o', '/dev/null', '-'], {
    input: '#include <stdint.h>\nuint32_t x;\n',
    encoding: 'utf8',
  });
  if (gcc.error) throw new Error(`${label}: gcc was not found; ${SETUP_HINT}`);
  if (gcc.status !== 0) throw new Error(`${label}: gcc cannot build i386 code (-m32): ${gcc.stderr.trim()}; ${SETUP_HINT}`);
}

/** Writes the generated header to `path` unless it already holds exactly that text. */
export function writeCHeaderFile(path: string): void {
  const text = generateCHeader();
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`; // write then rename: no concurrent build sees half a header
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Builds the project (synchronous, incremental). Throws with make's stderr when it fails. */
export function buildGuestProject(b: GuestBuild, options: { quiet?: boolean } = {}): void {
  checkI386Toolchain(b.label);
  mkdirSync(b.buildDir, { recursive: true });
  const make = ['make', '-C', b.projectDir, '-j2', '--no-print-directory'];
  const hasFlock = spawnSync('flock', ['--version'], { encoding: 'utf8' }).status === 0;
  const [cmd, ...args] = hasFlock ? ['flock', join(b.buildDir, '.lock'), ...make] : make;
  writeCHeaderFile(join(b.buildDir, 'include', 'xen-ts-abi.h'));
  try {
    execFileSync(cmd!, args, { stdio: options.quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit', encoding: 'utf8' });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`${b.label}: make failed${stderr ? `:\n${stderr}` : ''}`);
  }
}
