/* arch.h: what the architecture-independent kernel asks of its port (arch/xen implements it;
 * a native-PC port would implement the same). Everything here is a page-granular, pfn-based
 * interface: the kernel never sees a machine frame or a hypercall. */
#ifndef ARCH_H
#define ARCH_H
#include "kernel.h"

struct pt_regs;

/* The kernel runs with events masked (Xen's virtual interrupt flag); the system-call gate
 * arrives unmasked, so the syscall path masks first. Returning to user mode unmasks. */
void arch_local_irq_disable(void);

/* Console. */
void arch_console_write(const char *s, size_t n);
/* `earlyprintk=<how>`: also send console output to the port's early console. */
void arch_early_console(const char *how);
/* Reads up to n bytes of console input; 0 when none is waiting. */
size_t arch_console_read(char *buf, size_t n);
/* Sleeps until an event (timer or input) arrives: Xen's SCHEDOP_block. */
void arch_idle(void);
noreturn void arch_poweroff(void);
noreturn void arch_crash(void);

/* The initial RAM disk the boot loader handed over (direct-mapped), or len 0. */
const uint8_t *arch_initrd(size_t *len);

/* Time. */
uint64_t arch_monotonic_ns(void);            /* since boot */
void arch_wallclock(uint64_t *sec, uint32_t *nsec);
extern volatile uint64_t jiffies;            /* timer ticks (VIRQ_TIMER) */
#define TICK_NS 10000000ull                   /* one tick: Xen's 10 ms periodic timer */

/* Memory: physical frames are pfns; RAM is direct-mapped at PAGE_OFFSET. */
uint32_t arch_nr_pages(void);
/* Page tables of a user address space. `pgd` is opaque to the kernel. */
struct arch_mm;
struct arch_mm *arch_mm_create(void);
void arch_mm_destroy(struct arch_mm *mm);
void arch_mm_activate(struct arch_mm *mm);
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
/* Maps user page `va` to `pfn` (queued); returns -ENOMEM when a page table cannot be had. */
int arch_map_user_page(struct arch_mm *mm, uint32_t va, uint32_t pfn, int prot);
/* The pfn mapped at `va` (and its writability), or -1. */
int32_t arch_lookup_user_page(struct arch_mm *mm, uint32_t va, bool *writable);
/* Removes or re-protects a mapping (queued, with the TLB flush it needs). */
void arch_unmap_user_page(struct arch_mm *mm, uint32_t va);
void arch_protect_user_page(struct arch_mm *mm, uint32_t va, int prot);
/* Makes queued page-table work visible. */
void arch_flush_mmu(void);

/* Thread-local storage: Linux i386 TLS slots (GDT entries 6..8). */
#define GDT_ENTRY_TLS_MIN 6
#define GDT_ENTRY_TLS_ENTRIES 3
/* Installs a (validated by Xen) segment descriptor in TLS slot idx (0..2). */
int arch_set_tls_desc(int idx, uint64_t desc);

/* Processes: enter user mode with `regs` (the task's kernel stack top is `kstack_top`). */
void arch_set_kernel_stack(uint32_t kstack_top);
noreturn void arch_return_to_user(struct pt_regs *regs);
void arch_init_user_regs(struct pt_regs *regs, uint32_t eip, uint32_t esp);
/* Whether user mode can be entered at `eip` at all (the user code segment reaches it). */
bool arch_user_eip_reachable(uint32_t eip);
/* The faulting address of the page fault being handled. */
uint32_t arch_fault_address(void);

/* User memory access with fault recovery: return 0 or -EFAULT. */
int copy_to_user(void *dst, const void *src, size_t n);
int copy_from_user(void *dst, const void *src, size_t n);
/* Copies a string of at most n-1 bytes; returns its length, -EFAULT or -ENAMETOOLONG. */
int strncpy_from_user(char *dst, const char *src, size_t n);
#endif
