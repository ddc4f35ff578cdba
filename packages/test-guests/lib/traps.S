/* traps.S: exception entry stubs and the common frame builder.
 *
 * Xen bounces a trap to the registered handler with {[ERRCODE,] EIP, CS, EFLAGS, [ESP, SS]} on the
 * ring-1 stack (xen-abi.md 2.7). Each stub makes the frame uniform (a 0 error code where the CPU
 * pushes none), pushes the vector, saves the registers and calls do_trap(struct cpu_frame *).
 * On return we iret natively: a ring-1 kernel may iret to ring 1 or ring 3. */
#define __ASSEMBLER__ 1
#include "xen-ts-abi.h"

#define TRAP_STUB_SIZE 16

        .text
        .p2align 4
        .globl trap_stub_table
trap_stub_table:
        .macro STUB vec, has_ec
        .p2align 4
        .if \has_ec == 0
        pushl   $0
        .endif
        pushl   $\vec
        jmp     trap_common
        .endm

        STUB 0, 0
        STUB 1, 0
        STUB 2, 0
        STUB 3, 0
        STUB 4, 0
        STUB 5, 0
        STUB 6, 0
        STUB 7, 0
        STUB 8, 1
        STUB 9, 0
        STUB 10, 1
        STUB 11, 1
        STUB 12, 1
        STUB 13, 1
        STUB 14, 1
        STUB 15, 0
        STUB 16, 0
        STUB 17, 1
        STUB 18, 0
        STUB 19, 0
        STUB 20, 0
        STUB 21, 0
        STUB 22, 0
        STUB 23, 0
        STUB 24, 0
        STUB 25, 0
        STUB 26, 0
        STUB 27, 0
        STUB 28, 0
        STUB 29, 0
        STUB 30, 0
        STUB 31, 0
        STUB 0x80, 0
        STUB 0x81, 0

        .p2align 4
        .globl trap_common
trap_common:
        pushal
        pushl   %ds
        pushl   %es
        movl    $FLAT_RING1_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        cld
        pushl   %esp
        call    do_trap
        addl    $4, %esp
        popl    %es
        popl    %ds
        popal
        addl    $8, %esp                /* vector, error code */
        iret
