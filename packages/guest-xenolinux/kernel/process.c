/* process.c: address spaces (VMAs over the port's page tables), tasks, process 1 and exit. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

struct task *current;

struct mm *mm_new(void)
{
    struct mm *mm = kzalloc(sizeof(*mm));
    if (!mm) return 0;
    mm->users = 1;
    mm->arch = arch_mm_create();
    if (!mm->arch) {
        kfree(mm);
        return 0;
    }
    return mm;
}

static void vma_file_put(struct vma *v)
{
    if (!v->file) return;
    if (v->file->opens) v->file->opens--;
    inode_put_storage(v->file);
    v->file = 0;
}

/* Frees every user page and the page tables. Nothing runs on `mm` any more. */
void mm_free(struct mm *mm)
{
    for (int i = 0; i < mm->nr_vmas; i++) vma_file_put(&mm->vmas[i]);
    arch_mm_teardown(mm->arch);
    kfree(mm);
}

struct vma *vma_find(struct mm *mm, uint32_t addr)
{
    for (int i = 0; i < mm->nr_vmas; i++)
        if (addr >= mm->vmas[i].start && addr < mm->vmas[i].end) return &mm->vmas[i];
    return 0;
}

int vma_insert(struct mm *mm, const struct vma *proto)
{
    if (proto->start >= proto->end) return 0;
    if (mm->nr_vmas == MAX_VMAS) return -ENOMEM;
    struct vma *v = &mm->vmas[mm->nr_vmas++];
    *v = *proto;
    if (v->file) v->file->opens++;
    return 0;
}

int vma_add(struct mm *mm, uint32_t start, uint32_t end, int prot, uint32_t flags)
{
    struct vma v = { start, end, prot, flags, 0, 0, 0 };
    return vma_insert(mm, &v);
}

/* Removes [start, end) from every VMA, splitting where needed (pages are the caller's). A file
 * mapping cut at its start moves its file offset with it. */
void vma_remove(struct mm *mm, uint32_t start, uint32_t end)
{
    for (int i = 0; i < mm->nr_vmas; i++) {
        struct vma *v = &mm->vmas[i];
        if (end <= v->start || start >= v->end) continue;
        if (start > v->start && end < v->end) {
            struct vma tail = *v;
            tail.file_pos += end - v->start;
            tail.start = end;
            v->end = start;
            vma_insert(mm, &tail); /* with no slot left the tail is dropped (its pages stay mapped) */
            continue;
        }
        if (start <= v->start && end >= v->end) {
            vma_file_put(v);
            mm->vmas[i] = mm->vmas[--mm->nr_vmas];
            i--;
            continue;
        }
        if (start <= v->start) {
            v->file_pos += end - v->start;
            v->start = end;
        } else {
            v->end = start;
        }
    }
}

int mm_populate_page(struct mm *mm, uint32_t va, int prot)
{
    uint32_t pfn = page_alloc_pfn();
    if (!pfn) return -ENOMEM;
    memset(pfn_to_virt(pfn), 0, PAGE_SIZE);
    int rc = arch_map_user_page(mm->arch, va & PAGE_MASK, pfn, prot);
    if (rc) page_free_pfn(pfn);
    return rc;
}

/* Process 1 with fds 0, 1, 2 on the console (Linux opens /dev/console for init). */
void init_task_setup(void)
{
    struct task *t = task_alloc();
    if (!t) panic("no memory for init");
    t->pgid = t->sid = 1;
    current = t;
    cpu_time_switch(0, t);
    struct inode *cons = 0;
    if (path_lookup("/dev/console", 0, true, &cons) || !S_ISCHR(cons->mode)) {
        printk(KERN_WARNING "Warning: unable to open an initial console.\n");
        cons = inode_new(S_IFCHR | 0600);
        if (!cons) panic("no memory for the console inode");
        cons->rdev = (5 << 8) | 1;
    }
    struct file *f = file_open_inode(cons, O_RDWR);
    if (!f) panic("no memory for the console file");
    f->refs = 3;
    t->files[0] = t->files[1] = t->files[2] = f;
}

/* Execs `path` as process 1 and enters user mode; returns only the exec's error. */
int run_init_process(const char *path, char *const argv[], char *const envp[])
{
    printk(KERN_INFO "Run %s as init process\n", path);
    int rc = do_execve(path, argv, envp);
    if (rc) return rc;
    arch_set_kernel_stack((uint32_t)(current->kstack + KSTACK_SIZE));
    arch_flush_mmu();
    arch_return_to_user(current->regs);
}

