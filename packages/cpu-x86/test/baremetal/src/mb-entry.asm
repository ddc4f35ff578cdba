; Multiboot entry: the loader left EAX = 0x2BADB002, EBX = the information
; structure, 32-bit flat protected mode, paging and interrupts off.
%include "defs.inc"

extern kmain, mb_variant
extern __bss_start, __bss_size
extern kstack_top

section .text
bits 32
global _start
_start:
    cli
    cld
    mov ebp, eax                ; magic
    mov edx, ebx                ; information structure
    mov edi, __bss_start        ; the loader zeroes .bss; do it again, cheaply
    mov ecx, __bss_size
    xor eax, eax
    rep stosb
    mov esp, kstack_top
    push edx
    push ebp
    push dword [mb_variant]
    call kmain
.hang:
    cli
    hlt
    jmp .hang
