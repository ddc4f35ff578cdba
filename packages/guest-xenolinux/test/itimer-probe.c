/* itimer-probe.c: a static i386 program (no libc: int 0x80 system calls) that exercises alarm,
 * setitimer/getitimer (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF), times, getrusage and wait4's
 * rusage, and prints only what does not depend on the speed of the machine: return values,
 * which signals arrived, and whether CPU time was counted at all. The test runs it natively and
 * as init on XenoLinux and compares the two outputs.
 * Build: gcc -m32 -static -nostdlib -ffreestanding -fno-pic -no-pie -O1 itimer-probe.c */

enum {
    NR_exit = 1, NR_fork = 2, NR_write = 4, NR_pause = 29, NR_alarm = 27, NR_times = 43, NR_getrusage = 77,
    NR_setitimer = 104, NR_getitimer = 105, NR_wait4 = 114, NR_nanosleep = 162, NR_rt_sigreturn = 173,
    NR_rt_sigaction = 174, NR_clock_gettime = 265,
};
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define SIGALRM 14
#define SIGVTALRM 26
#define SIGPROF 27
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000
#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

#include "probe.h"

static long sc(long n, long a, long b, long c, long d) { return sc6(n, a, b, c, d, 0, 0); }

extern void restorer(void);
__asm__(".text\nrestorer:\n\tmov $173, %eax\n\tint $0x80\n");

static volatile int hits[32];
static void handler(int sig) { hits[sig]++; }

static long on_signal(int sig)
{
    u32 act[5] = { (u32)handler, SA_SIGINFO | SA_RESTORER, (u32)restorer, 0, 0 };
    return sc(NR_rt_sigaction, sig, (long)act, 0, 8);
}

struct itimerval { int interval_sec, interval_usec, value_sec, value_usec; };

static long set_timer(int which, int value_us, int interval_us, struct itimerval *old)
{
    struct itimerval v = { interval_us / 1000000, interval_us % 1000000, value_us / 1000000, value_us % 1000000 };
    return sc(NR_setitimer, which, (long)&v, (long)old, 0);
}

/* Spins in user mode until `sig` has arrived `n` times. */
static void spin_until(int sig, int n)
{
    while (hits[sig] < n) __asm__ volatile("" ::: "memory");
}

/* A CPU clock in milliseconds. */
static long cpu_ms(int clock)
{
    int ts[2];
    sc(NR_clock_gettime, clock, (long)ts, 0, 0);
    return ts[0] * 1000L + ts[1] / 1000000;
}

void main_c(void)
{
    struct itimerval cur;
    u32 tms[4];

    long cpu0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
    line("process CPU clock starts near 0 (under 200 ms)", cpu0 < 200);
    int nap[2] = { 0, 100000000 };
    sc(NR_nanosleep, (long)nap, 0, 0, 0);
    line("sleeping 100 ms costs under 50 ms of CPU", cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0 < 50);
    line("alarm(5) first", sc(NR_alarm, 5, 0, 0, 0));
    line("alarm(0) after alarm(5)", sc(NR_alarm, 0, 0, 0, 0));
    line("getitimer bad which", sc(NR_getitimer, 7, (long)&cur, 0, 0));
    line("setitimer bad which", set_timer(3, 1000, 0, 0));
    {
        struct itimerval bad = { 0, 0, 1, 1000000 };
        line("setitimer usec 1000000", sc(NR_setitimer, ITIMER_REAL, (long)&bad, 0, 0));
    }
    line("setitimer real 2.5 s, interval 0.25 s", set_timer(ITIMER_REAL, 2500000, 250000, 0));
    line("getitimer real", sc(NR_getitimer, ITIMER_REAL, (long)&cur, 0, 0));
    line("  value seconds", cur.value_sec);
    line("  interval", cur.interval_sec * 1000000 + cur.interval_usec);
    struct itimerval old;
    line("disarm, old value returned", set_timer(ITIMER_REAL, 0, 0, &old));
    line("  old interval", old.interval_sec * 1000000 + old.interval_usec);
    line("getitimer real after disarm", sc(NR_getitimer, ITIMER_REAL, (long)&cur, 0, 0));
    line("  value", cur.value_sec * 1000000 + cur.value_usec);
    line("getitimer to a bad pointer", sc(NR_getitimer, ITIMER_REAL, 0x10, 0, 0));

    /* ITIMER_REAL wakes pause() with SIGALRM. */
    on_signal(SIGALRM);
    set_timer(ITIMER_REAL, 30000, 0, 0);
    line("pause until SIGALRM", sc(NR_pause, 0, 0, 0, 0));
    line("  SIGALRM handled", hits[SIGALRM]);
    /* A periodic one, three times. */
    set_timer(ITIMER_REAL, 20000, 20000, 0);
    while (hits[SIGALRM] < 4) sc(NR_pause, 0, 0, 0, 0);
    set_timer(ITIMER_REAL, 0, 0, 0);
    line("periodic SIGALRM, handled in all", hits[SIGALRM]);

    /* CPU-time timers need CPU time: spin. */
    on_signal(SIGVTALRM);
    line("setitimer virtual 20 ms, interval 20 ms", set_timer(ITIMER_VIRTUAL, 20000, 20000, 0));
    spin_until(SIGVTALRM, 3);
    set_timer(ITIMER_VIRTUAL, 0, 0, 0);
    line("SIGVTALRM handled", hits[SIGVTALRM]);
    on_signal(SIGPROF);
    line("setitimer prof 20 ms", set_timer(ITIMER_PROF, 20000, 0, 0));
    spin_until(SIGPROF, 1);
    line("SIGPROF handled", hits[SIGPROF]);
    line("getitimer prof after it fired", sc(NR_getitimer, ITIMER_PROF, (long)&cur, 0, 0));
    line("  value", cur.value_sec * 1000000 + cur.value_usec);

    line("spinning 60 ms of user time shows on the CPU clock", cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0 >= 50);
    line("thread CPU clock is the process's", cpu_ms(CLOCK_THREAD_CPUTIME_ID) - cpu_ms(CLOCK_PROCESS_CPUTIME_ID) < 5);
    long ticks = sc(NR_times, (long)tms, 0, 0, 0);
    line("times: user time counted", tms[0] > 0);
    line("times: returns a clock", ticks != 0);

    /* A child: alarms are not inherited; its CPU time reaches the parent when it is reaped. */
    sc(NR_alarm, 100, 0, 0, 0);
    long pid = sc(NR_fork, 0, 0, 0, 0);
    if (pid == 0) {
        long inherited = sc(NR_alarm, 0, 0, 0, 0);
        on_signal(SIGVTALRM);
        hits[SIGVTALRM] = 0;
        set_timer(ITIMER_VIRTUAL, 30000, 0, 0);
        spin_until(SIGVTALRM, 1);
        sc(NR_exit, inherited == 0 ? 0 : 1, 0, 0, 0);
    }
    int status = -1;
    u32 ru[18];
    line("wait4 the child", sc(NR_wait4, pid, (long)&status, 0, (long)ru) == pid);
    line("  child exit status (0: no alarm inherited)", status >> 8);
    line("  rusage user time counted", ru[0] > 0 || ru[1] > 0);
    sc(NR_times, (long)tms, 0, 0, 0);
    line("times: children's user time counted", tms[2] > 0);
    u32 self[18], kids[18];
    line("getrusage self", sc(NR_getrusage, 0, (long)self, 0, 0));
    line("getrusage children", sc(NR_getrusage, -1, (long)kids, 0, 0));
    line("  children user time counted", kids[0] > 0 || kids[1] > 0);
    line("getrusage bad who", sc(NR_getrusage, 5, (long)kids, 0, 0));
    line("alarm(0) returns what is left of 100 s", sc(NR_alarm, 0, 0, 0, 0));

    /* The default action of SIGALRM ends the process. */
    pid = sc(NR_fork, 0, 0, 0, 0);
    if (pid == 0) {
        set_timer(ITIMER_REAL, 10000, 0, 0);
        u32 dfl[5] = { 0, 0, 0, 0, 0 };
        sc(NR_rt_sigaction, SIGALRM, (long)dfl, 0, 8);
        for (;;) sc(NR_pause, 0, 0, 0, 0);
    }
    sc(NR_wait4, pid, (long)&status, 0, 0);
    line("child killed by signal", status & 0x7f);
    sc(NR_exit, 0, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n\tand $-16, %esp\n\tcall main_c\n\thlt\n");
