; ri_push_seg.asm -- Robin & Irvine: PUSH CS / PUSH SS are sensitive but not privileged
; (the pushed selector's RPL reveals the CPL).
; virt-diverges: push
;
; PUSH CS (the tested instruction), then PUSH SS; the low words of the pushed dwords are
; printed (the upper 16 bits of a 32-bit PUSH Sreg slot are model-specific; the slot is
; preset to a5a5a5a5 but only the low word is printed).
;   off / bt (= Bochs):  push cs: 0008  push ss: 0010
;   trap:                the real CS and SS selectors carry RPL 1 while the guest's ring 0
;                        runs at CPL 1: push cs: 0009  push ss: 0011
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov dword [esp-4], 0xA5A5A5A5
    mov dword [esp-8], 0xA5A5A5A5
    push cs                     ; <-- the tested instruction
    push ss
    pop eax
    mov [BUF+4], eax
    pop eax
    mov [BUF], eax
    RPUTS "ri_push_seg: push cs: "
    RHEX16 [BUF]
    RPUTS "  push ss: "
    RHEX16 [BUF+4]
    RNL
    RDONE

%include "lib/end.inc"
