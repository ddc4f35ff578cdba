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

/* A write to a present read-only page of a writable VMA: copy-on-write after fork. The last
 * sharer just gets write access back; the others get their own copy. */
static bool cow_fault(struct mm *mm, uint32_t addr, int prot)
{
    bool writable;
    int32_t pfn = arch_lookup_user_page(mm->arch, addr, &writable);
    if (pfn < 0) return false;
    if (writable) return true;   /* another path already made it writable: retry */
    if (!page_is_shared((uint32_t)pfn)) {
        arch_protect_user_page(mm->arch, addr & PAGE_MASK, prot);
        arch_flush_mmu();
        return true;
    }
    uint32_t copy = page_alloc_pfn();
    if (!copy) {
        printk(KERN_ERR "Out of memory: pid %d (%s) copy-on-write at %#x\n", current->pid, current->comm, addr);
        return false;
    }
    memcpy(pfn_to_virt(copy), pfn_to_virt((uint32_t)pfn), PAGE_SIZE);
    arch_remap_user_page(mm->arch, addr, copy, prot);
    arch_flush_mmu();
    page_free_pfn((uint32_t)pfn);   /* one sharer fewer */
    return true;
}

/* A page of a file mapping (an executable's text): the file's bytes, zeros past file_end. */
static int file_fault(struct mm *mm, struct vma *v, uint32_t addr)
{
    uint32_t va = addr & PAGE_MASK;
    uint32_t pfn = page_alloc_pfn();
    if (!pfn) return -ENOMEM;
    uint8_t *page = pfn_to_virt(pfn);
    memset(page, 0, PAGE_SIZE);
    if (va < v->file_end &&
        inode_read_kernel(v->file, v->file_pos + (va - v->start), page, MIN(PAGE_SIZE, v->file_end - va)) < 0) {
        page_free_pfn(pfn);
        return -EIO;
    }
    int rc = arch_map_user_page(mm->arch, va, pfn, v->prot);
    if (rc) page_free_pfn(pfn);
    return rc;
}

static bool handle_mm_fault(struct mm *mm, uint32_t addr, uint32_t err)
{
    struct vma *v = vma_find(mm, addr);
    if (!v) return false;
    if ((err & PF_WRITE) && !(v->prot & PROT_WRITE)) return false;
    if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) return false;
    if (err & PF_PROT) return (err & PF_WRITE) && cow_fault(mm, addr, v->prot);
    if (v->file ? file_fault(mm, v, addr) : mm_populate_page(mm, addr, v->prot)) {
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

/* The fault's signal is forced (unblocked, not ignorable) and delivered on the way out
 * (exit_to_user): a handler runs, or the default action ends the process. */
void user_trap(struct pt_regs *regs, int sig, const char *what)
{
    if (what) printk(KERN_INFO "%s[%d] trap %s ip:%x sp:%x error:%x\n", current->comm, current->pid, what,
                     regs->eip, regs->esp, regs->error_code);
    force_signal(sig);
}
