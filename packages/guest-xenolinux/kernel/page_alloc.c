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

/* Copy-on-write sharing: per frame, how many mappings beyond the first (0 for most frames, so
 * the counts live in lazily allocated 4096-frame chunks). Freeing a shared frame drops a
 * sharer instead. */
#define SHARE_CHUNK 4096
static uint8_t *share_chunks[(1u << 20) / SHARE_CHUNK];

int page_share(uint32_t pfn)
{
    uint8_t **c = &share_chunks[pfn / SHARE_CHUNK];
    if (!*c && !(*c = kzalloc(SHARE_CHUNK))) return -ENOMEM;
    if ((*c)[pfn % SHARE_CHUNK] == 255) return -ENOMEM; /* MAX_TASKS keeps it far below */
    (*c)[pfn % SHARE_CHUNK]++;
    return 0;
}

bool page_is_shared(uint32_t pfn)
{
    uint8_t *c = share_chunks[pfn / SHARE_CHUNK];
    return c && c[pfn % SHARE_CHUNK];
}

void page_free_pfn(uint32_t pfn)
{
    if (pfn == 0 || pfn >= total_pages || nr_free >= total_pages) panic("page_free_pfn: bad pfn %u", (unsigned)pfn);
    uint8_t *c = share_chunks[pfn / SHARE_CHUNK];
    if (c && c[pfn % SHARE_CHUNK]) {
        c[pfn % SHARE_CHUNK]--;
        return;
    }
    free_stack[nr_free++] = pfn;
}

/* Two adjacent free frames (a kernel stack of 8 KiB in the direct map), looked for near the
 * top of the free stack, where frames come out in order at first. Returns the lower, or 0. */
uint32_t page_alloc_pair(void)
{
    uint32_t window = MIN(nr_free, 512u);
    for (uint32_t i = nr_free - window; i < nr_free; i++) {
        for (uint32_t j = nr_free - window; j < nr_free; j++) {
            if (free_stack[j] != free_stack[i] + 1) continue;
            uint32_t lo = free_stack[i];
            /* Remove both: fill their places with the top entries. */
            uint32_t hi_idx = MAX(i, j), lo_idx = MIN(i, j);
            free_stack[hi_idx] = free_stack[--nr_free];
            free_stack[lo_idx] = free_stack[--nr_free];
            return lo;
        }
    }
    return 0;
}

uint32_t nr_free_pages(void) { return nr_free; }
