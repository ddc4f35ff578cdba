/* trap-unhandled: a fault on a vector with no registered handler. Xen has nowhere to bounce it
 * (null_trap_bounce) and crashes the domain (x86_32 create_bounce_frame ->
 * domain_crash_synchronous). Expected outcome: shutdown reason crash. */
#include "xtf.h"

XTF_TEST_MAIN
{
    xtf_check_rc("set_trap_table-without-ud", traps_install(X86_EXC_UD), 0);
    printk("xtf: executing ud2 with no #UD handler; the domain should now crash\n");
    __asm__ volatile("ud2");
    xtf_fail("still-running", "ud2 without a handler returned");
}
