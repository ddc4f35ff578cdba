/* fault.c: page faults (bounced by Xen with CR2, error code as the hardware's) and the other
 * exceptions of user mode. A fault inside a VMA on a missing page is demand paging (from user
 * mode, or from the kernel touching a user buffer); anything else in user mode is SIGSEGV; in
 * the kernel, a user-copy fixup or an oops. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "trap.h"

#define PF_PROT 1
#define PF_WRITE 2
#define PF_USER 4

static bool handle_mm_fault(struct mm *mm, uint32_t addr, uint32_t err)
{
    struct vma *v = vma_find(mm, addr);
    if (!v) return false;
    if ((err & PF_WRITE) && !(v->prot & PROT_WRITE)) return false;
    if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) return false;
    if (err & PF_PROT) return false; /* copy-on-write arrives with fork */
    if (mm_populate_page(mm, addr, v->prot)) {
        printk(KERN_ERR "Out of memory: pid %d (%s) at %#x\n", current->pid, current->comm, addr);
        return false;
    }
    arch_flush_mmu();
    return true;
}

void do_page_fault(struct pt_regs *regs, uint32_t addr, uint32_t err)
{
    if (current && current->mm && addr < TASK_SIZE && handle_mm_fault(current->mm, addr, err)) return;
    if (user_mode(regs)) {
        printk(KERN_INFO "%s[%d]: segfault at %x ip %08x sp %08x error %x\n", current->comm, current->pid, addr,
               regs->eip, regs->esp, err);
        user_trap(regs, SIGSEGV, 0);
        return;
    }
    if (fixup_exception(regs)) return;
    printk(KERN_EMERG "BUG: unable to handle page fault at %08x\n", addr);
    die(regs, "page fault");
}

/* Delivery to user handlers arrives with the signal milestone; until then the default action
 * (terminate) is taken, which is also what an unhandled fault gets. */
void user_trap(struct pt_regs *regs, int sig, const char *what)
{
    if (what) printk(KERN_INFO "%s[%d] trap %s ip:%x sp:%x error:%x\n", current->comm, current->pid, what,
                     regs->eip, regs->esp, regs->error_code);
    do_exit(sig);
}
