/* setup.c: start of day on Xen. The builder left us in ring 1 on its page tables with
 * start_info in ESI (xen-abi.md 2.22); we take over the memory map, map shared_info, switch
 * console output from console_io to the console ring, install the trap table and the event
 * callbacks, and hand over to the architecture-independent start_kernel(). */
#include "xen-arch.h"
#include "arch.h"

struct start_info *xen_start_info;
struct shared_info *HYPERVISOR_shared_info;
const uint32_t *phys_to_machine;

_Static_assert(__HYPERVISOR_mmu_update == 1 && __HYPERVISOR_set_gdt == 2 && __HYPERVISOR_stack_switch == 3 &&
               __HYPERVISOR_set_callbacks == 4 && __HYPERVISOR_update_descriptor == 10 &&
               __HYPERVISOR_multicall == 13 && __HYPERVISOR_update_va_mapping == 14 &&
               __HYPERVISOR_console_io == 18 && __HYPERVISOR_mmuext_op == 26 &&
               __HYPERVISOR_sched_op == 29 && __HYPERVISOR_event_channel_op == 32,
               "hypercall numbers in hypercall.h");

_Static_assert(FIX_SHARED_INFO == 0xFBC00000u, "entry.S addresses vcpu_info[0] at 0xFBC00000");
_Static_assert(offsetof(struct shared_info, vcpu_info) == 0 && offsetof(struct vcpu_info, evtchn_upcall_mask) == 1,
               "entry.S: upcall_pending at +0, upcall_mask at +1");

extern char init_stack_top[];
void page_alloc_init(uint32_t first_free_pfn, uint32_t nr_pages);

uint32_t arch_nr_pages(void) { return xen_start_info->nr_pages; }

/* The PV ramdisk: start_info.mod_start is a virtual address in the boot region (or a pfn with
 * SIF_MOD_START_PFN). */
const uint8_t *arch_initrd(size_t *len)
{
    *len = xen_start_info->mod_len;
    if (!*len) return 0;
    if (xen_start_info->flags & SIF_MOD_START_PFN) return pfn_to_virt(xen_start_info->mod_start);
    return (const uint8_t *)xen_start_info->mod_start;
}

void xen_start_kernel(struct start_info *si) noreturn;
void xen_start_kernel(struct start_info *si)
{
    xen_start_info = si;
    phys_to_machine = (const uint32_t *)si->mfn_list;
    strlcpy(boot_command_line, si->cmd_line, sizeof(boot_command_line));
    parse_cmdline();
    if (strncmp(si->magic, "xen-3.0-x86_32", 14) != 0 || si->magic[14] != 0)
        panic("xenolinux: start_info magic '%.32s' is not xen-3.0-x86_32 (a PAE hypervisor?)", si->magic);

    uint32_t first_free = xen_mmu_init();
    /* shared_info is a machine address outside our memory: map it in the fixmap. */
    long rc = HYPERVISOR_update_va_mapping(FIX_SHARED_INFO, (uint64_t)(si->shared_info & PAGE_MASK) | PAGE_KERNEL,
                                           UVMF_INVLPG);
    if (rc) panic("xenolinux: mapping shared_info failed (%ld)", rc);
    HYPERVISOR_shared_info = (struct shared_info *)FIX_SHARED_INFO;
    xen_irq_disable();

    /* Traps from ring 3 arrive on this stack until the first process gets its own. */
    HYPERVISOR_stack_switch(FLAT_RING1_SS, (unsigned long)init_stack_top);
    xen_traps_init();
    xen_events_init();
    xen_console_ring_init();
    xen_time_init();
    page_alloc_init(first_free, si->nr_pages);
    xen_tls_init();
    printk(KERN_INFO "Xen: start_info %p, %u pages, pt_base %#x (%u frames), ramdisk %#x+%u\n",
           (void *)si, (unsigned)si->nr_pages, (unsigned)si->pt_base, (unsigned)si->nr_pt_frames,
           (unsigned)si->mod_start, (unsigned)si->mod_len);
    start_kernel();
}

noreturn static void shutdown(uint32_t reason)
{
    extern void xen_console_drain(void);
    xen_console_drain();
    struct sched_shutdown s = { .reason = reason };
    for (;;) HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}
noreturn void arch_poweroff(void) { shutdown(SHUTDOWN_poweroff); }
noreturn void arch_crash(void) { shutdown(SHUTDOWN_crash); }

/* Idle: block until an event; Xen unmasks upcalls for the block (SCHEDOP_block semantics), so
 * pending events are delivered on the way back; then mask again (the kernel runs masked). */
void arch_idle(void)
{
    /* Xen runs a vCPU's periodic timer only while the vCPU runs: before blocking, ask for the next
     * tick with a one-shot timer (as Linux's Xen clockevent does), so jiffies — and with them
     * sleeps and poll timeouts — keep moving while the CPU idles. */
    extern bool xen_idling;
    HYPERVISOR_set_timer_op(arch_monotonic_ns() + TICK_NS);
    xen_idling = true;
    HYPERVISOR_sched_op(SCHEDOP_block, 0);
    xen_irq_enable();
    xen_irq_disable();
    xen_idling = false;
}
