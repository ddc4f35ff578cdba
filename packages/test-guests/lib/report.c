/* report.c: the console report protocol. One line per check:
 *   XTF-PASS <check>
 *   XTF-FAIL <check>: <detail>
 * and at the end `XTF-DONE <guest> <passes> <fails>`, then SCHEDOP_shutdown(poweroff). */
#include "xtf.h"

static unsigned int passes, fails;

void console_write(const char *s, size_t len)
{
    /* console_io writes at most what it is given; loop in case it returns a short count. */
    while (len) {
        long rc = HYPERVISOR_console_io(CONSOLEIO_write, len, s);
        if (rc < 0) return;
        if (rc == 0) rc = (long)len; /* Xen returns 0 for a complete write */
        s += rc;
        len -= (size_t)rc;
    }
}

unsigned int xtf_passes(void) { return passes; }
unsigned int xtf_fails(void) { return fails; }

void xtf_pass(const char *check)
{
    passes++;
    printk("XTF-PASS %s\n", check);
}

static void vfail(const char *check, const char *fmt, va_list ap)
{
    char detail[256];
    vsnprintf(detail, sizeof(detail), fmt, ap);
    fails++;
    printk("XTF-FAIL %s: %s\n", check, detail);
}

void xtf_fail(const char *check, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(check, fmt, ap);
    va_end(ap);
}

bool xtf_check(bool cond, const char *check, const char *fmt, ...)
{
    if (cond) { xtf_pass(check); return true; }
    va_list ap;
    va_start(ap, fmt);
    vfail(check, fmt, ap);
    va_end(ap);
    return false;
}

bool xtf_check_rc(const char *check, long rc, long expected)
{
    return xtf_check(rc == expected, check, "rc %ld, expected %ld", rc, expected);
}

void xtf_shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };
    for (;;) HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

void xtf_done(void)
{
    printk("XTF-DONE %s %u %u\n", xtf_guest_name, passes, fails);
    xtf_shutdown(SHUTDOWN_poweroff);
}

void xtf_crash(const char *why)
{
    fails++;
    printk("XTF-FAIL crash: %s\n", why);
    printk("XTF-DONE %s %u %u\n", xtf_guest_name, passes, fails);
    xtf_shutdown(SHUTDOWN_crash);
}
