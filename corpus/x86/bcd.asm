; bcd.asm -- DAA/DAS/AAA/AAS/AAM/AAD over all AL values, with AF/CF inputs and several AH
; values / immediates, in 32-bit protected mode; AAM 0 -> #DE (protected and real mode).
;
; Each block starts with a header
;   daa in=0003 ah=37 m=d5
; (in = EFLAGS loaded before each instruction, ah = AH before it, m = the flag mask) and then
; 16 lines of 16 results for AL = 00..ff:
;   al=30: 3037/01 ...          (AX after / EFLAGS after & m)
; Flag masks (only the flags the SDM defines are printed):
;   DAA DAS: SF ZF AF PF CF (d5, OF undefined)       AAA AAS: AF CF (11, the rest undefined)
;   AAM AAD: SF ZF PF (c4, OF AF CF undefined)
%include "lib/lib.inc"

V_THUNK equ TMP0+0x00
V_IN    equ TMP0+0x04
V_AH    equ TMP0+0x08
V_MASK  equ TMP0+0x0C

; BLOCK name, thunk, flags-in, ah, mask
%macro BLOCK 5
    PUTS %1, " in="
    PHEX16 %3
    PUTS " ah="
    PHEX8 %4
    PUTS " m="
    PHEX8 %5
    PNL
    mov dword [V_THUNK], %2
    mov dword [V_IN], %3
    mov dword [V_AH], %4
    mov dword [V_MASK], %5
    call block
%endmacro

bits 16
main:
    PUTS "bcd: real mode", 10
    mov ax, 0x1234
    mov bx, 0x5678
    RECOVER .r1
    aam 0
.r1:
    PUTS "after #DE: ax="
    PHEX16 ax
    PUTS " bx="
    PHEX16 bx
    PNL
    mov ax, 0x0099
    push word 0x0002
    popf
    add al, 1
    daa
    pushf
    PUTS "99+1 daa: ax="
    PHEX16 ax
    PUTS " fl="
    pop bx
    and bx, 0xD5
    PHEX16 bx
    PNL
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "bcd: protected mode, 32-bit code", 10
    BLOCK "daa", t_daa, 0x0002, 0x37, 0xD5
    BLOCK "daa", t_daa, 0x0003, 0x37, 0xD5      ; CF=1
    BLOCK "daa", t_daa, 0x0012, 0x37, 0xD5      ; AF=1
    BLOCK "daa", t_daa, 0x08D7, 0x37, 0xD5      ; all set
    BLOCK "das", t_das, 0x0002, 0x37, 0xD5
    BLOCK "das", t_das, 0x0003, 0x37, 0xD5
    BLOCK "das", t_das, 0x0012, 0x37, 0xD5
    BLOCK "das", t_das, 0x08D7, 0x37, 0xD5
    BLOCK "aaa", t_aaa, 0x0002, 0x37, 0x11
    BLOCK "aaa", t_aaa, 0x0012, 0x37, 0x11
    BLOCK "aaa", t_aaa, 0x08C7, 0xFF, 0x11      ; AF=0, CF=1 (CF is not an input)
    BLOCK "aaa", t_aaa, 0x0012, 0xFF, 0x11
    BLOCK "aas", t_aas, 0x0002, 0x37, 0x11
    BLOCK "aas", t_aas, 0x0012, 0x37, 0x11
    BLOCK "aas", t_aas, 0x08C7, 0x00, 0x11
    BLOCK "aas", t_aas, 0x0012, 0x00, 0x11
    BLOCK "aam10", t_aam10, 0x0002, 0x37, 0xC4
    BLOCK "aam16", t_aam16, 0x08D7, 0x37, 0xC4
    BLOCK "aam7", t_aam7, 0x0002, 0x37, 0xC4
    BLOCK "aam255", t_aam255, 0x0002, 0x37, 0xC4
    BLOCK "aam1", t_aam1, 0x0002, 0x37, 0xC4
    BLOCK "aad10", t_aad10, 0x0002, 0x00, 0xC4
    BLOCK "aad10", t_aad10, 0x08D7, 0x09, 0xC4
    BLOCK "aad10", t_aad10, 0x0002, 0xFF, 0xC4
    BLOCK "aad16", t_aad16, 0x0002, 0x07, 0xC4
    BLOCK "aad7", t_aad7, 0x0002, 0x25, 0xC4
    BLOCK "aad0", t_aad0, 0x0002, 0x37, 0xC4
    BLOCK "aad255", t_aad255, 0x0002, 0x80, 0xC4

    ; AAM 0: #DE, a fault: EIP of the AAM, AX and flags unchanged
    mov eax, 0xCAFE1234
    mov ebx, 0x5678
    push dword 0x08D7
    popfd
    RECOVER aam0_done
aam0_insn:
    aam 0
aam0_done:
    pushfd
    PUTS "after #DE: eax="
    PHEX32 eax
    PUTS " ebx="
    PHEX32 ebx
    PUTS " fl="
    pop edx
    and edx, 0x8D5
    PHEX16 dx
    PUTS " (aam 0 at "
    PHEX32 aam0_insn
    PUTS ")", 10
    DONE

; one block: AL = 0..255 with the configured AH and flags
block:
    xor esi, esi
.row:
    test esi, 15
    jnz .ent
    PUTS "al="
    PHEXN 8, esi
    PUTS ":"
.ent:
    PSP
    mov eax, esi
    mov ah, [V_AH]
    mov ebx, [V_THUNK]
    push dword [V_IN]
    popfd
    call ebx
    pushfd
    pop edx
    and edx, [V_MASK]
    PHEX16 ax
    PUTS "/"
    PHEX8 dl
    inc esi
    test esi, 15
    jnz .nonl
    PNL
.nonl:
    cmp esi, 256
    jb .row
    ret

t_daa:  daa
        ret
t_das:  das
        ret
t_aaa:  aaa
        ret
t_aas:  aas
        ret
t_aam10: aam 10
        ret
t_aam16: aam 16
        ret
t_aam7: aam 7
        ret
t_aam255: aam 255
        ret
t_aam1: aam 1
        ret
t_aad10: aad 10
        ret
t_aad16: aad 16
        ret
t_aad7: aad 7
        ret
t_aad0: aad 0
        ret
t_aad255: aad 255
        ret

%include "lib/end.inc"
