/* grants: grant tables v1 (xen-abi.md 2.13).
 * Xen facts (common/grant_table.c): setup_table/query_size report per-op status (the hypercall
 * returns 0; an unknown domain gives GNTST_bad_domain); a PV guest maps the returned frames
 * itself; map_grant_ref of a grant the domain gave itself is allowed (no self-mapping check) and
 * sets GTF_reading/GTF_writing in the entry while mapped; an entry in use can not be revoked, the
 * granting side's cmpxchg of the flags to 0 fails while those bits are set; gnttab_copy reports
 * GNTST_bad_gntref for a reference beyond the table, GNTST_bad_domain for an unknown domain and
 * GNTST_bad_copy_arg when the copy crosses a page boundary.
 * Command line: peer_domid=<d>. The host maps our grant to the peer when asked on the console. */
#include "xtf.h"

#define REF_PEER 8
#define REF_SELF 9

static volatile struct grant_entry_v1 *gt;

static void grant(unsigned int ref, uint16_t domid, uint32_t frame, uint16_t flags)
{
    gt[ref].domid = domid;
    gt[ref].frame = frame;
    mb();
    gt[ref].flags = flags;
}

/* The revoke protocol: only an entry with neither reading nor writing set may be cleared. */
static bool end_access(unsigned int ref)
{
    uint16_t old = gt[ref].flags;
    if (old & (GTF_reading | GTF_writing)) return false;
    return __atomic_compare_exchange_n((uint16_t *)&gt[ref].flags, &old, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static bool wait_flags(unsigned int ref, bool set, uint64_t ns)
{
    uint64_t end = system_time_ns() + ns;
    for (unsigned long i = 0; i < 20000000UL; i++) {
        bool busy = gt[ref].flags & (GTF_reading | GTF_writing);
        if (busy == set) return true;
        if ((i & 63) == 0) {
            if (system_time_ns() > end) return false;
            sched_yield();
        }
    }
    return false;
}

static uint16_t own_domid(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au)) return DOMID_SELF;
    struct evtchn_status st = { .dom = DOMID_SELF, .port = au.port };
    HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
    evtchn_close(au.port);
    return (uint16_t)st.u0; /* unbound.dom: the remote domain, i.e. ourselves */
}

static int16_t copy(uint32_t src_ref, uint16_t src_dom, uint32_t dst_mfn, uint16_t off, uint16_t len)
{
    struct gnttab_copy c = { .source = { src_ref, src_dom, off }, .dest = { dst_mfn, DOMID_SELF, 0 }, .len = len,
                             .flags = GNTCOPY_source_gref };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
    return rc ? (int16_t)-1000 : c.status;
}

XTF_TEST_MAIN
{
    unsigned long frames[1] = { 0 };
    struct gnttab_setup_table setup = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = (uint32_t)frames };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &setup, 1);
    xtf_check(rc == 0 && setup.status == GNTST_okay && frames[0] != 0, "setup_table", "rc %ld status %d frame 0x%lx",
              rc, setup.status, frames[0]);
    struct gnttab_setup_table bad = { .dom = 0x7FEF, .nr_frames = 1, .frame_list = (uint32_t)frames };
    rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &bad, 1);
    xtf_check(rc == 0 && bad.status == GNTST_bad_domain, "setup_table-bad-domain", "rc %ld status %d", rc, bad.status);

    struct gnttab_query_size q = { .dom = DOMID_SELF };
    rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
    xtf_check(rc == 0 && q.status == GNTST_okay && q.nr_frames >= 1 && q.max_nr_frames >= q.nr_frames, "query_size",
              "rc %ld status %d nr %u max %u", rc, q.status, q.nr_frames, q.max_nr_frames);
    if (rc || setup.status) return;

    gt = map_mfn((uint32_t)frames[0], L1_PROT);
    xtf_check(gt != NULL, "map-grant-table", "could not map frame 0x%lx", frames[0]);
    if (!gt) return;
    uint16_t me = own_domid();
    printk("grants: own domid %u\n", me);

    /* Grant a page to ourselves, map it, check the in-use protocol, unmap. */
    uint32_t *page = alloc_page();
    page[0] = 0x6A6A6A6A;
    grant(REF_SELF, me, virt_to_mfn(page), GTF_permit_access);
    uint32_t va = alloc_va();
    struct gnttab_map_grant_ref map = { .host_addr = va, .flags = GNTMAP_host_map, .ref = REF_SELF, .dom = me };
    rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1);
    xtf_check(rc == 0 && map.status == GNTST_okay, "map-own-grant-allowed", "rc %ld status %d", rc, map.status);
    if (rc == 0 && map.status == GNTST_okay) {
        xtf_check(*(volatile uint32_t *)va == 0x6A6A6A6A, "own-grant-mapping-reads", "read 0x%x",
                  *(volatile uint32_t *)va);
        xtf_check(gt[REF_SELF].flags & (GTF_reading | GTF_writing), "in-use-flags-set", "flags 0x%x",
                  gt[REF_SELF].flags);
        xtf_check(!end_access(REF_SELF), "end-access-while-mapped-refused", "revoked an entry in use");
        struct gnttab_unmap_grant_ref un = { .host_addr = va, .dev_bus_addr = 0, .handle = map.handle };
        rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &un, 1);
        xtf_check(rc == 0 && un.status == GNTST_okay, "unmap-own-grant", "rc %ld status %d", rc, un.status);
        struct gnttab_unmap_grant_ref un2 = { .host_addr = va, .dev_bus_addr = 0, .handle = map.handle };
        HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &un2, 1);
        xtf_check(un2.status == GNTST_bad_handle || un2.status == GNTST_general_error, "unmap-twice-refused",
                  "status %d", un2.status);
    }
    struct gnttab_map_grant_ref badmap = { .host_addr = alloc_va(), .flags = GNTMAP_host_map, .ref = 5000,
                                           .dom = me };
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &badmap, 1);
    xtf_check(badmap.status == GNTST_bad_gntref, "map-bad-ref", "status %d", badmap.status);
    xtf_check(end_access(REF_SELF), "end-access-after-unmap", "flags 0x%x", gt[REF_SELF].flags);

    /* gnttab_copy. */
    grant(REF_SELF, me, virt_to_mfn(page), GTF_permit_access | GTF_readonly);
    uint32_t *dst = alloc_page();
    xtf_check(copy(REF_SELF, me, virt_to_mfn(dst), 0, 16) == GNTST_okay && dst[0] == 0x6A6A6A6A, "copy-okay",
              "dst 0x%x", dst[0]);
    xtf_check(copy(q.nr_frames * 512 + 3, me, virt_to_mfn(dst), 0, 16) == GNTST_bad_gntref, "copy-bad-ref",
              "status %d", copy(q.nr_frames * 512 + 3, me, virt_to_mfn(dst), 0, 16));
    xtf_check(copy(REF_SELF, 0x7FEF, virt_to_mfn(dst), 0, 16) == GNTST_bad_domain, "copy-bad-domain", "status %d",
              copy(REF_SELF, 0x7FEF, virt_to_mfn(dst), 0, 16));
    xtf_check(copy(REF_SELF, me, virt_to_mfn(dst), 4000, 200) == GNTST_bad_copy_arg, "copy-crosses-page",
              "status %d", copy(REF_SELF, me, virt_to_mfn(dst), 4000, 200));
    end_access(REF_SELF);

    /* Grant to the peer; the host maps it there on request. */
    unsigned long peer;
    if (!cmdline_get_ulong("peer_domid", &peer)) {
        xtf_fail("peer-grant", "no peer_domid= on the command line (the host must give one)");
        return;
    }
    uint32_t *shared_page = alloc_page();
    grant(REF_PEER, (uint16_t)peer, virt_to_mfn(shared_page), GTF_permit_access);
    printk("XTF-REQUEST map-grant dom=%u ref=%u\n", me, REF_PEER);
    bool mapped = wait_flags(REF_PEER, true, MS(2000));
    xtf_check(mapped, "peer-mapped-grant", "flags 0x%x after 2 s", gt[REF_PEER].flags);
    if (mapped) xtf_check(!end_access(REF_PEER), "end-access-while-peer-maps-refused", "revoked an entry in use");
    printk("XTF-REQUEST unmap-grant dom=%u ref=%u\n", me, REF_PEER);
    bool unmapped = wait_flags(REF_PEER, false, MS(2000));
    xtf_check(unmapped && end_access(REF_PEER), "end-access-after-peer-unmaps", "flags 0x%x", gt[REF_PEER].flags);
}
