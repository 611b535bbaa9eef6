; shift.asm -- SHL/SHR/SAR/ROL/ROR/RCL/RCR (8/16/32) and SHLD/SHRD (16/32) with every count
; 0..33, in 32-bit protected mode.
;
; Line format:
;   shl8 81,03 in=0002 -> 08 fl=0004 m=00c4
;   shld16 8001,a5c3,05 in=08d7 -> 0034 fl=0000 m=00c5
; "in" = EFLAGS loaded before, "->" the destination after, "fl" = EFLAGS after AND m, where m
; is the mask of the flags the SDM defines for that instruction and count (mc = count & 31):
;   mc = 0:               no flag is affected: m = 08d5 (all kept)
;   SHL/SHR/SAR:          SF ZF PF CF (00c5), OF only if mc = 1 (+0800); AF undefined;
;                         SHL/SHR: CF undefined if mc >= operand size (-0001)
;   ROL/ROR/RCL/RCR:      CF (0001) and the untouched SF ZF AF PF (00d4); OF only if mc = 1
;   SHLD/SHRD:            SF ZF PF CF, OF only if mc = 1; if mc > operand size the result and
;                         all flags are undefined: printed as "-> undef"
; Each case runs in several encodings that must agree with the printed one (D2/D3 reg, CL):
;   B = D2/D3 memory, C = C0/C1 imm8 reg, D = C0/C1 imm8 memory, E = D0/D1 (count 1 only),
;   F = AH with CL (8-bit).  SHLD/SHRD: A = CL reg, B = CL mem, C = imm8 reg, D = imm8 mem.
; A disagreement prints " MISMATCH(x) result/flags".
%include "lib/lib.inc"

V_I     equ TMP0+0x00       ; value index
V_J     equ TMP0+0x04       ; count
V_RES   equ TMP0+0x08
V_FL    equ TMP0+0x0C
V_MASK  equ TMP0+0x10
V_SMASK equ TMP0+0x14
V_FORM  equ TMP0+0x18
V_UNDEF equ TMP0+0x1C

FL_CLR  equ 0x0002
FL_SET  equ 0x08D7
NCOUNT  equ 34

K_SH    equ 0           ; SHL/SHR
K_SAR   equ 1
K_ROT   equ 2           ; ROL/ROR
K_RC    equ 3           ; RCL/RCR (both input CF values)
K_DSH   equ 4           ; SHLD/SHRD

%macro SIZEREGS 1
%if %1 == 8
  %define rA al
  %define rB bl
  %define rC cl
  %define rD dl
  %define SZ byte
  %define SMASK 0xFF
%elif %1 == 16
  %define rA ax
  %define rB bx
  %define rC cx
  %define rD dx
  %define SZ word
  %define SMASK 0xFFFF
%else
  %define rA eax
  %define rB ebx
  %define rC ecx
  %define rD edx
  %define SZ dword
  %define SMASK 0xFFFFFFFF
%endif
%endmacro

%macro OSZ 1
%if %1 == 16
    db 0x66
%endif
%endmacro

%macro FLAGSAVE 0
    pushfd
    pop edx
%endmacro

%macro CHK 1
    mov byte [V_FORM], %1
    call chk
%endmacro

; thunk tables: one "op ecx/[SCRATCH], imm8 ; ret" per count 0..33
%macro THUNKS 4     ; label, size, opcode byte(s) selector: 0 = C0/C1 /ext, 1 = 0F A4/AC
                    ; %4 = ext (shift) or second opcode byte (double shift)
%1_reg:
%assign c 0
%rep NCOUNT
    OSZ %2
  %if %3 == 0
    db 0xC0 + (%2 != 8), 0xC1 | (%4 << 3), c
  %else
    db 0x0F, %4, 0xD1, c                ; reg = edx (source), r/m = ecx
  %endif
    ret
%assign c c+1
%endrep
%1_mem:
%assign c 0
%rep NCOUNT
    OSZ %2
  %if %3 == 0
    db 0xC0 + (%2 != 8), 0x05 | (%4 << 3)
  %else
    db 0x0F, %4, 0x15                   ; reg = edx, r/m = [disp32]
  %endif
    dd SCRATCH
    db c
    ret
%assign c c+1
%endrep
%endmacro

; SHOP op, size, kind, ext (/digit), source-value table (double shifts)
%macro SHOP 5
    SIZEREGS %2
sh_%1%2:
    mov dword [V_SMASK], SMASK
    mov dword [V_I], 0
%%lv:
    mov dword [V_J], 0
%%lc:
    mov ebx, [V_I]
    mov esi, [valtab%2 + ebx*4]
%if %3 == K_DSH
    mov edi, [%5 + ebx*4]
%endif
    ; mask for this count
    mov ecx, [V_J]
    and ecx, 31
    mov dword [V_UNDEF], 0
    mov eax, 0x08D5
    jz %%mset
%if %3 == K_ROT || %3 == K_RC
    mov eax, 0x00D5
%else
    mov eax, 0x00C5
%endif
    cmp ecx, 1
    jne %%m1
    or eax, 0x0800
%%m1:
%if %3 == K_SH
    cmp ecx, %2
    jb %%mset
    and eax, ~1
%elif %3 == K_DSH
    cmp ecx, %2
    jbe %%mset
    xor eax, eax
    mov dword [V_UNDEF], 1
%endif
%%mset:
    mov [V_MASK], eax
%if %3 == K_RC
    mov ebp, FL_CLR
    call %%one
    mov ebp, FL_SET
    call %%one
%else
    mov ebp, [V_J]
    shr ebp, 1
    xor ebp, [V_I]
    and ebp, 1
    imul ebp, ebp, FL_SET - FL_CLR
    add ebp, FL_CLR
    call %%one
%endif
    inc dword [V_J]
    cmp dword [V_J], NCOUNT
    jb %%lc
    inc dword [V_I]
    cmp dword [V_I], 2
    jb %%lv
    ret
%%one:
    %defstr OPNAME %1%2
    PUTS OPNAME, " "
    PHEXN %2, esi
%if %3 == K_DSH
    PUTS ","
    PHEXN %2, edi
%endif
    PUTS ","
    PHEX8 [V_J]
    PUTS " in="
    PHEX16 bp
    ; A: CL, register
    mov eax, esi
    mov ebx, edi
    mov ecx, [V_J]
    push ebp
    popfd
%if %3 == K_DSH
    %1 rA, rB, cl
%else
    %1 rA, cl
%endif
    FLAGSAVE
    and eax, SMASK
    and edx, [V_MASK]
    mov [V_RES], eax
    mov [V_FL], edx
    cmp dword [V_UNDEF], 0
    je %%def
    PUTS " -> undef", 10
    ret
%%def:
    PUTS " -> "
    PHEXN %2, eax
    PUTS " fl="
    PHEX16 dx
    PUTS " m="
    PHEX16 [V_MASK]
    ; B: CL, memory
    mov [SCRATCH], esi
    mov ebx, edi
    mov ecx, [V_J]
    push ebp
    popfd
%if %3 == K_DSH
    %1 SZ [SCRATCH], rB, cl
%else
    %1 SZ [SCRATCH], cl
%endif
    FLAGSAVE
    mov eax, [SCRATCH]
    CHK 'B'
    ; C: imm8, register (thunk)
    mov ebx, [V_J]
    imul ebx, ebx, th_%1%2_reg.stride
    add ebx, th_%1%2_reg
    mov ecx, esi
    mov edx, edi
    push ebp
    popfd
    call ebx
    FLAGSAVE
    mov eax, ecx
    CHK 'C'
    ; D: imm8, memory (thunk)
    mov ebx, [V_J]
    imul ebx, ebx, th_%1%2_mem.stride
    add ebx, th_%1%2_mem
    mov [SCRATCH], esi
    mov edx, edi
    push ebp
    popfd
    call ebx
    FLAGSAVE
    mov eax, [SCRATCH]
    CHK 'D'
%if %3 != K_DSH
    cmp dword [V_J], 1
    jne %%no1
    ; E: D0/D1, count 1
    mov ecx, esi
    push ebp
    popfd
    OSZ %2
    db 0xD0 + (%2 != 8), 0xC1 | (%4 << 3)
    FLAGSAVE
    mov eax, ecx
    CHK 'E'
%%no1:
%endif
%if %2 == 8
    ; F: AH, CL
    mov eax, esi
    shl eax, 8
    mov ecx, [V_J]
    push ebp
    popfd
    %1 ah, cl
    FLAGSAVE
    shr eax, 8
    CHK 'F'
%endif
    PNL
    ret
%endmacro

%macro SHTHUNKS 3   ; op, size, ext
th_%1%2:
    THUNKS th_%1%2, %2, 0, %3
th_%1%2_reg.stride equ (th_%1%2_mem - th_%1%2_reg) / NCOUNT
th_%1%2_mem.stride equ (th_%1%2_end - th_%1%2_mem) / NCOUNT
th_%1%2_end:
%endmacro
%macro DSTHUNKS 3   ; op, size, opcode byte
th_%1%2:
    THUNKS th_%1%2, %2, 1, %3
th_%1%2_reg.stride equ (th_%1%2_mem - th_%1%2_reg) / NCOUNT
th_%1%2_mem.stride equ (th_%1%2_end - th_%1%2_mem) / NCOUNT
th_%1%2_end:
%endmacro

valtab8:  dd 0x81, 0x4E
valtab16: dd 0x8001, 0x4E5A
valtab32: dd 0x80000001, 0x4E5A6B3C
srctab16: dd 0xA5C3, 0x1234
srctab32: dd 0xA5C3E187, 0x12345678

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "shift: protected mode, 32-bit code", 10
%assign sz 8
%rep 3
    call sh_shl %+ sz
    call sh_shr %+ sz
    call sh_sar %+ sz
    call sh_rol %+ sz
    call sh_ror %+ sz
    call sh_rcl %+ sz
    call sh_rcr %+ sz
%assign sz sz*2
%endrep
    call sh_shld16
    call sh_shrd16
    call sh_shld32
    call sh_shrd32
    DONE

chk:
    and eax, [V_SMASK]
    and edx, [V_MASK]
    cmp eax, [V_RES]
    jne .bad
    cmp edx, [V_FL]
    jne .bad
    ret
.bad:
    PUTS " MISMATCH("
    push eax
    mov al, [V_FORM]
    out 0xE9, al
    pop eax
    PUTS ") "
    PHEX32 eax
    PUTS "/"
    PHEX16 dx
    ret

%assign sz 8
%rep 3
    SHOP shl, sz, K_SH, 4, 0
    SHOP shr, sz, K_SH, 5, 0
    SHOP sar, sz, K_SAR, 7, 0
    SHOP rol, sz, K_ROT, 0, 0
    SHOP ror, sz, K_ROT, 1, 0
    SHOP rcl, sz, K_RC, 2, 0
    SHOP rcr, sz, K_RC, 3, 0
    SHTHUNKS shl, sz, 4
    SHTHUNKS shr, sz, 5
    SHTHUNKS sar, sz, 7
    SHTHUNKS rol, sz, 0
    SHTHUNKS ror, sz, 1
    SHTHUNKS rcl, sz, 2
    SHTHUNKS rcr, sz, 3
%assign sz sz*2
%endrep
    SHOP shld, 16, K_DSH, 0, srctab16
    SHOP shrd, 16, K_DSH, 0, srctab16
    SHOP shld, 32, K_DSH, 0, srctab32
    SHOP shrd, 32, K_DSH, 0, srctab32
    DSTHUNKS shld, 16, 0xA4
    DSTHUNKS shrd, 16, 0xAC
    DSTHUNKS shld, 32, 0xA4
    DSTHUNKS shrd, 32, 0xAC

%include "lib/end.inc"
