/* printf.c: vsnprintf with %d %i %u %x %X %s %c %p %%, flags '-' and '0', a width, and the 'l'
 * and 'll' length modifiers (64-bit values are divided with divl, no libgcc). */
#include "xtf.h"

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size) o->buf[o->len] = c;
    o->len++;
}

/* v /= base, returns the remainder; 64-bit by 32-bit in two divl steps. */
static uint32_t div64(uint64_t *v, uint32_t base)
{
    uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v, qhi = hi / base, rem = hi % base, qlo;
    __asm__("divl %4" : "=a"(qlo), "=d"(rem) : "0"(lo), "1"(rem), "rm"(base));
    *v = ((uint64_t)qhi << 32) | qlo;
    return rem;
}

static void put_num(struct out *o, uint64_t v, uint32_t base, bool neg, int width, bool zero, bool left, bool upper)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do { tmp[n++] = digits[div64(&v, base)]; } while (v);
    int len = n + (neg ? 1 : 0);
    if (!left && !zero) for (; width > len; width--) put(o, ' ');
    if (neg) put(o, '-');
    if (!left && zero) for (; width > len; width--) put(o, '0');
    while (n) put(o, tmp[--n]);
    if (left) for (; width > len; width--) put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') { put(&o, *fmt); continue; }
        fmt++;
        bool left = false, zero = false;
        for (;; fmt++) {
            if (*fmt == '-') left = true;
            else if (*fmt == '0') zero = true;
            else break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l') { longs++; fmt++; }
        switch (*fmt) {
        case 'd': case 'i': {
            int64_t v = longs >= 2 ? va_arg(ap, int64_t) : (int64_t)va_arg(ap, long);
            put_num(&o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, zero, left, false);
            break;
        }
        case 'u': case 'x': case 'X': {
            uint64_t v = longs >= 2 ? va_arg(ap, uint64_t) : (uint64_t)va_arg(ap, unsigned long);
            put_num(&o, v, *fmt == 'u' ? 10 : 16, false, width, zero, left, *fmt == 'X');
            break;
        }
        case 'p':
            put(&o, '0'); put(&o, 'x');
            put_num(&o, (uint32_t)va_arg(ap, void *), 16, false, 8, true, false, false);
            break;
        case 'c': put(&o, (char)va_arg(ap, int)); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int l = (int)strlen(s);
            if (!left) for (; width > l; width--) put(&o, ' ');
            while (*s) put(&o, *s++);
            if (left) for (; width > l; width--) put(&o, ' ');
            break;
        }
        case '%': put(&o, '%'); break;
        case 0: fmt--; break;
        default: put(&o, '%'); put(&o, *fmt); break;
        }
    }
    if (size) buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void printk(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
