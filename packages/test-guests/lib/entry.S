/* entry.S: the event upcall and the failsafe callback.
 *
 * Event callback: Xen enters with evtchn_upcall_mask set and {EIP, CS, EFLAGS, [ESP, SS]} on the
 * stack, EFLAGS.IF = !saved_upcall_mask (xen-abi.md 2.6, 2.7). We return through
 * HYPERVISOR_iret (hypercall page entry 23, jumped to with the frame on the stack): it restores the
 * mask from the frame's IF atomically, so an event that arrived while we were dispatching is
 * delivered on the way out instead of being lost in a window after an unmask. */
#define __ASSEMBLER__ 1
#include "xen-ts-abi.h"

        .text
        .p2align 4
        .globl event_upcall_entry
event_upcall_entry:
        pushl   $0                      /* error code slot */
        pushl   $0xFFFFFFFF             /* vector: -1 marks an upcall frame */
        pushal
        pushl   %ds
        pushl   %es
        movl    $FLAT_RING1_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        cld
        pushl   %esp
        call    do_event_upcall
        addl    $4, %esp
        popl    %es
        popl    %ds
        popal
        addl    $8, %esp
        jmp     hypercall_page + __HYPERVISOR_iret * 32

/* Failsafe callback: Xen could not load a segment register (or iret) on its way back to the
 * guest. It pushes {DS, ES, FS, GS, EIP, CS, EFLAGS, [ESP, SS]} (x86_32 failsafe frame).
 * We record the frame (do_failsafe) and, like Linux, return with zeroed data segments. */
        .p2align 4
        .globl failsafe_entry
failsafe_entry:
        pushal
        movl    $FLAT_RING1_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        cld
        leal    32(%esp), %eax
        pushl   %eax                    /* struct failsafe_frame * */
        call    do_failsafe             /* may longjmp away when a test expects it */
        addl    $4, %esp
        popal
        addl    $16, %esp               /* drop the four selectors */
        pushl   %eax
        xorl    %eax, %eax
        movl    %eax, %fs
        movl    %eax, %gs
        movl    $FLAT_RING1_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        popl    %eax
        iret
