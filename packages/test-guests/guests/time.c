/* time: vcpu_time_info and timers (xen-abi.md 2.5, 2.11).
 * Xen facts: set_timer_op(0) cancels the one-shot timer and a deadline in the past fires at once
 * (xen/common/schedule.c do_set_timer_op); VCPUOP_set_periodic_timer refuses periods below 1 ms
 * (-EINVAL, common/domain.c); PV vCPUs start with a 10 ms periodic timer. */
#include "xtf.h"

static void busy(unsigned int n) { for (volatile unsigned int i = 0; i < n; i++) cpu_relax(); }

XTF_TEST_MAIN
{
    volatile struct vcpu_time_info *t = &vcpu0->time;
    uint32_t v1 = t->version;
    uint64_t st = t->system_time;
    uint32_t v2 = t->version;
    xtf_check(v1 == v2 && !(v1 & 1), "time-version-even-and-stable", "version %u -> %u", v1, v2);
    xtf_check(t->tsc_to_system_mul != 0, "tsc-to-system-mul-set", "mul 0");
    (void)st;

    /* CPU Hz = ((10^9 << 32) / mul) >> shift (negative shift: left). Computed as 64/32. */
    uint64_t num = 1000000000ULL << 32;
    uint32_t mul = t->tsc_to_system_mul;
    uint64_t hz = 0;
    if (mul) {
        uint32_t hi = (uint32_t)(num >> 32), q_hi = hi / mul, rem = hi % mul, q_lo;
        __asm__("divl %4" : "=a"(q_lo), "=d"(rem) : "0"((uint32_t)num), "1"(rem), "rm"(mul));
        hz = ((uint64_t)q_hi << 32) | q_lo;
        int8_t sh = t->tsc_shift;
        hz = sh >= 0 ? hz >> sh : hz << -sh;
    }
    printk("time: tsc_to_system_mul %u shift %d -> %llu Hz\n", mul, t->tsc_shift, hz);
    xtf_check(hz >= 1000000ULL && hz <= 100000000000ULL, "tsc-frequency-plausible", "%llu Hz", hz);

    uint64_t a = system_time_ns();
    busy(200000);
    uint64_t b = system_time_ns();
    xtf_check(b > a, "system-time-advances", "%llu -> %llu", a, b);
    unsigned int back = 0;
    uint64_t prev = system_time_ns();
    for (unsigned int i = 0; i < 2000; i++) {
        uint64_t now = system_time_ns();
        if (now < prev) back++;
        prev = now;
    }
    xtf_check(!back, "system-time-monotonic", "%u backward steps", back);

    /* The formula extrapolates from the last update: never before it, never far beyond. */
    uint64_t now = system_time_ns();
    uint64_t base = t->system_time;
    xtf_check(now >= base && now - base < 10000000000ULL, "tsc-formula-consistent", "now %llu base %llu", now, base);

    uint32_t wv = shared->wc_version;
    xtf_check(!(wv & 1) && (shared->wc_sec != 0 || shared->wc_nsec != 0), "wall-clock-present",
              "wc_version %u wc_sec %u wc_nsec %u", wv, shared->wc_sec, shared->wc_nsec);
    xtf_check(shared->wc_nsec < 1000000000U, "wall-clock-nsec-range", "%u", shared->wc_nsec);

    unsigned int port;
    xtf_check_rc("bind-timer", bind_virq(VIRQ_TIMER, 0, &port), 0);
    upcall_unmask();

    /* The default 10 ms periodic timer is running until stopped. */
    unsigned int c = port_count[port];
    xtf_check(wait_for(&port_count[port], c, MS(50)), "default-periodic-timer", "no tick in 50 ms");
    xtf_check_rc("stop-periodic", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    c = port_count[port];
    busy(1000);
    unsigned int settled = port_count[port];
    xtf_check(!wait_for(&port_count[port], settled, MS(30)) , "periodic-stopped", "ticks continued: %u -> %u", c,
              port_count[port]);

    c = port_count[port];
    xtf_check_rc("timer-in-the-past", HYPERVISOR_set_timer_op(1), 0);
    xtf_check(wait_for(&port_count[port], c, MS(1)), "timer-in-the-past-fires", "no event within 1 ms");

    c = port_count[port];
    timer_in(MS(5));
    xtf_check_rc("timer-cancel", HYPERVISOR_set_timer_op(0), 0);
    xtf_check(!wait_for(&port_count[port], c, MS(15)), "timer-cancelled", "fired anyway");

    struct vcpu_set_periodic_timer pt = { .period_ns = 100000 };
    xtf_check_rc("periodic-below-1ms-refused", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt), -XEN_EINVAL);
    pt.period_ns = MS(1);
    c = port_count[port];
    xtf_check_rc("set-periodic-1ms", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt), 0);
    uint64_t t0 = system_time_ns();
    while (system_time_ns() - t0 < MS(10)) cpu_relax();
    unsigned int ticks = port_count[port] - c;
    xtf_check(ticks >= 5 && ticks <= 12, "periodic-1ms-rate", "%u ticks in 10 ms", ticks);
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);

    struct vcpu_runstate_info r1, r2;
    xtf_check_rc("get_runstate_info", HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &r1), 0);
    busy(200000);
    HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &r2);
    xtf_check(r1.state == RUNSTATE_running && r2.time[RUNSTATE_running] > r1.time[RUNSTATE_running],
              "runstate-running-time-grows", "state %d running %llu -> %llu", r1.state, r1.time[0], r2.time[0]);
}
