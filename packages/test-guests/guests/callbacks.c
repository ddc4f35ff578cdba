/* callbacks: set_callbacks, callback_op, the failsafe callback and stack_switch.
 *
 * Failsafe (32-bit Xen, x86_32/entry.S restore_all_guest): on every return to the guest Xen
 * reloads DS/ES/FS/GS from the saved frame; if a reload faults, it builds a failsafe frame
 * {DS, ES, FS, GS, EIP, CS, EFLAGS[, ESP, SS]} and enters the failsafe callback. We load FS with
 * an LDT selector and remove the LDT in a hypercall (MMUEXT_SET_LDT 0), so Xen's own FS reload
 * on the way out fails. (A 64-bit Xen reloads segments only at context switch, so there the
 * same happens after the next switch; the yield below covers it.)
 * The same callback takes a HYPERVISOR_iret frame that Xen's own IRET cannot load (a CS or SS
 * that does not load, an EIP past the segment limit): the fixup on that IRET enters the failsafe
 * callback with the frame that failed (x86_64/compat/entry.S, compat_failsafe_callback). A frame
 * to ring 3 puts the failsafe frame on the stack_switch stack, one to ring 1 on the frame's own.
 * callback_op: unregistering the event or failsafe callback is refused (-EINVAL; only NMI can be
 * unregistered); unknown types and unknown commands are -ENOSYS. */
#include "xtf.h"

#define ACC_DATA_DPL3 0xF2

static volatile uint32_t frame_esp;
static void recorder(struct cpu_frame *f) { frame_esp = (uint32_t)f; }
static void load_fs_ldt0(void *a) { __asm__ volatile("mov %0,%%fs" :: "r"(0x07)); }
USER_TEXT static void user_int80(void *a) { __asm__ volatile("int $0x80" ::: "memory"); }

static xtf_jmp_buf failsafe_jb;
static void failsafe_escape(volatile struct failsafe_frame *f)
{
    (void)f;
    failsafe_hook = NULL;
    xtf_longjmp(failsafe_jb, 1);
}

/* Returns to eip with cs, esp, ss through HYPERVISOR_iret, expecting the failsafe callback. */
static void bad_iret(const char *check, uint32_t eip, uint32_t cs, uint32_t esp, uint32_t ss)
{
    unsigned int before = failsafe_count;
    if (xtf_setjmp(failsafe_jb) == 0) {
        failsafe_hook = failsafe_escape;
        hypervisor_iret_to(eip, cs, esp, ss);
    }
    failsafe_hook = NULL;
    bool ring3 = (cs & 3) == 3;
    xtf_check(failsafe_count == before + 1 && failsafe_last.eip == eip && (failsafe_last.cs & 0xFFFF) == cs &&
              (!ring3 || (failsafe_last.esp == esp && (failsafe_last.ss & 0xFFFF) == ss)),
              check, "count %u, frame %x:%p esp %p ss %x", failsafe_count - before, failsafe_last.cs & 0xFFFF,
              (void *)failsafe_last.eip, (void *)failsafe_last.esp, failsafe_last.ss & 0xFFFF);
}

XTF_TEST_MAIN
{
    xtf_check_rc("set_callbacks", HYPERVISOR_set_callbacks(FLAT_RING1_CS, (unsigned long)event_upcall_entry,
                                                           FLAT_RING1_CS, (unsigned long)failsafe_entry), 0);
    struct callback_register cb = { .type = CALLBACKTYPE_event, .flags = 0,
                                    .address = { .cs = FLAT_RING1_CS, .eip = (uint32_t)event_upcall_entry } };
    xtf_check_rc("callback_op-register-event", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
    cb.type = CALLBACKTYPE_failsafe;
    cb.address.eip = (uint32_t)failsafe_entry;
    xtf_check_rc("callback_op-register-failsafe", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
    struct callback_unregister unreg = { .type = CALLBACKTYPE_event };
    xtf_check_rc("callback_op-unregister-event-refused", HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg),
                 -XEN_EINVAL);
    cb.type = 99;
    xtf_check_rc("callback_op-unknown-type", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_ENOSYS);
    xtf_check_rc("callback_op-unknown-cmd", HYPERVISOR_callback_op(7, &cb), -XEN_ENOSYS);

    /* The event callback is live: an IPI to self arrives through it. */
    struct evtchn_bind_ipi ipi = { .vcpu = 0 };
    HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi);
    upcall_unmask();
    unsigned int c = port_count[ipi.port];
    evtchn_send(ipi.port);
    xtf_check(wait_for(&port_count[ipi.port], c, MS(50)), "event-callback-runs", "no upcall");

    /* Failsafe. */
    uint64_t *ldt = alloc_page();
    ldt[0] = ((uint64_t)(0x000F0000U | (ACC_DATA_DPL3 << 8) | (0xC << 20)) << 32) | 0xFFFF;
    make_readonly(ldt);
    struct fault f;
    long ldt_rc = mmuext_simple(MMUEXT_SET_LDT, (uint32_t)ldt, 1);
    bool hit = ldt_rc ? true : run_catching(load_fs_ldt0, NULL, &f);
    if (!xtf_check(!hit, "failsafe-setup", "set_ldt rc %ld, loading fs=0x07 faulted %d", ldt_rc, hit)) goto stack;
    unsigned int before = failsafe_count;
    long rc = mmuext_simple(MMUEXT_SET_LDT, 0, 0);
    if (failsafe_count == before) sched_yield();
    uint32_t fs;
    __asm__ volatile("mov %%fs,%0" : "=r"(fs));
    xtf_check(failsafe_count > before, "failsafe-callback-fires", "no failsafe callback (set_ldt rc %ld)", rc);
    xtf_check((failsafe_last.fs & 0xFFFF) == 0x07 && (failsafe_last.cs & 3) == 1, "failsafe-frame",
              "fs 0x%x cs 0x%x eip %p", failsafe_last.fs, failsafe_last.cs, (void *)failsafe_last.eip);
    xtf_check(rc == 0 && (fs & 0xFFFF) == 0, "failsafe-returns-to-caller", "rc %ld fs 0x%x", rc, fs);
    __asm__ volatile("mov %0,%%fs" :: "r"(0));

stack:;

    /* A frame Xen's IRET cannot load goes to the failsafe callback. Ring 3 frames put it on the
     * stack_switch stack: give it a page of its own. */
    char *fs_stack = alloc_page();
    xtf_check_rc("stack_switch-for-failsafe", HYPERVISOR_stack_switch(FLAT_RING1_SS, (unsigned long)(fs_stack + PAGE_SIZE)), 0);
    uint32_t user_sp = (uint32_t)fs_stack + 256;
    bad_iret("failsafe-on-iret-bad-cs", (uint32_t)user_int80, 0x000F /* LDT 1, and no LDT */, user_sp, FLAT_RING3_SS);
    bad_iret("failsafe-on-iret-bad-ss", (uint32_t)user_int80, FLAT_RING3_CS, user_sp, 0x000F);
    bad_iret("failsafe-on-iret-eip-past-limit", MACH2PHYS_VIRT_END + 0x1000, FLAT_RING1_CS, 0, 0);

    /* stack_switch: traps from ring 3 arrive on the registered ring-1 stack. */
    char *stack = alloc_page();
    xtf_check_rc("stack_switch", HYPERVISOR_stack_switch(FLAT_RING1_SS, (unsigned long)(stack + PAGE_SIZE)), 0);
    set_trap_handler(SYSCALL_VECTOR, recorder);
    bool trapped = run_ring3(user_int80, NULL, &f);
    set_trap_handler(SYSCALL_VECTOR, NULL);
    xtf_check(!trapped && frame_esp > (uint32_t)stack && frame_esp < (uint32_t)stack + PAGE_SIZE,
              "ring3-trap-uses-stack_switch-stack", "frame at %p, stack %p", (void *)frame_esp, stack);
    /* An RPL-0 stack selector is fixed up to RPL 1, not refused (fixup_guest_stack_selector). */
    xtf_check_rc("stack_switch-rpl0-accepted", HYPERVISOR_stack_switch(FLAT_RING1_SS & ~3,
                                                                       (unsigned long)(stack + PAGE_SIZE)), 0);
    trapped = run_ring3(user_int80, NULL, &f);
    xtf_check(!trapped || f.vector == SYSCALL_VECTOR, "ring3-after-rpl0-stack", "vector %u", f.vector);
}
