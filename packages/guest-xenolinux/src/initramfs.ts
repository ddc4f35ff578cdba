// The busybox initramfs: Debian's busybox-static:i386 (fetched by scripts/setup.sh) as
// /bin/busybox, applet symlinks, /dev/console, and optionally /init.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_DIR } from './build.js';
import { writeCpio, type CpioEntry } from './cpio.js';

/** Where scripts/setup.sh leaves Debian's busybox-static:i386. */
export function busyboxPath(): string {
  return resolve(PACKAGE_DIR, '..', 'cpu-x86', '.cache', 'busybox', 'busybox');
}

export function hasBusybox(): boolean {
  return existsSync(busyboxPath());
}

/** The busybox binary, or a clear error saying how to get it. */
export function readBusybox(): Uint8Array {
  const path = busyboxPath();
  if (!existsSync(path)) {
    throw new Error(`guest-xenolinux: busybox is missing at ${path}; run scripts/setup.sh in the repository root (it fetches Debian's busybox-static:i386)`);
  }
  return new Uint8Array(readFileSync(path));
}

export interface BusyboxInitramfsOptions {
  /** Applets to link in /bin (default: a handful of common ones). */
  applets?: readonly string[];
  /** Target of an /init symlink (e.g. `/bin/sh`); none by default. */
  init?: string;
  /** More entries (files, directories) after the standard ones. */
  extra?: readonly CpioEntry[];
  /** Leave /proc out, so the kernel makes its own (default: an empty /proc directory). */
  kernelProc?: boolean;
  /** mtime of every entry, seconds since the epoch (default 0). */
  mtime?: number;
}

const DEFAULT_APPLETS = ['sh', 'echo', 'uname', 'cat', 'ls', 'true', 'false', 'printf', 'env', 'pwd', 'sleep', 'date'];

/** A cpio newc initramfs with busybox; pass it as the domain's ramdisk. */
export function busyboxInitramfs(options: BusyboxInitramfsOptions = {}): Uint8Array {
  const entries: CpioEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'etc' },
    ...(options.kernelProc === true ? [] : [{ type: 'dir', path: 'proc' } as const]),
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'file', path: 'bin/busybox', data: readBusybox(), mode: 0o755 },
  ];
  for (const a of options.applets ?? DEFAULT_APPLETS) entries.push({ type: 'symlink', path: join('bin', a), target: 'busybox' });
  if (options.init !== undefined) entries.push({ type: 'symlink', path: 'init', target: options.init });
  entries.push(...(options.extra ?? []));
  return writeCpio(entries, options.mtime === undefined ? {} : { mtime: options.mtime });
}
