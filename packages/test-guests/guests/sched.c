/* sched: sched_op (xen-abi.md 2.10). Xen facts: SCHEDOP_poll returns 0 when a port is pending or
 * the timeout passed, refuses more than 128 ports and bad port numbers (-EINVAL); unknown
 * commands are -ENOSYS. */
#include "xtf.h"

static long poll(unsigned int *ports, unsigned int n, uint64_t timeout)
{
    struct sched_poll p = { .ports = (uint32_t)ports, .nr_ports = n, .timeout = timeout };
    return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

XTF_TEST_MAIN
{
    xtf_check_rc("yield", sched_yield(), 0);
    xtf_check_rc("yield-compat", HYPERVISOR_sched_op_compat(SCHEDOP_yield, 0), 0);

    unsigned int tport;
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    bind_virq(VIRQ_TIMER, 0, &tport);
    upcall_unmask();

    /* Block until a timer wakes us. */
    unsigned int c = port_count[tport];
    uint64_t t0 = system_time_ns();
    timer_in(MS(3));
    xtf_check_rc("block", sched_block(), 0);
    uint64_t t1 = system_time_ns();
    xtf_check(wait_for(&port_count[tport], c, MS(20)) && t1 - t0 >= MS(2), "block-woken-by-timer",
              "slept %llu ns, events %u", t1 - t0, port_count[tport] - c);

    /* Poll on an IPI port, with upcalls masked (as Linux's xen_poll_irq runs). */
    struct evtchn_bind_ipi ipi = { .vcpu = 0 };
    HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi);
    unsigned int port = ipi.port;
    upcall_mask();
    t0 = system_time_ns();
    long rc = poll(&port, 1, t0 + MS(2));
    t1 = system_time_ns();
    xtf_check(rc == 0 && t1 - t0 >= MS(1), "poll-timeout", "rc %ld after %llu ns", rc, t1 - t0);
    evtchn_send(port);
    t0 = system_time_ns();
    rc = poll(&port, 1, t0 + MS(50));
    t1 = system_time_ns();
    xtf_check(rc == 0 && t1 - t0 < MS(10) && evtchn_is_pending(port), "poll-pending-returns", "rc %ld after %llu ns",
              rc, t1 - t0);
    evtchn_clear(port);
    unsigned int bad = EVTCHN_2L_NR_CHANNELS + 3;
    xtf_check_rc("poll-bad-port", poll(&bad, 1, system_time_ns() + MS(1)), -XEN_EINVAL);
    xtf_check_rc("poll-too-many-ports", poll(&port, 129, system_time_ns() + MS(1)), -XEN_EINVAL);
    upcall_unmask();

    struct sched_shutdown sc = { .reason = SHUTDOWN_poweroff };
    xtf_check_rc("shutdown_code", HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &sc), 0);
    xtf_check_rc("unknown-schedop", HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS);
    /* The final shutdown (poweroff) is xtf_done's. */
}
