/* events: event channels and upcall delivery (xen-abi.md 2.6, 2.9, 2.10).
 * Xen facts (xen/common/event_channel.c): bind_virq of an already-bound VIRQ is -EEXIST, of an
 * out-of-range VIRQ -EINVAL, for a nonexistent vCPU -ENOENT; send on an unbound port is silently
 * dropped, on a free (closed) port -EINVAL; close of a free port -EINVAL; a port number beyond
 * the allocated range is -EINVAL for every op; EVTCHNOP_unmask re-delivers a pending event;
 * SCHEDOP_block with upcalls masked re-enables them and wakes on a pending event. */
#include "xtf.h"

static long evtchn_status(unsigned int port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = DOMID_SELF;
    st->port = port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

XTF_TEST_MAIN
{
    unsigned int tport = 0;
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL); /* only our one-shots from here */
    xtf_check_rc("bind_virq-timer", bind_virq(VIRQ_TIMER, 0, &tport), 0);
    xtf_check_rc("bind_virq-twice-eexist", bind_virq(VIRQ_TIMER, 0, NULL), -XEN_EEXIST);
    xtf_check_rc("bind_virq-bad-virq", bind_virq(NR_VIRQS + 5, 0, NULL), -XEN_EINVAL);
    xtf_check_rc("bind_virq-bad-vcpu", bind_virq(VIRQ_DEBUG, 31, NULL), -XEN_ENOENT);

    struct evtchn_status st;
    long rc = evtchn_status(tport, &st);
    xtf_check(rc == 0 && st.status == EVTCHNSTAT_virq && st.u0 == VIRQ_TIMER, "status-virq", "rc %ld status %u virq %u",
              rc, st.status, st.u0);

    /* 1. A one-shot timer raises VIRQ_TIMER and the upcall runs. */
    upcall_unmask();
    unsigned int c = port_count[tport];
    xtf_check_rc("set_timer_op", timer_in(MS(1)), 0);
    xtf_check(wait_for(&port_count[tport], c, MS(200)), "timer-upcall", "no upcall for port %u (pending %d)", tport,
              evtchn_is_pending(tport));

    /* 2. evtchn_upcall_mask: pending is set but no upcall; unmasking delivers it. */
    upcall_mask();
    c = port_count[tport];
    unsigned int u = upcall_count;
    timer_in(MS(1));
    xtf_check(wait_pending(tport, MS(200)), "masked-pending-seen", "port %u never became pending", tport);
    xtf_check(upcall_count == u && vcpu0->evtchn_upcall_pending, "masked-no-upcall",
              "upcalls %u -> %u, upcall_pending %u", u, upcall_count, vcpu0->evtchn_upcall_pending);
    upcall_unmask();
    xtf_check(port_count[tport] > c, "unmask-delivers", "count %u -> %u", c, port_count[tport]);

    /* 3. Per-port mask, then EVTCHNOP_unmask re-delivers. */
    evtchn_mask(tport);
    c = port_count[tport];
    timer_in(MS(1));
    xtf_check(wait_pending(tport, MS(200)) && port_count[tport] == c, "port-masked-pending-no-upcall",
              "pending %d count %u -> %u", evtchn_is_pending(tport), c, port_count[tport]);
    xtf_check_rc("evtchnop-unmask", evtchn_unmask(tport), 0);
    xtf_check(wait_for(&port_count[tport], c, MS(50)), "evtchnop-unmask-redelivers", "count %u", port_count[tport]);

    /* 4. Interdomain to self. */
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au);
    xtf_check_rc("alloc_unbound-self", rc, 0);
    rc = evtchn_status(au.port, &st);
    xtf_check(rc == 0 && st.status == EVTCHNSTAT_unbound, "status-unbound", "rc %ld status %u", rc, st.status);
    xtf_check_rc("send-unbound-dropped", evtchn_send(au.port), 0);
    evtchn_clear(au.port);
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = au.port };
    rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
    xtf_check(rc == 0 && bi.local_port != au.port, "bind_interdomain-self", "rc %ld local %u remote %u", rc,
              bi.local_port, au.port);
    rc = evtchn_status(au.port, &st);
    xtf_check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u1 == bi.local_port, "status-interdomain",
              "rc %ld status %u peer port %u", rc, st.status, st.u1);
    c = port_count[bi.local_port];
    xtf_check_rc("send-a-to-b", evtchn_send(au.port), 0);
    xtf_check(wait_for(&port_count[bi.local_port], c, MS(50)), "interdomain-a-to-b-delivered", "no upcall");
    c = port_count[au.port];
    xtf_check_rc("send-b-to-a", evtchn_send(bi.local_port), 0);
    xtf_check(wait_for(&port_count[au.port], c, MS(50)), "interdomain-b-to-a-delivered", "no upcall");
    xtf_check_rc("close-b", evtchn_close(bi.local_port), 0);
    rc = evtchn_status(au.port, &st);
    xtf_check(rc == 0 && st.status == EVTCHNSTAT_unbound, "close-returns-peer-to-unbound", "status %u", st.status);
    xtf_check_rc("close-a", evtchn_close(au.port), 0);

    /* 5. IPI to self. */
    struct evtchn_bind_ipi ipi = { .vcpu = 0 };
    xtf_check_rc("bind_ipi", HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi), 0);
    c = port_count[ipi.port];
    xtf_check_rc("send-ipi", evtchn_send(ipi.port), 0);
    xtf_check(wait_for(&port_count[ipi.port], c, MS(50)), "ipi-delivered", "no upcall");
    rc = evtchn_status(ipi.port, &st);
    xtf_check(rc == 0 && st.status == EVTCHNSTAT_ipi, "status-ipi", "status %u", st.status);
    xtf_check_rc("close-ipi", evtchn_close(ipi.port), 0);
    rc = evtchn_status(ipi.port, &st);
    xtf_check(rc == 0 && st.status == EVTCHNSTAT_closed, "status-closed", "rc %ld status %u", rc, st.status);
    xtf_check_rc("send-closed-einval", evtchn_send(ipi.port), -XEN_EINVAL);
    xtf_check_rc("close-closed-einval", evtchn_close(ipi.port), -XEN_EINVAL);

    /* 6. Out-of-range ports. */
    xtf_check_rc("send-bad-port", evtchn_send(EVTCHN_2L_NR_CHANNELS + 7), -XEN_EINVAL);
    xtf_check_rc("close-bad-port", evtchn_close(100000), -XEN_EINVAL);
    xtf_check_rc("unmask-bad-port", evtchn_unmask(0x7FFFFFFF), -XEN_EINVAL);
    xtf_check_rc("status-bad-port", evtchn_status(EVTCHN_2L_NR_CHANNELS, &st), -XEN_EINVAL);
    xtf_check_rc("unknown-evtchnop", HYPERVISOR_event_channel_op(99, &st), -XEN_ENOSYS);

    /* 7. SCHEDOP_block with upcalls masked: re-enabled atomically, woken by the timer. */
    upcall_mask();
    c = port_count[tport];
    uint64_t t0 = system_time_ns();
    timer_in(MS(2));
    rc = sched_block();
    uint64_t t1 = system_time_ns();
    xtf_check_rc("block-returns", rc, 0);
    xtf_check(vcpu0->evtchn_upcall_mask == 0, "block-unmasks-upcalls", "mask %u", vcpu0->evtchn_upcall_mask);
    xtf_check(wait_for(&port_count[tport], c, MS(50)), "block-woken-by-timer", "no timer upcall");
    xtf_check(t1 - t0 >= MS(1), "block-slept", "woke after %llu ns", t1 - t0);
}
