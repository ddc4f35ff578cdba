/* pipe.c: pipes. One page of ring buffer; reads block while it is empty and writers remain
 * (then 0: end of file); writes block while it is full, and with no reader left fail with
 * -EPIPE and SIGPIPE. Writes of at most PIPE_BUF bytes are atomic. Each end is a file on its
 * own S_IFIFO inode, so the open count of the other end's inode says whether it still exists
 * (file_put keeps it); since closing has no hook, sleepers also look again on every tick, and
 * pipes whose two ends are both closed are freed when the next pipe is made. poll/select
 * readiness: the files' poll operation (poll.c). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

#define PIPE_SIZE PAGE_SIZE
#define PIPE_BUF PAGE_SIZE   /* POSIX atomicity limit (Linux: 4096) */

struct pipe {
    uint8_t *buf;
    uint32_t head, len;       /* data: [head, head + len) modulo PIPE_SIZE */
    struct inode *rd, *wr;    /* the two ends */
    struct pipe *next;        /* all pipes, for collecting closed ones */
};
static struct pipe *all_pipes;

static struct pipe *pipe_of(struct file *f) { return (struct pipe *)(uintptr_t)f->inode->data; }

static ssize_t pipe_read(struct file *f, char *ubuf, size_t n)
{
    struct pipe *p = pipe_of(f);
    if (!n) return 0;
    for (;;) {
        if (p->len) {
            size_t k = MIN(n, p->len);
            size_t first = MIN(k, PIPE_SIZE - p->head);
            if (copy_to_user(ubuf, p->buf + p->head, first) ||
                (k > first && copy_to_user(ubuf + first, p->buf, k - first)))
                return -EFAULT;
            p->head = (p->head + k) % PIPE_SIZE;
            p->len -= k;
            wake_up(p);
            return (ssize_t)k;
        }
        if (!p->wr->opens) return 0;
        if (f->flags & O_NONBLOCK) return -EAGAIN;
        if (signal_pending()) return -ERESTARTSYS;
        sleep_on_tick(p);
    }
}

static ssize_t pipe_write(struct file *f, const char *ubuf, size_t n)
{
    struct pipe *p = pipe_of(f);
    size_t done = 0;
    while (done < n) {
        if (!p->rd->opens) {
            send_signal(current, SIGPIPE);
            return done ? (ssize_t)done : -EPIPE;
        }
        size_t space = PIPE_SIZE - p->len;
        /* A write of at most PIPE_BUF goes in one piece. */
        bool fits = n - done <= PIPE_BUF && n <= PIPE_BUF ? space >= n - done : space > 0;
        if (!fits) {
            if (f->flags & O_NONBLOCK) return done ? (ssize_t)done : -EAGAIN;
            if (signal_pending()) return done ? (ssize_t)done : -ERESTARTSYS;
            sleep_on_tick(p);
            continue;
        }
        size_t k = MIN(n - done, space);
        uint32_t tail = (p->head + p->len) % PIPE_SIZE;
        size_t first = MIN(k, PIPE_SIZE - tail);
        if (copy_from_user(p->buf + tail, ubuf + done, first) ||
            (k > first && copy_from_user(p->buf, ubuf + done + first, k - first)))
            return done ? (ssize_t)done : -EFAULT;
        p->len += k;
        done += k;
        wake_up(p);
    }
    return (ssize_t)done;
}

static ssize_t pipe_bad_read(struct file *f, char *ubuf, size_t n) { return -EBADF; }
static ssize_t pipe_bad_write(struct file *f, const char *ubuf, size_t n) { return -EBADF; }
static int pipe_ioctl(struct file *f, uint32_t cmd, uint32_t arg)
{
    if (cmd == 0x541B) {   /* FIONREAD */
        int32_t n = (int32_t)pipe_of(f)->len;
        return copy_to_user((void *)arg, &n, 4);
    }
    return -ENOTTY;
}
/* Readiness as Linux's pipe_poll: data or no writer left (POLLHUP) for the read end; space
 * for the write end, POLLERR once the reader is gone. */
static uint32_t pipe_poll_read(struct file *f)
{
    struct pipe *p = pipe_of(f);
    return (p->len ? POLLIN : 0) | (p->wr->opens ? 0 : POLLHUP);
}
static uint32_t pipe_poll_write(struct file *f)
{
    struct pipe *p = pipe_of(f);
    return (p->len < PIPE_SIZE ? POLLOUT : 0) | (p->rd->opens ? 0 : POLLERR);
}
static const struct file_ops pipe_read_ops = {
    .read = pipe_read, .write = pipe_bad_write, .ioctl = pipe_ioctl, .poll = pipe_poll_read,
};
static const struct file_ops pipe_write_ops = {
    .read = pipe_bad_read, .write = pipe_write, .ioctl = pipe_ioctl, .poll = pipe_poll_write,
};

static void pipe_free(struct pipe *p)
{
    page_free_pfn(virt_to_pfn(p->buf));
    kfree(p->rd);
    kfree(p->wr);
    kfree(p);
}

static void collect_closed_pipes(void)
{
    for (struct pipe **pp = &all_pipes; *pp;) {
        struct pipe *p = *pp;
        if (!p->rd->opens && !p->wr->opens) {
            *pp = p->next;
            pipe_free(p);
        } else {
            pp = &p->next;
        }
    }
}

#define PIPE2_FLAGS (O_CLOEXEC | O_NONBLOCK)

static long do_pipe(uint32_t ufds, uint32_t flags)
{
    if (flags & ~PIPE2_FLAGS) return -EINVAL;
    collect_closed_pipes();
    struct pipe *p = kzalloc(sizeof(*p));
    uint32_t pfn = page_alloc_pfn();
    if (!p || !pfn) {
        kfree(p);
        if (pfn) page_free_pfn(pfn);
        return -ENOMEM;
    }
    p->buf = pfn_to_virt(pfn);
    p->rd = inode_new(S_IFIFO | 0600);
    p->wr = inode_new(S_IFIFO | 0600);
    struct file *r = 0, *w = 0;
    if (p->rd && p->wr) {
        p->rd->data = p->wr->data = (const uint8_t *)p;
        r = file_open_inode(p->rd, O_RDONLY | (flags & O_NONBLOCK));
        w = file_open_inode(p->wr, O_WRONLY | (flags & O_NONBLOCK));
    }
    if (!r || !w) {
        kfree(r);
        kfree(w);
        if (!p->rd) p->rd = inode_new(S_IFIFO);   /* pipe_free frees both */
        if (!p->wr) p->wr = inode_new(S_IFIFO);
        pipe_free(p);
        return -ENOMEM;
    }
    r->ops = &pipe_read_ops;
    w->ops = &pipe_write_ops;
    p->next = all_pipes;
    all_pipes = p;
    int fds[2];
    fds[0] = install_fd(r, 0);
    fds[1] = fds[0] < 0 ? -EMFILE : install_fd(w, 0);
    if (fds[0] < 0 || fds[1] < 0) {
        if (fds[0] >= 0) current->files[fds[0]] = 0;
        file_put(r);
        file_put(w);
        return -EMFILE;
    }
    if (flags & O_CLOEXEC) current->cloexec |= (1ull << fds[0]) | (1ull << fds[1]);
    if (copy_to_user((void *)ufds, fds, sizeof(fds))) {
        current->files[fds[0]] = current->files[fds[1]] = 0;
        file_put(r);
        file_put(w);
        return -EFAULT;
    }
    return 0;
}

SYSCALL(pipe) { return do_pipe(a1, 0); }
SYSCALL(pipe2) { return do_pipe(a1, a2); }
