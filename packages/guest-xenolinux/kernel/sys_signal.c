/* sys_signal.c: signal dispositions and masks, recorded as Linux does (rt_sigaction with an
 * 8-byte sigset on i386; SIGKILL and SIGSTOP cannot be caught or blocked). Delivery to user
 * handlers arrives with the signal milestone; until then a signal terminates (kill, faults). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

#define SIGSET_SIZE 8
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

SYSCALL(rt_sigaction)
{
    int sig = (int32_t)a1;
    if (a4 != SIGSET_SIZE) return -EINVAL;
    if (sig < 1 || sig > _NSIG) return -EINVAL;
    struct k_sigaction *ka = &current->sigactions[sig - 1];
    struct k_sigaction old = *ka;
    if (a2) {
        struct k_sigaction n;
        if (copy_from_user(&n, (const void *)a2, sizeof(n))) return -EFAULT;
        if (sig == SIGKILL || sig == SIGSTOP) return -EINVAL;
        n.mask &= ~UNBLOCKABLE;
        *ka = n;
    }
    if (a3 && copy_to_user((void *)a3, &old, sizeof(old))) return -EFAULT;
    return 0;
}

SYSCALL(rt_sigprocmask)
{
    if (a4 != SIGSET_SIZE) return -EINVAL;
    uint64_t old = current->sigmask;
    if (a2) {
        uint64_t set;
        if (copy_from_user(&set, (const void *)a2, 8)) return -EFAULT;
        switch (a1) {
        case SIG_BLOCK: current->sigmask |= set; break;
        case SIG_UNBLOCK: current->sigmask &= ~set; break;
        case SIG_SETMASK: current->sigmask = set; break;
        default: return -EINVAL;
        }
        current->sigmask &= ~UNBLOCKABLE;
    }
    if (a3 && copy_to_user((void *)a3, &old, 8)) return -EFAULT;
    return 0;
}

SYSCALL(sigaltstack)
{
    if (a2) {
        uint32_t ss[3] = { 0, 2 /* SS_DISABLE */, 0 };
        if (copy_to_user((void *)a2, ss, sizeof(ss))) return -EFAULT;
    }
    return 0; /* recorded with delivery (signal milestone) */
}

/* Default actions only for now: SIGCHLD/SIGCONT/SIGURG/SIGWINCH are ignored, the rest kill. */
static long send_signal(int sig)
{
    if (sig == 0) return 0;
    if (sig < 1 || sig > _NSIG) return -EINVAL;
    uint32_t h = current->sigactions[sig - 1].handler;
    if (sig == SIGCHLD || sig == SIGCONT || sig == 23 || sig == 28 || h == 1 /* SIG_IGN */) return 0;
    do_exit(sig);
}

SYSCALL(kill)
{
    int32_t pid = (int32_t)a1;
    if (pid != current->pid && pid != 0 && pid != -1 && pid != -current->pid) return -ESRCH;
    return send_signal((int32_t)a2);
}
SYSCALL(tgkill)
{
    if ((int32_t)a1 != current->pid || (int32_t)a2 != current->pid) return -ESRCH;
    return send_signal((int32_t)a3);
}
SYSCALL(rt_sigreturn) { do_exit(SIGSEGV); } /* no signal frame can exist yet */
SYSCALL(sigreturn) { do_exit(SIGSEGV); }
SYSCALL(pause)
{
    for (;;) arch_idle(); /* until a signal (signal milestone) */
}
