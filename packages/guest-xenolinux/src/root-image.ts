// The default root image a XenoLinux domain boots when its config names no ramdisk: Debian's
// busybox with every applet it has linked into /bin and a short /etc/profile (/proc and the /dev
// nodes are the kernel's own, made at boot). The port's default
// command line starts /bin/sh as process 1 (an /init symlink to busybox would run busybox's
// `init` applet: busybox picks the applet from argv[0], as on Linux).
// Written once to build/ and reused while busybox does not change.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR } from './build.js';
import { busyboxInitramfs, busyboxPath } from './initramfs.js';

/** Applets when busybox cannot be asked (it can only run natively on an x86 host). */
const FALLBACK_APPLETS = ['sh', 'ash', 'cat', 'cp', 'date', 'echo', 'env', 'false', 'grep', 'head', 'ls', 'mkdir', 'mv', 'printf', 'ps', 'pwd', 'rm', 'sed', 'seq', 'sha256sum', 'sleep', 'sort', 'tail', 'true', 'uname', 'vi', 'wc'];

/** The applets this busybox provides (`busybox --list`, run on the host). */
export function busyboxApplets(): string[] {
  try {
    const out = execFileSync(busyboxPath(), ['--list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const list = out.split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
    return list.length > 0 ? list : FALLBACK_APPLETS;
  } catch {
    return FALLBACK_APPLETS;
  }
}

const PROFILE = `export PATH=/bin:/sbin:/usr/bin
export PS1='xenolinux:\\w\\$ '
`;

/** Builds the root image (cpio newc) in memory. */
export function rootImage(): Uint8Array {
  return busyboxInitramfs({
    applets: busyboxApplets(),
    kernelProc: true,
    extra: [
      { type: 'dir', path: 'root' },
      { type: 'file', path: 'etc/profile', data: new TextEncoder().encode(PROFILE), mode: 0o644 },
    ],
  });
}

/** The root image on disk (build/rootfs.cpio), rebuilt when busybox is newer. */
export function rootImagePath(): string {
  const path = join(BUILD_DIR, 'rootfs.cpio');
  const fresh = existsSync(path) && statSync(path).mtimeMs >= statSync(busyboxPath()).mtimeMs;
  if (!fresh) {
    mkdirSync(BUILD_DIR, { recursive: true });
    writeFileSync(path, rootImage());
  }
  readFileSync(path, { flag: 'r' }); // fail here, with the path, if it cannot be read back
  return path;
}
