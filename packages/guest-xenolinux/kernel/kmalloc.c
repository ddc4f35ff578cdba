/* kmalloc.c: small kernel allocations: power-of-two classes of 16..4096 bytes carved from
 * pages; a per-page class byte tells kfree where an object belongs. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

#define NR_CLASSES 9 /* 16 << 0 .. 16 << 8 = 4096 */
struct free_obj { struct free_obj *next; };
static struct free_obj *free_lists[NR_CLASSES];
extern uint8_t *kmalloc_page_class; /* per pfn: class + 1, 0 = not a kmalloc page */
#define page_class kmalloc_page_class

static int class_of(size_t n)
{
    int c = 0;
    while ((16u << c) < n) c++;
    return c;
}

void *kmalloc(size_t n)
{
    if (n == 0) n = 1;
    if (n > 4096) return 0;
    int c = class_of(n);
    if (!free_lists[c]) {
        uint32_t pfn = page_alloc_pfn();
        if (!pfn) return 0;
        page_class[pfn] = c + 1;
        uint8_t *page = pfn_to_virt(pfn);
        for (uint32_t off = 0; off < PAGE_SIZE; off += 16u << c) {
            struct free_obj *o = (struct free_obj *)(page + off);
            o->next = free_lists[c];
            free_lists[c] = o;
        }
    }
    struct free_obj *o = free_lists[c];
    free_lists[c] = o->next;
    return o;
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p) memset(p, 0, n);
    return p;
}

void kfree(void *p)
{
    if (!p) return;
    uint32_t pfn = virt_to_pfn(p);
    int c = page_class[pfn] - 1;
    if (c < 0) panic("kfree: %p is not a kmalloc object", p);
    struct free_obj *o = p;
    o->next = free_lists[c];
    free_lists[c] = o;
}

char *kstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = kmalloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
