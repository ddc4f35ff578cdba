/* wait.c: bounded waiting. Every wait has both a simulated-time limit and an iteration limit,
 * so a broken clock can not hang a test. */
#include "xtf.h"

bool wait_for(volatile unsigned int *counter, unsigned int above, uint64_t timeout_ns)
{
    uint64_t end = system_time_ns() + timeout_ns;
    for (unsigned long i = 0; i < 50000000UL; i++) {
        if (*counter > above) return true;
        if ((i & 63) == 0 && system_time_ns() > end) break;
        cpu_relax();
    }
    return *counter > above;
}

bool wait_pending(unsigned int port, uint64_t timeout_ns)
{
    uint64_t end = system_time_ns() + timeout_ns;
    for (unsigned long i = 0; i < 50000000UL; i++) {
        if (evtchn_is_pending(port)) return true;
        if ((i & 63) == 0 && system_time_ns() > end) break;
        cpu_relax();
    }
    return evtchn_is_pending(port);
}

long bind_virq(unsigned int virq, unsigned int vcpu, unsigned int *port)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);
    if (!rc && port) *port = b.port;
    return rc;
}

long timer_in(uint64_t ns) { return HYPERVISOR_set_timer_op(system_time_ns() + ns); }
