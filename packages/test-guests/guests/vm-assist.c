/* vm-assist: vm_assist(cmd, type) (xen-abi.md 2.8). Xen (common/kernel.c do_vm_assist): a type
 * that is not valid for the guest is -EINVAL, an unknown command -ENOSYS. With
 * writable_pagetables enabled, a direct write to an L1 page table is emulated and validated by
 * Xen (ptwr) instead of faulting. */
#include "xtf.h"

static void do_write(void *a) { *(volatile uint32_t *)a = 0; }
struct pte_write { volatile uint32_t *p; uint64_t val; };
static void write_pte(void *a)
{
    struct pte_write *w = a;
    if (CONFIG_PAE) w->p[1] = (uint32_t)(w->val >> 32);
    w->p[0] = (uint32_t)w->val;
}
static volatile uint32_t seen;
static void read_va(void *a) { seen = *(volatile uint32_t *)a; }

XTF_TEST_MAIN
{
    if (!xtf_check_rc("enable-writable_pagetables",
                      HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0))
        goto types;

    /* Map a page by writing the PTE directly into the (read-only) L1. */
    uint32_t *page = alloc_page();
    page[0] = 0x9A9A;
    uint32_t va = alloc_va();
    uint64_t pm = pte_maddr(va);
    volatile char *l1 = mfn_to_virt((uint32_t)(pm >> PAGE_SHIFT));
    uint64_t val = ((uint64_t)virt_to_mfn(page) << PAGE_SHIFT) | L1_PROT;
    /* PAE: two 32-bit halves, high first, so no half-formed present entry ever exists. */
    struct pte_write w = { (volatile uint32_t *)(l1 + (pm & 0xFFF)), val };
    struct fault f;
    bool hit = run_catching(write_pte, &w, &f);
    if (!hit) hit = run_catching(read_va, (void *)va, &f);
    xtf_check(!hit && seen == 0x9A9A, "writable-pagetables-direct-pte-write", "fault %d (vector %u ec 0x%x) read 0x%x",
              hit, f.vector, f.error_code, seen);
    xtf_check_rc("disable-writable_pagetables",
                 HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables), 0);
    expect_fault("direct-pte-write-faults-when-disabled", do_write,
                 (void *)(l1 + (pm & 0xFFF) + 4 * (1 + CONFIG_PAE)), X86_EXC_PF, PF_PRESENT | PF_WRITE, 0);

types:
    xtf_check_rc("enable-4gb_segments", HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_4gb_segments), 0);
    xtf_check_rc("disable-4gb_segments", HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_4gb_segments), 0);
#if CONFIG_PAE
    xtf_check_rc("enable-pae_extended_cr3", HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3), 0);
#endif
    xtf_check_rc("invalid-type", HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL);
    xtf_check_rc("type-beyond-long", HYPERVISOR_vm_assist(VMASST_CMD_enable, 40), -XEN_EINVAL);
    xtf_check_rc("unknown-cmd", HYPERVISOR_vm_assist(7, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS);
}
