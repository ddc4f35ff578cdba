; Bare-metal benchmark loops (the same bytes run in cpu-x86, v86 and Bochs).
;
; Entered at LOAD_ADDR in flat 32-bit protected mode: CS = 0x08 (base 0,
; limit 4 GiB, 32-bit code), DS = ES = SS = 0x10 (flat data), interrupts off,
; paging off. How it gets there differs per emulator (boot.asm for a PC, the
; Cpu API for cpu-x86); everything from here on is identical.
;
; Progress is reported as single bytes on port 0xE9 (Bochs' "port E9 hack"):
;   R            ready: IDT installed, about to start the ALU section
;   A ... a      ALU section (timed between the two markers)
;   =XXXXXXXX;   checksum of the section just ended (hex, 8 digits)
;   P            paging is on
;   M ... m      memory section (timed between the two markers)
;   Q            all done (the CPU then halts)
;   !<c>         an exception: <c> = '@' + vector; then the CPU halts
;
; Iteration counts live in the parameter block at LOAD_ADDR + 8, which the
; harness patches (the code itself never changes). Instructions executed
; between two markers, counting the closing OUT:
;   ALU:    6 * alu_iters + 6
;   memory: mem_passes * (6 * mem_dwords + 5) + 4

bits 32
LOAD_ADDR   equ 0x10000
STACK_TOP   equ 0x90000
PAGE_DIR    equ 0x200000          ; page directory; page tables follow it
PAGE_TABLES equ 0x201000
MAPPED_MB   equ 16                ; identity-mapped with 4 KiB pages
ARRAY_BASE  equ 0x400000          ; the memory loop's array (4 MiB at most)
E9          equ 0xE9

org LOAD_ADDR

entry:
    jmp     near start            ; 5 bytes
    align   8, db 0
params:                           ; LOAD_ADDR + 8, patched by the harness
    db      'XTSB'                ; magic
alu_iters:  dd 1000
mem_passes: dd 1
mem_dwords: dd 1024

%macro MARK 1
    mov     al, %1
    out     E9, al
%endmacro

start:
    cli
    mov     esp, STACK_TOP
    ; IDT: 32 interrupt gates to the stubs below (no shifts: the stubs are
    ; below 16 MiB, so the high word of each offset comes from a dword store).
    mov     edi, idt
    mov     esi, stubs
    mov     ecx, 32
.fill:
    mov     [edi + 4], esi
    mov     word [edi + 4], 0x8E00
    mov     [edi], esi
    mov     word [edi + 2], 0x08
    add     edi, 8
    add     esi, 8
    dec     ecx
    jnz     .fill
    lidt    [idt_desc]
    MARK    'R'

; ---------------------------------------------------------------- ALU loop
    MARK    'A'
    mov     ecx, [alu_iters]
    mov     eax, 0x12345678
    mov     ebx, 0x9ABCDEF1
    xor     edx, edx
alu_loop:
    add     eax, ebx
    xor     ebx, eax
    shl     eax, 1
    sub     edx, ebx
    dec     ecx
    jnz     alu_loop
    MARK    'a'
    xor     eax, ebx
    xor     eax, edx
    call    print_sum

; ----------------------------------------------------------- paging on
    ; page tables: MAPPED_MB MiB identity-mapped, present + writable, supervisor
    mov     edi, PAGE_TABLES
    mov     eax, 0x003
    mov     ecx, MAPPED_MB * 256
.pte:
    mov     [edi], eax
    add     eax, 0x1000
    add     edi, 4
    dec     ecx
    jnz     .pte
    mov     edi, PAGE_DIR
    xor     eax, eax
    mov     ecx, 1024
.pde_clear:
    mov     [edi], eax
    add     edi, 4
    dec     ecx
    jnz     .pde_clear
    mov     edi, PAGE_DIR
    mov     eax, PAGE_TABLES | 0x003
    mov     ecx, MAPPED_MB / 4
.pde:
    mov     [edi], eax
    add     eax, 0x1000
    add     edi, 4
    dec     ecx
    jnz     .pde
    mov     eax, PAGE_DIR
    mov     cr3, eax
    mov     eax, cr0
    or      eax, 0x80000000
    mov     cr0, eax
    jmp     .paged
.paged:
    ; clear the array so every emulator starts from the same contents
    mov     edi, ARRAY_BASE
    mov     ecx, [mem_dwords]
    xor     eax, eax
.zero:
    mov     [edi], eax
    add     edi, 4
    dec     ecx
    jnz     .zero
    MARK    'P'

; ------------------------------------------------------------- memory loop
    MARK    'M'
    mov     ebp, [mem_passes]
    mov     edx, 0x01000193
mem_outer:
    mov     esi, ARRAY_BASE
    mov     ecx, [mem_dwords]
mem_inner:
    mov     eax, [esi]
    add     eax, edx
    mov     [esi], eax
    add     esi, 4
    dec     ecx
    jnz     mem_inner
    inc     edx
    dec     ebp
    jnz     mem_outer
    MARK    'm'
    ; checksum: sum of the array
    mov     esi, ARRAY_BASE
    mov     ecx, [mem_dwords]
    xor     ebx, ebx
.sum:
    add     ebx, [esi]
    add     esi, 4
    dec     ecx
    jnz     .sum
    mov     eax, ebx
    call    print_sum
    MARK    'Q'
halt:
    cli
    hlt
    jmp     halt

; print_sum: writes '=' then EAX as 8 hex digits then ';' to port 0xE9.
print_sum:
    mov     ebx, eax
    MARK    '='
    mov     ecx, 8
.digit:
    rol     ebx, 4
    mov     eax, ebx
    and     eax, 0x0F
    mov     al, [hexdigits + eax]
    out     E9, al
    dec     ecx
    jnz     .digit
    MARK    ';'
    ret

; exception stubs: 8 bytes each, push the vector and report it
    align   8, db 0
stubs:
%assign v 0
%rep 32
    push    byte v
    jmp     near exception
    align   8, db 0x90
%assign v v + 1
%endrep

exception:
    MARK    '!'
    pop     eax
    add     al, '@'
    out     E9, al
    jmp     halt

hexdigits:  db '0123456789ABCDEF'
    align   8, db 0
idt_desc:
    dw      32 * 8 - 1
    dd      idt
    align   8, db 0
idt:
    times   32 * 8 db 0
