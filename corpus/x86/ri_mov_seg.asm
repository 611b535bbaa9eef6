; ri_mov_seg.asm -- Robin & Irvine: MOV from and to segment registers is sensitive but not
; privileged.
; virt-diverges: mov
;
; 1. MOV EAX,CS (the tested instruction), then MOV EAX,SS: the low words are printed (the
;    upper halves are zero on P6, but the SDM calls them implementation-dependent).
;      off / bt (= Bochs):  mov r,cs: 0008  mov r,ss: 0010
;      trap:                the real selectors carry RPL 1: 0009 and 0011
; 2. (after the divergence) MOV DS,AX with 0011, the RPL-1 selector of the DPL-0 data
;    segment SEL_DATA32:
;      off / bt (= Bochs):  at CPL 0, RPL 1 > DPL 0: #GP(0010), DS stays 0010
;      trap:                at REAL CPL 1 the shadow DPL is 1: the load succeeds, DS=0011
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov eax, 0xA5A5A5A5
    mov ecx, 0xA5A5A5A5
    mov eax, cs                 ; <-- the tested instruction
    mov ecx, ss
    mov [BUF], eax
    mov [BUF+4], ecx
    RPUTS "ri_mov_seg: mov r,cs: "
    RHEX16 [BUF]
    RPUTS "  mov r,ss: "
    RHEX16 [BUF+4]
    RNL
    RPUTS "mov ds,0011: "
    RECOVER .after
    mov ax, SEL_DATA32 | 1
    mov ds, ax
    RPUTS "loaded", 10
.after:
    mov eax, ds
    mov ecx, SEL_DATA32
    mov ds, cx
    RPUTS "ds="
    RHEX16 ax
    RNL
    RDONE

%include "lib/end.inc"
