; ri_sidt.asm -- Robin & Irvine: SIDT is sensitive but not privileged.
; virt-diverges: sidt
;
; The guest enters protected mode (RI_ENTER_PM32 loads the IDT, base 00002000 limit 07ff,
; with LIDT after CR0.PE; nothing sensitive runs) and executes SIDT into memory.  Only then
; is anything printed.
;   off / bt (= Bochs):  sidt: limit=07ff base=00002000
;   trap:                SIDT runs unmodified at CPL 1 and stores the REAL IDTR: the
;                        monitor's shadow IDT (base 0xFFC0xxxx, the monitor's limit).
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
    sidt [BUF]                  ; <-- the tested instruction
    RPUTS "ri_sidt: sidt: limit="
    RHEX16 [BUF]
    RPUTS " base="
    RHEX32 [BUF+2]
    RNL
    RDONE

%include "lib/end.inc"
