/* entry.S: every way into the kernel from Xen or from user mode, and the way back.
 *
 * Exceptions are bounced by Xen onto the ring-1 stack (the stack_switch one when coming from
 * ring 3) as [error] EIP CS EFLAGS [ESP SS], events masked (TI_SET_IF). int 0x80 arrives through
 * the fast trap gate with the same hardware frame and events enabled. The event upcall frame is
 * EIP CS EFLAGS [ESP SS]. Each stub completes a struct pt_regs (include/ptrace.h) and calls C;
 * the return goes through HYPERVISOR_iret, which restores the event mask from EFLAGS.IF
 * atomically with the frame (xen-abi.md 2.7). */
#include "xen-ts-abi.h"

#define SAVE_ALL \
        pushl   %gs;  pushl %fs;  pushl %es;  pushl %ds; \
        pushl   %eax; pushl %ebp; pushl %edi; pushl %esi; \
        pushl   %edx; pushl %ecx; pushl %ebx; \
        movl    $FLAT_RING1_DS, %edx; movl %edx, %ds; movl %edx, %es; \
        cld

        .macro TRAP_NOERR vec
        .globl trap_\vec
trap_\vec:
        pushl   $0
        pushl   $\vec
        jmp     common_trap
        .endm
        .macro TRAP_ERR vec
        .globl trap_\vec
trap_\vec:
        pushl   $\vec
        jmp     common_trap
        .endm

        .text
        TRAP_NOERR 0
        TRAP_NOERR 1
        TRAP_NOERR 2
        TRAP_NOERR 3
        TRAP_NOERR 4
        TRAP_NOERR 5
        TRAP_NOERR 6
        TRAP_NOERR 7
        TRAP_ERR 8
        TRAP_NOERR 9
        TRAP_ERR 10
        TRAP_ERR 11
        TRAP_ERR 12
        TRAP_ERR 13
        TRAP_ERR 14
        TRAP_NOERR 15
        TRAP_NOERR 16
        TRAP_ERR 17
        TRAP_NOERR 18
        TRAP_NOERR 19

common_trap:
        SAVE_ALL
        pushl   %esp
        call    do_trap
        addl    $4, %esp
        jmp     ret_from_exception

/* int 0x80: Linux i386 system call, number in EAX, arguments EBX ECX EDX ESI EDI EBP. The
 * number is also kept in the error-code slot (Linux's orig_eax) for restarting after a signal. */
        .globl system_call
system_call:
        pushl   %eax
        pushl   $0x80
        SAVE_ALL
        pushl   %esp
        call    do_syscall
        addl    $4, %esp
        jmp     ret_from_exception

/* Event upcall: vector -1 marks the frame. */
        .globl hypervisor_callback
hypervisor_callback:
        pushl   $0
        pushl   $0xFFFFFFFF
        SAVE_ALL
        pushl   %esp
        call    do_hypervisor_callback
        addl    $4, %esp
        jmp     ret_from_exception

/* Failsafe: Xen could not load a user segment on the way out. Frame: DS ES FS GS EIP CS EFLAGS
 * [ESP SS]. Like Linux, drop the bad selectors (reload null ones) and return. */
        .globl failsafe_callback
failsafe_callback:
        addl    $16, %esp
        pushl   $0
        pushl   $0xFFFFFFFE
        pushl   $0
        pushl   $0
        pushl   $FLAT_RING3_DS
        pushl   $FLAT_RING3_DS
        pushl   %eax; pushl %ebp; pushl %edi; pushl %esi
        pushl   %edx; pushl %ecx; pushl %ebx
        movl    $FLAT_RING1_DS, %edx
        movl    %edx, %ds
        movl    %edx, %es
        cld
        jmp     restore_all

#define PT_CS_OFF 56
/* Going back to user mode: the work Linux does on its exit path (preemption at the end of the
 * time slice, signal delivery) in exit_to_user, with events still masked. */
ret_from_exception:
        testb   $2, PT_CS_OFF(%esp)     /* RPL 3, not the kernel's 1: `testb $3` would take both */
        jz      restore_all
        pushl   %esp
        call    exit_to_user
        addl    $4, %esp
        jmp     restore_all

/* A new task's first run: switch_stacks returned here with ESP at its user frame. */
        .globl ret_from_fork
ret_from_fork:
        call    schedule_tail
        jmp     ret_from_exception

/* switch_stacks(&prev->ksp, next->ksp): the callee-saved registers stay on the old stack. */
        .globl switch_stacks
switch_stacks:
        movl    4(%esp), %eax
        movl    8(%esp), %edx
        pushl   %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        movl    %esp, (%eax)
        movl    %edx, %esp
        popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
        ret

/* vcpu_info[0] in the fixmap (setup.c checks FIX_SHARED_INFO has this value). */
#define VCPU0_UPCALL_PENDING 0xFBC00000
#define VCPU0_UPCALL_MASK    0xFBC00001
#define PT_CS     56
#define PT_EFLAGS 60

/* Return: the frame at ESP is a struct pt_regs.
 * To user mode with events enabled, a plain IRET from ring 1 does it (Linux's xen_iret fast
 * path), so system calls and most traps cost no hypervisor entry: unmask, then, unless an event
 * is already pending, IRET. An event that arrives in between is delivered as a nested upcall on
 * this stack below the IRET frame, and returns here. Everything else (a return to ring 1, or
 * with events pending) goes through HYPERVISOR_iret, which restores the mask from EFLAGS.IF
 * atomically with the frame.
 * Once the user's data selectors are back, DS may be anything the program loaded (null, a TLS
 * segment): the vcpu_info accesses go through SS, the kernel's own. A selector that no longer
 * loads (a sigreturn may hand us any RPL-3 one) faults its pop in ring 1: as Linux's
 * RESTORE_REGS fixups do, it is replaced by the null selector and popped again. The tests on
 * the IRET frame may clobber the flags: IRET takes EFLAGS from the frame. */
#define POP_SEG(seg) \
91:     popl    seg; \
        .pushsection .text.fixup, "ax"; \
92:     movl    $0, (%esp); \
        jmp     91b; \
        .popsection; \
        .pushsection __ex_table, "a"; \
        .long   91b, 92b; \
        .popsection

        .globl restore_all
restore_all:
        popl    %ebx; popl %ecx; popl %edx; popl %esi
        popl    %edi; popl %ebp; popl %eax
        POP_SEG(%ds)
        POP_SEG(%es)
        POP_SEG(%fs)
        POP_SEG(%gs)
        addl    $8, %esp                /* vector, error code: ESP is at the IRET frame */
        testb   $2, 4(%esp)             /* CS RPL 1: to the kernel */
        jz      2f
        testl   $0x200, 8(%esp)         /* EFLAGS.IF clear: events stay masked */
        jz      2f
        movb    $0, %ss:VCPU0_UPCALL_MASK
        testb   $0xff, %ss:VCPU0_UPCALL_PENDING
        jnz     2f
        iret
2:      jmp     hypercall_page + __HYPERVISOR_iret * 32

/* arch_return_to_user(regs): switch ESP to the frame and leave through restore_all. */
        .globl arch_return_to_user
arch_return_to_user:
        movl    4(%esp), %esp
        jmp     restore_all
