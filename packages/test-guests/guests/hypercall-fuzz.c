/* hypercall-fuzz: `count` (default 100000) hypercalls with numbers 0..63 and arguments from an
 * LCG seeded by `seed` (default 1). Prints a histogram of the return values, then powers off.
 * The guest must survive: Xen never lets a hypercall corrupt the caller outside what the ABI
 * allows, and each argument is validated (usually -EFAULT, -EINVAL, -ENOSYS or -EPERM).
 *
 * Three calls in four name a hypercall Xen defines (so they reach its argument checks); the
 * rest any number 0..63. Arguments are drawn from a mix: 0, small integers, random 32-bit values, DOMID_SELF, and
 * pointers into a scratch page refilled with random words before each call. Random 32-bit
 * values that land inside the guest's own image are moved out of it (xor 0x40000000), so Xen
 * never reads or writes our code and data as arguments; the scratch page is the only memory
 * offered.
 *
 * Excluded, because they legitimately end or wedge the guest (the minimal list):
 *  - sched_op / sched_op_compat: shutdown, remote_shutdown, watchdog (ends the domain later),
 *    block (no event is guaranteed), poll without a timeout;
 *  - iret (23): it pops a frame from our stack and resumes there;
 *  - mmuext_op NEW_BASEPTR, UNPIN_TABLE (could switch to / free our live tables), CLEAR_PAGE and
 *    COPY_PAGE (could overwrite our own frames: small random MFNs may well be ours);
 *  - memory_op decrease_reservation / exchange and grant_table_op transfer (could give away our
 *    own frames), set_gdt (could retype one of our writable pages as a descriptor page);
 *  - vcpu_op down/initialise/register_vcpu_info on our only vCPU;
 *  - the same calls nested inside a multicall (nested mmuext_op and sched_op are not offered).
 * console_io writes get length 0, to keep the console log readable.
 * After calls that can replace our trap table, callbacks or kernel stack (set_trap_table,
 * set_callbacks, callback_op, stack_switch, nmi_op) the framework's own are reinstalled, and
 * upcalls stay masked throughout so a random bind can not divert control. */
#include "xtf.h"

/* Pointers go into the first page only; the two pages after it absorb what Xen writes beyond a
 * pointer (e.g. 1 KiB for XENVER_capabilities, a multicall's results), so Xen never writes over
 * the fuzzer's own state. */
#define SCRATCH_WORDS 1024
/* The hypercalls of xen.h a 32-bit PV guest may make (the rest answer -ENOSYS). */
static const uint8_t defined_calls[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                                         21, 22, 23, 24, 26, 27, 28, 29, 30, 32, 33, 34, 35, 36, 37, 38 };

static uint32_t scratch[3 * SCRATCH_WORDS] __attribute__((aligned(4096)));
static struct lcg rng;

static uint32_t steer(uint32_t v)
{
    if (v >= (uint32_t)_image_start && v < HYPERVISOR_VIRT_START) v ^= 0x40000000U;
    return v;
}

static uint32_t random_arg(void)
{
    uint32_t r = lcg_next(&rng);
    switch (r & 7) {
    case 0: return 0;
    case 1: case 2: return (r >> 8) & 63;
    case 3: return steer(lcg_next(&rng));
    case 4: return DOMID_SELF;
    case 5: case 6: return (uint32_t)scratch + ((r >> 8) & 0xFF0);
    default: return (uint32_t)scratch;
    }
}

/* Refreshes 64 words at a random place: cheap per call, and the whole page stays random. */
static void fill_scratch(void)
{
    unsigned int base = lcg_next(&rng) & (SCRATCH_WORDS - 64);
    for (unsigned int i = base; i < base + 64; i++) {
        uint32_t r = lcg_next(&rng);
        scratch[i] = (r & 3) == 0 ? (r >> 2) & 63 : steer(r);
    }
}

/* Rewrites a call that must not run into a harmless one (xen_version). */
static bool excluded(uint32_t nr, const uint32_t *a)
{
    switch (nr) {
    case __HYPERVISOR_sched_op:
    case __HYPERVISOR_sched_op_compat:
        return a[0] != SCHEDOP_yield && !(a[0] == SCHEDOP_poll && nr == __HYPERVISOR_sched_op) &&
               a[0] != SCHEDOP_shutdown_code;
    case __HYPERVISOR_iret:
    case __HYPERVISOR_set_gdt:
        return true;
    case __HYPERVISOR_memory_op:
        return a[0] == XENMEM_decrease_reservation || a[0] == XENMEM_exchange;
    case __HYPERVISOR_grant_table_op:
        return a[0] == GNTTABOP_transfer;
    case __HYPERVISOR_vcpu_op:
        return a[0] == VCPUOP_down || a[0] == VCPUOP_initialise || a[0] == VCPUOP_register_vcpu_info;
    default:
        return false;
    }
}

/* Entries of `size` bytes from `base` to the end of the scratch page. */
static uint32_t scratch_room(uint32_t base, uint32_t size)
{
    return ((uint32_t)(scratch + SCRATCH_WORDS) - base) / size;
}

/* Makes the in-memory argument structures of an allowed call safe. */
static void sanitize_memory(uint32_t nr, uint32_t *a)
{
    /* Xen goes through a batch entry by entry however long it is (preempting and continuing it):
     * a batch in the scratch page must end there, or it would go on into our own state. */
    bool in_scratch = a[0] >= (uint32_t)scratch && a[0] < (uint32_t)(scratch + SCRATCH_WORDS);
    uint32_t entry_size = nr == __HYPERVISOR_mmu_update ? sizeof(struct mmu_update)
                        : nr == __HYPERVISOR_mmuext_op ? sizeof(struct mmuext_op)
                        : nr == __HYPERVISOR_multicall ? sizeof(struct multicall_entry) : 0;
    if (in_scratch && entry_size && (a[1] & ~MMU_UPDATE_PREEMPTED) > scratch_room(a[0], entry_size))
        a[1] = scratch_room(a[0], entry_size);
    if (nr == __HYPERVISOR_console_io && a[0] == CONSOLEIO_write) a[1] = 0;
    if (nr == __HYPERVISOR_sched_op && a[0] == SCHEDOP_poll) {
        /* struct sched_poll: force a short timeout (absolute ns; 1 = already expired). */
        a[1] = (uint32_t)scratch;
        scratch[2] = 1;
        scratch[3] = 0;
    }
    if (nr == __HYPERVISOR_mmuext_op && a[0] >= (uint32_t)scratch && a[0] < (uint32_t)(scratch + SCRATCH_WORDS)) {
        for (uint32_t *p = (uint32_t *)a[0]; p + 3 <= scratch + SCRATCH_WORDS; p += 3)
            if (p[0] == MMUEXT_NEW_BASEPTR || p[0] == MMUEXT_UNPIN_TABLE || p[0] == MMUEXT_CLEAR_PAGE ||
                p[0] == MMUEXT_COPY_PAGE)
                p[0] = MMUEXT_TLB_FLUSH_LOCAL;
    }
    if (nr == __HYPERVISOR_multicall && a[0] >= (uint32_t)scratch && a[0] < (uint32_t)(scratch + SCRATCH_WORDS)) {
        for (struct multicall_entry *m = (struct multicall_entry *)a[0]; (uint32_t *)(m + 1) <= scratch + SCRATCH_WORDS;
             m++) {
            if (excluded(m->op, m->args) || m->op == __HYPERVISOR_multicall ||
                (m->op == __HYPERVISOR_mmuext_op) || (m->op == __HYPERVISOR_sched_op))
                m->op = __HYPERVISOR_xen_version;
        }
    }
}

static bool restores_state(uint32_t nr)
{
    return nr == __HYPERVISOR_set_trap_table || nr == __HYPERVISOR_set_callbacks || nr == __HYPERVISOR_callback_op ||
           nr == __HYPERVISOR_stack_switch || nr == __HYPERVISOR_nmi_op || nr == __HYPERVISOR_set_debugreg ||
           nr == __HYPERVISOR_fpu_taskswitch || nr == __HYPERVISOR_multicall;
}

#define NR_ERRNO 134
static unsigned int hist_errno[NR_ERRNO], hist_zero, hist_positive, hist_other;
static unsigned int per_call[64], bad_unused;
static pte_t scratch_pte;

static void ignore_trap(struct cpu_frame *f)
{
    /* A random set_debugreg can arm a breakpoint; clear DR7 and carry on. */
    HYPERVISOR_set_debugreg(7, 0);
}

XTF_TEST_MAIN
{
    unsigned long count = cmdline_ulong("count", 100000);
    unsigned long seed = cmdline_ulong("seed", 1);
    lcg_seed(&rng, seed);
    for (unsigned int i = 0; i < 16; i++) fill_scratch();
    scratch_pte = read_pte((uint32_t)scratch);
    upcall_mask();
    set_trap_handler(X86_EXC_DB, ignore_trap);
    printk("fuzz: %lu hypercalls, seed %lu\n", count, seed);

    for (unsigned long i = 0; i < count; i++) {
        /* Three calls in four go to a hypercall Xen defines, so most reach argument checks
         * rather than stopping at -ENOSYS; the rest may be any number 0..63. */
        uint32_t pick = lcg_next(&rng);
        uint32_t nr = (pick & 3) ? defined_calls[(pick >> 2) % ARRAY_SIZE(defined_calls)] : (pick >> 2) & 63;
        uint32_t a[6];
        for (unsigned int k = 0; k < 5; k++) a[k] = random_arg();
        a[5] = 0;
        if (excluded(nr, a)) nr = __HYPERVISOR_xen_version;
        fill_scratch();
        sanitize_memory(nr, a);
        long rc = hypercall_dyn(nr, a[0], a[1], a[2], a[3], a[4]);
#ifdef FUZZ_TRACE
        if (i >= FUZZ_TRACE)
            printk("fuzz %lu: %u(%x, %x, %x, %x, %x) = %ld\n", i, nr, a[0], a[1], a[2], a[3], a[4], rc);
#endif
        per_call[nr]++;
        /* Numbers Xen does not define must be -ENOSYS (xen.h: 11, 43..47, 56..63). */
        if ((nr == 11 || (nr >= 43 && nr <= 47) || nr >= 56) && rc != -XEN_ENOSYS) bad_unused++;
        /* Our scratch page may have been remapped by a random update_va_mapping: put it back. */
        if (read_pte((uint32_t)scratch) != scratch_pte)
            HYPERVISOR_update_va_mapping((uint32_t)scratch, scratch_pte, UVMF_INVLPG);
        if (rc == 0) hist_zero++;
        else if (rc > 0) hist_positive++;
        else if (-rc < NR_ERRNO) hist_errno[-rc]++;
        else hist_other++;
        if (restores_state(nr)) {
            traps_install(-1);
            events_init();
            HYPERVISOR_fpu_taskswitch(0);
            HYPERVISOR_set_debugreg(7, 0);
        }
        vcpu0->evtchn_upcall_mask = 1;
        if ((i & 0x3FFF) == 0x3FFF) printk("fuzz: %lu done\n", i + 1);
    }

    printk("fuzz: result histogram (count rc)\n");
    printk("  %8u 0\n", hist_zero);
    printk("  %8u >0\n", hist_positive);
    for (unsigned int e = 1; e < NR_ERRNO; e++)
        if (hist_errno[e]) printk("  %8u -%u\n", hist_errno[e], e);
    if (hist_other) printk("  %8u other\n", hist_other);
    unsigned long total = hist_zero + hist_positive + hist_other;
    for (unsigned int e = 1; e < NR_ERRNO; e++) total += hist_errno[e];
    xtf_check(total == count, "fuzz-all-calls-returned", "%lu of %lu", total, count);
    xtf_check(!bad_unused, "fuzz-undefined-numbers-enosys", "%u calls to undefined numbers did not return -ENOSYS",
              bad_unused);
    /* Still alive with our own state intact: a hypercall and a trap still work. */
    xtf_check(HYPERVISOR_xen_version(XENVER_version, NULL) > 0, "fuzz-survived-hypercall", "xen_version failed");
    struct fault f;
    xtf_check(run_catching((void (*)(void *))0, NULL, &f) && f.vector == X86_EXC_PF, "fuzz-survived-trap",
              "a call through NULL did not #PF (vector %u)", f.vector);
}
