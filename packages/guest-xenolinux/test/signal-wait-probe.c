/* signal-wait-probe.c: a static i386 program (no libc: int 0x80 system calls) that exercises the
 * alternate signal stack (sigaltstack, SA_ONSTACK, uc_stack, SS_AUTODISARM) and waitid (exited,
 * killed, stopped and continued children, WNOWAIT, WNOHANG, P_PGID), printing return values and
 * facts that do not depend on the machine. The test runs it natively and as init on XenoLinux and
 * compares the outputs.
 * Build: gcc -m32 -static -nostdlib -ffreestanding -fno-pic -no-pie -O1 signal-wait-probe.c */

enum {
    NR_exit = 1, NR_fork = 2, NR_write = 4, NR_getpid = 20, NR_kill = 37, NR_pause = 29, NR_sched_yield = 158,
    NR_rt_sigaction = 174, NR_sigaltstack = 186, NR_waitid = 284,
};
#define SIGKILL 9
#define SIGUSR1 10
#define SIGUSR2 12
#define SIGCONT 18
#define SIGSTOP 19
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM 0x80000000u
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define WNOHANG 1
#define WSTOPPED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000

#include "probe.h"

static long sc(long n, long a, long b, long c, long d, long e) { return sc6(n, a, b, c, d, e, 0); }

struct stack { u32 sp; int flags; u32 size; };

static char alt[16384] __attribute__((aligned(16)));
extern void restorer(void);
__asm__(".text\nrestorer:\n\tmov $173, %eax\n\tint $0x80\n");

static volatile long on_alt, query_flags, set_in_handler, uc_sp, uc_flags, uc_size;

static int in_alt(u32 p) { return p >= (u32)alt && p < (u32)alt + sizeof alt; }

static void handler(int sig, void *info, void *uc)
{
    volatile char here;
    (void)sig;
    (void)info;
    on_alt = in_alt((u32)&here);
    struct stack q;
    sc(NR_sigaltstack, 0, (long)&q, 0, 0, 0);
    query_flags = q.flags;
    struct stack s = { (u32)alt, 0, sizeof alt };
    set_in_handler = sc(NR_sigaltstack, (long)&s, 0, 0, 0, 0);
    const u32 *u = uc; /* uc_flags, uc_link, then stack_t uc_stack */
    uc_sp = u[2] == (u32)alt;
    uc_flags = (int)u[3];
    uc_size = u[4];
}

static void on_signal(int sig, u32 flags)
{
    u32 act[5] = { (u32)handler, SA_SIGINFO | SA_RESTORER | flags, (u32)restorer, 0, 0 };
    sc(NR_rt_sigaction, sig, (long)act, 0, 8, 0);
}

static void raise_and_report(const char *what, int sig)
{
    on_alt = -1;
    sc(NR_kill, sc(NR_getpid, 0, 0, 0, 0, 0), sig, 0, 0, 0);
    out(what);
    out(": on the alternate stack ");
    out_num(on_alt);
    out(", flags seen inside ");
    out_num(query_flags);
    out(", sigaltstack inside ");
    out_num(set_in_handler);
    out(", uc_stack sp is it ");
    out_num(uc_sp);
    out(" flags ");
    out_num(uc_flags);
    out(" size ");
    out_num(uc_size);
    out("\n");
}

static void altstack(void)
{
    struct stack old = { 1, 1, 1 }, s;
    line("sigaltstack query", sc(NR_sigaltstack, 0, (long)&old, 0, 0, 0));
    line("  flags (none yet)", old.flags);
    line("  size", old.size);
    s = (struct stack){ (u32)alt, 0, 1000 };
    line("sigaltstack too small", sc(NR_sigaltstack, (long)&s, 0, 0, 0, 0));
    s = (struct stack){ (u32)alt, 5, sizeof alt };
    line("sigaltstack bad flags", sc(NR_sigaltstack, (long)&s, 0, 0, 0, 0));
    line("sigaltstack bad pointer", sc(NR_sigaltstack, 0x10, 0, 0, 0, 0));
    s = (struct stack){ (u32)alt, 0, sizeof alt };
    line("sigaltstack set", sc(NR_sigaltstack, (long)&s, (long)&old, 0, 0, 0));
    line("  old flags", old.flags);
    sc(NR_sigaltstack, 0, (long)&old, 0, 0, 0);
    line("  now: flags", old.flags);
    line("  now: size", old.size);
    line("  now: sp is the buffer", old.sp == (u32)alt);

    on_signal(SIGUSR1, SA_ONSTACK);
    raise_and_report("SA_ONSTACK handler", SIGUSR1);
    on_signal(SIGUSR2, 0);
    raise_and_report("handler without SA_ONSTACK", SIGUSR2);

    long pid = sc(NR_fork, 0, 0, 0, 0, 0);
    if (pid == 0) {
        struct stack q;
        sc(NR_sigaltstack, 0, (long)&q, 0, 0, 0);
        sc(NR_exit, q.size == sizeof alt && q.sp == (u32)alt ? 0 : 1, 0, 0, 0, 0);
    }
    int info[32];
    sc(NR_waitid, P_PID, pid, (long)info, WEXITED, 0);
    line("fork inherits the alternate stack (child's exit status)", info[5]);

    s = (struct stack){ (u32)alt, (int)SS_AUTODISARM, sizeof alt };
    line("sigaltstack set with SS_AUTODISARM", sc(NR_sigaltstack, (long)&s, 0, 0, 0, 0));
    sc(NR_sigaltstack, 0, (long)&old, 0, 0, 0);
    line("  flags", (long)(u32)old.flags == (long)SS_AUTODISARM);
    raise_and_report("SS_AUTODISARM handler", SIGUSR1);
    sc(NR_sigaltstack, 0, (long)&old, 0, 0, 0);
    line("  after the handler: size back", old.size);
    line("  after the handler: autodisarm back", ((u32)old.flags & SS_AUTODISARM) != 0);
    s = (struct stack){ 0, SS_DISABLE, 0 };
    line("sigaltstack disable", sc(NR_sigaltstack, (long)&s, 0, 0, 0, 0));
    sc(NR_sigaltstack, 0, (long)&old, 0, 0, 0);
    line("  flags", old.flags);
}

static void report(const char *what, long rc, const int *info)
{
    out(what);
    out(": rc ");
    out_num(rc);
    out(", signo ");
    out_num(info[0]);
    out(", code ");
    out_num(info[2]);
    out(", status ");
    out_num(info[5]);
    out("\n");
}

static long child(int how)
{
    long pid = sc(NR_fork, 0, 0, 0, 0, 0);
    if (pid != 0) return pid;
    if (how >= 0) sc(NR_exit, how, 0, 0, 0, 0);
    for (;;) sc(NR_pause, 0, 0, 0, 0, 0);
}

static void waitid(void)
{
    int info[32];
    line("waitid without a state", sc(NR_waitid, P_ALL, 0, (long)info, 0, 0));
    line("waitid bad idtype", sc(NR_waitid, 9, 0, (long)info, WEXITED, 0));
    line("waitid P_PID 0", sc(NR_waitid, P_PID, 0, (long)info, WEXITED, 0));
    line("waitid with no children", sc(NR_waitid, P_ALL, 0, (long)info, WEXITED, 0));

    long pid = child(7);
    long rc = sc(NR_waitid, P_PID, pid, (long)info, WEXITED | WNOWAIT, 0);
    report("exit(7), WNOWAIT", rc, info);
    line("  si_pid is the child", info[3] == pid);
    rc = sc(NR_waitid, P_ALL, 0, (long)info, WEXITED, 0);
    report("exit(7), again", rc, info);
    line("then nothing left", sc(NR_waitid, P_ALL, 0, (long)info, WEXITED, 0));

    pid = child(-1);
    for (int i = 0; i < 8; i++) info[i] = 0x55;
    rc = sc(NR_waitid, P_PID, pid, (long)info, WEXITED | WNOHANG, 0);
    report("running child, WNOHANG", rc, info);
    line("  si_pid", info[3]);
    line("  past si_status untouched", info[6] == 0x55);
    sc(NR_kill, pid, SIGSTOP, 0, 0, 0);
    rc = sc(NR_waitid, P_PID, pid, (long)info, WSTOPPED, 0);
    report("SIGSTOP, WSTOPPED", rc, info);
    sc(NR_kill, pid, SIGCONT, 0, 0, 0);
    rc = sc(NR_waitid, P_PID, pid, (long)info, WCONTINUED, 0);
    report("SIGCONT, WCONTINUED", rc, info);
    sc(NR_kill, pid, SIGKILL, 0, 0, 0);
    rc = sc(NR_waitid, P_PID, pid, (long)info, WEXITED, 0);
    report("SIGKILL", rc, info);

    pid = child(3);
    rc = sc(NR_waitid, P_PGID, 0, (long)info, WEXITED, 0);
    report("P_PGID 0 (our group), exit(3)", rc, info);
    line("  si_pid is the child", info[3] == pid);
}

void main_c(void)
{
    altstack();
    waitid();
    sc(NR_exit, 0, 0, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n\tand $-16, %esp\n\tcall main_c\n\thlt\n");
