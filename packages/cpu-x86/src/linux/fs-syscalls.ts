/**
 * File-system system calls: opening files, metadata (stat64, statx), the
 * directory tree (mkdir, rename, links...), permissions and times. Paths map
 * straight onto the host file system, relative to the guest's cwd or a
 * directory descriptor.
 */
import * as fs from 'node:fs';
import type { AddressSpace } from './address-space.js';
import { type DirEntry, HostFile } from './file-description.js';
import { hostErrno } from './host-errors.js';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, EEXIST, EINVAL, ENOTDIR, ERANGE, Errno,
  O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY,
} from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import { setHostUmask } from './host-umask.js';
import { arg64, type SyscallGroup } from './syscall-types.js';

/** Runs a host file-system call, turning its error into Errno. */
export function host<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Errno(hostErrno(e));
  }
}

// ---------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------

export function openAt(p: LinuxProcess, dirfd: number, pathAddr: number, flags: number, mode: number): number {
  const path = p.resolve(dirfd, p.readPath(pathAddr));
  const hostFlags = flags & ~O_CLOEXEC;
  const fd = host(() => fs.openSync(path, hostFlags, mode & 0o7777));
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw new Errno(hostErrno(e));
  }
  const positional = st.isFile() || st.isBlockDevice();
  const desc = new HostFile(fd, path, flags & ~(O_CREAT | O_TRUNC | O_CLOEXEC | 0o200 /* O_EXCL */), positional, st.isDirectory());
  return p.fds.install(desc, (flags & O_CLOEXEC) !== 0);
}

// ---------------------------------------------------------------------------
// stat64 / statx
// ---------------------------------------------------------------------------

/** dev_t as the 32-bit kernel encodes it (new_encode_dev) from the host's glibc dev_t. */
function splitDev(dev: bigint): [number, number] {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return [major, minor];
}

function encodeDev(dev: bigint): bigint {
  const [major, minor] = splitDev(dev);
  return BigInt(((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0);
}

function secNsec(ns: bigint): [bigint, number] {
  let sec = ns / 1_000_000_000n;
  let rem = ns % 1_000_000_000n;
  if (rem < 0n) {
    rem += 1_000_000_000n;
    sec -= 1n;
  }
  return [sec, Number(rem)];
}

/** struct stat64 (i386, 96 bytes). */
export function writeStat64(as: AddressSpace, addr: number, st: fs.BigIntStats): void {
  const b = Buffer.alloc(96);
  b.writeBigUInt64LE(encodeDev(st.dev), 0);
  b.writeUInt32LE(Number(st.ino & 0xffffffffn), 12);
  b.writeUInt32LE(Number(st.mode), 16);
  b.writeUInt32LE(Number(st.nlink & 0xffffffffn), 20);
  b.writeUInt32LE(Number(st.uid), 24);
  b.writeUInt32LE(Number(st.gid), 28);
  b.writeBigUInt64LE(encodeDev(st.rdev), 32);
  b.writeBigInt64LE(st.size, 44);
  b.writeUInt32LE(Number(st.blksize), 52);
  b.writeBigUInt64LE(st.blocks, 56);
  const times = [st.atimeNs, st.mtimeNs, st.ctimeNs];
  for (let i = 0; i < 3; i++) {
    const [s, n] = secNsec(times[i]);
    b.writeUInt32LE(Number(BigInt.asUintN(32, s)), 64 + i * 8);
    b.writeUInt32LE(n, 68 + i * 8);
  }
  b.writeBigUInt64LE(st.ino, 88);
  as.writeBytes(addr, b);
}

const STATX_BASIC_STATS = 0x7ff;
const STATX_BTIME = 0x800;

/** struct statx (256 bytes). */
function writeStatx(as: AddressSpace, addr: number, st: fs.BigIntStats): void {
  const b = Buffer.alloc(256);
  b.writeUInt32LE(STATX_BASIC_STATS | STATX_BTIME, 0);
  b.writeUInt32LE(Number(st.blksize), 4);
  b.writeUInt32LE(Number(st.nlink & 0xffffffffn), 16);
  b.writeUInt32LE(Number(st.uid), 20);
  b.writeUInt32LE(Number(st.gid), 24);
  b.writeUInt16LE(Number(st.mode) & 0xffff, 28);
  b.writeBigUInt64LE(st.ino, 32);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.size), 40);
  b.writeBigUInt64LE(st.blocks, 48);
  const ts = [st.atimeNs, st.birthtimeNs, st.ctimeNs, st.mtimeNs];
  for (let i = 0; i < 4; i++) {
    const [s, n] = secNsec(ts[i]);
    b.writeBigInt64LE(s, 64 + i * 16);
    b.writeUInt32LE(n, 72 + i * 16);
  }
  const [rmaj, rmin] = splitDev(st.rdev);
  const [dmaj, dmin] = splitDev(st.dev);
  b.writeUInt32LE(rmaj, 128);
  b.writeUInt32LE(rmin, 132);
  b.writeUInt32LE(dmaj, 136);
  b.writeUInt32LE(dmin, 140);
  as.writeBytes(addr, b);
}

/** stat of `pathAddr` relative to `dirfd`, honouring AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. */
function statAt(p: LinuxProcess, dirfd: number, pathAddr: number, flags: number): fs.BigIntStats {
  const name = p.readPath(pathAddr);
  if (name.length === 0 && (flags & AT_EMPTY_PATH) !== 0) {
    if (dirfd === AT_FDCWD) return host(() => fs.statSync(p.cwd, { bigint: true }));
    return p.fds.get(dirfd).stat();
  }
  const path = p.resolve(dirfd, name);
  return host(() => ((flags & AT_SYMLINK_NOFOLLOW) !== 0 ? fs.lstatSync(path, { bigint: true }) : fs.statSync(path, { bigint: true })));
}

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

/** Record layout of a getdents flavour: its length for a name, and how one is written at `at`. */
interface DirentLayout {
  recordLength(nameLength: number): number;
  /** `next`: the d_off of the record (position of the following entry). */
  write(out: Buffer, at: number, e: DirEntry, next: number, reclen: number): void;
}

/** struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name + NUL; 8-byte aligned. */
const DIRENT64: DirentLayout = {
  recordLength: (n) => (19 + n + 1 + 7) & ~7,
  write(out, at, e, next, reclen) {
    out.writeBigUInt64LE(e.ino, at);
    out.writeBigInt64LE(BigInt(next), at + 8);
    out.writeUInt16LE(reclen, at + 16);
    out.writeUInt8(e.type, at + 18);
    e.name.copy(out, at + 19);
  },
};

/** Old struct linux_dirent: ino 4, off 4, reclen 2, name + NUL, pad, type in the last byte; 4-byte aligned. */
const DIRENT32: DirentLayout = {
  recordLength: (n) => (10 + n + 2 + 3) & ~3,
  write(out, at, e, next, reclen) {
    out.writeUInt32LE(Number(e.ino & 0xffffffffn), at);
    out.writeUInt32LE(next, at + 4);
    out.writeUInt16LE(reclen, at + 8);
    e.name.copy(out, at + 10);
    out.writeUInt8(e.type, at + reclen - 1);
  },
};

/** getdents/getdents64: as many whole records as fit in `count` bytes (EINVAL when not even one does). */
function getdents(p: LinuxProcess, fd: number, dirp: number, count: number, layout: DirentLayout): number {
  const desc = p.fds.get(fd);
  const entries = desc.readDir();
  let pos = desc.dirPosition;
  const out = Buffer.alloc(Math.min(count >>> 0, 1 << 20));
  let used = 0;
  for (; pos < entries.length; pos++) {
    const e = entries[pos];
    const reclen = layout.recordLength(e.name.length);
    if (used + reclen > out.length) {
      if (used === 0) throw new Errno(EINVAL);
      break;
    }
    layout.write(out, used, e, pos + 1, reclen);
    used += reclen;
  }
  desc.dirPosition = pos;
  p.as.writeBytes(dirp, out.subarray(0, used));
  return used;
}

function chdirTo(p: LinuxProcess, path: Buffer): number {
  const st = host(() => fs.statSync(path));
  if (!st.isDirectory()) throw new Errno(ENOTDIR);
  host(() => fs.accessSync(path, fs.constants.X_OK));
  p.cwd = host(() => fs.realpathSync(path, { encoding: 'buffer' }));
  return 0;
}

/** readlink, answering /proc/self/exe and /proc/self/fd/N for the guest. */
function readlinkAt(p: LinuxProcess, dirfd: number, pathAddr: number, buf: number, size: number): number {
  if (size <= 0) throw new Errno(EINVAL);
  const raw = p.readPath(pathAddr);
  const s = Buffer.from(raw).toString('latin1');
  let target: Buffer;
  const m = /^\/proc\/(self|\d+)\/(exe|fd\/(\d+))$/.exec(s);
  if (m !== null && (m[1] === 'self' || Number(m[1]) === p.pid)) {
    if (m[2] === 'exe') target = p.exePath;
    else {
      const d = p.fds.get(Number(m[3]));
      target = d.path ?? Buffer.from(d.hostFd >= 0 ? host(() => fs.readlinkSync(`/proc/self/fd/${d.hostFd}`)) : 'anon_inode:[pipe]');
    }
  } else {
    const path = p.resolve(dirfd, raw);
    target = host(() => fs.readlinkSync(path, { encoding: 'buffer' }));
  }
  const n = Math.min(target.length, size >>> 0);
  p.as.writeBytes(buf, target.subarray(0, n));
  return n;
}

// ---------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------

const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;

function setTimes(p: LinuxProcess, dirfd: number, pathAddr: number, times: [number, number][] | null, flags: number): number {
  // times: [sec, nsec] pairs, nsec may be UTIME_NOW / UTIME_OMIT.
  let target: { fd: number } | { path: Buffer };
  if (pathAddr === 0) {
    const d = p.fds.get(dirfd);
    target = d.hostFd >= 0 ? { fd: d.hostFd } : { path: d.path ?? Buffer.alloc(0) };
  } else {
    target = { path: p.resolve(dirfd, p.readPath(pathAddr)) };
  }
  const nowS = Number(p.clock.realtimeNs()) / 1e9;
  let current: fs.BigIntStats | null = null;
  const cur = (): fs.BigIntStats => {
    if (current === null) {
      current = host(() => ('fd' in target ? fs.fstatSync(target.fd, { bigint: true }) : fs.lstatSync(target.path, { bigint: true })));
    }
    return current;
  };
  const pick = (i: number): number => {
    if (times === null) return nowS;
    const [s, ns] = times[i];
    if (ns === UTIME_NOW) return nowS;
    if (ns === UTIME_OMIT) return Number(i === 0 ? cur().atimeNs : cur().mtimeNs) / 1e9;
    if (ns < 0 || ns >= 1e9) throw new Errno(EINVAL);
    return s + ns / 1e9;
  };
  if (times !== null && times[0][1] === UTIME_OMIT && times[1][1] === UTIME_OMIT) return 0;
  const at = pick(0);
  const mt = pick(1);
  host(() => {
    if ('fd' in target) fs.futimesSync(target.fd, at, mt);
    else if ((flags & AT_SYMLINK_NOFOLLOW) !== 0) fs.lutimesSync(target.path, at, mt);
    else fs.utimesSync(target.path, at, mt);
  });
  return 0;
}

function readTimespecs(as: AddressSpace, addr: number, time64: boolean): [number, number][] | null {
  if (addr === 0) return null;
  if (time64) return [[Number(as.read64(addr)), Number(as.read64(addr + 8))], [Number(as.read64(addr + 16)), Number(as.read64(addr + 24))]];
  return [[as.read32(addr), as.read32(addr + 4)], [as.read32(addr + 8), as.read32(addr + 12)]];
}

// ---------------------------------------------------------------------------
// statfs
// ---------------------------------------------------------------------------

function writeStatfs64(p: LinuxProcess, path: Buffer, size: number, buf: number): number {
  if (size !== 84 && size !== 88) throw new Errno(EINVAL);
  const s = host(() => fs.statfsSync(path, { bigint: true }));
  const b = Buffer.alloc(84);
  b.writeUInt32LE(Number(BigInt.asUintN(32, s.type)), 0);
  b.writeUInt32LE(Number(s.bsize), 4);
  b.writeBigUInt64LE(s.blocks, 8);
  b.writeBigUInt64LE(s.bfree, 16);
  b.writeBigUInt64LE(s.bavail, 24);
  b.writeBigUInt64LE(s.files, 32);
  b.writeBigUInt64LE(s.ffree, 40);
  b.writeUInt32LE(255, 56); // f_namelen
  b.writeUInt32LE(Number(s.bsize), 60); // f_frsize
  p.as.writeBytes(buf, b);
  return 0;
}

function pathOf(p: LinuxProcess, dirfd: number, addr: number): Buffer {
  return p.resolve(dirfd, p.readPath(addr));
}

const uid16 = (v: number): number => ((v & 0xffff) === 0xffff ? -1 : v & 0xffff);

// The *at forms. The older calls are the same with AT_FDCWD (and fixed flags).

function accessAt(p: LinuxProcess, dirfd: number, path: number, mode: number): number {
  const hp = pathOf(p, dirfd, path);
  host(() => fs.accessSync(hp, mode));
  return 0;
}

function mkdirAt(p: LinuxProcess, dirfd: number, path: number, mode: number): number {
  const hp = pathOf(p, dirfd, path);
  host(() => fs.mkdirSync(hp, mode & 0o7777));
  return 0;
}

function unlinkAt(p: LinuxProcess, dirfd: number, path: number, flags: number): number {
  const hp = pathOf(p, dirfd, path);
  host(() => ((flags & AT_REMOVEDIR) !== 0 ? fs.rmdirSync(hp) : fs.unlinkSync(hp)));
  return 0;
}

/** renameat2; `flags` bit 0 is RENAME_NOREPLACE. */
function renameAt(p: LinuxProcess, fromDir: number, from: number, toDir: number, to: number, flags: number): number {
  const a = pathOf(p, fromDir, from);
  const b = pathOf(p, toDir, to);
  if ((flags & ~1) !== 0) throw new Errno(EINVAL); // RENAME_EXCHANGE / WHITEOUT: not supported
  if ((flags & 1) !== 0) {
    let exists = true;
    try {
      fs.lstatSync(b);
    } catch {
      exists = false;
    }
    if (exists) throw new Errno(EEXIST);
  }
  host(() => fs.renameSync(a, b));
  return 0;
}

function linkAt(p: LinuxProcess, fromDir: number, from: number, toDir: number, to: number): number {
  const a = pathOf(p, fromDir, from);
  const b = pathOf(p, toDir, to);
  host(() => fs.linkSync(a, b));
  return 0;
}

function symlinkAt(p: LinuxProcess, target: number, dirfd: number, linkpath: number): number {
  const t = Buffer.from(p.readPath(target));
  const l = pathOf(p, dirfd, linkpath);
  host(() => fs.symlinkSync(t, l));
  return 0;
}

function chmodAt(p: LinuxProcess, dirfd: number, path: number, mode: number): number {
  const hp = pathOf(p, dirfd, path);
  host(() => fs.chmodSync(hp, mode & 0o7777));
  return 0;
}

/** `uid`/`gid` as the host takes them (-1: leave unchanged). */
function chownAt(p: LinuxProcess, dirfd: number, path: number, uid: number, gid: number, flags: number): number {
  const hp = pathOf(p, dirfd, path);
  host(() => ((flags & AT_SYMLINK_NOFOLLOW) !== 0 ? fs.lchownSync(hp, uid, gid) : fs.chownSync(hp, uid, gid)));
  return 0;
}

function fchownFd(p: LinuxProcess, fd: number, uid: number, gid: number): number {
  const d = p.fds.get(fd);
  host(() => (d.hostFd >= 0 ? fs.fchownSync(d.hostFd, uid, gid) : undefined));
  return 0;
}

export const fsSyscalls: SyscallGroup = {
  open: (p, path, flags, mode) => openAt(p, AT_FDCWD, path, flags, mode),
  openat: (p, dirfd, path, flags, mode) => openAt(p, dirfd, path, flags, mode),
  creat: (p, path, mode) => openAt(p, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode),
  close: (p, fd) => {
    p.fds.close(fd);
    return 0;
  },

  stat64: (p, path, buf) => {
    writeStat64(p.as, buf, statAt(p, AT_FDCWD, path, 0));
    return 0;
  },
  lstat64: (p, path, buf) => {
    writeStat64(p.as, buf, statAt(p, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW));
    return 0;
  },
  fstat64: (p, fd, buf) => {
    writeStat64(p.as, buf, p.fds.get(fd).stat());
    return 0;
  },
  fstatat64: (p, dirfd, path, buf, flags) => {
    writeStat64(p.as, buf, statAt(p, dirfd, path, flags));
    return 0;
  },
  statx: (p, dirfd, path, flags, _mask, buf) => {
    writeStatx(p.as, buf, statAt(p, dirfd, path, flags));
    return 0;
  },

  access: (p, path, mode) => accessAt(p, AT_FDCWD, path, mode),
  faccessat: (p, dirfd, path, mode) => accessAt(p, dirfd, path, mode),
  faccessat2: (p, dirfd, path, mode) => accessAt(p, dirfd, path, mode),

  getdents64: (p, fd, dirp, count) => getdents(p, fd, dirp, count, DIRENT64),
  getdents: (p, fd, dirp, count) => getdents(p, fd, dirp, count, DIRENT32),
  getcwd: (p, buf, size) => {
    const n = p.cwd.length + 1;
    if ((size >>> 0) < n) throw new Errno(ERANGE);
    p.as.writeBytes(buf, Buffer.concat([p.cwd, Buffer.from([0])]));
    return n;
  },
  chdir: (p, path) => chdirTo(p, pathOf(p, AT_FDCWD, path)),
  fchdir: (p, fd) => {
    const path = p.fds.get(fd).path;
    if (path === null) throw new Errno(ENOTDIR);
    return chdirTo(p, path);
  },
  mkdir: (p, path, mode) => mkdirAt(p, AT_FDCWD, path, mode),
  mkdirat: (p, dirfd, path, mode) => mkdirAt(p, dirfd, path, mode),
  rmdir: (p, path) => unlinkAt(p, AT_FDCWD, path, AT_REMOVEDIR),
  unlink: (p, path) => unlinkAt(p, AT_FDCWD, path, 0),
  unlinkat: (p, dirfd, path, flags) => unlinkAt(p, dirfd, path, flags),
  rename: (p, from, to) => renameAt(p, AT_FDCWD, from, AT_FDCWD, to, 0),
  renameat: (p, fromDir, from, toDir, to) => renameAt(p, fromDir, from, toDir, to, 0),
  renameat2: (p, fromDir, from, toDir, to, flags) => renameAt(p, fromDir, from, toDir, to, flags),
  link: (p, from, to) => linkAt(p, AT_FDCWD, from, AT_FDCWD, to),
  linkat: (p, fromDir, from, toDir, to) => linkAt(p, fromDir, from, toDir, to),
  symlink: (p, target, linkpath) => symlinkAt(p, target, AT_FDCWD, linkpath),
  symlinkat: (p, target, dirfd, linkpath) => symlinkAt(p, target, dirfd, linkpath),
  readlink: (p, path, buf, size) => readlinkAt(p, AT_FDCWD, path, buf, size),
  readlinkat: (p, dirfd, path, buf, size) => readlinkAt(p, dirfd, path, buf, size),

  chmod: (p, path, mode) => chmodAt(p, AT_FDCWD, path, mode),
  fchmod: (p, fd, mode) => {
    const d = p.fds.get(fd);
    host(() => (d.hostFd >= 0 ? fs.fchmodSync(d.hostFd, mode & 0o7777) : undefined));
    return 0;
  },
  fchmodat: (p, dirfd, path, mode) => chmodAt(p, dirfd, path, mode),
  chown32: (p, path, uid, gid) => chownAt(p, AT_FDCWD, path, uid, gid, 0),
  lchown32: (p, path, uid, gid) => chownAt(p, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW),
  fchown32: (p, fd, uid, gid) => fchownFd(p, fd, uid, gid),
  fchownat: (p, dirfd, path, uid, gid, flags) => chownAt(p, dirfd, path, uid, gid, flags),
  // The 16-bit-id calls: FFFFh means -1 (unchanged).
  chown: (p, path, uid, gid) => chownAt(p, AT_FDCWD, path, uid16(uid), uid16(gid), 0),
  lchown: (p, path, uid, gid) => chownAt(p, AT_FDCWD, path, uid16(uid), uid16(gid), AT_SYMLINK_NOFOLLOW),
  fchown: (p, fd, uid, gid) => fchownFd(p, fd, uid16(uid), uid16(gid)),

  utimensat: (p, dirfd, path, times, flags) => setTimes(p, dirfd, path, readTimespecs(p.as, times, false), flags),
  utimensat_time64: (p, dirfd, path, times, flags) => setTimes(p, dirfd, path, readTimespecs(p.as, times, true), flags),
  utimes: (p, path, tv) => {
    const t: [number, number][] | null = tv === 0 ? null
      : [[p.as.read32(tv), p.as.read32(tv + 4) * 1000], [p.as.read32(tv + 8), p.as.read32(tv + 12) * 1000]];
    return setTimes(p, AT_FDCWD, path, t, 0);
  },
  utime: (p, path, tb) => {
    const t: [number, number][] | null = tb === 0 ? null : [[p.as.read32(tb), 0], [p.as.read32(tb + 4), 0]];
    return setTimes(p, AT_FDCWD, path, t, 0);
  },
  umask: (p, mask) => {
    const old = p.umask;
    p.umask = mask & 0o777;
    setHostUmask(p.umask);
    return old;
  },

  truncate64: (p, path, lo, hi) => {
    const hp = pathOf(p, AT_FDCWD, path);
    host(() => fs.truncateSync(hp, arg64(lo, hi)));
    return 0;
  },
  truncate: (p, path, len) => {
    const hp = pathOf(p, AT_FDCWD, path);
    host(() => fs.truncateSync(hp, len));
    return 0;
  },
  ftruncate64: (p, fd, lo, hi) => {
    const d = p.fds.get(fd);
    if (d.hostFd < 0 || !d.writable) throw new Errno(EINVAL);
    host(() => fs.ftruncateSync(d.hostFd, arg64(lo, hi)));
    return 0;
  },
  ftruncate: (p, fd, len) => {
    const d = p.fds.get(fd);
    if (d.hostFd < 0 || !d.writable) throw new Errno(EINVAL);
    host(() => fs.ftruncateSync(d.hostFd, len));
    return 0;
  },
  statfs64: (p, path, size, buf) => writeStatfs64(p, pathOf(p, AT_FDCWD, path), size, buf),
  fstatfs64: (p, fd, size, buf) => writeStatfs64(p, p.fds.get(fd).path ?? Buffer.from('/'), size, buf),
  fsync: (p, fd) => {
    const d = p.fds.get(fd);
    if (d.hostFd >= 0) host(() => fs.fsyncSync(d.hostFd));
    return 0;
  },
  fdatasync: (p, fd) => {
    const d = p.fds.get(fd);
    if (d.hostFd >= 0) host(() => fs.fdatasyncSync(d.hostFd));
    return 0;
  },
  sync: () => 0,
  syncfs: (p, fd) => {
    p.fds.get(fd);
    return 0;
  },
  fadvise64: (p, fd) => {
    p.fds.get(fd);
    return 0;
  },
  fadvise64_64: (p, fd) => {
    p.fds.get(fd);
    return 0;
  },
  mknod: () => {
    throw new Errno(1); // EPERM: device nodes and FIFOs cannot be made through the host API
  },
  mknodat: () => {
    throw new Errno(1);
  },
};

