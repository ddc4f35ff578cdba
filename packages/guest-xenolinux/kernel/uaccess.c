/* uaccess.c: user-pointer checks in front of the port's fault-recovering copies. A pointer
 * range must lie below TASK_SIZE; a page the process has not touched yet is faulted in by the
 * page-fault handler; a hole gives -EFAULT through the exception table. */
#include "kernel.h"
#include "arch.h"

int __copy_user(void *dst, const void *src, size_t n);
int __strncpy_from_user(char *dst, const char *src, size_t n);

static bool access_ok(const void *p, size_t n)
{
    uint32_t a = (uint32_t)p;
    return a < TASK_SIZE && n <= TASK_SIZE - a;
}

int copy_to_user(void *dst, const void *src, size_t n)
{
    if (!access_ok(dst, n)) return -EFAULT;
    return n ? __copy_user(dst, src, n) : 0;
}

int copy_from_user(void *dst, const void *src, size_t n)
{
    if (!access_ok(src, n)) return -EFAULT;
    return n ? __copy_user(dst, src, n) : 0;
}

int strncpy_from_user(char *dst, const char *src, size_t n)
{
    uint32_t a = (uint32_t)src;
    if (a >= TASK_SIZE) return -EFAULT;
    size_t max = MIN(n, TASK_SIZE - a);
    int r = __strncpy_from_user(dst, src, max);
    if (r < 0) return r;
    if ((size_t)r == max) return max == n ? -ENAMETOOLONG : -EFAULT;
    return r;
}
