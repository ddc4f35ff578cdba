/* bench: the paper's hypervisor micro-benchmarks, timed with RDTSC inside the guest (simulated
 * cycles). Each phase prints `XTF-BENCH-START <name>` and then `XTF-BENCH <name> cycles=<per op>
 * ops=<n>`, so the host can time the same stretch and count its hypervisor entries.
 *   hypercall          xen_version(0): one int 0x82 round trip
 *   trap-bounce        int3 in ring 1, bounced by the hypervisor to our handler and back (iret)
 *   syscall-fast       int 0x80 from ring 3 to our ring-1 handler and back, never entering Xen
 *   pt-update-single   one PTE update per mmu_update
 *   pt-update-batched  512 PTE updates per mmu_update
 *   update-va-mapping  one PTE through update_va_mapping (UVMF_INVLPG)
 * Command line: ops=<n> (default 10000). */
#include "xtf.h"

static unsigned long ops;

static void start(const char *name) { printk("XTF-BENCH-START %s\n", name); }
/* Prints cycles per op. No libgcc here: a 64/32 division done by halves. */
static void report(const char *name, uint64_t cycles, unsigned long n)
{
    uint32_t hi = (uint32_t)(cycles >> 32), lo = (uint32_t)cycles, q, r;
    __asm__("divl %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi % n), "rm"((uint32_t)n));
    printk("XTF-BENCH %s cycles=%u ops=%lu\n", name, q, n);
}

static void on_bp(struct cpu_frame *f) { (void)f; }
static void on_syscall(struct cpu_frame *f) { (void)f; }

USER_DATA static volatile unsigned long user_n;
USER_TEXT static void user_syscalls(void *a)
{
    for (unsigned long i = 0; i < user_n; i++) __asm__ volatile("int $0x80" ::: "memory");
    ring3_exit();
}

static struct mmu_update batch[512];

XTF_TEST_MAIN
{
    ops = cmdline_ulong("ops", 10000);
    uint64_t t;

    start("hypercall");
    t = rdtsc();
    for (unsigned long i = 0; i < ops; i++) HYPERVISOR_xen_version(XENVER_version, NULL);
    report("hypercall", rdtsc() - t, ops);

    set_trap_handler(X86_EXC_BP, on_bp);
    start("trap-bounce");
    t = rdtsc();
    for (unsigned long i = 0; i < ops; i++) __asm__ volatile("int3" ::: "memory");
    report("trap-bounce", rdtsc() - t, ops);

    ring3_init();
    set_trap_handler(SYSCALL_VECTOR, on_syscall);
    user_n = ops;
    struct fault f;
    start("syscall-fast");
    t = rdtsc();
    bool trapped = run_ring3(user_syscalls, NULL, &f);
    uint64_t dt = rdtsc() - t;
    if (trapped) xtf_fail("syscall-fast", "trapped: vector %u", f.vector);
    report("syscall-fast", dt, ops);

    /* Page-table updates: one PTE flipped between two frames. */
    uint32_t va = alloc_va();
    uint64_t pte = pte_maddr(va);
    uint32_t a = virt_to_mfn(alloc_page()), b = virt_to_mfn(alloc_page());
    unsigned long n = ops - ops % 512;
    if (n == 0) n = 512;
    start("pt-update-single");
    t = rdtsc();
    for (unsigned long i = 0; i < n; i++) {
        struct mmu_update u = { .ptr = pte, .val = ((uint64_t)((i & 1) ? a : b) << PAGE_SHIFT) | L1_PROT };
        if (HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF)) xtf_fail("pt-update-single", "refused");
    }
    report("pt-update-single", rdtsc() - t, n);

    for (unsigned int i = 0; i < 512; i++) {
        batch[i].ptr = pte;
        batch[i].val = ((uint64_t)((i & 1) ? a : b) << PAGE_SHIFT) | L1_PROT;
    }
    start("pt-update-batched");
    t = rdtsc();
    for (unsigned long i = 0; i < n; i += 512) {
        if (HYPERVISOR_mmu_update(batch, 512, NULL, DOMID_SELF)) xtf_fail("pt-update-batched", "refused");
    }
    report("pt-update-batched", rdtsc() - t, n);

    start("update-va-mapping");
    t = rdtsc();
    for (unsigned long i = 0; i < n; i++) {
        if (HYPERVISOR_update_va_mapping(va, ((uint64_t)((i & 1) ? a : b) << PAGE_SHIFT) | L1_PROT, UVMF_INVLPG))
            xtf_fail("update-va-mapping", "refused");
    }
    report("update-va-mapping", rdtsc() - t, n);
    xtf_pass("bench");
}
