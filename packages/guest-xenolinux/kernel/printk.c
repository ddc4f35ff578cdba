/* printk.c: kernel messages to the console, Linux style: a "\001<level>" prefix, shown when
 * the level is below console_loglevel (`quiet` sets 4, `loglevel=N` sets N); '\n' goes out as
 * "\r\n" as hvc's console writer does. */
#include "kernel.h"
#include "arch.h"

int console_loglevel = 7;

static void console_emit(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            if (i > start) arch_console_write(s + start, i - start);
            arch_console_write("\r\n", 2);
            start = i + 1;
        }
    }
    if (n > start) arch_console_write(s + start, n - start);
}

static int vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int level = 4; /* default message level (Linux: MESSAGE_LOGLEVEL_DEFAULT) */
    if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
        level = fmt[1] - '0';
        fmt += 2;
    }
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n > (int)sizeof(buf) - 1) n = sizeof(buf) - 1;
    if (level < console_loglevel) console_emit(buf, n);
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}

noreturn void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk(KERN_EMERG "Kernel panic - not syncing: %s\n", buf);
    printk(KERN_EMERG "---[ end Kernel panic - not syncing: %s ]---\n", buf);
    /* On Xen a panic crashes the domain (Linux: xen_panic_event -> SHUTDOWN_crash). */
    arch_crash();
}
