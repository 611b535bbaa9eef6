; gates.asm -- privilege transitions: IRET to ring 3; ring 3 -> 0 through a 32-bit call gate
; with 3 dword parameters (stack switch via TSS.SS0:ESP0, parameter copy, frame layout) and
; back by RETF n to the outer level (data segment registers with DPL < 3 are nulled); a
; 16-bit call gate with 2 word parameters from 16-bit ring-3 code; ring 3 -> 1 through a call
; gate (TSS.SS1:ESP1); INT n through DPL 3 interrupt and trap gates (IF cleared / kept) and
; IRET back; same-privilege call gates and interrupts (no stack switch); conforming code;
; and the #GP/#NP/#TS/#SS checks of CALL/JMP/INT/RETF/IRET through gates (SDM Vol. 2 CALL,
; INT n, RET, IRET pseudocode; Vol. 3 ch. 5.8, 6.12).
%include "lib/lib.inc"

CG3     equ 0x40    ; 32-bit call gate DPL3 -> SEL_CODE32:cg_target, 3 params
CG0     equ 0x48    ; 32-bit call gate DPL0 -> SEL_CODE32:cg_target
CGNP    equ 0x50    ; call gate DPL3, not present
CGDATA  equ 0x58    ; call gate DPL3 -> SEL_DATA32
CGCNP   equ 0x60    ; call gate DPL3 -> C_NP
CGNULL  equ 0x68    ; call gate DPL3 -> null selector
C_NP    equ 0x70    ; 32-bit code DPL0, not present
C_CONF  equ 0x78    ; 32-bit conforming code DPL0, flat
C_R1    equ 0x80    ; 32-bit code DPL1, flat
D_R1    equ 0x88    ; data DPL1, flat
CG1     equ 0x90    ; 32-bit call gate DPL3 -> C_R1:r1_target, 1 param
C16_R3  equ 0x98    ; 16-bit code DPL3, base F0000
CG16    equ 0xA0    ; 16-bit call gate DPL3 -> SEL_CODE16:cg16_target, 2 params
CG0R3   equ 0xA8    ; 32-bit call gate DPL0 -> SEL_CODE32_R3 (to an outer level)
D_RO1   equ 0xB0    ; data DPL1 read-only
D_NP1   equ 0xB8    ; data DPL1 not present
CGSAME  equ 0xC0    ; 32-bit call gate DPL0 -> SEL_CODE32:same_target (ring 0 -> ring 0)
C_NP3   equ 0xC8    ; 32-bit code DPL3, not present

V_SAVE  equ TMP0+0x00
V_R3ESP equ TMP0+0x04

%macro TRY 2+
    PUTS %1, ": "
    RECOVER %%f
    %2
    mov dword [ss:RECOVER_EIP], 0
    PUTS "ok", 10
%%f:
%endmacro

; print N dwords from EBP upward
%macro DUMP 1
    push ecx
    push esi
    mov ecx, %1
    mov esi, ebp
%%l:
    PSP
    PHEX32 [esi]
    add esi, 4
    loop %%l
    pop esi
    pop ecx
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "gates: protected mode", 10
    SETGDTGATE CG3, cg_target, SEL_CODE32, 0xEC, 3
    SETGDTGATE CG0, cg_target, SEL_CODE32, 0x8C, 0
    SETGDTGATE CGNP, cg_target, SEL_CODE32, 0x6C, 0
    SETGDTGATE CGDATA, cg_target, SEL_DATA32, 0xEC, 0
    SETGDTGATE CGCNP, cg_target, C_NP, 0xEC, 0
    SETGDTGATE CGNULL, cg_target, 0, 0xEC, 0
    SETDESC C_NP, 0, 0xFFFFF, 0x1A, 0xC
    SETDESC C_CONF, 0, 0xFFFFF, 0x9E, 0xC
    SETDESC C_R1, 0, 0xFFFFF, 0xBA, 0xC
    SETDESC D_R1, 0, 0xFFFFF, 0xB2, 0xC
    SETGDTGATE CG1, r1_target, C_R1, 0xEC, 1
    SETDESC C16_R3, ROM_BASE, 0xFFFF, 0xFA, 0x0
    SETGDTGATE CG16, ROFF(cg16_target), SEL_CODE16, 0xE4, 2
    SETGDTGATE CG0R3, ring3, SEL_CODE32_R3, 0x8C, 0
    SETDESC D_RO1, 0, 0xFFFFF, 0xB0, 0xC
    SETDESC D_NP1, 0, 0xFFFFF, 0x32, 0xC
    SETGDTGATE CGSAME, same_target, SEL_CODE32, 0x8C, 0
    SETDESC C_NP3, 0, 0xFFFFF, 0x7A, 0xC
    ; ring-1 stack in the TSS
    mov dword [TSS_BASE+12], 0x60000        ; ESP1
    mov dword [TSS_BASE+16], D_R1 | 1       ; SS1
    ; IDT
    SETGATE 0x40, int_target, SEL_CODE32, GATE_INT32_U
    SETGATE 0x41, int_target, SEL_CODE32, GATE_TRAP32_U
    SETGATE 0x42, int_target, SEL_CODE32, GATE_INT32
    SETGATE 0x43, int_target, SEL_CODE32, GATE_INT32          ; DPL 0
    SETGATE 0x44, int_target, SEL_CODE32, 0x6E                ; DPL 3, not present
    SETGATE 0x45, int_target, SEL_DATA32, GATE_INT32_U        ; target is data
    SETGATE 0x46, int_target, C_NP, GATE_INT32_U              ; target not present
    SETGATE 0x47, int_target, SEL_CODE32, 0xEC                ; a call gate type in the IDT
    SETGATE 0x48, int_target, SEL_CODE32_R3, GATE_INT32_U     ; target less privileged
    SETGATE 0x49, int_target, C_CONF, GATE_INT32_U            ; conforming target

    ; no interrupt source may exist: IF=1 for a while must change nothing
    sti
    mov ecx, 10000
.spin:
    loop .spin
    cli
    PUTS "sti/cli: no interrupt", 10

    PUTS "-- ring 0", 10
    PUTS "int 42 (DPL0 gate, same privilege): "
    mov [V_SAVE], esp
    int 0x42
    PUTS "back, esp delta="
    mov eax, [V_SAVE]
    sub eax, esp
    PHEX32 eax
    PNL
    PUTS "call same-privilege gate: "
    mov [V_SAVE], esp
    call CGSAME:0
    PUTS "back, esp delta="
    mov eax, [V_SAVE]
    sub eax, esp
    PHEX32 eax
    PNL
    TRY "call gate with RPL 3 > DPL 0", call (CG0|3):0
    TRY "call gate to an outer level", call CG0R3:0
    TRY "int 48 (target less privileged)", int 0x48
    TRY "int 47 (call gate in the IDT)", int 0x47
    lidt [small_idt]
    TRY "int 80 beyond the IDT limit", int 0x80
    lidt [lib_idt_ptr]
    ; IRET to ring 3 with bad selectors
    push dword SEL_DATA32           ; SS with DPL 0
    push dword R3_STACK
    push dword 0x0002
    push dword SEL_CODE32_R3
    push dword ring3
    TRY "iret to ring 3 with ss=0010", iretd
    add esp, 20
    push dword SEL_DATA32_R3 & ~3   ; SS with RPL 0
    push dword R3_STACK
    push dword 0x0002
    push dword SEL_CODE32_R3
    push dword ring3
    TRY "iret to ring 3 with ss=0030", iretd
    add esp, 20
    push dword SEL_DATA32_R3
    push dword R3_STACK
    push dword 0x0002
    push dword C_NP3 | 3
    push dword ring3
    TRY "iret to a not-present cs", iretd
    add esp, 20

    PUTS "-- iret to ring 3 (IF=1)", 10
    mov ax, SEL_DATA32
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ds, ax
    mov [TSS_BASE+4], esp
    mov [V_SAVE], esp
    push dword SEL_DATA32_R3
    push dword R3_STACK - 0x100
    push dword 0x0202
    push dword SEL_CODE32_R3
    push dword ring3
    iretd
ring3:
    pushfd
    PUTS "ring 3: cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " ds="
    PHEX16 ds
    PUTS " es="
    PHEX16 es
    PUTS " esp="
    PHEX32 esp
    PUTS " eflags="
    pop eax
    PHEX32 eax
    PNL
    mov ax, SEL_DATA32_R3
    mov ds, ax

    PUTS "call gate, 3 params: "
    mov [V_R3ESP], esp
    push dword 0x11111111
    push dword 0x22222222
    push dword 0x33333333
    call CG3:0x12345678             ; the offset is ignored
    PUTS "ring 3 again: esp delta="
    mov eax, [V_R3ESP]
    sub eax, esp
    PHEX32 eax
    PUTS " es="
    PHEX16 es
    PUTS " fs="
    PHEX16 fs
    PUTS " gs="
    PHEX16 gs
    PNL

    PUTS "int 40 (interrupt gate): "
    int 0x40
    PUTS "int 41 (trap gate): "
    int 0x41
    PUTS "int 49 (conforming target, no stack switch): "
    int 0x49
    PUTS "far call to conforming code: "
    call C_CONF:conf_target
    PNL

    TRY "call DPL0 gate", call CG0:0
    TRY "call not-present gate", call CGNP:0
    TRY "call gate to a data segment", call CGDATA:0
    TRY "call gate to a not-present code segment", call CGCNP:0
    TRY "call gate with a null target", call CGNULL:0
    TRY "jmp through a gate to ring 0", jmp CG3:0
    TRY "far call to DPL0 code", call SEL_CODE32:cg_target
    TRY "int 43 (DPL0 gate)", int 0x43
    TRY "int 44 (not present)", int 0x44
    TRY "int 45 (target is data)", int 0x45
    TRY "int 46 (target not present)", int 0x46
    TRY "int3 (DPL0 gate)", int3
    TRY "int 3 (DPL0 gate)", int 3
    mov [V_R3ESP], esp
    push dword SEL_CODE32
    push dword .x
    TRY "retf to ring 0", retf
.x:
    mov esp, [V_R3ESP]
    push dword SEL_DATA32_R3
    push dword R3_STACK - 0x200
    push dword 0x0002
    push dword SEL_CODE32
    push dword .x
    TRY "iret to ring 0", iretd
    mov esp, [V_R3ESP]

    PUTS "-- ring 3 -> ring 1 through a call gate", 10
    push dword 0x44444444
    call CG1:0
    add esp, 4
    PUTS "#TS/#SS on the inner stack (SS1):", 10
    TO_RING0 .r0a
.r0a:
    mov word [TSS_BASE+16], 0
    TO_RING3 .t1
.t1:
    TRY "ss1=0000", call CG1:0
    TO_RING0 .r0b
.r0b:
    mov word [TSS_BASE+16], D_R1            ; RPL 0 != DPL 1 of the code
    TO_RING3 .t2
.t2:
    TRY "ss1=0088", call CG1:0
    TO_RING0 .r0c
.r0c:
    mov word [TSS_BASE+16], SEL_DATA32_R3   ; DPL 3 != 1
    TO_RING3 .t3
.t3:
    TRY "ss1=0033", call CG1:0
    TO_RING0 .r0d
.r0d:
    mov word [TSS_BASE+16], D_RO1 | 1       ; read-only
    TO_RING3 .t4
.t4:
    TRY "ss1=00b1", call CG1:0
    TO_RING0 .r0e
.r0e:
    mov word [TSS_BASE+16], D_NP1 | 1       ; not present: #SS
    TO_RING3 .t5
.t5:
    TRY "ss1=00b9", call CG1:0
    TO_RING0 .r0f
.r0f:
    mov word [TSS_BASE+16], 0x1001          ; beyond the GDT limit
    TO_RING3 .t6
.t6:
    TRY "ss1=1001", call CG1:0
    TO_RING0 .r0g
.r0g:
    mov word [TSS_BASE+16], D_R1 | 1

    PUTS "-- 16-bit call gate from 16-bit ring-3 code", 10
    mov [V_SAVE], esp
    mov dword [TSS_BASE+4], 0xE800          ; a ring-0 stack below 64 KB
    push dword SEL_DATA32_R3
    push dword 0xF000
    push dword 0x0002
    push dword C16_R3 | 3
    push dword ROFF(r3_16)
    iretd
bits 16
r3_16:
    PUTS "ring 3, 16-bit: sp="
    PHEX16 sp
    PNL
    push word 0x5555
    push word 0x6666
    call CG16:0
    PUTS "back in 16-bit ring 3: esp="
    PHEX32 esp
    PNL
    jmp dword SEL_CODE32_R3:r3_32
bits 32
r3_32:
    TO_RING0 .done
.done:
    mov esp, [V_SAVE]
    mov [TSS_BASE+4], esp
    DONE

; ---------------------------------------------------------------------------------------
; call gate target (ring 0): print the frame, load ES with a DPL-0 and FS with a DPL-3
; selector, return with RETF 12
cg_target:
    mov ebp, esp
    PUTS "in gate: cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " esp0-esp="
    mov eax, [TSS_BASE+4]
    sub eax, esp
    PHEX32 eax
    PUTS " frame:"
    DUMP 7
    PNL
    mov ax, SEL_DATA32
    mov es, ax
    mov ax, SEL_DATA32_R3
    mov fs, ax
    mov ax, 0
    mov gs, ax
    retf 12

same_target:
    mov ebp, esp
    PUTS "cs="
    PHEX16 cs
    PUTS " frame:"
    DUMP 2
    PSP
    retf

int_target:
    pushfd
    mov ebp, esp
    PUTS "cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " IF="
    mov eax, [ebp]
    shr eax, 9
    and eax, 1
    PHEX8 al
    add ebp, 4
    PUTS " frame:"
    mov ax, cs
    test al, 3
    jnz .noswitch
    mov eax, [ebp+4]
    test al, 3
    jz .noswitch
    DUMP 5
    jmp .d
.noswitch:
    DUMP 3
.d: PNL
    popfd
    iretd

conf_target:
    PUTS "cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    retf

r1_target:
    mov ebp, esp
    PUTS "ring 1: cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " esp="
    PHEX32 esp
    PUTS " frame:"
    DUMP 5
    PNL
    retf 4

bits 16
; 16-bit call gate target (SEL_CODE16, ring 0, stack below 64 KB)
cg16_target:
    mov bp, sp
    PUTS "in 16-bit gate: cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " esp="
    PHEX32 esp
    PUTS " frame:"
    mov cx, 6
    mov si, bp
.l: PSP
    PHEX16 [ss:si]
    add si, 2
    loop .l
    PNL
    retf 4

bits 32
small_idt:
    dw 0x3FF
    dd IDT_BASE

%include "lib/end.inc"
