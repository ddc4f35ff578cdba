/* ring3.S: enter ring 3 with an iret frame, and the user-side return trampoline.
 * void enter_ring3(void (*fn)(void *), void *arg, uint32_t user_stack_top)
 * The user stack gets {ring3_return, arg} so fn(arg) returns into `int $0x81`, which the trap
 * code turns into a longjmp back to run_ring3's caller. A ring-1 kernel may iret to ring 3
 * directly (xen-abi.md 2.7); the ring-1 stack for the way back is the one set by stack_switch. */
#define __ASSEMBLER__ 1
#include "xen-ts-abi.h"

        .text
        .globl enter_ring3
enter_ring3:
        movl    4(%esp), %eax           /* fn */
        movl    8(%esp), %edx           /* arg */
        movl    12(%esp), %ecx          /* user stack top */
        subl    $8, %ecx
        movl    $ring3_return, 0(%ecx)
        movl    %edx, 4(%ecx)
        pushl   $FLAT_RING3_SS
        pushl   %ecx
        pushl   $0x202                  /* IF (virtual for PV; iret at CPL 1 leaves it alone) */
        pushl   $FLAT_RING3_CS
        pushl   %eax
        movl    $FLAT_RING3_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        iret

        .section .text.user, "ax"
        .globl ring3_return
ring3_return:
        int     $0x81
        ud2
