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

/* Directories whose entries the kernel makes (/proc) refuse changes. */
static bool dir_is_synthetic(struct inode *dir) { return dir->refresh || dir->gen_pid; }

/* Creates `mode` (with the type bits) as the last component of `path`; *out the new inode. */
static int create_at(int32_t dirfd, const char *path, uint32_t mode, struct inode **out)
{
    struct inode *base, *dir;
    const char *last;
    size_t len;
    int rc = at_base(dirfd, path, &base);
    if (!rc) rc = path_parent(path, base, &dir, &last, &len);
    if (rc) return rc;
    if (len == 0 || (len == 1 && last[0] == '.') || (len == 2 && last[0] == '.' && last[1] == '.')) return -EEXIST;
    if (dir->nlink == 0) return -ENOENT; /* removed directory */
    if (dir_is_synthetic(dir)) return -EACCES;
    if (dir_lookup(dir, last, len)) return -EEXIST;
    char name[256];
    memcpy(name, last, len);
    name[len] = 0;
    struct inode *ino = inode_new(mode);
    if (!ino) return -ENOMEM;
    rc = dir_add(dir, name, ino);
    if (rc) {
        kfree(ino);
        return rc;
    }
    *out = ino;
    return 0;
}

/* O_CREAT through a dangling symlink creates its target, as Linux does (one level). */
static int create_through_link(int32_t dirfd, const char *path, uint32_t mode, struct inode **out)
{
    struct inode *base, *dir, *link;
    const char *last;
    size_t len;
    int rc = at_base(dirfd, path, &base);
    if (!rc) rc = path_parent(path, base, &dir, &last, &len);
    if (rc) return rc;
    link = dir_lookup(dir, last, len);
    if (!link || !S_ISLNK(link->mode)) return -EEXIST;
    char target[256];
    if ((rc = inode_link_target(link, target, sizeof(target))) < 0) return rc;
    struct inode *tdir;
    if ((rc = path_parent(target, dir, &tdir, &last, &len))) return rc;
    if (!len || dir_lookup(tdir, last, len)) return -ELOOP; /* exists now: a loop of links */
    if (dir_is_synthetic(tdir)) return -EACCES;
    char name[256];
    memcpy(name, last, len);
    name[len] = 0;
    struct inode *ino = inode_new(mode);
    if (!ino) return -ENOMEM;
    if ((rc = dir_add(tdir, name, ino))) {
        kfree(ino);
        return rc;
    }
    *out = ino;
    return 0;
}

static long do_open(int32_t dirfd, uint32_t upath, uint32_t flags, uint32_t mode)
{
    struct inode *ino;
    bool excl = (flags & O_CREAT) && (flags & O_EXCL);
    int rc = lookup_at(dirfd, upath, !(flags & O_NOFOLLOW) && !excl, false, &ino);
    if (rc == -ENOENT && (flags & O_CREAT)) {
        char *path;
        if ((rc = get_path(upath, &path))) return rc;
        size_t n = strlen(path);
        uint32_t fmode = S_IFREG | (mode & 07777 & ~current->umask);
        rc = n && path[n - 1] == '/' ? -EISDIR : create_at(dirfd, path, fmode, &ino);
        if (rc == -EEXIST && !(flags & O_NOFOLLOW)) rc = create_through_link(dirfd, path, fmode, &ino);
        kfree(path);
        if (rc) return rc;
    } else {
        if (rc) return rc;
        if (excl) return -EEXIST;
        if (S_ISLNK(ino->mode)) return -ELOOP;
    }
    if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode)) return -ENOTDIR;
    uint32_t acc = flags & O_ACCMODE;
    if (S_ISDIR(ino->mode) && (acc != O_RDONLY || (flags & O_CREAT))) return -EISDIR;
    if (ino->gen && acc != O_RDONLY) return -EACCES;
    if (S_ISCHR(ino->mode) && !chrdev_ops(ino->rdev)) return -ENXIO;
    if (!S_ISREG(ino->mode) && !S_ISDIR(ino->mode) && !S_ISCHR(ino->mode)) return -ENXIO; /* FIFO, socket, block nodes */
    if (S_ISREG(ino->mode) && !ino->gen && (flags & O_TRUNC) && acc != O_RDONLY) {
        if ((rc = inode_truncate(ino, 0))) return rc;
    }
    struct file *f = file_open_inode(ino, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY));
    if (!f) return ino->gen ? -ESRCH : -ENOMEM;
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

/* pread64/pwrite64(fd, buf, count, offset low, offset high): at an offset, leaving the position. */
static long do_prw(uint32_t fd, uint32_t ubuf, uint32_t n, int64_t off, bool writing)
{
    struct file *f = fget((int32_t)fd);
    if (!f) return -EBADF;
    if (!S_ISREG(f->inode->mode)) return S_ISDIR(f->inode->mode) ? -EISDIR : -ESPIPE;
    if (off < 0) return -EINVAL;
    loff_t saved = f->pos;
    uint32_t flags = f->flags;
    f->pos = off;
    f->flags &= ~O_APPEND; /* Linux's pwrite honours O_APPEND (a known bug); POSIX says the offset */
    long r = writing ? sys_write(fd, ubuf, n, 0, 0, 0) : sys_read(fd, ubuf, n, 0, 0, 0);
    f->pos = saved;
    f->flags = flags;
    return r;
}
SYSCALL(pread64) { return do_prw(a1, a2, a3, (int64_t)(((uint64_t)a5 << 32) | a4), false); }
SYSCALL(pwrite64) { return do_prw(a1, a2, a3, (int64_t)(((uint64_t)a5 << 32) | a4), true); }

static long do_seek(struct file *f, int64_t off, uint32_t whence, int64_t *res)
{
    if (S_ISCHR(f->inode->mode)) return -ESPIPE;
    int64_t size = f->gen_text ? (int64_t)f->gen_len : (int64_t)f->inode->size;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->pos : whence == SEEK_END ? size : -1;
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
    if (res > 0x7fffffff) return -EOVERFLOW;
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
    sx.stx_size = S_ISDIR(i->mode) ? 0 : i->size;
    sx.stx_blocks = inode_blocks(i);
    sx.stx_atime.tv_sec = i->atime;
    sx.stx_ctime.tv_sec = i->ctime;
    sx.stx_mtime.tv_sec = i->mtime;
    sx.stx_rdev_major = i->rdev >> 8;
    sx.stx_rdev_minor = i->rdev & 0xff;
    sx.stx_dev_major = 0;
    sx.stx_dev_minor = inode_dev(i);
    return copy_to_user((void *)a5, &sx, sizeof(sx));
}

static long do_access(int32_t dirfd, uint32_t upath, uint32_t mode)
{
    if (mode & ~7u) return -EINVAL;
    struct inode *ino;
    int rc = lookup_at(dirfd, upath, true, false, &ino);
    if (rc) return rc;
    if ((mode & 2) && (ino->gen || dir_is_synthetic(ino))) return -EACCES;
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
    char target[256];
    int len = inode_link_target(ino, target, sizeof(target));
    if (len < 0) return len;
    uint32_t n = MIN(size, (uint32_t)len);
    if (copy_to_user((void *)ubuf, target, n)) return -EFAULT;
    return n;
}
SYSCALL(readlink) { return do_readlink(AT_FDCWD, a1, a2, a3); }
SYSCALL(readlinkat) { return do_readlink((int32_t)a1, a2, a3, a4); }

/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, name; records 8-byte aligned.
 * Position: 0 before ".", 1 before "..", then 2 + the sequence number of the last entry given.
 * Entries are in increasing sequence order, so removing entries between two calls (rm -r
 * unlinking what it just read) skips nothing - what tmpfs's cursors achieve. */
SYSCALL(getdents64)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    if (!S_ISDIR(f->inode->mode)) return -ENOTDIR;
    if (f->inode->refresh) f->inode->refresh(f->inode);
    uint32_t done = 0;
    struct dentry *d = f->inode->children;
    for (int slot = 0;; slot++) {
        const char *name;
        struct inode *ino;
        int64_t off;
        if (slot == 0) { name = "."; ino = f->inode; off = 1; }
        else if (slot == 1) { name = ".."; ino = f->inode->parent ? f->inode->parent : f->inode; off = 2; }
        else {
            while (d && (int64_t)d->seq + 2 <= f->pos) d = d->next;
            if (!d) break;
            name = d->name;
            ino = d->inode;
            off = (int64_t)d->seq + 2;
            d = d->next;
        }
        if (off <= f->pos) continue;
        uint32_t nlen = strlen(name);
        uint32_t reclen = (19 + nlen + 1 + 7) & ~7u;
        if (done + reclen > a3) {
            if (!done) return -EINVAL;
            break;
        }
        uint8_t rec[19 + 256 + 8];
        memset(rec, 0, reclen);
        uint64_t dino = ino->ino;
        uint16_t rl = reclen;
        memcpy(rec, &dino, 8);
        memcpy(rec + 8, &off, 8);
        memcpy(rec + 16, &rl, 2);
        rec[18] = (ino->mode >> 12) & 15; /* DT_* = S_IFMT >> 12 */
        memcpy(rec + 19, name, nlen);
        if (copy_to_user((void *)(a2 + done), rec, reclen)) return -EFAULT;
        done += reclen;
        f->pos = off;
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

SYSCALL(fchdir)
{
    struct file *f = fget((int32_t)a1);
    if (!f) return -EBADF;
    if (!S_ISDIR(f->inode->mode)) return -ENOTDIR;
    current->cwd = f->inode;
    return 0;
}

/* Truncation: a regular file opened for writing (ftruncate) or named (truncate). */
static long do_truncate(struct inode *ino, int64_t len)
{
    if (len < 0) return -EINVAL;
    if (S_ISDIR(ino->mode)) return -EISDIR;
    if (!S_ISREG(ino->mode) || ino->gen) return -EINVAL;
    if (len > 0xffffffffll) return -EFBIG;
    return inode_truncate(ino, (uint32_t)len);
}
static long do_ftruncate(uint32_t fd, int64_t len)
{
    struct file *f = fget((int32_t)fd);
    if (!f) return -EBADF;
    if ((f->flags & O_ACCMODE) == O_RDONLY || !S_ISREG(f->inode->mode)) return -EINVAL;
    return do_truncate(f->inode, len);
}
static long do_truncate_path(uint32_t upath, int64_t len)
{
    struct inode *ino;
    int rc = lookup_at(AT_FDCWD, upath, true, false, &ino);
    return rc ? rc : do_truncate(ino, len);
}
SYSCALL(ftruncate) { return do_ftruncate(a1, (int32_t)a2); }
SYSCALL(ftruncate64) { return do_ftruncate(a1, (int64_t)(((uint64_t)a3 << 32) | a2)); }
SYSCALL(truncate) { return do_truncate_path(a1, (int32_t)a2); }
SYSCALL(truncate64) { return do_truncate_path(a1, (int64_t)(((uint64_t)a3 << 32) | a2)); }

/* Makes a node named by a user path: a directory, a device, a FIFO, a symlink. */
static long make_node(int32_t dirfd, uint32_t upath, uint32_t mode, uint32_t rdev, const char *link)
{
    char *path;
    int rc = get_path(upath, &path);
    if (rc) return rc;
    struct inode *ino;
    rc = create_at(dirfd, path, mode, &ino);
    kfree(path);
    if (rc) return rc;
    ino->rdev = rdev;
    if (link) {
        ino->data = (const uint8_t *)link;
        ino->data_owned = true;
        ino->size = strlen(link);
    }
    return 0;
}

static long do_mkdir(int32_t dirfd, uint32_t upath, uint32_t mode)
{
    return make_node(dirfd, upath, S_IFDIR | (mode & 07777 & ~current->umask), 0, 0);
}
SYSCALL(mkdir) { return do_mkdir(AT_FDCWD, a1, a2); }
SYSCALL(mkdirat) { return do_mkdir((int32_t)a1, a2, a3); }

static long do_mknod(int32_t dirfd, uint32_t upath, uint32_t mode, uint32_t dev)
{
    uint32_t type = mode & S_IFMT;
    if (type == 0) type = S_IFREG;
    if (type != S_IFREG && type != S_IFCHR && type != S_IFIFO && type != S_IFBLK && type != S_IFSOCK) return -EINVAL;
    /* new_decode_dev: major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00). */
    uint32_t rdev = ((dev & 0xfff00) >> 8) << 8 | (dev & 0xff);
    return make_node(dirfd, upath, type | (mode & 07777 & ~current->umask), rdev, 0);
}
SYSCALL(mknod) { return do_mknod(AT_FDCWD, a1, a2, a3); }
SYSCALL(mknodat) { return do_mknod((int32_t)a1, a2, a3, a4); }

static long do_symlink(uint32_t utarget, int32_t dirfd, uint32_t upath)
{
    char *target;
    int rc = get_path(utarget, &target);
    if (rc) return rc;
    if (!target[0]) {
        kfree(target);
        return -ENOENT;
    }
    char *copy = kstrdup(target); /* sized to the target, not PATH_MAX */
    kfree(target);
    if (!copy) return -ENOMEM;
    rc = make_node(dirfd, upath, S_IFLNK | 0777, 0, copy);
    if (rc) kfree(copy);
    return rc;
}
SYSCALL(symlink) { return do_symlink(a1, AT_FDCWD, a2); }
SYSCALL(symlinkat) { return do_symlink(a1, (int32_t)a2, a3); }

/* The parent directory and last component of a user path, for unlink/rmdir/rename/link. */
struct parent { char *path; struct inode *dir; const char *last; size_t len; };
static int get_parent(int32_t dirfd, uint32_t upath, struct parent *p)
{
    int rc = get_path(upath, &p->path);
    if (rc) return rc;
    struct inode *base;
    rc = at_base(dirfd, p->path, &base);
    if (!rc) rc = path_parent(p->path, base, &p->dir, &p->last, &p->len);
    if (rc) kfree(p->path);
    return rc;
}
static bool is_dot(const struct parent *p) { return p->len == 1 && p->last[0] == '.'; }
static bool is_dotdot(const struct parent *p) { return p->len == 2 && p->last[0] == '.' && p->last[1] == '.'; }

static long do_unlink(int32_t dirfd, uint32_t upath, bool rmdir)
{
    struct parent p;
    int rc = get_parent(dirfd, upath, &p);
    if (rc) return rc;
    struct inode *victim = p.len ? dir_lookup(p.dir, p.last, p.len) : p.dir;
    if (rmdir && is_dot(&p)) rc = -EINVAL;
    else if (rmdir && is_dotdot(&p)) rc = -ENOTEMPTY;
    else if (!p.len || victim == root_inode) rc = -EBUSY;
    else if (!victim) rc = -ENOENT;
    else if (dir_is_synthetic(p.dir)) rc = -EACCES;
    else if (rmdir && !S_ISDIR(victim->mode)) rc = -ENOTDIR;
    else if (!rmdir && S_ISDIR(victim->mode)) rc = -EISDIR;
    else if (rmdir && !dir_is_empty(victim)) rc = -ENOTEMPTY;
    else if (!rmdir && p.last[p.len] == '/') rc = -ENOTDIR; /* "file/" */
    else rc = dir_remove(p.dir, p.last, p.len);
    kfree(p.path);
    return rc;
}
SYSCALL(unlink) { return do_unlink(AT_FDCWD, a1, false); }
SYSCALL(rmdir) { return do_unlink(AT_FDCWD, a1, true); }
SYSCALL(unlinkat)
{
    if (a3 & ~AT_REMOVEDIR) return -EINVAL;
    return do_unlink((int32_t)a1, a2, (a3 & AT_REMOVEDIR) != 0);
}

static bool is_ancestor(struct inode *a, struct inode *d)
{
    for (; d; d = d->parent)
        if (d == a) return true;
    return false;
}

/* rename(2): replaces an existing target of a compatible kind (an empty directory only). */
static long do_rename(int32_t olddirfd, uint32_t uold, int32_t newdirfd, uint32_t unew, uint32_t flags)
{
    if (flags & ~RENAME_NOREPLACE) return -EINVAL;
    struct parent o, n;
    int rc = get_parent(olddirfd, uold, &o);
    if (rc) return rc;
    if ((rc = get_parent(newdirfd, unew, &n))) {
        kfree(o.path);
        return rc;
    }
    struct inode *src = o.len ? dir_lookup(o.dir, o.last, o.len) : 0;
    struct inode *dst = n.len ? dir_lookup(n.dir, n.last, n.len) : 0;
    if (!o.len || !n.len || is_dot(&o) || is_dotdot(&o) || is_dot(&n) || is_dotdot(&n)) rc = -EBUSY;
    else if (!src) rc = -ENOENT;
    else if (dir_is_synthetic(o.dir) || dir_is_synthetic(n.dir)) rc = -EACCES;
    else if (n.dir->nlink == 0) rc = -ENOENT;
    else if (src == dst) rc = 0; /* the same file: nothing to do */
    else if (dst && (flags & RENAME_NOREPLACE)) rc = -EEXIST;
    else if (S_ISDIR(src->mode) && is_ancestor(src, n.dir)) rc = -EINVAL;
    else if (dst && S_ISDIR(src->mode) && !S_ISDIR(dst->mode)) rc = -ENOTDIR;
    else if (dst && !S_ISDIR(src->mode) && S_ISDIR(dst->mode)) rc = -EISDIR;
    else if (dst && S_ISDIR(dst->mode) && !dir_is_empty(dst)) rc = -ENOTEMPTY;
    else if (!S_ISDIR(src->mode) && (o.last[o.len] == '/' || n.last[n.len] == '/')) rc = -ENOTDIR;
    else {
        char name[256];
        memcpy(name, n.last, n.len);
        name[n.len] = 0;
        if (dst) dir_remove(n.dir, n.last, n.len);
        struct inode *moved;
        dir_detach(o.dir, o.last, o.len, &moved);
        rc = dir_add(n.dir, name, moved);
        if (rc) { /* out of memory: put it back where it was */
            char oname[256];
            memcpy(oname, o.last, o.len);
            oname[o.len] = 0;
            dir_add(o.dir, oname, moved);
        }
        moved->ctime = fs_now();
    }
    kfree(o.path);
    kfree(n.path);
    return rc;
}
SYSCALL(rename) { return do_rename(AT_FDCWD, a1, AT_FDCWD, a2, 0); }
SYSCALL(renameat) { return do_rename((int32_t)a1, a2, (int32_t)a3, a4, 0); }
SYSCALL(renameat2) { return do_rename((int32_t)a1, a2, (int32_t)a3, a4, a5); }

static long do_link(int32_t olddirfd, uint32_t uold, int32_t newdirfd, uint32_t unew, uint32_t flags)
{
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    struct inode *src;
    int rc = lookup_at(olddirfd, uold, (flags & AT_SYMLINK_FOLLOW) != 0, (flags & AT_EMPTY_PATH) != 0, &src);
    if (rc) return rc;
    if (S_ISDIR(src->mode) || src->gen) return -EPERM;
    if (src->nlink == 0) return -ENOENT;
    struct parent n;
    if ((rc = get_parent(newdirfd, unew, &n))) return rc;
    char name[256];
    memcpy(name, n.last, n.len);
    name[n.len] = 0;
    if (!n.len || is_dot(&n) || is_dotdot(&n) || dir_lookup(n.dir, n.last, n.len)) rc = -EEXIST;
    else if (dir_is_synthetic(n.dir)) rc = -EACCES;
    else if (!(rc = dir_add(n.dir, name, src))) {
        src->nlink++;
        src->ctime = fs_now();
    }
    kfree(n.path);
    return rc;
}
SYSCALL(link) { return do_link(AT_FDCWD, a1, AT_FDCWD, a2, 0); }
SYSCALL(linkat) { return do_link((int32_t)a1, a2, (int32_t)a3, a4, a5); }

/* chmod/chown: we run as root, so only the bookkeeping (and ctime). */
static long set_mode(struct inode *ino, uint32_t mode)
{
    if (ino->gen || dir_is_synthetic(ino)) return -EPERM;
    ino->mode = (ino->mode & S_IFMT) | (mode & 07777);
    ino->ctime = fs_now();
    return 0;
}
static long do_chmod(int32_t dirfd, uint32_t upath, uint32_t mode)
{
    struct inode *ino;
    int rc = lookup_at(dirfd, upath, true, false, &ino);
    return rc ? rc : set_mode(ino, mode);
}
SYSCALL(chmod) { return do_chmod(AT_FDCWD, a1, a2); }
SYSCALL(fchmodat) { return do_chmod((int32_t)a1, a2, a3); }
SYSCALL(fchmod)
{
    struct file *f = fget((int32_t)a1);
    return f ? set_mode(f->inode, a2) : -EBADF;
}

/* uid/gid -1 (the 16-bit calls: 0xffff) leave the field alone. */
static long set_owner(struct inode *ino, uint32_t uid, uint32_t gid)
{
    if (ino->gen || dir_is_synthetic(ino)) return -EPERM;
    if (uid != 0xffffffffu) ino->uid = uid;
    if (gid != 0xffffffffu) ino->gid = gid;
    if (S_ISREG(ino->mode)) ino->mode &= ~04000u; /* chown clears set-user-ID */
    ino->ctime = fs_now();
    return 0;
}
static uint32_t id16(uint32_t id) { return (id & 0xffff) == 0xffff ? 0xffffffffu : (id & 0xffff); }
static long do_chown(int32_t dirfd, uint32_t upath, uint32_t uid, uint32_t gid, uint32_t flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    struct inode *ino;
    int rc = lookup_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) != 0, &ino);
    return rc ? rc : set_owner(ino, uid, gid);
}
static long do_fchown(uint32_t fd, uint32_t uid, uint32_t gid)
{
    struct file *f = fget((int32_t)fd);
    return f ? set_owner(f->inode, uid, gid) : -EBADF;
}
SYSCALL(chown32) { return do_chown(AT_FDCWD, a1, a2, a3, 0); }
SYSCALL(lchown32) { return do_chown(AT_FDCWD, a1, a2, a3, AT_SYMLINK_NOFOLLOW); }
SYSCALL(fchown32) { return do_fchown(a1, a2, a3); }
SYSCALL(chown16) { return do_chown(AT_FDCWD, a1, id16(a2), id16(a3), 0); }
SYSCALL(lchown16) { return do_chown(AT_FDCWD, a1, id16(a2), id16(a3), AT_SYMLINK_NOFOLLOW); }
SYSCALL(fchown16) { return do_fchown(a1, id16(a2), id16(a3)); }
SYSCALL(fchownat) { return do_chown((int32_t)a1, a2, a3, a4, a5); }

/* utimensat(dirfd, path or NULL for dirfd itself, times[2] or NULL for now, flags). */
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
static long do_utimens(int32_t dirfd, uint32_t upath, uint32_t utimes, uint32_t flags, bool time64)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    struct inode *ino;
    int rc;
    if (!upath) {
        struct file *f = fget(dirfd);
        if (!f) return -EBADF;
        ino = f->inode;
    } else if ((rc = lookup_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) != 0, &ino))) {
        return rc;
    }
    int64_t sec[2] = { 0, 0 }, nsec[2] = { UTIME_NOW, UTIME_NOW };
    if (utimes) {
        if (time64) {
            int64_t ts[4];
            if (copy_from_user(ts, (const void *)utimes, sizeof(ts))) return -EFAULT;
            sec[0] = ts[0], nsec[0] = (int32_t)ts[1], sec[1] = ts[2], nsec[1] = (int32_t)ts[3];
        } else {
            int32_t ts[4];
            if (copy_from_user(ts, (const void *)utimes, sizeof(ts))) return -EFAULT;
            sec[0] = ts[0], nsec[0] = ts[1], sec[1] = ts[2], nsec[1] = ts[3];
        }
        for (int k = 0; k < 2; k++)
            if (nsec[k] != UTIME_NOW && nsec[k] != UTIME_OMIT && (nsec[k] < 0 || nsec[k] > 999999999)) return -EINVAL;
    }
    uint32_t now = fs_now();
    if (nsec[0] != UTIME_OMIT) ino->atime = nsec[0] == UTIME_NOW ? now : (uint32_t)sec[0];
    if (nsec[1] != UTIME_OMIT) ino->mtime = nsec[1] == UTIME_NOW ? now : (uint32_t)sec[1];
    ino->ctime = now;
    return 0;
}
SYSCALL(utimensat) { return do_utimens((int32_t)a1, a2, a3, a4, false); }
SYSCALL(utimensat_time64) { return do_utimens((int32_t)a1, a2, a3, a4, true); }

/* Everything is in RAM: syncing has nothing to do, and succeeds. */
SYSCALL(sync) { return 0; }
SYSCALL(fsync) { return fget((int32_t)a1) ? 0 : -EBADF; }

/* struct statfs64 (asm-generic/statfs.h, packed on x86: 84 bytes). */
struct statfs64 {
    uint32_t f_type, f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    uint32_t f_namelen, f_frsize, f_flags, f_spare[4];
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct statfs64) == 84, "struct statfs64 is 84 bytes on i386");
#define RAMFS_MAGIC 0x858458f6
#define PROC_SUPER_MAGIC 0x9fa0

static long fill_statfs(struct inode *ino, uint32_t size, uint32_t ubuf)
{
    if (size != sizeof(struct statfs64) && size != 88) return -EINVAL;
    struct statfs64 st;
    memset(&st, 0, sizeof(st));
    uint32_t dev = inode_dev(ino);
    st.f_type = dev == 3 ? PROC_SUPER_MAGIC : RAMFS_MAGIC; /* device nodes live in the root fs */
    st.f_bsize = st.f_frsize = PAGE_SIZE;
    if (dev != 3) { /* ramfs shares all of RAM (Linux's ramfs says 0 blocks): show the RAM */
        st.f_blocks = arch_nr_pages();
        st.f_bfree = st.f_bavail = nr_free_pages();
    }
    st.f_namelen = 255;
    st.f_fsid[0] = (int32_t)dev;
    return copy_to_user((void *)ubuf, &st, size < sizeof(st) ? size : sizeof(st));
}
SYSCALL(statfs64)
{
    struct inode *ino;
    int rc = lookup_at(AT_FDCWD, a1, true, false, &ino);
    return rc ? rc : fill_statfs(ino, a2, a3);
}
SYSCALL(fstatfs64)
{
    struct file *f = fget((int32_t)a1);
    return f ? fill_statfs(f->inode, a2, a3) : -EBADF;
}
SYSCALL(faccessat2)
{
    if (a4 & ~(0x200 | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL; /* AT_EACCESS: we are root */
    return do_access((int32_t)a1, a2, a3);
}
