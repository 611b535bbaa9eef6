; ri_sgdt.asm -- Robin & Irvine: SGDT is sensitive but not privileged.
; virt-diverges: sgdt
;
; The guest loads its GDT (base 00001000, limit 0fff) with LGDT in real mode, enters
; protected mode (RI_ENTER_PM32: nothing sensitive runs after CR0.PE) and executes SGDT into
; memory.  Only then is anything printed.
;   off / bt (= Bochs):  sgdt: limit=0fff base=00001000
;   trap:                SGDT runs unmodified at CPL 1 and stores the REAL GDTR: the
;                        monitor's shadow GDT (base 0xFFC0xxxx, the monitor's limit).
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov dword [BUF], 0xA5A5A5A5
    mov dword [BUF+4], 0xA5A5A5A5
    sgdt [BUF]                  ; <-- the tested instruction
    RPUTS "ri_sgdt: sgdt: limit="
    RHEX16 [BUF]
    RPUTS " base="
    RHEX32 [BUF+2]
    RNL
    RDONE

%include "lib/end.inc"
