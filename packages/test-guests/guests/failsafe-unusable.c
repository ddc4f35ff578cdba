/* failsafe-unusable: HYPERVISOR_iret to a frame Xen's own IRET cannot load (a ring-3 CS in an
 * LDT that does not exist), with a failsafe callback that cannot be entered either (its EIP is
 * past the end of the guest code segment). The failsafe frame's IRET faults in turn: Xen has
 * nowhere to send the guest and crashes the domain, and only it. Expected outcome: crash. */
#include "xtf.h"

XTF_TEST_MAIN
{
    xtf_check_rc("set_callbacks-unusable-failsafe",
                 HYPERVISOR_set_callbacks(FLAT_RING1_CS, (unsigned long)event_upcall_entry, FLAT_RING1_CS,
                                          MACH2PHYS_VIRT_END + 0x1000), 0);
    printk("xtf: HYPERVISOR_iret to cs 0x000f, failsafe past the segment; the domain should now crash\n");
    hypervisor_iret_to(0x1000, 0x000f, 0x1000, FLAT_RING3_SS);
}
