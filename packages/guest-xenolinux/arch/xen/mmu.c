/* mmu.c: memory on Xen. Page-table pages are read-only to us and every change is a validated
 * request (xen-abi.md 2.9-2.11): we queue mmu_update and mmuext_op requests and flush them as
 * one multicall (Linux's xen_mc_* batching), in order.
 *
 * Layout (2-level, PAE_MODE "no"): user space below 0xC0000000; all RAM direct-mapped at
 * 0xC0000000 + pfn * 4096 (the builder mapped the boot region that way; we extend it); one fixmap
 * L1 just below the hole (0xFBC00000) for shared_info; Xen above 0xFC000000. Each process has
 * its own page directory: the kernel slots copied from the boot directory (all kernel L1s exist
 * before the first process, so they never need syncing), pinned as an L2 table. */
#include "xen-arch.h"
#include "arch.h"

#define L2_SLOTS 1024
#define USER_SLOTS (PAGE_OFFSET >> 22)          /* 768 */
uint32_t page_alloc_pfn(void);                  /* kernel/page_alloc.c */
void page_free_pfn(uint32_t pfn);

/* ---- batching ---- */
#define MC_MMU_MAX 128
#define MC_EXT_MAX 32
#define MC_MAX 16
static struct mmu_update mc_mmu[MC_MMU_MAX];
static struct mmuext_op mc_ext[MC_EXT_MAX];
static struct multicall_entry mc[MC_MAX];
static unsigned n_mmu, n_ext, n_mc;
static uint32_t mc_done[MC_MAX];

static void mc_extend(uint32_t op, void *first)
{
    struct multicall_entry *last = n_mc ? &mc[n_mc - 1] : 0;
    if (last && last->op == op) {
        last->args[1]++;
        return;
    }
    if (n_mc == MC_MAX) xen_mc_flush();
    struct multicall_entry *e = &mc[n_mc];
    e->op = op;
    e->result = 0;
    e->args[0] = (uint32_t)first;
    e->args[1] = 1;
    e->args[2] = (uint32_t)&mc_done[n_mc];
    e->args[3] = DOMID_SELF;
    e->args[4] = e->args[5] = 0;
    n_mc++;
}

void xen_mc_mmu_update(uint64_t ptr, uint64_t val)
{
    if (n_mmu == MC_MMU_MAX) xen_mc_flush();
    struct mmu_update *u = &mc_mmu[n_mmu++];
    u->ptr = ptr;
    u->val = val;
    mc_extend(__HYPERVISOR_mmu_update, u);
}

void xen_mc_mmuext(uint32_t cmd, uint32_t arg1, uint32_t arg2)
{
    if (n_ext == MC_EXT_MAX) xen_mc_flush();
    struct mmuext_op *o = &mc_ext[n_ext++];
    o->cmd = cmd;
    o->arg1 = arg1;
    o->arg2 = arg2;
    mc_extend(__HYPERVISOR_mmuext_op, o);
}

/* Any other hypercall in the same batch (e.g. stack_switch with the context switch's
 * NEW_BASEPTR): one multicall entry of its own, never merged. */
void xen_mc_call2(uint32_t op, uint32_t arg0, uint32_t arg1)
{
    if (n_mc == MC_MAX) xen_mc_flush();
    struct multicall_entry *e = &mc[n_mc++];
    e->op = op;
    e->result = 0;
    e->args[0] = arg0;
    e->args[1] = arg1;
    e->args[2] = e->args[3] = e->args[4] = e->args[5] = 0;
}

void xen_mc_flush(void)
{
    if (!n_mc) return;
    long rc = HYPERVISOR_multicall(mc, n_mc);
    for (unsigned i = 0; i < n_mc; i++) {
        if (rc || (int32_t)mc[i].result < 0)
            panic("xenolinux: batched %s failed: rc %ld, result %d, %u of %u done",
                  mc[i].op == __HYPERVISOR_mmu_update ? "mmu_update" : mc[i].op == __HYPERVISOR_mmuext_op ? "mmuext_op" : "hypercall", rc,
                  (int)mc[i].result, (unsigned)mc_done[i], (unsigned)mc[i].args[1]);
    }
    n_mc = n_mmu = n_ext = 0;
}

void arch_flush_mmu(void) { xen_mc_flush(); }

/* ---- the kernel's own tables ---- */
static uint32_t *kernel_pgd;                 /* boot L2, read-only */
static uint32_t kernel_pgd_mfn;
static uint32_t kernel_l1_mfn[L2_SLOTS];     /* per kernel slot; 0 = none */

static uint64_t maddr_of_pte(uint32_t l1_mfn, uint32_t va)
{
    return ((uint64_t)l1_mfn << PAGE_SHIFT) + ((va >> PAGE_SHIFT) & 1023) * 4;
}

/* Direct-map alias of `pfn` made read-only (queued) - required before Xen will accept the page
 * as a page table or descriptor page - or writable again. */
void xen_set_alias_ro(uint32_t pfn, bool ro)
{
    uint32_t va = (uint32_t)pfn_to_virt(pfn);
    xen_mc_mmu_update(maddr_of_pte(kernel_l1_mfn[va >> 22], va),
                      ((uint64_t)pfn_to_mfn(pfn) << PAGE_SHIFT) | (ro ? PAGE_KERNEL_RO : PAGE_KERNEL));
    xen_mc_mmuext(MMUEXT_INVLPG_LOCAL, va, 0);
}

static uint32_t early_next_pfn, early_limit_pfn;
static uint32_t early_alloc(void)
{
    if (early_next_pfn >= early_limit_pfn) panic("xenolinux: out of boot-region memory for page tables");
    uint32_t pfn = early_next_pfn++;
    memset(pfn_to_virt(pfn), 0, PAGE_SIZE);
    return pfn;
}

/* Hooks a new kernel L1 (from the boot region, already mapped) into the boot directory. */
static void kernel_new_l1(uint32_t slot, uint32_t first_pfn, uint32_t nr_pages)
{
    uint32_t l1 = early_alloc();
    uint32_t *pte = pfn_to_virt(l1);
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pfn = first_pfn + i;
        if (first_pfn && pfn < nr_pages) pte[i] = (pfn_to_mfn(pfn) << PAGE_SHIFT) | PAGE_KERNEL;
    }
    xen_set_alias_ro(l1, true);
    xen_mc_mmu_update(((uint64_t)kernel_pgd_mfn << PAGE_SHIFT) + slot * 4,
                      ((uint64_t)pfn_to_mfn(l1) << PAGE_SHIFT) | PAGE_KERNEL);
    xen_mc_flush();
    kernel_l1_mfn[slot] = pfn_to_mfn(l1);
}

uint32_t xen_mmu_init(void)
{
    struct start_info *si = xen_start_info;
    kernel_pgd = (uint32_t *)si->pt_base;
    kernel_pgd_mfn = pfn_to_mfn(virt_to_pfn(kernel_pgd));
    uint32_t region_end_slot = USER_SLOTS;
    for (uint32_t s = USER_SLOTS; s < XEN_HOLE_SLOT; s++) {
        if (kernel_pgd[s] & _PAGE_PRESENT) {
            kernel_l1_mfn[s] = kernel_pgd[s] >> PAGE_SHIFT;
            region_end_slot = s + 1;
        }
    }
    /* Free memory starts after the page tables and the boot stack page (xen-abi.md 2.22 order);
     * the rest of the boot region (at least 512 KiB of padding) feeds the new kernel L1s. */
    early_next_pfn = virt_to_pfn(si->pt_base) + si->nr_pt_frames + 1;
    early_limit_pfn = (region_end_slot - USER_SLOTS) * 1024;
    if (early_limit_pfn > si->nr_pages) early_limit_pfn = si->nr_pages;
    uint32_t nr = si->nr_pages;
    if (nr > (FIXMAP_SLOT - USER_SLOTS) * 1024) panic("xenolinux: %u pages do not fit the direct map", (unsigned)nr);
    for (uint32_t s = region_end_slot; s < USER_SLOTS + (nr + 1023) / 1024; s++)
        kernel_new_l1(s, (s - USER_SLOTS) * 1024, nr);
    kernel_new_l1(FIXMAP_SLOT, 0, 0);
    return early_next_pfn;
}

/* ---- user address spaces ---- */
struct arch_mm {
    uint32_t pgd_pfn;
    uint32_t *l1_pfn;     /* per user slot: the L1's pfn, 0 when none */
};

static uint32_t pgtable_alloc(void)
{
    uint32_t pfn = page_alloc_pfn();
    if (!pfn) return 0;
    memset(pfn_to_virt(pfn), 0, PAGE_SIZE);
    return pfn;
}

struct arch_mm *arch_mm_create(void)
{
    struct arch_mm *mm = kzalloc(sizeof(*mm));
    uint32_t *slots = kzalloc(USER_SLOTS * sizeof(uint32_t));
    uint32_t pgd = pgtable_alloc();
    if (!mm || !slots || !pgd) {
        kfree(mm);
        kfree(slots);
        if (pgd) page_free_pfn(pgd);
        return 0;
    }
    uint32_t *dir = pfn_to_virt(pgd);
    for (uint32_t s = USER_SLOTS; s < XEN_HOLE_SLOT; s++) dir[s] = kernel_pgd[s];
    xen_set_alias_ro(pgd, true);
    xen_mc_mmuext(MMUEXT_PIN_L2_TABLE, pfn_to_mfn(pgd), 0);
    xen_mc_flush();
    mm->pgd_pfn = pgd;
    mm->l1_pfn = slots;
    return mm;
}

void arch_mm_activate_queued(struct arch_mm *mm)
{
    xen_mc_mmuext(MMUEXT_NEW_BASEPTR, pfn_to_mfn(mm ? mm->pgd_pfn : virt_to_pfn(kernel_pgd)), 0);
}

void arch_mm_activate(struct arch_mm *mm)
{
    arch_mm_activate_queued(mm);
    xen_mc_flush();
}

/* Tears an address space down: the caller has unmapped (and freed) the user pages and is no
 * longer running on it. Unpinning drops the validation references; then the tables are
 * ordinary pages again. */
void arch_mm_destroy(struct arch_mm *mm)
{
    xen_mc_mmuext(MMUEXT_UNPIN_TABLE, pfn_to_mfn(mm->pgd_pfn), 0);
    xen_set_alias_ro(mm->pgd_pfn, false);
    for (uint32_t s = 0; s < USER_SLOTS; s++)
        if (mm->l1_pfn[s]) xen_set_alias_ro(mm->l1_pfn[s], false);
    xen_mc_flush();
    page_free_pfn(mm->pgd_pfn);
    for (uint32_t s = 0; s < USER_SLOTS; s++)
        if (mm->l1_pfn[s]) page_free_pfn(mm->l1_pfn[s]);
    kfree(mm->l1_pfn);
    kfree(mm);
}

/* PROT_NONE keeps the frame in a not-present PTE marked with a software bit (Linux's
 * _PAGE_PROTNONE); Xen does not validate not-present entries. */
#define _PAGE_PROTNONE 0x100

static uint32_t pte_flags(int prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) return _PAGE_PROTNONE;
    uint32_t f = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
    if (prot & PROT_WRITE) f |= _PAGE_RW | _PAGE_DIRTY;
    return f;
}

/* Queues PTE `val` for `va`, linking a new L1 first when the slot has none. */
static int set_user_pte(struct arch_mm *mm, uint32_t va, uint32_t val)
{
    uint32_t slot = va >> 22;
    if (slot >= USER_SLOTS) return -EINVAL;
    if (!mm->l1_pfn[slot]) {
        uint32_t l1 = pgtable_alloc();
        if (!l1) return -ENOMEM;
        xen_set_alias_ro(l1, true);
        /* Referencing it from the pinned directory makes Xen validate it as an L1. */
        xen_mc_mmu_update(((uint64_t)pfn_to_mfn(mm->pgd_pfn) << PAGE_SHIFT) + slot * 4,
                          ((uint64_t)pfn_to_mfn(l1) << PAGE_SHIFT) | PAGE_TABLE);
        mm->l1_pfn[slot] = l1;
    }
    xen_mc_mmu_update(maddr_of_pte(pfn_to_mfn(mm->l1_pfn[slot]), va), val);
    return 0;
}

int arch_map_user_page(struct arch_mm *mm, uint32_t va, uint32_t pfn, int prot)
{
    return set_user_pte(mm, va, (pfn_to_mfn(pfn) << PAGE_SHIFT) | pte_flags(prot));
}

/* Replaces a present mapping (copy-on-write break): the new PTE, then the stale TLB entry. */
void arch_remap_user_page(struct arch_mm *mm, uint32_t va, uint32_t pfn, int prot)
{
    set_user_pte(mm, va & PAGE_MASK, (pfn_to_mfn(pfn) << PAGE_SHIFT) | pte_flags(prot));
    xen_mc_mmuext(MMUEXT_INVLPG_LOCAL, va & PAGE_MASK, 0);
}

bool page_is_shared(uint32_t pfn);   /* kernel/page_alloc.c */
int page_share(uint32_t pfn);

/* fork: the child gets every user PTE of the parent, both read-only where the parent's was
 * writable (copy on the first write, fault.c), each frame counted once more. The parent's
 * tables are read straight from their (read-only) direct-map alias; every change is a queued,
 * validated request. One local TLB flush at the end covers the parent's downgraded entries. */
int arch_mm_fork(struct arch_mm *dst, struct arch_mm *src)
{
    bool downgraded = false;
    int rc = 0;
    xen_mc_flush();
    for (uint32_t s = 0; s < USER_SLOTS && !rc; s++) {
        if (!src->l1_pfn[s]) continue;
        const uint32_t *l1 = pfn_to_virt(src->l1_pfn[s]);
        for (uint32_t i = 0; i < 1024; i++) {
            uint32_t pte = l1[i];
            if (!(pte & (_PAGE_PRESENT | _PAGE_PROTNONE))) continue;
            uint32_t va = (s << 22) | (i << PAGE_SHIFT);
            if (pte & _PAGE_RW) {
                pte &= ~(uint32_t)_PAGE_RW;
                xen_mc_mmu_update(maddr_of_pte(pfn_to_mfn(src->l1_pfn[s]), va), pte);
                downgraded = true;
            }
            if ((rc = set_user_pte(dst, va, pte))) break;
            if ((rc = page_share(mfn_to_pfn(pte >> PAGE_SHIFT)))) {
                xen_mc_mmu_update(maddr_of_pte(pfn_to_mfn(dst->l1_pfn[s]), va), 0);
                break;
            }
        }
    }
    if (downgraded) xen_mc_mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
    xen_mc_flush();
    return rc;
}

/* Frees an address space that nothing runs on: collect its frames, unpin (Xen drops the
 * references its tables held), free the tables, then the frames (shared ones lose a sharer). */
void arch_mm_teardown(struct arch_mm *mm)
{
    xen_mc_flush();
    uint32_t n = 0, cap = 0;
    for (uint32_t s = 0; s < USER_SLOTS; s++) {
        if (!mm->l1_pfn[s]) continue;
        const uint32_t *l1 = pfn_to_virt(mm->l1_pfn[s]);
        for (uint32_t i = 0; i < 1024; i++)
            if (l1[i] & (_PAGE_PRESENT | _PAGE_PROTNONE)) cap++;
    }
    uint32_t *frames = cap ? kmalloc(cap * sizeof(uint32_t)) : 0;
    if (cap && !frames) {
        /* No memory for the list: unmap one by one instead (slow, never fails). */
        for (uint32_t s = 0; s < USER_SLOTS; s++) {
            if (!mm->l1_pfn[s]) continue;
            const uint32_t *l1 = pfn_to_virt(mm->l1_pfn[s]);
            for (uint32_t i = 0; i < 1024; i++) {
                uint32_t pte = l1[i];
                if (!(pte & (_PAGE_PRESENT | _PAGE_PROTNONE))) continue;
                xen_mc_mmu_update(maddr_of_pte(pfn_to_mfn(mm->l1_pfn[s]), (s << 22) | (i << PAGE_SHIFT)), 0);
                xen_mc_flush();
                page_free_pfn(mfn_to_pfn(pte >> PAGE_SHIFT));
            }
        }
    } else {
        for (uint32_t s = 0; s < USER_SLOTS; s++) {
            if (!mm->l1_pfn[s]) continue;
            const uint32_t *l1 = pfn_to_virt(mm->l1_pfn[s]);
            for (uint32_t i = 0; i < 1024; i++)
                if (l1[i] & (_PAGE_PRESENT | _PAGE_PROTNONE)) frames[n++] = mfn_to_pfn(l1[i] >> PAGE_SHIFT);
        }
    }
    arch_mm_destroy(mm);
    for (uint32_t k = 0; k < n; k++) page_free_pfn(frames[k]);
    kfree(frames);
}

static uint32_t read_pte(struct arch_mm *mm, uint32_t va)
{
    uint32_t slot = va >> 22;
    if (slot >= USER_SLOTS || !mm->l1_pfn[slot]) return 0;
    xen_mc_flush(); /* the L1 must show what we queued */
    return ((uint32_t *)pfn_to_virt(mm->l1_pfn[slot]))[(va >> PAGE_SHIFT) & 1023];
}

int32_t arch_lookup_user_page(struct arch_mm *mm, uint32_t va, bool *writable)
{
    uint32_t pte = read_pte(mm, va);
    if (!(pte & (_PAGE_PRESENT | _PAGE_PROTNONE))) return -1;
    if (writable) *writable = (pte & (_PAGE_PRESENT | _PAGE_RW)) == (_PAGE_PRESENT | _PAGE_RW);
    return (int32_t)mfn_to_pfn(pte >> PAGE_SHIFT);
}

void arch_unmap_user_page(struct arch_mm *mm, uint32_t va)
{
    uint32_t slot = va >> 22;
    if (slot >= USER_SLOTS || !mm->l1_pfn[slot]) return;
    xen_mc_mmu_update(maddr_of_pte(pfn_to_mfn(mm->l1_pfn[slot]), va), 0);
    xen_mc_mmuext(MMUEXT_INVLPG_LOCAL, va & PAGE_MASK, 0);
}

void arch_protect_user_page(struct arch_mm *mm, uint32_t va, int prot)
{
    uint32_t pte = read_pte(mm, va);
    if (!(pte & (_PAGE_PRESENT | _PAGE_PROTNONE))) return;
    /* A frame still shared copy-on-write stays read-only: the write fault copies it. */
    if ((prot & PROT_WRITE) && page_is_shared(mfn_to_pfn(pte >> PAGE_SHIFT))) prot = (prot & ~PROT_WRITE) | PROT_READ;
    xen_mc_mmu_update(maddr_of_pte(pfn_to_mfn(mm->l1_pfn[va >> 22]), va), (pte & PAGE_MASK) | pte_flags(prot));
    xen_mc_mmuext(MMUEXT_INVLPG_LOCAL, va & PAGE_MASK, 0);
}
