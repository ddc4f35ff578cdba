/* page_alloc.c: the page-frame allocator: a stack of free pfns. Every RAM frame above the boot
 * allocations is free at start; pfn 0 (the kernel image) is never handed out, so 0 means "none". */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

static uint32_t *free_stack;
static uint32_t nr_free, total_pages;
uint8_t *kmalloc_page_class;

void page_alloc_init(uint32_t first_free_pfn, uint32_t nr_pages)
{
    total_pages = nr_pages;
    /* The stack itself and kmalloc's per-page class bytes live in the first free pages. */
    uint32_t stack_pages = (nr_pages * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
    uint32_t class_pages = (nr_pages + PAGE_SIZE - 1) / PAGE_SIZE;
    free_stack = pfn_to_virt(first_free_pfn);
    kmalloc_page_class = pfn_to_virt(first_free_pfn + stack_pages);
    memset(kmalloc_page_class, 0, class_pages * PAGE_SIZE);
    nr_free = 0;
    for (uint32_t pfn = nr_pages; pfn-- > first_free_pfn + stack_pages + class_pages;) free_stack[nr_free++] = pfn;
}

uint32_t page_alloc_pfn(void)
{
    return nr_free ? free_stack[--nr_free] : 0;
}

void page_free_pfn(uint32_t pfn)
{
    if (pfn == 0 || pfn >= total_pages || nr_free >= total_pages) panic("page_free_pfn: bad pfn %u", (unsigned)pfn);
    free_stack[nr_free++] = pfn;
}

uint32_t nr_free_pages(void) { return nr_free; }
