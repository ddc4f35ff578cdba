/**
 * Open file descriptions: what a guest file descriptor refers to. Host files
 * are opened on the host (x86-run maps the guest onto the host file system,
 * as qemu-user without a chroot does); offsets of seekable files are kept
 * here and every access is positional, because Node has no lseek. Inherited
 * stdin/stdout/stderr stay streams on the host's own descriptors. Pipes live
 * inside the runner (one process: a pipe is useful only to itself).
 */
import * as fs from 'node:fs';
import { isatty } from 'node:tty';
import { hostSleepMs } from './clock.js';
import {
  EAGAIN, EBADF, EINVAL, EISDIR, ENOTDIR, EPIPE, ESPIPE, Errno, O_ACCMODE, O_APPEND, O_NONBLOCK, O_RDONLY,
  O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET,
} from './linux-abi.js';
import { hostErrno } from './host-errors.js';

export interface DirEntry {
  name: Buffer;
  ino: bigint;
  type: number;
}

export abstract class FileDescription {
  refs = 1;
  constructor(public statusFlags: number) {}

  get readable(): boolean {
    return (this.statusFlags & O_ACCMODE) !== O_WRONLY;
  }

  get writable(): boolean {
    return (this.statusFlags & O_ACCMODE) !== O_RDONLY;
  }

  get nonblocking(): boolean {
    return (this.statusFlags & O_NONBLOCK) !== 0;
  }

  abstract read(buf: Uint8Array): number;
  abstract write(buf: Uint8Array): number;
  pread(_buf: Uint8Array, _pos: number): number {
    throw new Errno(ESPIPE);
  }
  pwrite(_buf: Uint8Array, _pos: number): number {
    throw new Errno(ESPIPE);
  }
  seek(_offset: number, _whence: number): number {
    throw new Errno(ESPIPE);
  }
  abstract stat(): fs.BigIntStats;
  /** Host path (absolute) for *at() lookups and fchdir, when the description has one. */
  get path(): Buffer | null {
    return null;
  }
  /** Host descriptor, or -1. */
  get hostFd(): number {
    return -1;
  }
  isTty(): boolean {
    return false;
  }
  /** Readiness for poll/select: [readable, writable]. */
  ready(): [boolean, boolean] {
    return [true, true];
  }
  readDir(): DirEntry[] {
    throw new Errno(ENOTDIR);
  }
  get dirPosition(): number {
    return 0;
  }
  set dirPosition(_v: number) {}
  close(): void {}
}

/** Retries a host call that may fail with EAGAIN on a non-blocking host descriptor. */
function retryAgain<T>(fn: () => T, nonblocking: boolean): T {
  for (;;) {
    try {
      return fn();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') throw new BrokenPipe();
      if (code !== 'EAGAIN' || nonblocking) throw new Errno(hostErrno(e));
      hostSleepMs(2);
    }
  }
}

/** A file, directory or device opened on the host. */
export class HostFile extends FileDescription {
  offset = 0;
  private entries: DirEntry[] | null = null;
  private dirPos = 0;

  /**
   * `positional`: a regular file or block device, read and written at
   * `offset`; otherwise a stream (tty, pipe, character device, or an inherited
   * standard descriptor, whose offset the host kernel keeps).
   */
  constructor(
    private readonly fd: number,
    private readonly hostPath: Buffer | null,
    statusFlags: number,
    private readonly positional: boolean,
    readonly isDirectory: boolean,
    private readonly ownsFd = true,
  ) {
    super(statusFlags);
  }

  override get path(): Buffer | null {
    return this.hostPath;
  }

  override get hostFd(): number {
    return this.fd;
  }

  override isTty(): boolean {
    return isatty(this.fd);
  }

  read(buf: Uint8Array): number {
    if (this.isDirectory) throw new Errno(EISDIR);
    if (!this.readable) throw new Errno(EBADF);
    if (buf.length === 0) return 0;
    if (this.positional) {
      const n = retryAgain(() => fs.readSync(this.fd, buf, 0, buf.length, this.offset), this.nonblocking);
      this.offset += n;
      return n;
    }
    return retryAgain(() => fs.readSync(this.fd, buf, 0, buf.length, null), this.nonblocking);
  }

  write(buf: Uint8Array): number {
    if (!this.writable) throw new Errno(EBADF);
    if (buf.length === 0) return 0;
    if (this.positional && (this.statusFlags & O_APPEND) === 0) {
      const n = retryAgain(() => fs.writeSync(this.fd, buf, 0, buf.length, this.offset), this.nonblocking);
      this.offset += n;
      return n;
    }
    const n = retryAgain(() => fs.writeSync(this.fd, buf, 0, buf.length, null), this.nonblocking);
    if (this.positional) this.offset = Number(fs.fstatSync(this.fd, { bigint: true }).size);
    return n;
  }

  override pread(buf: Uint8Array, pos: number): number {
    if (!this.positional) throw new Errno(ESPIPE);
    if (!this.readable) throw new Errno(EBADF);
    if (this.isDirectory) throw new Errno(EISDIR);
    return retryAgain(() => fs.readSync(this.fd, buf, 0, buf.length, pos), this.nonblocking);
  }

  override pwrite(buf: Uint8Array, pos: number): number {
    if (!this.positional) throw new Errno(ESPIPE);
    if (!this.writable) throw new Errno(EBADF);
    return retryAgain(() => fs.writeSync(this.fd, buf, 0, buf.length, pos), this.nonblocking);
  }

  override seek(offset: number, whence: number): number {
    if (this.isDirectory) {
      if (whence === SEEK_SET && offset >= 0) {
        this.dirPosition = offset;
        return offset;
      }
      if (whence === SEEK_CUR && offset === 0) return this.dirPos;
      throw new Errno(EINVAL);
    }
    if (!this.positional) throw new Errno(ESPIPE);
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = this.offset;
    else if (whence === SEEK_END) base = Number(this.stat().size);
    else throw new Errno(EINVAL);
    const target = base + offset;
    if (target < 0) throw new Errno(EINVAL);
    this.offset = target;
    return target;
  }

  stat(): fs.BigIntStats {
    try {
      return fs.fstatSync(this.fd, { bigint: true });
    } catch (e) {
      throw new Errno(hostErrno(e));
    }
  }

  override readDir(): DirEntry[] {
    if (!this.isDirectory || this.hostPath === null) throw new Errno(ENOTDIR);
    if (this.entries === null) {
      const dir = this.hostPath;
      const list: DirEntry[] = [];
      const self = fs.statSync(dir, { bigint: true });
      list.push({ name: Buffer.from('.'), ino: self.ino, type: 4 });
      let parentIno = self.ino;
      try {
        parentIno = fs.statSync(Buffer.concat([dir, Buffer.from('/..')]), { bigint: true }).ino;
      } catch {
        // keep "." as its own parent (the root)
      }
      list.push({ name: Buffer.from('..'), ino: parentIno, type: 4 });
      // opendir/readdir (unlike readdirSync, which sorts) keeps the host kernel's order, as getdents would.
      let dirHandle: fs.Dir;
      try {
        dirHandle = fs.opendirSync(dir as unknown as string, { encoding: 'buffer' as BufferEncoding });
      } catch (e) {
        throw new Errno(hostErrno(e));
      }
      try {
        for (let d = dirHandle.readSync(); d !== null; d = dirHandle.readSync()) {
          const name = d.name as unknown as Buffer;
          let ino = 0n;
          try {
            ino = fs.lstatSync(Buffer.concat([dir, Buffer.from('/'), name]), { bigint: true }).ino;
          } catch {
            // vanished meanwhile: keep it with inode 0
          }
          list.push({ name, ino, type: direntType(d) });
        }
      } finally {
        dirHandle.closeSync();
      }
      this.entries = list;
    }
    return this.entries;
  }

  override get dirPosition(): number {
    return this.dirPos;
  }

  override set dirPosition(v: number) {
    if (v === 0) this.entries = null; // rewinddir sees new entries
    this.dirPos = v;
  }

  override close(): void {
    if (this.ownsFd) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already gone
      }
    }
  }
}

function direntType(d: fs.Dirent): number {
  if (d.isFIFO()) return 1;
  if (d.isCharacterDevice()) return 2;
  if (d.isDirectory()) return 4;
  if (d.isBlockDevice()) return 6;
  if (d.isFile()) return 8;
  if (d.isSymbolicLink()) return 10;
  if (d.isSocket()) return 12;
  return 0;
}


/** The buffer shared by the two ends of a pipe. */
export class Pipe {
  private chunks: Uint8Array[] = [];
  size = 0;
  readers = 0;
  writers = 0;
  private static nextIno = 1000;
  /** Synthetic identity for fstat. */
  readonly ino = BigInt(Pipe.nextIno++);

  push(data: Uint8Array): void {
    this.chunks.push(data.slice());
    this.size += data.length;
  }

  take(buf: Uint8Array): number {
    let n = 0;
    while (n < buf.length && this.chunks.length > 0) {
      const c = this.chunks[0];
      const k = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, k), n);
      n += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.size -= n;
    return n;
  }
}

/** The most a pipe holds: writers run to completion before their readers start (fork.ts). */
export const PIPE_CAP = 1 << 20;

/** Raised by a write to a pipe with no reader: the caller sends SIGPIPE. */
export class BrokenPipe extends Errno {
  constructor() {
    super(EPIPE);
  }
}

export class PipeEnd extends FileDescription {
  constructor(readonly pipe: Pipe, readonly isWriteEnd: boolean, statusFlags: number) {
    super((statusFlags & ~O_ACCMODE) | (isWriteEnd ? O_WRONLY : O_RDONLY));
    if (isWriteEnd) pipe.writers++;
    else pipe.readers++;
  }

  read(buf: Uint8Array): number {
    if (this.isWriteEnd) throw new Errno(EBADF);
    if (buf.length === 0) return 0;
    if (this.pipe.size === 0) {
      if (this.pipe.writers === 0) return 0;
      // Nothing else in this process can ever fill it: blocking would hang forever.
      throw new Errno(EAGAIN);
    }
    return this.pipe.take(buf);
  }

  write(buf: Uint8Array): number {
    if (!this.isWriteEnd) throw new Errno(EBADF);
    // Past PIPE_CAP nobody will ever drain it in time (see fork.ts): as if the reader had gone.
    if (this.pipe.readers === 0 || this.pipe.size + buf.length > PIPE_CAP) throw new BrokenPipe();
    this.pipe.push(buf);
    return buf.length;
  }

  stat(): fs.BigIntStats {
    return fakeStats(0o010600, this.pipe.ino, BigInt(this.pipe.size));
  }

  override ready(): [boolean, boolean] {
    return [this.pipe.size > 0 || this.pipe.writers === 0, true];
  }

  override close(): void {
    if (this.isWriteEnd) this.pipe.writers--;
    else this.pipe.readers--;
  }
}

/** A BigIntStats-shaped record for objects that exist only inside the runner. */
export function fakeStats(mode: number, ino: bigint, size: bigint): fs.BigIntStats {
  const now = BigInt(Date.now()) * 1_000_000n;
  const z = 0n;
  return {
    dev: 12n, ino, mode: BigInt(mode), nlink: 1n, uid: BigInt(process.getuid?.() ?? 0), gid: BigInt(process.getgid?.() ?? 0),
    rdev: z, size, blksize: 4096n, blocks: z, atimeNs: now, mtimeNs: now, ctimeNs: now, birthtimeNs: now,
    atimeMs: now / 1_000_000n, mtimeMs: now / 1_000_000n, ctimeMs: now / 1_000_000n, birthtimeMs: now / 1_000_000n,
  } as unknown as fs.BigIntStats;
}

/** One slot of the descriptor table. */
interface FdSlot {
  desc: FileDescription;
  cloexec: boolean;
}

export const FD_LIMIT = 1024;

export class FdTable {
  private slots: (FdSlot | null)[] = [];

  get(fd: number): FileDescription {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (!s) throw new Errno(EBADF);
    return s.desc;
  }

  has(fd: number): boolean {
    return fd >= 0 && !!this.slots[fd];
  }

  getCloexec(fd: number): boolean {
    this.get(fd);
    return this.slots[fd]!.cloexec;
  }

  setCloexec(fd: number, on: boolean): void {
    this.get(fd);
    this.slots[fd]!.cloexec = on;
  }

  /** Installs `desc` at the lowest free descriptor >= `min` (the reference is taken over). */
  install(desc: FileDescription, cloexec: boolean, min = 0): number {
    let fd = min;
    while (fd < this.slots.length && this.slots[fd]) fd++;
    if (fd >= FD_LIMIT) {
      this.release(desc);
      throw new Errno(24); // EMFILE
    }
    this.slots[fd] = { desc, cloexec };
    return fd;
  }

  /** Puts `desc` at exactly `fd`, closing what was there (dup2). */
  installAt(fd: number, desc: FileDescription, cloexec: boolean): void {
    if (fd < 0 || fd >= FD_LIMIT) throw new Errno(EBADF);
    const old = this.slots[fd];
    this.slots[fd] = { desc, cloexec };
    if (old) this.release(old.desc);
  }

  /** Another reference to the description at `fd`. */
  ref(fd: number): FileDescription {
    const d = this.get(fd);
    d.refs++;
    return d;
  }

  close(fd: number): void {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (!s) throw new Errno(EBADF);
    this.slots[fd] = null;
    this.release(s.desc);
  }

  private release(desc: FileDescription): void {
    if (--desc.refs === 0) desc.close();
  }

  /** fork: a second table referring to the same open file descriptions. */
  clone(): FdTable {
    const t = new FdTable();
    t.slots = this.slots.map((s) => {
      if (!s) return null;
      s.desc.refs++;
      return { desc: s.desc, cloexec: s.cloexec };
    });
    return t;
  }

  closeOnExec(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd]?.cloexec) this.close(fd);
  }

  closeAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd]) this.close(fd);
  }
}
