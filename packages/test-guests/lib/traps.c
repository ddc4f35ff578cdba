/* traps.c: the trap table, the C side of the entry stubs, and expected-fault capture.
 *
 * trap_info.flags bits 0-1 are the DPL for software `int n` (2.7): int3/into/0x80/0x81 get DPL 3
 * so ring 3 (and ring 1) may raise them; everything else gets DPL 0, so `int n` on those vectors
 * is a #GP with error code (n << 3) | 2, which Xen bounces as a #GP (traps.c, PERMIT_SOFTINT). */
#include "xtf.h"

#define TRAP_STUB_SIZE 16
#define NR_STUBS 34

static trap_handler_t handlers[256];

/* Expected-fault state: a jump buffer and where to record the fault. */
static xtf_jmp_buf catch_jb;
static volatile bool catch_armed, catch_ring3;
static struct fault *volatile catch_out;

void *trap_entry(unsigned int vector)
{
    unsigned int idx = vector < 32 ? vector : vector == 0x80 ? 32 : 33;
    return trap_stub_table + idx * TRAP_STUB_SIZE;
}

static struct trap_info trap_table[NR_STUBS + 1];

long traps_install(int without)
{
    unsigned int n = 0;
    for (unsigned int v = 0; v < 20; v++) {
        if (v == 2 || v == 15 || (int)v == without) continue; /* NMI has its own callback; 15 is reserved */
        trap_table[n].vector = (uint8_t)v;
        trap_table[n].flags = (v == X86_EXC_BP || v == X86_EXC_OF) ? 3 : 0;
        trap_table[n].cs = FLAT_RING1_CS;
        trap_table[n].address = (uint32_t)trap_entry(v);
        n++;
    }
    static const unsigned int soft[] = { SYSCALL_VECTOR, RING3_EXIT_VECTOR };
    for (unsigned int i = 0; i < 2; i++) {
        if ((int)soft[i] == without) continue;
        trap_table[n].vector = (uint8_t)soft[i];
        trap_table[n].flags = 3;
        trap_table[n].cs = FLAT_RING1_CS;
        trap_table[n].address = (uint32_t)trap_entry(soft[i]);
        n++;
    }
    memset(&trap_table[n], 0, sizeof(trap_table[n])); /* address 0 terminates */
    /* set_trap_table only adds entries; a NULL table clears them all first (Xen's
     * set_trap_table: "If no table is presented then clear the entire virtual IDT"). */
    long rc = HYPERVISOR_set_trap_table(NULL);
    return rc ? rc : HYPERVISOR_set_trap_table(trap_table);
}

void set_trap_handler(unsigned int vector, trap_handler_t h) { handlers[vector & 0xFF] = h; }

void do_trap(struct cpu_frame *f);
void do_trap(struct cpu_frame *f)
{
    unsigned int v = f->vector;
    struct fault *out = catch_out;

    if (v == RING3_EXIT_VECTOR && catch_armed && catch_ring3 && FRAME_FROM_RING3(f)) {
        catch_armed = false;
        xtf_longjmp(catch_jb, 2);
    }
    if (handlers[v]) {
        handlers[v](f);
        return;
    }
    if (catch_armed) {
        catch_armed = false;
        out->hit = true;
        out->vector = v;
        out->error_code = f->error_code;
        out->eip = f->eip;
        out->cs = f->cs & 0xFFFF;
        /* Xen writes the faulting address to vcpu_info.arch.cr2 before the bounce (2.7). */
        out->cr2 = v == X86_EXC_PF ? vcpu0->arch.cr2 : 0;
        xtf_longjmp(catch_jb, 1);
    }
    printk("XTF-FAIL unexpected-trap: vector %u ec 0x%x eip %p cs 0x%x cr2 %p\n", v, f->error_code,
           (void *)f->eip, f->cs & 0xFFFF, (void *)vcpu0->arch.cr2);
    xtf_crash("unexpected trap");
}

void enter_ring3(void (*fn)(void *), void *arg, uint32_t user_stack_top) __attribute__((noreturn));
extern char user_stack_top[];

static bool run_mode(void (*fn)(void *), void *arg, struct fault *out, bool ring3)
{
    memset(out, 0, sizeof(*out));
    catch_out = out;
    int r = xtf_setjmp(catch_jb);
    if (r == 0) {
        catch_ring3 = ring3;
        catch_armed = true;
        if (ring3) enter_ring3(fn, arg, (uint32_t)user_stack_top);
        fn(arg);
        catch_armed = false;
        return false;
    }
    catch_armed = false;
    catch_ring3 = false;
    return r == 1;
}

bool run_catching(void (*fn)(void *), void *arg, struct fault *out) { return run_mode(fn, arg, out, false); }

bool run_ring3(void (*fn)(void *), void *arg, struct fault *out)
{
    ring3_init();
    return run_mode(fn, arg, out, true);
}

static bool judge(const char *check, bool hit, const struct fault *f, int vector, long ec, uint32_t cr2)
{
    if (!hit) { xtf_fail(check, "no fault, expected vector %d", vector); return false; }
    if ((int)f->vector != vector) {
        xtf_fail(check, "vector %u (ec 0x%x eip %p), expected %d", f->vector, f->error_code, (void *)f->eip, vector);
        return false;
    }
    if (ec >= 0 && f->error_code != (uint32_t)ec) {
        xtf_fail(check, "error code 0x%x, expected 0x%lx", f->error_code, ec);
        return false;
    }
    if (vector == X86_EXC_PF && cr2 && f->cr2 != cr2) {
        xtf_fail(check, "cr2 %p, expected %p", (void *)f->cr2, (void *)cr2);
        return false;
    }
    xtf_pass(check);
    return true;
}

bool expect_fault(const char *check, void (*fn)(void *), void *arg, int vector, long ec, uint32_t cr2)
{
    struct fault f;
    bool hit = run_catching(fn, arg, &f);
    return judge(check, hit, &f, vector, ec, cr2);
}

bool expect_fault_ring3(const char *check, void (*fn)(void *), void *arg, int vector, long ec, uint32_t cr2)
{
    struct fault f;
    bool hit = run_ring3(fn, arg, &f);
    return judge(check, hit, &f, vector, ec, cr2);
}
