/* wait.c: the end of a process (exit, zombies, reparenting to init, SIGCHLD) and the parent's
 * side (wait4/waitpid with Linux's status encoding — exit code << 8, the terminating signal,
 * (stop signal << 8) | 0x7f for a stopped child, 0xffff for a continued one — and waitid). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

#define WNOHANG 1
#define WUNTRACED 2
#define WSTOPPED WUNTRACED
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000
#define RUSAGE_SIZE 72   /* struct rusage on i386: 2 timevals + 14 longs */

void mm_put(struct mm *mm)
{
    if (--mm->users == 0) mm_free(mm);
}

/* A vfork child stops using its parent's memory (exec or exit): the parent may go on. */
void release_vfork_parent(void)
{
    struct task *p = current->vfork_parent;
    if (!p) return;
    current->vfork_parent = 0;
    wake_task(p);
}

noreturn void do_exit(int code)
{
    if (current->pid == 1) panic("Attempted to kill init! exitcode=0x%08x", (unsigned)code);
    struct task *me = current;
    for (int fd = 0; fd < NR_OPEN; fd++) {
        if (me->files[fd]) file_put(me->files[fd]);
        me->files[fd] = 0;
    }
    if (me->clear_child_tid && me->mm->users == 1) {
        /* CLONE_CHILD_CLEARTID: zero it (the futex wake has no waiter without threads). */
        uint32_t zero = 0;
        copy_to_user((void *)me->clear_child_tid, &zero, 4);
    }
    release_vfork_parent();
    arch_mm_activate(0);   /* off our tables before they can go */
    mm_put(me->mm);
    me->mm = 0;
    /* Orphans go to init; a zombie among them is init's to reap now. */
    struct task *init = find_task(1);
    bool zombies = false;
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *c = task_table[i];
        if (!c || c->ppid != me->pid) continue;
        c->ppid = 1;
        if (c->state == TASK_ZOMBIE) zombies = true;
    }
    if (zombies && init) {
        send_signal(init, SIGCHLD);
        wake_up(init);
    }
    me->exit_status = code;
    me->state = TASK_ZOMBIE;
    struct task *parent = me->ppid ? find_task(me->ppid) : 0;
    if (parent) {
        struct k_sigaction *ka = &parent->sigactions[SIGCHLD - 1];
        if (me->exit_signal == SIGCHLD && (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT))) {
            /* POSIX: an ignored SIGCHLD means children are reaped by the system. */
            me->ppid = 0;
            task_release_after_switch(me);
        } else if (me->exit_signal) {
            send_signal(parent, me->exit_signal);
        }
        wake_up(parent);
    }
    schedule();
    panic("zombie %d scheduled", me->pid);
}

static bool wait_matches(struct task *c, int32_t pid)
{
    if (pid > 0) return c->pid == pid;
    if (pid == -1) return true;
    if (pid == 0) return c->pgid == current->pgid;
    return c->pgid == -pid;
}

/* Finds a child matching `pid` (wait4's encoding) in a state `options` asks for, with its wait
 * status; sleeps until there is one unless WNOHANG (then 0). */
static long find_waitable(int32_t pid, uint32_t options, struct task **found, int *status)
{
    for (;;) {
        bool any = false;
        for (int i = 0; i < MAX_TASKS; i++) {
            struct task *c = task_table[i];
            if (!c || c->ppid != current->pid || c == current || !wait_matches(c, pid)) continue;
            any = true;
            if (c->state == TASK_ZOMBIE) {
                if (!(options & WEXITED)) continue;
                *status = c->exit_status;
            } else if (c->stop_report && (((c->stop_report & 0xff) == 0x7f && (options & WUNTRACED)) ||
                                          (c->stop_report == 0xffff && (options & WCONTINUED)))) {
                *status = c->stop_report;
            } else {
                continue;
            }
            *found = c;
            return c->pid;
        }
        if (!any) return -ECHILD;
        if (options & WNOHANG) return 0;
        if (signal_pending()) return -ERESTARTSYS;
        sleep_on(current);
    }
}

/* The child's times and those of the children it reaped (getrusage RUSAGE_BOTH). */
static int put_rusage(uint32_t urusage, const struct task *c)
{
    uint32_t ru[RUSAGE_SIZE / 4];
    memset(ru, 0, sizeof(ru));
    fill_rusage_times(ru, c->utime + c->cutime, c->stime + c->cstime);
    return copy_to_user((void *)urusage, ru, sizeof(ru));
}

/* What the parent takes away: a zombie is reaped, a stop or continue report consumed. */
static void consume(struct task *c)
{
    if (c->state == TASK_ZOMBIE) {
        account_reaped_child(current, c);
        task_free(c);
    } else {
        c->stop_report = 0;
    }
}

static long do_wait(int32_t pid, uint32_t ustatus, uint32_t options, uint32_t urusage)
{
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
    struct task *c;
    int status;
    long rc = find_waitable(pid, options | WEXITED, &c, &status);
    if (rc <= 0) return rc;
    if (ustatus && copy_to_user((void *)ustatus, &status, 4)) return -EFAULT;
    if (urusage && put_rusage(urusage, c)) return -EFAULT;
    consume(c);
    return rc;
}

/* waitid(idtype, id, infop, options, rusage): the same children, reported as a siginfo_t
 * (si_signo SIGCHLD, si_code CLD_*, si_pid, si_uid, si_status); WNOWAIT leaves the child
 * waitable. Like Linux, only those fields of *infop are written, zeros when WNOHANG found none. */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
SYSCALL(waitid)
{
    uint32_t options = a4;
    if (options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
    int32_t sel, id = (int32_t)a2;
    switch (a1) {
    case P_ALL: sel = -1; break;
    case P_PID: if (id <= 0) return -EINVAL; sel = id; break;
    case P_PGID: if (id < 0) return -EINVAL; sel = id == 0 ? 0 : -id; break;
    default: return -EINVAL;
    }
    struct task *c = 0;
    int status = 0;
    long rc = find_waitable(sel, options, &c, &status);
    if (rc < 0) return rc;
    int32_t info[6] = { 0, 0, 0, 0, 0, 0 }; /* si_signo, si_errno, si_code, si_pid, si_uid, si_status */
    if (rc > 0) {
        info[0] = SIGCHLD;
        info[3] = (int32_t)rc;
        if (status == 0xffff) info[2] = CLD_CONTINUED, info[5] = SIGCONT;
        else if ((status & 0xff) == 0x7f) info[2] = CLD_STOPPED, info[5] = (status >> 8) & 0xff;
        else if ((status & 0x7f) == 0) info[2] = CLD_EXITED, info[5] = (status >> 8) & 0xff;
        else info[2] = (status & 0x80) ? CLD_DUMPED : CLD_KILLED, info[5] = status & 0x7f;
    }
    if (a3 && copy_to_user((void *)a3, info, sizeof(info))) return -EFAULT;
    if (rc > 0 && a5 && put_rusage(a5, c)) return -EFAULT;
    if (rc > 0 && !(options & WNOWAIT)) consume(c);
    return 0;
}

SYSCALL(wait4) { return do_wait((int32_t)a1, a2, a3, a4); }
SYSCALL(waitpid) { return do_wait((int32_t)a1, a2, a3, 0); }

/* Process groups and sessions: enough for a shell's job control (Linux's rules, simplified:
 * no cross-session moves, a session leader cannot change group). */
SYSCALL(getpgrp) { return current->pgid; }
SYSCALL(getpgid)
{
    struct task *t = a1 ? find_task((int32_t)a1) : current;
    return t ? t->pgid : -ESRCH;
}
SYSCALL(getsid)
{
    struct task *t = a1 ? find_task((int32_t)a1) : current;
    return t ? t->sid : -ESRCH;
}
SYSCALL(setpgid)
{
    int32_t pid = (int32_t)a1, pgid = (int32_t)a2;
    if (pgid < 0) return -EINVAL;
    struct task *t = pid ? find_task(pid) : current;
    if (!t || (t != current && t->ppid != current->pid)) return -ESRCH;
    if (t->sid != current->sid) return -EPERM;
    if (t->pid == t->sid) return -EPERM;   /* a session leader */
    if (!pgid) pgid = t->pid;
    if (pgid != t->pid) {
        bool exists = false;
        for (int i = 0; i < MAX_TASKS; i++)
            if (task_table[i] && task_table[i]->pgid == pgid && task_table[i]->sid == current->sid) exists = true;
        if (!exists) return -EPERM;
    }
    t->pgid = pgid;
    return 0;
}
SYSCALL(setsid)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (task_table[i] && task_table[i]->pgid == current->pid) return -EPERM; /* already leads a group */
    current->sid = current->pgid = current->pid;
    return current->pid;
}
