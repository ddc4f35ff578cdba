/* hypercall.h: HYPERVISOR_* wrappers through the hypercall page (xen-abi.md 2.1).
 * EAX = number, arguments in EBX, ECX, EDX, ESI, EDI; result in EAX. Xen may clobber the argument
 * registers (debug builds do), so every wrapper declares them as outputs too. */
#ifndef XTF_HYPERCALL_H
#define XTF_HYPERCALL_H

#define _hc_call(nr) "call hypercall_page + " #nr " * 32"

#define _hypercall0(nr) ({ long __res; \
    __asm__ volatile(_hc_call(nr) : "=a"(__res) : : "memory"); __res; })
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
#define _hypercall5(nr, a1, a2, a3, a4, a5) ({ long __res, __i1, __i2, __i3, __i4, __i5; \
    __asm__ volatile(_hc_call(nr) : "=a"(__res), "=b"(__i1), "=c"(__i2), "=d"(__i3), "=S"(__i4), "=D"(__i5) \
        : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3)), "4"((long)(a4)), "5"((long)(a5)) : "memory"); __res; })

/* Numbers are spelled out because the asm string needs a literal; hypercall.c checks them
 * against the generated __HYPERVISOR_* constants. */
static inline long HYPERVISOR_set_trap_table(const struct trap_info *t) { return _hypercall1(0, t); }
static inline long HYPERVISOR_mmu_update(const struct mmu_update *r, unsigned int n, unsigned int *done, unsigned int fd)
{ return _hypercall4(1, r, n, done, fd); }
static inline long HYPERVISOR_set_gdt(const unsigned long *frames, unsigned int entries) { return _hypercall2(2, frames, entries); }
static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long esp) { return _hypercall2(3, ss, esp); }
static inline long HYPERVISOR_set_callbacks(unsigned long ev_cs, unsigned long ev_eip, unsigned long fs_cs, unsigned long fs_eip)
{ return _hypercall4(4, ev_cs, ev_eip, fs_cs, fs_eip); }
static inline long HYPERVISOR_fpu_taskswitch(int set) { return _hypercall1(5, set); }
static inline long HYPERVISOR_sched_op_compat(int cmd, unsigned long arg) { return _hypercall2(6, cmd, arg); }
static inline long HYPERVISOR_platform_op(void *op) { return _hypercall1(7, op); }
static inline long HYPERVISOR_set_debugreg(int reg, unsigned long value) { return _hypercall2(8, reg, value); }
static inline long HYPERVISOR_get_debugreg(int reg) { return _hypercall1(9, reg); }
static inline long HYPERVISOR_update_descriptor(uint64_t maddr, uint64_t desc)
{ return _hypercall4(10, (uint32_t)maddr, (uint32_t)(maddr >> 32), (uint32_t)desc, (uint32_t)(desc >> 32)); }
static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg) { return _hypercall2(12, cmd, arg); }
static inline long HYPERVISOR_multicall(struct multicall_entry *calls, unsigned int n) { return _hypercall2(13, calls, n); }
static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{ return _hypercall4(14, va, (uint32_t)pte, (uint32_t)(pte >> 32), flags); }
static inline long HYPERVISOR_set_timer_op(uint64_t timeout) { return _hypercall2(15, (uint32_t)timeout, (uint32_t)(timeout >> 32)); }
static inline long HYPERVISOR_event_channel_op_compat(void *op) { return _hypercall1(16, op); }
static inline long HYPERVISOR_xen_version(int cmd, void *arg) { return _hypercall2(17, cmd, arg); }
static inline long HYPERVISOR_console_io(int cmd, unsigned int count, const char *buf) { return _hypercall3(18, cmd, count, buf); }
static inline long HYPERVISOR_physdev_op_compat(void *op) { return _hypercall1(19, op); }
static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count) { return _hypercall3(20, cmd, uop, count); }
static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type) { return _hypercall2(21, cmd, type); }
static inline long HYPERVISOR_update_va_mapping_otherdomain(unsigned long va, uint64_t pte, unsigned long flags, uint16_t domid)
{ return _hypercall5(22, va, (uint32_t)pte, (uint32_t)(pte >> 32), flags, domid); }
/* 23 (iret) is jumped to with a frame, never called: see entry.S. */
static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg) { return _hypercall3(24, cmd, vcpu, arg); }
static inline long HYPERVISOR_mmuext_op(struct mmuext_op *op, unsigned int n, unsigned int *done, unsigned int fd)
{ return _hypercall4(26, op, n, done, fd); }
static inline long HYPERVISOR_nmi_op(unsigned int cmd, void *arg) { return _hypercall2(28, cmd, arg); }
static inline long HYPERVISOR_sched_op(int cmd, void *arg) { return _hypercall2(29, cmd, arg); }
static inline long HYPERVISOR_callback_op(int cmd, const void *arg) { return _hypercall2(30, cmd, arg); }
static inline long HYPERVISOR_event_channel_op(int cmd, void *arg) { return _hypercall2(32, cmd, arg); }
static inline long HYPERVISOR_physdev_op(int cmd, void *arg) { return _hypercall2(33, cmd, arg); }

/* Any hypercall by run-time number (hypercall_dyn.S): used by the fuzzer and multicall checks. */
long hypercall_dyn(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3,
                   unsigned long a4, unsigned long a5);

/* Convenience wrappers (hypercall.c). */
long mmuext_simple(unsigned int cmd, uint32_t arg1, uint32_t arg2);
long mmu_update_one(uint64_t ptr, uint64_t val);
long evtchn_send(unsigned int port);
long evtchn_close(unsigned int port);
long evtchn_unmask(unsigned int port);
long sched_yield(void);
long sched_block(void);

#endif
