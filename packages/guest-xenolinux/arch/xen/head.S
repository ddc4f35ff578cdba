/* head.S: entry from the domain builder, the hypercall page and the Xen ELF notes.
 * Xen enters at ENTRY in ring 1, ESI = start_info (virtual), the boot region mapped 1:1 from
 * VIRT_BASE with read-only page tables (xen-abi.md 2.22). We move to our own boot stack and call
 * xen_start_kernel(start_info). */
#include "xen-ts-abi.h"

        .section .text.head, "ax"
        .globl _start
_start:
        cld
        movl    $init_stack_top, %esp
        pushl   %esi
        call    xen_start_kernel
        ud2

/* The hypercall page (HYPERCALL_PAGE note): filled by the builder; ud2 until then. */
        .section .text.hypercall_page, "ax"
        .p2align 12
        .globl hypercall_page
hypercall_page:
        .rept 2048
        .byte 0x0f, 0x0b
        .endr

        .section .bss.stack, "aw", @nobits
        .p2align 12
        .globl init_stack, init_stack_top
init_stack:
        .skip 8192
init_stack_top:

        .macro ELFNOTE type, desc:vararg
        .pushsection .note.Xen, "a", @note
        .p2align 2
        .long   2f - 1f
        .long   4f - 3f
        .long   \type
1:      .asciz  "Xen"
2:      .p2align 2
3:      \desc
4:      .p2align 2
        .popsection
        .endm

        ELFNOTE XEN_ELFNOTE_GUEST_OS,       .asciz "xenolinux"
        ELFNOTE XEN_ELFNOTE_GUEST_VERSION,  .asciz "2.6.0-xen-ts"
        ELFNOTE XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0"
        ELFNOTE XEN_ELFNOTE_LOADER,         .asciz "generic"
        ELFNOTE XEN_ELFNOTE_VIRT_BASE,      .long 0xC0000000
        ELFNOTE XEN_ELFNOTE_PADDR_OFFSET,   .long 0xC0000000
        ELFNOTE XEN_ELFNOTE_ENTRY,          .long _start
        ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, .long hypercall_page
        ELFNOTE XEN_ELFNOTE_PAE_MODE,       .asciz "no"
        ELFNOTE XEN_ELFNOTE_FEATURES,       .asciz "!writable_page_tables"
