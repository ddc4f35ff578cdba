/* priv: privileged instructions in ring 1.
 *
 * A PV kernel runs in ring 1, so every privileged instruction faults (#GP(0)) in hardware and
 * enters Xen. Xen then decides (xen/arch/x86/traps.c emulate_privileged_op, now
 * pv/emul-priv-op.c) whether to emulate it or bounce the #GP to the guest:
 *  - bounced as #GP(0): cli/sti while the virtual IOPL is 0, hlt, lgdt, lidt, ltr, rdmsr of an
 *    MSR that does not exist, in/out while the virtual IOPL is 0 (and the port is not in an
 *    I/O bitmap the guest set);
 *  - emulated, no fault: mov from CR0 (TS reflects fpu_taskswitch), mov from CR3 (the guest's
 *    page-directory MFN, xen_pfn_to_cr3 for PAE), mov to CR3 (a NEW_BASEPTR), clts
 *    (fpu_taskswitch(0)), wbinvd (ignored for an unprivileged domain; invd likewise on later Xen);
 *  - after physdev_op(set_iopl, 1): in/out are permitted; ports the domain was not granted read as
 *    all ones and writes are dropped (guest_io_read/admin_io_okay); cli/sti are accepted and do
 *    nothing (Xen deliberately does not map them onto the upcall mask).
 *  - wrmsr to a nonexistent MSR: 32-bit Xen ignored it with a warning, later Xen raises #GP(0);
 *    both are accepted, but it must not crash or be carried out.
 * The checks for emulated instructions pass only when they neither fault nor misbehave. */
#include "xtf.h"

#define GP(name, body) static void name(void *a) { __asm__ volatile(body ::: "memory", "eax", "ecx", "edx"); }
GP(do_cli, "cli")
GP(do_sti, "sti")
GP(do_hlt, "hlt")
GP(do_lgdt, "sub $8,%%esp; sgdt (%%esp); lgdt (%%esp); add $8,%%esp")
GP(do_lidt, "sub $8,%%esp; sidt (%%esp); lidt (%%esp); add $8,%%esp")
GP(do_ltr, "xor %%eax,%%eax; ltr %%ax")
GP(do_rdmsr_bad, "mov $0x0badc0de,%%ecx; rdmsr")
GP(do_wrmsr_bad, "mov $0x0badc0de,%%ecx; xor %%eax,%%eax; xor %%edx,%%edx; wrmsr")
GP(do_inb, "inb $0x80,%%al")
GP(do_outb, "xor %%eax,%%eax; outb %%al,$0x80")
GP(do_inl_dx, "mov $0xcf8,%%edx; inl %%dx,%%eax")
GP(do_lmsw, "smsw %%ax; lmsw %%ax")

static void no_fault(const char *check, void (*fn)(void *))
{
    struct fault f;
    bool hit = run_catching(fn, NULL, &f);
    xtf_check(!hit, check, "faulted: vector %u ec 0x%x eip %p", f.vector, f.error_code, (void *)f.eip);
}

static volatile uint32_t cr_val;
static void do_read_cr0(void *a) { uint32_t v; __asm__ volatile("mov %%cr0,%0" : "=r"(v)); cr_val = v; }
static void do_read_cr3(void *a) { uint32_t v; __asm__ volatile("mov %%cr3,%0" : "=r"(v)); cr_val = v; }
static void do_write_cr3_same(void *a) { uint32_t v = cr_val; __asm__ volatile("mov %0,%%cr3" :: "r"(v) : "memory"); }
static void do_clts(void *a) { __asm__ volatile("clts"); }
static void do_wbinvd(void *a) { __asm__ volatile("wbinvd" ::: "memory"); }
static void do_invd(void *a) { __asm__ volatile("invd" ::: "memory"); }
static volatile uint32_t port_val;
static void do_inb_val(void *a) { uint8_t v; __asm__ volatile("inb $0x80,%0" : "=a"(v)); port_val = v; }

XTF_TEST_MAIN
{
    expect_fault("cli-gp", do_cli, NULL, X86_EXC_GP, 0, 0);
    expect_fault("sti-gp", do_sti, NULL, X86_EXC_GP, 0, 0);
    expect_fault("hlt-gp", do_hlt, NULL, X86_EXC_GP, 0, 0);
    expect_fault("lgdt-gp", do_lgdt, NULL, X86_EXC_GP, 0, 0);
    expect_fault("lidt-gp", do_lidt, NULL, X86_EXC_GP, 0, 0);
    expect_fault("ltr-gp", do_ltr, NULL, X86_EXC_GP, 0, 0);
    expect_fault("rdmsr-bad-gp", do_rdmsr_bad, NULL, X86_EXC_GP, 0, 0);
    expect_fault("inb-gp", do_inb, NULL, X86_EXC_GP, 0, 0);
    expect_fault("outb-gp", do_outb, NULL, X86_EXC_GP, 0, 0);
    expect_fault("inl-dx-gp", do_inl_dx, NULL, X86_EXC_GP, 0, 0);

    struct fault f;
    bool hit = run_catching(do_wrmsr_bad, NULL, &f);
    xtf_check(!hit || (f.vector == X86_EXC_GP && f.error_code == 0), "wrmsr-bad-gp-or-ignored",
              "vector %u ec 0x%x", f.vector, f.error_code);
    hit = run_catching(do_lmsw, NULL, &f);
    xtf_check(!hit || (f.vector == X86_EXC_GP && f.error_code == 0), "lmsw-same-value-gp-or-emulated",
              "vector %u ec 0x%x", f.vector, f.error_code);

    /* Emulated by Xen. */
    HYPERVISOR_fpu_taskswitch(1);
    no_fault("mov-from-cr0", do_read_cr0);
    xtf_check(cr_val & 8, "mov-from-cr0-ts-set", "cr0 0x%x after fpu_taskswitch(1)", cr_val);
    no_fault("clts", do_clts);
    no_fault("mov-from-cr0-again", do_read_cr0);
    xtf_check(!(cr_val & 8), "clts-clears-ts", "cr0 0x%x after clts", cr_val);

    no_fault("mov-from-cr3", do_read_cr3);
    uint32_t mfn = virt_to_mfn((void *)start_info->pt_base);
    uint32_t want = CONFIG_PAE ? ((mfn << 12) | (mfn >> 20)) : (mfn << 12);
    xtf_check((cr_val & ~0xFFFU) == (want & ~0xFFFU), "mov-from-cr3-value", "cr3 0x%x, expected 0x%x", cr_val, want);
    no_fault("mov-to-cr3-same", do_write_cr3_same);
    no_fault("wbinvd-ignored", do_wbinvd);
    hit = run_catching(do_invd, NULL, &f); /* 32-bit Xen only ignored WBINVD; later Xen ignores both */
    xtf_check(!hit || (f.vector == X86_EXC_GP && f.error_code == 0), "invd-ignored-or-gp", "vector %u ec 0x%x",
              f.vector, f.error_code);

    /* Virtual IOPL 1: I/O is allowed from ring 1. */
    struct physdev_set_iopl iopl = { .iopl = 1 };
    xtf_check_rc("set_iopl-1", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
    no_fault("inb-with-iopl", do_inb_val);
    xtf_check(port_val == 0xFF, "inb-unowned-port-all-ones", "port 0x80 read 0x%x", port_val);
    no_fault("outb-with-iopl", do_outb);
    no_fault("cli-with-iopl", do_cli);
    no_fault("sti-with-iopl", do_sti);
    iopl.iopl = 0;
    xtf_check_rc("set_iopl-0", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
    expect_fault("inb-gp-again", do_inb, NULL, X86_EXC_GP, 0, 0);
    /* hlt stays privileged whatever the IOPL. */
    expect_fault("hlt-still-gp", do_hlt, NULL, X86_EXC_GP, 0, 0);
}
