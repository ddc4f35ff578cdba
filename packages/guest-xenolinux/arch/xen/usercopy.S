/* usercopy.S: copies between kernel and user memory that survive a bad user pointer. A fault
 * on a marked instruction that the page-fault handler cannot resolve resumes at the fixup
 * (the __ex_table, as Linux's), which returns -EFAULT. */
        .text
/* int __copy_user(void *dst, const void *src, size_t n) */
        .globl __copy_user
__copy_user:
        pushl   %esi
        pushl   %edi
        movl    12(%esp), %edi
        movl    16(%esp), %esi
        movl    20(%esp), %ecx
        cld
1:      rep movsb
        xorl    %eax, %eax
2:      popl    %edi
        popl    %esi
        ret
3:      movl    $-14, %eax
        jmp     2b
        .section __ex_table, "a"
        .long   1b, 3b
        .previous

/* int __strncpy_from_user(char *dst, const char *src, size_t n): length copied (stops after the
 * NUL, which it copies), n when no NUL was found, -EFAULT on a fault. */
        .globl __strncpy_from_user
__strncpy_from_user:
        pushl   %esi
        pushl   %edi
        movl    12(%esp), %edi
        movl    16(%esp), %esi
        movl    20(%esp), %ecx
        xorl    %edx, %edx
4:      cmpl    %ecx, %edx
        je      6f
5:      movb    (%esi,%edx), %al
        movb    %al, (%edi,%edx)
        testb   %al, %al
        je      6f
        incl    %edx
        jmp     4b
6:      movl    %edx, %eax
7:      popl    %edi
        popl    %esi
        ret
8:      movl    $-14, %eax
        jmp     7b
        .section __ex_table, "a"
        .long   5b, 8b
        .previous
