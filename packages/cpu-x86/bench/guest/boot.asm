; A 1.44 MB floppy boot sector that loads loops.asm's image (the sectors that
; follow it) to 0x10000, switches to flat 32-bit protected mode and jumps
; there. Used for v86 and Bochs, which start from a PC BIOS; cpu-x86 is put
; in the same state through its API instead.
;
; nasm -f bin -DIMAGE_SECTORS=n boot.asm

bits 16
org 0x7C00

%ifndef IMAGE_SECTORS
%define IMAGE_SECTORS 8
%endif

boot:
    cli
    xor     ax, ax
    mov     ds, ax
    mov     ss, ax
    mov     sp, 0x7C00
    mov     [drive], dl
    mov     ax, 0x1000            ; ES:BX = 0x1000:0000 = 0x10000
    mov     es, ax
    xor     bx, bx
    mov     ah, 0x02              ; read sectors (CHS 0/0/2 onwards, one track)
    mov     al, IMAGE_SECTORS
    mov     cx, 0x0002
    xor     dh, dh
    mov     dl, [drive]
    int     0x13
    jc      fail
    in      al, 0x92              ; fast A20
    or      al, 2
    and     al, 0xFE
    out     0x92, al
    lgdt    [gdt_desc]
    mov     eax, cr0
    or      eax, 1
    mov     cr0, eax
    jmp     0x08:pmode

fail:
    mov     al, 'F'
    out     0xE9, al
.hang:
    hlt
    jmp     .hang

bits 32
pmode:
    mov     ax, 0x10
    mov     ds, ax
    mov     es, ax
    mov     fs, ax
    mov     gs, ax
    mov     ss, ax
    mov     esp, 0x90000
    jmp     0x10000

drive: db 0
    align 8, db 0
gdt:
    dq      0
    dq      0x00CF9A000000FFFF    ; 0x08: code, base 0, limit 4 GiB, 32-bit
    dq      0x00CF92000000FFFF    ; 0x10: data, base 0, limit 4 GiB
gdt_desc:
    dw      gdt_desc - gdt - 1
    dd      gdt

    times   510 - ($ - $$) db 0
    dw      0xAA55
