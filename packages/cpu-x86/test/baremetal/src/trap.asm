; Interrupt entry stubs, the guard (a setjmp/longjmp for exceptions), ring-3
; entry, and the ring-0 targets of the call gate, the conforming segment and
; the second task.
%include "defs.inc"

extern trap_dispatch
extern g_armed, g_guard_result, tss2

section .text
bits 32

; One stub per vector: push a dummy error code where the CPU pushes none, then
; the vector number.
%macro STUB 1
stub_ %+ %1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17
%else
    push dword 0
%endif
    push dword %1
    jmp trap_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

trap_common:
    pushad
    push ds
    push es
    push fs
    push gs
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov eax, cr2
    push eax
    push esp                    ; struct frame *
    call trap_dispatch
    add esp, 4
    test eax, eax
    jnz guard_resume
    add esp, 4                  ; cr2
    pop gs
    pop fs
    pop es
    pop ds
    popad
    add esp, 8                  ; vector, error code
    iretd

; int guarded_call(void (*fn)(uint32_t), uint32_t arg): calls fn(arg) and
; returns NONE (-1), or, if an exception (or a ring-3 exit) unwinds it, the
; value trap_dispatch left in g_guard_result.
global guarded_call
guarded_call:
    push ebp
    push ebx
    push esi
    push edi
    mov [g_jmp_esp], esp
    mov dword [g_armed], 1
    mov eax, [esp + 20]
    push dword [esp + 24]
    call eax
    add esp, 4
    mov dword [g_armed], 0
    mov eax, -1
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

; Back to guarded_call's caller with a clean ring-0 state.
guard_resume:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [g_jmp_esp]
    push dword 2                ; IF=0, TF=0, AC=0, NT=0, IOPL=0
    popfd
    xor eax, eax
    mov dr7, eax
    mov dword [g_armed], 0
    mov eax, [g_guard_result]
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

; void enter_user(struct user_entry *e): IRET to ring 3 (guarded_call's fn).
global enter_user
enter_user:
    mov eax, [esp + 4]
    push dword [eax + 20]       ; ss
    push dword [eax + 12]       ; esp
    push dword [eax + 4]        ; eflags
    push dword [eax + 16]       ; cs
    push dword [eax + 0]        ; eip
    mov ebx, [eax + 24]
    mov ecx, [eax + 8]          ; ds, es
    mov es, cx
    mov ds, cx
    iretd

; The call gate's ring-0 target: records what the CPU put on the new stack
; ([esp] EIP, CS, the two copied parameters, ESP, SS), ESP itself and CS, then
; returns to ring 3 popping the parameters. DS is still the caller's (flat).
global cg_target, cg_seen, cg_esp, cg_cs
cg_target:
    mov [cg_esp], esp
    mov eax, [esp]
    mov [cg_seen], eax
    mov eax, [esp + 4]
    mov [cg_seen + 4], eax
    mov eax, [esp + 8]
    mov [cg_seen + 8], eax
    mov eax, [esp + 12]
    mov [cg_seen + 12], eax
    mov eax, [esp + 16]
    mov [cg_seen + 16], eax
    mov eax, [esp + 20]
    mov [cg_seen + 20], eax
    mov eax, cs
    mov [cg_cs], eax
    retf 8

; A conforming, DPL-0 code segment called from ring 3 runs at CPL 3: EBX = CS.
global conf_target
conf_target:
    mov ebx, cs
    retf

; The second task: records TR, EFLAGS and its back link, then returns to the
; caller's task with IRET (NT=1). Entered again, it resumes after the IRET.
global task2_entry, t2_tr, t2_eflags, t2_link
task2_entry:
    str ax
    movzx eax, ax
    mov [t2_tr], eax
    pushfd
    pop eax
    mov [t2_eflags], eax
    movzx eax, word [tss2]
    mov [t2_link], eax
    iretd
    jmp task2_entry

; Bochs has no isa-debug-exit; "Shutdown" written to port 0x8900 ends it.
global bochs_shutdown
bochs_shutdown:
    mov dx, BOCHS_SHUTDOWN_PORT
    mov esi, s_shutdown
.l: lodsb
    test al, al
    jz .d
    out dx, al
    jmp .l
.d: ret

section .rodata
s_shutdown: db "Shutdown", 0

section .rodata
global trap_stubs
align 4
trap_stubs:
%assign v 0
%rep 256
    dd stub_ %+ v
%assign v v + 1
%endrep

section .bss
align 16
global kstack_top, trap_stack_top, user_stack_top, task2_stack_top
g_jmp_esp: resd 1
cg_seen:   resd 6
cg_esp:    resd 1
cg_cs:     resd 1
t2_tr:     resd 1
t2_eflags: resd 1
t2_link:   resd 1
align 16
kstack:        resb 16384
kstack_top:
trap_stack:    resb 8192
trap_stack_top:
user_stack:    resb 8192
user_stack_top:
task2_stack:   resb 4096
task2_stack_top:
