/* ramfs.c: the RAM file system: inodes, directories, file contents and path resolution (with
 * symlinks, "." and "..", at most 40 link traversals as Linux's MAXSYMLINKS).
 * File contents: initramfs bytes are used in place until the first write or truncate, which
 * copies them into pages (copy on write); written files live in pages indexed by a page of
 * page pointers, holes read as zeros (Linux ramfs keeps files in the page cache the same way). */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

#define page_free_pfn_virt(p) page_free_pfn(virt_to_pfn(p))

struct inode *root_inode;
static uint32_t next_ino = 1;

uint32_t fs_now(void)
{
    uint64_t sec;
    uint32_t nsec;
    arch_wallclock(&sec, &nsec);
    return (uint32_t)sec;
}

struct inode *inode_new(uint32_t mode)
{
    struct inode *i = kzalloc(sizeof(*i));
    if (!i) return 0;
    i->ino = next_ino++;
    i->mode = mode;
    i->nlink = S_ISDIR(mode) ? 2 : 1;
    i->atime = i->mtime = i->ctime = fs_now();
    return i;
}

struct inode *dir_lookup(struct inode *dir, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.') return dir;
    if (len == 2 && name[0] == '.' && name[1] == '.') return dir->parent ? dir->parent : dir;
    if (dir->refresh) dir->refresh(dir);
    for (struct dentry *d = dir->children; d; d = d->next)
        if (strlen(d->name) == len && memcmp(d->name, name, len) == 0) return d->inode;
    return 0;
}

int dir_add(struct inode *dir, const char *name, struct inode *child)
{
    if (dir_lookup(dir, name, strlen(name))) return -EEXIST;
    struct dentry *d = kzalloc(sizeof(*d));
    char *n = kstrdup(name);
    if (!d || !n) {
        kfree(d);
        kfree(n);
        return -ENOMEM;
    }
    static uint32_t next_seq = 1;
    d->name = n;
    d->inode = child;
    d->seq = next_seq++;
    /* Append, so directory listings keep creation order. */
    struct dentry **p = &dir->children;
    while (*p) p = &(*p)->next;
    *p = d;
    if (S_ISDIR(child->mode)) {
        child->parent = dir;
        dir->nlink++;
    }
    dir->mtime = dir->ctime = fs_now();
    return 0;
}

bool dir_is_empty(struct inode *dir) { return dir->children == 0; }

int dir_detach(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    for (struct dentry **p = &dir->children; *p; p = &(*p)->next) {
        struct dentry *d = *p;
        if (strlen(d->name) != len || memcmp(d->name, name, len) != 0) continue;
        *p = d->next;
        *out = d->inode;
        kfree(d->name);
        kfree(d);
        dir->mtime = dir->ctime = fs_now();
        if (S_ISDIR((*out)->mode)) dir->nlink--; /* the child's ".." */
        return 0;
    }
    return -ENOENT;
}

int dir_remove(struct inode *dir, const char *name, size_t len)
{
    struct inode *child;
    int rc = dir_detach(dir, name, len, &child);
    if (rc) return rc;
    child->ctime = fs_now();
    if (S_ISDIR(child->mode)) {
        child->nlink = 0; /* the inode stays: a cwd or an open descriptor may still hold it */
        return 0;
    }
    if (child->nlink) child->nlink--;
    inode_put_storage(child);
    return 0;
}

/* What `data` points at once a file lives in pages: zeros, so code that still reads `data`
 * directly (exec's ELF check) sees no ELF magic and fails cleanly instead of dereferencing NULL.
 * Such code must read files through inode_read_kernel() (DESIGN.md, file system). */
static const uint8_t paged_data_marker[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void free_pages(struct inode *i)
{
    if (!i->pages) return;
    for (uint32_t k = 0; k < FILE_MAX_PAGES; k++)
        if (i->pages[k]) page_free_pfn_virt(i->pages[k]);
    kfree(i->pages);
    i->pages = 0;
}

void inode_put_storage(struct inode *i)
{
    /* Only what this file system made: pipes and devices belong to their own code. */
    if (i->nlink || i->opens || !(S_ISREG(i->mode) || S_ISLNK(i->mode)) || i->gen) return;
    free_pages(i);
    if (i->data_owned) kfree((void *)i->data);
    i->data = 0;
    i->data_owned = false;
    i->size = 0;
    kfree(i);
}

ssize_t inode_read_kernel(struct inode *i, loff_t pos, void *buf, size_t n)
{
    if (pos < 0) return -EINVAL;
    if (pos >= i->size) return 0;
    if (n > i->size - (uint32_t)pos) n = i->size - (uint32_t)pos;
    if (!i->pages) {
        memcpy(buf, i->data + pos, n);
        return (ssize_t)n;
    }
    uint8_t *out = buf;
    uint32_t p = (uint32_t)pos;
    for (size_t done = 0; done < n;) {
        uint32_t off = p % PAGE_SIZE;
        size_t k = MIN(n - done, PAGE_SIZE - off);
        uint8_t *page = i->pages[p / PAGE_SIZE];
        if (page) memcpy(out + done, page + off, k);
        else memset(out + done, 0, k);
        done += k;
        p += k;
    }
    return (ssize_t)n;
}

/* Gives a file its own pages (copy of the initramfs bytes) before it changes. */
static int make_private(struct inode *i)
{
    if (i->pages) return 0;
    uint8_t **pages = kzalloc(FILE_MAX_PAGES * sizeof(uint8_t *));
    if (!pages) return -ENOMEM;
    for (uint32_t off = 0; off < i->size; off += PAGE_SIZE) {
        uint32_t pfn = page_alloc_pfn();
        if (!pfn) {
            i->pages = pages;
            free_pages(i);
            return -ENOSPC;
        }
        pages[off / PAGE_SIZE] = pfn_to_virt(pfn);
        size_t k = MIN(PAGE_SIZE, i->size - off);
        memcpy(pages[off / PAGE_SIZE], i->data + off, k);
        memset(pages[off / PAGE_SIZE] + k, 0, PAGE_SIZE - k);
    }
    if (i->data_owned) kfree((void *)i->data);
    i->data = paged_data_marker;
    i->data_owned = false;
    i->pages = pages;
    return 0;
}

int inode_write_kernel(struct inode *i, loff_t pos, const void *buf, size_t n)
{
    if (pos < 0) return -EINVAL;
    if ((uint64_t)pos + n > (uint64_t)FILE_MAX_PAGES * PAGE_SIZE) return -EFBIG;
    int rc = make_private(i);
    if (rc) return rc;
    const uint8_t *in = buf;
    uint32_t p = (uint32_t)pos;
    for (size_t done = 0; done < n;) {
        uint32_t off = p % PAGE_SIZE;
        size_t k = MIN(n - done, PAGE_SIZE - off);
        uint8_t **slot = &i->pages[p / PAGE_SIZE];
        if (!*slot) {
            uint32_t pfn = page_alloc_pfn();
            if (!pfn) return -ENOSPC;
            *slot = pfn_to_virt(pfn);
            memset(*slot, 0, PAGE_SIZE);
        }
        memcpy(*slot + off, in + done, k);
        done += k;
        p += k;
        if (p > i->size) i->size = p;
    }
    i->mtime = i->ctime = fs_now();
    return 0;
}

int inode_truncate(struct inode *i, uint32_t size)
{
    if (size > FILE_MAX_PAGES * PAGE_SIZE) return -EFBIG;
    if (size == i->size) {
        i->mtime = i->ctime = fs_now();
        return 0;
    }
    int rc = make_private(i);
    if (rc) return rc;
    /* Drop whole pages past the end; zero the tail of the last one (it may be read again). */
    for (uint32_t k = (size + PAGE_SIZE - 1) / PAGE_SIZE; k < FILE_MAX_PAGES; k++)
        if (i->pages[k]) {
            page_free_pfn_virt(i->pages[k]);
            i->pages[k] = 0;
        }
    if (size % PAGE_SIZE && i->pages[size / PAGE_SIZE])
        memset(i->pages[size / PAGE_SIZE] + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
    i->size = size;
    i->mtime = i->ctime = fs_now();
    return 0;
}

int inode_link_target(struct inode *i, char *buf, size_t cap)
{
    if (i->gen) {
        int n = i->gen(i, buf, cap);
        if (n < 0) return n;
        if ((size_t)n >= cap) return -ENAMETOOLONG;
        buf[n] = 0;
        return n;
    }
    if (i->size >= cap) return -ENAMETOOLONG;
    memcpy(buf, i->data, i->size);
    buf[i->size] = 0;
    return (int)i->size;
}

#define MAXSYMLINKS 40
#define MAX_NESTED_LINKS 8 /* each level costs kernel stack */

/* Resolves `path` component by component. */
static int walk(const char *path, struct inode *cwd, bool follow_last, struct inode **out, int *links, int depth)
{
    struct inode *cur = path[0] == '/' ? root_inode : (cwd ? cwd : root_inode);
    const char *p = path;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        const char *end = p;
        while (*end && *end != '/') end++;
        size_t len = end - p;
        if (len > 255) return -ENAMETOOLONG;
        if (!S_ISDIR(cur->mode)) return -ENOTDIR;
        struct inode *next = dir_lookup(cur, p, len);
        if (!next) return -ENOENT;
        const char *rest = end;
        while (*rest == '/') rest++;
        bool last = *rest == 0;
        if (S_ISLNK(next->mode) && (!last || follow_last || *end == '/')) {
            if (++*links > MAXSYMLINKS || depth >= MAX_NESTED_LINKS) return -ELOOP;
            char target[256];
            int rc = inode_link_target(next, target, sizeof(target));
            if (rc < 0) return rc;
            struct inode *res;
            rc = walk(target, cur, true, &res, links, depth + 1);
            if (rc) return rc;
            next = res;
        }
        cur = next;
        p = end;
    }
    /* "dir/" names a directory: a trailing slash on anything else is ENOTDIR. */
    size_t n = strlen(path);
    if (n && path[n - 1] == '/' && !S_ISDIR(cur->mode)) return -ENOTDIR;
    *out = cur;
    return 0;
}

int path_lookup(const char *path, struct inode *cwd, bool follow_last, struct inode **out)
{
    if (!path[0]) return -ENOENT;
    int links = 0;
    return walk(path, cwd, follow_last, out, &links, 0);
}

/* The directory that holds the last component, and that component. */
int path_parent(const char *path, struct inode *cwd, struct inode **dir, const char **last, size_t *last_len)
{
    size_t n = strlen(path);
    if (n == 0) return -ENOENT;
    if (n >= 4096) return -ENAMETOOLONG;
    while (n > 1 && path[n - 1] == '/') n--;
    size_t s = n;
    while (s > 0 && path[s - 1] != '/') s--;
    *last = path + s;
    *last_len = n - s;
    if (*last_len > 255) return -ENAMETOOLONG;
    if (s == 0) {
        *dir = cwd ? cwd : root_inode;
        return 0;
    }
    char *buf = kmalloc(s + 1);
    if (!buf) return -ENOMEM;
    memcpy(buf, path, s);
    buf[s] = 0;
    int rc = path_lookup(buf, cwd, true, dir);
    kfree(buf);
    if (rc) return rc;
    return S_ISDIR((*dir)->mode) ? 0 : -ENOTDIR;
}
