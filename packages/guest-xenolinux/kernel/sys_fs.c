/* sys_fs.c: file system calls over the RAM file system and the console. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

#define PATH_MAX 4096
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* Copies a user path into a fresh kernel buffer (kfree it). */
static int get_path(uint32_t upath, char **out)
{
    char *buf = kmalloc(PATH_MAX);
    if (!buf) return -ENOMEM;
    int rc = strncpy_from_user(buf, (const char *)upath, PATH_MAX);
    if (rc < 0) {
        kfree(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

/* The directory a *at() call starts from. */
static int at_base(int32_t dirfd, const char *path, struct inode **base)
{
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        *base = current->cwd;
        return 0;
    }
    struct file *f = fget(dirfd);
    if (!f) return -EBADF;
    if (!S_ISDIR(f->inode->mode)) return -ENOTDIR;
    *base = f->inode;
    return 0;
}

static int lookup_at(int32_t dirfd, uint32_t upath, bool follow, bool empty_ok, struct inode **out)
{
    char *path;
    int rc = get_path(upath, &path);
    if (rc) return rc;
    if (!path[0]) {
        kfree(path);
        if (!empty_ok) return -ENOENT;
        if (dirfd == AT_FDCWD) { *out = current->cwd; return 0; }
        struct file *f = fget(dirfd);
        if (!f) return -EBADF;
        *out = f->inode;
        return 0;
    }
    struct inode *base;
    rc = at_base(dirfd, path, &base);
    if (!rc) rc = path_lookup(path, base, follow, out);
    kfree(path);
    return rc;
}

static long do_open(int32_t dirfd, uint32_t upath, uint32_t flags, uint32_t mode)
{
    struct inode *ino;
    int rc = lookup_at(dirfd, upath, !(flags & O_NOFOLLOW), false, &ino);
    if (rc == -ENOENT && (flags & O_CREAT)) return -EROFS; /* writable ramfs: next milestone */
    if (rc) return rc;
    if ((flags & O_CREAT) && (flags & O_EXCL)) return -EEXIST;
    if (S_ISLNK(ino->mode)) return -ELOOP;
    if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode)) return -ENOTDIR;
    uint32_t acc = flags & O_ACCMODE;
    if (S_ISDIR(ino->mode) && acc != O_RDONLY) return -EISDIR;
    if (S_ISREG(ino->mode) && (acc != O_RDONLY || (flags & O_TRUNC))) return -EROFS;
    struct file *f = file_open_inode(ino, flags);
    if (!f) return -ENOMEM;
    int fd = install_fd(f, 0);
    if (fd < 0) {
        file_put(f);
        return fd;
    }
    if (flags & O_CLOEXEC) current->cloexec |= 1ull << fd;
    return fd;
}

SYSCALL(open) { return do_open(AT_FDCWD, a1, a2, a3); }
SYSCALL(openat) { return do_open((int32_t)a1, a2, a3, a4); }

SYSCALL(close)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    current->files[a1] = 0;
    file_put(f);
    return 0;
}

SYSCALL(read)
{
    struct file *f = fget((int32_t)a1);
    if (!f || (f->flags & O_ACCMODE) == O_WRONLY) return -EBADF;
    if ((int32_t)a3 < 0) return -EINVAL;
    return f->ops->read(f, (char *)a2, a3);
}

SYSCALL(write)
{
    struct file *f = fget((int32_t)a1);
    if (!f || (f->flags & O_ACCMODE) == O_RDONLY) return -EBADF;
    if ((int32_t)a3 < 0) return -EINVAL;
    return f->ops->write(f, (const char *)a2, a3);
}

struct iovec { uint32_t base, len; };

static long do_rw_vec(uint32_t fd, uint32_t uiov, uint32_t cnt, bool writing)
{
    if (cnt > 1024) return -EINVAL;
    long total = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        struct iovec v;
        if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v))) return total ? total : -EFAULT;
        if ((int32_t)v.len < 0) return -EINVAL;
        if (!v.len) continue;
        long r = writing ? sys_write(fd, v.base, v.len, 0, 0, 0) : sys_read(fd, v.base, v.len, 0, 0, 0);
        if (r < 0) return total ? total : r;
        total += r;
        if ((uint32_t)r < v.len) break;
    }
    return total;
}
SYSCALL(writev) { return do_rw_vec(a1, a2, a3, true); }
SYSCALL(readv) { return do_rw_vec(a1, a2, a3, false); }

static long do_seek(struct file *f, int64_t off, uint32_t whence, int64_t *res)
{
    if (S_ISCHR(f->inode->mode)) return -ESPIPE;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->pos : whence == SEEK_END ? (int64_t)f->inode->size : -1;
    if (base < 0) return -EINVAL;
    if (base + off < 0) return -EINVAL;
    f->pos = base + off;
    *res = f->pos;
    return 0;
}

SYSCALL(lseek)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    int64_t res;
    long rc = do_seek(f, (int32_t)a2, a3, &res);
    if (rc) return rc;
    if (res > 0x7fffffff) return -EINVAL; /* EOVERFLOW */
    return (long)res;
}

SYSCALL(llseek)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    int64_t res;
    long rc = do_seek(f, (int64_t)(((uint64_t)a2 << 32) | a3), a5, &res);
    if (rc) return rc;
    return copy_to_user((void *)a4, &res, 8);
}

SYSCALL(ioctl)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    if (!f->ops->ioctl) return -ENOTTY;
    return f->ops->ioctl(f, a2, a3);
}

static long dup_to(struct file *f, int newfd, bool cloexec)
{
    if (newfd < 0 || newfd >= NR_OPEN) return -EBADF;
    struct file *old = current->files[newfd];
    f->refs++;
    current->files[newfd] = f;
    if (cloexec) current->cloexec |= 1ull << newfd;
    else current->cloexec &= ~(1ull << newfd);
    if (old) file_put(old);
    return newfd;
}

SYSCALL(dup)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    int fd = install_fd(f, 0);
    if (fd >= 0) f->refs++;
    return fd;
}
SYSCALL(dup2)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    if (a1 == a2) return a2;
    return dup_to(f, (int32_t)a2, false);
}
SYSCALL(dup3)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    if (a1 == a2 || (a3 & ~O_CLOEXEC)) return -EINVAL;
    return dup_to(f, (int32_t)a2, (a3 & O_CLOEXEC) != 0);
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
SYSCALL(fcntl64)
{
    int fd = (int32_t)a1;
    struct file *f = fget(fd);
    if (!f) return -EBADF;
    switch (a2) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
        if ((int32_t)a3 < 0 || a3 >= NR_OPEN) return -EINVAL;
        int nfd = install_fd(f, (int32_t)a3);
        if (nfd < 0) return nfd;
        f->refs++;
        if (a2 == F_DUPFD_CLOEXEC) current->cloexec |= 1ull << nfd;
        return nfd;
    }
    case F_GETFD: return (current->cloexec >> fd) & 1;
    case F_SETFD:
        if (a3 & 1) current->cloexec |= 1ull << fd;
        else current->cloexec &= ~(1ull << fd);
        return 0;
    case F_GETFL: return f->flags & ~O_CLOEXEC;
    case F_SETFL: f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (a3 & (O_APPEND | O_NONBLOCK)); return 0;
    default: return -EINVAL;
    }
}

static long do_stat(int32_t dirfd, uint32_t upath, uint32_t ubuf, bool follow, bool empty_ok)
{
    struct inode *ino;
    int rc = lookup_at(dirfd, upath, follow, empty_ok, &ino);
    if (rc) return rc;
    uint8_t st[96];
    fill_stat64(ino, st);
    return copy_to_user((void *)ubuf, st, sizeof(st));
}
SYSCALL(stat64) { return do_stat(AT_FDCWD, a1, a2, true, false); }
SYSCALL(lstat64) { return do_stat(AT_FDCWD, a1, a2, false, false); }
SYSCALL(fstat64)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    uint8_t st[96];
    fill_stat64(f->inode, st);
    return copy_to_user((void *)a2, st, sizeof(st));
}
SYSCALL(fstatat64)
{
    if (a4 & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800)) return -EINVAL;
    return do_stat((int32_t)a1, a2, a3, !(a4 & AT_SYMLINK_NOFOLLOW), (a4 & AT_EMPTY_PATH) != 0);
}

/* struct statx (include/uapi/linux/stat.h), 256 bytes. */
struct statx_timestamp { int64_t tv_sec; uint32_t tv_nsec; int32_t pad; };
struct statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad1;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
_Static_assert(sizeof(struct statx) == 256, "struct statx is 256 bytes");
#define STATX_BASIC_STATS 0x7ff
SYSCALL(statx)
{
    if (a3 & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000)) return -EINVAL;
    struct inode *i;
    int rc = lookup_at((int32_t)a1, a2, !(a3 & AT_SYMLINK_NOFOLLOW), (a3 & AT_EMPTY_PATH) != 0, &i);
    if (rc) return rc;
    struct statx sx;
    memset(&sx, 0, sizeof(sx));
    sx.stx_mask = STATX_BASIC_STATS;
    sx.stx_blksize = S_ISCHR(i->mode) ? 1024 : PAGE_SIZE;
    sx.stx_nlink = i->nlink;
    sx.stx_uid = i->uid;
    sx.stx_gid = i->gid;
    sx.stx_mode = (uint16_t)i->mode;
    sx.stx_ino = i->ino;
    sx.stx_size = i->size;
    sx.stx_blocks = (i->size + 511) / 512;
    sx.stx_atime.tv_sec = sx.stx_ctime.tv_sec = sx.stx_mtime.tv_sec = i->mtime;
    sx.stx_rdev_major = i->rdev >> 8;
    sx.stx_rdev_minor = i->rdev & 0xff;
    sx.stx_dev_major = S_ISCHR(i->mode) ? 0 : 0;
    sx.stx_dev_minor = S_ISCHR(i->mode) ? 5 : 1;
    return copy_to_user((void *)a5, &sx, sizeof(sx));
}

static long do_access(int32_t dirfd, uint32_t upath, uint32_t mode)
{
    if (mode & ~7u) return -EINVAL;
    struct inode *ino;
    int rc = lookup_at(dirfd, upath, true, false, &ino);
    if (rc) return rc;
    if ((mode & 2) && S_ISREG(ino->mode)) return -EROFS;
    if ((mode & 1) && !(ino->mode & 0111)) return -EACCES; /* we run as root: any x bit will do */
    return 0;
}
SYSCALL(access) { return do_access(AT_FDCWD, a1, a2); }
SYSCALL(faccessat) { return do_access((int32_t)a1, a2, a3); }

static long do_readlink(int32_t dirfd, uint32_t upath, uint32_t ubuf, uint32_t size)
{
    if ((int32_t)size <= 0) return -EINVAL;
    struct inode *ino;
    int rc = lookup_at(dirfd, upath, false, false, &ino);
    if (rc) return rc;
    if (!S_ISLNK(ino->mode)) return -EINVAL;
    uint32_t n = MIN(size, ino->size);
    if (copy_to_user((void *)ubuf, ino->data, n)) return -EFAULT;
    return n;
}
SYSCALL(readlink) { return do_readlink(AT_FDCWD, a1, a2, a3); }
SYSCALL(readlinkat) { return do_readlink((int32_t)a1, a2, a3, a4); }

/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, name; records 8-byte aligned. */
SYSCALL(getdents64)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    if (!S_ISDIR(f->inode->mode)) return -ENOTDIR;
    uint32_t done = 0, index = 0;
    /* Position = entry index: ".", "..", then the children in order. */
    struct dentry *d = f->inode->children;
    for (;; index++) {
        const char *name;
        struct inode *ino;
        if (index == 0) { name = "."; ino = f->inode; }
        else if (index == 1) { name = ".."; ino = f->inode->parent ? f->inode->parent : f->inode; }
        else {
            if (!d) break;
            name = d->name;
            ino = d->inode;
            d = d->next;
        }
        if (index < f->pos) continue;
        uint32_t nlen = strlen(name);
        uint32_t reclen = (19 + nlen + 1 + 7) & ~7u;
        if (done + reclen > a3) {
            if (!done) return -EINVAL;
            break;
        }
        uint8_t rec[19 + 256 + 8];
        memset(rec, 0, reclen);
        uint64_t dino = ino->ino;
        int64_t doff = index + 1;
        uint16_t rl = reclen;
        memcpy(rec, &dino, 8);
        memcpy(rec + 8, &doff, 8);
        memcpy(rec + 16, &rl, 2);
        rec[18] = (ino->mode >> 12) & 15; /* DT_* = S_IFMT >> 12 */
        memcpy(rec + 19, name, nlen);
        if (copy_to_user((void *)(a2 + done), rec, reclen)) return -EFAULT;
        done += reclen;
        f->pos = index + 1;
    }
    return done;
}

/* The path of `dir`, built from the parents' names. */
static int inode_path(struct inode *dir, char *buf, size_t size)
{
    static char tmp[PATH_MAX]; /* not on the 8 KiB kernel stack; the kernel is not preemptible */
    size_t pos = sizeof(tmp) - 1;
    tmp[pos] = 0;
    for (struct inode *i = dir; i->parent; i = i->parent) {
        const char *name = 0;
        for (struct dentry *d = i->parent->children; d; d = d->next)
            if (d->inode == i) name = d->name;
        if (!name) return -ENOENT;
        size_t n = strlen(name);
        if (n + 1 > pos) return -ENAMETOOLONG;
        pos -= n;
        memcpy(tmp + pos, name, n);
        tmp[--pos] = '/';
    }
    if (pos == sizeof(tmp) - 1) tmp[--pos] = '/';
    size_t len = sizeof(tmp) - 1 - pos;
    if (len + 1 > size) return -ERANGE;
    memcpy(buf, tmp + pos, len + 1);
    return (int)len + 1;
}

SYSCALL(getcwd)
{
    char *buf = kmalloc(PATH_MAX);
    if (!buf) return -ENOMEM;
    int n = inode_path(current->cwd, buf, MIN(a2, PATH_MAX));
    if (n > 0 && copy_to_user((void *)a1, buf, n)) n = -EFAULT;
    kfree(buf);
    return n;
}

SYSCALL(chdir)
{
    struct inode *ino;
    int rc = lookup_at(AT_FDCWD, a1, true, false, &ino);
    if (rc) return rc;
    if (!S_ISDIR(ino->mode)) return -ENOTDIR;
    current->cwd = ino;
    return 0;
}

SYSCALL(umask)
{
    uint32_t old = current->umask;
    current->umask = a1 & 0777;
    return old;
}
