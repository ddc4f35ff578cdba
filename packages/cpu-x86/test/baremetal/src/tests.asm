; Small test bodies. Each `T name` routine is a cdecl `void name(uint32_t arg)`
; run under guarded_call (ring 0) or entered at ring 3 by enter_user (those,
; `u_*`, end with the exit system call). `name_at` marks the instruction under
; test, so the driver can print where the exception was reported
; (eip=at: a fault on it; eip=at+N: a trap after it).
%include "defs.inc"

extern tss2, conf_target

%macro T 1
global %1, %{1}_at
%1:
%endmacro
%define AT(n) n %+ _at:

%macro U_EXIT 0
    xor eax, eax
    int 0x80
%endmacro

section .text
bits 32

; --- #DE -------------------------------------------------------------------
T t_de
    xor edx, edx
    mov eax, 1
    xor ecx, ecx
AT(t_de)
    div ecx
    ret

T t_de_ovf
    mov eax, 0x80000000
    cdq
    mov ecx, -1
AT(t_de_ovf)
    idiv ecx
    ret

; --- #DB -------------------------------------------------------------------
T t_db_tf
    pushfd
    or dword [esp], 0x100
    popfd
AT(t_db_tf)
    nop                         ; TF set by POPF traps after the next instruction
    nop
    ret

T t_db_icebp
AT(t_db_icebp)
    db 0xf1                     ; INT1 / ICEBP
    ret

T t_db_dr0
    mov eax, t_db_dr0_at
    mov dr0, eax
    mov eax, 0x00000401         ; L0, execute, 1 byte
    mov dr7, eax
AT(t_db_dr0)
    nop
    ret

T t_db_dr1w
    mov dword [dbg_var], 0
    mov eax, dbg_var
    mov dr1, eax
    mov eax, 0x00d00404         ; L1, data write, 4 bytes
    mov dr7, eax
AT(t_db_dr1w)
    mov dword [dbg_var], 1
    nop
    ret

; --- vectors 2, 3, 4 ---------------------------------------------------------
T t_int2
AT(t_int2)
    int 2
    ret

T t_bp
AT(t_bp)
    int3
    ret

T t_bp_cd
AT(t_bp_cd)
    int 3                       ; CD 03: same vector, two bytes
    ret

T t_of
    mov al, 0x7f
    add al, 1                   ; OF = 1
AT(t_of)
    into
    ret

T t_of_no
    xor eax, eax                ; OF = 0
AT(t_of_no)
    into
    ret

; --- #BR ---------------------------------------------------------------------
T t_br
    mov eax, 11
AT(t_br)
    bound eax, [bounds_0_10]
    ret

T t_br_ok
    mov eax, 10
AT(t_br_ok)
    bound eax, [bounds_0_10]
    ret

; --- #UD ---------------------------------------------------------------------
T t_ud2
AT(t_ud2)
    ud2
    ret

T t_ud_lock
AT(t_ud_lock)
    db 0xf0, 0x01, 0xd8         ; LOCK ADD EAX, EBX: LOCK needs a memory destination
    ret

T t_ud_movcs
AT(t_ud_movcs)
    db 0x8e, 0xc8               ; MOV CS, AX
    ret

; --- #NM (CR0 is restored by the driver) ------------------------------------------
T t_nm_ts
    mov eax, cr0
    and eax, ~0x6
    or eax, 0x8                 ; TS
    mov cr0, eax
AT(t_nm_ts)
    fld1
    ret

T t_nm_em
    mov eax, cr0
    and eax, ~0xa
    or eax, 0x4                 ; EM
    mov cr0, eax
AT(t_nm_em)
    fld1
    ret

T t_nm_wait
    mov eax, cr0
    and eax, ~0x4
    or eax, 0xa                 ; TS | MP
    mov cr0, eax
AT(t_nm_wait)
    fwait
    ret

T t_nm_wait_nomp
    mov eax, cr0
    and eax, ~0x6
    or eax, 0x8                 ; TS, MP = 0: WAIT ignores TS
    mov cr0, eax
AT(t_nm_wait_nomp)
    fwait
    ret

; --- #MF (CR0.NE = 1 set by the driver) -------------------------------------------
T t_mf
    fninit
    fldcw [fpu_cw_zm]
    fld1
    fldz
    fdivp st1, st0              ; 1/0 with ZE unmasked: pending
AT(t_mf)
    fwait
    ret

; --- #DF: the driver marks IDT[13] not present -----------------------------------
T t_df
    mov ax, 0xfff8
AT(t_df)
    mov ds, ax                  ; #GP -> #NP while delivering it -> #DF
    ret

; --- #TS -----------------------------------------------------------------------
T t_ts_jmp
AT(t_ts_jmp)
    jmp TSS_SMALL:0             ; a TSS descriptor with limit 0x50 < 0x67
    ret

T t_ts_iret
    pushfd
    or dword [esp], 0x4000      ; NT: IRET returns to the task in TSS1's back link
    popfd
AT(t_ts_iret)
    iretd
    ret

; --- #NP -----------------------------------------------------------------------
T t_np_ds
    mov ax, NP_DATA
AT(t_np_ds)
    mov ds, ax
    mov ax, KDATA
    mov ds, ax
    ret

T t_np_gate
AT(t_np_gate)
    int 0x40                    ; gate with P = 0
    ret

; --- #SS -----------------------------------------------------------------------
T t_ss_np
    mov ax, NP_STACK
AT(t_ss_np)
    mov ss, ax
    mov ax, KDATA
    mov ss, ax
    ret

T t_ss_lim
    mov ax, SS_SMALL            ; base 0, limit just above the kernel stack
    mov ss, ax
AT(t_ss_lim)
    mov eax, [esp + 0x100000]
    mov ax, KDATA
    mov ss, ax
    ret

; --- #GP -----------------------------------------------------------------------
T t_gp_gdtlim
    mov ax, 0xfff8
AT(t_gp_gdtlim)
    mov ds, ax
    ret

T t_gp_ssnull
    xor eax, eax
AT(t_gp_ssnull)
    mov ss, ax
    ret

T t_gp_sys
    mov ax, TSS1
AT(t_gp_sys)
    mov ds, ax
    ret

T t_gp_xonly
    mov ax, XONLY
AT(t_gp_xonly)
    mov ds, ax
    ret

T t_gp_ro
    push es
    mov ax, RO_DATA
    mov es, ax
AT(t_gp_ro)
    mov dword [es:scratch], 1
    pop es
    ret

T t_gp_lim
    push es
    mov ax, SMALL_DATA
    mov es, ax
AT(t_gp_lim)
    mov eax, [es:0x1000]
    pop es
    ret

T t_gp_lim_x
    push es
    mov ax, SMALL_DATA
    mov es, ax
AT(t_gp_lim_x)
    mov eax, [es:0xffe]         ; bytes 0xFFE-0x1001: the last three lie past the limit
    pop es
    ret

T t_ok_lim
    push es
    mov ax, SMALL_DATA
    mov es, ax
AT(t_ok_lim)
    mov eax, [es:0xffc]
    pop es
    ret

T t_gp_expdown
    push es
    mov ax, EXPDOWN
    mov es, ax
AT(t_gp_expdown)
    mov eax, [es:0x800]         ; expand-down, limit 0xFFF: offsets 0-0xFFF are outside
    pop es
    ret

T t_ok_expdown
    push es
    mov ax, EXPDOWN
    mov es, ax
AT(t_ok_expdown)
    mov eax, [es:0x2000]
    pop es
    ret

T t_gp_ltr_busy
    mov ax, TSS1                ; already loaded, hence busy
AT(t_gp_ltr_busy)
    ltr ax
    ret

T t_gp_lldt_data
    mov ax, KDATA
AT(t_gp_lldt_data)
    lldt ax
    ret

T t_gp_idtlim
    lidt [idtr_small]           ; the driver restores the IDTR
AT(t_gp_idtlim)
    int 0x90
    ret

T t_gp_cswrite
AT(t_gp_cswrite)
    mov dword [cs:scratch], 1   ; code segments are never writable
    ret

T t_gp_farjmp_lim
AT(t_gp_farjmp_lim)
    jmp LIM_CODE:0x200          ; limit 0xFF
    ret

; --- a task switch through CALL (TSS2 returns with IRET) ----------------------------
T t_task_call
AT(t_task_call)
    call TSS2:0
    ret

; --- memory accesses for the paging tests ------------------------------------------
T t_read32
    mov eax, [esp + 4]
AT(t_read32)
    mov eax, [eax]
    ret

T t_write32
    mov eax, [esp + 4]
AT(t_write32)
    mov dword [eax], 0x5a5a5a5a
    ret

T t_call
    mov eax, [esp + 4]
AT(t_call)
    call eax
    ret

T t_load_cr3
    mov eax, [esp + 4]
AT(t_load_cr3)
    mov cr3, eax
    ret

global t_enable_nxe, t_disable_nxe, t_fpu_reset
t_enable_nxe:
    mov ecx, 0xc0000080         ; IA32_EFER
    rdmsr
    or eax, 0x800               ; NXE
    wrmsr
    ret

t_disable_nxe:
    mov ecx, 0xc0000080
    rdmsr
    and eax, ~0x800
    wrmsr
    ret

t_fpu_reset:
    clts
    fninit
    ret

; --- ring-3 bodies (entered with IRET; EBX = argument) -------------------------------
T u_snapshot
    mov ebx, cs
AT(u_snapshot)
    mov eax, 2
    int 0x80                    ; records CS/SS/ESP/EFLAGS of the frame, EBX, ECX
    U_EXIT

T u_callgate
    push dword 0x11111111
    push dword 0x22222222
AT(u_callgate)
    call CALLGATE | 3:0
    mov ebx, cs
    mov eax, 2
    int 0x80
    U_EXIT

T u_conf
AT(u_conf)
    call CONFCODE:conf_target   ; conforming DPL-0 code: stays at CPL 3 (EBX = CS there)
    mov eax, 2
    int 0x80
    U_EXIT

T u_dsnull
    mov ebx, ds
    mov ecx, es
    mov eax, 2
    int 0x80
AT(u_dsnull)
    mov eax, [scratch]          ; DS was nulled by the IRET to ring 3
    U_EXIT

T u_hlt
AT(u_hlt)
    hlt
    U_EXIT

T u_cli
AT(u_cli)
    cli
    U_EXIT

T u_movcr0
AT(u_movcr0)
    mov eax, cr0
    U_EXIT

T u_int81
AT(u_int81)
    int 0x81                    ; gate DPL 0
    U_EXIT

T u_int3
AT(u_int3)
    int3                        ; gate DPL 3
    U_EXIT

T u_io_e9
    mov al, 'o'
AT(u_io_e9)
    out LOG_PORT, al
    mov al, 'k'
    out LOG_PORT, al
    U_EXIT

T u_io_80
AT(u_io_80)
    out 0x80, al
    U_EXIT

T u_io_wide
    mov dx, 0xe8
    mov ax, 0x2020
AT(u_io_wide)
    out dx, ax                  ; ports E8-E9: E8 is denied
    U_EXIT

T u_read
AT(u_read)
    mov eax, [ebx]
    U_EXIT

T u_write
AT(u_write)
    mov dword [ebx], 0x600d600d
    U_EXIT

T u_call
AT(u_call)
    call ebx
    U_EXIT

section .rodata
align 8
bounds_0_10: dd 0, 10
fpu_cw_zm:   dw 0x037b          ; all exceptions masked but ZE

section .data
align 8
global idtr_small
idtr_small:  dw 0x40 * 8 + 7    ; vectors 0-0x40 only
             dd 0               ; base: filled by the driver

section .bss
align 16
global scratch, dbg_var
scratch: resd 16
dbg_var: resd 4
