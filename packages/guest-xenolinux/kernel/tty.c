/* tty.c: the console as a terminal (Linux's n_tty line discipline, reduced): termios state with
 * a console's defaults (ICRNL, OPOST|ONLCR, ICANON|ECHO|ISIG...), output processing (ONLCR turns
 * '\n' into "\r\n" - what a Linux console shows), canonical input (erase, kill, word erase, EOF)
 * with echo (ECHOCTL shows controls as ^X), raw input with VMIN/VTIME, ISIG characters that
 * signal the foreground process group, and the tty ioctls (termios, window size, process group). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "tty.h"

/* The process code's services when it is linked in (weak: this file also builds without). */
#ifndef SIGTSTP
#define SIGTSTP 20
#endif
#ifndef SIGWINCH
#define SIGWINCH 28
#endif
extern int kill_pgrp(int pgrp, int sig) __attribute__((weak));
extern void sched_idle_wait(void) __attribute__((weak));
extern bool signal_pending(void) __attribute__((weak));

struct termios console_termios = {
    .c_iflag = ICRNL | IXON,
    .c_oflag = OPOST | ONLCR,
    .c_cflag = B38400 | CS8 | CREAD | HUPCL,
    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    .c_line = 0,
    /* INTR QUIT ERASE KILL EOF TIME MIN SWTC START STOP SUSP EOL REPRINT DISCARD WERASE LNEXT */
    .c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0 },
};
static struct winsize console_winsize = { 24, 80, 0, 0 };
static int foreground_pgrp; /* 0: none set yet (the caller's own group is reported) */

int tty_foreground_pgrp(void) { return foreground_pgrp ? foreground_pgrp : 1; }

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

#define CC(i) ((char)console_termios.c_cc[i])
#define LFLAG(f) ((console_termios.c_lflag & (f)) != 0)

/* Echo of one input character: controls as "^X" under ECHOCTL (n_tty's echo_char). */
static void echo_char(char c)
{
    if (!LFLAG(ECHO)) return;
    if (LFLAG(ECHOCTL) && ((unsigned char)c < 32 || c == 127) && c != '\n' && c != '\t') {
        char s[2] = { '^', (char)(c == 127 ? '?' : c + '@') };
        tty_output(s, 2);
    } else {
        tty_output(&c, 1);
    }
}

/* Removes the last character of the line being edited (not past a completed line). */
static bool erase_one(void)
{
    if (!line_len || line[line_len - 1] == '\n' || line[line_len - 1] == CC(VEOF)) return false;
    line_len--;
    if (LFLAG(ECHO) && LFLAG(ECHOE)) tty_output("\b \b", 3);
    return true;
}

static void signal_foreground(int sig)
{
    if (kill_pgrp) kill_pgrp(tty_foreground_pgrp(), sig);
}

static void tty_input_char(char c)
{
    uint32_t iflag = console_termios.c_iflag;
    if (c == '\r') {
        if (iflag & IGNCR) return;
        if (iflag & ICRNL) c = '\n';
    } else if (c == '\n' && (iflag & INLCR)) {
        c = '\r';
    }
    if (LFLAG(ISIG) && c && (c == CC(VINTR) || c == CC(VQUIT) || c == CC(VSUSP))) {
        int sig = c == CC(VINTR) ? SIGINT : c == CC(VQUIT) ? SIGQUIT : SIGTSTP;
        line_len = 0; /* n_tty flushes the input on a signal character */
        echo_char(c);
        signal_foreground(sig);
        return;
    }
    if (LFLAG(ICANON)) {
        if (c == CC(VERASE) || c == 8) {
            erase_one();
            return;
        }
        if (c == CC(VKILL)) {
            while (erase_one()) {}
            return;
        }
        if (c == CC(VWERASE) && LFLAG(IEXTEN)) {
            while (line_len && line[line_len - 1] == ' ' && erase_one()) {}
            while (line_len && line[line_len - 1] != ' ' && erase_one()) {}
            return;
        }
    }
    if (line_len == sizeof(line)) return; /* full: dropped, as n_tty drops past its buffer */
    line[line_len++] = c;
    /* The EOF character is not echoed in canonical mode (n_tty). */
    if (!(LFLAG(ICANON) && c == CC(VEOF))) echo_char(c);
}

/* Length of the first complete line including its terminator, or 0. */
static size_t first_line(void)
{
    for (size_t i = 0; i < line_len; i++)
        if (line[i] == '\n' || line[i] == CC(VEOF)) return i + 1;
    return line_len == sizeof(line) ? line_len : 0;
}

static void pull_input(void)
{
    char in[64];
    size_t got;
    while ((got = arch_console_read(in, sizeof(in))))
        for (size_t i = 0; i < got; i++) tty_input_char(in[i]);
}

static void wait_for_input(void)
{
    if (sched_idle_wait) sched_idle_wait();
    else cpu_idle();
}

/* Raw mode (termios(3)): VMIN bytes wanted, VTIME tenths of a second of timeout; MIN 0 TIME 0
 * polls; MIN 0 TIME t waits up to t for a byte; MIN m TIME 0 blocks for m; MIN m TIME t times
 * out t after the first byte. */
static ssize_t raw_read(struct file *f, char *ubuf, size_t n)
{
    size_t vmin = console_termios.c_cc[VMIN], vtime = console_termios.c_cc[VTIME];
    size_t want = MIN(n, vmin ? vmin : 1);
    uint64_t deadline = vtime ? arch_monotonic_ns() + (uint64_t)vtime * 100000000ull : 0;
    for (;;) {
        pull_input();
        if (line_len >= want) break;
        if (!vmin && !vtime) break;
        if (vtime && (vmin == 0 || line_len) && arch_monotonic_ns() >= deadline) break;
        if (f->flags & O_NONBLOCK) {
            if (line_len) break;
            return -EAGAIN;
        }
        if (signal_pending && signal_pending()) return line_len ? 0 : -EINTR;
        wait_for_input();
    }
    size_t k = MIN(line_len, n);
    if (copy_to_user(ubuf, line, k)) return -EFAULT;
    memmove(line, line + k, line_len - k);
    line_len -= k;
    return (ssize_t)k;
}

static ssize_t tty_read(struct file *f, char *ubuf, size_t n)
{
    if (!LFLAG(ICANON)) return raw_read(f, ubuf, n);
    size_t avail;
    for (;;) {
        pull_input();
        if (!LFLAG(ICANON)) return raw_read(f, ubuf, n);
        if ((avail = first_line())) break;
        if (f->flags & O_NONBLOCK) return -EAGAIN;
        if (signal_pending && signal_pending()) return -EINTR;
        wait_for_input();
    }
    bool eof = line[avail - 1] == CC(VEOF);
    size_t data = eof ? avail - 1 : avail;
    size_t k = MIN(data, n);
    if (copy_to_user(ubuf, line, k)) return -EFAULT;
    size_t consumed = (eof && k == data) ? avail : k;  /* the EOF character goes with its data */
    memmove(line, line + consumed, line_len - consumed);
    line_len -= consumed;
    return (ssize_t)k;
}

static int current_pgrp(void)
{
#ifdef TASK_ZOMBIE
    return current->pgid;
#else
    return current->pid;
#endif
}

static int tty_ioctl(struct file *f, uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case TCGETS:
        return copy_to_user((void *)arg, &console_termios, sizeof(console_termios));
    case TCSETSF:
        line_len = 0; /* flush pending input, then set */
        /* fall through */
    case TCSETS: case TCSETSW: {
        struct termios t;
        if (copy_from_user(&t, (void *)arg, sizeof(t))) return -EFAULT;
        console_termios = t;
        return 0;
    }
    case TIOCGWINSZ:
        return copy_to_user((void *)arg, &console_winsize, sizeof(console_winsize));
    case TIOCSWINSZ: {
        struct winsize w;
        if (copy_from_user(&w, (void *)arg, sizeof(w))) return -EFAULT;
        bool changed = memcmp(&w, &console_winsize, sizeof(w)) != 0;
        console_winsize = w;
        if (changed) signal_foreground(SIGWINCH);
        return 0;
    }
    case TIOCGPGRP: {
        int32_t pgrp = foreground_pgrp ? foreground_pgrp : current_pgrp();
        return copy_to_user((void *)arg, &pgrp, 4);
    }
    case TIOCSPGRP: {
        int32_t pgrp;
        if (copy_from_user(&pgrp, (void *)arg, 4)) return -EFAULT;
        if (pgrp <= 0) return -EINVAL;
        foreground_pgrp = pgrp;
        return 0;
    }
    case TIOCGSID: {
        int32_t sid = 1;
#ifdef TASK_ZOMBIE
        sid = current->sid;
#endif
        return copy_to_user((void *)arg, &sid, 4);
    }
    case FIONREAD: {
        pull_input();
        int32_t n = (int32_t)(LFLAG(ICANON) ? first_line() : line_len);
        return copy_to_user((void *)arg, &n, 4);
    }
    case TIOCOUTQ: {
        int32_t n = 0; /* output goes straight to the console ring */
        return copy_to_user((void *)arg, &n, 4);
    }
    case TCFLSH:
        if (arg > 2) return -EINVAL;
        if (arg != 1) line_len = 0; /* TCIFLUSH or TCIOFLUSH */
        return 0;
    case TCSBRK: case TCXONC: case TIOCSCTTY: case TIOCNOTTY:
        return 0;
    default:
        return -ENOTTY;
    }
}

static uint32_t tty_poll(struct file *f)
{
    pull_input();
    size_t avail = LFLAG(ICANON) ? first_line() : line_len;
    return POLLOUT | (avail ? POLLIN : 0);
}

const struct file_ops tty_ops = { .read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll };
