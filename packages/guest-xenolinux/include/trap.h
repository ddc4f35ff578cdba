/* trap.h: what the port's exception entry hands to the architecture-independent kernel. */
#ifndef TRAP_H
#define TRAP_H
#include "ptrace.h"
#include "signal.h"
void do_page_fault(struct pt_regs *regs, uint32_t addr, uint32_t error_code);
/* An exception in user mode: the signal Linux raises for it. */
void user_trap(struct pt_regs *regs, int sig, const char *what);
bool fixup_exception(struct pt_regs *regs);
noreturn void die(struct pt_regs *regs, const char *what);
void do_syscall(struct pt_regs *regs);
#endif
