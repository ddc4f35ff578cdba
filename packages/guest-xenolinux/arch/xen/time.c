/* time.c: time from Xen. System time is vcpu_time_info.system_time plus the scaled TSC delta,
 * read under the version protocol (xen-abi.md 2.3: retry while the version is odd or changed);
 * the wall clock is shared_info.wc_sec/wc_nsec (the boot epoch) plus system time. VIRQ_TIMER
 * (Xen's 10 ms periodic timer) drives jiffies. */
#include "xen-arch.h"
#include "ptrace.h"
#include "sched.h"

volatile uint64_t jiffies;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* (delta << shift or >> -shift) * mul >> 32, without a 128-bit type. */
static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0) delta >>= -shift;
    else delta <<= shift;
    uint64_t lo = (uint64_t)(uint32_t)delta * mul;
    uint64_t hi = (delta >> 32) * mul;
    return hi + (lo >> 32);
}

uint64_t arch_monotonic_ns(void)
{
    volatile struct vcpu_time_info *t = &this_vcpu()->time;
    uint32_t version;
    uint64_t ns;
    do {
        version = t->version;
        barrier();
        ns = t->system_time + scale_delta(rdtsc() - t->tsc_timestamp, t->tsc_to_system_mul, t->tsc_shift);
        barrier();
    } while ((version & 1) || version != t->version);
    return ns;
}

void arch_wallclock(uint64_t *sec, uint32_t *nsec)
{
    volatile struct shared_info *s = HYPERVISOR_shared_info;
    uint32_t version, wsec, wnsec;
    do {
        version = s->wc_version;
        barrier();
        wsec = s->wc_sec;
        wnsec = s->wc_nsec;
        barrier();
    } while ((version & 1) || version != s->wc_version);
    uint64_t now = arch_monotonic_ns() + wnsec;
    *sec = wsec + now / 1000000000u;
    *nsec = (uint32_t)(now % 1000000000u);
}

/* Set while the CPU sleeps in arch_idle: a tick then belongs to no task. */
bool xen_idling;
extern struct pt_regs *xen_irq_regs;

static void timer_interrupt(uint32_t port)
{
    (void)port;
    jiffies++;
    if (!xen_idling) account_tick(xen_irq_regs && user_mode(xen_irq_regs));
}

void xen_time_init(void)
{
    int port = xen_bind_virq(VIRQ_TIMER, timer_interrupt);
    if (port < 0) panic("xenolinux: binding VIRQ_TIMER failed (%d)", port);
}
