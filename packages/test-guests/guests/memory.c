/* memory: memory_op reservations and ballooning one page (xen-abi.md 2.12).
 * As a balloon driver does: unmap the page, decrease_reservation (PV extents are MFNs), mark the
 * P2M entry invalid; then increase_reservation returns a new MFN, which the guest enters in its
 * P2M and, with MMU_MACHPHYS_UPDATE, in the M2P, and maps again. Xen returns the number of
 * extents processed (0 for an unknown domain); current_reservation of an unknown domain is -ESRCH. */
#include "xtf.h"

#define INVALID_P2M_ENTRY 0xFFFFFFFFU

static void do_read(void *a) { (void)*(volatile uint32_t *)a; }

XTF_TEST_MAIN
{
    uint16_t self = DOMID_SELF;
    long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    xtf_check(cur == (long)start_info->nr_pages, "current_reservation", "%ld, nr_pages %u", cur,
              (unsigned int)start_info->nr_pages);
    long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    xtf_check(max >= cur, "maximum_reservation", "%ld < current %ld", max, cur);
    long maxram = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    uint32_t highest = 0;
    const uint32_t *p2m = (const uint32_t *)start_info->mfn_list;
    for (unsigned int i = 0; i < start_info->nr_pages; i++) if (p2m[i] > highest) highest = p2m[i];
    xtf_check(maxram > 0 && (uint32_t)maxram >= highest, "maximum_ram_page", "%ld, highest own mfn 0x%x", maxram,
              highest);
    uint16_t nobody = 0x7FEF;
    xtf_check_rc("current_reservation-unknown-domain", HYPERVISOR_memory_op(XENMEM_current_reservation, &nobody),
                 -XEN_ESRCH);

    /* Balloon one page out and back in. */
    uint32_t *page = alloc_page();
    uint32_t pfn = pfn_of(page), old_mfn = virt_to_mfn(page);
    uint32_t *p2m_rw = (uint32_t *)start_info->mfn_list;
    xtf_check_rc("unmap-before-release", HYPERVISOR_update_va_mapping((uint32_t)page, 0, UVMF_INVLPG), 0);
    unsigned long extent = old_mfn;
    struct xen_memory_reservation r = { .extent_start = (uint32_t)&extent, .nr_extents = 1, .extent_order = 0,
                                        .mem_flags = 0, .domid = DOMID_SELF };
    xtf_check_rc("decrease_reservation", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
    p2m_rw[pfn] = INVALID_P2M_ENTRY;
    xtf_check(HYPERVISOR_memory_op(XENMEM_current_reservation, &self) == cur - 1, "reservation-dropped",
              "still %ld", HYPERVISOR_memory_op(XENMEM_current_reservation, &self));
    xtf_check(map_mfn(old_mfn, L1_PROT) == NULL, "released-frame-not-mappable", "mapped a frame we gave back");

    extent = 0;
    long rc = HYPERVISOR_memory_op(XENMEM_increase_reservation, &r);
    xtf_check(rc == 1 && extent != 0, "increase_reservation", "rc %ld mfn 0x%lx", rc, extent);
    if (rc == 1) {
        uint32_t mfn = (uint32_t)extent;
        xtf_check_rc("machphys-for-new-frame",
                     mmu_update_one(((uint64_t)mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn), 0);
        p2m_rw[pfn] = mfn;
        xtf_check(machine_to_phys_mapping[mfn] == pfn, "m2p-updated", "m2p[0x%x] = 0x%x", mfn,
                  machine_to_phys_mapping[mfn]);
        xtf_check_rc("remap-new-frame",
                     HYPERVISOR_update_va_mapping((uint32_t)page, ((uint64_t)mfn << PAGE_SHIFT) | L1_PROT, UVMF_INVLPG), 0);
        struct fault f;
        bool hit = run_catching(do_read, page, &f);
        page[7] = 0x77;
        xtf_check(!hit && page[7] == 0x77, "new-frame-usable", "fault %u", f.vector);
        xtf_check(HYPERVISOR_memory_op(XENMEM_current_reservation, &self) == cur, "reservation-restored",
                  "%ld", HYPERVISOR_memory_op(XENMEM_current_reservation, &self));
    }
    r.domid = 0x7FEF;
    /* Reservation ops on an unknown domain return the number of extents done so far: 0. */
    xtf_check_rc("increase-unknown-domain-does-nothing", HYPERVISOR_memory_op(XENMEM_increase_reservation, &r), 0);
    xtf_check_rc("unknown-memory-op", HYPERVISOR_memory_op(63, NULL), -XEN_ENOSYS);
}
