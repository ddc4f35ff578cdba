; Multiboot v1 header for the ELF kernel: flags = page-align modules, memory
; information; no address fields, so the loader takes the ELF program headers.
%define MB_MAGIC 0x1badb002
%define MB_FLAGS 0x00000003

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .rodata
global mb_variant
mb_variant: dd 1                ; VARIANT_MB_ELF
