/* Host check of lib/printf.c: the same formats through the guest's vsnprintf (renamed) and the
 * host C library's; prints one line per mismatch and exits non-zero if any. Built -m32 so that
 * long is 32 bits as in the guest. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int xtf_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int xtf_snprintf(char *buf, size_t size, const char *fmt, ...);
void console_write(const char *s, size_t len) { fwrite(s, 1, len, stdout); }

static int bad;

static void check(const char *fmt, ...)
{
    char a[256], b[256];
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int na = xtf_vsnprintf(a, sizeof(a), fmt, ap);
    int nb = vsnprintf(b, sizeof(b), fmt, aq);
    va_end(ap);
    va_end(aq);
    if (na != nb || strcmp(a, b)) {
        printf("MISMATCH fmt '%s': guest '%s' (%d) host '%s' (%d)\n", fmt, a, na, b, nb);
        bad = 1;
    }
}

int main(void)
{
    check("plain");
    check("%d %d %d", 0, -1, 2147483647);
    check("%d", (int)0x80000000);
    check("%i|%5d|%-5d|%05d|%-05d", 42, 42, 42, -42, 7);
    check("%u %u", 0u, 4294967295u);
    check("%x %X %08x %8x %-8x|", 0xdeadbeefu, 0xabcu, 0x1fu, 0x1fu, 0x1fu);
    check("%lx %lu %ld", 0xfffffffful, 123456789ul, -5l);
    check("%llx %llu %lld", 0x1122334455667788ull, 18446744073709551615ull, -9223372036854775807ll);
    check("%s|%10s|%-10s|", "abc", "abc", "abc");
    check("%c%c%%", 'x', 'y');
    check("%3u/%-3u/", 5u, 5u);
    /* Truncation: the count is the full length, the buffer is NUL-terminated. */
    {
        char t[8], small[8];
        int na = snprintf(t, sizeof(t), "%s", "0123456789");
        int nb = xtf_snprintf(small, sizeof(small), "%s", "0123456789");
        if (na != nb || strcmp(t, small)) { printf("MISMATCH truncation '%s' %d vs '%s' %d\n", small, nb, t, na); bad = 1; }
    }
    /* %p: the guest prints 0x and 8 hex digits. */
    {
        char p[32];
        xtf_snprintf(p, sizeof(p), "%p", (void *)0xc0001000);
        if (strcmp(p, "0xc0001000")) { printf("MISMATCH %%p '%s'\n", p); bad = 1; }
    }
    puts(bad ? "printf-check: FAILED" : "printf-check: ok");
    return bad;
}
