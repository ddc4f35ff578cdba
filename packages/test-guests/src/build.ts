// Builds the guests: the generated ABI header, then `make` (incremental, under flock), through
// @xen-ts/abi's guest-build helper.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGuestProject } from '@xen-ts/abi/build';

/** The package root (holds Makefile, lib/, guests/, build/). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = join(PACKAGE_DIR, 'build');

export type Layout = '2level' | 'pae';
export const LAYOUTS: readonly Layout[] = ['2level', 'pae'];

/** Path of a built guest image: build/<layout>/<name>.elf. */
export function guestPath(name: string, layout: Layout): string {
  return join(BUILD_DIR, layout, `${name}.elf`);
}

/** Builds every guest for both layouts (synchronous, incremental). Throws when the toolchain is
 *  missing (saying what to install) or make fails. Safe from several processes at once. */
export function buildGuests(options: { quiet?: boolean } = {}): void {
  buildGuestProject({ label: 'test-guests', projectDir: PACKAGE_DIR, buildDir: BUILD_DIR }, options);
}
