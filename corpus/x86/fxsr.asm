; fxsr.asm -- FXSAVE/FXRSTOR (x87 part of the image) with CR4.OSFXSR=1: the saved FCW, FSW,
; abridged tag byte, FOP, FIP/FCS, FDP/FDS and ST0-7; FXRSTOR of a hand-made image (checked
; through FNSTENV's full tag word and FSTP); #GP for a misaligned operand, #NM for CR0.TS
; and CR0.EM.  MXCSR, MXCSR_MASK, the XMM registers and the reserved bytes are CPU-model
; specific and are neither printed nor relied on (the restored image carries MXCSR=1f80).
; Needs a P6 with FXSR: bochs runs it as a Pentium III (p3_katmai), see README.md.
; bochs-cpu: p3_katmai
%include "lib/lib.inc"

IMG     equ 0x20000             ; 512-byte FXSAVE area (16-byte aligned)
IMG2    equ 0x20400
ENV     equ 0x20800
T80     equ 0x20900
SW      equ 0x20910

%macro TRY 2+
    PUTS %1, ": "
    RECOVER %%f
    %2
    mov dword [ss:RECOVER_EIP], 0
    PUTS "ok", 10
%%f:
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "fxsr: protected mode", 10
    mov eax, cr0
    and eax, ~0x0C
    or eax, 0x22
    mov cr0, eax
    mov eax, cr4
    or eax, 0x200                   ; OSFXSR
    mov cr4, eax

    fninit
    mov word [SW], 0x027F           ; PC=53
    fldcw [SW]
    fld tword [x_m2_5]
    fldz
    fld tword [x_pinf]
    fld1
    fdiv qword [d_3]                ; PE, memory operand for FDP
    mov edi, IMG
    mov ecx, 512/4
    mov eax, 0xEEEEEEEE
    rep stosd
fx_ins:
    fxsave [IMG]
    PUTS "fxsave:"
    call pimg
    PUTS "  (fdiv at "
    PHEX32 fx_ins - 6
    PUTS ", operand "
    PHEX32 d_3
    PUTS ")", 10
    fnstsw [SW]
    PUTS "  after fxsave the state is kept: sw="
    PHEX16 [SW]
    PNL

    ; FXRSTOR a hand-made image: TOP=5, ST0..ST2 valid
    mov edi, IMG2
    mov ecx, 512/4
    xor eax, eax
    rep stosd
    mov word [IMG2+0], 0x0C7F       ; FCW: RC=zero
    mov word [IMG2+2], 0x2820       ; FSW: TOP=5, PE, C1
    mov byte [IMG2+4], 0xE0         ; registers 5, 6, 7 valid
    mov word [IMG2+6], 0x0123       ; FOP
    mov dword [IMG2+8], 0x11223344  ; FIP
    mov word [IMG2+12], 0x0008
    mov dword [IMG2+16], 0x55667788 ; FDP
    mov word [IMG2+20], 0x0010
    mov dword [IMG2+24], 0x1F80     ; MXCSR
    ; ST0 = physical 5 = 1.0, ST1 = -0, ST2 = qnan
    mov dword [IMG2+32+4], 0x80000000
    mov word [IMG2+32+8], 0x3FFF
    mov word [IMG2+48+8], 0x8000
    mov dword [IMG2+64+4], 0xC0000000
    mov dword [IMG2+64], 0x00001234
    mov word [IMG2+64+8], 0x7FFF
    fninit
    fxrstor [IMG2]
    fnstenv [ENV]
    PUTS "fxrstor, fnstenv: cw="
    PHEX16 [ENV]
    PUTS " sw="
    PHEX16 [ENV+4]
    PUTS " tw="
    PHEX16 [ENV+8]
    PUTS " fip="
    PHEX32 [ENV+12]
    PUTS " fop="
    mov ax, [ENV+18]
    and ax, 0x07FF
    PHEX16 ax
    PUTS " fdp="
    PHEX32 [ENV+20]
    PNL
    fldenv [ENV]
    mov ecx, 3
.p: fnstsw [SW]
    fstp tword [T80]
    PUTS "  st: "
    PHEX16 [T80+8]
    PUTS ":"
    PHEX32 [T80+4]
    PHEX32 [T80]
    PUTS " sw="
    PHEX16 [SW]
    PNL
    loop .p
    ; round trip: fxsave what was restored
    fninit
    fxrstor [IMG2]
    mov edi, IMG
    mov ecx, 512/4
    mov eax, 0xEEEEEEEE
    rep stosd
    fxsave [IMG]
    PUTS "fxsave after fxrstor:"
    call pimg
    fninit

    TRY "fxsave misaligned", fxsave [IMG+8]
    TRY "fxrstor misaligned", fxrstor [IMG2+4]
    mov ebx, cr0
    mov eax, ebx
    or eax, 0x08
    mov cr0, eax
    TRY "TS=1: fxsave", fxsave [IMG]
    TRY "TS=1: fxrstor", fxrstor [IMG2]
    mov eax, ebx
    or eax, 0x04
    mov cr0, eax
    TRY "EM=1: fxsave", fxsave [IMG]
    mov cr0, ebx
    DONE

; print the x87 fields of the image at IMG and its eight registers
pimg:
    push eax
    push esi
    push ecx
    PUTS " fcw="
    PHEX16 [IMG]
    PUTS " fsw="
    PHEX16 [IMG+2]
    PUTS " ftw="
    PHEX8 [IMG+4]
    PUTS " fop="
    mov ax, [IMG+6]
    and ax, 0x07FF
    PHEX16 ax
    PUTS " fip="
    PHEX32 [IMG+8]
    PUTS " fcs="
    PHEX16 [IMG+12]
    PUTS " fdp="
    PHEX32 [IMG+16]
    PUTS " fds="
    PHEX16 [IMG+20]
    PNL
    PUTS "  st:"
    mov esi, IMG+32
    mov ecx, 8
.l: PSP
    PHEX16 [esi+8]
    PUTS ":"
    PHEX32 [esi+4]
    PHEX32 [esi]
    add esi, 16
    loop .l
    PNL
    pop ecx
    pop esi
    pop eax
    ret

x_m2_5: dq 0xA000000000000000
        dw 0xC000
x_pinf: dq 0x8000000000000000
        dw 0x7FFF
d_3:    dq 0x4008000000000000

%include "lib/end.inc"
