/* hypercall.c: convenience wrappers, and checks that the literal numbers in hypercall.h agree
 * with the generated __HYPERVISOR_* constants. */
#include "xtf.h"

_Static_assert(__HYPERVISOR_set_trap_table == 0 && __HYPERVISOR_mmu_update == 1 && __HYPERVISOR_set_gdt == 2 &&
               __HYPERVISOR_stack_switch == 3 && __HYPERVISOR_set_callbacks == 4 &&
               __HYPERVISOR_fpu_taskswitch == 5 && __HYPERVISOR_sched_op_compat == 6 &&
               __HYPERVISOR_platform_op == 7 && __HYPERVISOR_set_debugreg == 8 && __HYPERVISOR_get_debugreg == 9 &&
               __HYPERVISOR_update_descriptor == 10 && __HYPERVISOR_memory_op == 12 &&
               __HYPERVISOR_multicall == 13 && __HYPERVISOR_update_va_mapping == 14 &&
               __HYPERVISOR_set_timer_op == 15 && __HYPERVISOR_event_channel_op_compat == 16 &&
               __HYPERVISOR_xen_version == 17 && __HYPERVISOR_console_io == 18 &&
               __HYPERVISOR_physdev_op_compat == 19 && __HYPERVISOR_grant_table_op == 20 &&
               __HYPERVISOR_vm_assist == 21 && __HYPERVISOR_update_va_mapping_otherdomain == 22 &&
               __HYPERVISOR_iret == 23 && __HYPERVISOR_vcpu_op == 24 && __HYPERVISOR_mmuext_op == 26 &&
               __HYPERVISOR_nmi_op == 28 && __HYPERVISOR_sched_op == 29 && __HYPERVISOR_callback_op == 30 &&
               __HYPERVISOR_event_channel_op == 32 && __HYPERVISOR_physdev_op == 33,
               "hypercall.h numbers match xen.h");

long mmuext_simple(unsigned int cmd, uint32_t arg1, uint32_t arg2)
{
    struct mmuext_op op = { .cmd = cmd, .arg1 = arg1, .arg2 = arg2 };
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

long mmu_update_one(uint64_t ptr, uint64_t val)
{
    struct mmu_update u = { .ptr = ptr, .val = val };
    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

long evtchn_send(unsigned int port)
{
    struct evtchn_send s = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

long evtchn_close(unsigned int port)
{
    struct evtchn_close c = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
}

long evtchn_unmask(unsigned int port)
{
    struct evtchn_unmask u = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

long sched_yield(void) { return HYPERVISOR_sched_op(SCHEDOP_yield, NULL); }
long sched_block(void) { return HYPERVISOR_sched_op(SCHEDOP_block, NULL); }
