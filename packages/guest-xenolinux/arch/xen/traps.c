/* traps.c: the trap table (set_trap_table, xen-abi.md 2.5) and the C side of exception entry.
 * Exceptions mask events on entry (TI_SET_IF, like an interrupt gate); #BP and #OF may be raised
 * by `int3`/`into` from user mode (DPL 3); int 0x80 is DPL 3 without TI_SET_IF, which lets Xen
 * install it as a direct trap gate (x86_32 Xen: set_int80_direct_trap), so system calls never
 * enter the hypervisor. */
#include "xen-arch.h"
#include "ptrace.h"
#include "trap.h"

bool xen_fixup_tls_segment(struct pt_regs *regs);

#define T(n) extern void trap_##n(void);
T(0) T(1) T(2) T(3) T(4) T(5) T(6) T(7) T(8) T(9) T(10) T(11) T(12) T(13) T(14) T(15) T(16) T(17) T(18) T(19)
#undef T
extern void system_call(void);

#define TI_MASK_EVENTS 4 /* TI_SET_IF */
#define E(v, dpl) { v, (dpl) | TI_MASK_EVENTS, FLAT_RING1_CS, (uint32_t)trap_##v }
static struct trap_info trap_table[] = {
    E(0, 0), E(1, 0), E(2, 0), E(3, 3), E(4, 3), E(5, 0), E(6, 0), E(7, 0), E(8, 0), E(9, 0),
    E(10, 0), E(11, 0), E(12, 0), E(13, 0), E(14, 0), E(15, 0), E(16, 0), E(17, 0), E(18, 0), E(19, 0),
    { 0x80, 3, FLAT_RING1_CS, 0 },
    { 0, 0, 0, 0 },
};

void xen_traps_init(void)
{
    trap_table[20].address = (uint32_t)system_call;
    long rc = HYPERVISOR_set_trap_table(trap_table);
    if (rc) panic("xenolinux: set_trap_table failed (%ld)", rc);
}

uint32_t arch_fault_address(void) { return this_vcpu()->arch.cr2; }

struct exception_table_entry { uint32_t insn, fixup; };
extern const struct exception_table_entry __ex_table_start[], __ex_table_end[];

bool fixup_exception(struct pt_regs *regs)
{
    for (const struct exception_table_entry *e = __ex_table_start; e < __ex_table_end; e++) {
        if (e->insn == regs->eip) {
            regs->eip = e->fixup;
            return true;
        }
    }
    return false;
}

static const char *const trap_names[] = {
    "divide error", "debug", "nmi", "int3", "overflow", "bounds", "invalid opcode",
    "device not available", "double fault", "coprocessor segment overrun", "invalid TSS",
    "segment not present", "stack segment", "general protection", "page fault", "reserved",
    "coprocessor error", "alignment check", "machine check", "simd exception",
};
/* Linux's signal for each exception (arch/x86/kernel/traps.c). */
static const uint8_t trap_signals[] = {
    SIGFPE, SIGTRAP, SIGSEGV, SIGTRAP, SIGSEGV, SIGSEGV, SIGILL, SIGSEGV, SIGSEGV, SIGFPE,
    SIGSEGV, SIGBUS, SIGBUS, SIGSEGV, SIGSEGV, SIGSEGV, SIGFPE, SIGBUS, SIGBUS, SIGFPE,
};

void do_trap(struct pt_regs *regs)
{
    uint32_t v = regs->vector;
    if (v == 14) {
        do_page_fault(regs, arch_fault_address(), regs->error_code);
        return;
    }
    if (v == 13 && user_mode(regs) && regs->error_code == 0 && xen_fixup_tls_segment(regs)) return;
    if (v < ARRAY_SIZE(trap_signals) && user_mode(regs)) {
        user_trap(regs, trap_signals[v], trap_names[v]);
        return;
    }
    if (fixup_exception(regs)) return;
    die(regs, v < ARRAY_SIZE(trap_names) ? trap_names[v] : "unknown trap");
}

void die(struct pt_regs *r, const char *what)
{
    printk(KERN_EMERG "Oops: %s, error %#x\n", what, r->error_code);
    printk(KERN_EMERG "EIP: %04x:%08x EFLAGS: %08x\n", r->cs & 0xffff, r->eip, r->eflags);
    printk(KERN_EMERG "EAX: %08x EBX: %08x ECX: %08x EDX: %08x\n", r->eax, r->ebx, r->ecx, r->edx);
    printk(KERN_EMERG "ESI: %08x EDI: %08x EBP: %08x CR2: %08x\n", r->esi, r->edi, r->ebp, arch_fault_address());
    panic("Fatal exception");
}
