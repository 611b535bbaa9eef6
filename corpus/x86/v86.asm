; v86.asm -- virtual-8086 mode (CR4.VME=0): entered by IRETD from ring 0 with VM=1; at IOPL 3
; CLI/STI/PUSHF/POPF work (POPF/POPFD cannot change IOPL or VM), INT n goes through a DPL-3
; IDT gate to ring 0 (the 9-dword frame with ES/DS/FS/GS, which are nulled in the handler)
; and IRETD returns; gate DPL < 3 -> #GP(vector*8+2), a handler segment with DPL != 0 ->
; #GP(selector); at IOPL 0 CLI, STI, PUSHF(D), POPF(D), INT n and IRET raise #GP(0) to the
; monitor, while INT3 is not IOPL-sensitive (only the gate DPL is checked: DPL 0 -> #GP(1a)
; at IOPL 3, DPL 3 -> #BP handled at ring 0 at IOPL 0); in both, I/O uses
; the TSS bitmap only, privileged instructions fault, and the 64 KB segment limit is checked.
; Leaving v86: INT FFh (IOPL 3: through a gate; IOPL 0: #GP seen by the monitor's hook).
%include "lib/lib.inc"

MON_ESP  equ TMP0+0x00
MON_CONT equ TMP0+0x04
V_SAVE   equ TMP0+0x08
C_R3     equ SEL_CODE32_R3

; enter v86 at ROM label %1 with IOPL %2; the monitor continues at %3
%macro ENTER_V86 3
    mov [MON_ESP], esp
    mov [TSS_BASE+4], esp
    mov dword [MON_CONT], %3
    push dword 0                    ; gs
    push dword 0x2000               ; fs
    push dword 0x1000               ; ds
    push dword 0                    ; es
    push dword 0                    ; ss
    push dword 0x7000               ; esp
    push dword 0x20002 | ((%2) << 12)
    push dword 0xF000
    push dword ROFF(%1)
    iretd
%endmacro

; flag-free printing for v86 code at IOPL < 3 (no PUSHF/POPF, no flag changes at all)
%macro VPUTS 1+
    call vputs
    db %1, 0
%endmacro
%macro VHEX16 1
    push eax
    mov ax, %1
    call vhex16
    pop eax
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "v86: protected mode monitor", 10
    SETGATE 0x40, v86_int, SEL_CODE32, GATE_INT32_U
    SETGATE 0x41, v86_int, SEL_CODE32, GATE_INT32      ; DPL 0
    SETGATE 0x42, v86_int, C_R3, GATE_INT32_U          ; handler at DPL 3
    SETGATE 0xFF, v86_exit, SEL_CODE32, GATE_INT32_U
    mov dword [EXC_HOOK], v86_hook
    ; POPFD at CPL 0 cannot set VM
    pushfd
    or dword [esp], 0x20000
    popfd
    pushfd
    pop eax
    PUTS "popfd with VM=1 at CPL 0: eflags="
    PHEX32 eax
    PNL

    PUTS "-- IOPL 3", 10
    ENTER_V86 v86_iopl3, 3, mon1
mon1:
    PUTS "monitor: back from v86, cs="
    PHEX16 cs
    PNL

    PUTS "-- IOPL 0", 10
    SETGATE 3, lib_pm_stub_3, SEL_CODE32, GATE_INT32_U
    ENTER_V86 v86_iopl0, 0, mon2
mon2:
    PUTS "monitor: back from v86, cs="
    PHEX16 cs
    PNL
    DONE

; INT 40h from v86 (IOPL 3): print the frame and the data segment registers
v86_int:
    push ebp
    mov ebp, esp
    push eax
    mov ax, ds
    mov [ss:V_SAVE], ax
    mov ax, es
    mov [ss:V_SAVE+2], ax
    mov ax, SEL_DATA32
    mov ds, ax
    PUTS "  ring 0 handler: ds="
    PHEX16 [V_SAVE]
    PUTS " es="
    PHEX16 [V_SAVE+2]
    PUTS " fs="
    PHEX16 fs
    PUTS " gs="
    PHEX16 gs
    PUTS " frame:"
    push ecx
    push esi
    lea esi, [ebp+4]
    mov ecx, 9
.l: PSP
    PHEX32 [esi]
    add esi, 4
    loop .l
    pop esi
    pop ecx
    PNL
    pop eax
    pop ebp
    iretd                           ; reloads ES/DS/FS/GS from the v86 frame

; INT FFh through its gate (IOPL 3): abandon the v86 frame
v86_exit:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov esp, [MON_ESP]
    jmp [MON_CONT]

; exception hook: a #GP from "int 0ffh" in v86 mode leaves v86 mode as well
v86_hook:
    test dword [ebp+FR_EFL], 0x20000
    jz .no
    cmp dword [ebp+FR_VEC], 13
    jne .no
    movzx eax, word [ebp+FR_CS]
    shl eax, 4
    add eax, [ebp+FR_EIP]
    cmp word [eax], 0xFFCD
    jne .no
    mov dword [RECOVER_EIP], 0
    mov esp, [MON_ESP]
    jmp [MON_CONT]
.no:
    ret

; ---------------------------------------------------------------------------------------
bits 16
v86_iopl3:
    PUTS "v86: cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " ds="
    PHEX16 ds
    PUTS " fs="
    PHEX16 fs
    PUTS " sp="
    PHEX16 sp
    pushfd
    pop eax
    PUTS " pushfd="
    PHEX32 eax
    PNL
    cli
    pushf
    pop ax
    PUTS "cli: flags="
    PHEX16 ax
    sti
    pushf
    pop ax
    cli
    PUTS " sti: flags="
    PHEX16 ax
    push word 0x0002                ; IOPL 0, IF 0
    popf
    pushf
    pop ax
    PUTS " popf 0002: flags="
    PHEX16 ax
    push dword 0x00000202           ; VM 0, IF 1
    popfd
    pushfd
    pop eax
    cli
    PUTS " popfd 202: eflags="
    PHEX32 eax
    PNL
    RECOVER .a
    mov eax, cr0                    ; still in v86 mode: #GP
.a:
    mov eax, 0x11112222
    mov ebx, 0x33334444
    PUTS "int 40:", 10
    int 0x40
    PUTS "after int 40: eax="
    PHEX32 eax
    PUTS " ebx="
    PHEX32 ebx
    PUTS " ds="
    PHEX16 ds
    PUTS " fs="
    PHEX16 fs
    PNL
    PUTS "int 41 (gate DPL 0): "
    RECOVER .b
    int 0x41
.b:
    PUTS "int 42 (handler DPL 3): "
    RECOVER .c
    int 0x42
.c:
    PUTS "int3 (gate DPL 0): "
    RECOVER .d
    int3
.d:
    PUTS "in al,80 (not in the I/O bitmap): "
    RECOVER .e
    in al, 0x80
.e:
    PUTS "hlt: "
    RECOVER .f
    hlt
.f:
    PUTS "lidt: "
    RECOVER .g
    lidt [0]
.g:
    PUTS "mov ax,[ffff] (64K limit): "
    RECOVER .h
    mov ax, [0xFFFF]
.h:
    PUTS "mov al,[ffff]: "
    RECOVER .i
    mov al, [0xFFFF]
    PUTS "ok", 10
    mov dword [ss:RECOVER_EIP], 0
.i:
    int 0xFF

; ---------------------------------------------------------------------------------------
v86_iopl0:
    VPUTS "v86 iopl 0: sp="
    VHEX16 sp
    VPUTS 10
    VPUTS "cli: "
    RECOVER .a
    cli
.a: VPUTS "sti: "
    RECOVER .b
    sti
.b: VPUTS "pushf: "
    RECOVER .c
    pushf
.c: VPUTS "pushfd: "
    RECOVER .d
    pushfd
.d: VPUTS "popf: "
    RECOVER .e
    popf
.e: VPUTS "popfd: "
    RECOVER .f
    popfd
.f: VPUTS "int 40: "
    RECOVER .g
    int 0x40
.g: VPUTS "iret: "
    RECOVER .h
    iret
.h: VPUTS "int3 (gate DPL 3, not IOPL-sensitive): "
    RECOVER_SAME
    int3
.i: VPUTS "out e9 (allowed by the bitmap): "
    mov al, '*'
    out 0xE9, al
    VPUTS 10
    VPUTS "in al,80: "
    RECOVER .j
    in al, 0x80
.j: VPUTS "sp after the faults: "
    VHEX16 sp
    VPUTS 10
    int 0xFF

; flag-free output routines
vputs:
    push bp
    mov bp, sp
    push si
    push ax
    push cx
    mov si, [bp+2]
.l: mov al, [cs:si]
    lea si, [si+1]
    movzx cx, al
    jcxz .d
    out 0xE9, al
    jmp .l
.d: mov [bp+2], si
    pop cx
    pop ax
    pop si
    pop bp
    ret

vhex16:                             ; ax
    push ebx
    push ax
    movzx ebx, ah
    mov ax, [cs:ebx*2 + ROFF(hextab)]
    out 0xE9, al
    mov al, ah
    out 0xE9, al
    pop ax
    push ax
    movzx ebx, al
    mov ax, [cs:ebx*2 + ROFF(hextab)]
    out 0xE9, al
    mov al, ah
    out 0xE9, al
    pop ax
    pop ebx
    ret

hextab:
%assign i 0
%rep 256
  %substr hd_hi "0123456789abcdef" (i >> 4) + 1
  %substr hd_lo "0123456789abcdef" (i & 15) + 1
    db hd_hi, hd_lo
%assign i i+1
%endrep

%include "lib/end.inc"
