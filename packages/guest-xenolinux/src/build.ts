// Builds the kernel: the generated ABI header, then `make` (incremental, under flock), through
// @xen-ts/abi's guest-build helper.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGuestProject } from '@xen-ts/abi/build';

/** The package root (holds Makefile, arch/, kernel/, include/, lib/, build/). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = join(PACKAGE_DIR, 'build');

/** Absolute path of the kernel image (2-level layout, Xen ELF notes). */
export function kernelPath(): string {
  return join(BUILD_DIR, 'xenolinux.elf');
}

/** Builds the kernel (synchronous) and returns its path. Throws with make's stderr when the build
 *  fails, or with what to install when the toolchain is missing. */
export function buildKernel(options: { quiet?: boolean } = {}): string {
  buildGuestProject({ label: 'guest-xenolinux', projectDir: PACKAGE_DIR, buildDir: BUILD_DIR }, options);
  return kernelPath();
}
