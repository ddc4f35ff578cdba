/* poll.c: poll, ppoll, select and pselect6 over the files' poll operation (fs.h). Waiting polls
 * again after each event or timer tick (the console has no wake-up of its own), until something
 * is ready, the timeout passes, or a signal arrives (-EINTR). Linux: fs/select.c. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

extern void sched_idle_wait(void) __attribute__((weak));
extern bool signal_pending(void) __attribute__((weak));

#define MAX_POLLFDS NR_OPEN * 4
#define NO_TIMEOUT UINT64_MAX

struct pollfd { int32_t fd; int16_t events, revents; };

static uint32_t file_ready(struct file *f)
{
    return f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
}

static void wait_a_while(void)
{
    if (sched_idle_wait) sched_idle_wait();
    else cpu_idle();
}

/* Deadline in monotonic ns from a relative timeout; NO_TIMEOUT for none. */
static uint64_t deadline_after(int64_t sec, int64_t nsec)
{
    return arch_monotonic_ns() + (uint64_t)sec * 1000000000ull + (uint64_t)nsec;
}

static long do_poll(uint32_t ufds, uint32_t nfds, uint64_t deadline)
{
    if (nfds > MAX_POLLFDS) return -EINVAL;
    static struct pollfd fds[MAX_POLLFDS]; /* the kernel is not preemptible: one poll at a time */
    if (nfds && copy_from_user(fds, (const void *)ufds, nfds * sizeof(struct pollfd))) return -EFAULT;
    for (;;) {
        int ready = 0;
        for (uint32_t k = 0; k < nfds; k++) {
            fds[k].revents = 0;
            if (fds[k].fd < 0) continue;
            struct file *f = fget(fds[k].fd);
            uint32_t r = f ? file_ready(f) & ((uint16_t)fds[k].events | POLLERR | POLLHUP) : POLLNVAL;
            fds[k].revents = (int16_t)r;
            if (r) ready++;
        }
        if (ready || deadline == 0 || (deadline != NO_TIMEOUT && arch_monotonic_ns() >= deadline)) {
            if (nfds && copy_to_user((void *)ufds, fds, nfds * sizeof(struct pollfd))) return -EFAULT;
            return ready;
        }
        if (signal_pending && signal_pending()) return -EINTR;
        wait_a_while();
    }
}

SYSCALL(poll)
{
    int32_t ms = (int32_t)a3;
    uint64_t deadline = ms < 0 ? NO_TIMEOUT : ms == 0 ? 0 : deadline_after(ms / 1000, (int64_t)(ms % 1000) * 1000000);
    return do_poll(a1, a2, deadline);
}

/* A user timespec (32- or 64-bit time) as a deadline; NULL: none. */
static int timespec_deadline(uint32_t uts, bool time64, uint64_t *deadline)
{
    if (!uts) {
        *deadline = NO_TIMEOUT;
        return 0;
    }
    int64_t sec, nsec;
    if (time64) {
        int64_t ts[2];
        if (copy_from_user(ts, (const void *)uts, sizeof(ts))) return -EFAULT;
        sec = ts[0], nsec = (int32_t)ts[1];
    } else {
        int32_t ts[2];
        if (copy_from_user(ts, (const void *)uts, sizeof(ts))) return -EFAULT;
        sec = ts[0], nsec = ts[1];
    }
    if (sec < 0 || nsec < 0 || nsec > 999999999) return -EINVAL;
    *deadline = sec == 0 && nsec == 0 ? 0 : deadline_after(sec, nsec);
    return 0;
}

/* ppoll(fds, nfds, timeout, sigmask, sigsetsize): the signal mask during the wait is not
 * applied (signal delivery is the process code's); the rest is poll. */
static long do_ppoll(uint32_t ufds, uint32_t nfds, uint32_t uts, bool time64)
{
    uint64_t deadline;
    int rc = timespec_deadline(uts, time64, &deadline);
    return rc ? rc : do_poll(ufds, nfds, deadline);
}
SYSCALL(ppoll) { return do_ppoll(a1, a2, a3, false); }
SYSCALL(ppoll_time64) { return do_ppoll(a1, a2, a3, true); }

/* select: three bitmaps of nfds bits (32-bit words on i386). */
static long do_select(int32_t nfds, uint32_t urd, uint32_t uwr, uint32_t uex, uint64_t deadline)
{
    if (nfds < 0) return -EINVAL;
    if (nfds > NR_OPEN) nfds = NR_OPEN; /* no descriptor above NR_OPEN can be open */
    uint32_t words = ((uint32_t)nfds + 31) / 32;
    uint32_t in[3][2] = { { 0 } }, out[3][2];
    uint32_t uptr[3] = { urd, uwr, uex };
    for (int s = 0; s < 3; s++)
        if (uptr[s] && words && copy_from_user(in[s], (const void *)uptr[s], words * 4)) return -EFAULT;
    for (;;) {
        int ready = 0;
        memset(out, 0, sizeof(out));
        for (int fd = 0; fd < nfds; fd++) {
            uint32_t bit = 1u << (fd % 32), w = (uint32_t)fd / 32;
            if (!((in[0][w] | in[1][w] | in[2][w]) & bit)) continue;
            struct file *f = fget(fd);
            if (!f) return -EBADF;
            uint32_t r = file_ready(f);
            if ((in[0][w] & bit) && (r & (POLLIN | POLLHUP | POLLERR))) out[0][w] |= bit, ready++;
            if ((in[1][w] & bit) && (r & (POLLOUT | POLLERR))) out[1][w] |= bit, ready++;
            if ((in[2][w] & bit) && (r & POLLPRI)) out[2][w] |= bit, ready++;
        }
        if (ready || deadline == 0 || (deadline != NO_TIMEOUT && arch_monotonic_ns() >= deadline)) {
            for (int s = 0; s < 3; s++)
                if (uptr[s] && words && copy_to_user((void *)uptr[s], out[s], words * 4)) return -EFAULT;
            return ready;
        }
        if (signal_pending && signal_pending()) return -EINTR;
        wait_a_while();
    }
}

/* _newselect(nfds, readfds, writefds, exceptfds, struct timeval *). */
SYSCALL(newselect)
{
    uint64_t deadline = NO_TIMEOUT;
    if (a5) {
        int32_t tv[2];
        if (copy_from_user(tv, (const void *)a5, sizeof(tv))) return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0 || tv[1] > 999999) return -EINVAL;
        deadline = tv[0] == 0 && tv[1] == 0 ? 0 : deadline_after(tv[0], (int64_t)tv[1] * 1000);
    }
    return do_select((int32_t)a1, a2, a3, a4, deadline);
}

static long do_pselect(uint32_t nfds, uint32_t rd, uint32_t wr, uint32_t ex, uint32_t uts, bool time64)
{
    uint64_t deadline;
    int rc = timespec_deadline(uts, time64, &deadline);
    return rc ? rc : do_select((int32_t)nfds, rd, wr, ex, deadline);
}
SYSCALL(pselect6) { return do_pselect(a1, a2, a3, a4, a5, false); }
SYSCALL(pselect6_time64) { return do_pselect(a1, a2, a3, a4, a5, true); }
