; ri_str.asm -- Robin & Irvine: STR is sensitive but not privileged.
; virt-diverges: str
;
; RI_ENTER_PM32 loads the task register with LTR SEL_TSS (0038; privileged: emulated
; exactly).  The guest then executes STR into memory (the memory form stores 16 bits).
;   off / bt (= Bochs):  str: 0038
;   trap:                STR runs unmodified at CPL 1 and stores the REAL TR selector, the
;                        monitor's own (fff8).
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov dword [BUF], 0xA5A5A5A5
    str [BUF]                   ; <-- the tested instruction
    RPUTS "ri_str: str: "
    RHEX16 [BUF]
    RPUTS " (the next word is untouched: "
    RHEX16 [BUF+2]
    RPUTS ")", 10
    RDONE

%include "lib/end.inc"
