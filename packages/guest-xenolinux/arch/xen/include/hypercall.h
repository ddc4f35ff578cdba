/* hypercall.h: HYPERVISOR_* wrappers through the hypercall page (xen-abi.md 2.1).
 * EAX = number, arguments in EBX, ECX, EDX, ESI, EDI; result in EAX. Xen may clobber the
 * argument registers, so each wrapper declares them as outputs. */
#ifndef XEN_HYPERCALL_H
#define XEN_HYPERCALL_H
#include "xen-ts-abi.h"

extern char hypercall_page[4096];

#define _hc_call(nr) "call hypercall_page + " #nr " * 32"
#define _hypercall1(nr, a1) ({ long __res, __i1; \
    __asm__ volatile(_hc_call(nr) : "=a"(__res), "=b"(__i1) : "1"((long)(a1)) : "memory"); __res; })
#define _hypercall2(nr, a1, a2) ({ long __res, __i1, __i2; \
    __asm__ volatile(_hc_call(nr) : "=a"(__res), "=b"(__i1), "=c"(__i2) \
        : "1"((long)(a1)), "2"((long)(a2)) : "memory"); __res; })
#define _hypercall3(nr, a1, a2, a3) ({ long __res, __i1, __i2, __i3; \
    __asm__ volatile(_hc_call(nr) : "=a"(__res), "=b"(__i1), "=c"(__i2), "=d"(__i3) \
        : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3)) : "memory"); __res; })
#define _hypercall4(nr, a1, a2, a3, a4) ({ long __res, __i1, __i2, __i3, __i4; \
    __asm__ volatile(_hc_call(nr) : "=a"(__res), "=b"(__i1), "=c"(__i2), "=d"(__i3), "=S"(__i4) \
        : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3)), "4"((long)(a4)) : "memory"); __res; })

/* The asm strings need literal numbers; setup.c checks them against __HYPERVISOR_*. */
static inline long HYPERVISOR_set_trap_table(const struct trap_info *t) { return _hypercall1(0, t); }
static inline long HYPERVISOR_mmu_update(const struct mmu_update *r, unsigned int n, unsigned int *done, unsigned int fd)
{ return _hypercall4(1, r, n, done, fd); }
static inline long HYPERVISOR_set_gdt(const unsigned long *frames, unsigned int entries) { return _hypercall2(2, frames, entries); }
static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long esp) { return _hypercall2(3, ss, esp); }
static inline long HYPERVISOR_set_callbacks(unsigned long ev_cs, unsigned long ev_eip, unsigned long fs_cs, unsigned long fs_eip)
{ return _hypercall4(4, ev_cs, ev_eip, fs_cs, fs_eip); }
static inline long HYPERVISOR_update_descriptor(uint64_t maddr, uint64_t desc)
{ return _hypercall4(10, (uint32_t)maddr, (uint32_t)(maddr >> 32), (uint32_t)desc, (uint32_t)(desc >> 32)); }
static inline long HYPERVISOR_multicall(struct multicall_entry *calls, unsigned int n) { return _hypercall2(13, calls, n); }
static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{ return _hypercall4(14, va, (uint32_t)pte, (uint32_t)(pte >> 32), flags); }
static inline long HYPERVISOR_console_io(int cmd, unsigned int count, const char *buf) { return _hypercall3(18, cmd, count, buf); }
static inline long HYPERVISOR_mmuext_op(struct mmuext_op *op, unsigned int n, unsigned int *done, unsigned int fd)
{ return _hypercall4(26, op, n, done, fd); }
static inline long HYPERVISOR_sched_op(int cmd, void *arg) { return _hypercall2(29, cmd, arg); }
/* set_timer_op(u64 absolute system time): a one-shot VIRQ_TIMER; the 32-bit ABI splits it (2.1). */
static inline long HYPERVISOR_set_timer_op(uint64_t at) { return _hypercall2(15, (uint32_t)at, (uint32_t)(at >> 32)); }
static inline long HYPERVISOR_event_channel_op(int cmd, void *arg) { return _hypercall2(32, cmd, arg); }

#endif
