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

#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define RENAME_NOREPLACE 1

/* Generated (procfs) files: the text is made at open time from kernel state. */
struct inode;
typedef int (*inode_gen_fn)(struct inode *ino, char *buf, size_t cap);
#define FILE_MAX_PAGES 1024   /* one page of page pointers: files up to 4 MiB (else -EFBIG) */

struct inode {
    uint32_t ino;
    uint32_t mode;
    uint32_t uid, gid;
    uint32_t nlink;
    uint32_t rdev;            /* (major << 8) | minor */
    uint32_t atime, mtime, ctime;
    uint32_t size;
    /* Contents of a regular file or a symlink target: either `data` (initramfs bytes used in
     * place, read-only; or a kmalloc'd symlink target when `data_owned`), or `pages` (a
     * kmalloc'd array of FILE_MAX_PAGES page pointers, NULL = hole) once written. Read files
     * through inode_read_kernel(): for files written at run time `data` is NULL (empty, never
 * written) or a page of zeros, not their contents. */
    const uint8_t *data;
    uint8_t **pages;
    bool data_owned;
    uint32_t opens;           /* open files; the storage goes when nlink and opens are 0 */
    struct inode *parent;     /* directories */
    struct dentry *children;  /* directories */
    inode_gen_fn gen;         /* procfs: file text or symlink target made on demand */
    int gen_pid;              /* procfs: the process a per-pid entry describes */
    void (*refresh)(struct inode *dir); /* procfs: brings a directory up to date before use */
};
struct dentry {
    char *name;
    struct inode *inode;
    struct dentry *next;
    uint32_t seq;             /* increasing along the list: a readdir position that survives removals */
};

struct file;
struct file_ops {
    ssize_t (*read)(struct file *f, char *ubuf, size_t n);
    ssize_t (*write)(struct file *f, const char *ubuf, size_t n);
    int (*ioctl)(struct file *f, uint32_t cmd, uint32_t arg);
    /* poll(2) readiness now: POLLIN/POLLOUT/POLLHUP bits; NULL: always readable and writable. */
    uint32_t (*poll)(struct file *f);
};
#define POLLIN 0x0001
#define POLLPRI 0x0002
#define POLLOUT 0x0004
#define POLLERR 0x0008
#define POLLHUP 0x0010
#define POLLNVAL 0x0020
struct file {
    uint32_t refs;
    uint32_t flags;
    loff_t pos;
    struct inode *inode;
    const struct file_ops *ops;
    char *gen_text;           /* procfs: the text generated at open */
    uint32_t gen_len;
};

extern struct inode *root_inode;
struct inode *inode_new(uint32_t mode);
/* Seconds of wall-clock time (Xen's wall clock) for timestamps. */
uint32_t fs_now(void);
/* Adds `name` in `dir`; -EEXIST when present. */
int dir_add(struct inode *dir, const char *name, struct inode *child);
struct inode *dir_lookup(struct inode *dir, const char *name, size_t len);
/* Removes the entry `name` from `dir` (dropping a link of its inode). */
int dir_remove(struct inode *dir, const char *name, size_t len);
bool dir_is_empty(struct inode *dir);
/* Unhooks the entry without dropping a link of its inode (rename); the parent's nlink follows. */
int dir_detach(struct inode *dir, const char *name, size_t len, struct inode **out);
/* Drops a reference (open file or link); frees a regular file's storage when none remain. */
void inode_put_storage(struct inode *ino);
/* Resolves a kernel-space path from `cwd` (NULL: root). */
int path_lookup(const char *path, struct inode *cwd, bool follow_last, struct inode **out);
/* The directory that holds the last component, and that component. */
int path_parent(const char *path, struct inode *cwd, struct inode **dir, const char **last, size_t *last_len);
void initramfs_unpack(const uint8_t *data, size_t len);

/* Regular-file contents (kernel buffers): read returns bytes read; write/truncate 0 or -errno. */
ssize_t inode_read_kernel(struct inode *ino, loff_t pos, void *buf, size_t n);
int inode_write_kernel(struct inode *ino, loff_t pos, const void *buf, size_t n);
int inode_truncate(struct inode *ino, uint32_t size);
/* A symlink's target into buf (NUL-terminated); its length or -errno. */
int inode_link_target(struct inode *ino, char *buf, size_t cap);

struct file *file_open_inode(struct inode *ino, uint32_t flags);
void file_put(struct file *f);
extern const struct file_ops ramfs_file_ops, ramfs_dir_ops, tty_ops;
void fill_stat64(struct inode *ino, void *st);
uint32_t inode_dev(struct inode *ino);
uint64_t inode_blocks(struct inode *ino); /* 512-byte sectors */

/* Devices (devfs.c): the operations of a character device number; /dev populated at boot. */
const struct file_ops *chrdev_ops(uint32_t rdev);
void devfs_populate(void);
/* procfs.c: /proc, made at boot. */
void procfs_init(void);

/* execve: closes the descriptors marked close-on-exec (FD_CLOEXEC / O_CLOEXEC). */
void fd_close_on_exec(void);
#endif
