/* itimer.c: interval timers (alarm, setitimer, getitimer) and process CPU time. The process CPU
 * clocks (CLOCK_PROCESS_CPUTIME_ID) are exact: time between switches, less idle time. times,
 * getrusage, wait4's rusage and /proc/pid/stat count timer ticks, as Linux's tick-based accounting:
 * each tick goes to the task it interrupted, as user or system time. ITIMER_REAL runs on the
 * monotonic clock and sends SIGALRM; ITIMER_VIRTUAL counts user time (SIGVTALRM), ITIMER_PROF
 * user and system time (SIGPROF) (setitimer(2)). Timers fire with tick resolution (10 ms). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "signal.h"
#include "syscalls.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define FIRED_VIRT 1u
#define FIRED_PROF 2u
#define NSEC_PER_SEC 1000000000ull
#define USER_HZ 100 /* clock_t ticks; TICK_NS is 1/100 s */

/* Counts down a CPU-time timer by one tick; true when it expired (and re-arms it). */
static bool cpu_timer_tick(uint64_t *left, uint64_t interval)
{
    if (*left == 0) return false;
    if (*left > TICK_NS) {
        *left -= TICK_NS;
        return false;
    }
    *left = interval;
    return true;
}

void account_tick(bool user)
{
    struct task *t = current;
    if (!t) return;
    if (user) {
        t->utime++;
        if (cpu_timer_tick(&t->it_virt_left, t->it_virt_interval)) t->it_fired |= FIRED_VIRT;
    } else {
        t->stime++;
    }
    if (cpu_timer_tick(&t->it_prof_left, t->it_prof_interval)) t->it_fired |= FIRED_PROF;
}

/* Adds the time `t` has run since cpu_since to its CPU time and stops the clock. */
static void cpu_time_stop(struct task *t, uint64_t now)
{
    if (t->cpu_since) t->cpu_ns += now - t->cpu_since;
    t->cpu_since = 0;
}

void cpu_time_switch(struct task *prev, struct task *next)
{
    uint64_t now = arch_monotonic_ns();
    if (prev) cpu_time_stop(prev, now);
    next->cpu_since = now;
}

uint64_t task_cpu_ns(const struct task *t)
{
    return t->cpu_ns + (t->cpu_since ? arch_monotonic_ns() - t->cpu_since : 0);
}

void cpu_idle(void)
{
    struct task *t = current;
    if (t) cpu_time_stop(t, arch_monotonic_ns());
    arch_idle();
    if (t) t->cpu_since = arch_monotonic_ns();
}

void itimers_run(void)
{
    uint64_t now = arch_monotonic_ns();
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = task_table[i];
        if (!t || t->state == TASK_ZOMBIE) continue;
        if (t->it_real_expires && now >= t->it_real_expires) {
            send_signal(t, SIGALRM);
            if (t->it_real_interval == 0) t->it_real_expires = 0;
            else while (t->it_real_expires <= now) t->it_real_expires += t->it_real_interval;
        }
        if (t->it_fired & FIRED_VIRT) send_signal(t, SIGVTALRM);
        if (t->it_fired & FIRED_PROF) send_signal(t, SIGPROF);
        t->it_fired = 0;
    }
}

void account_reaped_child(struct task *parent, const struct task *child)
{
    parent->cutime += child->utime + child->cutime;
    parent->cstime += child->stime + child->cstime;
}

/* struct itimerval { struct timeval it_interval, it_value; } with 32-bit longs. */
struct itimerval32 { int32_t interval_sec, interval_usec, value_sec, value_usec; };

static uint64_t to_ns(int32_t sec, int32_t usec) { return (uint64_t)sec * NSEC_PER_SEC + (uint64_t)usec * 1000u; }
static void to_timeval(uint64_t ns, int32_t *sec, int32_t *usec)
{
    *sec = (int32_t)(ns / NSEC_PER_SEC);
    *usec = (int32_t)(ns % NSEC_PER_SEC / 1000u);
}

static int get_timer(struct task *t, int which, struct itimerval32 *out)
{
    uint64_t value, interval;
    switch (which) {
    case ITIMER_REAL: {
        uint64_t now = arch_monotonic_ns();
        value = t->it_real_expires == 0 ? 0 : t->it_real_expires > now ? t->it_real_expires - now : 1000;
        interval = t->it_real_interval;
        break;
    }
    case ITIMER_VIRTUAL: value = t->it_virt_left; interval = t->it_virt_interval; break;
    case ITIMER_PROF: value = t->it_prof_left; interval = t->it_prof_interval; break;
    default: return -EINVAL;
    }
    to_timeval(value, &out->value_sec, &out->value_usec);
    to_timeval(interval, &out->interval_sec, &out->interval_usec);
    return 0;
}

static int set_timer(struct task *t, int which, const struct itimerval32 *v)
{
    if (v->value_sec < 0 || v->value_usec < 0 || v->value_usec >= 1000000 || v->interval_sec < 0 ||
        v->interval_usec < 0 || v->interval_usec >= 1000000)
        return -EINVAL;
    uint64_t value = to_ns(v->value_sec, v->value_usec), interval = to_ns(v->interval_sec, v->interval_usec);
    switch (which) {
    case ITIMER_REAL:
        t->it_real_expires = value ? arch_monotonic_ns() + value : 0;
        t->it_real_interval = interval;
        return 0;
    case ITIMER_VIRTUAL: t->it_virt_left = value; t->it_virt_interval = interval; return 0;
    case ITIMER_PROF: t->it_prof_left = value; t->it_prof_interval = interval; return 0;
    default: return -EINVAL;
    }
}

SYSCALL(getitimer)
{
    struct itimerval32 cur;
    int rc = get_timer(current, (int)a1, &cur);
    if (rc) return rc;
    return copy_to_user((void *)a2, &cur, sizeof(cur)) ? -EFAULT : 0;
}

SYSCALL(setitimer)
{
    struct itimerval32 nv = { 0, 0, 0, 0 }, old;
    if (a2 && copy_from_user(&nv, (const void *)a2, sizeof(nv))) return -EFAULT;
    int rc = get_timer(current, (int)a1, &old);
    if (rc) return rc;
    rc = set_timer(current, (int)a1, &nv); /* a NULL new value disarms, as Linux allows */
    if (rc) return rc;
    return a3 && copy_to_user((void *)a3, &old, sizeof(old)) ? -EFAULT : 0;
}

/* alarm(2): ITIMER_REAL in whole seconds; returns the seconds that were left, rounded as Linux's
 * alarm_setitimer does (up from a fraction of a second, to nearest otherwise). */
SYSCALL(alarm)
{
    struct itimerval32 old, nv = { 0, 0, (int32_t)(a1 > 0x7fffffff ? 0x7fffffff : a1), 0 };
    get_timer(current, ITIMER_REAL, &old);
    set_timer(current, ITIMER_REAL, &nv);
    uint32_t left = (uint32_t)old.value_sec;
    if ((left == 0 && old.value_usec) || old.value_usec >= 500000) left++;
    return left;
}

/* times(2): struct tms { clock_t utime, stime, cutime, cstime }; returns clock ticks since boot. */
SYSCALL(times)
{
    struct task *t = current;
    uint32_t tms[4] = { t->utime, t->stime, t->cutime, t->cstime };
    if (a1 && copy_to_user((void *)a1, tms, sizeof(tms))) return -EFAULT;
    return (long)(uint32_t)(arch_monotonic_ns() / (NSEC_PER_SEC / USER_HZ));
}

void fill_rusage_times(uint32_t *ru, uint32_t utime, uint32_t stime)
{
    /* struct rusage starts with ru_utime and ru_stime (struct timeval, 32-bit longs). */
    ru[0] = utime / USER_HZ;
    ru[1] = utime % USER_HZ * (1000000 / USER_HZ);
    ru[2] = stime / USER_HZ;
    ru[3] = stime % USER_HZ * (1000000 / USER_HZ);
}

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
SYSCALL(getrusage)
{
    uint32_t ru[18];
    memset(ru, 0, sizeof(ru));
    struct task *t = current;
    if ((int32_t)a1 == RUSAGE_SELF) fill_rusage_times(ru, t->utime, t->stime);
    else if ((int32_t)a1 == RUSAGE_CHILDREN) fill_rusage_times(ru, t->cutime, t->cstime);
    else return -EINVAL;
    return copy_to_user((void *)a2, ru, sizeof(ru)) ? -EFAULT : 0;
}
