/* tty.c: the console as a terminal: termios state (Linux's defaults for a console: ICRNL,
 * OPOST|ONLCR, ICANON|ECHO|ISIG...), output processing (ONLCR turns '\n' into "\r\n" - what a
 * Linux console shows), canonical input with echo, and the TCGETS/TCSETS/TIOCGWINSZ ioctls. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "tty.h"

struct termios console_termios = {
    .c_iflag = ICRNL | IXON,
    .c_oflag = OPOST | ONLCR,
    .c_cflag = B38400 | CS8 | CREAD | HUPCL,
    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    .c_line = 0,
    .c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0 },
};
static struct winsize console_winsize = { 24, 80, 0, 0 };

static void tty_output(const char *s, size_t n)
{
    if (!(console_termios.c_oflag & OPOST) || !(console_termios.c_oflag & ONLCR)) {
        arch_console_write(s, n);
        return;
    }
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

static ssize_t tty_write(struct file *f, const char *ubuf, size_t n)
{
    char buf[256];
    size_t done = 0;
    while (done < n) {
        size_t k = MIN(n - done, sizeof(buf));
        if (copy_from_user(buf, ubuf + done, k)) return done ? (ssize_t)done : -EFAULT;
        tty_output(buf, k);
        done += k;
    }
    return (ssize_t)n;
}

/* Input waiting for a reader. Canonical mode hands out one line (or what precedes an EOF
 * character) per read; raw mode whatever is there. */
static char line[256];
static size_t line_len;

static void tty_input_char(char c)
{
    if (c == '\r' && (console_termios.c_iflag & ICRNL)) c = '\n';
    bool canon = (console_termios.c_lflag & ICANON) != 0;
    if (canon && (c == 127 || c == 8)) {
        if (line_len && line[line_len - 1] != '\n') {
            line_len--;
            if (console_termios.c_lflag & ECHO) tty_output("\b \b", 3);
        }
        return;
    }
    if (line_len == sizeof(line)) return; /* full: dropped, as n_tty drops past its buffer */
    line[line_len++] = c;
    /* The EOF character is not echoed in canonical mode (n_tty). */
    if ((console_termios.c_lflag & ECHO) && !(canon && c == (char)console_termios.c_cc[VEOF])) tty_output(&c, 1);
}

/* Length of the first complete line including its terminator, or 0. */
static size_t first_line(void)
{
    for (size_t i = 0; i < line_len; i++)
        if (line[i] == '\n' || line[i] == (char)console_termios.c_cc[VEOF]) return i + 1;
    return line_len == sizeof(line) ? line_len : 0;
}

static ssize_t tty_read(struct file *f, char *ubuf, size_t n)
{
    bool canon;
    size_t avail;
    for (;;) {
        char in[64];
        size_t got = arch_console_read(in, sizeof(in));
        for (size_t i = 0; i < got; i++) tty_input_char(in[i]);
        canon = (console_termios.c_lflag & ICANON) != 0;
        avail = canon ? first_line() : line_len;
        if (avail) break;
        if (f->flags & O_NONBLOCK) return -EAGAIN;
        if (!got) arch_idle();
    }
    bool eof = canon && line[avail - 1] == (char)console_termios.c_cc[VEOF];
    size_t data = eof ? avail - 1 : avail;
    size_t k = MIN(data, n);
    if (copy_to_user(ubuf, line, k)) return -EFAULT;
    size_t consumed = (eof && k == data) ? avail : k;  /* the EOF character goes with its data */
    memmove(line, line + consumed, line_len - consumed);
    line_len -= consumed;
    return (ssize_t)k;
}

static int tty_ioctl(struct file *f, uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case TCGETS:
        return copy_to_user((void *)arg, &console_termios, sizeof(console_termios));
    case TCSETS: case TCSETSW: case TCSETSF:
        return copy_from_user(&console_termios, (void *)arg, sizeof(console_termios));
    case TIOCGWINSZ:
        return copy_to_user((void *)arg, &console_winsize, sizeof(console_winsize));
    case TIOCSWINSZ:
        return copy_from_user(&console_winsize, (void *)arg, sizeof(console_winsize));
    case TIOCGPGRP: {
        int32_t pgrp = current->pid;
        return copy_to_user((void *)arg, &pgrp, 4);
    }
    case TIOCSPGRP:
        return 0;
    default:
        return -ENOTTY;
    }
}

const struct file_ops tty_ops = { .read = tty_read, .write = tty_write, .ioctl = tty_ioctl };
