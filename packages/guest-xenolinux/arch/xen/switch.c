/* switch.c: the per-process CPU state a context switch changes on Xen: the page directory
 * (MMUEXT_NEW_BASEPTR), the ring-1 stack for traps from user mode (stack_switch, which Xen keeps
 * as the guest's TSS.esp1), the TLS descriptors (update_descriptor), the x87 state, and last
 * the kernel stack itself (switch_stacks in entry.S). */
#include "xen-arch.h"
#include "arch.h"
#include "sched.h"

void arch_mm_activate_queued(struct arch_mm *mm);   /* mmu.c */

void switch_stacks(uint32_t *save_esp, uint32_t new_esp);   /* entry.S */
extern void ret_from_fork(void);

void arch_fpu_save(uint8_t *buf)
{
    /* fnsave also reinitialises the FPU; the next task's frstor replaces that. */
    __asm__ volatile("fnsave %0" : "=m"(*(uint8_t(*)[108])buf));
}

void arch_fpu_restore(const uint8_t *buf)
{
    __asm__ volatile("frstor %0" : : "m"(*(const uint8_t(*)[108])buf));
}

void xen_mc_call2(uint32_t op, uint32_t arg0, uint32_t arg1);   /* mmu.c */

/* The page directory and the ring-1 stack change in one multicall (one hypervisor entry). */
void arch_switch_to(struct task *prev, struct task *next)
{
    if (next->mm && (!prev->mm || prev->mm->arch != next->mm->arch)) arch_mm_activate_queued(next->mm->arch);
    xen_mc_call2(__HYPERVISOR_stack_switch, FLAT_RING1_SS, (uint32_t)(next->kstack + KSTACK_SIZE));
    xen_mc_flush();
    for (int i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
        if (next->tls[i] || prev->tls[i]) arch_set_tls_desc(i, next->tls[i]);
    arch_fpu_save(prev->fpu);
    arch_fpu_restore(next->fpu);
    switch_stacks(&prev->ksp, next->ksp);
}

/* A new task's kernel stack: its user frame (t->regs) at the top and, below it, what
 * switch_stacks pops (EDI ESI EBX EBP) and returns to: ret_from_fork. */
void arch_prepare_child_stack(struct task *t)
{
    uint32_t *sp = (uint32_t *)t->regs;
    *--sp = (uint32_t)ret_from_fork;
    for (int i = 0; i < 4; i++) *--sp = 0;
    t->ksp = (uint32_t)sp;
}

/* Xen ends every guest segment, the flat user code segment too, at the end of its read-only M2P
 * table (MACH2PHYS_VIRT_END): an IRET to an EIP past that faults in ring 1 instead of reaching
 * user mode. */
bool arch_user_eip_reachable(uint32_t eip) { return eip < MACH2PHYS_VIRT_END_2L; }

void arch_set_user_segments(struct pt_regs *r)
{
    r->ds = r->es = FLAT_RING3_DS;
    r->cs = FLAT_RING3_CS;
    r->ss = FLAT_RING3_SS;
}

/* Registers from a user signal frame: code and stack selectors forced to the flat user ones, data
 * selectors kept only with RPL 3 (a bad one is caught by the failsafe callback), EFLAGS limited
 * to what user mode may change (Linux's FIX_EFLAGS) plus IF. */
#define FIX_EFLAGS 0x40DD5u   /* CF PF AF ZF SF TF DF OF AC */
void arch_sanitize_user_regs(struct pt_regs *r)
{
    r->cs = FLAT_RING3_CS;
    r->ss = FLAT_RING3_SS;
    uint32_t *data[] = { &r->ds, &r->es, &r->fs, &r->gs };
    for (unsigned i = 0; i < ARRAY_SIZE(data); i++) {
        *data[i] &= 0xffff;
        if (*data[i] && (*data[i] & 3) != 3) *data[i] = FLAT_RING3_DS;
    }
    r->eflags = (r->eflags & FIX_EFLAGS) | 0x200;
}
