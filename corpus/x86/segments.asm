; segments.asm -- protected-mode segmentation: MOV/POP/LxS to DS/ES/FS/GS/SS with null,
; out-of-limit (GDT and LDT), wrong-type, RPL/DPL/CPL-mismatched and not-present selectors
; (#GP/#NP/#SS with their error codes, per the MOV, POP and LDS/LSS pseudocode of SDM Vol. 2
; and Vol. 3 ch. 5), data accesses against segment limits (expand-up, expand-down with B=0
; and B=1, G=1), writes to read-only and code segments, reads of execute-only code, a null
; segment access, a 16-bit stack segment (SP wraps, ESP's high half kept), the accessed bit,
; LLDT, and LAR/LSL/VERR/VERW over every kind of descriptor at CPL 0 and CPL 3 with RPL 0/3.
;
; TRY lines print "<what>: ok" or the exception line of the library handler
; ("#GP(0048) at 0008:000f....", error code = selector with its RPL bits cleared).
; LAR results are masked with 00f0ff00 (bits 19:16 are undefined), LAR r16 with ff00.
%include "lib/lib.inc"

D_RW0   equ 0x40    ; data RW DPL0 base 20000 limit fff
D_RO0   equ 0x48    ; data RO
C_XO0   equ 0x50    ; code execute-only, flat 32-bit
C_XR0   equ 0x58    ; code execute/read, base 20000 limit fff
D_NP0   equ 0x60    ; data RW, not present
D_RW3   equ 0x68    ; data RW DPL3 base 20000 limit fff
D_RW1   equ 0x70    ; data RW DPL1
D_ED32  equ 0x78    ; data RW expand-down B=1 base 0 limit fff (valid fff+1..ffffffff)
D_ED16  equ 0x80    ; data RW expand-down B=0 base 20000 limit fff (valid 1000..ffff)
S_LDT   equ 0x88    ; LDT base 4000 limit 1f
S_TSS   equ 0x90    ; 32-bit TSS, available
G_CALL  equ 0x98    ; 32-bit call gate DPL3
C_CR0   equ 0xA0    ; conforming code, readable, DPL0, flat
D_G     equ 0xA8    ; data RW G=1 raw limit 0 (= fff) base 20000
D_EDG   equ 0xB0    ; data RW expand-down G=1 raw limit ffffe (valid fffff000..ffffffff)
C_XO3   equ 0xB8    ; code execute-only DPL3
S_TSS16 equ 0xC0    ; 16-bit TSS, available
D_ED3   equ 0xC8    ; data RW expand-down DPL3 B=1 base 40000 limit fff
S_INTG  equ 0xD0    ; interrupt gate (in the GDT)
D_RW2   equ 0xD8    ; data RW DPL2
C_CX3   equ 0xE0    ; conforming code execute-only DPL3
S_TSSB  equ 0xE8    ; 32-bit TSS, busy
S_TASKG equ 0xF0    ; task gate
S_RES0  equ 0xF8    ; system type 0 (reserved)
S_RES8  equ 0x100   ; system type 8 (reserved)
D_16    equ 0x108   ; data RW B=0 base 0 limit ffff (a 16-bit stack segment)
LAST_SEL equ 0x110

LDT_BASE equ 0x4000
L_RW3   equ 0x04    ; LDT 0: data RW DPL3 base 20000 limit fff
L_NP    equ 0x0C    ; LDT 1: not present
L_XO    equ 0x14    ; LDT 2: code execute-only
L_RO    equ 0x1C    ; LDT 3: data RO
L_OUT   equ 0x24    ; beyond the LDT limit

V_SAVE  equ TMP0+0x00
V_SEL   equ TMP0+0x04

%define TRYSEG ss
%macro TRY 2+
    PUTS %1, ": "
    mov dword [TRYSEG:RECOVER_EIP], %%f
    %2
    mov dword [TRYSEG:RECOVER_EIP], 0
    PUTS "ok", 10
%%f:
%endmacro

; LDSEG sreg, selector   (prints "mov sreg,xxxx: ...")
%macro LDSEG 2
    mov ax, %2
    %defstr SRN %1
    PUTS "mov ", SRN, ","
    PHEX16 ax
    TRY "", mov %1, ax
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "segments: protected mode", 10
    SETDESC D_RW0, 0x20000, 0xFFF, 0x92, 0x4
    SETDESC D_RO0, 0x20000, 0xFFF, 0x90, 0x4
    SETDESC C_XO0, 0, 0xFFFFF, 0x98, 0xC
    SETDESC C_XR0, 0x20000, 0xFFF, 0x9A, 0x4
    SETDESC D_NP0, 0x20000, 0xFFF, 0x12, 0x4
    SETDESC D_RW3, 0x20000, 0xFFF, 0xF2, 0x4
    SETDESC D_RW1, 0x20000, 0xFFF, 0xB2, 0x4
    SETDESC D_ED32, 0, 0xFFF, 0x96, 0x4
    SETDESC D_ED16, 0x20000, 0xFFF, 0x96, 0x0
    SETDESC S_LDT, LDT_BASE, 0x1F, 0x82, 0x0
    SETDESC S_TSS, 0x4100, 0x67, 0x89, 0x0
    SETGDTGATE G_CALL, pm_main, SEL_CODE32, 0xEC, 0
    SETDESC C_CR0, 0, 0xFFFFF, 0x9E, 0xC
    SETDESC D_G, 0x20000, 0, 0x92, 0xC
    SETDESC D_EDG, 0, 0xFFFFE, 0x96, 0xC
    SETDESC C_XO3, 0, 0xFFFFF, 0xF8, 0xC
    SETDESC S_TSS16, 0x4200, 0x2B, 0x81, 0x0
    SETDESC D_ED3, 0x40000, 0xFFF, 0xF6, 0x4
    SETGDTGATE S_INTG, pm_main, SEL_CODE32, 0x8E, 0
    SETDESC D_RW2, 0x20000, 0xFFF, 0xD2, 0x4
    SETDESC C_CX3, 0, 0xFFFFF, 0xFC, 0xC
    SETDESC S_TSSB, 0x4100, 0x67, 0x8B, 0x0
    SETGDTGATE S_TASKG, 0, S_TSS, 0x85, 0
    SETDESC S_RES0, 0x4300, 0xFF, 0x80, 0x0
    SETDESC S_RES8, 0x4300, 0xFF, 0x88, 0x0
    SETDESC D_16, 0, 0xFFFF, 0x92, 0x0
    ; the LDT
    mov edi, LDT_BASE
    mov ebx, 0x20000
    mov ecx, 0xFFF
    mov edx, 0x4F2
    call lib_make_desc
    add edi, 8
    mov edx, 0x412
    call lib_make_desc
    add edi, 8
    mov ebx, 0
    mov ecx, 0xFFFFF
    mov edx, 0xC98
    call lib_make_desc
    add edi, 8
    mov ebx, 0x20000
    mov ecx, 0xFFF
    mov edx, 0x490
    call lib_make_desc
    ; data
    mov dword [0x20000], 0x11111111
    mov dword [0x20FFC], 0xFFCFFCFF
    mov dword [0x21000], 0x22222222

    PUTS "-- loads at CPL 0", 10
    LDSEG ds, 0
    LDSEG es, 3                 ; null selector with RPL 3
    LDSEG fs, D_RW0
    LDSEG gs, D_RO0
    LDSEG ds, C_XO0             ; execute-only code: #GP
    LDSEG ds, C_XR0             ; readable code: ok
    LDSEG ds, C_CR0
    LDSEG es, D_NP0             ; #NP
    LDSEG es, D_NP0|3           ; #NP (error code without RPL)
    LDSEG fs, D_RW3|3
    LDSEG fs, D_RW1|2           ; RPL 2 > DPL 1: #GP
    LDSEG fs, D_RW1|1
    LDSEG gs, D_RW2|3           ; RPL 3 > DPL 2: #GP
    LDSEG gs, S_LDT             ; system: #GP
    LDSEG gs, S_TSS
    LDSEG gs, G_CALL
    LDSEG ds, 0x1000            ; index beyond the GDT limit (fff): #GP
    LDSEG ds, 0xFFF8
    LDSEG ds, 0x0FFB            ; last descriptor (empty, not a data segment): #GP
    LDSEG ds, L_RW3|3           ; LDTR is null: #GP
    PUTS "-- SS", 10
    LDSEG ss, 0                 ; #GP(0)
    LDSEG ss, 3
    LDSEG ss, D_RO0             ; not writable: #GP
    LDSEG ss, C_XR0
    LDSEG ss, D_RW3|3           ; RPL != CPL: #GP
    LDSEG ss, D_RW3             ; DPL != CPL: #GP
    LDSEG ss, D_RW1|1
    LDSEG ss, D_NP0             ; not present: #SS
    LDSEG ss, 0x2000
    mov ax, D_ED32              ; expand-down stack, ESP (9xxxx) is above the limit
    mov ss, ax
    PUTS "mov ss,ed32: ok", 10
    mov ax, SEL_DATA32
    mov ss, ax

    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    PUTS "-- accessed bit", 10
    and byte [GDT_BASE + D_RW0 + 5], 0xFE
    PUTS "before: "
    PHEX8 [GDT_BASE + D_RW0 + 5]
    mov ax, D_RW0
    mov es, ax
    PUTS " after mov es: "
    PHEX8 [GDT_BASE + D_RW0 + 5]
    PNL

    PUTS "-- LDT", 10
    LDSEG ds, L_RW3|3
    mov ax, S_TSS
    PUTS "lldt tss"
    TRY "", lldt ax
    mov ax, S_LDT
    PUTS "lldt ldt"
    TRY "", lldt ax
    LDSEG ds, L_RW3|3
    LDSEG ds, L_RW3             ; RPL 0, DPL 3: ok
    LDSEG es, L_NP              ; #NP(000c)
    LDSEG es, L_XO              ; #GP(0014)
    LDSEG es, L_RO
    LDSEG ss, L_RO              ; #GP(001c)
    LDSEG fs, L_OUT             ; #GP(0024)
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax

    PUTS "-- POP / LDS / LSS", 10
    mov ax, SEL_DATA32
    mov fs, ax
    push dword D_NP0
    mov [V_SAVE], esp
    TRY "pop fs (not present)", pop fs
    PUTS "esp unchanged: "
    mov eax, esp
    sub eax, [V_SAVE]
    PHEX32 eax
    PNL
    add esp, 4
    push dword D_RO0
    TRY "pop ss (read-only)", pop ss
    add esp, 4
    push dword C_XR0
    TRY "pop ds (readable code)", pop ds
    mov ax, SEL_DATA32
    mov ds, ax
    mov dword [0x20100], 0x12345678
    mov word [0x20104], D_NP0
    mov ax, SEL_DATA32
    mov es, ax
    TRY "les ebx (not present)", les ebx, [0x20100]
    TRY "lss ebx (not present)", lss ebx, [0x20100]
    mov word [0x20104], D_RO0
    TRY "lss ebx (read-only)", lss ebx, [0x20100]
    mov word [0x20104], 0
    TRY "lfs ebx (null)", lfs ebx, [0x20100]
    TRY "lss ebx (null)", lss ebx, [0x20100]
    PUTS "ebx="
    PHEX32 ebx
    PNL
    mov word [0x20104], D_RW0
    TRY "lgs ebx (ok)", lgs ebx, [0x20100]
    PUTS "ebx="
    PHEX32 ebx
    PUTS " gs="
    PHEX16 gs
    PNL

    PUTS "-- null segment", 10
    xor eax, eax
    mov es, ax
    TRY "read es:[0]", mov eax, [es:0]
    TRY "write es:[0]", mov [es:0], eax
    TRY "lea through es (no access)", lea eax, [es:0]

    PUTS "-- limits, expand-up (ds = 20000/fff)", 10
    mov ax, D_RW0
    mov ds, ax
    TRY "read dword [ffc]", mov eax, [0xFFC]
    TRY "read dword [ffd]", mov eax, [0xFFD]
    TRY "read byte  [fff]", mov al, [0xFFF]
    TRY "read byte  [1000]", mov al, [0x1000]
    TRY "read word  [ffe]", mov ax, [0xFFE]
    TRY "read word  [fff]", mov ax, [0xFFF]
    TRY "write dword [ffc]", mov [0xFFC], eax
    TRY "write dword [ffe]", mov [0xFFE], eax
    TRY "read [ffffffff]", mov al, [0xFFFFFFFF]
    mov ax, D_G
    mov ds, ax
    TRY "G=1 read dword [ffc]", mov eax, [0xFFC]
    TRY "G=1 read byte [1000]", mov al, [0x1000]
    mov ax, D_RO0
    mov ds, ax
    TRY "read-only: read", mov eax, [0]
    TRY "read-only: write", mov [0], eax
    TRY "read-only: inc", inc dword [0]
    mov ax, C_XR0
    mov ds, ax
    TRY "code via ds: read", mov eax, [0]
    TRY "code via ds: write", mov [0], eax
    mov ax, SEL_DATA32
    mov ds, ax
    TRY "write via cs", mov [cs:0x20000], eax
    TRY "read via cs (readable)", mov eax, [cs:0x20000]

    PUTS "-- expand-down, B=1, limit fff, base 0", 10
    mov ax, D_ED32
    mov ds, ax
    TRY "read [fff]", mov al, [0xFFF]
    TRY "read dword [ffe]", mov eax, [0xFFE]
    TRY "read [21000]", mov eax, [0x21000]
    TRY "read dword [fffffffc]", mov eax, [0xFFFFFFFC]
    TRY "read dword [fffffffe]", mov eax, [0xFFFFFFFE]
    TRY "read [0]", mov al, [0]
    PUTS "-- expand-down, B=0, limit fff, base 20000", 10
    mov ax, D_ED16
    mov ds, ax
    TRY "read [fff]", mov al, [0xFFF]
    TRY "read [1000]", mov eax, [0x1000]
    TRY "read dword [fffc]", mov eax, [0xFFFC]
    TRY "read dword [fffd]", mov eax, [0xFFFD]
    TRY "read byte [ffff]", mov al, [0xFFFF]
    TRY "read byte [10000]", mov al, [0x10000]
    PUTS "-- expand-down, G=1, raw limit ffffe", 10
    mov ax, D_EDG
    mov ds, ax
    TRY "read [ffffefff]", mov al, [0xFFFFEFFF]
    TRY "read [fffff000]", mov al, [0xFFFFF000]
    TRY "read [0]", mov al, [0]
    mov ax, SEL_DATA32
    mov ds, ax

    PUTS "-- SS limits (ss = expand-down B=1 base 0 limit fff)", 10
    mov ax, D_ED32
    mov ss, ax
%define TRYSEG ds
    TRY "read ss:[ffc]", mov eax, [ss:0xFFC]
    mov ebp, 0x800
    TRY "read [ebp+0] ebp=800", mov eax, [ebp]
    TRY "read ds:[ebp] ebp=800", mov eax, [ds:ebp]
    mov ax, SEL_DATA32
    mov ss, ax
%define TRYSEG ss
    xor ebp, ebp

    PUTS "-- 16-bit stack segment (B=0): push uses SP", 10
    mov [V_SAVE], esp
    mov ax, D_16
    mov ss, ax
    mov esp, 0x12347000
    mov dword [0x6FFC], 0
    push dword 0xCAFEBABE
    mov ebx, esp
    mov esp, 0x56780002
    push word 0x1234            ; SP 0002 -> 0000
    push word 0x5678            ; SP 0000 -> fffe (wraps)
    mov ecx, esp
    mov ax, SEL_DATA32
    mov ss, ax
    mov esp, [V_SAVE]
    PUTS "esp after push = "
    PHEX32 ebx
    PUTS " [6ffc]="
    PHEX32 [0x6FFC]
    PUTS " esp after wrap = "
    PHEX32 ecx
    PUTS " [0]="
    PHEX16 [0]
    PUTS " [fffe]="
    PHEX16 [0xFFFE]
    PNL

    PUTS "-- execute-only code segment", 10
    ; (no PUTS while CS is execute-only: the print routines read their strings via CS)
    PUTS "read via cs (execute-only): "
    RECOVER .xo1
    jmp C_XO0:.xo
.xo:
    mov eax, [cs:0x20000]
    mov dword [ss:RECOVER_EIP], 0
.xo1:
    jmp SEL_CODE32:.xo2
.xo2:
    PUTS "mov ds,[cs:..] (execute-only): "
    RECOVER .xo4
    jmp C_XO0:.xo3
.xo3:
    mov ds, [cs:0x20000]
    mov dword [ss:RECOVER_EIP], 0
.xo4:
    jmp SEL_CODE32:.back
.back:
    mov ax, SEL_DATA32
    mov ds, ax

    PUTS "-- LAR/LSL/VERR/VERW at CPL 0", 10
    xor esi, esi
.l0:
    call access_line
    or esi, 3
    call access_line
    and esi, ~3
    add esi, 8
    cmp esi, LAST_SEL
    jb .l0
    mov esi, L_RW3
    call access_line
    mov esi, L_NP
    call access_line
    mov esi, L_XO
    call access_line
    mov esi, L_RO
    call access_line
    mov esi, L_OUT
    call access_line

    PUTS "-- CPL 3", 10
    TO_RING3 ring3
ring3:
    LDSEG ds, D_RW3|3
    LDSEG ds, D_RW3
    LDSEG es, D_RW0             ; CPL 3 > DPL 0
    LDSEG es, D_RW0|3
    LDSEG es, D_RW2|2
    LDSEG fs, C_CR0|3           ; conforming readable: no privilege check
    LDSEG fs, C_XR0|3           ; nonconforming readable DPL 0: #GP
    LDSEG fs, C_CX3|3           ; conforming execute-only: #GP
    LDSEG gs, L_RW3|3
    LDSEG gs, L_NP|3
    LDSEG ss, D_RW0|3           ; DPL 0 != CPL 3
    LDSEG ss, D_RW3             ; RPL 0 != CPL 3
    LDSEG ss, 3                 ; null
    LDSEG ss, D_NP0|3           ; DPL check before present check: #GP
    mov ax, D_RW3|3
    mov ss, ax
    mov ax, SEL_DATA32_R3
    mov ss, ax
    PUTS "mov ss,006b: ok", 10
    PUTS "-- push into an expand-down stack at CPL 3 (limit fff)", 10
    mov [ss:V_SAVE], esp
    RECOVER .r3
    mov ax, D_ED3|3
    mov ss, ax
    mov esp, 0x1004
    push eax                    ; esp 1004 -> 1000: ok
    push eax                    ; 0ffc <= limit: #SS(0)
    mov dword [ss:RECOVER_EIP], 0
.r3:
    mov ebx, esp
    mov ax, SEL_DATA32_R3
    mov ss, ax
    mov esp, [ss:V_SAVE]
    PUTS "esp after #SS = "
    PHEX32 ebx
    PNL
    mov ax, SEL_DATA32_R3
    mov ds, ax
    PUTS "-- LAR/LSL/VERR/VERW at CPL 3", 10
    xor esi, esi
.l3:
    call access_line
    or esi, 3
    call access_line
    and esi, ~3
    add esi, 8
    cmp esi, LAST_SEL
    jb .l3
    mov esi, L_RW3|3
    call access_line
    mov esi, L_RO|3
    call access_line
    TO_RING0 ring0
ring0:
    DONE

; one line of LAR/LSL/VERR/VERW results for selector esi
access_line:
    PUTS "sel="
    PHEX16 si
    mov eax, 0xEEEEEEEE
    lar eax, si
    setz cl
    PUTS " lar="
    cmp cl, 0
    je .lar_nz
    and eax, 0x00F0FF00
.lar_nz:
    PHEX32 eax
    PUTS " z="
    PHEX8 cl
    mov eax, 0xEEEEEEEE
    lar ax, si
    setz cl
    cmp cl, 0
    je .lar16_nz
    and eax, 0xFFFFFF00
.lar16_nz:
    PUTS " lar16="
    PHEX32 eax
    mov eax, 0xEEEEEEEE
    lsl eax, si
    setz cl
    PUTS " lsl="
    PHEX32 eax
    PUTS " z="
    PHEX8 cl
    mov eax, 0xEEEEEEEE
    lsl ax, si
    PUTS " lsl16="
    PHEX32 eax
    verr si
    setz cl
    PUTS " verr="
    PHEX8 cl
    verw si
    setz cl
    PUTS " verw="
    PHEX8 cl
    PNL
    ret

%include "lib/end.inc"
