; ri_pushf.asm -- Robin & Irvine: PUSHF/PUSHFD is sensitive but not privileged.
; virt-diverges: pushfd
;
; The guest executes CLI (virtual IF := 0; at CPL 0 with IOPL 0 CLI is allowed; under a
; monitor it traps and is emulated), sets the arithmetic flags to a known state
; (ADD: ZF PF set, the others clear) and executes PUSHFD.  The pushed dword is printed.
;   off / bt (= Bochs):  pushfd: 00000046 (IF=0 IOPL=0, ZF PF and the reserved bit 1)
;   trap:                PUSHFD runs unmodified and pushes the REAL EFLAGS, where IF is
;                        always 1: 00000246.
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    cli
    xor eax, eax
    add eax, 0                  ; ZF=1 PF=1, CF=OF=SF=AF=0
    pushfd                      ; <-- the tested instruction
    pop eax
    mov [BUF], eax
    RPUTS "ri_pushf: pushfd: "
    RHEX32 [BUF]
    RPUTS " IF="
    mov eax, [BUF]
    shr eax, 9
    and eax, 1
    RHEX8 al
    RPUTS " IOPL="
    mov eax, [BUF]
    shr eax, 12
    and eax, 3
    RHEX8 al
    RNL
    RDONE

%include "lib/end.inc"
