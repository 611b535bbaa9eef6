; ri_verr.asm -- Robin & Irvine: VERR is sensitive but not privileged (its result depends on
; CPL, RPL and the descriptor's DPL).
; virt-diverges: verr
;
; VERR of 0011: the flat ring-0 data segment SEL_DATA32 (DPL 0, writable) with RPL 1.
; Flags are set to ZF=1 beforehand so an untouched ZF would show as 1.
;   off / bt (= Bochs):  at CPL 0, DPL 0 < RPL 1: not accessible: verr 0011: zf=0
;   trap:                at REAL CPL 1 the shadow descriptor has DPL 1 >= max(CPL, RPL):
;                        verr 0011: zf=1
; Control afterwards: VERR of 0010 (RPL 0) gives zf=1 in every mode.
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov ecx, SEL_DATA32 | 1
    cmp ecx, ecx                ; ZF := 1
    verr cx                     ; <-- the tested instruction
    setz bl
    mov [BUF], bl
    mov ecx, SEL_DATA32
    xor eax, eax
    inc eax                     ; ZF := 0
    verr cx
    setz bl
    mov [BUF+4], bl
    RPUTS "ri_verr: verr 0011: zf="
    RHEX8 [BUF]
    RNL
    RPUTS "control: verr 0010: zf="
    RHEX8 [BUF+4]
    RNL
    RDONE

%include "lib/end.inc"
