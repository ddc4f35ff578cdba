/* console-ring: output through the PV console ring (xen-abi.md 2.18): write into out[] at
 * out_prod (masked by the 2048-byte ring), barrier, advance out_prod, notify on
 * start_info.console.domU.evtchn; the backend advances out_cons. The ring page is one of the
 * builder's magic pages inside the mapped region, so it is reached through the M2P. */
#include "xtf.h"

XTF_TEST_MAIN
{
    uint32_t mfn = start_info->console_mfn;
    unsigned int port = start_info->console_evtchn;
    xtf_check(mfn != 0 && port != 0, "console-ring-present", "mfn 0x%x evtchn %u", mfn, port);
    if (!mfn) return;
    volatile struct xencons_interface *ring = mfn_to_virt(mfn);
    if (pfn_of((void *)ring) >= start_info->nr_pages || !(read_pte((uint32_t)ring) & _PAGE_PRESENT))
        ring = map_mfn(mfn, L1_PROT);
    xtf_check(ring != NULL, "console-ring-mapped", "could not map mfn 0x%x", mfn);
    if (!ring) return;

    const char msg[] = "XTF-RING console ring works\n";
    uint32_t prod = ring->out_prod;
    for (unsigned int i = 0; i < sizeof(msg) - 1; i++) ring->out[(prod + i) & (sizeof(ring->out) - 1)] = msg[i];
    mb();
    ring->out_prod = prod + sizeof(msg) - 1;
    xtf_check_rc("console-evtchn-send", evtchn_send(port), 0);

    uint64_t end = system_time_ns() + MS(500);
    while (ring->out_cons != ring->out_prod && system_time_ns() < end) sched_yield();
    xtf_check(ring->out_cons == ring->out_prod, "console-ring-consumed", "out_cons %u out_prod %u", ring->out_cons,
              ring->out_prod);
}
