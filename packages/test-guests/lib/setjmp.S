/* setjmp.S: minimal setjmp/longjmp (callee-saved registers, ESP, return EIP). longjmp also
 * reloads the ring-1 data segments, since it is used to leave trap handlers entered from ring 3. */
#define __ASSEMBLER__ 1
#include "xen-ts-abi.h"

        .text
        .globl xtf_setjmp
xtf_setjmp:
        movl    4(%esp), %eax
        movl    %ebx, 0(%eax)
        movl    %esi, 4(%eax)
        movl    %edi, 8(%eax)
        movl    %ebp, 12(%eax)
        leal    4(%esp), %ecx           /* ESP after our return */
        movl    %ecx, 16(%eax)
        movl    (%esp), %ecx
        movl    %ecx, 20(%eax)
        xorl    %eax, %eax
        ret

        .globl xtf_longjmp
xtf_longjmp:
        movl    4(%esp), %edx
        movl    8(%esp), %eax
        movl    $FLAT_RING1_DS, %ecx
        movl    %ecx, %ds
        movl    %ecx, %es
        movl    0(%edx), %ebx
        movl    4(%edx), %esi
        movl    8(%edx), %edi
        movl    12(%edx), %ebp
        movl    16(%edx), %esp
        testl   %eax, %eax
        jnz     1f
        incl    %eax
1:      jmp     *20(%edx)
