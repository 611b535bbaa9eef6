; tasks.asm -- hardware task switching with 32-bit TSSs: CALL to a TSS (nested: NT=1,
; back-link, both busy) and IRET back (NT task return: busy bit cleared, NT cleared in the
; saved EFLAGS image); JMP through a task gate in the GDT (not nested: the old task's busy
; bit is cleared) and JMP back; INT n through an IDT task gate from ring 3; the register,
; segment and LDTR state loaded from and saved into the TSSs (CR3 is not tested: paging is
; off, and whether CR3 is loaded then is not spelled out by the SDM); and the faults:
; CALL to a busy TSS (#GP), a not-present TSS (#NP), a TSS limit < 67h (#TS), CALL from
; ring 3 to a DPL-0 TSS (#GP), IRET with NT=1 and a back-link that is not a busy TSS (#TS),
; and, after the switch commits, #TS/#NP/#SS for a bad LDT, CS, SS, DS, ES selector in the new
; TSS -- those are delivered in the new task, through task gates to a handler task H that
; prints the error code and its back-link and JMPs back to the main task (SDM Vol. 3 ch. 7).
%include "lib/lib.inc"

TSS_B   equ 0x40
TSS_C   equ 0x48
TG_C    equ 0x50    ; task gate DPL0 -> TSS_C
TSS_H   equ 0x58    ; handler task for #TS (vector 10)
TSS_X   equ 0x60
TSS_NP  equ 0x68    ; TSS descriptor not present
TSS_SM  equ 0x70    ; TSS limit 60h
LDT_S   equ 0x78
TG_B3   equ 0x80    ; task gate DPL3 -> TSS_B
D_NP    equ 0x88
D_RO    equ 0x90
C_NP    equ 0x98
TSS_H11 equ 0xA0    ; handler task for #NP
TSS_H12 equ 0xA8    ; handler task for #SS

B_BASE  equ 0x4000
C_BASE  equ 0x4100
H_BASE  equ 0x4200
X_BASE  equ 0x4300
LDT_BASE equ 0x4400
H11_BASE equ 0x4500
H12_BASE equ 0x4600

V_SAVE  equ TMP0+0x00

%macro TRY 2+
    PUTS %1, ": "
    RECOVER %%f
    %2
    mov dword [ss:RECOVER_EIP], 0
    PUTS "ok", 10
%%f:
%endmacro

; print the type byte (busy bit) of a TSS descriptor
%macro BUSY 1
    %defstr BN %1
    PUTS " ", BN, "="
    PHEX8 [GDT_BASE + %1 + 5]
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "tasks: protected mode", 10
    SETDESC TSS_B, B_BASE, 0x67, 0x89, 0
    SETDESC TSS_C, C_BASE, 0x67, 0x89, 0
    SETGDTGATE TG_C, 0, TSS_C, 0x85
    SETDESC TSS_H, H_BASE, 0x67, 0x89, 0
    SETDESC TSS_X, X_BASE, 0x67, 0x89, 0
    SETDESC TSS_NP, X_BASE, 0x67, 0x09, 0
    SETDESC TSS_SM, X_BASE, 0x60, 0x89, 0
    SETDESC LDT_S, LDT_BASE, 0x0F, 0x82, 0
    SETGDTGATE TG_B3, 0, TSS_B, 0xE5
    SETDESC D_NP, 0, 0xFFFFF, 0x12, 0xC
    SETDESC D_RO, 0, 0xFFFFF, 0x90, 0xC
    SETDESC C_NP, 0, 0xFFFFF, 0x1A, 0xC
    SETDESC TSS_H11, H11_BASE, 0x67, 0x89, 0
    SETDESC TSS_H12, H12_BASE, 0x67, 0x89, 0
    mov dword [0x600], 0xC0C0C0C0
    ; the LDT of task C: one data segment
    mov dword [LDT_BASE], 0x0000FFFF
    mov dword [LDT_BASE+4], 0x00CF9200
    mov dword [LDT_BASE+8], 0
    mov dword [LDT_BASE+12], 0
    ; TSS images
    mov edi, B_BASE
    mov eax, task_b
    mov ebx, 0x60000
    call make_tss
    mov dword [B_BASE+0x28], 0xAAAA0001     ; eax
    mov dword [B_BASE+0x2C], 0xAAAA0002     ; ecx
    mov dword [B_BASE+0x30], 0xAAAA0003     ; edx
    mov dword [B_BASE+0x34], 0xAAAA0004     ; ebx
    mov dword [B_BASE+0x3C], 0xAAAA0005     ; ebp
    mov dword [B_BASE+0x40], 0xAAAA0006     ; esi
    mov dword [B_BASE+0x44], 0xAAAA0007     ; edi
    mov dword [B_BASE+0x24], 0x000008D7     ; eflags
    mov word [B_BASE+0x58], SEL_DATA32_R3   ; fs
    mov word [B_BASE+0x5C], 0               ; gs
    mov edi, C_BASE
    mov eax, task_c
    mov ebx, 0x61000
    call make_tss
    mov word [C_BASE+0x60], LDT_S
    mov word [C_BASE+0x48], 0x04            ; es from the LDT
    mov edi, H_BASE
    mov eax, task_h
    mov ebx, 0x62000
    call make_tss
    mov edi, H11_BASE
    mov eax, task_h
    mov ebx, 0x62800
    call make_tss
    mov edi, H12_BASE
    mov eax, task_h
    mov ebx, 0x63800
    call make_tss

    PUTS "-- CALL to TSS B", 10
    PUTS "before:"
    BUSY SEL_TSS
    BUSY TSS_B
    PNL
    push dword 0x0002               ; defined flags in the state saved into TSS A
    popfd
    mov eax, 0x12345678
    call TSS_B:0
    pushfd
    PUTS "back in A: eax="
    PHEX32 eax
    PUTS " eflags="
    pop eax
    PHEX32 eax
    PUTS " tr="
    str ax
    PHEX16 ax
    BUSY SEL_TSS
    BUSY TSS_B
    PNL
    PUTS "TSS B saved: eip="
    PHEX32 [B_BASE+0x20]
    PUTS " eflags="
    PHEX32 [B_BASE+0x24]
    PUTS " eax="
    PHEX32 [B_BASE+0x28]
    PUTS " esp="
    PHEX32 [B_BASE+0x38]
    PUTS " link="
    PHEX16 [B_BASE+0x00]
    PNL
    PUTS "TSS A: link="
    PHEX16 [TSS_BASE+0x00]
    PNL

    PUTS "-- JMP through task gate to C", 10
    jmp TG_C:0
after_c:
    PUTS "back in A from C:"
    BUSY SEL_TSS
    BUSY TSS_C
    PUTS " ldtr="
    sldt ax
    PHEX16 ax
    PNL
    PUTS "TSS C saved: eip="
    PHEX32 [C_BASE+0x20]
    PUTS " es="
    PHEX16 [C_BASE+0x48]
    PUTS " link="
    PHEX16 [C_BASE+0x00]
    PNL

    PUTS "-- faults before the switch commits", 10
    TRY "call busy TSS (own)", call SEL_TSS:0
    TRY "call not-present TSS", call TSS_NP:0
    TRY "call TSS with limit 60", call TSS_SM:0
    ; IRET with NT=1: back-link = TSS C (not busy)
    mov word [TSS_BASE+0x00], TSS_C
    pushfd
    or dword [esp], 0x4000
    popfd
    TRY "iret, NT=1, link=TSS C (not busy)", iretd
    mov word [TSS_BASE+0x00], SEL_DATA32
    pushfd
    or dword [esp], 0x4000
    popfd
    TRY "iret, NT=1, link=data segment", iretd
    pushfd
    and dword [esp], ~0x4000
    popfd
    mov word [TSS_BASE+0x00], 0

    PUTS "-- ring 3: INT through a DPL3 task gate, CALL to a DPL0 TSS", 10
    SETGATE 0x50, 0, TSS_B, 0xE5
    TO_RING3 ring3
ring3:
    mov eax, 0x33333333
    int 0x50
    pushfd
    PUTS "ring 3 after int 50: cs="
    PHEX16 cs
    PUTS " eax="
    PHEX32 eax
    PUTS " eflags="
    pop eax
    PHEX32 eax
    PNL
    TRY "call TSS B (DPL0) from ring 3", call TSS_B:0
    TRY "call task gate DPL3 from ring 3", call TG_B3:0
    TO_RING0 ring0
ring0:

    PUTS "-- faults after the switch commits (task gates to H for 10, 11, 12)", 10
    SETGATE 10, 0, TSS_H, GATE_TASK
    SETGATE 11, 0, TSS_H11, GATE_TASK
    SETGATE 12, 0, TSS_H12, GATE_TASK
%macro XCASE 3      ; name, TSS offset, value (word)
    mov edi, X_BASE
    mov eax, task_x
    mov ebx, 0x64000
    call make_tss
    mov word [X_BASE + %2], %3
    and byte [GDT_BASE + TSS_X + 5], ~2
    PUTS %1, ": "
    jmp TSS_X:0
%endmacro
    XCASE "ldt=0008 (not an LDT)", 0x60, SEL_CODE32
    XCASE "ldt=0068 (a TSS)", 0x60, TSS_NP
    XCASE "cs=0010 (data)", 0x4C, SEL_DATA32
    XCASE "cs=0098 (not present)", 0x4C, C_NP
    XCASE "cs=0000", 0x4C, 0
    XCASE "ss=0090 (read-only)", 0x50, D_RO
    XCASE "ss=0088 (not present)", 0x50, D_NP
    XCASE "ss=0033 (DPL 3)", 0x50, SEL_DATA32_R3
    XCASE "ds=0088 (not present)", 0x54, D_NP
    XCASE "es=1008 (beyond the GDT)", 0x48, 0x1008
    XCASE "gs=0008 (readable code)", 0x5C, SEL_CODE32
    XCASE "fs=0000", 0x58, 0
    DONE

; ---------------------------------------------------------------------------------------
; make_tss: edi = base, eax = eip, ebx = esp; ring-0 flat segments, EFLAGS 2, no I/O map
make_tss:
    push eax
    push ecx
    push edi
    push eax
    xor eax, eax
    mov ecx, 0x68 / 4
    rep stosd
    pop eax
    pop edi
    mov [edi+0x20], eax
    mov [edi+0x38], ebx
    mov dword [edi+0x24], 0x2
    mov word [edi+0x4C], SEL_CODE32
    mov word [edi+0x50], SEL_DATA32
    mov word [edi+0x54], SEL_DATA32
    mov word [edi+0x48], SEL_DATA32
    mov word [edi+0x58], SEL_DATA32
    mov word [edi+0x5C], SEL_DATA32
    mov word [edi+0x66], 0x68
    pop ecx
    pop eax
    ret

; task B: prints its state, IRETs back (nested), and starts over on the next entry
task_b:
    pushfd
    mov [V_SAVE], eax
    PUTS "task B: tr="
    str ax
    PHEX16 ax
    PUTS " eflags="
    pop eax
    PHEX32 eax
    PUTS " link="
    PHEX16 [B_BASE]
    PNL
    PUTS "  eax="
    PHEX32 [V_SAVE]
    PUTS " ecx="
    PHEX32 ecx
    PUTS " edx="
    PHEX32 edx
    PUTS " ebx="
    PHEX32 ebx
    PUTS " ebp="
    PHEX32 ebp
    PUTS " esi="
    PHEX32 esi
    PUTS " edi="
    PHEX32 edi
    PNL
    PUTS "  cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " ds="
    PHEX16 ds
    PUTS " es="
    PHEX16 es
    PUTS " fs="
    PHEX16 fs
    PUTS " gs="
    PHEX16 gs
    PUTS " esp="
    PHEX32 esp
    PUTS " ldtr="
    sldt ax
    PHEX16 ax
    BUSY SEL_TSS
    BUSY TSS_B
    PNL
    mov eax, 0xBBBBBBBB
    iretd
    jmp task_b

task_c:
    pushfd
    PUTS "task C: tr="
    str ax
    PHEX16 ax
    PUTS " eflags="
    pop eax
    PHEX32 eax
    PUTS " ldtr="
    sldt ax
    PHEX16 ax
    PUTS " es="
    PHEX16 es
    PUTS " [es:600]="
    PHEX32 [es:0x600]
    BUSY SEL_TSS
    BUSY TSS_C
    PNL
    jmp SEL_TSS:0
    jmp task_c

; handler tasks for #TS/#NP/#SS raised in task X after the switch committed (TSS_H,
; TSS_H11, TSS_H12 share this code; the error code is on the handler task's stack)
task_h:
    pop eax                         ; error code
    mov [V_SAVE], eax
    str bx
    PUTS "handler task "
    mov esi, H_BASE
    cmp bx, TSS_H
    je .n
    mov esi, H11_BASE
    cmp bx, TSS_H11
    je .n
    mov esi, H12_BASE
.n: cmp bx, TSS_H
    jne .n1
    PUTS "#TS"
.n1:cmp bx, TSS_H11
    jne .n2
    PUTS "#NP"
.n2:cmp bx, TSS_H12
    jne .n3
    PUTS "#SS"
.n3:PUTS " err="
    PHEX16 [V_SAVE]
    PUTS " link="
    PHEX16 [esi]
    PUTS " tr="
    PHEX16 bx
    BUSY TSS_X
    PNL
    jmp SEL_TSS:0
    jmp task_h

task_x:
    PUTS "task X ran: cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " ds="
    PHEX16 ds
    PUTS " fs="
    PHEX16 fs
    PUTS " gs="
    PHEX16 gs
    PNL
    jmp SEL_TSS:0

%include "lib/end.inc"
