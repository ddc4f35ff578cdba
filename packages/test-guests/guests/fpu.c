/* fpu: lazy FPU switching. fpu_taskswitch(1) sets the guest's virtual CR0.TS, so the next x87
 * instruction raises #NM, bounced to the guest; Xen clears the virtual TS when it bounces the
 * #NM (traps.c do_device_not_available), and fpu_taskswitch(0) clears it too. clts from ring 1 is
 * privileged in hardware, and Xen emulates it as fpu_taskswitch(0) (traps.c
 * emulate_privileged_op), so it clears TS without a visible fault. The x87 state survives. */
#include "xtf.h"

extern char nm_insn[];
static void do_fld1(void *a) { __asm__ volatile(".globl nm_insn\nnm_insn: fld1" ::: "memory"); }
static void do_clts(void *a) { __asm__ volatile("clts"); }
static volatile int32_t out;
static void do_fistp(void *a) { int32_t v; __asm__ volatile("fistpl %0" : "=m"(v)); out = v; }

XTF_TEST_MAIN
{
    struct fault f;
    __asm__ volatile("fninit");
    xtf_check(!run_catching(do_fld1, NULL, &f), "fpu-usable-at-start", "vector %u", f.vector);

    xtf_check_rc("fpu_taskswitch-1", HYPERVISOR_fpu_taskswitch(1), 0);
    bool hit = run_catching(do_fld1, NULL, &f);
    xtf_check(hit && f.vector == X86_EXC_NM && f.eip == (uint32_t)nm_insn, "nm-after-taskswitch",
              "hit %d vector %u eip %p", hit, f.vector, (void *)f.eip);
    /* Bouncing #NM clears the guest's virtual CR0.TS, as the kernel's handler would with clts. */
    hit = run_catching(do_fld1, NULL, &f);
    xtf_check(!hit, "nm-bounce-clears-ts", "vector %u on the second x87 instruction", f.vector);
    xtf_check(!run_catching(do_fistp, NULL, &f) && out == 1, "state-preserved", "fault %d value %d", f.hit, out);

    HYPERVISOR_fpu_taskswitch(1);
    xtf_check_rc("fpu_taskswitch-0", HYPERVISOR_fpu_taskswitch(0), 0);
    xtf_check(!run_catching(do_fld1, NULL, &f), "fpu_taskswitch-0-clears-ts", "vector %u", f.vector);

    HYPERVISOR_fpu_taskswitch(1);
    hit = run_catching(do_clts, NULL, &f);
    xtf_check(!hit, "clts-emulated", "vector %u ec 0x%x", f.vector, f.error_code);
    xtf_check(!run_catching(do_fld1, NULL, &f), "clts-clears-ts", "vector %u after clts", f.vector);
    xtf_check(!run_catching(do_fistp, NULL, &f) && out == 1, "fpu-works-after-clts", "value %d", out);
    __asm__ volatile("fninit");
}
