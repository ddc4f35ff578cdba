/* fs-probe.c: a static i386 program (no libc: int 0x80 system calls) that exercises the file
 * system calls in the directory given as argv[1] and prints what each returns. The test runs it
 * natively on the host (in a fresh temporary directory) and as init on XenoLinux (in /tmp), and
 * compares the two outputs: only facts that do not depend on the file system type are printed
 * (no inode numbers, devices, block counts or absolute times; directory listings sorted).
 * Build: gcc -m32 -static -nostdlib -ffreestanding -fno-pic -no-pie -O1 fs-probe.c */
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;
typedef long long s64;

static long sc(long n, long a, long b, long c, long d, long e)
{
    long r;
    __asm__ volatile("push %%ebp; mov %7, %%ebp; int $0x80; pop %%ebp"
                     : "=a"(r)
                     : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "g"(0)
                     : "memory");
    return r;
}
#define SC0(n) sc(n, 0, 0, 0, 0, 0)
#define SC1(n, a) sc(n, (long)(a), 0, 0, 0, 0)
#define SC2(n, a, b) sc(n, (long)(a), (long)(b), 0, 0, 0)
#define SC3(n, a, b, c) sc(n, (long)(a), (long)(b), (long)(c), 0, 0)
#define SC4(n, a, b, c, d) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), 0)
#define SC5(n, a, b, c, d, e) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))

/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
enum {
    NR_exit = 1, NR_read = 3, NR_write = 4, NR_open = 5, NR_close = 6, NR_link = 9, NR_unlink = 10,
    NR_chdir = 12, NR_chmod = 15, NR_lseek = 19, NR_access = 33, NR_sync = 36, NR_rename = 38,
    NR_mkdir = 39, NR_rmdir = 40, NR_dup = 41, NR_umask = 60, NR_dup2 = 63, NR_symlink = 83,
    NR_readlink = 85, NR_truncate = 92, NR_ftruncate = 93, NR_fchmod = 94, NR_fsync = 118,
    NR_fchdir = 133, NR_llseek = 140, NR_readv = 145, NR_writev = 146, NR_pread64 = 180,
    NR_pwrite64 = 181, NR_getcwd = 183, NR_stat64 = 195, NR_lstat64 = 196, NR_fstat64 = 197,
    NR_chown32 = 212, NR_getdents64 = 220, NR_fcntl64 = 221, NR_exit_group = 252, NR_openat = 295,
    NR_mkdirat = 296, NR_unlinkat = 301, NR_renameat = 302, NR_linkat = 303, NR_symlinkat = 304,
    NR_readlinkat = 305, NR_faccessat = 307, NR_utimensat = 320, NR_dup3 = 330, NR_statx = 383,
};
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000
#define AT_FDCWD (-100)
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_NOFOLLOW 0x100

struct stat64 {
    u64 st_dev;
    u32 pad0, ino32, st_mode, st_nlink, st_uid, st_gid;
    u64 st_rdev;
    u32 pad3;
    s64 st_size;
    u32 st_blksize;
    u64 st_blocks;
    u32 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
    u64 st_ino;
} __attribute__((packed));

static u32 slen(const char *s) { u32 n = 0; while (s[n]) n++; return n; }
static int scmp(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return (unsigned char)*a - (unsigned char)*b; }
static void out(const char *s) { SC3(NR_write, 1, s, slen(s)); }
static void outn(long v)
{
    char b[16];
    int i = 15;
    int neg = v < 0;
    unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
    b[i] = 0;
    do b[--i] = '0' + u % 10; while (u /= 10);
    if (neg) b[--i] = '-';
    out(b + i);
}
static void outo(unsigned long v)
{
    char b[16];
    int i = 15;
    b[i] = 0;
    do b[--i] = '0' + (v & 7); while (v >>= 3);
    out(b + i);
}
/* "label: value\n" */
static void show(const char *label, long v) { out(label); out(": "); outn(v); out("\n"); }

static struct stat64 st;
static void show_stat(const char *label, const char *path, int nofollow)
{
    long r = SC2(nofollow ? NR_lstat64 : NR_stat64, path, &st);
    out(label);
    if (r) { out(": "); outn(r); out("\n"); return; }
    out(": mode "); outo(st.st_mode); out(" nlink "); outn((long)st.st_nlink);
    if ((st.st_mode & 0170000) != 0040000) { out(" size "); outn((long)st.st_size); } /* directory sizes are the file system's */
    out(" uid "); outn((long)st.st_uid); out("\n");
}

static char buf[8192];

/* The sorted names and types of a directory. */
static void list_dir(const char *label, int fd)
{
    static char names[64][64];
    static int types[64];
    int n = 0;
    long got;
    while ((got = SC3(NR_getdents64, fd, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < got;) {
            unsigned short reclen = *(unsigned short *)(buf + off + 16);
            const char *name = buf + off + 19;
            if (n < 64) {
                u32 k = 0;
                for (; name[k] && k < 63; k++) names[n][k] = name[k];
                names[n][k] = 0;
                types[n++] = (unsigned char)buf[off + 18];
            }
            off += reclen;
        }
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && scmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            for (int k = 0; k < 64; k++) t[k] = names[j][k], names[j][k] = names[j - 1][k], names[j - 1][k] = t[k];
            int tt = types[j]; types[j] = types[j - 1]; types[j - 1] = tt;
        }
    out(label);
    out(":");
    for (int i = 0; i < n; i++) { out(" "); out(names[i]); out("/"); outn(types[i]); }
    out(" end "); outn(got); out("\n");
}

static void probe(void)
{
    long fd, r, got_dents;
    show("umask", (SC1(NR_umask, 022), SC1(NR_umask, 022)));

    /* create, exclusive create, write, stat */
    fd = SC3(NR_open, "f", O_WRONLY | O_CREAT | O_EXCL, 0666);
    show("create f", fd >= 0);
    show("create f again (O_EXCL)", SC3(NR_open, "f", O_WRONLY | O_CREAT | O_EXCL, 0666));
    show("write", SC3(NR_write, fd, "hello world\n", 12));
    show("read from O_WRONLY", SC3(NR_read, fd, buf, 4));
    show_stat("f", "f", 0);
    show("lseek cur", SC3(NR_lseek, fd, 0, 1));
    show("lseek 100", SC3(NR_lseek, fd, 100, 0));
    show("write x", SC3(NR_write, fd, "x", 1));
    show_stat("f after hole", "f", 0);
    show("lseek -1", SC3(NR_lseek, fd, -1, 0));
    show("close", SC1(NR_close, fd));
    show("close again", SC1(NR_close, fd));

    /* read back: the hole reads as zeros */
    fd = SC2(NR_open, "f", O_RDONLY);
    r = SC3(NR_read, fd, buf, sizeof(buf));
    show("read all", r);
    int zeros = 0;
    for (int i = 12; i < 100; i++) zeros += buf[i] == 0;
    show("zeros in hole", zeros);
    show("buf[100] is x", buf[100] == 'x');
    show("read at end", SC3(NR_read, fd, buf, 10));
    show("write to O_RDONLY", SC3(NR_write, fd, "y", 1));
    s64 pos = -1;
    show("_llseek end-1", SC5(NR_llseek, fd, 0, -1 & 0xffffffff, &pos, 2) == 0 ? 0 : -1);
    show("_llseek pos", (long)pos);
    SC1(NR_close, fd);

    /* append, truncate */
    fd = SC3(NR_open, "f", O_WRONLY | O_APPEND, 0);
    SC3(NR_lseek, fd, 0, 0);
    show("append write", SC3(NR_write, fd, "tail", 4));
    show("pos after append", SC3(NR_lseek, fd, 0, 1));
    SC1(NR_close, fd);
    show_stat("f appended", "f", 0);
    fd = SC3(NR_open, "f", O_RDWR | O_TRUNC, 0);
    show_stat("f truncated by open", "f", 0);
    show("ftruncate 5000", SC2(NR_ftruncate, fd, 5000));
    show_stat("f 5000", "f", 0);
    show("pwrite at 4096", SC5(NR_pwrite64, fd, "page2", 5, 4096, 0));
    show("pos after pwrite", SC3(NR_lseek, fd, 0, 1));
    r = SC5(NR_pread64, fd, buf, 8, 4094, 0);
    show("pread at 4094", r);
    show("pread bytes", buf[0] == 0 && buf[1] == 0 && buf[2] == 'p' && buf[6] == '2');
    show("ftruncate 3", SC2(NR_ftruncate, fd, 3));
    show("ftruncate -1", SC2(NR_ftruncate, fd, -1));
    show("truncate path 10", SC2(NR_truncate, "f", 10));
    show_stat("f 10", "f", 0);
    SC3(NR_lseek, fd, 0, 0);
    struct { void *base; u32 len; } iov[3] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 } };
    show("writev", SC3(NR_writev, fd, iov, 3));
    SC3(NR_lseek, fd, 0, 0);
    char v1[3] = { 0 }, v2[5] = { 0 };
    struct { void *base; u32 len; } riov[2] = { { v1, 2 }, { v2, 4 } };
    show("readv", SC3(NR_readv, fd, riov, 2));
    out("readv data: "); out(v1); out(" "); out(v2); out("\n");
    SC1(NR_close, fd);

    /* directories */
    show("mkdir d", SC2(NR_mkdir, "d", 0755));
    show("mkdir d again", SC2(NR_mkdir, "d", 0755));
    show("mkdir d/e", SC2(NR_mkdir, "d/e", 0700));
    show("mkdir missing/x", SC2(NR_mkdir, "missing/x", 0755));
    show("mkdir f/x", SC2(NR_mkdir, "f/x", 0755));
    show_stat("d", "d", 0);
    show_stat("d/e", "d/e", 0);
    show("rmdir d (not empty)", SC1(NR_rmdir, "d"));
    show("rmdir f (a file)", SC1(NR_rmdir, "f"));
    show("unlink d (a directory)", SC1(NR_unlink, "d"));
    show("rmdir d/e", SC1(NR_rmdir, "d/e"));
    show("rmdir d/e again", SC1(NR_rmdir, "d/e"));
    show_stat("d after rmdir", "d", 0);
    show("rmdir d/.", SC1(NR_rmdir, "d/."));

    /* rename */
    show("rename f d/g", SC2(NR_rename, "f", "d/g"));
    show_stat("f gone", "f", 0);
    show_stat("d/g", "d/g", 0);
    fd = SC3(NR_open, "h", O_WRONLY | O_CREAT | O_TRUNC, 0640);
    SC3(NR_write, fd, "replacement\n", 12);
    SC1(NR_close, fd);
    show("rename h d/g (replace)", SC2(NR_rename, "h", "d/g"));
    show_stat("d/g replaced", "d/g", 0);
    show("mkdir d2", SC2(NR_mkdir, "d2", 0755));
    show("mkdir d2/x", SC2(NR_mkdir, "d2/x", 0755));
    show("rename d into d/sub", SC2(NR_rename, "d", "d/sub"));
    show("rename d onto d2 (not empty)", SC2(NR_rename, "d", "d2"));
    show("rename d/g onto d2 (a dir)", SC2(NR_rename, "d/g", "d2"));
    show("rename d2 onto d/g (a file)", SC2(NR_rename, "d2", "d/g"));
    show("rename d2/x onto d (dir, not empty)", SC2(NR_rename, "d2/x", "d"));
    show("mkdir d3", SC2(NR_mkdir, "d3", 0755));
    show("rename d2/x onto d3 (empty dir)", SC2(NR_rename, "d2/x", "d3"));
    show_stat("d2 after", "d2", 0);
    show("rename d2 d4", SC2(NR_rename, "d2", "d4"));
    show("rename missing", SC2(NR_rename, "nope", "x"));

    /* symlinks and hard links */
    show("symlink", SC2(NR_symlink, "d/g", "s"));
    show("symlink exists", SC2(NR_symlink, "x", "s"));
    r = SC3(NR_readlink, "s", buf, sizeof(buf));
    show("readlink", r);
    buf[r > 0 ? r : 0] = 0;
    out("target: "); out(buf); out("\n");
    show("readlink of a file", SC3(NR_readlink, "d/g", buf, sizeof(buf)));
    show_stat("lstat s", "s", 1);
    show_stat("stat s", "s", 0);
    fd = SC2(NR_open, "s", O_RDONLY);
    r = SC3(NR_read, fd, buf, sizeof(buf));
    buf[r > 0 ? r : 0] = 0;
    out("through symlink: "); out(buf);
    SC1(NR_close, fd);
    show("symlink dangling", SC2(NR_symlink, "nowhere", "dang"));
    show_stat("stat dangling", "dang", 0);
    show("O_CREAT|O_EXCL through dangling", SC3(NR_open, "dang", O_WRONLY | O_CREAT | O_EXCL, 0644));
    fd = SC3(NR_open, "dang", O_WRONLY | O_CREAT, 0644);
    show("O_CREAT through dangling", fd >= 0);
    SC1(NR_close, fd);
    show_stat("dangling target made", "nowhere", 1);
    show("unlink target", SC1(NR_unlink, "nowhere"));
    show("link", SC2(NR_link, "d/g", "l"));
    show_stat("l", "l", 0);
    struct stat64 a;
    SC2(NR_stat64, "l", &a);
    SC2(NR_stat64, "d/g", &st);
    show("same inode", a.st_ino == st.st_ino);
    show("link of a directory", SC2(NR_link, "d", "dl"));
    show("unlink l", SC1(NR_unlink, "l"));
    show_stat("d/g nlink", "d/g", 0);
    show("unlink l again", SC1(NR_unlink, "l"));
    show("unlink s (the link, not the target)", SC1(NR_unlink, "s"));
    show_stat("d/g still", "d/g", 0);
    show("open d/g/ (trailing slash)", SC2(NR_open, "d/g/", O_RDONLY));
    show("open d/g O_DIRECTORY", SC2(NR_open, "d/g", O_RDONLY | O_DIRECTORY));
    show("open d for writing", SC2(NR_open, "d", O_WRONLY));
    show("open missing", SC2(NR_open, "missing", O_RDONLY));

    /* unlink while open: the data stays until close */
    fd = SC3(NR_open, "tmpf", O_RDWR | O_CREAT, 0600);
    SC3(NR_write, fd, "still here", 10);
    show("unlink open file", SC1(NR_unlink, "tmpf"));
    SC3(NR_lseek, fd, 0, 0);
    r = SC3(NR_read, fd, buf, 10);
    buf[r > 0 ? r : 0] = 0;
    out("after unlink: "); out(buf); out("\n");
    SC2(NR_fstat64, fd, &st);
    show("fstat nlink", (long)st.st_nlink);
    SC1(NR_close, fd);

    /* chmod, chown, access, utimensat */
    show("chmod", SC2(NR_chmod, "d/g", 0600));
    show_stat("d/g 600", "d/g", 0);
    fd = SC2(NR_open, "d/g", O_RDONLY);
    show("fchmod", SC2(NR_fchmod, fd, 04755));
    show_stat("d/g 4755", "d/g", 0);
    show("chown", SC3(NR_chown32, "d/g", 1000, -1));
    show_stat("d/g chowned", "d/g", 0);
    SC1(NR_close, fd);
    show("access W_OK", SC2(NR_access, "d/g", 2));
    show("access missing", SC2(NR_access, "nope", 0));
    show("access bad mode", SC2(NR_access, "d/g", 8));
    s32 times[4] = { 1000000000, 0, 1100000000, 0 };
    show("utimensat", SC4(NR_utimensat, AT_FDCWD, "d/g", times, 0));
    SC2(NR_stat64, "d/g", &st);
    show("atime", (long)st.st_atime);
    show("mtime", (long)st.st_mtime);
    show("sync", SC0(NR_sync));

    /* *at() relative to a directory descriptor */
    long dfd = SC3(NR_open, "d", O_RDONLY | O_DIRECTORY, 0);
    show("open d", dfd >= 0);
    fd = SC4(NR_openat, dfd, "new", O_WRONLY | O_CREAT, 0644);
    show("openat create", fd >= 0);
    show("fsync", SC1(NR_fsync, fd));
    SC1(NR_close, fd);
    show("mkdirat", SC3(NR_mkdirat, dfd, "sub", 0755));
    show("symlinkat", SC3(NR_symlinkat, "new", dfd, "lnk"));
    r = SC4(NR_readlinkat, dfd, "lnk", buf, sizeof(buf));
    show("readlinkat", r);
    show("linkat", SC5(NR_linkat, dfd, "new", AT_FDCWD, "hard", 0));
    show("renameat", SC4(NR_renameat, dfd, "new", dfd, "renamed"));
    show("faccessat", SC4(NR_faccessat, dfd, "renamed", 4, 0));
    list_dir("d", dfd);
    show("unlinkat dir without AT_REMOVEDIR", SC3(NR_unlinkat, dfd, "sub", 0));
    show("unlinkat AT_REMOVEDIR", SC3(NR_unlinkat, dfd, "sub", AT_REMOVEDIR));
    show("unlinkat file", SC3(NR_unlinkat, dfd, "lnk", 0));
    show("openat relative to a file", SC4(NR_openat, SC2(NR_open, "hard", O_RDONLY), "x", O_RDONLY, 0));
    long cwd = SC3(NR_open, ".", O_RDONLY | O_DIRECTORY, 0);
    show("fchdir d", SC1(NR_fchdir, dfd));
    r = SC2(NR_getcwd, buf, sizeof(buf));
    show("getcwd ends in /d", r > 2 && buf[r - 3] == '/' && buf[r - 2] == 'd');
    show("stat relative after fchdir", SC2(NR_stat64, "renamed", &st));
    show("fchdir back", SC1(NR_fchdir, cwd));
    list_dir("top", SC3(NR_open, ".", O_RDONLY | O_DIRECTORY, 0));

    /* descriptors: fcntl, dup */
    fd = SC3(NR_open, "hard", O_RDONLY | O_CLOEXEC, 0);
    show("F_GETFD cloexec", SC2(NR_fcntl64, fd, 1));
    show("F_SETFD 0", SC3(NR_fcntl64, fd, 2, 0));
    show("F_GETFD", SC2(NR_fcntl64, fd, 1));
    show("F_GETFL", SC2(NR_fcntl64, fd, 3));
    show("F_SETFL O_NONBLOCK|O_APPEND", SC3(NR_fcntl64, fd, 4, O_NONBLOCK | O_APPEND));
    show("F_GETFL after", SC2(NR_fcntl64, fd, 3));
    show("F_DUPFD 20", SC3(NR_fcntl64, fd, 0, 20));
    show("F_DUPFD_CLOEXEC 20", SC3(NR_fcntl64, fd, 1030, 20));
    show("F_GETFD 21", SC2(NR_fcntl64, 21, 1));
    show("dup2 to 30", SC2(NR_dup2, fd, 30));
    show("dup2 same", SC2(NR_dup2, 30, 30));
    show("dup3 cloexec 31", SC3(NR_dup3, fd, 31, O_CLOEXEC));
    show("F_GETFD 31", SC2(NR_fcntl64, 31, 1));
    show("dup3 same", SC3(NR_dup3, 31, 31, 0));
    show("dup2 bad", SC2(NR_dup2, 99, 32));
    show("fcntl bad fd", SC2(NR_fcntl64, 99, 1));
    /* dups share the position */
    show("lseek via dup", SC3(NR_lseek, 30, 3, 0));
    show("position via original", SC3(NR_lseek, fd, 0, 1));

    /* devices */
    fd = SC2(NR_open, "/dev/null", O_RDWR);
    show("null write", SC3(NR_write, fd, "abc", 3));
    show("null read", SC3(NR_read, fd, buf, 3));
    SC1(NR_close, fd);
    fd = SC2(NR_open, "/dev/zero", O_RDONLY);
    buf[0] = buf[999] = 1;
    show("zero read", SC3(NR_read, fd, buf, 1000));
    show("zero bytes", buf[0] == 0 && buf[999] == 0);
    SC1(NR_close, fd);
    fd = SC2(NR_open, "/dev/urandom", O_RDONLY);
    show("urandom read", SC3(NR_read, fd, buf, 64));
    SC1(NR_close, fd);
    show_stat("/dev/null", "/dev/null", 0);
    show_stat("/dev/zero", "/dev/zero", 0);

    /* rm -r's pattern: read a few entries, unlink them, read on - nothing may be skipped */
    show("mkdir many", SC2(NR_mkdir, "many", 0755));
    char name[] = "many/entry-with-a-long-name-000";
    u32 n = slen(name);
    for (int i = 0; i < 120; i++) {
        name[n - 3] = '0' + i / 100, name[n - 2] = '0' + i / 10 % 10, name[n - 1] = '0' + i % 10;
        SC1(NR_close, SC3(NR_open, name, O_WRONLY | O_CREAT, 0644));
    }
    dfd = SC3(NR_open, "many", O_RDONLY | O_DIRECTORY, 0);
    int removed = 0, calls = 0;
    while ((got_dents = SC3(NR_getdents64, dfd, buf, 512)) > 0) {
        calls++;
        for (long off = 0; off < got_dents;) {
            const char *ename = buf + off + 19;
            if (ename[0] != '.' && SC3(NR_unlinkat, dfd, ename, 0) == 0) removed++;
            off += *(unsigned short *)(buf + off + 16);
        }
    }
    show("removed while reading", removed);
    show("several reads", calls > 5);
    show("rmdir many", SC1(NR_rmdir, "many"));
}

void __attribute__((used)) start_c(long *sp)
{
    char **argv = (char **)(sp + 1);
    if (sp[0] > 1) SC1(NR_chdir, argv[1]);
    probe();
    SC1(NR_exit_group, 0);
}

__asm__(".globl _start\n_start:\n mov %esp, %eax\n and $-16, %esp\n push %eax\n push %eax\n call start_c\n");
