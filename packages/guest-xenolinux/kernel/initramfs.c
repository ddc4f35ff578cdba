/* initramfs.c: unpacks the PV ramdisk, a cpio "newc" archive (Linux's
 * Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header
 * ("070701" + 13 eight-digit hex fields), the NUL-terminated name padded to 4 bytes, the data
 * padded to 4, until "TRAILER!!!". File contents are used in place (the ramdisk stays mapped).
 * Missing parent directories are created, as a forgiving unpacker should. */
#include "kernel.h"
#include "fs.h"

static uint32_t hex8(const uint8_t *p, bool *ok)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else { *ok = false; return 0; }
        v = (v << 4) | d;
    }
    return v;
}

/* Finds or makes the directory chain of `path` (without its last component). */
static struct inode *make_parents(const char *path, const char **last)
{
    struct inode *dir = root_inode;
    const char *p = path;
    for (;;) {
        while (*p == '/') p++;
        const char *end = strchr(p, '/');
        if (!end) break;
        size_t len = end - p;
        struct inode *next = dir_lookup(dir, p, len);
        if (!next) {
            char name[256];
            if (len >= sizeof(name)) return 0;
            memcpy(name, p, len);
            name[len] = 0;
            next = inode_new(S_IFDIR | 0755);
            if (!next || dir_add(dir, name, next)) return 0;
        }
        if (!S_ISDIR(next->mode)) return 0;
        dir = next;
        p = end + 1;
    }
    *last = p;
    return dir;
}

static void unpack(const uint8_t *data, size_t len)
{
    size_t off = 0;
    unsigned files = 0;
    while (off + 110 <= len) {
        const uint8_t *h = data + off;
        if (memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0) {
            printk(KERN_ERR "initramfs: bad magic at offset %u\n", (unsigned)off);
            return;
        }
        bool ok = true;
        uint32_t f[13];
        for (int i = 0; i < 13; i++) f[i] = hex8(h + 6 + i * 8, &ok);
        uint32_t mode = f[1], uid = f[2], gid = f[3], mtime = f[5], size = f[6];
        uint32_t rdev = (f[9] << 8) | f[10], namesize = f[11];
        size_t name_off = off + 110;
        size_t data_off = (name_off + namesize + 3) & ~3u;
        if (!ok || namesize == 0 || data_off > len || size > len - data_off || data[name_off + namesize - 1] != 0) {
            printk(KERN_ERR "initramfs: corrupt entry at offset %u\n", (unsigned)off);
            return;
        }
        const char *name = (const char *)data + name_off;
        off = (data_off + size + 3) & ~3u;
        if (strcmp(name, "TRAILER!!!") == 0) break;
        if (strcmp(name, ".") == 0 || strcmp(name, "/") == 0) continue;
        const char *last;
        struct inode *dir = make_parents(name, &last);
        if (!dir || !*last) continue;
        struct inode *existing = dir_lookup(dir, last, strlen(last));
        if (existing && S_ISDIR(existing->mode) && S_ISDIR(mode)) {
            existing->mode = mode;
            continue;
        }
        if (existing) continue; /* first entry wins */
        struct inode *ino = inode_new(mode);
        if (!ino) panic("initramfs: out of memory");
        ino->uid = uid;
        ino->gid = gid;
        ino->atime = ino->mtime = ino->ctime = mtime;
        ino->rdev = rdev;
        if (S_ISREG(mode) || S_ISLNK(mode)) {
            ino->data = data + data_off;
            ino->size = size;
        }
        if (dir_add(dir, last, ino)) panic("initramfs: out of memory");
        files++;
    }
    printk(KERN_INFO "initramfs: unpacked %u entries\n", files);
}

/* The archive, then what the kernel mounts itself: device nodes (devtmpfs) and /proc. */
void initramfs_unpack(const uint8_t *data, size_t len)
{
    unpack(data, len);
    devfs_populate();
    procfs_init();
}
