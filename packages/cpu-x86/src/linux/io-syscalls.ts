/**
 * Reading and writing: read/write and their vector and positional forms,
 * seeking, descriptor duplication, fcntl, ioctl (terminal requests answered
 * for ttys, ENOTTY otherwise, as Linux does), pipes, poll/select and sendfile.
 */
import type { AddressSpace } from './address-space.js';
import { type FileDescription, HostFile, Pipe, PipeEnd } from './file-description.js';
import {
  EAGAIN, EBADF, EINVAL, ENOTTY, EOVERFLOW, Errno, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_GETLK64,
  F_GETPIPE_SZ, F_SETFD, F_SETFL, F_SETLK, F_SETLK64, F_SETLKW, F_SETLKW64, FD_CLOEXEC, O_APPEND, O_CLOEXEC,
  O_NONBLOCK,
} from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import { arg64, type SyscallGroup } from './syscall-types.js';

/** Largest single transfer (the kernel's MAX_RW_COUNT is near 2 GiB; this keeps buffers sane). */
const MAX_RW = 16 << 20;

let scratch = new Uint8Array(1 << 16);
function buffer(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  return scratch.subarray(0, n);
}

function readInto(p: LinuxProcess, d: FileDescription, addr: number, count: number, pos: number | null): number {
  const n = Math.min(count >>> 0, MAX_RW);
  p.as.checkRange(addr, n);
  const buf = buffer(n);
  const got = pos === null ? d.read(buf) : d.pread(buf, pos);
  if (got > 0) p.as.writeBytes(addr, buf.subarray(0, got));
  return got;
}

function writeFrom(p: LinuxProcess, d: FileDescription, addr: number, count: number, pos: number | null): number {
  const n = Math.min(count >>> 0, MAX_RW);
  const buf = buffer(n);
  p.as.readInto(addr, buf);
  return pos === null ? d.write(buf) : d.pwrite(buf, pos);
}

function readIovec(as: AddressSpace, iov: number, cnt: number): [number, number][] {
  if (cnt < 0 || cnt > 1024) throw new Errno(EINVAL);
  const out: [number, number][] = [];
  for (let i = 0; i < cnt; i++) out.push([as.read32(iov + i * 8) >>> 0, as.read32(iov + i * 8 + 4) >>> 0]);
  return out;
}

function readv(p: LinuxProcess, fd: number, iov: number, cnt: number, pos: number | null): number {
  const d = p.fds.get(fd);
  const vecs = readIovec(p.as, iov, cnt);
  const total = Math.min(vecs.reduce((s, [, l]) => s + l, 0), MAX_RW);
  const buf = new Uint8Array(total);
  const got = pos === null ? d.read(buf) : d.pread(buf, pos);
  let off = 0;
  for (const [base, len] of vecs) {
    if (off >= got) break;
    const k = Math.min(len, got - off);
    p.as.writeBytes(base, buf.subarray(off, off + k));
    off += k;
  }
  return got;
}

function writev(p: LinuxProcess, fd: number, iov: number, cnt: number, pos: number | null): number {
  const d = p.fds.get(fd);
  const vecs = readIovec(p.as, iov, cnt);
  const parts = vecs.map(([base, len]) => p.as.readBytes(base, Math.min(len, MAX_RW)));
  const all = Buffer.concat(parts);
  if (all.length === 0) return 0;
  return pos === null ? d.write(all) : d.pwrite(all, pos);
}

function dupTo(p: LinuxProcess, oldfd: number, newfd: number, cloexec: boolean): number {
  const d = p.fds.ref(oldfd);
  p.fds.installAt(newfd, d, cloexec);
  return newfd;
}

function fcntl(p: LinuxProcess, fd: number, cmd: number, arg: number): number {
  const d = p.fds.get(fd);
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      if (arg < 0 || arg >= 1024) throw new Errno(EINVAL);
      return p.fds.install(p.fds.ref(fd), cmd === F_DUPFD_CLOEXEC, arg);
    case F_GETFD:
      return p.fds.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      p.fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return d.statusFlags;
    case F_SETFL: {
      const settable = O_APPEND | O_NONBLOCK | 0o20000 /* O_ASYNC */ | 0o40000 /* O_DIRECT */ | 0o1000000 /* O_NOATIME */;
      d.statusFlags = (d.statusFlags & ~settable) | (arg & settable);
      return 0;
    }
    case F_GETLK:
    case F_GETLK64:
      // No other process can hold a lock: report the range unlocked (l_type = F_UNLCK).
      p.as.write16(arg, 2);
      return 0;
    case F_SETLK:
    case F_SETLKW:
    case F_SETLK64:
    case F_SETLKW64:
      return 0;
    case F_GETPIPE_SZ:
      return 65536;
    case 1031: // F_SETPIPE_SZ
      return Math.max(arg, 4096);
    case 8: // F_SETOWN
    case 9: // F_GETOWN
      return 0;
    default:
      throw new Errno(EINVAL);
  }
}

// --- ioctl -----------------------------------------------------------------

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410;
const TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421, TIOCGSID = 0x5429;
const FIONCLEX = 0x5450, FIOCLEX = 0x5451;

/** A cooked terminal's termios (what `stty sane` gives), since Node cannot read the real one. */
function defaultTermios(): Uint8Array {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(0x0500, 0); // ICRNL | IXON
  b.writeUInt32LE(0x0005, 4); // OPOST | ONLCR
  b.writeUInt32LE(0x00bf, 8); // B38400 | CS8 | CREAD
  b.writeUInt32LE(0x8a3b, 12); // ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
  b[16] = 0; // c_line
  const cc = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0];
  for (let i = 0; i < cc.length; i++) b[17 + i] = cc[i];
  return b;
}

/**
 * The terminal settings the program sees. Node cannot read or write a real
 * termios, so the program's settings are kept here and their one effect that
 * matters is applied to the host terminal: canonical mode and echo off (a
 * line editor such as busybox's) puts the host tty in raw mode, so that keys
 * arrive one by one and are echoed once, by the program.
 */
let termios: Uint8Array | null = null;
const ICANON = 0x2, ECHO = 0x8;

function applyTermios(bytes: Uint8Array): void {
  termios = bytes;
  const lflag = bytes[12] | (bytes[13] << 8);
  const raw = (lflag & (ICANON | ECHO)) !== (ICANON | ECHO);
  const stdin = process.stdin as NodeJS.ReadStream & { setRawMode?: (on: boolean) => void };
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') {
    stdin.setRawMode(raw);
    if (raw) process.once('exit', () => stdin.setRawMode?.(false));
  }
}

function ioctl(p: LinuxProcess, fd: number, req: number, arg: number): number {
  const d = p.fds.get(fd);
  const tty = d.isTty();
  switch (req >>> 0) {
    case FIOCLEX:
      p.fds.setCloexec(fd, true);
      return 0;
    case FIONCLEX:
      p.fds.setCloexec(fd, false);
      return 0;
    case FIONBIO:
      d.statusFlags = p.as.read32(arg) !== 0 ? d.statusFlags | O_NONBLOCK : d.statusFlags & ~O_NONBLOCK;
      return 0;
    case FIONREAD: {
      let n = 0;
      if (d instanceof PipeEnd) n = d.pipe.size;
      else if (d instanceof HostFile && !tty) {
        const st = d.stat();
        if (st.isFile()) n = Math.max(0, Number(st.size) - d.offset);
      }
      p.as.write32(arg, n);
      return 0;
    }
  }
  if (!tty) throw new Errno(ENOTTY);
  switch (req >>> 0) {
    case TCGETS:
      p.as.writeBytes(arg, termios ?? defaultTermios());
      return 0;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
      applyTermios(p.as.readBytes(arg, 36));
      return 0;
    case TIOCGWINSZ: {
      const out = process.stdout as { columns?: number; rows?: number };
      const b = Buffer.alloc(8);
      b.writeUInt16LE(out.rows ?? 24, 0);
      b.writeUInt16LE(out.columns ?? 80, 2);
      p.as.writeBytes(arg, b);
      return 0;
    }
    case TIOCSWINSZ:
      return 0;
    case TIOCGPGRP:
    case TIOCGSID:
      p.as.write32(arg, p.pid);
      return 0;
    case TIOCSPGRP:
      return 0;
    default:
      throw new Errno(ENOTTY);
  }
}

// --- pipes, poll, select ---------------------------------------------------

function pipe2(p: LinuxProcess, addr: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | 0o40000)) !== 0) throw new Errno(EINVAL);
  p.as.checkRange(addr, 8);
  const pipe = new Pipe();
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const r = p.fds.install(new PipeEnd(pipe, false, flags & O_NONBLOCK), cloexec);
  const w = p.fds.install(new PipeEnd(pipe, true, flags & O_NONBLOCK), cloexec);
  p.as.write32(addr, r);
  p.as.write32(addr + 4, w);
  return 0;
}

const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
const POLLRDNORM = 0x40, POLLWRNORM = 0x100;

function pollEvents(p: LinuxProcess, fd: number, events: number): number {
  if (!p.fds.has(fd)) return POLLNVAL;
  const d = p.fds.get(fd);
  const [r, w] = d.ready();
  let re = 0;
  if (r && d.readable) re |= events & (POLLIN | POLLRDNORM);
  if (w && d.writable) re |= events & (POLLOUT | POLLWRNORM);
  if (d instanceof PipeEnd) {
    if (!d.isWriteEnd && d.pipe.writers === 0) re |= POLLHUP;
    if (d.isWriteEnd && d.pipe.readers === 0) re |= POLLERR;
  }
  void POLLPRI;
  return re;
}

/** Sleeps for a poll/select timeout in ms when nothing was ready (negative: forever = nothing can change). */
function idle(p: LinuxProcess, ms: number): void {
  if (ms > 0) p.clock.sleep(BigInt(Math.round(ms * 1e6)));
}

function poll(p: LinuxProcess, fds: number, nfds: number, timeoutMs: number): number {
  if (nfds < 0 || nfds > 1024) throw new Errno(EINVAL);
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const at = fds + i * 8;
    const fd = p.as.read32(at);
    const events = p.as.read16(at + 4);
    const re = fd < 0 ? 0 : pollEvents(p, fd, events | POLLERR | POLLHUP);
    p.as.write16(at + 6, re);
    if (re !== 0) ready++;
  }
  if (ready === 0) idle(p, timeoutMs);
  return ready;
}

function timespecMs(as: AddressSpace, addr: number, time64: boolean): number {
  if (addr === 0) return -1;
  if (time64) return Number(as.read64(addr)) * 1000 + Number(as.read64(addr + 8)) / 1e6;
  return as.read32(addr) * 1000 + as.read32(addr + 4) / 1e6;
}

function select(p: LinuxProcess, n: number, rd: number, wr: number, ex: number, timeoutMs: number): number {
  if (n < 0 || n > 1024) throw new Errno(EINVAL);
  const words = (n + 31) >> 5;
  let ready = 0;
  const sets: [number, number][] = [[rd, POLLIN], [wr, POLLOUT], [ex, POLLPRI]];
  const results: number[][] = [];
  for (const [addr, ev] of sets) {
    const out: number[] = [];
    for (let w = 0; w < words; w++) {
      const bits = addr === 0 ? 0 : p.as.read32(addr + w * 4);
      let res = 0;
      for (let b = 0; b < 32; b++) {
        if ((bits & (1 << b)) === 0) continue;
        const fd = w * 32 + b;
        if (!p.fds.has(fd)) throw new Errno(EBADF);
        if ((pollEvents(p, fd, ev) & ev) !== 0) {
          res |= 1 << b;
          ready++;
        }
      }
      out.push(res);
    }
    results.push(out);
  }
  for (let i = 0; i < 3; i++) {
    const addr = sets[i][0];
    if (addr !== 0) for (let w = 0; w < words; w++) p.as.write32(addr + w * 4, results[i][w]);
  }
  if (ready === 0) idle(p, timeoutMs);
  return ready;
}

function sendfile(p: LinuxProcess, outFd: number, inFd: number, offAddr: number, count: number, off64: boolean): number {
  const out = p.fds.get(outFd);
  const inp = p.fds.get(inFd);
  if (!inp.readable || !out.writable) throw new Errno(EBADF);
  if ((out.statusFlags & O_APPEND) !== 0 && !(out instanceof HostFile)) throw new Errno(EINVAL);
  let pos: number | null = null;
  if (offAddr !== 0) pos = off64 ? Number(p.as.read64(offAddr)) : p.as.read32(offAddr);
  let left = Math.min(count >>> 0, MAX_RW);
  let done = 0;
  const chunk = new Uint8Array(Math.min(left, 1 << 16));
  while (left > 0) {
    const want = chunk.subarray(0, Math.min(left, chunk.length));
    let got: number;
    try {
      got = pos === null ? inp.read(want) : inp.pread(want, pos);
    } catch (e) {
      if (done > 0 && e instanceof Errno && e.errno === EAGAIN) break;
      throw e;
    }
    if (got === 0) break;
    let w = 0;
    while (w < got) w += out.write(want.subarray(w, got));
    if (pos !== null) pos += got;
    done += got;
    left -= got;
    if (got < want.length) break;
  }
  if (offAddr !== 0 && pos !== null) {
    if (off64) p.as.write64(offAddr, pos);
    else p.as.write32(offAddr, pos);
  }
  return done;
}

export const ioSyscalls: SyscallGroup = {
  read: (p, fd, buf, count) => readInto(p, p.fds.get(fd), buf, count, null),
  write: (p, fd, buf, count) => writeFrom(p, p.fds.get(fd), buf, count, null),
  pread64: (p, fd, buf, count, lo, hi) => readInto(p, p.fds.get(fd), buf, count, arg64(lo, hi)),
  pwrite64: (p, fd, buf, count, lo, hi) => writeFrom(p, p.fds.get(fd), buf, count, arg64(lo, hi)),
  readv: (p, fd, iov, cnt) => readv(p, fd, iov, cnt, null),
  writev: (p, fd, iov, cnt) => writev(p, fd, iov, cnt, null),
  preadv: (p, fd, iov, cnt, lo, hi) => readv(p, fd, iov, cnt, arg64(lo, hi)),
  pwritev: (p, fd, iov, cnt, lo, hi) => writev(p, fd, iov, cnt, arg64(lo, hi)),
  lseek: (p, fd, off, whence) => {
    const r = p.fds.get(fd).seek(off, whence);
    if (r > 0x7fffffff) throw new Errno(EOVERFLOW);
    return r;
  },
  _llseek: (p, fd, hi, lo, result, whence) => {
    const r = p.fds.get(fd).seek(arg64(lo, hi), whence);
    p.as.write64(result, r);
    return 0;
  },
  dup: (p, fd) => p.fds.install(p.fds.ref(fd), false),
  dup2: (p, oldfd, newfd) => {
    if (oldfd === newfd) {
      p.fds.get(oldfd);
      return newfd;
    }
    return dupTo(p, oldfd, newfd, false);
  },
  dup3: (p, oldfd, newfd, flags) => {
    if (oldfd === newfd || (flags & ~O_CLOEXEC) !== 0) throw new Errno(EINVAL);
    return dupTo(p, oldfd, newfd, (flags & O_CLOEXEC) !== 0);
  },
  fcntl64: (p, fd, cmd, arg) => fcntl(p, fd, cmd, arg),
  fcntl: (p, fd, cmd, arg) => fcntl(p, fd, cmd, arg),
  ioctl: (p, fd, req, arg) => ioctl(p, fd, req, arg),
  pipe: (p, addr) => pipe2(p, addr, 0),
  pipe2: (p, addr, flags) => pipe2(p, addr, flags),
  poll: (p, fds, nfds, timeout) => poll(p, fds, nfds, timeout),
  ppoll: (p, fds, nfds, tsp) => poll(p, fds, nfds, timespecMs(p.as, tsp, false)),
  ppoll_time64: (p, fds, nfds, tsp) => poll(p, fds, nfds, timespecMs(p.as, tsp, true)),
  _newselect: (p, n, rd, wr, ex, tv) => select(p, n, rd, wr, ex, tv === 0 ? -1 : p.as.read32(tv) * 1000 + p.as.read32(tv + 4) / 1000),
  select: (p, args) => {
    const a = (i: number): number => p.as.read32(args + 4 * i);
    const tv = a(4);
    return select(p, a(0), a(1), a(2), a(3), tv === 0 ? -1 : p.as.read32(tv) * 1000 + p.as.read32(tv + 4) / 1000);
  },
  pselect6: (p, n, rd, wr, ex, tsp) => select(p, n, rd, wr, ex, timespecMs(p.as, tsp, false)),
  pselect6_time64: (p, n, rd, wr, ex, tsp) => select(p, n, rd, wr, ex, timespecMs(p.as, tsp, true)),
  sendfile: (p, out, inp, off, count) => sendfile(p, out, inp, off, count, false),
  sendfile64: (p, out, inp, off, count) => sendfile(p, out, inp, off, count, true),
};

