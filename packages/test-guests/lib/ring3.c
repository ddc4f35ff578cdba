/* ring3.c: user-accessible pages for ring-3 test code.
 * The domain builder maps the image with supervisor-only L1 entries (xg_dom_x86.c L1_PROT has no
 * _PAGE_USER), so the .text.user/.data.user pages are remapped with _PAGE_USER, and the L2 entry
 * covering them gets _PAGE_USER if it lacks it. */
#include "xtf.h"

char user_stack[4096] __attribute__((aligned(4096), section(".data.user")));
asm(".globl user_stack_top\n.set user_stack_top, user_stack + 4096");

void ring3_init(void)
{
    static bool done;
    if (done) return;
    for (uint32_t va = (uint32_t)_user_start; va < (uint32_t)_user_end; va += PAGE_SIZE) {
        uint64_t l2 = l2e_maddr(va);
        uint64_t e = read_entry_maddr(l2);
        if (!(e & _PAGE_USER)) mmu_update_one(l2 | MMU_NORMAL_PT_UPDATE, e | _PAGE_USER);
        HYPERVISOR_update_va_mapping(va, read_pte(va) | _PAGE_USER, UVMF_INVLPG);
    }
    done = true;
}
