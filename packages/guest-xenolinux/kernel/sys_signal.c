/* sys_signal.c: signal dispositions and masks, recorded as Linux does (rt_sigaction with an
 * 8-byte sigset on i386; SIGKILL and SIGSTOP cannot be caught or blocked), kill/tgkill/tkill,
 * sigreturn/rt_sigreturn, pause, rt_sigsuspend, rt_sigpending. Delivery: signal.c. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"
#include "signal_frame.h"

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
        /* Setting SIG_IGN (or a default that ignores) discards what is pending (POSIX). */
        if (n.handler == SIG_IGN || (n.handler == SIG_DFL && (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
                                                              sig == SIGWINCH)))
            current->sig_pending &= ~sigbit(sig);
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

SYSCALL(kill)
{
    int32_t pid = (int32_t)a1;
    int sig = (int32_t)a2;
    if (sig < 0 || sig > _NSIG) return -EINVAL;
    if (pid > 0) {
        struct task *t = find_task(pid);
        if (!t || t->state == TASK_ZOMBIE) return -ESRCH;
        return send_signal(t, sig);
    }
    if (pid == 0) return kill_pgrp(current->pgid, sig);
    if (pid < -1) return kill_pgrp(-pid, sig);
    /* -1: every process but init and the caller. */
    int found = 0;
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = task_table[i];
        if (t && t->pid > 1 && t != current && t->state != TASK_ZOMBIE) {
            found = 1;
            send_signal(t, sig);
        }
    }
    return found ? 0 : -ESRCH;
}

/* One thread per process: the thread id is the process id. */
SYSCALL(tgkill)
{
    int sig = (int32_t)a3;
    if (sig < 0 || sig > _NSIG || (int32_t)a1 <= 0 || (int32_t)a2 <= 0) return -EINVAL;
    struct task *t = find_task((int32_t)a2);
    if (!t || t->pid != (int32_t)a1 || t->state == TASK_ZOMBIE) return -ESRCH;
    return send_signal(t, sig);
}
SYSCALL(tkill)
{
    int sig = (int32_t)a2;
    if (sig < 0 || sig > _NSIG || (int32_t)a1 <= 0) return -EINVAL;
    struct task *t = find_task((int32_t)a1);
    if (!t || t->state == TASK_ZOMBIE) return -ESRCH;
    return send_signal(t, sig);
}

/* Back from a handler: the registers and mask saved in the frame. A frame that cannot be read
 * kills with SIGSEGV, as Linux's force_sig. The result is the restored EAX. */
static long restore_sigcontext(const struct sigcontext *sc, uint64_t mask)
{
    struct pt_regs *r = current->regs;
    r->gs = sc->gs; r->fs = sc->fs; r->es = sc->es; r->ds = sc->ds;
    r->edi = sc->edi; r->esi = sc->esi; r->ebp = sc->ebp; r->esp = sc->esp;
    r->ebx = sc->ebx; r->edx = sc->edx; r->ecx = sc->ecx; r->eax = sc->eax;
    r->eip = sc->eip; r->eflags = sc->eflags;
    r->vector = 0;   /* not a system call any more: no restart */
    if (sc->fpstate) {
        struct fpstate fp;
        if (copy_from_user(&fp, (const void *)sc->fpstate, sizeof(fp))) do_exit(SIGSEGV);
        arch_fpu_restore(fp.fnsave);
    }
    arch_sanitize_user_regs(r);
    current->sigmask = mask & ~UNBLOCKABLE;
    return (long)r->eax;
}

SYSCALL(rt_sigreturn)
{
    struct rt_sigframe f;
    /* The handler's `ret` popped pretcode. */
    if (copy_from_user(&f, (const void *)(current->regs->esp - 4), sizeof(f))) do_exit(SIGSEGV);
    long rc = restore_sigcontext(&f.uc.mcontext, f.uc.sigmask);
    altstack_restore(current->regs->esp, f.uc.ss_sp, f.uc.ss_flags, f.uc.ss_size);
    return rc;
}
SYSCALL(sigreturn)
{
    struct sigframe f;
    /* pretcode popped by `ret`, sig by __restore's `popl %eax`. */
    if (copy_from_user(&f, (const void *)(current->regs->esp - 8), sizeof(f))) do_exit(SIGSEGV);
    return restore_sigcontext(&f.sc, f.sc.oldmask | ((uint64_t)f.extramask << 32));
}

SYSCALL(pause)
{
    while (!signal_pending()) sleep_on(&current->sig_pending);
    return -ERESTARTNOHAND;
}

/* The mask is the given one until a handler has run; the frame carries the old one back. */
SYSCALL(rt_sigsuspend)
{
    uint64_t mask;
    if (a2 != SIGSET_SIZE) return -EINVAL;
    if (copy_from_user(&mask, (const void *)a1, 8)) return -EFAULT;
    current->saved_sigmask = current->sigmask;
    current->restore_sigmask = true;
    current->sigmask = mask & ~UNBLOCKABLE;
    while (!signal_pending()) sleep_on(&current->sig_pending);
    return -ERESTARTNOHAND;
}

SYSCALL(rt_sigpending)
{
    if (a2 != SIGSET_SIZE) return -EINVAL;
    uint64_t set = current->sig_pending & current->sigmask;
    return copy_to_user((void *)a1, &set, 8);
}
