/* sys_info.c: identity, limits, uname, prctl, reboot, TLS (set_thread_area), exit. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

/* Release: the ABI level we implement for static binaries (Debian's are built "for GNU/Linux
 * 3.2.0"). */
#define UTS_RELEASE "3.2.0-xenolinux"
#define UTS_VERSION "#1 xen-ts"
char utsname_nodename[65] = "(none)";

SYSCALL(getpid) { return current->pid; }
SYSCALL(gettid) { return current->pid; }
SYSCALL(getppid) { return current->ppid; }
/* getpgrp, getpgid, setpgid, getsid, setsid: kernel/wait.c (process groups). */
SYSCALL(getuid) { return 0; }
SYSCALL(getgid) { return 0; }
SYSCALL(geteuid) { return 0; }
SYSCALL(getegid) { return 0; }

struct new_utsname { char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65]; };
SYSCALL(uname)
{
    struct new_utsname u;
    memset(&u, 0, sizeof(u));
    strlcpy(u.sysname, "Linux", 65);
    strlcpy(u.nodename, utsname_nodename, 65);
    strlcpy(u.release, UTS_RELEASE, 65);
    strlcpy(u.version, UTS_VERSION, 65);
    strlcpy(u.machine, "i686", 65);
    strlcpy(u.domainname, "(none)", 65);
    return copy_to_user((void *)a1, &u, sizeof(u));
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16
SYSCALL(prctl)
{
    switch (a1) {
    case PR_SET_NAME: {
        char name[16];
        int rc = strncpy_from_user(name, (const char *)a2, sizeof(name));
        if (rc == -ENAMETOOLONG) {
            if (copy_from_user(name, (const char *)a2, 15)) return -EFAULT;
            name[15] = 0;
        } else if (rc < 0) {
            return rc;
        }
        strlcpy(current->comm, name, sizeof(current->comm));
        return 0;
    }
    case PR_GET_NAME:
        return copy_to_user((void *)a2, current->comm, sizeof(current->comm));
    default:
        return -EINVAL;
    }
}

/* Resource limits: the stack's 8 MiB, 64 open files, the rest unlimited. */
#define RLIM_NLIMITS 16
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
static void rlimit_of(uint32_t res, uint64_t *cur, uint64_t *max)
{
    *cur = *max = ~0ull;
    if (res == RLIMIT_STACK) *cur = 8u << 20;
    if (res == RLIMIT_NOFILE) *cur = *max = NR_OPEN;
}
SYSCALL(getrlimit)
{
    if (a1 >= RLIM_NLIMITS) return -EINVAL;
    uint64_t cur, max;
    rlimit_of(a1, &cur, &max);
    uint32_t r[2] = { cur > 0xffffffffull ? 0xffffffffu : (uint32_t)cur, max > 0xffffffffull ? 0xffffffffu : (uint32_t)max };
    return copy_to_user((void *)a2, r, sizeof(r));
}
SYSCALL(prlimit64)
{
    if (a1 != 0 && a1 != (uint32_t)current->pid) return -ESRCH;
    if (a2 >= RLIM_NLIMITS) return -EINVAL;
    uint64_t r[2];
    rlimit_of(a2, &r[0], &r[1]);
    if (a4 && copy_to_user((void *)a4, r, sizeof(r))) return -EFAULT;
    return 0; /* new limits are accepted and not enforced yet */
}

SYSCALL(sysinfo)
{
    struct { int32_t uptime; uint32_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
             uint16_t procs, pad; uint32_t totalhigh, freehigh, mem_unit; char f[8]; } si;
    memset(&si, 0, sizeof(si));
    si.uptime = (int32_t)(arch_monotonic_ns() / 1000000000ull);
    si.totalram = arch_nr_pages();
    si.freeram = nr_free_pages();
    si.procs = 1;
    si.mem_unit = PAGE_SIZE;
    return copy_to_user((void *)a1, &si, sizeof(si));
}

/* reboot(2): the magic numbers, then LINUX_REBOOT_CMD_*; on Xen, SCHEDOP_shutdown. */
SYSCALL(reboot)
{
    if (a1 != 0xfee1dead || (a2 != 672274793 && a2 != 85072278 && a2 != 369367448 && a2 != 537993216)) return -EINVAL;
    switch (a3) {
    case 0x4321FEDC: /* POWER_OFF */
    case 0xCDEF0123: /* HALT */
        printk(KERN_EMERG "reboot: Power down\n");
        arch_poweroff();
    case 0x01234567: /* RESTART */
        printk(KERN_EMERG "reboot: Restarting system\n");
        arch_poweroff(); /* restart: the toolstack's on_reboot policy; next milestone */
    case 0x89ABCDEF: case 0: /* CAD_ON, CAD_OFF */
        return 0;
    default:
        return -EINVAL;
    }
}

/* struct user_desc (asm/ldt.h) -> a segment descriptor, as Linux's fill_ldt(). */
struct user_desc {
    uint32_t entry_number, base_addr, limit;
    uint32_t flags; /* seg_32bit:1 contents:2 read_exec_only:1 limit_in_pages:1 seg_not_present:1 useable:1 */
};
static uint64_t desc_of(const struct user_desc *u)
{
    uint32_t f = u->flags;
    uint32_t seg_32bit = f & 1, contents = (f >> 1) & 3, read_exec_only = (f >> 3) & 1;
    uint32_t limit_in_pages = (f >> 4) & 1, seg_not_present = (f >> 5) & 1, useable = (f >> 6) & 1;
    /* An "empty" descriptor clears the slot (LDT_empty). */
    if (u->base_addr == 0 && u->limit == 0 && contents == 0 && read_exec_only == 1 && seg_32bit == 0 &&
        limit_in_pages == 0 && seg_not_present == 1 && useable == 0)
        return 0;
    uint32_t lo = ((u->base_addr & 0xffff) << 16) | (u->limit & 0xffff);
    uint32_t hi = (u->base_addr & 0xff000000) | ((u->base_addr & 0x00ff0000) >> 16) | (u->limit & 0xf0000) |
                  ((read_exec_only ^ 1) << 9) | (contents << 10) | ((seg_not_present ^ 1) << 15) |
                  (seg_32bit << 22) | (limit_in_pages << 23) | (useable << 20) | 0x7000; /* S=1, DPL 3 */
    return ((uint64_t)hi << 32) | lo;
}

SYSCALL(set_thread_area)
{
    struct user_desc u;
    if (copy_from_user(&u, (const void *)a1, sizeof(u))) return -EFAULT;
    int idx = (int)u.entry_number;
    if (idx == -1) {
        for (idx = 0; idx < GDT_ENTRY_TLS_ENTRIES; idx++)
            if (!current->tls[idx]) break;
        if (idx == GDT_ENTRY_TLS_ENTRIES) return -ESRCH;
        u.entry_number = GDT_ENTRY_TLS_MIN + idx;
        if (copy_to_user((void *)a1, &u.entry_number, 4)) return -EFAULT;
    } else {
        if (idx < GDT_ENTRY_TLS_MIN || idx >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) return -EINVAL;
        idx -= GDT_ENTRY_TLS_MIN;
    }
    uint64_t d = desc_of(&u);
    if (((u.flags >> 1) & 3) == 3 && !((u.flags >> 5) & 1)) return -EINVAL; /* present code: Linux refuses */
    int rc = arch_set_tls_desc(idx, d);
    if (rc) return rc;
    current->tls[idx] = d;
    return 0;
}

SYSCALL(get_thread_area)
{
    struct user_desc u;
    if (copy_from_user(&u, (const void *)a1, sizeof(u))) return -EFAULT;
    int idx = (int)u.entry_number - GDT_ENTRY_TLS_MIN;
    if (idx < 0 || idx >= GDT_ENTRY_TLS_ENTRIES) return -EINVAL;
    uint64_t d = current->tls[idx];
    uint32_t lo = (uint32_t)d, hi = (uint32_t)(d >> 32);
    u.base_addr = (hi & 0xff000000) | ((hi & 0xff) << 16) | (lo >> 16);
    u.limit = (hi & 0xf0000) | (lo & 0xffff);
    u.flags = ((hi >> 22) & 1) | (((hi >> 10) & 3) << 1) | ((((hi >> 9) & 1) ^ 1) << 3) | (((hi >> 23) & 1) << 4) |
              ((((hi >> 15) & 1) ^ 1) << 5) | (((hi >> 20) & 1) << 6);
    if (!d) u.flags = (1 << 3) | (1 << 5);
    return copy_to_user((void *)a1, &u, sizeof(u));
}

SYSCALL(set_tid_address)
{
    current->clear_child_tid = a1;
    return current->pid;
}
SYSCALL(set_robust_list) { return a2 == 12 ? 0 : -EINVAL; } /* sizeof(struct robust_list_head) */

SYSCALL(getrandom)
{
    if (a3 & ~7u) return -EINVAL;
    uint8_t buf[256];
    uint32_t done = 0;
    while (done < a2) {
        uint32_t k = MIN(a2 - done, sizeof(buf));
        get_random_bytes(buf, k);
        if (copy_to_user((void *)(a1 + done), buf, k)) return done ? (long)done : -EFAULT;
        done += k;
    }
    return done;
}

SYSCALL(exit) { do_exit((a1 & 0xff) << 8); }
SYSCALL(exit_group) { do_exit((a1 & 0xff) << 8); }
SYSCALL(sched_yield) { schedule(); return 0; }
