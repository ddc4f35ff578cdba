/* tls.c: our GDT and the per-process bits of the CPU state. Xen keeps its own selectors in the
 * reserved top of the GDT; we give it one page of our own entries (set_gdt: the page read-only,
 * every descriptor validated) and change the Linux i386 TLS slots 6..8 with update_descriptor,
 * which validates the one descriptor (xen-abi.md 2.12). */
#include "xen-arch.h"
#include "arch.h"
#include "ptrace.h"

#define GDT_ENTRIES 32
static uint32_t gdt_pfn;
void xen_set_alias_ro(uint32_t pfn, bool ro);
uint32_t page_alloc_pfn(void);

void xen_tls_init(void)
{
    gdt_pfn = page_alloc_pfn();
    if (!gdt_pfn) panic("xenolinux: no page for the GDT");
    memset(pfn_to_virt(gdt_pfn), 0, PAGE_SIZE);
    xen_set_alias_ro(gdt_pfn, true);
    xen_mc_flush();
    unsigned long frames[1] = { pfn_to_mfn(gdt_pfn) };
    long rc = HYPERVISOR_set_gdt(frames, GDT_ENTRIES);
    if (rc) panic("xenolinux: set_gdt failed (%ld)", rc);
}

static uint64_t tls_desc[GDT_ENTRY_TLS_ENTRIES];   /* as the process set it */
static bool tls_flipped[GDT_ENTRY_TLS_ENTRIES];    /* expand-down variant installed */
static uint32_t last_flip_eip = ~0u;

static long install(int idx, uint64_t desc)
{
    uint64_t maddr = ((uint64_t)pfn_to_mfn(gdt_pfn) << PAGE_SHIFT) + (GDT_ENTRY_TLS_MIN + idx) * 8;
    return HYPERVISOR_update_descriptor(maddr, desc);
}

int arch_set_tls_desc(int idx, uint64_t desc)
{
    if (idx < 0 || idx >= GDT_ENTRY_TLS_ENTRIES) return -EINVAL;
    if (install(idx, desc)) return -EINVAL;
    tls_desc[idx] = desc;
    tls_flipped[idx] = false;
    return 0;
}

/* glibc's i386 TLS uses %gs with negative offsets (the TCB sits above the TLS block) and a
 * 4 GiB segment that wraps around. Xen truncates guest segments below the hole, so such an
 * access raises #GP. x86_32 Xen fixed that up itself (VMASST_TYPE_4gb_segments,
 * arch/x86/x86_32/seg_fixup.c: flip the segment to expand-down with limit -(base & PAGE_MASK),
 * which reaches the addresses below the base, and back to expand-up for positive offsets);
 * this hypervisor does not (its DESIGN.md §6), so the kernel does the same flip on the #GP.
 * Returns true when a flip was made and the instruction should be retried. */
bool xen_fixup_tls_segment(struct pt_regs *regs)
{
    uint8_t insn[15];
    if (copy_from_user(insn, (const void *)regs->eip, sizeof(insn)) &&
        copy_from_user(insn, (const void *)regs->eip, 1))
        return false;
    uint32_t sel = 0;
    for (unsigned i = 0; i < sizeof(insn); i++) {
        uint8_t b = insn[i];
        if (b == 0x65) { sel = regs->gs; break; }
        if (b == 0x64) { sel = regs->fs; break; }
        if (b != 0x66 && b != 0x67 && b != 0xf0 && b != 0xf2 && b != 0xf3 && b != 0x2e && b != 0x36 &&
            b != 0x3e && b != 0x26)
            break;
    }
    sel &= 0xffff;   /* a pushed selector's upper half is undefined */
    int idx = (int)(sel >> 3) - GDT_ENTRY_TLS_MIN;
    if ((sel & 7) != 3 || idx < 0 || idx >= GDT_ENTRY_TLS_ENTRIES || !tls_desc[idx]) return false;
    /* The same instruction faulting right after a flip is a real fault. */
    if (regs->eip == last_flip_eip) {
        last_flip_eip = ~0u;
        return false;
    }
    uint64_t d = tls_desc[idx];
    uint32_t lo = (uint32_t)d, hi = (uint32_t)(d >> 32);
    if ((hi & (1u << 11)) || (hi & (1u << 10))) return false; /* code or already expand-down */
    if (!tls_flipped[idx]) {
        uint32_t base = (hi & 0xff000000) | ((hi & 0xff) << 16) | (lo >> 16);
        uint32_t limit = 0xfffff - (base >> PAGE_SHIFT);   /* pages; valid offsets >= 4G - (base & PAGE_MASK) */
        lo = (lo & 0xffff0000) | (limit & 0xffff);
        hi = (hi & ~0x000f0000u) | (limit & 0xf0000) | (1u << 10) | (1u << 23);
        d = ((uint64_t)hi << 32) | lo;
    }
    if (install(idx, d)) return false;
    tls_flipped[idx] = !tls_flipped[idx];
    last_flip_eip = regs->eip;
    return true;
}

void arch_set_kernel_stack(uint32_t kstack_top)
{
    HYPERVISOR_stack_switch(FLAT_RING1_SS, kstack_top);
}

void arch_init_user_regs(struct pt_regs *r, uint32_t eip, uint32_t esp)
{
    memset(r, 0, sizeof(*r));
    r->ds = r->es = FLAT_RING3_DS;
    r->cs = FLAT_RING3_CS;
    r->ss = FLAT_RING3_SS;
    r->eip = eip;
    r->esp = esp;
    r->eflags = 0x200; /* IF: HYPERVISOR_iret unmasks events on the way to user mode */
}
