/* traps: set_trap_table and the bounce of each exception class to the registered handler.
 *
 * Xen facts used (xen-abi.md 2.7; xen/arch/x86/pv/traps.c, compat set_trap_table):
 *  - a faulting instruction's EIP is the instruction itself (#DE, #UD, #GP, #PF); int3/into are
 *    traps, so EIP is the next instruction;
 *  - `int n` on a vector whose trap_info DPL is below the caller's ring is a #GP with error code
 *    (n << 3) | 2 (IDT vector, EXT=0); Xen bounces it as #GP unless the guest's DPL permits it;
 *  - set_trap_table does not refuse a handler CS with RPL 0: fixup_guest_code_selector() raises
 *    the RPL to the guest kernel's ring (1). A Xen selector is not refused at registration either
 *    (it would make the later bounce fail), so only the RPL fix-up and -EFAULT are checked here. */
#include "xtf.h"

extern char de_insn[], bp_next[], of_next[], ud_insn[], gp_insn[];

static void do_de(void *a)
{
    __asm__ volatile("xor %%edx,%%edx; xor %%ecx,%%ecx; mov $1,%%eax\n"
                     ".globl de_insn\nde_insn: divl %%ecx" ::: "eax", "ecx", "edx");
}
static void do_int3(void *a) { __asm__ volatile("int3\n.globl bp_next\nbp_next:"); }
static void do_into(void *a)
{
    __asm__ volatile("mov $0x7fffffff,%%eax; add $1,%%eax; into\n.globl of_next\nof_next:" ::: "eax", "cc");
}
static void do_bound(void *a)
{
    static int32_t bounds[2] = { 0, 1 };
    __asm__ volatile("mov $5,%%eax; bound %%eax,%0" :: "m"(bounds) : "eax");
}
static void do_ud2(void *a) { __asm__ volatile(".globl ud_insn\nud_insn: ud2"); }
static void do_bad_selector(void *a)
{
    /* Xen's own ring-0 data selector: DPL 0 < CPL 1. */
    __asm__ volatile("mov %0,%%eax\n.globl gp_insn\ngp_insn: mov %%eax,%%ds" :: "i"(XEN_HYPERVISOR_DS) : "eax");
}
static void do_int20(void *a) { __asm__ volatile("int $0x20"); }
static void do_read(void *a) { (void)*(volatile uint32_t *)a; }
static void do_write(void *a) { *(volatile uint32_t *)a = 1; }

static volatile uint32_t handler_cs, handler_saw_cs;
static void ud_recorder(struct cpu_frame *f)
{
    handler_cs = read_cs();
    handler_saw_cs = f->cs & 0xFFFF;
    f->eip += 2; /* skip ud2 */
}

/* ---- ring 3 ---- */
USER_DATA volatile uint32_t user_result;
USER_TEXT static void user_syscall(void *a)
{
    uint32_t eax = 41;
    __asm__ volatile("int $0x80" : "+a"(eax) :: "memory");
    user_result = eax;
}
USER_TEXT static void user_int80_only(void *a) { __asm__ volatile("int $0x80" ::: "memory"); }
USER_TEXT static void user_read(void *a) { (void)*(volatile uint32_t *)a; }

static volatile uint32_t sys_frame_cs, sys_handler_cs, sys_frame_ss;
static void syscall_handler(struct cpu_frame *f)
{
    sys_frame_cs = f->cs & 0xFFFF;
    sys_frame_ss = f->ss & 0xFFFF;
    sys_handler_cs = read_cs();
    f->eax += 1;
}

static uint32_t kernel_word = 0x1234;

XTF_TEST_MAIN
{
    struct fault f;

    xtf_check_rc("set_trap_table", traps_install(-1), 0);

    run_catching(do_de, NULL, &f);
    xtf_check(f.hit && f.vector == X86_EXC_DE && f.eip == (uint32_t)de_insn && (f.cs & 3) == 1, "divide-error",
              "hit %d vector %u eip %p cs 0x%x", f.hit, f.vector, (void *)f.eip, f.cs);
    run_catching(do_int3, NULL, &f);
    xtf_check(f.hit && f.vector == X86_EXC_BP && f.eip == (uint32_t)bp_next, "int3", "hit %d vector %u eip %p",
              f.hit, f.vector, (void *)f.eip);
    run_catching(do_into, NULL, &f);
    xtf_check(f.hit && f.vector == X86_EXC_OF && f.eip == (uint32_t)of_next, "into", "hit %d vector %u eip %p",
              f.hit, f.vector, (void *)f.eip);
    expect_fault("bound", do_bound, NULL, X86_EXC_BR, 0, 0);
    run_catching(do_ud2, NULL, &f);
    xtf_check(f.hit && f.vector == X86_EXC_UD && f.eip == (uint32_t)ud_insn, "ud2", "hit %d vector %u eip %p",
              f.hit, f.vector, (void *)f.eip);
    run_catching(do_bad_selector, NULL, &f);
    xtf_check(f.hit && f.vector == X86_EXC_GP && f.error_code == XEN_HYPERVISOR_DS && f.eip == (uint32_t)gp_insn,
              "gp-bad-selector", "hit %d vector %u ec 0x%x eip %p", f.hit, f.vector, f.error_code, (void *)f.eip);
    expect_fault("int-n-dpl0-is-gp", do_int20, NULL, X86_EXC_GP, (0x20 << 3) | 2, 0);

    uint32_t va = alloc_va();
    expect_fault("pf-read-unmapped", do_read, (void *)(va + 0x10), X86_EXC_PF, 0, va + 0x10);
    expect_fault("pf-write-unmapped", do_write, (void *)(va + 0x20), X86_EXC_PF, PF_WRITE, va + 0x20);
    expect_fault("pf-null", do_read, NULL, X86_EXC_PF, 0, 0);
    xtf_check(vcpu0->arch.cr2 == 0, "pf-null-cr2", "cr2 %p", (void *)vcpu0->arch.cr2);

    /* RPL-0 handler CS: accepted and fixed up to RPL 1. */
    struct trap_info t[2] = { { .vector = X86_EXC_UD, .flags = 0, .cs = FLAT_RING1_CS & ~3,
                                .address = (uint32_t)trap_entry(X86_EXC_UD) }, { 0 } };
    long rc = HYPERVISOR_set_trap_table(t);
    xtf_check_rc("set_trap_table-rpl0-accepted", rc, 0);
    set_trap_handler(X86_EXC_UD, ud_recorder);
    __asm__ volatile("ud2" ::: "memory");
    set_trap_handler(X86_EXC_UD, NULL);
    xtf_check(handler_cs == FLAT_RING1_CS && (handler_saw_cs & 3) == 1, "set_trap_table-rpl0-runs-in-ring1",
              "handler cs 0x%x, interrupted cs 0x%x", handler_cs, handler_saw_cs);

    xtf_check_rc("set_trap_table-bad-pointer", HYPERVISOR_set_trap_table((void *)va), -XEN_EFAULT);
    xtf_check_rc("set_trap_table-reinstall", traps_install(-1), 0);

    /* int 0x80 from ring 3 reaches the ring-1 handler registered with DPL 3 and irets back. */
    set_trap_handler(SYSCALL_VECTOR, syscall_handler);
    bool trapped = run_ring3(user_syscall, NULL, &f);
    set_trap_handler(SYSCALL_VECTOR, NULL);
    xtf_check(!trapped && user_result == 42, "int80-ring3-roundtrip", "trapped %d (vector %u ec 0x%x) result %u",
              trapped, f.vector, f.error_code, user_result);
    xtf_check(sys_frame_cs == FLAT_RING3_CS && sys_frame_ss == FLAT_RING3_SS && sys_handler_cs == FLAT_RING1_CS,
              "int80-frame", "frame cs 0x%x ss 0x%x, handler cs 0x%x", sys_frame_cs, sys_frame_ss, sys_handler_cs);

    /* The same vector registered with DPL 1: ring 3 gets #GP((0x80 << 3) | 2). */
    struct trap_info t80[2] = { { .vector = SYSCALL_VECTOR, .flags = 1, .cs = FLAT_RING1_CS,
                                  .address = (uint32_t)trap_entry(SYSCALL_VECTOR) }, { 0 } };
    HYPERVISOR_set_trap_table(t80);
    expect_fault_ring3("int80-dpl1-from-ring3-is-gp", user_int80_only, NULL, X86_EXC_GP, (0x80 << 3) | 2, 0);
    traps_install(-1);

    /* A ring-3 read of a supervisor page: #PF with P and U set, frame from ring 3. */
    expect_fault_ring3("pf-user-reads-kernel", user_read, &kernel_word, X86_EXC_PF, PF_PRESENT | PF_USER,
                       (uint32_t)&kernel_word);
}
