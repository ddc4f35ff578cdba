/* sigaltstack.c: the alternate signal stack (sigaltstack(2)). A handler installed with
 * SA_ONSTACK gets its frame at the top of this stack unless the process is already running on
 * it; the rt frame records the stack in uc_stack and rt_sigreturn puts it back (for
 * SS_AUTODISARM, which disarms it while a handler runs). Linux's rules: it cannot be changed
 * while in use (-EPERM), it needs MINSIGSTKSZ bytes (-ENOMEM), and a frame that would run off its
 * bottom is a SIGSEGV. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048
#define SA_ONSTACK 0x08000000

/* stack_t on i386: { void *ss_sp; int ss_flags; size_t ss_size; } */
struct stack32 { uint32_t ss_sp; int32_t ss_flags; uint32_t ss_size; };

static bool on_sig_stack(uint32_t sp)
{
    return current->sas_ss_size && sp > current->sas_ss_sp && sp - current->sas_ss_sp <= current->sas_ss_size;
}

static int32_t sas_flags(uint32_t sp)
{
    if (!current->sas_ss_size) return SS_DISABLE;
    return on_sig_stack(sp) ? SS_ONSTACK : 0;
}

uint32_t signal_stack_top(uint32_t sp, uint32_t flags, uint32_t size)
{
    bool was_on = on_sig_stack(sp);
    if ((flags & SA_ONSTACK) && sas_flags(sp) == 0) return current->sas_ss_sp + current->sas_ss_size;
    /* Already on it: the frame must fit above its bottom (Linux's get_sigframe). */
    if (was_on && !on_sig_stack(sp - size)) return 0;
    return sp;
}

void altstack_save(uint32_t sp, uint32_t *ss_sp, int32_t *ss_flags, uint32_t *ss_size)
{
    *ss_sp = current->sas_ss_sp;
    *ss_flags = (int32_t)((uint32_t)sas_flags(sp) | current->sas_ss_flags);
    *ss_size = current->sas_ss_size;
    if (current->sas_ss_flags & SS_AUTODISARM) /* Linux's sas_ss_reset */
        current->sas_ss_sp = current->sas_ss_size = current->sas_ss_flags = 0;
}

static int set_altstack(uint32_t sp, const struct stack32 *ss)
{
    if (on_sig_stack(sp)) return -EPERM;
    uint32_t mode = (uint32_t)ss->ss_flags & ~SS_AUTODISARM;
    if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0) return -EINVAL;
    if (mode == SS_DISABLE) {
        current->sas_ss_sp = current->sas_ss_size = 0;
    } else {
        if (ss->ss_size < MINSIGSTKSZ) return -ENOMEM;
        current->sas_ss_sp = ss->ss_sp;
        current->sas_ss_size = ss->ss_size;
    }
    current->sas_ss_flags = (uint32_t)ss->ss_flags & SS_AUTODISARM;
    return 0;
}

void altstack_restore(uint32_t sp, uint32_t ss_sp, int32_t ss_flags, uint32_t ss_size)
{
    struct stack32 ss = { ss_sp, ss_flags, ss_size };
    (void)set_altstack(sp, &ss);
}

SYSCALL(sigaltstack)
{
    uint32_t sp = current->regs->esp;
    struct stack32 old = { current->sas_ss_sp, (int32_t)((uint32_t)sas_flags(sp) | current->sas_ss_flags),
                           current->sas_ss_size };
    if (a1) {
        struct stack32 ss;
        if (copy_from_user(&ss, (const void *)a1, sizeof(ss))) return -EFAULT;
        int rc = set_altstack(sp, &ss);
        if (rc) return rc;
    }
    if (a2 && copy_to_user((void *)a2, &old, sizeof(old))) return -EFAULT;
    return 0;
}
