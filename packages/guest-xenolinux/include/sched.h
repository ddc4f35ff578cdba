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
    /* A private file mapping filled on first touch (an executable's read-only segments): the
     * file (an `opens` reference), its offset at `start`, and the address from which the pages
     * are zeros (the end of the segment's file part). NULL: anonymous. */
    struct inode *file;
    uint32_t file_pos, file_end;
};
#define VMA_STACK 1
#define VMA_HEAP 2

struct mm {
    int users;             /* tasks running on it (CLONE_VM / vfork share it) */
    struct arch_mm *arch;
    struct vma vmas[MAX_VMAS];
    int nr_vmas;
    uint32_t start_brk, brk;
    uint32_t mmap_base;    /* next search start for mmap, top-down */
};

/* Task states (Linux's TASK_*). */
#define TASK_RUNNING 0     /* runnable or running */
#define TASK_SLEEPING 1    /* interruptible sleep on `wchan` */
#define TASK_STOPPED 2     /* SIGSTOP/SIGTSTP... until SIGCONT */
#define TASK_ZOMBIE 3      /* exited, waiting for its parent's wait4 */

struct task {
    int pid, ppid;
    int pgid, sid;
    int state;
    const void *wchan;     /* what a sleeping task waits for (wake_up(wchan)) */
    bool tick_wake;        /* also woken by each timer tick (polled conditions) */
    uint32_t ksp;          /* saved kernel stack pointer while switched out */
    uint64_t slice_start;  /* jiffies when it last got the CPU */
    int exit_status;       /* wait status of a zombie */
    int exit_signal;       /* sent to the parent at exit (clone's low byte; SIGCHLD for fork) */
    int stop_report;       /* wait status to report for WUNTRACED / WCONTINUED, 0 = none */
    struct task *vfork_parent; /* sleeping until we exec or exit (CLONE_VFORK) */
    uint32_t set_child_tid;
    uint64_t sig_pending;
    uint64_t saved_sigmask; /* rt_sigsuspend: restored after the handler runs */
    bool restore_sigmask;
    uint8_t fpu[108];      /* x87 state (fnsave) while switched out */
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
    /* itimer.c: interval timers (ns; value 0 = disarmed) and CPU time in ticks. Not inherited
     * by fork, kept across execve (POSIX). */
    uint64_t it_real_expires, it_real_interval;   /* on the monotonic clock */
    uint64_t it_virt_left, it_virt_interval;      /* user time */
    uint64_t it_prof_left, it_prof_interval;      /* user + system time */
    uint32_t it_fired;                            /* signals a tick owes: bit 0 SIGVTALRM, 1 SIGPROF */
    uint32_t utime, stime, cutime, cstime;        /* ticks; c* = reaped children's */
    uint64_t cpu_ns, cpu_since;                   /* exact CPU time; since when it runs (0: not) */
    /* sigaltstack.c: the alternate signal stack (size 0 = none); inherited by fork, not exec. */
    uint32_t sas_ss_sp, sas_ss_size, sas_ss_flags;
};
extern struct task *current;

struct mm *mm_new(void);
void mm_free(struct mm *mm);
struct vma *vma_find(struct mm *mm, uint32_t addr);
int vma_add(struct mm *mm, uint32_t start, uint32_t end, int prot, uint32_t flags);
/* Adds a copy of `proto` (taking a reference on its file, if any). */
int vma_insert(struct mm *mm, const struct vma *proto);
void vma_remove(struct mm *mm, uint32_t start, uint32_t end);
/* Maps a zeroed page at `va` in `mm`; -ENOMEM when memory ran out. */
int mm_populate_page(struct mm *mm, uint32_t va, int prot);
int do_execve(const char *path, char *const argv[], char *const envp[]);
noreturn void do_exit(int code);
void init_task_setup(void);
int run_init_process(const char *path, char *const argv[], char *const envp[]);
int install_fd(struct file *f, int min);

/* sched.c: the task table, round-robin preemptive scheduling, sleeping and waking. */
#define MAX_TASKS 64       /* fork past this is -EAGAIN (Linux: RLIMIT_NPROC / pid_max) */
extern struct task *task_table[MAX_TASKS];
struct task *task_alloc(void);      /* zeroed task with a kernel stack and a pid; 0 when full */
void task_free(struct task *t);     /* a reaped zombie */
struct task *find_task(int pid);
void schedule(void);
/* Sleeps (interruptibly) until wake_up(chan) or a signal; the caller re-checks its condition. */
void sleep_on(const void *chan);
/* The same, also woken on every timer tick (conditions nobody signals, e.g. a closed peer). */
void sleep_on_tick(const void *chan);
void wake_up(const void *chan);
void wake_task(struct task *t);
/* A zombie nobody will wait for: freed once the CPU has left its stack. */
void task_release_after_switch(struct task *t);
void finish_task_switch(void);
/* Runs other processes when there are any, otherwise blocks in the hypervisor until an event:
 * what a polling wait (console input) should call instead of idling the whole kernel. */
void sched_idle_wait(void);
/* The return-to-user work (entry.S): preemption at the end of a time slice, signal delivery. */
void exit_to_user(struct pt_regs *regs);
/* itimer.c: one timer tick for the current task (from the port's timer interrupt), and the
 * timers' signals, sent from task context once per tick. */
void account_tick(bool user);
/* Exact CPU time for the process CPU clocks: switched between tasks, paused while idling. */
void cpu_time_switch(struct task *prev, struct task *next);
uint64_t task_cpu_ns(const struct task *t);
/* Sleeps in the port's idle (SCHEDOP_block on Xen) without charging the time to `current`. */
void cpu_idle(void);
void itimers_run(void);
/* A reaped child's CPU time goes to its parent's children times. */
void account_reaped_child(struct task *parent, const struct task *child);
/* Writes ru_utime and ru_stime of a struct rusage (the first four words) from ticks. */
void fill_rusage_times(uint32_t *ru, uint32_t utime, uint32_t stime);
/* sigaltstack.c: where a signal frame of `size` bytes goes for a handler with `flags` (SA_ONSTACK
 * switches to the alternate stack unless already on it); 0 when it would overflow that stack. */
uint32_t signal_stack_top(uint32_t sp, uint32_t flags, uint32_t size);
/* The stack_t a ucontext records: the alternate stack and whether `sp` was on it. */
void altstack_save(uint32_t sp, uint32_t *ss_sp, int32_t *ss_flags, uint32_t *ss_size);
/* rt_sigreturn puts back the alternate stack the frame recorded (errors ignored, as Linux). */
void altstack_restore(uint32_t sp, uint32_t ss_sp, int32_t ss_flags, uint32_t ss_size);

/* fork.c */
void schedule_tail(void);
/* wait.c */
void mm_put(struct mm *mm);
void release_vfork_parent(void);
/* signal.c */
int send_signal(struct task *t, int sig);
int kill_pgrp(int pgrp, int sig);      /* e.g. the tty's ^C to its foreground process group */
void force_signal(int sig);            /* a fault's signal: unblocked, default if ignored */
bool signal_pending(void);
void do_signal(struct pt_regs *regs);
/* page_alloc.c: frames mapped by more than one address space (copy-on-write). */
int page_share(uint32_t pfn);          /* one more mapping of `pfn`; -ENOMEM */
bool page_is_shared(uint32_t pfn);
/* The port: copy-on-write copy of a whole user address space; FPU state; user segments. */
int arch_mm_fork(struct arch_mm *dst, struct arch_mm *src);
void arch_mm_teardown(struct arch_mm *mm);  /* unmaps, frees user frames (page_free_pfn) and tables */
void arch_remap_user_page(struct arch_mm *mm, uint32_t va, uint32_t pfn, int prot);
void arch_fpu_save(uint8_t *buf);
void arch_fpu_restore(const uint8_t *buf);
void arch_switch_to(struct task *prev, struct task *next);
void arch_set_user_segments(struct pt_regs *regs);  /* flat user CS/SS/DS/ES */
void arch_sanitize_user_regs(struct pt_regs *regs); /* after sigreturn: user selectors, safe EFLAGS */
void arch_prepare_child_stack(struct task *t);     /* first switch to t returns through ret_from_fork */
struct file *fget(int fd);

uint32_t page_alloc_pfn(void);
void page_free_pfn(uint32_t pfn);
uint32_t nr_free_pages(void);
void get_random_bytes(void *buf, size_t n);
#endif
