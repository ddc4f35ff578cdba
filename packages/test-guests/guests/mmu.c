/* mmu: mmu_update, mmuext_op and update_va_mapping semantics (xen-abi.md 2.8).
 *
 * Xen facts (xen/arch/x86/mm.c): a refused mmu_update request stops the batch; 32-bit Xen
 * answered every refusal with -EINVAL, later Xen distinguishes a frame it could not take a
 * reference on (-EBUSY: a foreign frame) from a forbidden one (-EPERM: beyond memory without
 * I/O-memory permission, a Xen-private L2 slot); both are accepted where they differ; with *done = the number of requests carried out; a frame can have one type at a
 * time (writable vs. L1/L2/L3 vs. descriptor), so a writable mapping of a page table and a pin
 * of a writably-mapped frame are refused (the mapping with -EBUSY: get_page_from_l1e fails
 * get_page_type(PGT_writable_page) and ends at could_not_pin; the pin with -EINVAL); Xen-private L2 slots (the hole) cannot be written;
 * NEW_BASEPTR validates an unpinned table on the fly (new_guest_cr3 takes a typed reference),
 * so it needs no pin but refuses a frame that cannot become a root table; the guest flushes its
 * own TLB after mmu_update (MMUEXT_INVLPG_LOCAL). Command line: peer_mfn=<mfn owned by another
 * domain> (given by the host). */
#include "xtf.h"

#define PTE_ENTRY_SIZE (CONFIG_PAE ? 8 : 4)

static void do_read(void *a) { (void)*(volatile uint32_t *)a; }
static void do_write_same(void *a) { volatile uint32_t *p = a; *p = *p; }

/* A refusal: -EINVAL (32-bit Xen) or the code later Xen uses for this case. */
static bool refused(const char *check, long rc, long modern)
{
    return xtf_check(rc == -XEN_EINVAL || rc == modern, check, "rc %ld, expected -%d or %ld", rc, XEN_EINVAL, modern);
}

static long invlpg(uint32_t va) { return mmuext_simple(MMUEXT_INVLPG_LOCAL, va, 0); }
static uint64_t pte_for(uint32_t mfn, uint32_t flags) { return ((uint64_t)mfn << PAGE_SHIFT) | flags; }

static void map_unmap(void)
{
    uint32_t *page = alloc_page();
    page[0] = 0xC0FFEE01;
    uint32_t mfn = virt_to_mfn(page);
    uint32_t va = alloc_va();
    uint64_t ptr = pte_maddr(va);
    xtf_check_rc("map-page", mmu_update_one(ptr | MMU_NORMAL_PT_UPDATE, pte_for(mfn, L1_PROT)), 0);
    xtf_check(*(volatile uint32_t *)va == 0xC0FFEE01, "map-page-reads-back", "read 0x%x", *(volatile uint32_t *)va);
    *(volatile uint32_t *)(va + 4) = 0xABCD;
    xtf_check(page[1] == 0xABCD, "map-page-aliases", "alias read 0x%x", page[1]);
    xtf_check((read_pte(va) & PTE_ADDR_MASK) >> PAGE_SHIFT == mfn, "map-page-pte", "pte 0x%llx", read_pte(va));
    xtf_check_rc("unmap-page", mmu_update_one(ptr | MMU_NORMAL_PT_UPDATE, 0), 0);
    xtf_check_rc("invlpg-local", invlpg(va), 0);
    expect_fault("unmapped-page-faults", do_read, (void *)va, X86_EXC_PF, 0, va);
    xtf_check_rc("tlb-flush-local", mmuext_simple(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
}

static void batch_stops_at_bad_entry(void)
{
    uint32_t *page = alloc_page();
    uint32_t mfn = virt_to_mfn(page);
    uint32_t va_a = alloc_va(), va_bad = alloc_va(), va_b = alloc_va();
    uint32_t l1_mfn = (uint32_t)(pte_maddr(va_a) >> PAGE_SHIFT);
    struct mmu_update req[3] = {
        { pte_maddr(va_a) | MMU_NORMAL_PT_UPDATE, pte_for(mfn, L1_PROT) },
        { pte_maddr(va_bad) | MMU_NORMAL_PT_UPDATE, pte_for(l1_mfn, L1_PROT) }, /* writable L1: -EBUSY */
        { pte_maddr(va_b) | MMU_NORMAL_PT_UPDATE, pte_for(mfn, L1_PROT) },
    };
    unsigned int done = 0xFFFF;
    long rc = HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF);
    xtf_check(rc == -XEN_EBUSY && done == 1, "batch-stops-at-bad-entry", "rc %ld done %u (expected -16, 1)", rc, done);
    xtf_check(read_pte(va_a) & _PAGE_PRESENT, "batch-first-applied", "pte 0x%llx", read_pte(va_a));
    xtf_check(!(read_pte(va_b) & _PAGE_PRESENT), "batch-third-not-applied", "pte 0x%llx", read_pte(va_b));
    xtf_check(!(read_pte(va_bad) & _PAGE_PRESENT), "batch-bad-not-applied", "pte 0x%llx", read_pte(va_bad));
    unsigned int done2 = 0xFFFF;
    xtf_check(HYPERVISOR_mmu_update(req, 0, &done2, DOMID_SELF) == 0 && done2 == 0, "batch-empty", "done %u", done2);
}

/* A batch longer than a scheduling quantum (100 us, 2,500 updates at 40 cycles each): Xen
 * preempts it between entries and continues it (count | MMU_UPDATE_PREEMPTED, the progress in
 * *done), which the guest must not be able to tell from one uninterrupted call. */
#define LONG_BATCH 8192
static struct mmu_update long_reqs[LONG_BATCH];

static void long_batch(void)
{
    uint32_t *a = alloc_page(), *b = alloc_page();
    uint32_t va = alloc_va();
    uint64_t ptr = pte_maddr(va) | MMU_NORMAL_PT_UPDATE;
    for (unsigned int i = 0; i < LONG_BATCH; i++) {
        long_reqs[i].ptr = ptr;
        long_reqs[i].val = pte_for(virt_to_mfn(i % 2 ? b : a), L1_PROT);
    }
    unsigned int done = 0xFFFF;
    long rc = HYPERVISOR_mmu_update(long_reqs, LONG_BATCH, &done, DOMID_SELF);
    invlpg(va);
    xtf_check(rc == 0 && done == LONG_BATCH, "long-batch-done", "rc %ld done %u (expected 0, %u)", rc, done, LONG_BATCH);
    xtf_check((read_pte(va) >> PAGE_SHIFT) == virt_to_mfn(b), "long-batch-last-entry-wins", "pte 0x%llx", read_pte(va));

    /* A refusal after the first preemption point: the count stops there, across continuations. */
    uint32_t l1_mfn = (uint32_t)(pte_maddr(va) >> PAGE_SHIFT);
    long_reqs[LONG_BATCH - 5].val = pte_for(l1_mfn, L1_PROT); /* writable L1: -EBUSY */
    done = 0xFFFF;
    rc = HYPERVISOR_mmu_update(long_reqs, LONG_BATCH, &done, DOMID_SELF);
    xtf_check(rc == -XEN_EBUSY && done == LONG_BATCH - 5, "long-batch-stops-at-bad-entry", "rc %ld done %u (expected -16, %u)",
              rc, done, LONG_BATCH - 5);
    xtf_check_rc("long-batch-unmap", mmu_update_one(ptr, 0), 0);
    invlpg(va);
}

static void refusals(void)
{
    uint32_t va = alloc_va();
    uint64_t ptr = pte_maddr(va) | MMU_NORMAL_PT_UPDATE;
    uint32_t l1_mfn = (uint32_t)(pte_maddr(va) >> PAGE_SHIFT);

    xtf_check_rc("writable-map-of-l1-refused", mmu_update_one(ptr, pte_for(l1_mfn, L1_PROT)), -XEN_EBUSY);
    uint32_t top_mfn = virt_to_mfn((void *)start_info->pt_base);
    xtf_check_rc("writable-map-of-top-refused", mmu_update_one(ptr, pte_for(top_mfn, L1_PROT)), -XEN_EBUSY);
    xtf_check_rc("readonly-map-of-l1-allowed", mmu_update_one(ptr, pte_for(l1_mfn, _PAGE_PRESENT | _PAGE_ACCESSED)), 0);
    xtf_check_rc("readonly-map-removed", mmu_update_one(ptr, 0), 0);
    invlpg(va);

    unsigned long peer;
    if (cmdline_get_ulong("peer_mfn", &peer))
        refused("foreign-frame-refused", mmu_update_one(ptr, pte_for((uint32_t)peer, L1_PROT)), -XEN_EBUSY);
    else
        xtf_fail("foreign-frame-refused", "no peer_mfn= on the command line (the host must give one)");

    uint32_t beyond = CONFIG_PAE ? 0x00FFFFF0U : 0x000FFFF0U;
    refused("mfn-beyond-memory-refused", mmu_update_one(ptr, pte_for(beyond, L1_PROT)), -XEN_EPERM);

    /* An L2 slot inside the hole belongs to Xen. Write a copy of a valid guest L2 entry there. */
    uint64_t guest_l2e = read_entry_maddr(l2e_maddr(VIRT_BASE));
    uint64_t xen_slot = l2e_maddr(HYPERVISOR_VIRT_START);
    xtf_check(xen_slot != 0, "xen-slot-located", "no L2 for the hole");
    if (xen_slot) {
        uint64_t before = read_entry_maddr(xen_slot);
        refused("xen-l2-slot-refused", mmu_update_one(xen_slot | MMU_NORMAL_PT_UPDATE, guest_l2e), -XEN_EPERM);
        xtf_check(read_entry_maddr(xen_slot) == before, "xen-l2-slot-unchanged", "0x%llx -> 0x%llx", before,
                  read_entry_maddr(xen_slot));
    }
    /* A "PTE" inside an ordinary writable page is not refused: Xen treats it as a plain write of
     * one entry-sized value (mm.c do_mmu_update, PGT_writable_page case). */
    uint32_t *data = alloc_page();
    uint64_t word = 0x1122334455667788ULL;
    xtf_check_rc("update-of-data-page-is-plain-write",
                 mmu_update_one((((uint64_t)virt_to_mfn(data) << PAGE_SHIFT) + 16) | MMU_NORMAL_PT_UPDATE, word), 0);
    xtf_check(data[4] == 0x55667788U && data[5] == (CONFIG_PAE ? 0x11223344U : 0), "data-page-written",
              "words 0x%x 0x%x", data[4], data[5]);

    /* update_va_mapping of a hole address. */
    xtf_check_rc("update_va_mapping-hole-refused",
                 HYPERVISOR_update_va_mapping(HYPERVISOR_VIRT_START + 0x10000, pte_for(virt_to_mfn(data), L1_PROT),
                                              UVMF_INVLPG), -XEN_EINVAL);
}

static void pinning(void)
{
    uint32_t *l1 = alloc_page();
    uint32_t mfn = virt_to_mfn(l1);
    xtf_check_rc("pin-writable-frame-refused", mmuext_simple(MMUEXT_PIN_L1_TABLE, mfn, 0), -XEN_EINVAL);
    xtf_check_rc("make-l1-readonly", make_readonly(l1), 0);
    xtf_check_rc("pin-l1", mmuext_simple(MMUEXT_PIN_L1_TABLE, mfn, 0), 0);
    xtf_check_rc("pin-l1-twice-refused", mmuext_simple(MMUEXT_PIN_L1_TABLE, mfn, 0), -XEN_EINVAL);
    xtf_check_rc("writable-while-pinned-refused", make_writable(l1), -XEN_EBUSY);
    xtf_check_rc("unpin-l1", mmuext_simple(MMUEXT_UNPIN_TABLE, mfn, 0), 0);
    xtf_check_rc("unpin-twice-refused", mmuext_simple(MMUEXT_UNPIN_TABLE, mfn, 0), -XEN_EINVAL);
    xtf_check_rc("writable-after-unpin", make_writable(l1), 0);

    uint32_t *l2 = alloc_page();
    mfn = virt_to_mfn(l2);
    make_readonly(l2);
    xtf_check_rc("pin-l2", mmuext_simple(MMUEXT_PIN_L2_TABLE, mfn, 0), 0);
    xtf_check_rc("unpin-l2", mmuext_simple(MMUEXT_UNPIN_TABLE, mfn, 0), 0);
    xtf_check_rc("l2-writable-after-unpin", make_writable(l2), 0);
#if !CONFIG_PAE
    /* 32-bit non-PAE Xen ignores pins of levels it does not have ("Ignore pinning of invalid
     * paging levels"): success, although the frame is mapped writable and could not be typed. */
    xtf_check_rc("pin-l3-on-2level-ignored", mmuext_simple(MMUEXT_PIN_L3_TABLE, mfn, 0), 0);
#endif
}

/* Build a copy of the top-level table (PAE: a new L3 whose slot 3 points at a copy of the
 * slot-3 L2, since 32-bit PAE Xen refuses to share that L2), switch to it and back. */
static void baseptr_copy(void)
{
    uint32_t top = start_info->pt_base;
    uint32_t top_mfn = virt_to_mfn((void *)top);
    uint32_t *rw = alloc_page();
    xtf_check_rc("new_baseptr-writable-frame-refused", mmuext_simple(MMUEXT_NEW_BASEPTR, virt_to_mfn(rw), 0),
                 -XEN_EINVAL);
#if CONFIG_PAE
    const uint64_t *l3 = (const uint64_t *)top;
    const uint64_t *l2 = mfn_to_virt((uint32_t)((l3[3] & PTE_ADDR_MASK) >> PAGE_SHIFT));
    uint64_t *l2c = alloc_page();
    for (unsigned int i = 0; i < ((HYPERVISOR_VIRT_START >> 21) & 511); i++) l2c[i] = l2[i];
    make_readonly(l2c);
    uint64_t *l3c = alloc_page();
    for (unsigned int i = 0; i < 3; i++) l3c[i] = l3[i];
    l3c[3] = ((uint64_t)virt_to_mfn(l2c) << PAGE_SHIFT) | _PAGE_PRESENT;
    make_readonly(l3c);
    uint32_t copy = (uint32_t)l3c;
    xtf_check_rc("pin-l3-copy", mmuext_simple(MMUEXT_PIN_L3_TABLE, virt_to_mfn(l3c), 0), 0);
#else
    const uint32_t *l2 = (const uint32_t *)top;
    uint32_t *l2c = alloc_page();
    for (unsigned int i = 0; i < (HYPERVISOR_VIRT_START >> 22); i++) l2c[i] = l2[i];
    make_readonly(l2c);
    uint32_t copy = (uint32_t)l2c;
    xtf_check_rc("pin-l2-copy", mmuext_simple(MMUEXT_PIN_L2_TABLE, virt_to_mfn(l2c), 0), 0);
#endif
    uint32_t copy_mfn = virt_to_mfn((void *)copy);
    long rc = mmuext_simple(MMUEXT_NEW_BASEPTR, copy_mfn, 0);
    xtf_check_rc("new_baseptr-to-copy", rc, 0);
    if (rc) return;
    cur_top_va = copy;
    uint32_t cr3;
    __asm__ volatile("mov %%cr3,%0" : "=r"(cr3));
    uint32_t want = CONFIG_PAE ? ((copy_mfn << 12) | (copy_mfn >> 20)) : (copy_mfn << 12);
    xtf_check((cr3 & ~0xFFFU) == (want & ~0xFFFU), "cr3-is-copy", "cr3 0x%x expected 0x%x", cr3, want);
    /* The copy had no Xen slots; Xen filled them while validating, so the M2P is readable. */
    xtf_check(machine_to_phys_mapping[top_mfn] == pfn_of((void *)top), "copy-has-xen-slots", "m2p[0x%x] = 0x%x",
              top_mfn, machine_to_phys_mapping[top_mfn]);
    xtf_check(map_mfn(virt_to_mfn(rw), L1_PROT) != NULL, "map-while-on-copy", "map failed");
    rc = mmuext_simple(MMUEXT_NEW_BASEPTR, top_mfn, 0);
    xtf_check_rc("new_baseptr-back", rc, 0);
    cur_top_va = 0;
    xtf_check_rc("unpin-copy", mmuext_simple(MMUEXT_UNPIN_TABLE, copy_mfn, 0), 0);
    xtf_check_rc("copy-writable-again", make_writable((void *)copy), 0);
}

static void uvm(void)
{
    uint32_t *page = alloc_page();
    page[3] = 0x5151;
    uint32_t va = alloc_va();
    xtf_check_rc("update_va_mapping-map", HYPERVISOR_update_va_mapping(va, pte_for(virt_to_mfn(page), L1_PROT),
                                                                        UVMF_INVLPG), 0);
    xtf_check(((volatile uint32_t *)va)[3] == 0x5151, "update_va_mapping-reads-back", "read 0x%x",
              ((volatile uint32_t *)va)[3]);
    xtf_check_rc("update_va_mapping-unmap", HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG), 0);
    expect_fault("update_va_mapping-unmapped-faults", do_read, (void *)va, X86_EXC_PF, 0, va);
    xtf_check_rc("update_va_mapping-tlb-flush", HYPERVISOR_update_va_mapping(va, pte_for(virt_to_mfn(page), L1_PROT),
                                                                              UVMF_TLB_FLUSH | UVMF_LOCAL), 0);
    xtf_check(((volatile uint32_t *)va)[3] == 0x5151, "update_va_mapping-flush-reads-back", "read 0x%x",
              ((volatile uint32_t *)va)[3]);
}

static void machphys(void)
{
    uint32_t *page = alloc_page();
    uint32_t mfn = virt_to_mfn(page), pfn = pfn_of(page);
    uint64_t ptr = ((uint64_t)mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
    xtf_check_rc("machphys-update", mmu_update_one(ptr, 0x12345), 0);
    xtf_check(machine_to_phys_mapping[mfn] == 0x12345, "machphys-visible-in-m2p", "m2p[0x%x] = 0x%x", mfn,
              machine_to_phys_mapping[mfn]);
    xtf_check_rc("machphys-restore", mmu_update_one(ptr, pfn), 0);
    xtf_check(machine_to_phys_mapping[mfn] == pfn, "machphys-restored", "m2p[0x%x] = 0x%x", mfn,
              machine_to_phys_mapping[mfn]);
    unsigned long peer;
    if (cmdline_get_ulong("peer_mfn", &peer))
        xtf_check_rc("machphys-foreign-refused", mmu_update_one(((uint64_t)peer << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 1),
                     -XEN_EINVAL);
}

XTF_TEST_MAIN
{
    map_unmap();
    batch_stops_at_bad_entry();
    long_batch();
    refusals();
    pinning();
    baseptr_copy();
    uvm();
    machphys();

    /* Page tables are mapped read-only: a direct write (even of the same value) is a #PF(P|W). */
    uint32_t l1_va = (uint32_t)mfn_to_virt((uint32_t)(pte_maddr(VIRT_BASE) >> PAGE_SHIFT));
    expect_fault("direct-l1-write-faults", do_write_same, (void *)l1_va, X86_EXC_PF, PF_PRESENT | PF_WRITE, l1_va);
    expect_fault("direct-top-write-faults", do_write_same, (void *)start_info->pt_base, X86_EXC_PF,
                 PF_PRESENT | PF_WRITE, start_info->pt_base);
}
