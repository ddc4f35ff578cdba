/* sys_time.c: time system calls, all from the port's clock (on Xen: vcpu_time_info and the
 * shared_info wall clock). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

static int clock_now(uint32_t id, uint64_t *sec, uint32_t *nsec)
{
    switch (id) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE:
        arch_wallclock(sec, nsec);
        return 0;
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID: {
        /* One thread per process: both CPU clocks are the task's exact CPU time (itimer.c). */
        uint64_t ns = id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID ? task_cpu_ns(current)
                                                                                     : arch_monotonic_ns();
        *sec = ns / 1000000000u;
        *nsec = (uint32_t)(ns % 1000000000u);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

SYSCALL(time)
{
    uint64_t s;
    uint32_t ns;
    arch_wallclock(&s, &ns);
    uint32_t t = (uint32_t)s;
    if (a1 && copy_to_user((void *)a1, &t, 4)) return -EFAULT;
    return (long)t;
}

SYSCALL(gettimeofday)
{
    if (a1) {
        uint64_t s;
        uint32_t ns;
        arch_wallclock(&s, &ns);
        uint32_t tv[2] = { (uint32_t)s, ns / 1000 };
        if (copy_to_user((void *)a1, tv, sizeof(tv))) return -EFAULT;
    }
    if (a2) {
        uint32_t tz[2] = { 0, 0 };
        if (copy_to_user((void *)a2, tz, sizeof(tz))) return -EFAULT;
    }
    return 0;
}

SYSCALL(clock_gettime)
{
    uint64_t s;
    uint32_t ns;
    int rc = clock_now(a1, &s, &ns);
    if (rc) return rc;
    uint32_t ts[2] = { (uint32_t)s, ns };
    return copy_to_user((void *)a2, ts, sizeof(ts));
}

SYSCALL(clock_gettime64)
{
    uint64_t s;
    uint32_t ns;
    int rc = clock_now(a1, &s, &ns);
    if (rc) return rc;
    struct { int64_t sec; int64_t nsec; } ts = { (int64_t)s, ns }; /* __kernel_timespec */
    return copy_to_user((void *)a2, &ts, sizeof(ts));
}

/* Resolution: the system time is in ns (Xen's); coarse clocks tick with VIRQ_TIMER (10 ms). */
static long getres(uint32_t id, uint32_t *ns)
{
    uint64_t s;
    uint32_t n;
    if (clock_now(id, &s, &n)) return -EINVAL;
    *ns = (id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE) ? 10000000 : 1;
    return 0;
}
SYSCALL(clock_getres)
{
    uint32_t ns;
    if (getres(a1, &ns)) return -EINVAL;
    uint32_t ts[2] = { 0, ns };
    return a2 ? copy_to_user((void *)a2, ts, sizeof(ts)) : 0;
}
SYSCALL(clock_getres64)
{
    uint32_t ns;
    if (getres(a1, &ns)) return -EINVAL;
    int64_t ts[2] = { 0, ns };
    return a2 ? copy_to_user((void *)a2, ts, sizeof(ts)) : 0;
}

/* Sleeps by blocking in the hypervisor until the deadline (the 10 ms tick wakes us). */
SYSCALL(nanosleep)
{
    uint32_t ts[2];
    if (copy_from_user(ts, (const void *)a1, sizeof(ts))) return -EFAULT;
    if (ts[1] >= 1000000000u || (int32_t)ts[0] < 0) return -EINVAL;
    uint64_t deadline = arch_monotonic_ns() + (uint64_t)ts[0] * 1000000000u + ts[1];
    /* Other processes run meanwhile (sched.c); a signal ends the sleep. */
    while (arch_monotonic_ns() < deadline) {
        if (signal_pending()) {
            uint64_t left = deadline - arch_monotonic_ns();
            uint32_t rem[2] = { (uint32_t)(left / 1000000000u), (uint32_t)(left % 1000000000u) };
            if (a2 && copy_to_user((void *)a2, rem, sizeof(rem))) return -EFAULT;
            return -EINTR;
        }
        sched_idle_wait();
    }
    if (a2) {
        uint32_t zero[2] = { 0, 0 };
        if (copy_to_user((void *)a2, zero, sizeof(zero))) return -EFAULT;
    }
    return 0;
}
