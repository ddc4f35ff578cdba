/* segments: set_gdt, update_descriptor, LDT (xen-abi.md 2.3).
 *
 * 32-bit Xen's check_descriptor() (xen/arch/x86/mm.c):
 *  - a DPL below the guest kernel's ring (0) is raised to 1, not refused;
 *  - code/data segments must have their base below GUEST_SEGMENT_MAX_ADDR (= MACH2PHYS_VIRT_END)
 *    minus a page, and a limit reaching past it is truncated to end there (granular segments;
 *    a byte-granular one that would need truncating is refused);
 *  - system descriptors other than call gates are refused; a call gate's target must be a guest
 *    selector (GDT below the reserved area, LDT, or FLAT_KERNEL_CS), so a gate into Xen's ring-0
 *    code selector is refused;
 *  - every refusal is -EINVAL; update_descriptor also needs an 8-byte aligned machine address.
 * GDT/LDT frames are typed as descriptor pages: they must be read-only to be installed, and
 * can not be mapped writable while in use (-EBUSY, get_page_from_l1e's could_not_pin). */
#include "xtf.h"

#define ACC_P 0x80
#define ACC_S 0x10
#define ACC_CODE 0x0A /* execute/read */
#define ACC_DATA 0x02 /* read/write */
#define DPL(n) ((n) << 5)

static uint64_t mkdesc(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
    uint32_t lo = (limit & 0xFFFF) | ((base & 0xFFFF) << 16);
    uint32_t hi = ((base >> 16) & 0xFF) | (access << 8) | (limit & 0xF0000) | (flags << 20) | (base & 0xFF000000U);
    return ((uint64_t)hi << 32) | lo;
}
static uint64_t mkgate(uint16_t sel, uint32_t off, unsigned int dpl)
{
    uint32_t lo = (off & 0xFFFF) | ((uint32_t)sel << 16);
    uint32_t hi = (off & 0xFFFF0000U) | ((ACC_P | DPL(dpl) | 0x0C) << 8);
    return ((uint64_t)hi << 32) | lo;
}
static uint32_t desc_limit_bytes(uint64_t d)
{
    uint32_t lim = (uint32_t)(d & 0xFFFF) | (uint32_t)((d >> 32) & 0xF0000);
    return (d >> 55) & 1 ? (lim << 12) | 0xFFF : lim;
}

static volatile uint32_t probe_word = 0x600DF00D;
static volatile uint32_t seg_read_val;

struct seg_access { uint16_t sel; uint32_t addr; };
static void read_via_fs(void *a)
{
    struct seg_access *s = a;
    uint32_t v;
    __asm__ volatile("mov %1,%%fs; mov %%fs:(%2),%0" : "=r"(v) : "r"((uint32_t)s->sel), "r"(s->addr) : "memory");
    seg_read_val = v;
}
static volatile uint32_t guest_cs;
static void far_return_via_guest_cs(void *a)
{
    uint32_t cs;
    __asm__ volatile("pushl $0x09; pushl $1f; lret; 1: mov %%cs,%0" : "=r"(cs) :: "memory");
    __asm__ volatile("pushl %0; pushl $1f; lret; 1:" :: "i"(FLAT_RING1_CS) : "memory");
    guest_cs = cs;
}
static void load_fs(void *a) { __asm__ volatile("mov %0,%%fs" :: "r"((uint32_t)a)); }

XTF_TEST_MAIN
{
    struct fault f;
    uint64_t *gdt = alloc_page();
    gdt[1] = mkdesc(0, 0xFFFFF, ACC_P | ACC_S | DPL(1) | ACC_CODE, 0xC); /* 0x09 */
    gdt[2] = mkdesc(0, 0xFFFFF, ACC_P | ACC_S | DPL(1) | ACC_DATA, 0xC); /* 0x11 */
    gdt[3] = mkdesc(0, 0xFFFFF, ACC_P | ACC_S | DPL(3) | ACC_CODE, 0xC); /* 0x1b */
    gdt[4] = mkdesc(0, 0xFFFFF, ACC_P | ACC_S | DPL(3) | ACC_DATA, 0xC); /* 0x23 */
    gdt[5] = mkdesc(0, 0xFFFFF, ACC_P | ACC_S | DPL(0) | ACC_DATA, 0xC); /* 0x29: DPL 0 */
    unsigned long frame = virt_to_mfn(gdt);

    xtf_check_rc("set_gdt-writable-frame-refused", HYPERVISOR_set_gdt(&frame, 16), -XEN_EINVAL);
    make_readonly(gdt);
    xtf_check_rc("set_gdt-too-many-entries", HYPERVISOR_set_gdt(&frame, FIRST_RESERVED_GDT_ENTRY + 1), -XEN_EINVAL);
    if (!xtf_check_rc("set_gdt", HYPERVISOR_set_gdt(&frame, 16), 0)) return; /* nothing below can work */

    /* Validation rewrote the page: DPL 0 raised to 1, 4 GiB limits truncated at the M2P end. */
    xtf_check(((gdt[5] >> 45) & 3) == 1, "dpl0-raised-to-1", "desc 0x%llx", gdt[5]);
    xtf_check(desc_limit_bytes(gdt[2]) == MACH2PHYS_VIRT_END - 1, "flat-limit-truncated",
              "limit 0x%x, expected 0x%x", desc_limit_bytes(gdt[2]), MACH2PHYS_VIRT_END - 1);
    xtf_check_rc("gdt-frame-not-writable", make_writable(gdt), -XEN_EBUSY); /* could_not_pin */
    xtf_check(map_mfn(frame, L1_PROT) == NULL, "gdt-frame-no-writable-alias", "a writable alias was created");

    /* Use the guest descriptors. */
    struct seg_access acc = { 0x11, (uint32_t)&probe_word };
    bool hit = run_catching(read_via_fs, &acc, &f);
    xtf_check(!hit && seg_read_val == 0x600DF00D, "load-dpl1-data", "hit %d vector %u ec 0x%x val 0x%x", hit,
              f.vector, f.error_code, seg_read_val);
    acc.sel = 0x23;
    hit = run_catching(read_via_fs, &acc, &f);
    xtf_check(!hit && seg_read_val == 0x600DF00D, "load-dpl3-data", "hit %d vector %u", hit, f.vector);
    hit = run_catching(far_return_via_guest_cs, NULL, &f);
    xtf_check(!hit && (guest_cs & 0xFFFF) == 0x09, "far-return-to-guest-cs", "hit %d vector %u ec 0x%x cs 0x%x", hit,
              f.vector, f.error_code, guest_cs);

    /* Truncated segment: the first byte past the M2P is beyond the limit. */
    acc.sel = 0x11;
    acc.addr = MACH2PHYS_VIRT_END;
    expect_fault("truncated-segment-stops-at-hole", read_via_fs, &acc, X86_EXC_GP, 0, 0);
    __asm__ volatile("mov %0,%%fs" :: "r"(0));

    /* update_descriptor on the live GDT frame. */
    uint64_t ma = ((uint64_t)frame << PAGE_SHIFT);
    xtf_check_rc("update_descriptor-dpl0-accepted",
                 HYPERVISOR_update_descriptor(ma + 6 * 8, mkdesc(0, 0xFFFF, ACC_P | ACC_S | DPL(0) | ACC_DATA, 0x4)), 0);
    xtf_check(((gdt[6] >> 45) & 3) == 1, "update_descriptor-dpl-fixed-to-1", "desc 0x%llx", gdt[6]);
    xtf_check_rc("update_descriptor-call-gate-into-xen-refused",
                 HYPERVISOR_update_descriptor(ma + 7 * 8, mkgate(XEN_HYPERVISOR_CS, 0x1000, 3)), -XEN_EINVAL);
    xtf_check(gdt[7] == 0, "refused-descriptor-unchanged", "desc 0x%llx", gdt[7]);
    xtf_check_rc("update_descriptor-tss-refused",
                 HYPERVISOR_update_descriptor(ma + 7 * 8, mkdesc(0x1000, 0x67, ACC_P | DPL(1) | 0x9, 0)), -XEN_EINVAL);
    xtf_check_rc("update_descriptor-interrupt-gate-refused",
                 HYPERVISOR_update_descriptor(ma + 7 * 8, mkdesc(0, 0, ACC_P | DPL(1) | 0xE, 0)), -XEN_EINVAL);
    xtf_check_rc("update_descriptor-base-in-hole-refused",
                 HYPERVISOR_update_descriptor(ma + 7 * 8, mkdesc(MACH2PHYS_VIRT_END, 0xF, ACC_P | ACC_S | DPL(1) | ACC_DATA, 0xC)),
                 -XEN_EINVAL);
    xtf_check_rc("update_descriptor-bytegranular-into-hole-refused",
                 HYPERVISOR_update_descriptor(ma + 7 * 8, mkdesc(MACH2PHYS_VIRT_END - 0x20000, 0xFFFFF,
                                                                  ACC_P | ACC_S | DPL(1) | ACC_DATA, 0x4)), -XEN_EINVAL);
    xtf_check_rc("update_descriptor-unaligned-refused",
                 HYPERVISOR_update_descriptor(ma + 7 * 8 + 4, mkdesc(0, 0xFFFF, ACC_P | ACC_S | DPL(1) | ACC_DATA, 0x4)),
                 -XEN_EINVAL);
    xtf_check_rc("update_descriptor-call-gate-to-guest-cs",
                 HYPERVISOR_update_descriptor(ma + 8 * 8, mkgate(0x09, 0x1000, 3)), 0);
    xtf_check_rc("update_descriptor-not-present-accepted",
                 HYPERVISOR_update_descriptor(ma + 9 * 8, 0x00000000DEADBEEFULL & ~(1ULL << 47)), 0);

    /* LDT through MMUEXT_SET_LDT. */
    uint64_t *ldt = alloc_page();
    ldt[0] = mkdesc(0, 0xFFFFF, ACC_P | ACC_S | DPL(3) | ACC_DATA, 0xC);
    make_readonly(ldt);
    xtf_check_rc("set_ldt-unaligned-refused", mmuext_simple(MMUEXT_SET_LDT, (uint32_t)ldt + 8, 1), -XEN_EINVAL);
    if (!xtf_check_rc("set_ldt", mmuext_simple(MMUEXT_SET_LDT, (uint32_t)ldt, 1), 0)) return;
    acc.sel = 0x07; /* index 0, TI=1, RPL 3 */
    acc.addr = (uint32_t)&probe_word;
    hit = run_catching(read_via_fs, &acc, &f);
    xtf_check(!hit && seg_read_val == 0x600DF00D, "ldt-selector-loads", "hit %d vector %u ec 0x%x", hit, f.vector,
              f.error_code);
    expect_fault("ldt-selector-beyond-limit", load_fs, (void *)0x0F, X86_EXC_GP, 0x0C, 0);
    __asm__ volatile("mov %0,%%fs" :: "r"(0));
    xtf_check(map_mfn(virt_to_mfn(ldt), L1_PROT) == NULL, "ldt-frame-no-writable-alias", "a writable alias was created");
    xtf_check_rc("set_ldt-none", mmuext_simple(MMUEXT_SET_LDT, 0, 0), 0);
    expect_fault("ldt-selector-without-ldt", load_fs, (void *)0x07, X86_EXC_GP, 0x04, 0);
    __asm__ volatile("mov %0,%%fs" :: "r"(0));
}
