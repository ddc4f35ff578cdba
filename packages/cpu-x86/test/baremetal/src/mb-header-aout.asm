; Multiboot v1 header with the "a.out kludge" (flags bit 16): the loader uses
; the addresses below instead of any executable format. The kernel is a flat
; binary whose first byte is loaded at load_addr.
%define MB_MAGIC 0x1badb002
%define MB_FLAGS 0x00010003

extern __load_start, __data_end, __bss_end, _start

section .multiboot progbits alloc noexec nowrite align=4
mb_header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)
    dd mb_header                ; header_addr
    dd __load_start             ; load_addr
    dd __data_end               ; load_end_addr
    dd __bss_end                ; bss_end_addr
    dd _start                   ; entry_addr

section .rodata
global mb_variant
mb_variant: dd 2                ; VARIANT_MB_AOUT
