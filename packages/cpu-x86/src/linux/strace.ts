/**
 * `--strace`: one line per system call on stderr, like `qemu-i386 -strace`:
 * `pid name(args) = result`, strings quoted, errors as `-1 ENOENT (...)`.
 */
import { constants } from 'node:os';
import { Errno } from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import { SYSCALL_NAMES } from './syscall-names.js';
import { NO_RESULT } from './syscall-types.js';

/** Argument kinds: d = signed decimal, u = unsigned, x = hex, o = octal, s = C string, f = fd / AT_FDCWD. */
const SIGNATURES: Record<string, string> = {
  exit: 'd', exit_group: 'd', read: 'fxu', write: 'fxu', open: 'sxo', openat: 'fsxo', close: 'f', creat: 'so',
  link: 'ss', unlink: 's', execve: 'sxx', chdir: 's', time: 'x', chmod: 'so', lseek: 'fdd', getpid: '', access: 'so',
  kill: 'dd', rename: 'ss', mkdir: 'so', rmdir: 's', dup: 'f', pipe: 'x', brk: 'x', ioctl: 'fxx', fcntl: 'fdx',
  fcntl64: 'fdx', dup2: 'ff', umask: 'o', symlink: 'ss', readlink: 'sxu', mmap: 'x', munmap: 'xu', truncate: 'sd',
  ftruncate: 'fd', fchmod: 'fo', stat64: 'sx', lstat64: 'sx', fstat64: 'fx', fstatat64: 'fsxx', statx: 'fsxxx',
  mprotect: 'xux', _llseek: 'fddxd', getdents64: 'fxu', getdents: 'fxu', readv: 'fxd', writev: 'fxd',
  mremap: 'xuuxx', poll: 'xdd', rt_sigaction: 'dxxu', rt_sigprocmask: 'dxxu', pread64: 'fxudd', pwrite64: 'fxudd',
  getcwd: 'xu', mmap2: 'xuxxfx', ftruncate64: 'fdd', truncate64: 'sdd', set_thread_area: 'x', set_tid_address: 'x',
  clock_gettime: 'dx', clock_gettime64: 'dx', statfs64: 'sux', fstatfs64: 'fux', tgkill: 'ddd', utimensat: 'fsxx',
  utimensat_time64: 'fsxx', mkdirat: 'fso', unlinkat: 'fsx', renameat: 'fsfs', renameat2: 'fsfsx', linkat: 'fsfsx',
  symlinkat: 'sfs', readlinkat: 'fsxu', fchmodat: 'fso', faccessat: 'fso', faccessat2: 'fsox', pipe2: 'xx',
  dup3: 'ffx', prlimit64: 'ddxx', getrandom: 'xux', uname: 'x', sendfile64: 'ffxu', sendfile: 'ffxu',
  nanosleep: 'xx', clock_nanosleep: 'ddxx', clock_nanosleep_time64: 'ddxx', ugetrlimit: 'dx', getrlimit: 'dx',
  sigaltstack: 'xx', madvise: 'xud', wait4: 'dxxx', prctl: 'dxxxx', futex: 'xdxxxx', chown32: 'sdd',
  lchown32: 'sdd', fchown32: 'fdd', fchownat: 'fsddx', _newselect: 'dxxxx', ppoll: 'xdxx', ppoll_time64: 'xdxx',
  set_robust_list: 'xu', rseq: 'xuxx', sched_getaffinity: 'dux', gettimeofday: 'xx', times: 'x', sysinfo: 'x',
};

const errnoNames: string[] = [];
for (const [name, num] of Object.entries(constants.errno as Record<string, number>)) errnoNames[num] ??= name;

function quote(bytes: Uint8Array, max = 64): string {
  let s = '"';
  for (let i = 0; i < Math.min(bytes.length, max); i++) {
    const b = bytes[i];
    if (b === 0x22 || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (b === 10) s += '\\n';
    else if (b === 9) s += '\\t';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${s}"${bytes.length > max ? '...' : ''}`;
}

function formatArg(p: LinuxProcess, kind: string, v: number): string {
  switch (kind) {
    case 'd':
      return String(v | 0);
    case 'u':
      return String(v >>> 0);
    case 'o':
      return `0${(v >>> 0).toString(8)}`;
    case 'f':
      return v === -100 ? 'AT_FDCWD' : String(v | 0);
    case 's':
      if (v === 0) return 'NULL';
      try {
        return quote(p.as.readCString(v, 4096), 256);
      } catch (e) {
        if (e instanceof Errno) return `0x${(v >>> 0).toString(16)}`;
        throw e;
      }
    default:
      return `0x${(v >>> 0).toString(16)}`;
  }
}

/** `name(args)`, formatted before the call runs (an execve replaces the memory the strings are in). */
export function formatCall(p: LinuxProcess, nr: number, a: readonly number[]): string {
  const name = SYSCALL_NAMES[nr] || `syscall_${nr}`;
  const sig = SIGNATURES[name];
  const args = sig === undefined ? a.map((v) => `0x${(v >>> 0).toString(16)}`) : [...sig].map((k, i) => formatArg(p, k, a[i]));
  return `${p.pid} ${name}(${args.join(',')})`;
}

export function formatResult(nr: number, result: number): string {
  const name = SYSCALL_NAMES[nr] ?? '';
  if (result === NO_RESULT) return ' = ?';
  if (result < 0 && result > -4096) {
    const e = -result;
    return ` = -1 ${errnoNames[e] ?? `errno ${e}`} (${errnoMessage(e)})`;
  }
  if (name === 'brk' || name.startsWith('mmap') || name === 'mremap') return ` = 0x${(result >>> 0).toString(16).padStart(8, '0')}`;
  return ` = ${result}`;
}

function errnoMessage(e: number): string {
  const msgs: Record<number, string> = {
    1: 'Operation not permitted', 2: 'No such file or directory', 9: 'Bad file descriptor', 10: 'No child processes',
    11: 'Resource temporarily unavailable', 12: 'Cannot allocate memory', 13: 'Permission denied',
    14: 'Bad address', 17: 'File exists', 20: 'Not a directory', 21: 'Is a directory', 22: 'Invalid argument',
    25: 'Inappropriate ioctl for device', 29: 'Illegal seek', 32: 'Broken pipe', 34: 'Numerical result out of range',
    38: 'Function not implemented', 39: 'Directory not empty', 95: 'Operation not supported',
    97: 'Address family not supported by protocol',
  };
  return msgs[e] ?? 'error';
}
