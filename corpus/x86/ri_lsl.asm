; ri_lsl.asm -- Robin & Irvine: LSL is sensitive but not privileged (its result depends on
; CPL, RPL and the descriptor's DPL).
; virt-diverges: lsl
;
; LSL of 0011: the flat ring-0 data segment SEL_DATA32 (DPL 0) with RPL 1.  EAX is preset
; to 12345678.
;   off / bt (= Bochs):  at CPL 0, DPL 0 < RPL 1 makes the descriptor inaccessible:
;                        lsl 0011: eax=12345678 zf=0   (destination unchanged)
;   trap:                at REAL CPL 1 the shadow descriptor has DPL 1 >= max(CPL, RPL):
;                        lsl 0011: eax=ffffffff zf=1
; Control afterwards: LSL of 0010 (RPL 0) gives ffffffff zf=1 in every mode.
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov ecx, SEL_DATA32 | 1
    mov eax, 0x12345678
    lsl eax, ecx                ; <-- the tested instruction
    setz bl
    mov [BUF], eax
    mov [BUF+4], bl
    mov ecx, SEL_DATA32
    mov eax, 0x12345678
    lsl eax, ecx
    setz bl
    mov [BUF+8], eax
    mov [BUF+12], bl
    RPUTS "ri_lsl: lsl 0011: eax="
    RHEX32 [BUF]
    RPUTS " zf="
    RHEX8 [BUF+4]
    RNL
    RPUTS "control: lsl 0010: eax="
    RHEX32 [BUF+8]
    RPUTS " zf="
    RHEX8 [BUF+12]
    RNL
    RDONE

%include "lib/end.inc"
