/* fs.h: the RAM file system (inodes and directory entries) and open files. */
#ifndef FS_H
#define FS_H
#include "kernel.h"

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)

#define O_ACCMODE 3
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000

struct inode {
    uint32_t ino;
    uint32_t mode;
    uint32_t uid, gid;
    uint32_t nlink;
    uint32_t rdev;
    uint32_t mtime;
    uint32_t size;
    const uint8_t *data;      /* file contents or symlink target (initramfs data: read-only) */
    struct inode *parent;     /* directories */
    struct dentry *children;  /* directories */
};
struct dentry {
    char *name;
    struct inode *inode;
    struct dentry *next;
};

struct file;
struct file_ops {
    ssize_t (*read)(struct file *f, char *ubuf, size_t n);
    ssize_t (*write)(struct file *f, const char *ubuf, size_t n);
    int (*ioctl)(struct file *f, uint32_t cmd, uint32_t arg);
};
struct file {
    uint32_t refs;
    uint32_t flags;
    loff_t pos;
    struct inode *inode;
    const struct file_ops *ops;
};

extern struct inode *root_inode;
struct inode *inode_new(uint32_t mode);
/* Adds `name` in `dir`; -EEXIST when present. */
int dir_add(struct inode *dir, const char *name, struct inode *child);
struct inode *dir_lookup(struct inode *dir, const char *name, size_t len);
/* Resolves a kernel-space path from `start` (NULL: root for absolute, cwd otherwise). With
 * `create_parent`, returns the parent directory and leaves the last component in *last. */
int path_lookup(const char *path, struct inode *cwd, bool follow_last, struct inode **out);
int path_parent(const char *path, struct inode *cwd, struct inode **dir, const char **last, size_t *last_len);
void initramfs_unpack(const uint8_t *data, size_t len);

struct file *file_open_inode(struct inode *ino, uint32_t flags);
void file_put(struct file *f);
extern const struct file_ops ramfs_file_ops, ramfs_dir_ops, tty_ops;
void fill_stat64(struct inode *ino, void *st);
#endif
