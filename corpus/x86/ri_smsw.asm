; ri_smsw.asm -- Robin & Irvine: SMSW is sensitive but not privileged.
; virt-diverges: smsw
;
; The guest clears CR0.NE (MOV CR0: privileged, emulated exactly; NE is 0 after reset
; anyway), then executes SMSW into memory (the memory form stores CR0[15:0]).
;   off / bt (= Bochs):  smsw: 0011 (PE and ET; ET is hard-wired to 1 on P6) and the low
;                        word of MOV EAX,CR0 is the same 0011.
;   trap:                SMSW runs unmodified at CPL 1 and stores the REAL CR0's low word,
;                        where the monitor forces NE (bit 5): 0031 (or more bits if the
;                        monitor sets others, e.g. TS or MP).  MOV EAX,CR0 (privileged)
;                        still shows the virtual CR0: low word 0011.
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov eax, cr0
    and eax, ~0x20              ; NE := 0
    mov cr0, eax
    mov dword [BUF], 0xA5A5A5A5
    smsw [BUF]                  ; <-- the tested instruction
    mov eax, cr0
    mov [BUF+4], eax
    RPUTS "ri_smsw: smsw: "
    RHEX16 [BUF]
    RPUTS " (the next word is untouched: "
    RHEX16 [BUF+2]
    RPUTS "), mov eax,cr0: low word "
    RHEX16 [BUF+4]
    RNL
    RDONE

%include "lib/end.inc"
