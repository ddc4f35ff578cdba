/* hole: the hypervisor hole (2level: 0xFC000000.., PAE: 0xF5800000..).
 *
 * Paging cannot keep ring 1 out (it is supervisor), so Xen limits the guest's flat segments: on
 * 32-bit Xen FLAT_RING{1,3}_{CS,DS} end at MACH2PHYS_VIRT_END - 1 (2level 0xFC3FFFFF, PAE
 * 0xF67FFFFF), which leaves the read-only M2P readable and makes any access beyond it a #GP(0)
 * (segment limit). A 32-on-64 Xen instead maps its larger compat M2P up to 0xFFE00000 and the rest
 * is not present, giving #PF; both are accepted as "faults", the access must never succeed.
 * Writes inside the M2P are #PF with P|W (read-only pages). */
#include "xtf.h"

static void do_read(void *a) { (void)*(volatile uint32_t *)a; }
static void do_write(void *a) { *(volatile uint32_t *)a = 0xdeadbeef; }
static void do_exec(void *a) { __asm__ volatile("call *%0" :: "r"(a) : "memory", "eax", "ecx", "edx"); }

static void faults(const char *check, void (*fn)(void *), uint32_t addr)
{
    struct fault f;
    bool hit = run_catching(fn, (void *)addr, &f);
    bool ok = hit && ((f.vector == X86_EXC_GP && f.error_code == 0 && f.eip < HYPERVISOR_VIRT_START) ||
                      f.vector == X86_EXC_PF);
    xtf_check(ok, check, "addr %p: hit %d vector %u ec 0x%x eip %p", (void *)addr, hit, f.vector, f.error_code,
              (void *)f.eip);
}

XTF_TEST_MAIN
{
    const uint32_t *p2m = (const uint32_t *)start_info->mfn_list;
    /* The M2P is readable and agrees with the P2M. */
    xtf_check(machine_to_phys_mapping[p2m[1]] == 1, "m2p-readable", "m2p[0x%x] = 0x%x", p2m[1],
              machine_to_phys_mapping[p2m[1]]);
    struct fault f;
    bool hit = run_catching(do_read, (void *)(MACH2PHYS_VIRT_END - 4), &f);
    xtf_check(!hit || f.vector == X86_EXC_PF, "m2p-last-word-in-limit",
              "vector %u ec 0x%x (a #GP means the segment limit is below MACH2PHYS_VIRT_END)", f.vector, f.error_code);

    uint32_t m2p_word = MACH2PHYS_VIRT_START + 4 * p2m[0];
    expect_fault("m2p-write-pf", do_write, (void *)m2p_word, X86_EXC_PF, PF_PRESENT | PF_WRITE, m2p_word);

    uint32_t probes[] = { MACH2PHYS_VIRT_END, MACH2PHYS_VIRT_END + 0x1000, 0xFF000000U, 0xFFFFF000U };
    char name[48];
    for (unsigned int i = 0; i < ARRAY_SIZE(probes); i++) {
        snprintf(name, sizeof(name), "read-hole-%x", probes[i]);
        faults(name, do_read, probes[i]);
        snprintf(name, sizeof(name), "write-hole-%x", probes[i]);
        faults(name, do_write, probes[i]);
    }
    faults("exec-hole", do_exec, MACH2PHYS_VIRT_END + 0x100);
    faults("exec-top", do_exec, 0xFFFFFF00U);
    /* Executing the M2P: in the CS limit but it holds data; only check that Xen's own code
     * beyond it is unreachable (above). A write at the very start of the hole: */
    expect_fault("m2p-first-word-write-pf", do_write, (void *)MACH2PHYS_VIRT_START, X86_EXC_PF,
                 PF_PRESENT | PF_WRITE, MACH2PHYS_VIRT_START);
}
