/* ramfs.c: the RAM file system: inodes, directories and path resolution (with symlinks, "."
 * and "..", at most 40 link traversals as Linux's MAXSYMLINKS). */
#include "kernel.h"
#include "fs.h"

struct inode *root_inode;
static uint32_t next_ino = 1;

struct inode *inode_new(uint32_t mode)
{
    struct inode *i = kzalloc(sizeof(*i));
    if (!i) return 0;
    i->ino = next_ino++;
    i->mode = mode;
    i->nlink = S_ISDIR(mode) ? 2 : 1;
    return i;
}

struct inode *dir_lookup(struct inode *dir, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.') return dir;
    if (len == 2 && name[0] == '.' && name[1] == '.') return dir->parent ? dir->parent : dir;
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
    d->name = n;
    d->inode = child;
    /* Append, so directory listings keep creation order. */
    struct dentry **p = &dir->children;
    while (*p) p = &(*p)->next;
    *p = d;
    if (S_ISDIR(child->mode)) {
        child->parent = dir;
        dir->nlink++;
    }
    return 0;
}

#define MAXSYMLINKS 40
#define MAX_NESTED_LINKS 8 /* each level costs kernel stack */

static int walk(const char *path, struct inode *cwd, bool follow_last, struct inode **out, int *links, int depth);

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
            if (next->size >= sizeof(target)) return -ENAMETOOLONG;
            memcpy(target, next->data, next->size);
            target[next->size] = 0;
            struct inode *res;
            int rc = walk(target, cur, true, &res, links, depth + 1);
            if (rc) return rc;
            next = res;
        }
        cur = next;
        p = end;
    }
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
