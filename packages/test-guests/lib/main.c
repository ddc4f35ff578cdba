/* main.c: start of day. Everything a guest relies on before test_main runs:
 * shared_info mapped (update_va_mapping, 2.22 rule 6), a ring-1 stack for traps from ring 3
 * (stack_switch), the trap table, and the event/failsafe callbacks. */
#include "xtf.h"

struct start_info *start_info;
struct shared_info *shared;
struct vcpu_info *vcpu0;

static char kernel_stack[8192] __attribute__((aligned(16)));

void xtf_main(struct start_info *si) __attribute__((noreturn));
void xtf_main(struct start_info *si)
{
    start_info = si;

    /* shared_info is a machine address; map it at a free VA. */
    uint32_t va = alloc_va();
    long rc = HYPERVISOR_update_va_mapping(va, (uint64_t)(si->shared_info & ~0xFFFU) | L1_PROT, UVMF_INVLPG);
    if (rc) {
        printk("XTF-FAIL init: mapping shared_info failed (%ld)\n", rc);
        xtf_shutdown(SHUTDOWN_crash);
    }
    shared = (struct shared_info *)va;
    vcpu0 = &shared->vcpu_info[0];
    upcall_mask();

    HYPERVISOR_stack_switch(FLAT_RING1_SS, (unsigned long)(kernel_stack + sizeof(kernel_stack)));
    rc = traps_install(-1);
    if (rc) {
        printk("XTF-FAIL init: set_trap_table failed (%ld)\n", rc);
        xtf_shutdown(SHUTDOWN_crash);
    }
    events_init();

    printk("xtf: %s (%s) nr_pages=%u cmdline='%s'\n", xtf_guest_name, LAYOUT_NAME,
           (unsigned int)si->nr_pages, si->cmd_line);
    test_main();
    xtf_done();
}
