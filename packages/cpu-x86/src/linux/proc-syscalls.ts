/**
 * Process-level system calls: exit and execve, identities, limits and
 * accounting, uname, TLS descriptors (set_thread_area), scheduling answers for
 * a single-CPU, single-thread process, getrandom and futex. fork, vfork and
 * clone return ENOSYS: x86-run runs exactly one process (see README).
 */
import { hostname } from 'node:os';
import { DS, ES, FS, GS } from '../constants.js';
import { ElfError } from './elf-loader.js';
import { fork, wait4, waitid } from './fork.js';
import {
  AT_FDCWD, EAGAIN, SIGCHLD, EINVAL, ENOSYS, EPERM, ESRCH, Errno, GDT_ENTRY_TLS_ENTRIES, GDT_ENTRY_TLS_MIN,
} from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import { NO_RESULT, type SyscallGroup } from './syscall-types.js';

const UTS_RELEASE = '6.1.0';
const UTS_VERSION = '#1 SMP PREEMPT_DYNAMIC x86-run';

function readStringArray(p: LinuxProcess, addr: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (addr === 0) return out;
  for (let i = 0; ; i++) {
    if (i > 65536) throw new Errno(7); // E2BIG
    const s = p.as.read32(addr + 4 * i);
    if (s === 0) return out;
    out.push(p.as.readCString(s, 131072));
  }
}

function execve(p: LinuxProcess, pathAddr: number, argvAddr: number, envpAddr: number): number {
  const name = p.readPath(pathAddr);
  const path = p.resolve(AT_FDCWD, name);
  const argv = readStringArray(p, argvAddr);
  const envp = readStringArray(p, envpAddr);
  let image;
  try {
    image = p.readImage(path, Buffer.from(name).toString('latin1'));
  } catch (e) {
    if (e instanceof ElfError) throw new Errno(e.errno);
    throw e;
  }
  p.fds.closeOnExec();
  p.signals.resetForExec();
  p.load(image, path, argv, envp, name);
  p.cpu.fpu.init(); // a new program starts with the FNINIT state
  return NO_RESULT;
}

// --- TLS descriptors (arch/x86/kernel/tls.c) ----------------------------------

function setThreadArea(p: LinuxProcess, uinfo: number): number {
  const as = p.as;
  let entry = as.read32(uinfo);
  const base = as.read32(uinfo + 4) >>> 0;
  const limit = as.read32(uinfo + 8) >>> 0;
  const f = as.read32(uinfo + 12);
  const seg32 = f & 1, contents = (f >> 1) & 3, readExecOnly = (f >> 3) & 1, limitInPages = (f >> 4) & 1;
  const notPresent = (f >> 5) & 1, useable = (f >> 6) & 1;
  const first = GDT_ENTRY_TLS_MIN;
  const last = GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES - 1;
  if (entry === -1) {
    entry = -1;
    for (let i = first; i <= last; i++) {
      const [lo, hi] = p.machine.gdtEntry(i);
      if (lo === 0 && hi === 0) {
        entry = i;
        break;
      }
    }
    if (entry === -1) throw new Errno(ESRCH);
    as.write32(uinfo, entry);
  }
  if (entry < first || entry > last) throw new Errno(EINVAL);
  const zero = base === 0 && limit === 0 && f === 0;
  const empty = base === 0 && limit === 0 && contents === 0 && readExecOnly === 1 && seg32 === 0 &&
    limitInPages === 0 && notPresent === 1 && useable === 0;
  if (zero || empty) {
    p.machine.setGdtEntry(entry, 0, 0);
  } else {
    if (contents === 3 && notPresent === 0) throw new Errno(EINVAL);
    const lo = (((base & 0xffff) << 16) | (limit & 0xffff)) | 0;
    const hi = ((base & 0xff000000) | ((base >>> 16) & 0xff) | (limit & 0xf0000) | ((readExecOnly ^ 1) << 9) |
      (contents << 10) | ((notPresent ^ 1) << 15) | (seg32 << 22) | (limitInPages << 23) | (useable << 20) | 0x7000) | 0;
    p.machine.setGdtEntry(entry, lo, hi);
  }
  // A segment register holding this entry sees the new descriptor (load_TLS on return to user).
  for (const s of [DS, ES, FS, GS]) {
    const sel = p.cpu.segSel[s];
    if (sel >> 3 === entry && (sel & 4) === 0) p.machine.loadDataSegment(s, sel);
  }
  return 0;
}

function getThreadArea(p: LinuxProcess, uinfo: number): number {
  const entry = p.as.read32(uinfo);
  if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) throw new Errno(EINVAL);
  const [lo, hi] = p.machine.gdtEntry(entry);
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const limit = (lo & 0xffff) | (hi & 0xf0000);
  let f = ((hi >> 22) & 1) | (((hi >> 10) & 3) << 1) | ((((hi >> 9) & 1) ^ 1) << 3) | (((hi >> 23) & 1) << 4) |
    ((((hi >> 15) & 1) ^ 1) << 5) | (((hi >> 20) & 1) << 6);
  if (lo === 0 && hi === 0) f = 0x28; // read_exec_only | seg_not_present: an empty slot
  p.as.write32(uinfo + 4, base);
  p.as.write32(uinfo + 8, limit);
  p.as.write32(uinfo + 12, f);
  return 0;
}

// --- limits and accounting -----------------------------------------------------

const RLIM_INFINITY = 0xffffffffffffffffn;
const defaultLimits: [bigint, bigint][] = [
  [RLIM_INFINITY, RLIM_INFINITY], // CPU
  [RLIM_INFINITY, RLIM_INFINITY], // FSIZE
  [RLIM_INFINITY, RLIM_INFINITY], // DATA
  [8n << 20n, RLIM_INFINITY], // STACK
  [0n, RLIM_INFINITY], // CORE
  [RLIM_INFINITY, RLIM_INFINITY], // RSS
  [63_000n, 63_000n], // NPROC
  [1024n, 1024n], // NOFILE (the runner's descriptor table size)
  [8n << 20n, 8n << 20n], // MEMLOCK
  [RLIM_INFINITY, RLIM_INFINITY], // AS
  [RLIM_INFINITY, RLIM_INFINITY], // LOCKS
  [63_000n, 63_000n], // SIGPENDING
  [819_200n, 819_200n], // MSGQUEUE
  [0n, 0n], // NICE
  [0n, 0n], // RTPRIO
  [RLIM_INFINITY, RLIM_INFINITY], // RTTIME
];
const limitsOf = new WeakMap<LinuxProcess, [bigint, bigint][]>();
function limits(p: LinuxProcess): [bigint, bigint][] {
  let l = limitsOf.get(p);
  if (l === undefined) {
    l = defaultLimits.map(([a, b]) => [a, b]);
    limitsOf.set(p, l);
  }
  return l;
}

function limit(p: LinuxProcess, res: number): [bigint, bigint] {
  const l = limits(p);
  if (res < 0 || res >= l.length) throw new Errno(EINVAL);
  return l[res];
}

/** Clamps a 64-bit limit to a 32-bit rlimit field (`max` for "infinity"). */
function clamp32(v: bigint, max: number): number {
  return v >= BigInt(max) ? max : Number(v);
}

function writeRusage(p: LinuxProcess, addr: number): void {
  const b = Buffer.alloc(72);
  const cpu = p.clock.cpuTimeNs();
  b.writeInt32LE(Number(cpu / 1_000_000_000n), 0);
  b.writeInt32LE(Number((cpu % 1_000_000_000n) / 1000n), 4);
  b.writeInt32LE(p.as.frames.used * 4, 16); // ru_maxrss (KiB)
  p.as.writeBytes(addr, b);
}

function writeUtsname(p: LinuxProcess, addr: number): void {
  const b = Buffer.alloc(6 * 65);
  const fields = ['Linux', hostname(), UTS_RELEASE, UTS_VERSION, 'i686', '(none)'];
  fields.forEach((f, i) => b.write(f.slice(0, 64), i * 65, 'utf8'));
  p.as.writeBytes(addr, b);
}

function futex(p: LinuxProcess, uaddr: number, op: number, val: number, timeout: number, time64: boolean): number {
  const cmd = op & 0x7f;
  if (cmd === 0 || cmd === 9) {
    // FUTEX_WAIT(_BITSET): no other thread exists to wake us.
    if (p.as.read32(uaddr) !== val) throw new Errno(EAGAIN);
    if (timeout !== 0) {
      const ns = time64 ? p.as.read64(timeout) * 1_000_000_000n + p.as.read64(timeout + 8)
        : BigInt(p.as.read32(timeout)) * 1_000_000_000n + BigInt(p.as.read32(timeout + 4));
      if (cmd === 0) p.clock.sleep(ns);
      throw new Errno(110); // ETIMEDOUT
    }
    throw new Errno(4); // EINTR: a lone thread would wait forever
  }
  if (cmd === 1 || cmd === 10 || cmd === 3 || cmd === 4 || cmd === 5) return 0; // WAKE, WAKE_BITSET, REQUEUE...
  throw new Errno(ENOSYS);
}

const uid = (): number => process.getuid?.() ?? 0;
const gid = (): number => process.getgid?.() ?? 0;
const euid = (): number => process.geteuid?.() ?? uid();
const egid = (): number => process.getegid?.() ?? gid();

export const procSyscalls: SyscallGroup = {
  exit: (p, status) => {
    p.exit(status);
    return NO_RESULT;
  },
  exit_group: (p, status) => {
    p.exit(status);
    return NO_RESULT;
  },
  execve: (p, path, argv, envp) => execve(p, path, argv, envp),
  fork: (p) => fork(p, SIGCHLD, 0, 0),
  vfork: (p) => fork(p, 0x4000 | 0x100 | SIGCHLD, 0, 0),
  // i386 clone(flags, newsp, parent_tidptr, tls, child_tidptr)
  clone: (p, flags, _sp, ptid, _tls, ctid) => fork(p, flags, ptid, ctid),
  clone3: () => -ENOSYS,
  wait4: (p, pid, status, options, rusage) => wait4(p, pid, status, options, rusage),
  waitpid: (p, pid, status, options) => wait4(p, pid, status, options, 0),
  waitid: (p, idtype, id, infop, options) => waitid(p, idtype, id, infop, options),

  getpid: (p) => p.pid,
  getppid: (p) => p.ppid,
  gettid: (p) => p.pid,
  getpgrp: (p) => p.pid,
  getpgid: (p, pid) => {
    if (pid !== 0 && pid !== p.pid) throw new Errno(ESRCH);
    return p.pid;
  },
  setpgid: () => 0,
  getsid: (p) => p.pid,
  setsid: () => -EPERM,
  getuid32: () => uid(),
  geteuid32: () => euid(),
  getgid32: () => gid(),
  getegid32: () => egid(),
  getuid: () => Math.min(uid(), 0xfffe),
  geteuid: () => Math.min(euid(), 0xfffe),
  getgid: () => Math.min(gid(), 0xfffe),
  getegid: () => Math.min(egid(), 0xfffe),
  getresuid32: (p, r, e, s) => {
    p.as.write32(r, uid());
    p.as.write32(e, euid());
    p.as.write32(s, euid());
    return 0;
  },
  getresgid32: (p, r, e, s) => {
    p.as.write32(r, gid());
    p.as.write32(e, egid());
    p.as.write32(s, egid());
    return 0;
  },
  getgroups32: (p, size, list) => {
    const groups = process.getgroups?.() ?? [gid()];
    if (size === 0) return groups.length;
    if (size < groups.length) throw new Errno(EINVAL);
    groups.forEach((g, i) => p.as.write32(list + 4 * i, g));
    return groups.length;
  },
  setuid32: (_p, id) => (id === uid() || euid() === 0 ? 0 : -EPERM),
  setgid32: (_p, id) => (id === gid() || euid() === 0 ? 0 : -EPERM),
  setresuid32: () => (euid() === 0 ? 0 : -EPERM),
  setresgid32: () => (euid() === 0 ? 0 : -EPERM),
  setreuid32: () => (euid() === 0 ? 0 : -EPERM),
  setregid32: () => (euid() === 0 ? 0 : -EPERM),
  setgroups32: () => (euid() === 0 ? 0 : -EPERM),
  capget: (p, _hdr, data) => {
    if (data !== 0) p.as.zero(data, 24);
    return 0;
  },

  uname: (p, buf) => {
    writeUtsname(p, buf);
    return 0;
  },
  set_thread_area: (p, u) => setThreadArea(p, u),
  get_thread_area: (p, u) => getThreadArea(p, u),
  set_tid_address: (p, addr) => {
    p.tidAddress = addr;
    return p.pid;
  },
  set_robust_list: (_p, _head, len) => (len === 12 ? 0 : -EINVAL),
  get_robust_list: () => -EPERM,
  rseq: () => -ENOSYS,
  arch_prctl: () => -EINVAL,
  modify_ldt: () => -ENOSYS,
  personality: () => 0,
  prctl: (p, option, arg2) => {
    switch (option) {
      case 15: // PR_SET_NAME
        p.comm = Buffer.from(p.as.readBytes(arg2, 16)).toString('latin1').split('\0')[0];
        return 0;
      case 16: {
        // PR_GET_NAME
        const b = Buffer.alloc(16);
        b.write(p.comm.slice(0, 15), 'latin1');
        p.as.writeBytes(arg2, b);
        return 0;
      }
      case 1: // PR_SET_PDEATHSIG
      case 4: // PR_SET_DUMPABLE
      case 38: // PR_SET_NO_NEW_PRIVS
        return 0;
      case 3: // PR_GET_DUMPABLE
        return 1;
      case 39: // PR_GET_NO_NEW_PRIVS
        return 0;
      default:
        return -EINVAL;
    }
  },

  ugetrlimit: (p, res, addr) => {
    const [cur, max] = limit(p, res);
    p.as.write32(addr, clamp32(cur, 0xffffffff));
    p.as.write32(addr + 4, clamp32(max, 0xffffffff));
    return 0;
  },
  getrlimit: (p, res, addr) => {
    const [cur, max] = limit(p, res);
    p.as.write32(addr, clamp32(cur, 0x7fffffff));
    p.as.write32(addr + 4, clamp32(max, 0x7fffffff));
    return 0;
  },
  setrlimit: (p, res, addr) => {
    const l = limit(p, res);
    const conv = (v: number): bigint => ((v >>> 0) === 0xffffffff ? RLIM_INFINITY : BigInt(v >>> 0));
    l[0] = conv(p.as.read32(addr));
    l[1] = conv(p.as.read32(addr + 4));
    return 0;
  },
  prlimit64: (p, pid, res, newAddr, oldAddr) => {
    if (pid !== 0 && pid !== p.pid) throw new Errno(ESRCH);
    const l = limit(p, res);
    if (oldAddr !== 0) {
      p.as.write64(oldAddr, l[0]);
      p.as.write64(oldAddr + 8, l[1]);
    }
    if (newAddr !== 0) {
      l[0] = BigInt.asUintN(64, p.as.read64(newAddr));
      l[1] = BigInt.asUintN(64, p.as.read64(newAddr + 8));
    }
    return 0;
  },
  getrusage: (p, _who, addr) => {
    writeRusage(p, addr);
    return 0;
  },
  times: (p, buf) => {
    const ticks = (ns: bigint): number => Number((ns / 10_000_000n) & 0x7fffffffn);
    if (buf !== 0) {
      const b = Buffer.alloc(16);
      b.writeInt32LE(ticks(p.clock.cpuTimeNs()), 0);
      p.as.writeBytes(buf, b);
    }
    return ticks(p.clock.monotonicNs());
  },
  sysinfo: (p, addr) => {
    const b = Buffer.alloc(64);
    const total = p.as.frames.total * 4096;
    b.writeInt32LE(Number(p.clock.monotonicNs() / 1_000_000_000n) | 0, 0);
    b.writeUInt32LE(total >>> 0, 16);
    b.writeUInt32LE((total - p.as.frames.used * 4096) >>> 0, 20);
    b.writeUInt16LE(1, 40);
    b.writeUInt32LE(1, 52); // mem_unit
    p.as.writeBytes(addr, b);
    return 0;
  },

  sched_getaffinity: (p, _pid, len, mask) => {
    if ((len >>> 0) < 4) throw new Errno(EINVAL);
    p.as.write32(mask, 1);
    return 4;
  },
  sched_setaffinity: () => 0,
  sched_yield: () => 0,
  sched_getscheduler: () => 0,
  sched_getparam: (p, _pid, param) => {
    p.as.write32(param, 0);
    return 0;
  },
  sched_setscheduler: () => -EPERM,
  sched_get_priority_max: () => 0,
  sched_get_priority_min: () => 0,
  getcpu: (p, cpu, node) => {
    if (cpu !== 0) p.as.write32(cpu, 0);
    if (node !== 0) p.as.write32(node, 0);
    return 0;
  },
  getpriority: () => 20,
  setpriority: () => 0,
  nice: () => 0,
  ioprio_get: () => 0,
  ioprio_set: () => 0,
  getrandom: (p, buf, len) => {
    const n = Math.min(len >>> 0, 33554431);
    p.as.writeBytes(buf, p.random.bytes(n));
    return n;
  },
  futex: (p, uaddr, op, val, timeout) => futex(p, uaddr, op, val, timeout, false),
  futex_time64: (p, uaddr, op, val, timeout) => futex(p, uaddr, op, val, timeout, true),
  membarrier: () => -ENOSYS,
  socketcall: () => -ENOSYS,
  socket: () => -97, // EAFNOSUPPORT
  socketpair: () => -97,
};

