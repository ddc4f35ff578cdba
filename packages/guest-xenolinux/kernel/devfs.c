/* devfs.c: the character devices (Linux's numbers, Documentation/admin-guide/devices.txt):
 * 1:3 null, 1:5 zero, 1:8 random and 1:9 urandom (the kernel's generator), 5:0 tty (the
 * controlling terminal: the console), 5:1 console, 4:N ttyN (the console too). At boot /dev and
 * the missing nodes are made, as devtmpfs would provide them. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

static ssize_t null_read(struct file *f, char *ubuf, size_t n) { return 0; }
static ssize_t null_write(struct file *f, const char *ubuf, size_t n) { return (ssize_t)n; }

static ssize_t fill_user(char *ubuf, size_t n, bool random)
{
    char buf[256];
    size_t done = 0;
    if (!random) memset(buf, 0, sizeof(buf));
    while (done < n) {
        size_t k = MIN(n - done, sizeof(buf));
        if (random) get_random_bytes(buf, k);
        if (copy_to_user(ubuf + done, buf, k)) return done ? (ssize_t)done : -EFAULT;
        done += k;
    }
    return (ssize_t)done;
}
static ssize_t zero_read(struct file *f, char *ubuf, size_t n) { return fill_user(ubuf, n, false); }
static ssize_t random_read(struct file *f, char *ubuf, size_t n) { return fill_user(ubuf, n, true); }

static const struct file_ops null_ops = { .read = null_read, .write = null_write };
static const struct file_ops zero_ops = { .read = zero_read, .write = null_write };
static const struct file_ops random_ops = { .read = random_read, .write = null_write };

const struct file_ops *chrdev_ops(uint32_t rdev)
{
    uint32_t major = rdev >> 8, minor = rdev & 0xff;
    switch (major) {
    case 1:
        if (minor == 3) return &null_ops;
        if (minor == 5) return &zero_ops;
        if (minor == 8 || minor == 9) return &random_ops;
        return 0;
    case 4: case 5:
        return &tty_ops;
    default:
        return 0;
    }
}

static const struct { const char *name; uint32_t mode, major, minor; } nodes[] = {
    { "null", 0666, 1, 3 }, { "zero", 0666, 1, 5 }, { "random", 0666, 1, 8 }, { "urandom", 0666, 1, 9 },
    { "tty", 0666, 5, 0 }, { "console", 0600, 5, 1 }, { "tty0", 0620, 4, 0 }, { "tty1", 0620, 4, 1 },
};

void devfs_populate(void)
{
    struct inode *dev = dir_lookup(root_inode, "dev", 3);
    if (!dev) {
        dev = inode_new(S_IFDIR | 0755);
        if (!dev || dir_add(root_inode, "dev", dev)) panic("devfs: out of memory");
    }
    if (!S_ISDIR(dev->mode)) return;
    for (size_t k = 0; k < ARRAY_SIZE(nodes); k++) {
        if (dir_lookup(dev, nodes[k].name, strlen(nodes[k].name))) continue;
        struct inode *i = inode_new(S_IFCHR | nodes[k].mode);
        if (!i) panic("devfs: out of memory");
        i->rdev = (nodes[k].major << 8) | nodes[k].minor;
        if (dir_add(dev, nodes[k].name, i)) panic("devfs: out of memory");
    }
}
