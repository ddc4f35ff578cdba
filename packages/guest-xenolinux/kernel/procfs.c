/* procfs.c: a minimal /proc (Linux's Documentation/filesystems/proc.rst, proc(5)); every file
 * is generated at open from kernel state: self, uptime, meminfo, loadavg, mounts, version,
 * filesystems, and per process <pid>/{stat,status,cmdline,comm}.
 * The process list: the task table of sched.c when it is linked in (weak references, so this
 * file also builds against a kernel that only has `current`). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "tty.h"

#ifdef MAX_TASKS
extern struct task *task_table[MAX_TASKS] __attribute__((weak));
#endif

static struct task *task_by_pid(int pid)
{
#ifdef MAX_TASKS
    if (task_table) {
        for (int k = 0; k < MAX_TASKS; k++)
            if (task_table[k] && task_table[k]->pid == pid) return task_table[k];
        return 0;
    }
#endif
    return current && current->pid == pid ? current : 0;
}

/* The smallest pid above `after`, or 0. */
static int task_next_pid(int after)
{
#ifdef MAX_TASKS
    if (task_table) {
        int best = 0;
        for (int k = 0; k < MAX_TASKS; k++) {
            struct task *t = task_table[k];
            if (t && t->pid > after && (!best || t->pid < best)) best = t->pid;
        }
        return best;
    }
#endif
    return current && current->pid > after ? current->pid : 0;
}

/* State letter, process group and session (fields the process code keeps once it has them). */
static char task_state(struct task *t)
{
#ifdef TASK_ZOMBIE
    switch (t->state) {
    case TASK_SLEEPING: return 'S';
    case TASK_STOPPED: return 'T';
    case TASK_ZOMBIE: return 'Z';
    default: return 'R';
    }
#else
    return 'R';
#endif
}
static int task_pgid(struct task *t)
{
#ifdef TASK_ZOMBIE
    return t->pgid;
#else
    return t->pid;
#endif
}
static int task_sid(struct task *t)
{
#ifdef TASK_ZOMBIE
    return t->sid;
#else
    return t->pid;
#endif
}
static const char *state_name(char c)
{
    return c == 'S' ? "S (sleeping)" : c == 'T' ? "T (stopped)" : c == 'Z' ? "Z (zombie)" : "R (running)";
}

static struct inode *proc_root;

static int fmt(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fmt(char *buf, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, cap, f, ap);
    va_end(ap);
    return n < (int)cap ? n : (int)cap - 1;
}

static int gen_self(struct inode *i, char *buf, size_t cap) { return fmt(buf, cap, "%d", current->pid); }

static int gen_uptime(struct inode *i, char *buf, size_t cap)
{
    uint64_t cs = arch_monotonic_ns() / 10000000ull; /* hundredths */
    return fmt(buf, cap, "%u.%02u 0.00\n", (unsigned)(cs / 100), (unsigned)(cs % 100));
}

static int gen_meminfo(struct inode *i, char *buf, size_t cap)
{
    unsigned total = arch_nr_pages() * (PAGE_SIZE / 1024), free = nr_free_pages() * (PAGE_SIZE / 1024);
    return fmt(buf, cap,
               "MemTotal:       %8u kB\nMemFree:        %8u kB\nMemAvailable:   %8u kB\n"
               "Buffers:        %8u kB\nCached:         %8u kB\nSwapCached:     %8u kB\n"
               "SwapTotal:      %8u kB\nSwapFree:       %8u kB\nShmem:          %8u kB\n",
               total, free, free, 0u, 0u, 0u, 0u, 0u, 0u);
}

static int nr_tasks(void)
{
    int n = 0;
    for (int pid = task_next_pid(0); pid; pid = task_next_pid(pid)) n++;
    return n;
}

static int gen_loadavg(struct inode *i, char *buf, size_t cap)
{
    int last = 0;
    for (int pid = task_next_pid(0); pid; pid = task_next_pid(pid)) last = pid;
    return fmt(buf, cap, "0.00 0.00 0.00 1/%d %d\n", nr_tasks(), last);
}

static int gen_mounts(struct inode *i, char *buf, size_t cap)
{
    return fmt(buf, cap, "none / ramfs rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\n");
}

static int gen_filesystems(struct inode *i, char *buf, size_t cap)
{
    return fmt(buf, cap, "nodev\trootfs\nnodev\tramfs\nnodev\tproc\n");
}

static int gen_version(struct inode *i, char *buf, size_t cap)
{
    return fmt(buf, cap, "Linux version 3.2.0-xenolinux (xen-ts) #1 xen-ts\n");
}

static void task_mem(struct task *t, uint32_t *vsize, uint32_t *rss)
{
    *vsize = *rss = 0;
    if (!t->mm) return;
    for (int k = 0; k < t->mm->nr_vmas; k++) {
        struct vma *v = &t->mm->vmas[k];
        *vsize += v->end - v->start;
        for (uint32_t va = v->start; va < v->end; va += PAGE_SIZE)
            if (arch_lookup_user_page(t->mm->arch, va, 0) >= 0) (*rss)++;
    }
}

/* proc(5) /proc/pid/stat: 52 fields; times in clock ticks (USER_HZ 100). */
static int gen_stat(struct inode *i, char *buf, size_t cap)
{
    struct task *t = task_by_pid(i->gen_pid);
    if (!t) return -ESRCH;
    uint32_t vsize, rss;
    task_mem(t, &vsize, &rss);
    return fmt(buf, cap,
               "%d (%s) %c %d %d %d 1281 %d 4194560 0 0 0 0 %u %u %u %u 20 0 1 0 0 %u %u 4294967295 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
               t->pid, t->comm, task_state(t), t->ppid, task_pgid(t), task_sid(t), tty_foreground_pgrp(), (unsigned)t->utime,
               (unsigned)t->stime, (unsigned)t->cutime, (unsigned)t->cstime, (unsigned)vsize, (unsigned)rss);
}

static int gen_status(struct inode *i, char *buf, size_t cap)
{
    struct task *t = task_by_pid(i->gen_pid);
    if (!t) return -ESRCH;
    uint32_t vsize, rss;
    task_mem(t, &vsize, &rss);
    return fmt(buf, cap,
               "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
               "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nVmSize:\t%8u kB\n"
               "VmRSS:\t%8u kB\nThreads:\t1\n",
               t->comm, (unsigned)t->umask, state_name(task_state(t)), t->pid, t->pid, t->ppid, NR_OPEN, (unsigned)(vsize / 1024),
               (unsigned)(rss * (PAGE_SIZE / 1024)));
}

static int gen_comm(struct inode *i, char *buf, size_t cap)
{
    struct task *t = task_by_pid(i->gen_pid);
    return t ? fmt(buf, cap, "%s\n", t->comm) : -ESRCH;
}

/* The argument strings are not recorded per process yet (they need the mm's arg_start/arg_end,
 * as Linux keeps): empty, which `ps` shows as "[comm]" like a kernel thread's. */
static int gen_cmdline(struct inode *i, char *buf, size_t cap) { return task_by_pid(i->gen_pid) ? 0 : -ESRCH; }

static struct inode *proc_node(struct inode *dir, const char *name, uint32_t mode, inode_gen_fn gen, int pid)
{
    struct inode *n = inode_new(mode);
    if (!n) return 0;
    n->gen = gen;
    n->gen_pid = pid;
    if (dir_add(dir, name, n)) {
        kfree(n);
        return 0;
    }
    return n;
}

static struct inode *pid_dir(int pid)
{
    char name[12];
    snprintf(name, sizeof(name), "%d", pid);
    struct inode *d = inode_new(S_IFDIR | 0555);
    if (!d) return 0;
    d->gen_pid = pid;
    static const struct { const char *name; inode_gen_fn gen; } files[] = {
        { "stat", gen_stat }, { "status", gen_status }, { "cmdline", gen_cmdline }, { "comm", gen_comm },
    };
    for (size_t k = 0; k < ARRAY_SIZE(files); k++) proc_node(d, files[k].name, S_IFREG | 0444, files[k].gen, pid);
    if (dir_add(proc_root, name, d)) return 0;
    return d;
}

static bool is_pid_name(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

/* Brings the per-pid directories in line with the live processes. */
static void proc_refresh(struct inode *dir)
{
    dir->refresh = 0; /* dir_add/dir_lookup below must not recurse */
    for (struct dentry *d = dir->children, *next; d; d = next) {
        next = d->next;
        if (is_pid_name(d->name) && !task_by_pid(d->inode->gen_pid)) dir_remove(dir, d->name, strlen(d->name));
    }
    for (int pid = task_next_pid(0); pid; pid = task_next_pid(pid)) {
        char name[12];
        snprintf(name, sizeof(name), "%d", pid);
        if (!dir_lookup(dir, name, strlen(name))) pid_dir(pid);
    }
    dir->refresh = proc_refresh;
}

void procfs_init(void)
{
    if (dir_lookup(root_inode, "proc", 4)) return; /* the initramfs has its own */
    proc_root = inode_new(S_IFDIR | 0555);
    if (!proc_root || dir_add(root_inode, "proc", proc_root)) panic("procfs: out of memory");
    proc_node(proc_root, "self", S_IFLNK | 0777, gen_self, 0);
    proc_node(proc_root, "uptime", S_IFREG | 0444, gen_uptime, 0);
    proc_node(proc_root, "meminfo", S_IFREG | 0444, gen_meminfo, 0);
    proc_node(proc_root, "loadavg", S_IFREG | 0444, gen_loadavg, 0);
    proc_node(proc_root, "mounts", S_IFREG | 0444, gen_mounts, 0);
    proc_node(proc_root, "filesystems", S_IFREG | 0444, gen_filesystems, 0);
    proc_node(proc_root, "version", S_IFREG | 0444, gen_version, 0);
    proc_root->refresh = proc_refresh;
}
