/* probe.h: what the static test programs (no libc) share: the i386 system-call instruction and
 * printing numbers and lines to stdout. Included by the *-probe.c and syscall-fuzz.c programs. */
#ifndef PROBE_H
#define PROBE_H
typedef unsigned int u32;

/* int 0x80 with up to six arguments (EBX ECX EDX ESI EDI EBP). */
static inline long sc6(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    __asm__ volatile("push %%ebp; mov %7, %%ebp; int $0x80; pop %%ebp"
                     : "=a"(r)
                     : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "g"(f)
                     : "memory");
    return r;
}

static inline void out(const char *s)
{
    int n = 0;
    while (s[n]) n++;
    sc6(4 /* write */, 1, (long)s, n, 0, 0, 0);
}

static inline void out_num(long v)
{
    char b[16];
    int i = 15, neg = v < 0;
    u32 u = neg ? (u32)-v : (u32)v;
    b[i] = 0;
    do b[--i] = (char)('0' + u % 10); while (u /= 10);
    if (neg) b[--i] = '-';
    out(b + i);
}

/* "what: v\n" */
static inline void line(const char *what, long v)
{
    out(what);
    out(": ");
    out_num(v);
    out("\n");
}
#endif
