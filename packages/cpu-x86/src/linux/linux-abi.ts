/**
 * The parts of the Linux i386 user ABI the runner speaks: errno values,
 * signal numbers, flag bits and selectors. Values are those of the kernel's
 * uapi headers for i386 (asm-generic/errno*.h, asm/signal.h, asm/segment.h).
 */

// --- errno (asm-generic/errno-base.h, errno.h)
export const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8;
export const EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16;
export const EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23;
export const EMFILE = 24, ENOTTY = 25, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EPIPE = 32;
export const ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EOVERFLOW = 75;
export const ENOTSOCK = 88, EOPNOTSUPP = 95, EAFNOSUPPORT = 97;

// --- signals (asm/signal.h)
export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7;
export const SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13;
export const SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19;
export const SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25;
export const SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
export const NSIG = 64;

export const SIG_DFL = 0, SIG_IGN = 1;
export const SA_NOCLDSTOP = 0x1, SA_NOCLDWAIT = 0x2, SA_SIGINFO = 0x4, SA_RESTORER = 0x04000000;
export const SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000 | 0;
export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const SS_ONSTACK = 1, SS_DISABLE = 2;
export const MINSIGSTKSZ = 2048;

// si_code values (asm-generic/siginfo.h)
export const SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
export const ILL_ILLOPN = 2, FPE_INTDIV = 1, FPE_INTOVF = 2, FPE_FLTDIV = 3, FPE_FLTINV = 7;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRALN = 1, TRAP_BRKPT = 1, TRAP_TRACE = 2;

// --- open(2) and friends (asm-generic/fcntl.h; the i386 values)
export const O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
export const O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000, O_DSYNC = 0o10000, O_DIRECT = 0o40000, O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000, O_NOATIME = 0o1000000, O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000, O_SYNC = 0o4010000, O_TMPFILE = 0o20200000;
export const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
export const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6;
export const F_SETLKW = 7, F_GETLK64 = 12, F_SETLK64 = 13, F_SETLKW64 = 14, F_DUPFD_CLOEXEC = 1030;
export const F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1;
export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;

// --- mmap (asm-generic/mman*.h)
export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
export const MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x100, MAP_FIXED_NOREPLACE = 0x100000;
export const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;

// --- selectors of the runner's GDT (the Linux i386 layout, asm/segment.h)
export const GDT_ENTRY_TLS_MIN = 6;
export const GDT_ENTRY_TLS_ENTRIES = 3;
export const GDT_ENTRY_KERNEL_CS = 12;
export const GDT_ENTRY_KERNEL_DS = 13;
export const GDT_ENTRY_USER_CS = 14;
export const GDT_ENTRY_USER_DS = 15;
export const GDT_ENTRY_TSS = 16;
export const GDT_ENTRIES = 32;
export const KERNEL_CS = GDT_ENTRY_KERNEL_CS * 8;
export const KERNEL_DS = GDT_ENTRY_KERNEL_DS * 8;
export const USER_CS = GDT_ENTRY_USER_CS * 8 + 3;
export const USER_DS = GDT_ENTRY_USER_DS * 8 + 3;
export const TSS_SELECTOR = GDT_ENTRY_TSS * 8;

/** The user/kernel split of a 3G/1G i386 kernel. */
export const TASK_SIZE = 0xc0000000;
export const PAGE_SIZE = 4096;
/** Load address of ET_DYN images without PT_INTERP (what 32-bit programs see on common kernels, no ASLR). */
export const ET_DYN_BASE = 0x56555000;
/** Where top-down mmap starts: TASK_SIZE less the 128 MiB minimum stack gap (mm/util.c mmap_base). */
export const MMAP_BASE = TASK_SIZE - 0x08000000;
/** The stack reserved below TASK_SIZE (RLIMIT_STACK's usual 8 MiB). */
export const STACK_SIZE = 8 << 20;

/** An error a system call returns as -errno. Thrown inside handlers, caught by the dispatcher. */
export class Errno extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

/** Throws `Errno(e)`; a helper that reads as a statement. */
export function fail(e: number): never {
  throw new Errno(e);
}
