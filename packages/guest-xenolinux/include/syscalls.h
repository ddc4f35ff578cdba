/* syscalls.h: the system-call handlers (Linux i386 numbering in syscall.c). */
#ifndef SYSCALLS_H
#define SYSCALLS_H
#include "kernel.h"
typedef long (*syscall_fn)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
#define SYSCALL(name) long sys_##name(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6)
#define X(name) SYSCALL(name);
#include "syscall_list.h"
#undef X
#endif
