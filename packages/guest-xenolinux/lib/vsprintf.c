/* vsprintf.c: printf formatting: %d %i %u %x %X %o %s %c %p %%, flags '-' '0' '#', width,
 * precision (strings), length l/ll/z. */
#include "kernel.h"

struct out { char *buf; size_t size, len; };
static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size) o->buf[o->len] = c;
    o->len++;
}

static void number(struct out *o, unsigned long long v, unsigned base, bool neg, bool upper, int width,
                   bool left, bool zero, const char *prefix)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int plen = (neg ? 1 : 0) + (int)strlen(prefix);
    int pad = width - n - plen;
    if (!left && !zero) while (pad-- > 0) put(o, ' ');
    if (neg) put(o, '-');
    for (const char *p = prefix; *p; p++) put(o, *p);
    if (!left && zero) while (pad-- > 0) put(o, '0');
    while (n) put(o, tmp[--n]);
    if (left) while (pad-- > 0) put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') { put(&o, *fmt); continue; }
        fmt++;
        bool left = false, zero = false, alt = false;
        for (;; fmt++) {
            if (*fmt == '-') left = true;
            else if (*fmt == '0') zero = true;
            else if (*fmt == '#') alt = true;
            else break;
        }
        int width = 0, prec = -1;
        if (*fmt == '*') { width = va_arg(ap, int); fmt++; }
        else while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') { prec = va_arg(ap, int); fmt++; }
            else while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0');
        }
        int lng = 0;
        while (*fmt == 'l') lng++, fmt++;
        if (*fmt == 'z') fmt++;
        switch (*fmt) {
        case 'd': case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : va_arg(ap, long);
            number(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, v < 0, false, width, left, zero, "");
            break;
        }
        case 'u': case 'x': case 'X': case 'o': {
            unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned long);
            unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
            number(&o, v, base, false, *fmt == 'X', width, left, zero, alt && base == 16 ? "0x" : "");
            break;
        }
        case 'p':
            number(&o, (uint32_t)va_arg(ap, void *), 16, false, false, width ? width : 8, left, true, "");
            break;
        case 'c': put(&o, (char)va_arg(ap, int)); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int n = (int)(prec >= 0 ? strnlen(s, prec) : strlen(s));
            if (!left) for (int i = n; i < width; i++) put(&o, ' ');
            for (int i = 0; i < n; i++) put(&o, s[i]);
            if (left) for (int i = n; i < width; i++) put(&o, ' ');
            break;
        }
        case '%': put(&o, '%'); break;
        default: put(&o, '%'); if (*fmt) put(&o, *fmt); else fmt--; break;
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
