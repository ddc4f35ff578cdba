/* idle: boots and then blocks for good, with no timer and no event bound — the cheapest domain
 * a hypervisor can host (Xen stops its periodic timer while it does not run). Used to measure
 * what 128 idle domains cost. */
#include "xtf.h"

XTF_TEST_MAIN
{
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    printk("XTF-IDLE ready\n");
    for (;;) sched_block();
}
