/* fork.c: new processes (Linux's copy_process for fork, vfork and clone without threads).
 * The child gets a copy-on-write copy of the address space (or shares it with CLONE_VM), the
 * descriptor table (each file one more reference), signal dispositions and mask, TLS, cwd,
 * umask, process group and session, and a copy of the parent's user registers with EAX = 0. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

/* include/uapi/linux/sched.h */
#define CSIGNAL 0x000000ff
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_SUPPORTED (CSIGNAL | CLONE_VM | CLONE_VFORK | CLONE_PARENT | CLONE_PARENT_SETTID | \
                         CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID)

static struct mm *mm_fork(struct mm *old)
{
    struct mm *mm = mm_new();
    if (!mm) return 0;
    memcpy(mm->vmas, old->vmas, sizeof(old->vmas));
    mm->nr_vmas = old->nr_vmas;
    for (int i = 0; i < mm->nr_vmas; i++)
        if (mm->vmas[i].file) mm->vmas[i].file->opens++;
    mm->start_brk = old->start_brk;
    mm->brk = old->brk;
    mm->mmap_base = old->mmap_base;
    if (arch_mm_fork(mm->arch, old->arch)) {
        mm_free(mm);
        return 0;
    }
    return mm;
}

static long do_fork(uint32_t flags, uint32_t newsp, uint32_t parent_tid, uint32_t child_tid)
{
    /* Threads (shared signal handlers, files, thread groups) and TLS for them: not supported. */
    if (flags & ~CLONE_SUPPORTED) return -EINVAL;
    struct task *t = task_alloc();
    if (!t) return -EAGAIN;
    struct task *p = current;
    if (flags & CLONE_VM) {
        t->mm = p->mm;
        p->mm->users++;
    } else if (!(t->mm = mm_fork(p->mm))) {
        task_free(t);
        return -ENOMEM;
    }
    strlcpy(t->comm, p->comm, sizeof(t->comm));
    t->ppid = (flags & CLONE_PARENT) ? p->ppid : p->pid;
    t->pgid = p->pgid;
    t->sid = p->sid;
    t->exit_signal = (int)(flags & CSIGNAL);
    for (int fd = 0; fd < NR_OPEN; fd++)
        if ((t->files[fd] = p->files[fd])) t->files[fd]->refs++;
    t->cloexec = p->cloexec;
    t->cwd = p->cwd;
    memcpy(t->sigactions, p->sigactions, sizeof(t->sigactions));
    t->sigmask = p->sigmask;
    memcpy(t->tls, p->tls, sizeof(t->tls));
    t->umask = p->umask;
    t->sas_ss_sp = p->sas_ss_sp;
    t->sas_ss_size = p->sas_ss_size;
    t->sas_ss_flags = p->sas_ss_flags;
    if (flags & CLONE_CHILD_SETTID) t->set_child_tid = child_tid;
    if (flags & CLONE_CHILD_CLEARTID) t->clear_child_tid = child_tid;
    *t->regs = *p->regs;
    t->regs->eax = 0;
    if (newsp) t->regs->esp = newsp;
    arch_fpu_save(t->fpu);
    arch_fpu_restore(t->fpu);
    arch_prepare_child_stack(t);
    int pid = t->pid;
    if ((flags & CLONE_PARENT_SETTID) && copy_to_user((void *)parent_tid, &pid, 4)) { /* Linux ignores it too */ }
    if (flags & CLONE_VFORK) {
        /* The parent waits, not interruptibly, until the child execs or exits. */
        t->vfork_parent = p;
        while (t->vfork_parent == p) {
            p->state = TASK_SLEEPING;
            p->wchan = t;
            schedule();
        }
    }
    return pid;
}

/* The child's first moment in the kernel (ret_from_fork): CLONE_CHILD_SETTID is written in the
 * child's own address space. */
void schedule_tail(void)
{
    finish_task_switch();
    if (current->set_child_tid) {
        int pid = current->pid;
        copy_to_user((void *)current->set_child_tid, &pid, 4);
    }
    arch_flush_mmu();
}

SYSCALL(fork) { return do_fork(SIGCHLD, 0, 0, 0); }
SYSCALL(vfork) { return do_fork(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0); }
/* i386 argument order: flags, newsp, parent_tidptr, tls, child_tidptr. */
SYSCALL(clone) { return do_fork(a1, a2, a3, a5); }
