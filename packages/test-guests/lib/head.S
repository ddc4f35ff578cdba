/* head.S: entry point, boot stack, hypercall page and the Xen ELF notes (xen-abi.md 2.21, 2.22).
 *
 * Xen enters at ENTRY in ring 1 with ESI = start_info (virtual), ESP = top of the builder's
 * boot-stack page, CS = FLAT_RING1_CS and the image mapped 1:1 from VIRT_BASE. We switch to a
 * larger stack in .bss and call xtf_main(start_info).
 *
 * Built twice: with notes (the normal case) and with -DLEGACY_XEN_GUEST for a guest that only
 * carries the pre-notes `__xen_guest` section. */
#define __ASSEMBLER__ 1
#include "xen-ts-abi.h"

#define STACK_SIZE (16 * 4096)

        .section .text.head, "ax"
        .globl _start
_start:
        cld
        movl    $boot_stack_top, %esp
        pushl   %esi                    /* start_info */
        call    xtf_main
        ud2                             /* xtf_main does not return */

/* The hypercall page: the second page of the image (VIRT_BASE + 0x1000), filled by the domain
 * builder. Until then it holds ud2 bytes so a call into an unfilled page faults visibly. */
        .section .text.hypercall_page, "ax"
        .p2align 12
        .globl hypercall_page
hypercall_page:
        .rept 2048
        .byte 0x0f, 0x0b
        .endr

        .section .bss.stack, "aw", @nobits
        .p2align 12
        .globl boot_stack, boot_stack_top
boot_stack:
        .skip STACK_SIZE
boot_stack_top:

#ifndef LEGACY_XEN_GUEST
/* One note: namesz, descsz, type, "Xen\0", desc, each 4-byte aligned. */
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

        ELFNOTE XEN_ELFNOTE_GUEST_OS,       .asciz "xen-ts-test"
        ELFNOTE XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0"
        ELFNOTE XEN_ELFNOTE_LOADER,         .asciz "generic"
        ELFNOTE XEN_ELFNOTE_VIRT_BASE,      .long 0xC0000000
        ELFNOTE XEN_ELFNOTE_PADDR_OFFSET,   .long 0xC0000000
        ELFNOTE XEN_ELFNOTE_ENTRY,          .long _start
        ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, .long hypercall_page
#if CONFIG_PAE
        ELFNOTE XEN_ELFNOTE_PAE_MODE,       .asciz "yes"
#else
        ELFNOTE XEN_ELFNOTE_PAE_MODE,       .asciz "no"
#endif
        ELFNOTE XEN_ELFNOTE_FEATURES,       .asciz "!writable_page_tables"
#else
/* Legacy: one string of KEY=VALUE items; HYPERCALL_PAGE is a page number relative to VIRT_BASE
 * (libelf-dominfo.c, elf_xen_parse_guest_info). The linker script puts the page at 0x1000. */
        .section __xen_guest, "a"
        .ascii  "GUEST_OS=xen-ts-test,XEN_VER=xen-3.0,LOADER=generic"
        .ascii  ",VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0xC0000000"
        .ascii  ",VIRT_ENTRY=0xC0000000,HYPERCALL_PAGE=0x1"
#if CONFIG_PAE
        .ascii  ",PAE=yes"
#else
        .ascii  ",PAE=no"
#endif
        .asciz  ",FEATURES=!writable_page_tables"
#endif
