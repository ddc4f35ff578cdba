; ROM entry: the reset vector, real-mode tests, the switch to 16-bit and then
; 32-bit protected mode, and the call into the C test driver.
;
; Linked by rom.ld: .text16 has VMA 0 (offsets within segment F000, so 16-bit
; relocations fit) and LMA 0xF0000; .reset sits at 0xFFFF0 (F000:FFF0 and,
; through the top-of-4G alias, 0xFFFFFFF0).
%include "defs.inc"

%define ROMSEG   0xf000
%define ROMBASE  0xf0000
; Real-mode scratch (no BIOS data area on this machine):
%define RM_VEC   0x500          ; vector of the last real-mode exception (word)
%define RM_IP    0x502          ; IP it pushed
%define RM_SKIP  0x504          ; bytes the handler adds to the return IP
%define RM_HITS  0x506          ; count of exceptions taken

extern kmain
extern __data_load, __data_start, __data_size, __bss_start, __bss_size
extern kstack_top

section .text16 progbits alloc exec nowrite align=16
bits 16

global rom_start16
rom_start16:
    pushfd                      ; EFLAGS as reset left it (SS:SP = 0:0 wraps to 0:FFFC)
    pop ebp
    cli
    cld
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov ax, cs
    mov ds, ax
    ; Fast A20 on (bit 1 of port 0x92; bit 0 would reset the machine).
    in al, 0x92
    or al, 2
    and al, 0xfe
    out 0x92, al

    mov si, s_begin
    call rm_puts
    mov si, s_rm_head
    call rm_puts

    ; --- reset state
    mov si, s_rm_reset
    call rm_puts
    mov eax, cr0
    mov cx, 8
    call rm_hex
    mov si, s_eflags
    call rm_puts
    mov eax, ebp
    mov cx, 8
    call rm_hex
    mov si, s_nl
    call rm_puts

    ; --- install the real-mode exception handlers in the IVT at 0
    xor ax, ax
    mov es, ax
    mov word [es:RM_HITS], 0
    mov bx, 0
    mov di, 0
.ivt:
    mov word [es:di], rm_isr_generic
    mov word [es:di+2], ROMSEG
    add di, 4
    inc bx
    cmp bx, 0x40
    jb .ivt
    mov word [es:0*4], rm_isr0
    mov word [es:3*4], rm_isr3
    mov word [es:6*4], rm_isr6
    mov word [es:13*4], rm_isr13
    mov word [es:0x30*4], rm_isr30

    ; --- #DE via the IVT: IP = the DIV
    mov word [es:RM_SKIP], 2
    mov word [es:RM_VEC], 0xffff
    mov ax, 1
    mov cl, 0
rm_de_at:
    div cl
    mov si, s_rm_de
    mov bx, rm_de_at
    call rm_report

    ; --- INT3: IP = after the instruction
    mov word [es:RM_SKIP], 0
    mov word [es:RM_VEC], 0xffff
rm_bp_at:
    int3
    mov si, s_rm_bp
    mov bx, rm_bp_at
    call rm_report

    ; --- #UD (UD2): IP = the instruction
    mov word [es:RM_SKIP], 2
    mov word [es:RM_VEC], 0xffff
rm_ud_at:
    ud2
    mov si, s_rm_ud
    mov bx, rm_ud_at
    call rm_report

    ; --- software INT 30h
    mov word [es:RM_SKIP], 0
    mov word [es:RM_VEC], 0xffff
rm_int_at:
    int 0x30
    mov si, s_rm_int
    mov bx, rm_int_at
    call rm_report

    ; --- a word read at offset 0xFFFF runs past the 64 KiB limit: #GP (vector 13, no error code)
    mov word [es:RM_SKIP], 4
    mov word [es:RM_VEC], 0xffff
rm_gp_at:
    mov ax, [es:0xffff]         ; 26 A1 FF FF
    mov si, s_rm_gp
    mov bx, rm_gp_at
    call rm_report

    ; --- a word read at offset 0xFFFE stays inside: no exception
    mov word [es:RM_SKIP], 4
    mov word [es:RM_VEC], 0xffff
rm_ok_at:
    mov ax, [es:0xfffe]
    mov si, s_rm_ok
    mov bx, rm_ok_at
    call rm_report

    ; --- 16-bit protected mode
    o32 lgdt [cs:boot_gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp CODE16:pm16

pm16:
    mov ax, DATA16              ; base 0xF0000: the same offsets as in real mode
    mov ds, ax
    mov ax, KDATA
    mov ss, ax
    mov esp, 0x7000
    mov si, s_pm16_head
    call rm_puts
    mov si, s_pm16
    call rm_puts
    mov ax, cs
    movzx eax, ax
    mov cx, 4
    call rm_hex
    mov si, s_pm16_ds
    call rm_puts
    mov ax, ds
    movzx eax, ax
    mov cx, 4
    call rm_hex
    mov si, s_pm16_cr0
    call rm_puts
    mov eax, cr0
    and eax, 0x80000001
    mov cx, 8
    call rm_hex
    mov si, s_pm16_op
    call rm_puts
    ; the default operand size is 16 bits: PUSH moves SP by 2
    mov ebx, esp
    push ax
    mov edx, esp
    pop ax
    sub ebx, edx
    mov eax, ebx
    mov cx, 1
    call rm_hex
    mov si, s_nl
    call rm_puts
    jmp dword KCODE:pm32

; --- real-mode helpers ------------------------------------------------------
; rm_puts: print the NUL-terminated string at DS:SI.
rm_puts:
    push ax
.l: lodsb
    test al, al
    jz .d
    out LOG_PORT, al
    jmp .l
.d: pop ax
    ret

; rm_hex: print the low CX hex digits of EAX.
rm_hex:
    push eax
    push ebx
    push cx
    mov ebx, eax
.l: push cx
    dec cx
    shl cx, 2
    mov eax, ebx
    shr eax, cl
    pop cx
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '0' - 10
.o: out LOG_PORT, al
    loop .l
    pop cx
    pop ebx
    pop eax
    ret

; rm_report: SI = test name, BX = IP of the instruction under test; prints
; "name: vec=XX ip=at+N" or "name: none" from the scratch words.
rm_report:
    call rm_puts
    mov ax, [es:RM_VEC]
    cmp ax, 0xffff
    jne .hit
    mov si, s_none
    call rm_puts
    ret
.hit:
    mov si, s_vec
    call rm_puts
    movzx eax, ax
    mov cx, 2
    call rm_hex
    mov si, s_ipat
    call rm_puts
    mov ax, [es:RM_IP]
    sub ax, bx
    jz .nl
    mov si, s_plus
    call rm_puts
    movzx eax, ax
    mov cx, 1
    call rm_hex
.nl:
    mov si, s_nl
    call rm_puts
    ret

; Real-mode exception handlers: record vector and IP, add RM_SKIP to the IP.
%macro RM_ISR 2
rm_isr%1:
    push bp
    mov bp, sp
    push ax
    push ds
    xor ax, ax
    mov ds, ax
    mov word [RM_VEC], %2
    mov ax, [bp+2]
    mov [RM_IP], ax
    add ax, [RM_SKIP]
    mov [bp+2], ax
    inc word [RM_HITS]
    pop ds
    pop ax
    pop bp
    iret
%endmacro
RM_ISR 0, 0x00
RM_ISR 3, 0x03
RM_ISR 6, 0x06
RM_ISR 13, 0x0d
RM_ISR 30, 0x30
RM_ISR _generic, 0xee

s_begin:     db 10, "=== BEGIN ===", 10, 0
s_rm_head:   db "== real mode", 10, 0
s_rm_reset:  db "rm.reset: cr0=", 0
s_eflags:    db " eflags=", 0
s_rm_de:     db "rm.de div-by-zero: ", 0
s_rm_bp:     db "rm.bp int3: ", 0
s_rm_ud:     db "rm.ud ud2: ", 0
s_rm_int:    db "rm.int int-30h: ", 0
s_rm_gp:     db "rm.gp word-at-ffff: ", 0
s_rm_ok:     db "rm.ok word-at-fffe: ", 0
s_pm16_head: db "== 16-bit protected mode", 10, 0
s_pm16:      db "pm16.enter: cs=", 0
s_pm16_ds:   db " ds=", 0
s_pm16_cr0:  db " cr0.pg/pe=", 0
s_pm16_op:   db " push-size=", 0
s_vec:       db "vec=", 0
s_ipat:      db " ip=at", 0
s_plus:      db "+", 0
s_none:      db "none", 10, 0
s_nl:        db 10, 0

align 8
; The boot GDT (in ROM: descriptors have the accessed bit set, so that loading
; them needs no write). Same selectors as the C GDT that replaces it.
boot_gdt:
    dq 0
    dq 0x00cf9b000000ffff       ; 0x08 KCODE: 32-bit, flat
    dq 0x00cf93000000ffff       ; 0x10 KDATA: flat
    dq 0, 0, 0, 0, 0
    dq 0x000f9b0f0000ffff       ; 0x40 CODE16: base 0xF0000, limit 0xFFFF, 16-bit
    dq 0x000f930f0000ffff       ; 0x48 DATA16: base 0xF0000, limit 0xFFFF
boot_gdt_end:
boot_gdtr:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt + ROMBASE

; --- 32-bit part ----------------------------------------------------------------
section .text
bits 32
pm32:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    ; .data from ROM to RAM, .bss cleared (before the stack in .bss is used)
    mov esi, __data_load
    mov edi, __data_start
    mov ecx, __data_size
    rep movsb
    mov edi, __bss_start
    mov ecx, __bss_size
    xor eax, eax
    rep stosb
    mov esp, kstack_top
    push dword 0                ; mbi
    push dword 0                ; magic
    push dword 0                ; VARIANT_ROM
    call kmain
.hang:
    cli
    hlt
    jmp .hang

; --- the reset vector ------------------------------------------------------------
section .reset progbits alloc exec nowrite
bits 16
    jmp ROMSEG:rom_start16
    times 16 - ($ - $$) db 0xff
