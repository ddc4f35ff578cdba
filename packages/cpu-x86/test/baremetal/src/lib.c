/* Output to the log port and a small printf (%s %c %d %u %x with 0-padded widths). */
#include <stdarg.h>
#include "defs.h"

void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

void kputc(char c) { outb(LOG_PORT, (uint8_t)c); }

void kputs(const char *s)
{
    while (*s) kputc(*s++);
}

static void put_unsigned(uint32_t v, unsigned base, int width, char pad)
{
    char buf[12];
    int n = 0;
    do {
        unsigned d = v % base;
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    while (n < width--) kputc(pad);
    while (n > 0) kputc(buf[--n]);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            kputc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        switch (*fmt) {
        case 's': kputs(va_arg(ap, const char *)); break;
        case 'c': kputc((char)va_arg(ap, int)); break;
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0) {
                kputc('-');
                v = -v;
            }
            put_unsigned((uint32_t)v, 10, width, pad);
            break;
        }
        case 'u': put_unsigned(va_arg(ap, uint32_t), 10, width, pad); break;
        case 'x': put_unsigned(va_arg(ap, uint32_t), 16, width, pad); break;
        case '%': kputc('%'); break;
        default: kputc('?'); break;
        }
    }
    va_end(ap);
}

void *memset(void *d, int c, uint32_t n)
{
    uint8_t *p = d;
    while (n--) *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, uint32_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--) *p++ = *q++;
    return d;
}

int memcmp(const void *a, const void *b, uint32_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q) return *p - *q;
    return 0;
}

uint32_t kstrlen(const char *s)
{
    uint32_t n = 0;
    while (s[n]) n++;
    return n;
}
