; ri_pop_seg.asm -- Robin & Irvine: POP to a segment register is sensitive but not
; privileged (the load is checked against CPL).
; virt-diverges: pop
;
; POP DS of 0011, the RPL-1 selector of the DPL-0 data segment SEL_DATA32 (0010).
;   off / bt (= Bochs):  at CPL 0, RPL 1 > DPL 0: #GP(0010) (printed by the library stub,
;                        with the faulting CS:EIP); DS stays 0010.
;   trap:                at REAL CPL 1 the shadow DPL is 1 >= max(CPL, RPL): the load
;                        succeeds without a fault: "loaded", DS=0011.
%include "lib/lib.inc"
%include "lib/ri.inc"

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    RECOVER .after
    push dword SEL_DATA32 | 1
    pop ds                      ; <-- the tested instruction
    RPUTS "ri_pop_seg: pop ds 0011: loaded", 10
.after:
    mov eax, ds
    mov ecx, SEL_DATA32
    mov ds, cx
    mov esp, PM_STACK           ; the fault left the pushed dword on the stack
    RPUTS "ri_pop_seg: ds="
    RHEX16 ax
    RNL
    RDONE

%include "lib/end.inc"
