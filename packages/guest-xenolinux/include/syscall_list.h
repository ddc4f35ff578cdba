/* The implemented system calls, once each (X-macro). Numbers: syscall.c. */
X(exit) X(read) X(write) X(open) X(close) X(time) X(lseek) X(getpid) X(getuid) X(access) X(brk)
X(getgid) X(geteuid) X(getegid) X(ioctl) X(umask) X(dup) X(dup2) X(getppid) X(getpgrp) X(setsid)
X(getrlimit) X(gettimeofday) X(readlink) X(reboot) X(old_mmap) X(munmap) X(uname) X(mprotect)
X(getpgid) X(llseek) X(getdents64) X(writev) X(readv) X(getsid) X(nanosleep) X(prctl)
X(rt_sigaction) X(rt_sigprocmask) X(getcwd) X(sigaltstack) X(mmap2) X(stat64) X(lstat64) X(fstat64)
X(fcntl64) X(gettid) X(set_thread_area) X(get_thread_area) X(exit_group) X(set_tid_address)
X(clock_gettime) X(clock_getres) X(openat) X(fstatat64) X(set_robust_list) X(dup3) X(prlimit64)
X(getrandom) X(statx) X(clock_gettime64) X(clock_getres64) X(chdir) X(setpgid) X(faccessat)
X(readlinkat) X(sysinfo) X(kill) X(tgkill) X(rt_sigreturn) X(sigreturn) X(sched_yield)
X(pause) X(execve)
/* interval timers and CPU time (itimer.c) */
X(alarm) X(setitimer) X(getitimer) X(times) X(getrusage)
/* file system (sys_fs.c) */
X(pread64) X(pwrite64) X(fchdir) X(ftruncate) X(ftruncate64) X(truncate) X(truncate64) X(mkdir)
X(mkdirat) X(mknod) X(mknodat) X(symlink) X(symlinkat) X(unlink) X(rmdir) X(unlinkat) X(rename)
X(renameat) X(renameat2) X(link) X(linkat) X(chmod) X(fchmodat) X(fchmod) X(chown32) X(lchown32)
X(fchown32) X(chown16) X(lchown16) X(fchown16) X(fchownat) X(utimensat) X(utimensat_time64)
X(sync) X(fsync) X(statfs64) X(fstatfs64) X(faccessat2)
X(poll) X(ppoll) X(ppoll_time64) X(newselect) X(pselect6) X(pselect6_time64)
/* processes, signals, pipes */
X(fork) X(vfork) X(clone) X(wait4) X(waitpid) X(waitid) X(pipe) X(pipe2) X(tkill) X(rt_sigsuspend) X(rt_sigpending)
