/* syscall-fuzz.c: a hostile program (static i386, no libc) run as init on XenoLinux. It forks
 * children one at a time; each closes its standard descriptors and makes CALLS random system
 * calls (numbers 0..449, arguments drawn from zero, small numbers, -1, pointers into its own
 * memory, kernel and hypervisor-hole addresses and random words), then exits; every other child
 * leaves alone the calls that would soon kill it, so that it runs them all. A child that blocks
 * is killed after a while. The parent tallies how the children ended, then checks that the kernel
 * still works (a file written and read back, a fork and wait) and prints FUZZ-DONE.
 * Arguments: the number of children (default 32), the first child's seed (default 1). Build: gcc -m32 -static -nostdlib
 * -ffreestanding -fno-pic -no-pie -O1 syscall-fuzz.c; with -DTRACE each child keeps fd 2 and
 * writes "seed nr a b c" (hex) before every call, to find the call behind a failure. */

#define CALLS 2000
#define WAIT_TRIES 100 /* of 10 ms: a child that has not finished after 1 s is killed */

enum {
    NR_exit = 1, NR_fork = 2, NR_read = 3, NR_write = 4, NR_open = 5, NR_close = 6, NR_unlink = 10,
    NR_pause = 29, NR_kill = 37, NR_reboot = 88, NR_wait4 = 114, NR_clone = 120, NR_nanosleep = 162,
    NR_vfork = 190, NR_exit_group = 252,
};
#define NR_MAX 450
#define SIGKILL 9
#define WNOHANG 1

#include "probe.h"
#define sc sc6
#define SC1(n, a) sc(n, (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b) sc(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) sc(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SC4(n, a, b, c, d) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static u32 rng;
static u32 rnd(void) /* xorshift32 */
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static char scratch[16384] __attribute__((aligned(4096)));
extern char _start[];

static u32 arg(void)
{
    switch (rnd() % 10) {
    case 0: return 0;
    case 1: return rnd() % 64;
    case 2: return 0xffffffffu;
    case 3: return (u32)scratch + rnd() % sizeof scratch;
    /* The stack well below our frames (what the kernel writes there must not hit a live one). */
    case 4: return (u32)__builtin_frame_address(0) - 4096 - rnd() % 8192;
    case 5: return 0xc0000000u + (rnd() & 0x0fffffffu);  /* the kernel */
    case 6: return 0xf5800000u + rnd() % 0x0a800000u;    /* the hypervisor hole (either layout) */
    case 7: return (u32)_start + rnd() % 0x2000;          /* our own text */
    case 8: return 0x7fffffffu + rnd() % 3;
    default: return rnd();
    }
}

/* Calls that would end the child at once, multiply it, stop the machine or wait forever by
 * design are never made. A careful child (every other one) also leaves alone what would soon kill
 * it (its own address space, signal handlers and signals, sigreturn) or put it to sleep. Careful children should run
 * all their calls; the others find out what their own mistakes do. */
static const unsigned short never[] = { 1, 2, 29, 88, 120, 190, 252 };
static const unsigned short risky[] = {
    37, 45, 48, 67, 90, 91, 119, 125, 163, 172, 173, 174, 192, 219, 238, 270, /* kill, brk, signal,
    sigaction, mmap, munmap, sigreturn, mprotect, mremap, prctl, rt_sigreturn, rt_sigaction, mmap2,
    madvise, tkill, tgkill */
    42, 72, 82, 142, 162, 168, 177, 179, 267, 308, 309, 331, 407, 413, 414, /* and what may sleep
    for long: pipe, sigsuspend, select, _newselect, nanosleep, poll, rt_sigtimedwait,
    rt_sigsuspend, clock_nanosleep, pselect6, ppoll, pipe2, and the time64 clock_nanosleep,
    pselect6 and ppoll */
};

static int in(const unsigned short *list, int n, u32 nr)
{
    for (int i = 0; i < n; i++)
        if (list[i] == nr) return 1;
    return 0;
}

static int allowed(u32 nr, int careful)
{
    if (in(never, sizeof never / sizeof never[0], nr)) return 0;
    return !careful || !in(risky, sizeof risky / sizeof risky[0], nr);
}

#ifdef TRACE
static void trace_call(u32 seed, u32 nr, u32 a, u32 b, u32 c)
{
    char line[80];
    int n = 0;
    u32 vals[5] = { seed, nr, a, b, c };
    for (int k = 0; k < 5; k++) {
        char t[12];
        int i = 11;
        u32 v = vals[k];
        do t[--i] = "0123456789abcdef"[v % 16]; while (v /= 16);
        while (i < 11) line[n++] = t[i++];
        line[n++] = k == 4 ? '\n' : ' ';
    }
    sc(4, 2, (long)line, n, 0, 0, 0);
}
#endif

static void child(u32 seed, int careful)
{
    rng = seed * 2654435761u + 1;
    SC1(NR_close, 0);
    SC1(NR_close, 1);
#ifndef TRACE
    SC1(NR_close, 2);
#endif
    for (int i = 0; i < CALLS; i++) {
        u32 nr = rnd() % NR_MAX;
        if (!allowed(nr, careful)) continue;
        u32 a = arg(), b = arg(), c = arg(), d = arg(), e = arg(), f = arg();
#ifdef TRACE
        trace_call(seed, nr, a, b, c);
#endif
        sc(nr, a, b, c, d, e, f);
    }
    SC1(NR_exit, 0);
}

static u32 parse(const char *s, u32 dflt)
{
    if (!s || !*s) return dflt;
    u32 v = 0;
    for (; *s >= '0' && *s <= '9'; s++) v = v * 10 + (u32)(*s - '0');
    return v;
}

static void sleep_10ms(void)
{
    u32 ts[2] = { 0, 10000000 };
    SC2(NR_nanosleep, ts, 0);
}

/* After the fuzzing: a file written and read back, a fork and wait. Returns 0 or the step that
 * failed. The file name is made at run time: a literal in our image could be handed to the
 * kernel by a child (pointers into our own text), and a child may well have created, say, a
 * directory by that name. */
static int sanity(void)
{
    static const char text[] = "still here";
    char name[16] = { '/', 't', 'm', 'p', '/', 's', 'a', 'n', 'e', 0 };
    char back[16] = { 0 };
    SC1(NR_unlink, name);
    long fd = SC3(NR_open, name, 01101 /* O_WRONLY | O_CREAT | O_TRUNC */, 0644);
    if (fd < 0) return 1;
    if (SC3(NR_write, fd, text, 10) != 10 || SC1(NR_close, fd) != 0) return 2;
    fd = SC2(NR_open, name, 0);
    if (fd < 0 || SC3(NR_read, fd, back, 16) != 10 || SC1(NR_close, fd) != 0) return 3;
    for (int i = 0; i < 10; i++)
        if (back[i] != text[i]) return 4;
    if (SC1(NR_unlink, name) != 0) return 5;
    long pid = SC1(NR_fork, 0);
    if (pid == 0) SC1(NR_exit, 7);
    int status = 0;
    if (pid <= 0 || SC4(NR_wait4, pid, &status, 0, 0) != pid || status != 7 << 8) return 6;
    return 0;
}

void main_c(u32 *sp)
{
    u32 argc = sp[0];
    const char **argv = (const char **)(sp + 1);
    u32 children = parse(argc > 1 ? argv[1] : 0, 32);
    u32 first_seed = parse(argc > 2 ? argv[2] : 0, 1);
    u32 exited = 0, careful_done = 0, signalled = 0, timed_out = 0, by_signal[65] = { 0 };
    for (u32 c = 0; c < children; c++) {
        long pid = SC1(NR_fork, 0);
        if (pid == 0) child(first_seed + c, c % 2 == 0);
        if (pid < 0) {
            out("fuzz: fork failed\n");
            SC1(NR_exit, 1);
        }
        int status = 0, tries = 0;
        while (SC4(NR_wait4, pid, &status, WNOHANG, 0) != pid) {
            if (++tries == WAIT_TRIES) {
                SC2(NR_kill, pid, SIGKILL);
                SC4(NR_wait4, pid, &status, 0, 0);
                timed_out++;
                break;
            }
            sleep_10ms();
        }
        if (tries == WAIT_TRIES) continue;
        if ((status & 0x7f) == 0) {
            exited++;
            careful_done += c % 2 == 0;
        }
        else {
            signalled++;
            by_signal[status & 0x7f]++;
        }
    }
    out("fuzz: ");
    out_num(children);
    out(" children x ");
    out_num(CALLS);
    out(" calls: exited ");
    out_num(exited);
    out(" (careful ");
    out_num(careful_done);
    out(")");
    out(", killed by a signal ");
    out_num(signalled);
    out(" (");
    for (int s = 1, first = 1; s <= 64; s++) {
        if (!by_signal[s]) continue;
        if (!first) out(" ");
        first = 0;
        out("sig");
        out_num(s);
        out("x");
        out_num(by_signal[s]);
    }
    out("), timed out ");
    out_num(timed_out);
    out("\n");
    int failed = sanity();
    if (failed) {
        out("FUZZ-FAIL the kernel misbehaves after the fuzzing, step ");
        out_num(failed);
        out("\n");
    } else {
        out("FUZZ-DONE kernel still works\n");
    }
    SC1(NR_exit, 0);
}

__asm__(".globl _start\n_start:\n\tmov %esp, %eax\n\tand $-16, %esp\n\tpush %eax\n\tpush %eax\n\tcall main_c\n\thlt\n");
