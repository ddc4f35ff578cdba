/* sys_mm.c: brk, mmap2 (anonymous, and private copies of files), munmap, mprotect. Pages come
 * on first touch (fault.c) except file contents, which are copied at mmap time. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "syscalls.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000

static void unmap_range(struct mm *mm, uint32_t start, uint32_t end)
{
    for (uint32_t va = start; va < end; va += PAGE_SIZE) {
        if (!vma_find(mm, va)) continue;
        int32_t pfn = arch_lookup_user_page(mm->arch, va, 0);
        if (pfn < 0) continue;
        arch_unmap_user_page(mm->arch, va);
        arch_flush_mmu();   /* before the frame can be reused */
        page_free_pfn((uint32_t)pfn);
    }
    vma_remove(mm, start, end);
}

static bool range_free(struct mm *mm, uint32_t start, uint32_t end)
{
    for (int i = 0; i < mm->nr_vmas; i++)
        if (start < mm->vmas[i].end && end > mm->vmas[i].start) return false;
    return true;
}

static struct vma *heap_vma(struct mm *mm)
{
    for (int i = 0; i < mm->nr_vmas; i++)
        if (mm->vmas[i].flags & VMA_HEAP) return &mm->vmas[i];
    return 0;
}

SYSCALL(brk)
{
    struct mm *mm = current->mm;
    uint32_t want = a1;
    if (want < mm->start_brk || want >= TASK_SIZE) return mm->brk;
    uint32_t old_end = PAGE_ALIGN(mm->brk), new_end = PAGE_ALIGN(want);
    if (new_end < old_end) {
        unmap_range(mm, new_end, old_end);
        if (new_end > mm->start_brk) vma_add(mm, mm->start_brk, new_end, PROT_READ | PROT_WRITE, VMA_HEAP);
    } else if (new_end > old_end) {
        if (!range_free(mm, old_end, new_end)) return mm->brk;
        struct vma *h = heap_vma(mm);
        if (h) h->end = new_end;
        else if (vma_add(mm, PAGE_ALIGN(mm->start_brk), new_end, PROT_READ | PROT_WRITE, VMA_HEAP)) return mm->brk;
    }
    mm->brk = want;
    return want;
}

static long do_mmap(uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int32_t fd, uint64_t off)
{
    struct mm *mm = current->mm;
    if (!len || len > TASK_SIZE) return -EINVAL;
    if ((addr | (uint32_t)off) & ~PAGE_MASK) return -EINVAL;
    if (!(flags & (MAP_SHARED | MAP_PRIVATE))) return -EINVAL;
    if (prot & ~7u) return -EINVAL;
    len = PAGE_ALIGN(len);
    struct file *f = 0;
    if (!(flags & MAP_ANONYMOUS)) {
        f = fget(fd);
        if (!f) return -EBADF;
        if (!S_ISREG(f->inode->mode)) return -EACCES; /* Linux: -ENODEV for devices, -EACCES for directories */
        if ((flags & MAP_SHARED) && (prot & PROT_WRITE)) return -EACCES; /* read-only ramfs data */
    }
    uint32_t start;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr >= TASK_SIZE || len > TASK_SIZE - addr) return -ENOMEM;
        if ((flags & MAP_FIXED_NOREPLACE) && !range_free(mm, addr, addr + len)) return -EEXIST;
        unmap_range(mm, addr, addr + len);
        start = addr;
    } else {
        /* Top-down below mmap_base, first gap that fits (a hint is honoured when free). */
        if (addr && addr < TASK_SIZE && len <= TASK_SIZE - addr && range_free(mm, addr, addr + len)) {
            start = addr;
        } else {
            start = mm->mmap_base - len;
            for (;;) {
                if (start < PAGE_ALIGN(mm->brk) + (32u << 20) || start > mm->mmap_base) return -ENOMEM;
                bool moved = false;
                for (int i = 0; i < mm->nr_vmas; i++) {
                    struct vma *v = &mm->vmas[i];
                    if (start < v->end && start + len > v->start) {
                        if (v->start < len) return -ENOMEM;
                        start = v->start - len;
                        moved = true;
                    }
                }
                if (!moved) break;
            }
        }
    }
    int rc = vma_add(mm, start, start + len, (int)prot, 0);
    if (rc) return rc;
    if (f) {
        /* A private copy of the file's pages (the rest of the last page and beyond EOF: zeros). */
        struct inode *ino = f->inode;
        for (uint32_t va = start; va < start + len; va += PAGE_SIZE) {
            uint64_t pos = off + (va - start);
            uint32_t pfn = page_alloc_pfn();
            if (!pfn) { unmap_range(mm, start, start + len); return -ENOMEM; }
            memset(pfn_to_virt(pfn), 0, PAGE_SIZE);
            /* Through the file's own read path: files written at run time keep their pages there. */
            if (pos < ino->size) inode_read_kernel(ino, (loff_t)pos, pfn_to_virt(pfn), MIN(PAGE_SIZE, ino->size - (uint32_t)pos));
            if (arch_map_user_page(mm->arch, va, pfn, (int)prot | PROT_READ)) {
                page_free_pfn(pfn);
                unmap_range(mm, start, start + len);
                return -ENOMEM;
            }
        }
        arch_flush_mmu();
    }
    return start;
}

SYSCALL(mmap2) { return do_mmap(a1, a2, a3, a4, (int32_t)a5, (uint64_t)a6 << PAGE_SHIFT); }

/* The old i386 mmap: one pointer to the six arguments. */
SYSCALL(old_mmap)
{
    uint32_t args[6];
    if (copy_from_user(args, (const void *)a1, sizeof(args))) return -EFAULT;
    if (args[5] & ~PAGE_MASK) return -EINVAL;
    return do_mmap(args[0], args[1], args[2], args[3], (int32_t)args[4], args[5]);
}

SYSCALL(munmap)
{
    if ((a1 & ~PAGE_MASK) || !a2 || a1 >= TASK_SIZE || a2 > TASK_SIZE - a1) return -EINVAL;
    unmap_range(current->mm, a1, a1 + PAGE_ALIGN(a2));
    return 0;
}

SYSCALL(mprotect)
{
    struct mm *mm = current->mm;
    if ((a1 & ~PAGE_MASK) || (a3 & ~7u)) return -EINVAL;
    uint32_t start = a1, end = a1 + PAGE_ALIGN(a2);
    if (end < start || end > TASK_SIZE) return -ENOMEM;
    if (start == end) return 0;
    for (uint32_t va = start; va < end; va += PAGE_SIZE)
        if (!vma_find(mm, va)) return -ENOMEM;
    /* Split out the range with the new protection, keeping each piece's flags. */
    struct vma pieces[MAX_VMAS];
    int n = 0;
    for (int i = 0; i < mm->nr_vmas; i++) {
        struct vma *v = &mm->vmas[i];
        if (v->end <= start || v->start >= end) continue;
        pieces[n] = *v;
        pieces[n].start = MAX(v->start, start);
        pieces[n].file_pos += pieces[n].start - v->start;
        pieces[n].end = MIN(v->end, end);
        pieces[n].prot = (int)a3;
        n++;
    }
    /* The pieces keep their files: take their references before the old VMAs drop theirs. */
    for (int i = 0; i < n; i++)
        if (pieces[i].file) pieces[i].file->opens++;
    vma_remove(mm, start, end);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (!rc) rc = vma_insert(mm, &pieces[i]);
        if (pieces[i].file) {
            pieces[i].file->opens--;
            inode_put_storage(pieces[i].file);
        }
    }
    if (rc) return rc;
    for (uint32_t va = start; va < end; va += PAGE_SIZE) arch_protect_user_page(mm->arch, va, (int)a3);
    return 0;
}

/* execve: the path, argv and envp are copied out of the old address space first. */
#define EXEC_MAX_PTRS 1024
#define EXEC_MAX_BYTES (64 * 1024)
static char exec_strings[EXEC_MAX_BYTES];
static char *exec_ptrs[EXEC_MAX_PTRS + 2];

static int copy_strings(uint32_t uvec, char **out, int max, size_t *used)
{
    int n = 0;
    for (; uvec; n++) {
        uint32_t p;
        if (copy_from_user(&p, (const void *)(uvec + n * 4), 4)) return -EFAULT;
        if (!p) break;
        if (n >= max) return -E2BIG;
        int len = strncpy_from_user(exec_strings + *used, (const char *)p, EXEC_MAX_BYTES - *used);
        if (len == -ENAMETOOLONG) return -E2BIG;
        if (len < 0) return len;
        out[n] = exec_strings + *used;
        *used += len + 1;
    }
    out[n] = 0;
    return n;
}

SYSCALL(execve)
{
    char *path = kmalloc(4096);
    if (!path) return -ENOMEM;
    long rc = strncpy_from_user(path, (const char *)a1, 4096);
    if (rc >= 0) {
        size_t used = 0;
        int argc = copy_strings(a2, exec_ptrs, EXEC_MAX_PTRS, &used);
        rc = argc;
        if (argc >= 0) {
            int envc = copy_strings(a3, exec_ptrs + argc + 1, EXEC_MAX_PTRS - argc, &used);
            rc = envc < 0 ? envc : do_execve(path, exec_ptrs, exec_ptrs + argc + 1);
        }
    }
    kfree(path);
    return rc;
}
