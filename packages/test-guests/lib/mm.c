/* mm.c: page-table walking and mapping for both layouts.
 *
 * The tables are read through their read-only mappings inside the image region (the builder maps
 * the region 1:1 from VIRT_BASE including the bootstrap tables, 2.22), locating a table frame's
 * VA through the read-only M2P. PTE writes always go through mmu_update with the machine address
 * of the entry (2.8); the guest never writes a table directly. */
#include "xtf.h"

#define POOL_PAGES 48
static char pool[POOL_PAGES][PAGE_SIZE] __attribute__((aligned(4096), section(".bss.page_aligned")));
static unsigned int pool_used;

/* The current top-level table (pt_base at boot; tests that switch CR3 update it). */
uint32_t cur_top_va;

uint32_t virt_to_mfn(const void *va) { return ((const uint32_t *)start_info->mfn_list)[pfn_of(va)]; }

void *mfn_to_virt(uint32_t mfn) { return (void *)(VIRT_BASE + (machine_to_phys_mapping[mfn] << PAGE_SHIFT)); }

void *alloc_page(void)
{
    if (pool_used >= POOL_PAGES) xtf_crash("page pool exhausted");
    void *p = pool[pool_used++];
    memset(p, 0, PAGE_SIZE);
    return p;
}

uint64_t read_entry_maddr(uint64_t maddr)
{
    const volatile char *t = mfn_to_virt((uint32_t)(maddr >> PAGE_SHIFT));
    unsigned int off = (unsigned int)(maddr & 0xFFF);
    return CONFIG_PAE ? *(const volatile uint64_t *)(t + off) : *(const volatile uint32_t *)(t + off);
}

static uint32_t top(void) { return cur_top_va ? cur_top_va : start_info->pt_base; }

/* Machine address of the L2 entry covering va (PAE: through the L3). 0 if there is none. */
uint64_t l2e_maddr(uint32_t va)
{
#if CONFIG_PAE
    uint64_t l3 = ((uint64_t)virt_to_mfn((void *)top()) << PAGE_SHIFT) + (va >> 30) * 8;
    uint64_t e3 = read_entry_maddr(l3);
    if (!(e3 & _PAGE_PRESENT)) return 0;
    return (e3 & PTE_ADDR_MASK) + ((va >> 21) & 511) * 8;
#else
    return ((uint64_t)virt_to_mfn((void *)top()) << PAGE_SHIFT) + (va >> 22) * 4;
#endif
}

uint64_t pte_maddr(uint32_t va)
{
    uint64_t l2 = l2e_maddr(va);
    if (!l2) return 0;
    uint64_t e2 = read_entry_maddr(l2);
    if (!(e2 & _PAGE_PRESENT)) return 0;
    return (e2 & PTE_ADDR_MASK) + ((va >> PAGE_SHIFT) & (CONFIG_PAE ? 511 : 1023)) * (CONFIG_PAE ? 8 : 4);
}

pte_t read_pte(uint32_t va)
{
    uint64_t m = pte_maddr(va);
    return m ? read_entry_maddr(m) : 0;
}

long make_readonly(void *va)
{
    return HYPERVISOR_update_va_mapping((uint32_t)va, read_pte((uint32_t)va) & ~(uint64_t)_PAGE_RW, UVMF_INVLPG);
}

long make_writable(void *va)
{
    return HYPERVISOR_update_va_mapping((uint32_t)va, read_pte((uint32_t)va) | _PAGE_RW, UVMF_INVLPG);
}

static uint32_t next_va;

uint32_t alloc_va(void)
{
    if (!next_va) next_va = ((uint32_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    for (; next_va < HYPERVISOR_VIRT_START; next_va += PAGE_SIZE) {
        uint64_t pm = pte_maddr(next_va);
        if (!pm) {
            /* No L1 here yet: hook a fresh, read-only, empty one into the L2 (validated by Xen). */
            uint64_t l2 = l2e_maddr(next_va);
            if (!l2) xtf_crash("alloc_va: no L2 for the region");
            void *l1 = alloc_page();
            if (make_readonly(l1)) xtf_crash("alloc_va: cannot make the new L1 read-only");
            uint64_t val = ((uint64_t)virt_to_mfn(l1) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW |
                           _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;
            long rc = mmu_update_one(l2 | MMU_NORMAL_PT_UPDATE, val);
            if (rc) { printk("alloc_va: installing an L1 failed (%ld)\n", rc); xtf_crash("alloc_va"); }
            return (next_va += PAGE_SIZE) - PAGE_SIZE;
        }
        if (!(read_entry_maddr(pm) & _PAGE_PRESENT)) return (next_va += PAGE_SIZE) - PAGE_SIZE;
    }
    xtf_crash("alloc_va: no free virtual address below the hole");
}

void *map_mfn(uint32_t mfn, uint32_t flags)
{
    uint32_t va = alloc_va();
    long rc = mmu_update_one(pte_maddr(va) | MMU_NORMAL_PT_UPDATE, ((uint64_t)mfn << PAGE_SHIFT) | flags);
    return rc ? NULL : (void *)va;
}
