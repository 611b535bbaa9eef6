; ri_ret_far.asm -- Robin & Irvine: far RET is sensitive but not privileged (the selector's
; RPL against CPL decides between a same-level and an outer-level return).
; virt-diverges: retf
; (Zydis, and so trapeze -d exec, formats this instruction as "ret far".)
;
; The guest pushes 0009 (the RPL-1 selector of the ring-0 nonconforming code segment
; SEL_CODE32) and an offset, and executes RETF.
;   off / bt (= Bochs):  at CPL 0, RPL 1 > CPL means a return to an outer level, which needs
;                        DPL = RPL: DPL 0 != 1: #GP(0008) (printed by the library stub),
;                        then "not returned".
;   trap:                at REAL CPL 1, RPL 1 = CPL: a same-level return; the shadow DPL 1 =
;                        CPL: it succeeds: "returned".
%include "lib/lib.inc"
%include "lib/ri.inc"

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    RECOVER not_returned
    push dword SEL_CODE32 | 1
    push dword target
    retf                        ; <-- the tested instruction
not_returned:
    mov esp, PM_STACK
    RPUTS "ri_ret_far: retf to 0009: not returned", 10
    RDONE
target:
    RPUTS "ri_ret_far: retf to 0009: returned", 10
    RDONE

%include "lib/end.inc"
