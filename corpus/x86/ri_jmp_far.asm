; ri_jmp_far.asm -- Robin & Irvine: far JMP is sensitive but not privileged (its checks
; depend on CPL).
; virt-diverges: jmp
;
; JMP FAR 0009:target: the RPL-1 selector of the ring-0 nonconforming code segment
; SEL_CODE32.
;   off / bt (= Bochs):  at CPL 0 a nonconforming target needs RPL <= CPL: RPL 1 > 0:
;                        #GP(0008) (printed by the library stub), then "not jumped".
;   trap:                at REAL CPL 1, RPL 1 <= CPL and the shadow DPL 1 = CPL: the jump
;                        succeeds: "jumped".
%include "lib/lib.inc"
%include "lib/ri.inc"

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    RECOVER not_jumped
    jmp (SEL_CODE32 | 1):target ; <-- the tested instruction
not_jumped:
    RPUTS "ri_jmp_far: jmp far 0009: not jumped", 10
    RDONE
target:
    RPUTS "ri_jmp_far: jmp far 0009: jumped", 10
    RDONE

%include "lib/end.inc"
