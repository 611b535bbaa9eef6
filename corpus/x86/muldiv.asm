; muldiv.asm -- MUL/IMUL (one-, two-, three-operand forms), DIV/IDIV for 8/16/32-bit
; operands, register and memory sources; #DE for division by zero and for quotient overflow
; (a fault: the handler line shows the EIP of the DIV/IDIV, and the registers are printed
; unchanged); 32-bit protected mode, plus #DE in real mode (IVT vector 0).
;
; Lines:
;   mul8 eax=a5a5a5ff src=ff in=0002 -> edx=5a5a5a5a eax=a5a5fe01 fl=0801
;   div16 edx=5a5a0001 eax=a5a50000 src=0002 in=0002 -> edx=5a5a0000 eax=a5a58000
;   div8 eax=a5a50100 src=01 in=0002 -> #DE at 0008:000f1234
;       unchanged: edx=5a5a5a5a eax=a5a50100
; The high, unused parts of EAX/EDX hold a5../5a.. to show they are kept.  Flags: MUL/IMUL
; define only OF and CF (fl = EFLAGS & 0801); DIV/IDIV leave all flags undefined (not
; printed).  Every case also runs with a memory source (and, for IMUL r,r/m and IMUL r,r/m,imm
; with a second encoding); a disagreement prints " MISMATCH(x) ...".
%include "lib/lib.inc"

V_I     equ TMP0+0x00
V_J     equ TMP0+0x04
V_IN    equ TMP0+0x08
V_EXC   equ TMP0+0x0C
V_RA    equ TMP0+0x10
V_RD    equ TMP0+0x14
V_RF    equ TMP0+0x18
MEM     equ 0x20000
HI_A    equ 0xA5A5A5A5
HI_D    equ 0x5A5A5A5A

%macro SIZEREGS 1
%if %1 == 8
  %define SZ byte
  %define rB bl
  %define rA al
  %define SMASK 0xFF
%elif %1 == 16
  %define SZ word
  %define rB bx
  %define rA ax
  %define SMASK 0xFFFF
%else
  %define SZ dword
  %define rB ebx
  %define rA eax
  %define SMASK 0xFFFFFFFF
%endif
%endmacro

; one-operand MUL/IMUL/DIV/IDIV over a table: OP1 op, size, kind (0 = mul, 1 = div),
; count of first-operand entries
%macro OP1 4
    SIZEREGS %2
t_%1%2:
    mov dword [V_I], 0
%%li:
    mov dword [V_J], 0
%%lj:
    mov eax, [V_I]
    xor eax, [V_J]
    and eax, 1
    imul eax, eax, 0x08D5
    add eax, 2
    mov [V_IN], eax
    ; operands: esi:edi = (edx, eax) input, ebx = source
    mov ebx, [V_I]
%if %3 == 0
    mov edi, [vals%2 + ebx*4]
  %if %2 == 8
    and edi, 0xFF
    or edi, HI_A & 0xFFFFFF00
  %elif %2 == 16
    or edi, HI_A & 0xFFFF0000
  %endif
    mov esi, HI_D
%else
    mov esi, [divs%2 + ebx*8]
    mov edi, [divs%2 + ebx*8 + 4]
  %if %2 == 8
    and edi, 0xFFFF
    or edi, HI_A & 0xFFFF0000
    mov esi, HI_D
  %elif %2 == 16
    and edi, 0xFFFF
    or edi, HI_A & 0xFFFF0000
    and esi, 0xFFFF
    or esi, HI_D & 0xFFFF0000
  %endif
%endif
    mov ebx, [V_J]
    mov ebx, [vals%2 + ebx*4]
    call %%one
    inc dword [V_J]
    cmp dword [V_J], 8
    jb %%lj
    inc dword [V_I]
    cmp dword [V_I], %4
    jb %%li
    ret
%%one:
    %defstr OPNAME %1%2
    PUTS OPNAME
%if %2 != 8
    PUTS " edx="
    PHEX32 esi
%endif
    PUTS " eax="
    PHEX32 edi
    PUTS " src="
    PHEXN %2, ebx
    PUTS " in="
    PHEX16 [V_IN]
    PUTS " -> "
    ; A: register source
    mov eax, [EXC_COUNT]
    mov [V_EXC], eax
    RECOVER %%a_done
    mov edx, esi
    mov eax, edi
    push dword [V_IN]
    popfd
    %1 rB
    mov dword [RECOVER_EIP], 0
%%a_done:
    pushfd
    pop ecx
    and ecx, 0x0801
%if %3
    xor ecx, ecx
%endif
    mov [V_RA], eax
    mov [V_RD], edx
    mov [V_RF], ecx
    mov ecx, [EXC_COUNT]
    cmp ecx, [V_EXC]
    je %%a_ok
    PUTS "    unchanged: "
%%a_ok:
    PUTS "edx="
    PHEX32 edx
    PUTS " eax="
    PHEX32 eax
%if %3 == 0
    PUTS " fl="
    PHEX16 [V_RF]
%endif
    ; B: memory source (exceptions counted, not printed)
    mov dword [HANDLER_QUIET], 1
    mov [MEM], ebx
    RECOVER %%b_done
    mov edx, esi
    mov eax, edi
    push dword [V_IN]
    popfd
    %1 SZ [MEM]
    mov dword [RECOVER_EIP], 0
%%b_done:
    pushfd
    pop ecx
    and ecx, 0x0801
%if %3
    xor ecx, ecx
%endif
    mov dword [HANDLER_QUIET], 0
    cmp eax, [V_RA]
    jne %%bad
    cmp edx, [V_RD]
    jne %%bad
    cmp ecx, [V_RF]
    jne %%bad
    ; both forms must have faulted, or neither
    mov ecx, [EXC_COUNT]
    sub ecx, [V_EXC]
    cmp ecx, 1
    je %%bad
    jmp %%ok
%%bad:
    PUTS " MISMATCH(mem) "
    PHEX32 edx
    PUTS ":"
    PHEX32 eax
%%ok:
    PNL
    ret
%endmacro

; two-operand IMUL r, r/m (16/32): IMUL2 size
%macro IMUL2 1
    SIZEREGS %1
t_imul2_%1:
    mov dword [V_I], 0
%%li:
    mov dword [V_J], 0
%%lj:
    mov eax, [V_I]
    xor eax, [V_J]
    and eax, 1
    imul eax, eax, 0x08D5
    add eax, 2
    mov [V_IN], eax
    mov edi, [V_I]
    mov edi, [vals%1 + edi*4]
  %if %1 == 16
    or edi, HI_A & 0xFFFF0000
  %endif
    mov ebx, [V_J]
    mov ebx, [vals%1 + ebx*4]
    %defstr SZS %1
    PUTS "imul2_", SZS, " "
    PHEX32 edi
    PUTS ","
    PHEXN %1, ebx
    PUTS " in="
    PHEX16 [V_IN]
    ; A: imul r, r
    mov ecx, edi
    push dword [V_IN]
    popfd
  %if %1 == 16
    imul cx, bx
  %else
    imul ecx, ebx
  %endif
    pushfd
    pop edx
    and edx, 0x0801
    mov [V_RA], ecx
    mov [V_RF], edx
    PUTS " -> "
    PHEX32 ecx
    PUTS " fl="
    PHEX16 dx
    ; B: imul r, [m]
    mov [MEM], ebx
    mov ecx, edi
    push dword [V_IN]
    popfd
  %if %1 == 16
    imul cx, [MEM]
  %else
    imul ecx, [MEM]
  %endif
    pushfd
    pop edx
    and edx, 0x0801
    cmp ecx, [V_RA]
    jne %%bad
    cmp edx, [V_RF]
    je %%ok
%%bad:
    PUTS " MISMATCH(mem) "
    PHEX32 ecx
%%ok:
    PNL
    inc dword [V_J]
    cmp dword [V_J], 8
    jb %%lj
    inc dword [V_I]
    cmp dword [V_I], 8
    jb %%li
    ret
%endmacro

; three-operand IMUL r, r/m, imm: IMUL3 size, imm   (loops over the source table)
%macro IMUL3 2
    SIZEREGS %1
    mov dword [V_J], 0
%%lj:
    mov ebx, [V_J]
    mov ebx, [vals%1 + ebx*4]
    %defstr SZS %1
    PUTS "imul3_", SZS, " "
    PHEXN %1, ebx
    PUTS ",#"
    PHEXN %1, (%2) & SMASK
    ; A: imm8 form when it fits, else the full immediate
    mov ecx, HI_D
    push dword 0x0002
    popfd
  %if %1 == 16
    imul cx, bx, %2
  %else
    imul ecx, ebx, %2
  %endif
    pushfd
    pop edx
    and edx, 0x0801
    mov [V_RA], ecx
    mov [V_RF], edx
    PUTS " -> "
    PHEX32 ecx
    PUTS " fl="
    PHEX16 dx
    ; B: memory source, full-size immediate
    mov [MEM], ebx
    mov ecx, HI_D
    push dword 0x08D7
    popfd
  %if %1 == 16
    imul cx, [MEM], strict word %2
  %else
    imul ecx, [MEM], strict dword %2
  %endif
    pushfd
    pop edx
    and edx, 0x0801
    cmp ecx, [V_RA]
    jne %%bad
    cmp edx, [V_RF]
    je %%ok
%%bad:
    PUTS " MISMATCH(mem) "
    PHEX32 ecx
%%ok:
    PNL
    inc dword [V_J]
    cmp dword [V_J], 8
    jb %%lj
%endmacro

bits 16
main:
    PUTS "muldiv: real mode", 10
    mov ax, 0x1234
    mov dx, 0x0005
    mov cx, 0x0004
    RECOVER .r1
.div:
    div cx                          ; quotient 0x5048D > 0xFFFF
.r1:
    PUTS "after #DE: dx="
    PHEX16 dx
    PUTS " ax="
    PHEX16 ax
    PUTS " (div at f000:"
    PHEX16 RA(.div)
    PUTS ")", 10
    mov ax, 100
    mov cl, 0
    RECOVER .r2
    idiv cl
.r2:
    mov ax, 0x1234
    mov dx, 0x0003
    mov cx, 0x0010
    div cx
    PUTS "div ok: dx="
    PHEX16 dx
    PUTS " ax="
    PHEX16 ax
    PNL
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "muldiv: protected mode, 32-bit code", 10
    call t_mul8
    call t_imul8
    call t_mul16
    call t_imul16
    call t_mul32
    call t_imul32
    call t_imul2_16
    call t_imul2_32
    IMUL3 16, 0x7F
    IMUL3 16, -128
    IMUL3 16, -1
    IMUL3 16, 0x1234
    IMUL3 32, 0x7F
    IMUL3 32, -2
    IMUL3 32, 0x12345678
    IMUL3 32, -0x10000
    call t_div8
    call t_idiv8
    call t_div16
    call t_idiv16
    call t_div32
    call t_idiv32
    DONE

    OP1 mul, 8, 0, 8
    OP1 imul, 8, 0, 8
    OP1 mul, 16, 0, 8
    OP1 imul, 16, 0, 8
    OP1 mul, 32, 0, 8
    OP1 imul, 32, 0, 8
    OP1 div, 8, 1, NDIV
    OP1 idiv, 8, 1, NDIV
    OP1 div, 16, 1, NDIV
    OP1 idiv, 16, 1, NDIV
    OP1 div, 32, 1, NDIV
    OP1 idiv, 32, 1, NDIV
    IMUL2 16
    IMUL2 32

vals8:  dd 0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0xFE, 0xFF
vals16: dd 0x0000, 0x0001, 0x0002, 0x7FFF, 0x8000, 0x8001, 0xFFFE, 0xFFFF
vals32: dd 0, 1, 2, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF
NDIV    equ 10
; dividends (edx, eax) pairs; for 8 bits only eax's low 16 bits (AX) count
divs8:  dd 0, 0x0000, 0, 0x0001, 0, 0x007F, 0, 0x00FF, 0, 0x0100
        dd 0, 0x7FFF, 0, 0x8000, 0, 0xFF80, 0, 0xFFFF, 0, 0x1234
divs16: dd 0x0000, 0x0000, 0x0000, 0x0001, 0x0000, 0x7FFF, 0x0000, 0xFFFF, 0x0001, 0x0000
        dd 0x7FFF, 0xFFFF, 0x8000, 0x0000, 0xFFFF, 0x8000, 0xFFFF, 0xFFFF, 0x1234, 0x5678
divs32: dd 0, 0, 0, 1, 0, 0x7FFFFFFF, 0, 0xFFFFFFFF, 1, 0
        dd 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0, 0xFFFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFF
        dd 0x12345678, 0x9ABCDEF0

%include "lib/end.inc"
