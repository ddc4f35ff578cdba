/* sched.h: processes. */
#ifndef SCHED_H
#define SCHED_H
#include "kernel.h"
#include "ptrace.h"
#include "signal.h"
#include "fs.h"

#define NR_OPEN 64
#define KSTACK_SIZE 8192
#define MAX_VMAS 64

struct vma {
    uint32_t start, end;   /* page aligned, [start, end) */
    int prot;
    uint32_t flags;        /* VMA_* */
};
#define VMA_STACK 1
#define VMA_HEAP 2

struct mm {
    struct arch_mm *arch;
    struct vma vmas[MAX_VMAS];
    int nr_vmas;
    uint32_t start_brk, brk;
    uint32_t mmap_base;    /* next search start for mmap, top-down */
};

struct task {
    int pid, ppid;
    char comm[16];
    struct mm *mm;
    uint8_t *kstack;
    struct pt_regs *regs;  /* the user frame at the top of kstack */
    struct file *files[NR_OPEN];
    uint64_t cloexec;
    struct inode *cwd;
    struct k_sigaction sigactions[_NSIG];
    uint64_t sigmask;
    uint64_t tls[3];
    uint32_t clear_child_tid;
    uint32_t umask;
};
extern struct task *current;

struct mm *mm_new(void);
void mm_free(struct mm *mm);
struct vma *vma_find(struct mm *mm, uint32_t addr);
int vma_add(struct mm *mm, uint32_t start, uint32_t end, int prot, uint32_t flags);
void vma_remove(struct mm *mm, uint32_t start, uint32_t end);
/* Maps a zeroed page at `va` in `mm`; -ENOMEM when memory ran out. */
int mm_populate_page(struct mm *mm, uint32_t va, int prot);
int do_execve(const char *path, char *const argv[], char *const envp[]);
noreturn void do_exit(int code);
void init_task_setup(void);
int run_init_process(const char *path, char *const argv[], char *const envp[]);
int install_fd(struct file *f, int min);
struct file *fget(int fd);

uint32_t page_alloc_pfn(void);
void page_free_pfn(uint32_t pfn);
uint32_t nr_free_pages(void);
void get_random_bytes(void *buf, size_t n);
#endif
