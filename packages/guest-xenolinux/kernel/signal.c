/* signal.c: sending and delivering signals as Linux i386 does. A signal is made pending on the
 * target (waking it from an interruptible sleep); on the way back to user mode (exit_to_user)
 * the lowest pending unblocked one is taken: ignored, a default action (terminate, stop,
 * continue), or a handler entered through a real i386 signal frame - `struct sigframe` for
 * plain handlers, `struct rt_sigframe` (siginfo + ucontext) for SA_SIGINFO - returning through
 * sa_restorer (glibc's __restore / __restore_rt) or the frame's own retcode into sigreturn /
 * rt_sigreturn (sys_signal.c). The x87 state is saved after the frame and the handler starts
 * with a freshly initialised FPU, as on Linux. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "signal_frame.h"

#define UNBLOCKABLE (sigbit(SIGKILL) | sigbit(SIGSTOP))
#define STOP_SIGNALS (sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU))
#define IGNORED_BY_DEFAULT (sigbit(SIGCHLD) | sigbit(SIGCONT) | sigbit(SIGURG) | sigbit(SIGWINCH))

bool signal_pending(void) { return (current->sig_pending & ~current->sigmask) != 0; }

static int deliver(struct task *t, int sig, bool forced);
int send_signal(struct task *t, int sig) { return deliver(t, sig, false); }

static int deliver(struct task *t, int sig, bool forced)
{
    if (sig == 0) return 0;
    if (sig < 1 || sig > _NSIG) return -EINVAL;
    if (t->state == TASK_ZOMBIE) return 0;
    uint64_t bit = sigbit(sig);
    if (sig == SIGCONT || sig == SIGKILL) {
        t->sig_pending &= ~STOP_SIGNALS;
        if (t->state == TASK_STOPPED) {
            t->state = TASK_RUNNING;
            t->stop_report = 0xffff;
            struct task *p = find_task(t->ppid);
            if (p) wake_up(p);
        }
    }
    if (bit & STOP_SIGNALS) t->sig_pending &= ~sigbit(SIGCONT);
    uint32_t h = t->sigactions[sig - 1].handler;
    if (sig != SIGKILL && !(t->sigmask & bit) &&
        (h == SIG_IGN || (h == SIG_DFL && (bit & IGNORED_BY_DEFAULT))))
        return 0;   /* discarded at once, as Linux's sig_ignored() */
    /* Init gets only the signals it handles (Linux's SIGNAL_UNKILLABLE), unless forced by a fault. */
    if (t->pid == 1 && h == SIG_DFL && !forced) return 0;
    t->sig_pending |= bit;
    if (t->state == TASK_SLEEPING && ((bit & ~t->sigmask) || sig == SIGKILL)) wake_task(t);
    return 0;
}

int kill_pgrp(int pgrp, int sig)
{
    int found = 0, rc = 0;
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = task_table[i];
        if (t && t->pgid == pgrp && t->state != TASK_ZOMBIE) {
            found = 1;
            rc = send_signal(t, sig);
        }
    }
    return found ? rc : -ESRCH;
}

/* A fault's signal must arrive: unblock it, and an ignored one reverts to the default. */
void force_signal(int sig)
{
    struct k_sigaction *ka = &current->sigactions[sig - 1];
    if (ka->handler == SIG_IGN) ka->handler = SIG_DFL;
    current->sigmask &= ~sigbit(sig);
    deliver(current, sig, true);
}

/* Linux's get_sigframe: below the interrupted stack (or at the top of the alternate one), and
 * 16-byte aligned so that the handler sees (ESP + 4) % 16 == 0 on entry, as after a call.
 * 0 when the frame would run off the alternate stack. */
static uint32_t frame_address(struct pt_regs *regs, struct k_sigaction *ka, size_t size)
{
    uint32_t top = signal_stack_top(regs->esp, ka->flags, size);
    if (!top) return 0;
    uint32_t sp = top - size;
    return ((sp + 4) & ~15u) - 4;
}

static void fill_sigcontext(struct sigcontext *sc, struct pt_regs *r, uint64_t mask, uint32_t fpstate_va)
{
    sc->gs = r->gs & 0xffff;
    sc->fs = r->fs & 0xffff;
    sc->es = r->es & 0xffff;
    sc->ds = r->ds & 0xffff;
    sc->edi = r->edi;
    sc->esi = r->esi;
    sc->ebp = r->ebp;
    sc->esp = r->esp;
    sc->ebx = r->ebx;
    sc->edx = r->edx;
    sc->ecx = r->ecx;
    sc->eax = r->eax;
    sc->trapno = r->vector;
    sc->err = r->error_code;
    sc->eip = r->eip;
    sc->cs = r->cs & 0xffff;
    sc->eflags = r->eflags;
    sc->esp_at_signal = r->esp;
    sc->ss = r->ss & 0xffff;
    sc->fpstate = fpstate_va;
    sc->oldmask = (uint32_t)mask;
    sc->cr2 = 0;
}

/* fnsave leaves the FPU initialised, which is how the handler should find it. */
static void save_fpu(struct fpstate *fp)
{
    arch_fpu_save(fp->fnsave);
    fp->status = (uint16_t)(fp->fnsave[4] | (fp->fnsave[5] << 8));
    fp->magic = FPSTATE_MAGIC_NONE;
}

static int setup_frame(int sig, struct k_sigaction *ka, struct pt_regs *regs, uint64_t oldmask)
{
    if (ka->flags & SA_SIGINFO) {
        struct rt_sigframe f;
        memset(&f, 0, sizeof(f));
        uint32_t at = frame_address(regs, ka, sizeof(f));
        if (!at) return -EFAULT;
        f.sig = sig;
        f.pinfo = at + __builtin_offsetof(struct rt_sigframe, info);
        f.puc = at + __builtin_offsetof(struct rt_sigframe, uc);
        f.info.si_signo = sig;
        f.info.si_code = 0;   /* SI_USER */
        altstack_save(regs->esp, &f.uc.ss_sp, &f.uc.ss_flags, &f.uc.ss_size);
        fill_sigcontext(&f.uc.mcontext, regs, oldmask, at + __builtin_offsetof(struct rt_sigframe, fpu));
        save_fpu(&f.fpu);
        f.uc.sigmask = oldmask;
        /* movl $__NR_rt_sigreturn, %eax; int $0x80 (what Linux writes, for gdb's sake) */
        static const uint8_t rt_retcode[8] = { 0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0 };
        memcpy(f.retcode, rt_retcode, sizeof(rt_retcode));
        f.pretcode = (ka->flags & SA_RESTORER) ? ka->restorer : at + __builtin_offsetof(struct rt_sigframe, retcode);
        if (copy_to_user((void *)at, &f, sizeof(f))) return -EFAULT;
        regs->esp = at;
        regs->eax = (uint32_t)sig;
        regs->edx = f.pinfo;
        regs->ecx = f.puc;
    } else {
        struct sigframe f;
        memset(&f, 0, sizeof(f));
        uint32_t at = frame_address(regs, ka, sizeof(f));
        if (!at) return -EFAULT;
        f.sig = sig;
        fill_sigcontext(&f.sc, regs, oldmask, at + __builtin_offsetof(struct sigframe, fpu));
        save_fpu(&f.fpu);
        f.extramask = (uint32_t)(oldmask >> 32);
        /* popl %eax; movl $__NR_sigreturn, %eax; int $0x80 */
        static const uint8_t retcode[8] = { 0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80 };
        memcpy(f.retcode, retcode, sizeof(retcode));
        f.pretcode = (ka->flags & SA_RESTORER) ? ka->restorer : at + __builtin_offsetof(struct sigframe, retcode);
        if (copy_to_user((void *)at, &f, sizeof(f))) return -EFAULT;
        regs->esp = at;
        regs->eax = (uint32_t)sig;
        regs->edx = 0;
        regs->ecx = 0;
    }
    regs->eip = ka->handler;
    regs->eflags &= ~0x100u;   /* TF */
    arch_set_user_segments(regs);
    return 0;
}

/* A system call interrupted by a signal: restarted (EIP back onto `int $0x80`, EAX the number
 * again) or -EINTR, by Linux's rules (arch/x86/kernel/signal.c handle_signal). */
static void syscall_restart(struct pt_regs *regs, struct k_sigaction *ka)
{
    if (regs->vector != 0x80) return;
    int32_t rc = (int32_t)regs->eax;
    if (rc != -ERESTARTSYS && rc != -ERESTARTNOINTR && rc != -ERESTARTNOHAND) return;
    bool restart = !ka || rc == -ERESTARTNOINTR || (rc == -ERESTARTSYS && (ka->flags & SA_RESTART));
    if (restart) {
        regs->eax = regs->error_code;   /* the number, saved by system_call */
        regs->eip -= 2;
    } else {
        regs->eax = (uint32_t)-EINTR;
    }
    regs->vector = 0;   /* once */
}

static void stop_self(int sig)
{
    current->state = TASK_STOPPED;
    current->stop_report = (sig << 8) | 0x7f;
    struct task *p = find_task(current->ppid);
    if (p) {
        if (!(p->sigactions[SIGCHLD - 1].flags & SA_NOCLDSTOP)) send_signal(p, SIGCHLD);
        wake_up(p);
    }
    schedule();
}

void do_signal(struct pt_regs *regs)
{
    for (;;) {
        uint64_t ready = current->sig_pending & ~current->sigmask;
        if (!ready) break;
        int sig = __builtin_ctzll(ready) + 1;
        current->sig_pending &= ~sigbit(sig);
        struct k_sigaction *ka = &current->sigactions[sig - 1];
        if (ka->handler == SIG_IGN) continue;
        if (ka->handler == SIG_DFL) {
            if (sigbit(sig) & IGNORED_BY_DEFAULT) continue;
            if (sigbit(sig) & STOP_SIGNALS) {
                stop_self(sig);
                continue;
            }
            do_exit(sig);   /* terminated: the wait status is the signal number */
        }
        syscall_restart(regs, ka);
        uint64_t oldmask = current->restore_sigmask ? current->saved_sigmask : current->sigmask;
        current->restore_sigmask = false;
        if (setup_frame(sig, ka, regs, oldmask)) {
            printk(KERN_INFO "%s[%d]: bad signal frame for signal %d at sp %x\n", current->comm, current->pid, sig,
                   regs->esp);
            do_exit(SIGSEGV);
        }
        current->sigmask |= ka->mask | ((ka->flags & SA_NODEFER) ? 0 : sigbit(sig));
        current->sigmask &= ~UNBLOCKABLE;
        if (ka->flags & SA_RESETHAND) ka->handler = SIG_DFL;
        arch_flush_mmu();
        return;   /* one handler at a time; the next after its sigreturn */
    }
    syscall_restart(regs, 0);
    if (current->restore_sigmask) {
        current->restore_sigmask = false;
        current->sigmask = current->saved_sigmask;
    }
}
