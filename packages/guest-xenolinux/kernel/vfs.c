/* vfs.c: open files and the per-process descriptor table; the regular-file and directory
 * operations of the RAM file system. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

static ssize_t ramfs_read(struct file *f, char *ubuf, size_t n)
{
    struct inode *i = f->inode;
    if (f->pos >= i->size) return 0;
    size_t left = i->size - (size_t)f->pos;
    if (n > left) n = left;
    if (copy_to_user(ubuf, i->data + f->pos, n)) return -EFAULT;
    f->pos += n;
    return (ssize_t)n;
}
static ssize_t ramfs_write(struct file *f, const char *ubuf, size_t n) { return -EROFS; } /* writable files: next milestone */
static ssize_t dir_read(struct file *f, char *ubuf, size_t n) { return -EISDIR; }

const struct file_ops ramfs_file_ops = { .read = ramfs_read, .write = ramfs_write };
const struct file_ops ramfs_dir_ops = { .read = dir_read, .write = ramfs_write };

struct file *file_open_inode(struct inode *ino, uint32_t flags)
{
    struct file *f = kzalloc(sizeof(*f));
    if (!f) return 0;
    f->refs = 1;
    f->flags = flags;
    f->inode = ino;
    if (S_ISDIR(ino->mode)) f->ops = &ramfs_dir_ops;
    else if (S_ISCHR(ino->mode)) f->ops = &tty_ops;   /* the only character device: the console */
    else f->ops = &ramfs_file_ops;
    return f;
}

void file_put(struct file *f)
{
    if (f && --f->refs == 0) kfree(f);
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
    st->st_dev = S_ISCHR(i->mode) ? 5 : 1;
    st->__st_ino = i->ino;
    st->st_ino = i->ino;
    st->st_mode = i->mode;
    st->st_nlink = i->nlink;
    st->st_uid = i->uid;
    st->st_gid = i->gid;
    st->st_rdev = i->rdev;
    st->st_size = i->size;
    st->st_blksize = S_ISCHR(i->mode) ? 1024 : PAGE_SIZE;
    st->st_blocks = (i->size + 511) / 512;
    st->st_atime = st->st_mtime = st->st_ctime = i->mtime;
}
