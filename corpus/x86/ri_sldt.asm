; ri_sldt.asm -- Robin & Irvine: SLDT is sensitive but not privileged.
; virt-diverges: sldt
;
; After RI_ENTER_PM32 the guest puts an LDT descriptor in its GDT (selector 0040, plain
; memory writes), loads it with LLDT (privileged: emulated exactly) and executes SLDT into
; memory (the memory form always stores 16 bits).  Only then is anything printed.
;   off / bt (= Bochs):  sldt: 0040
;   trap:                SLDT runs unmodified at CPL 1 and stores the REAL LDTR selector,
;                        the monitor's own (fff0).
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE
SEL_LDT equ SEL_FREE            ; 0x40
LDT_AT  equ FREE_LOW            ; 0x4000

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    ; an LDT with one flat ring-0 data descriptor (accessed bit preset)
    mov dword [LDT_AT], 0
    mov dword [LDT_AT+4], 0
    mov dword [LDT_AT+8], 0x0000FFFF
    mov dword [LDT_AT+12], 0x00CF9300
    SETDESC SEL_LDT, LDT_AT, 0x0F, 0x82, 0x0
    mov ax, SEL_LDT
    lldt ax
    mov dword [BUF], 0xA5A5A5A5
    sldt [BUF]                  ; <-- the tested instruction
    RPUTS "ri_sldt: sldt: "
    RHEX16 [BUF]
    RPUTS " (the next word is untouched: "
    RHEX16 [BUF+2]
    RPUTS ")", 10
    RDONE

%include "lib/end.inc"
