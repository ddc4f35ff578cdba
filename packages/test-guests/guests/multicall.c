/* multicall: one batch of several calls; each entry gets its own result and a failing entry does
 * not stop the batch (xen/common/multicall.c). A nested multicall is refused (-EINVAL in its
 * slot), an undefined hypercall number gives -ENOSYS, and a bad batch pointer -EFAULT. */
#include "xtf.h"

static volatile uint32_t word;
static void read_word(void *a) { word = *(volatile uint32_t *)a; }

XTF_TEST_MAIN
{
    uint32_t *page = alloc_page();
    page[0] = 0x3C3C;
    uint32_t va = alloc_va();
    static struct mmu_update req;
    req.ptr = pte_maddr(va) | MMU_NORMAL_PT_UPDATE;
    req.val = ((uint64_t)virt_to_mfn(page) << PAGE_SHIFT) | L1_PROT;
    static struct evtchn_send bad_send = { .port = EVTCHN_2L_NR_CHANNELS + 1 };
    static struct multicall_entry inner = { .op = __HYPERVISOR_xen_version, .args = { XENVER_version } };

    static struct multicall_entry mc[5];
    mc[0] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .args = { XENVER_version, 0 } };
    mc[1] = (struct multicall_entry){ .op = __HYPERVISOR_mmu_update,
                                      .args = { (uint32_t)&req, 1, 0, DOMID_SELF } };
    mc[2] = (struct multicall_entry){ .op = __HYPERVISOR_event_channel_op, .args = { EVTCHNOP_send, (uint32_t)&bad_send } };
    mc[3] = (struct multicall_entry){ .op = 60, .args = { 0 } };
    mc[4] = (struct multicall_entry){ .op = __HYPERVISOR_multicall, .args = { (uint32_t)&inner, 1 } };
    for (unsigned int i = 0; i < 5; i++) mc[i].result = 0xAAAA5555;

    xtf_check_rc("multicall", HYPERVISOR_multicall(mc, 5), 0);
    long version = HYPERVISOR_xen_version(XENVER_version, NULL);
    xtf_check((long)mc[0].result == version, "entry0-xen_version", "result 0x%x, direct 0x%lx", mc[0].result, version);
    xtf_check_rc("entry1-mmu_update", (long)mc[1].result, 0);
    struct fault f;
    bool hit = run_catching(read_word, (void *)va, &f);
    xtf_check(!hit && word == 0x3C3C, "entry1-took-effect", "fault %d (vector %u), read 0x%x", hit, f.vector, word);
    xtf_check_rc("entry2-failing-call", (long)mc[2].result, -XEN_EINVAL);
    xtf_check_rc("entry3-undefined-number", (long)mc[3].result, -XEN_ENOSYS);
    xtf_check_rc("entry4-nested-multicall", (long)mc[4].result, -XEN_EINVAL);

    xtf_check_rc("multicall-empty", HYPERVISOR_multicall(mc, 0), 0);
    uint32_t hole = alloc_va();
    xtf_check_rc("multicall-bad-pointer", HYPERVISOR_multicall((struct multicall_entry *)hole, 2), -XEN_EFAULT);
}
