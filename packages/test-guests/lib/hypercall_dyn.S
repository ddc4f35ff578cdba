/* hypercall_dyn.S: long hypercall_dyn(nr, a1..a5), a hypercall whose number is known only at run
 * time. EAX..EDI are all taken by the convention, so the target goes through the stack. */
        .text
        .globl hypercall_dyn
hypercall_dyn:
        pushl   %ebp
        movl    %esp, %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        movl    8(%ebp), %eax
        andl    $127, %eax
        shll    $5, %eax
        addl    $hypercall_page, %eax
        pushl   %eax
        movl    12(%ebp), %ebx
        movl    16(%ebp), %ecx
        movl    20(%ebp), %edx
        movl    24(%ebp), %esi
        movl    28(%ebp), %edi
        call    *(%esp)
        addl    $4, %esp
        popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
        ret
