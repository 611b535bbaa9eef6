; ri_lar.asm -- Robin & Irvine: LAR is sensitive but not privileged (it reads descriptor
; access rights, including the DPL, and its result depends on CPL).
; virt-diverges: lar
;
; LAR of SEL_DATA32 (0010: flat ring-0 data, DPL 0, accessed bit preset by RI_ENTER_PM32)
; at CPL 0.  EAX is preset to 12345678 so an unchanged destination would show.
;   off / bt (= Bochs):  lar 0010: eax=00cf9300 zf=1   (DPL 0)
;   trap:                LAR reads the SHADOW descriptor, whose DPL the monitor raised to 1:
;                        eax=00cfb300 zf=1.
; Afterwards (not part of the divergence) LAR of the ring-3 data selector 0033 is printed
; as a control: 00cff300 zf=1 in every mode.
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov ecx, SEL_DATA32
    mov eax, 0x12345678
    lar eax, ecx                ; <-- the tested instruction
    setz bl
    mov [BUF], eax
    mov [BUF+4], bl
    mov ecx, SEL_DATA32_R3
    mov eax, 0x12345678
    lar eax, ecx
    setz bl
    mov [BUF+8], eax
    mov [BUF+12], bl
    RPUTS "ri_lar: lar 0010: eax="
    RHEX32 [BUF]
    RPUTS " zf="
    RHEX8 [BUF+4]
    RNL
    RPUTS "control: lar 0033: eax="
    RHEX32 [BUF+8]
    RPUTS " zf="
    RHEX8 [BUF+12]
    RNL
    RDONE

%include "lib/end.inc"
