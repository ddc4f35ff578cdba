/* vfs.c: open files and the per-process descriptor table; the regular-file and directory
 * operations of the RAM file system; generated (procfs) files; stat. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

#define BOUNCE 512 /* user copies go through a small kernel buffer (the kernel stack is 8 KiB) */

static ssize_t ramfs_read(struct file *f, char *ubuf, size_t n)
{
    struct inode *i = f->inode;
    size_t done = 0;
    char buf[BOUNCE];
    while (done < n) {
        ssize_t k = inode_read_kernel(i, f->pos, buf, MIN(n - done, sizeof(buf)));
        if (k <= 0) break;
        if (copy_to_user(ubuf + done, buf, (size_t)k)) return done ? (ssize_t)done : -EFAULT;
        done += (size_t)k;
        f->pos += k;
    }
    i->atime = fs_now();
    return (ssize_t)done;
}

static ssize_t ramfs_write(struct file *f, const char *ubuf, size_t n)
{
    struct inode *i = f->inode;
    if (f->flags & O_APPEND) f->pos = i->size;
    size_t done = 0;
    char buf[BOUNCE];
    while (done < n) {
        size_t k = MIN(n - done, sizeof(buf));
        if (copy_from_user(buf, ubuf + done, k)) return done ? (ssize_t)done : -EFAULT;
        int rc = inode_write_kernel(i, f->pos, buf, k);
        if (rc) return done ? (ssize_t)done : rc;
        done += k;
        f->pos += k;
    }
    return (ssize_t)done;
}
static ssize_t dir_read(struct file *f, char *ubuf, size_t n) { return -EISDIR; }
static ssize_t dir_write(struct file *f, const char *ubuf, size_t n) { return -EISDIR; }

/* procfs: the text made at open, read like a file; writes refused as Linux's read-only entries. */
static ssize_t gen_read(struct file *f, char *ubuf, size_t n)
{
    if (f->pos >= f->gen_len) return 0;
    n = MIN(n, f->gen_len - (size_t)f->pos);
    if (copy_to_user(ubuf, f->gen_text + f->pos, n)) return -EFAULT;
    f->pos += n;
    return (ssize_t)n;
}
static ssize_t gen_write(struct file *f, const char *ubuf, size_t n) { return -EACCES; }

const struct file_ops ramfs_file_ops = { .read = ramfs_read, .write = ramfs_write };
const struct file_ops ramfs_dir_ops = { .read = dir_read, .write = dir_write };
static const struct file_ops gen_ops = { .read = gen_read, .write = gen_write };

struct file *file_open_inode(struct inode *ino, uint32_t flags)
{
    struct file *f = kzalloc(sizeof(*f));
    if (!f) return 0;
    f->refs = 1;
    f->flags = flags;
    f->inode = ino;
    if (S_ISDIR(ino->mode)) f->ops = &ramfs_dir_ops;
    else if (S_ISCHR(ino->mode)) f->ops = chrdev_ops(ino->rdev);
    else if (ino->gen) {
        f->ops = &gen_ops;
        f->gen_text = kmalloc(PAGE_SIZE);
        int n = f->gen_text ? ino->gen(ino, f->gen_text, PAGE_SIZE) : -ENOMEM;
        if (n < 0) {
            kfree(f->gen_text);
            kfree(f);
            return 0;
        }
        f->gen_len = (uint32_t)MIN((uint32_t)n, PAGE_SIZE);
    } else f->ops = &ramfs_file_ops;
    if (!f->ops) {
        kfree(f);
        return 0;
    }
    ino->opens++;
    return f;
}

void file_put(struct file *f)
{
    if (!f || --f->refs) return;
    struct inode *i = f->inode;
    kfree(f->gen_text);
    kfree(f);
    if (i->opens) i->opens--;
    inode_put_storage(i);
}

int install_fd(struct file *f, int min)
{
    for (int fd = min; fd < NR_OPEN; fd++) {
        if (!current->files[fd]) {
            current->files[fd] = f;
            current->cloexec &= ~(1ull << fd);
            return fd;
        }
    }
    return -EMFILE;
}

struct file *fget(int fd)
{
    if (fd < 0 || fd >= NR_OPEN) return 0;
    return current->files[fd];
}

void fd_close_on_exec(void)
{
    for (int fd = 0; fd < NR_OPEN; fd++)
        if ((current->cloexec & (1ull << fd)) && current->files[fd]) {
            file_put(current->files[fd]);
            current->files[fd] = 0;
        }
    current->cloexec = 0;
}

/* Device numbers of the file systems: the RAM root 0:1, devices (devtmpfs) 0:5, proc 0:3. */
uint32_t inode_dev(struct inode *i)
{
    if (S_ISCHR(i->mode)) return 5;
    if (i->gen || i->refresh || i->gen_pid) return 3;
    return 1;
}

uint64_t inode_blocks(struct inode *i)
{
    /* Allocated 512-byte sectors, page granular as tmpfs. */
    if (!S_ISREG(i->mode) && !S_ISLNK(i->mode)) return 0;
    if (!i->pages) return (uint64_t)((i->size + PAGE_SIZE - 1) / PAGE_SIZE) * (PAGE_SIZE / 512);
    uint64_t n = 0;
    for (uint32_t k = 0; k < FILE_MAX_PAGES; k++)
        if (i->pages[k]) n += PAGE_SIZE / 512;
    return n;
}

/* struct stat64 on i386 (asm/stat.h), 96 bytes. */
struct stat64 {
    uint64_t st_dev;
    uint32_t __pad0;
    uint32_t __st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid;
    uint32_t st_gid;
    uint64_t st_rdev;
    uint32_t __pad3;
    int64_t st_size;
    uint32_t st_blksize;
    uint64_t st_blocks;
    uint32_t st_atime, st_atime_nsec;
    uint32_t st_mtime, st_mtime_nsec;
    uint32_t st_ctime, st_ctime_nsec;
    uint64_t st_ino;
} __attribute__((packed));
_Static_assert(sizeof(struct stat64) == 96, "struct stat64 is 96 bytes on i386");

void fill_stat64(struct inode *i, void *out)
{
    struct stat64 *st = out;
    memset(st, 0, sizeof(*st));
    st->st_dev = inode_dev(i);
    st->__st_ino = i->ino;
    st->st_ino = i->ino;
    st->st_mode = i->mode;
    st->st_nlink = i->nlink;
    st->st_uid = i->uid;
    st->st_gid = i->gid;
    st->st_rdev = i->rdev;
    st->st_size = S_ISDIR(i->mode) ? 0 : i->size;
    st->st_blksize = S_ISCHR(i->mode) ? 1024 : PAGE_SIZE;
    st->st_blocks = inode_blocks(i);
    st->st_atime = i->atime;
    st->st_mtime = i->mtime;
    st->st_ctime = i->ctime;
}
