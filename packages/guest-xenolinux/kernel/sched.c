/* sched.c: the task table and the scheduler. Round robin over runnable tasks with a time slice
 * of SLICE_TICKS timer ticks (VIRQ_TIMER, 10 ms): the tick only counts jiffies, and the switch
 * happens on the way back to user mode (entry.S -> exit_to_user), so the kernel itself is never
 * preempted (it runs with events masked). With nothing runnable the CPU idles in Xen's
 * SCHEDOP_block until an event. Sleeps are on a "channel" (any address), woken by wake_up. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"

#define SLICE_TICKS 2      /* 20 ms, Linux 2.4's default (DEF_COUNTER) order of magnitude */

uint32_t page_alloc_pair(void);   /* page_alloc.c: two adjacent frames for an 8 KiB stack */

struct task *task_table[MAX_TASKS];
static int last_pid = 1;
static uint64_t last_tick_wake;
/* A task that exited with nobody to reap it: freed by the next task to run (its stack is in
 * use until the switch away from it is complete, as Linux's finish_task_switch). */
static struct task *dead_task;

void task_release_after_switch(struct task *t) { dead_task = t; }

void finish_task_switch(void)
{
    if (dead_task && dead_task != current) {
        task_free(dead_task);
        dead_task = 0;
    }
}

/* A pid still naming a task, a process group or a session is not handed out again. */
static bool pid_in_use(int pid)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = task_table[i];
        if (t && (t->pid == pid || t->pgid == pid || t->sid == pid)) return true;
    }
    return false;
}

/* The next free pid after the last one handed out (Linux's alloc_pid order: up to pid_max
 * 32768, then from the bottom again). */
static int alloc_pid(void)
{
    for (;;) {
        if (++last_pid > 32767) last_pid = 2;
        if (!pid_in_use(last_pid)) return last_pid;
    }
}

struct task *find_task(int pid)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (task_table[i] && task_table[i]->pid == pid) return task_table[i];
    return 0;
}

struct task *task_alloc(void)
{
    int slot = -1;
    for (int i = 0; i < MAX_TASKS; i++)
        if (!task_table[i]) { slot = i; break; }
    if (slot < 0) return 0;
    struct task *t = kzalloc(sizeof(*t));
    if (!t) return 0;
    uint32_t pfn = page_alloc_pair();
    if (!pfn) {
        kfree(t);
        return 0;
    }
    t->kstack = pfn_to_virt(pfn);
    t->regs = (struct pt_regs *)(t->kstack + KSTACK_SIZE) - 1;
    t->pid = task_table[0] ? alloc_pid() : 1;
    t->state = TASK_RUNNING;
    t->umask = 022;
    t->cwd = root_inode;
    task_table[slot] = t;
    return t;
}

void task_free(struct task *t)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (task_table[i] == t) task_table[i] = 0;
    uint32_t pfn = virt_to_pfn(t->kstack);
    page_free_pfn(pfn);
    page_free_pfn(pfn + 1);
    kfree(t);
}

void wake_task(struct task *t)
{
    if (t->state == TASK_SLEEPING) {
        t->state = TASK_RUNNING;
        t->wchan = 0;
        t->tick_wake = false;
    }
}

void wake_up(const void *chan)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = task_table[i];
        if (t && t->state == TASK_SLEEPING && t->wchan == chan) wake_task(t);
    }
}

/* Sleepers that poll their condition get another look on every tick. */
static void tick_wakeups(void)
{
    if (jiffies == last_tick_wake) return;
    last_tick_wake = jiffies;
    itimers_run();
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = task_table[i];
        if (t && t->state == TASK_SLEEPING && t->tick_wake) wake_task(t);
    }
}

static int slot_of(struct task *t)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (task_table[i] == t) return i;
    return 0;
}

/* Round robin: the first runnable task after `prev` in table order, `prev` itself last. */
static struct task *pick_next(struct task *prev)
{
    int start = slot_of(prev);
    for (int k = 1; k <= MAX_TASKS; k++) {
        struct task *t = task_table[(start + k) % MAX_TASKS];
        if (t && t->state == TASK_RUNNING) return t;
    }
    return 0;
}

void schedule(void)
{
    struct task *prev = current, *next;
    for (;;) {
        tick_wakeups();
        next = pick_next(prev);
        if (next) break;
        cpu_idle();   /* SCHEDOP_block: the timer or an event channel wakes us */
    }
    next->slice_start = jiffies;
    if (next == prev) return;
    cpu_time_switch(prev, next);
    current = next;
    arch_switch_to(prev, next);   /* returns when prev is chosen again */
    finish_task_switch();
}

static void sleep_common(const void *chan, bool tick)
{
    current->state = TASK_SLEEPING;
    current->wchan = chan;
    current->tick_wake = tick;
    if (signal_pending()) {   /* a signal already waiting ends the sleep at once */
        wake_task(current);
        return;
    }
    schedule();
}

void sleep_on(const void *chan) { sleep_common(chan, false); }
void sleep_on_tick(const void *chan) { sleep_common(chan, true); }

void sched_idle_wait(void)
{
    tick_wakeups();
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = task_table[i];
        if (t && t != current && t->state == TASK_RUNNING) {
            sleep_on_tick(sched_idle_wait);
            return;
        }
    }
    cpu_idle();
    tick_wakeups();   /* tick sleepers get their look even while this task polls */
}

void exit_to_user(struct pt_regs *regs)
{
    tick_wakeups();
    if (jiffies - current->slice_start >= SLICE_TICKS) schedule();
    do_signal(regs);
    /* sigreturn, a signal handler or an ELF entry may name an EIP the user code segment does not
     * reach (the port's limit). Native Linux faults on the first fetch there and sends SIGSEGV
     * with that EIP in the frame; do the same before leaving. A SIGSEGV handler out of reach
     * too ends the process, as Linux's force_sigsegv resets the handler when a frame fails. */
    for (int tries = 0; !arch_user_eip_reachable(regs->eip); tries++) {
        printk(KERN_INFO "%s[%d]: segfault at %x ip %08x sp %08x (past the user segment)\n", current->comm,
               current->pid, regs->eip, regs->eip, regs->esp);
        if (tries > 0) current->sigactions[SIGSEGV - 1].handler = SIG_DFL;
        force_signal(SIGSEGV);
        do_signal(regs);
    }
}
