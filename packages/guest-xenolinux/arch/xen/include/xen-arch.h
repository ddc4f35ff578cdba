/* xen-arch.h: what the files of arch/xen share with each other (never included by kernel/). */
#ifndef XEN_ARCH_H
#define XEN_ARCH_H
#include "kernel.h"
#include "hypercall.h"

/* 2-level paging (PAE_MODE "no"): PTE bits, i386 SDM vol. 3 §4.3. */
#define _PAGE_PRESENT  0x001
#define _PAGE_RW       0x002
#define _PAGE_USER     0x004
#define _PAGE_ACCESSED 0x020
#define _PAGE_DIRTY    0x040
#define PAGE_KERNEL    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_KERNEL_RO (_PAGE_PRESENT | _PAGE_ACCESSED)
#define PAGE_TABLE     (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

/* Top of the 2-level address space that belongs to Xen (xen.h, x86_32: HYPERVISOR_VIRT_START). */
#define XEN_HOLE_SLOT (HYPERVISOR_VIRT_START_2L >> 22)
/* One kernel L1 just below the hole for fixed mappings (shared_info), like Linux's fixmap. */
#define FIXMAP_SLOT   (XEN_HOLE_SLOT - 1)
#define FIXMAP_BASE   ((uint32_t)FIXMAP_SLOT << 22)
#define FIX_SHARED_INFO FIXMAP_BASE

/* The read-only machine-to-physical table Xen maps at MACH2PHYS_VIRT_START. */
#define machine_to_phys ((const uint32_t *)MACH2PHYS_VIRT_START_2L)

extern struct start_info *xen_start_info;
extern struct shared_info *HYPERVISOR_shared_info;
extern const uint32_t *phys_to_machine;   /* start_info.mfn_list */

static inline uint32_t pfn_to_mfn(uint32_t pfn) { return phys_to_machine[pfn]; }
static inline uint32_t mfn_to_pfn(uint32_t mfn) { return machine_to_phys[mfn]; }
static inline struct vcpu_info *this_vcpu(void) { return &HYPERVISOR_shared_info->vcpu_info[0]; }

/* Event upcall mask: the virtual interrupt flag (xen-abi.md 2.7). */
static inline void xen_irq_disable(void) { this_vcpu()->evtchn_upcall_mask = 1; __asm__ volatile("" ::: "memory"); }
void xen_irq_enable(void);

/* mc.c-like batching in mmu.c: queued page-table work, flushed as one multicall. */
void xen_mc_mmu_update(uint64_t ptr, uint64_t val);
void xen_mc_mmuext(uint32_t cmd, uint32_t arg1, uint32_t arg2);
void xen_mc_flush(void);

void xen_console_early_write(const char *s, size_t n);
void xen_console_ring_init(void);
void xen_events_init(void);
int xen_bind_virq(uint32_t virq, void (*handler)(uint32_t port));
void xen_evtchn_notify(uint32_t port);
void xen_traps_init(void);
void xen_time_init(void);
uint32_t xen_mmu_init(void);   /* returns the first free pfn */
void xen_tls_init(void);
void xen_console_virq(uint32_t port);
#endif
