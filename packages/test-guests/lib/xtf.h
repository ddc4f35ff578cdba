/* xtf.h: the test-guest framework. One include for every guest.
 *
 * Layout: CONFIG_PAE is 1 for the PAE build (3-level tables, hole at 0xF5800000) and 0 for the
 * 2-level build (hole at 0xFC000000). Both are i386 PV kernels in ring 1. */
#ifndef XTF_H
#define XTF_H

#include "xen-ts-abi.h"
#include "xen-extra.h"

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>

/* ---- address-space layout (xen-abi.md 2.3) ---- */
#define VIRT_BASE 0xC0000000U
#define PAGE_SIZE 4096U
#define PAGE_SHIFT 12
#if CONFIG_PAE
#define HYPERVISOR_VIRT_START HYPERVISOR_VIRT_START_PAE
#define MACH2PHYS_VIRT_START MACH2PHYS_VIRT_START_PAE
#define MACH2PHYS_VIRT_END MACH2PHYS_VIRT_END_PAE
#define LAYOUT_NAME "pae"
#else
#define HYPERVISOR_VIRT_START HYPERVISOR_VIRT_START_2L
#define MACH2PHYS_VIRT_START MACH2PHYS_VIRT_START_2L
#define MACH2PHYS_VIRT_END MACH2PHYS_VIRT_END_2L
#define LAYOUT_NAME "2level"
#endif
#define machine_to_phys_mapping ((const volatile uint32_t *)MACH2PHYS_VIRT_START)

/* x86 PTE bits. */
#define _PAGE_PRESENT 0x001U
#define _PAGE_RW 0x002U
#define _PAGE_USER 0x004U
#define _PAGE_ACCESSED 0x020U
#define _PAGE_DIRTY 0x040U
#define PTE_FLAGS_MASK 0xFFFULL
#if CONFIG_PAE
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL
#else
#define PTE_ADDR_MASK 0xFFFFF000ULL
#endif
typedef uint64_t pte_t; /* always 64-bit in the API; 32-bit entries in the 2-level tables */

/* ---- globals set up by xtf_init ---- */
extern struct start_info *start_info;
extern struct shared_info *shared;       /* mapped by xtf_init at a free VA */
extern struct vcpu_info *vcpu0;
extern const char xtf_guest_name[];
extern char hypercall_page[];
extern char _image_start[], _end[], _user_start[], _user_end[];

/* ---- hypercalls (hypercall.c / hypercall.h) ---- */
#include "hypercall.h"

/* ---- console and report protocol (report.c, printf.c) ---- */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t len);
void xtf_pass(const char *check);
void xtf_fail(const char *check, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Pass when cond holds, otherwise fail with the formatted detail. Returns cond. */
bool xtf_check(bool cond, const char *check, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Pass when rc == expected. */
bool xtf_check_rc(const char *check, long rc, long expected);
void __attribute__((noreturn)) xtf_done(void);
void __attribute__((noreturn)) xtf_crash(const char *why);
void __attribute__((noreturn)) xtf_shutdown(unsigned int reason);
unsigned int xtf_passes(void);
unsigned int xtf_fails(void);

/* ---- strings (string.c) ---- */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
char *strstr(const char *h, const char *n);
unsigned long strtoul(const char *s, const char **end, int base);

/* ---- command line (cmdline.c): key=value items in start_info.cmd_line ---- */
/* True and *out set when `key=` is present; numbers take 0x prefixes. */
bool cmdline_get_ulong(const char *key, unsigned long *out);
unsigned long cmdline_ulong(const char *key, unsigned long dflt);

/* ---- traps (traps.S, traps.c) ---- */
struct cpu_frame {
    uint32_t es, ds;
    uint32_t edi, esi, ebp, esp_at_pushal, ebx, edx, ecx, eax;
    uint32_t vector, error_code;
    /* What Xen's bounce frame holds (2.7): EIP, CS (saved_upcall_mask in bits 16-23), EFLAGS,
     * then ESP and SS only when the trap came from ring 3. */
    uint32_t eip, cs, eflags;
    uint32_t esp, ss;
};
#define FRAME_FROM_RING3(f) (((f)->cs & 3) == 3)
typedef void (*trap_handler_t)(struct cpu_frame *f);
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define SYSCALL_VECTOR 0x80
#define RING3_EXIT_VECTOR 0x81 /* framework-private: ring-3 code returns to ring 1 with int $0x81 */
#define PF_PRESENT 1U
#define PF_WRITE 2U
#define PF_USER 4U

/* Assembly entry stubs, one per vector (traps.S). */
extern char trap_stub_table[]; /* 33 entries of TRAP_STUB_SIZE: vectors 0..31, then 0x80, 0x81 */
void *trap_entry(unsigned int vector);
/* Replaces the trap table (clearing it first) with the default one: every exception 0..19
 * (int3/into DPL 3), 0x80 (DPL 3) and 0x81 (DPL 3). `without` names one vector to leave out
 * (or -1). */
long traps_install(int without);
/* A handler that runs for `vector` when no fault is expected; it returns through iret. */
void set_trap_handler(unsigned int vector, trap_handler_t h);

/* ---- expected faults (fault.c, setjmp.S) ---- */
typedef struct { uint32_t ebx, esi, edi, ebp, esp, eip; } xtf_jmp_buf[1];
int xtf_setjmp(xtf_jmp_buf b) __attribute__((returns_twice));
void xtf_longjmp(xtf_jmp_buf b, int v) __attribute__((noreturn));

struct fault {
    bool hit;
    uint32_t vector, error_code, eip, cs, cr2;
};
/* Runs fn(arg) in ring 1. Returns true when a trap arrived (recorded in *out) and the function
 * was abandoned at that point; false when it returned normally. */
bool run_catching(void (*fn)(void *), void *arg, struct fault *out);
/* run_catching, then one report line: pass when `vector` arrived with `error_code`
 * (skipped if error_code < 0) and, for #PF, CR2 == cr2 (skipped if cr2 is 0). */
bool expect_fault(const char *check, void (*fn)(void *), void *arg, int vector, long error_code, uint32_t cr2);
/* As expect_fault but fn runs in ring 3 (ring3.c). */
bool expect_fault_ring3(const char *check, void (*fn)(void *), void *arg, int vector, long error_code, uint32_t cr2);

/* ---- ring 3 (ring3.c, ring3.S) ---- */
#define USER_TEXT __attribute__((section(".text.user"), noinline))
#define USER_DATA __attribute__((section(".data.user")))
/* Makes the .text.user/.data.user pages user-accessible (once). */
void ring3_init(void);
/* Runs fn(arg) in ring 3 on the user stack; fn must end with ring3_exit() (it may also simply
 * return, which does the same). Returns true if a trap ended it (recorded in *out). */
bool run_ring3(void (*fn)(void *), void *arg, struct fault *out);
static inline void __attribute__((always_inline)) ring3_exit(void) { __asm__ volatile("int $0x81" ::: "memory"); }

/* ---- events (events.c, entry.S) ---- */
typedef void (*evtchn_handler_t)(unsigned int port, struct cpu_frame *f);
void events_init(void);                 /* registers the event and failsafe callbacks */
void evtchn_set_handler(unsigned int port, evtchn_handler_t h);
extern volatile unsigned int upcall_count;
extern volatile unsigned int port_count[EVTCHN_2L_NR_CHANNELS];
void evtchn_clear(unsigned int port);
void evtchn_mask(unsigned int port);
void evtchn_unmask_local(unsigned int port);
bool evtchn_is_pending(unsigned int port);
void event_upcall_entry(void);
void failsafe_entry(void);
struct failsafe_frame { uint32_t ds, es, fs, gs, eip, cs, eflags, esp, ss; };
extern volatile unsigned int failsafe_count;
extern volatile struct failsafe_frame failsafe_last;
/* Called with the frame when the failsafe callback runs; a test that expects one may longjmp away. */
extern void (*failsafe_hook)(volatile struct failsafe_frame *f);
/* HYPERVISOR_iret to {EIP, CS, EFLAGS = IF, ESP, SS}: hypercall page entry 23 is jumped to, and
 * pushes EAX itself before it enters Xen. For tests that hand Xen a frame it cannot load. */
static inline void __attribute__((noreturn)) hypervisor_iret_to(uint32_t eip, uint32_t cs, uint32_t esp, uint32_t ss)
{
    __asm__ volatile("pushl %3\n\tpushl %2\n\tpushl $0x202\n\tpushl %1\n\tpushl %0\n\t"
                     "jmp hypercall_page + %c4"
                     :: "r"(eip), "r"(cs), "r"(esp), "r"(ss), "i"(__HYPERVISOR_iret * 32) : "memory");
    __builtin_unreachable();
}
static inline void upcall_mask(void) { vcpu0->evtchn_upcall_mask = 1; __asm__ volatile("" ::: "memory"); }
/* Unmasks and, as Linux's xen_restore_fl does, forces delivery of what arrived meanwhile. */
void upcall_unmask(void);

/* ---- time (time.c) ---- */
uint64_t rdtsc(void);
/* System time (ns since boot) from vcpu_time_info with the version protocol (2.5). */
uint64_t system_time_ns(void);

/* ---- waiting (wait.c) ---- */
/* Spin until *counter > above or timeout_ns of system time passed; returns the condition. */
bool wait_for(volatile unsigned int *counter, unsigned int above, uint64_t timeout_ns);
bool wait_pending(unsigned int port, uint64_t timeout_ns);
long bind_virq(unsigned int virq, unsigned int vcpu, unsigned int *port);
long timer_in(uint64_t ns); /* set_timer_op(now + ns) */
#define MS(x) ((uint64_t)(x) * 1000000ULL)

/* ---- memory (mm.c) ---- */
static inline uint32_t pfn_of(const void *va) { return ((uint32_t)va - VIRT_BASE) >> PAGE_SHIFT; }
uint32_t virt_to_mfn(const void *va);   /* through start_info.mfn_list */
void *mfn_to_virt(uint32_t mfn);         /* through the M2P, for frames inside the image region */
/* Machine address of the PTE (level 1) that maps va; 0 if no L1 exists. */
uint64_t pte_maddr(uint32_t va);
/* Machine address of the L2 entry covering va (PAE: through the L3); 0 if none. */
uint64_t l2e_maddr(uint32_t va);
/* Machine address and value of any table entry. */
uint64_t read_entry_maddr(uint64_t maddr);
/* VA of the top-level table in use (start_info.pt_base unless a test switched CR3). */
extern uint32_t cur_top_va;
/* Current PTE for va (0 if no L1). */
pte_t read_pte(uint32_t va);
/* A free virtual address with an L1 already present (creating an L1 if needed). */
uint32_t alloc_va(void);
/* Maps mfn at a fresh VA with the given PTE flags through mmu_update. Returns the VA or 0. */
void *map_mfn(uint32_t mfn, uint32_t flags);
/* A zeroed page from the framework's pool (mapped read-write). */
void *alloc_page(void);
/* Remaps an image page read-only (needed before it is used as a page table or descriptor page). */
long make_readonly(void *va);
long make_writable(void *va);
#define L1_PROT (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

/* ---- LCG (lcg.c): Knuth MMIX constants ---- */
struct lcg { uint64_t state; };
void lcg_seed(struct lcg *g, uint64_t seed);
uint32_t lcg_next(struct lcg *g);

/* ---- misc ---- */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define barrier() __asm__ volatile("" ::: "memory")
#define mb() __asm__ volatile("lock; addl $0,0(%%esp)" ::: "memory")
static inline void cpu_relax(void) { __asm__ volatile("rep; nop" ::: "memory"); }
static inline uint32_t read_cs(void) { uint32_t v; __asm__ volatile("mov %%cs,%0" : "=r"(v)); return v & 0xFFFF; }
static inline uint32_t read_ds(void) { uint32_t v; __asm__ volatile("mov %%ds,%0" : "=r"(v)); return v & 0xFFFF; }
static inline uint32_t read_eflags(void) { uint32_t v; __asm__ volatile("pushf; pop %0" : "=r"(v)); return v; }

/* Each guest's main file ends with XTF_TEST_MAIN { ... } (GUEST_NAME comes from the Makefile). */
#define XTF_TEST_MAIN const char xtf_guest_name[] = GUEST_NAME; void test_main(void)
void test_main(void);

#endif /* !__ASSEMBLER__ */
#endif /* XTF_H */
