/* syscall.c: the int 0x80 system-call path: the Linux i386 ABI (number in EAX, arguments in
 * EBX ECX EDX ESI EDI EBP, result or -errno in EAX; arch/x86/entry/syscalls/syscall_32.tbl).
 * An unknown number is -ENOSYS with one log line (the first few times per number). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"
#include "trap.h"

#define NR_SYSCALLS 450
static const syscall_fn table[NR_SYSCALLS] = {
    [1] = sys_exit, [3] = sys_read, [4] = sys_write, [5] = sys_open, [6] = sys_close, [11] = sys_execve, [12] = sys_chdir,
    [13] = sys_time, [19] = sys_lseek, [20] = sys_getpid, [24] = sys_getuid, [29] = sys_pause,
    [33] = sys_access, [37] = sys_kill, [41] = sys_dup, [45] = sys_brk, [47] = sys_getgid,
    [49] = sys_geteuid, [50] = sys_getegid, [54] = sys_ioctl, [57] = sys_setpgid, [60] = sys_umask,
    [63] = sys_dup2, [64] = sys_getppid, [65] = sys_getpgrp, [66] = sys_setsid, [76] = sys_getrlimit,
    [78] = sys_gettimeofday, [85] = sys_readlink, [88] = sys_reboot, [90] = sys_old_mmap,
    [91] = sys_munmap, [116] = sys_sysinfo, [119] = sys_sigreturn, [122] = sys_uname,
    [125] = sys_mprotect, [132] = sys_getpgid, [140] = sys_llseek, [145] = sys_readv,
    [146] = sys_writev, [147] = sys_getsid, [158] = sys_sched_yield, [162] = sys_nanosleep,
    [172] = sys_prctl, [173] = sys_rt_sigreturn, [174] = sys_rt_sigaction,
    [175] = sys_rt_sigprocmask, [183] = sys_getcwd, [186] = sys_sigaltstack, [191] = sys_getrlimit,
    [192] = sys_mmap2, [195] = sys_stat64, [196] = sys_lstat64, [197] = sys_fstat64,
    [199] = sys_getuid, [200] = sys_getgid, [201] = sys_geteuid, [202] = sys_getegid,
    [220] = sys_getdents64, [221] = sys_fcntl64, [224] = sys_gettid, [243] = sys_set_thread_area,
    [244] = sys_get_thread_area, [252] = sys_exit_group, [258] = sys_set_tid_address,
    [265] = sys_clock_gettime, [266] = sys_clock_getres, [270] = sys_tgkill, [295] = sys_openat,
    [300] = sys_fstatat64, [305] = sys_readlinkat, [307] = sys_faccessat, [311] = sys_set_robust_list,
    [27] = sys_alarm, [43] = sys_times, [77] = sys_getrusage, [104] = sys_setitimer, [105] = sys_getitimer, [284] = sys_waitid,
    [330] = sys_dup3, [340] = sys_prlimit64, [355] = sys_getrandom, [383] = sys_statx,
    [403] = sys_clock_gettime64, [406] = sys_clock_getres64,
    /* processes, signals, pipes (fork.c, wait.c, sys_signal.c, pipe.c) */
    [2] = sys_fork, [7] = sys_waitpid, [42] = sys_pipe, [114] = sys_wait4, [120] = sys_clone,
    [176] = sys_rt_sigpending, [179] = sys_rt_sigsuspend, [190] = sys_vfork, [238] = sys_tkill,
    [331] = sys_pipe2,
    /* file system (sys_fs.c) */
    [9] = sys_link, [10] = sys_unlink, [14] = sys_mknod, [15] = sys_chmod, [16] = sys_lchown16,
    [36] = sys_sync, [38] = sys_rename, [39] = sys_mkdir, [40] = sys_rmdir, [83] = sys_symlink,
    [92] = sys_truncate, [93] = sys_ftruncate, [94] = sys_fchmod, [95] = sys_fchown16,
    [118] = sys_fsync, [133] = sys_fchdir, [148] = sys_fsync, [180] = sys_pread64,
    [181] = sys_pwrite64, [182] = sys_chown16, [193] = sys_truncate64, [194] = sys_ftruncate64,
    [198] = sys_lchown32, [207] = sys_fchown32, [212] = sys_chown32, [268] = sys_statfs64,
    [269] = sys_fstatfs64, [296] = sys_mkdirat, [297] = sys_mknodat, [298] = sys_fchownat,
    [301] = sys_unlinkat, [302] = sys_renameat, [303] = sys_linkat, [304] = sys_symlinkat,
    [306] = sys_fchmodat, [320] = sys_utimensat, [344] = sys_fsync, [353] = sys_renameat2,
    [412] = sys_utimensat_time64, [439] = sys_faccessat2,
    [142] = sys_newselect, [168] = sys_poll, [308] = sys_pselect6, [309] = sys_ppoll,
    [413] = sys_pselect6_time64, [414] = sys_ppoll_time64,
};

static uint8_t enosys_logged[NR_SYSCALLS + 1];

void do_syscall(struct pt_regs *regs)
{
    arch_local_irq_disable();
    uint32_t nr = regs->eax;
    syscall_fn fn = nr < NR_SYSCALLS ? table[nr] : 0;
    long ret;
    if (fn) {
        ret = fn(regs->ebx, regs->ecx, regs->edx, regs->esi, regs->edi, regs->ebp);
    } else {
        uint32_t k = nr < NR_SYSCALLS ? nr : NR_SYSCALLS;
        if (enosys_logged[k] < 3) {
            enosys_logged[k]++;
            printk(KERN_INFO "%s[%d]: unknown system call %u\n", current->comm, current->pid, nr);
        }
        ret = -ENOSYS;
    }
    regs->eax = (uint32_t)ret;
    arch_flush_mmu();
}
