; ri_popf.asm -- Robin & Irvine: POPF/POPFD is sensitive but not privileged.
; virt-diverges: popfd
;
; At CPL 0 the guest executes POPFD of 00003087 (IOPL=3, IF=0, SF PF CF, bit 1), then reads
; EFLAGS back with PUSHFD (after the tested instruction, so allowed).
;   off / bt (= Bochs):  popfd 00003087 -> pushfd: 00003087 (IOPL=3 IF=0)
;   trap:                POPFD runs unmodified at REAL CPL 1 with real IOPL 0: the IOPL
;                        change is ignored silently (no trap; IOPL changes only at CPL 0)
;                        and IF is not writable either (CPL > IOPL), so the virtual IOPL
;                        stays 0 -- that is the divergence.  The PUSHFD then shows the real
;                        EFLAGS: 00000287 (IOPL=0, IF=1).
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    push dword 0x00003087
    popfd                       ; <-- the tested instruction
    pushfd
    pop eax
    mov [BUF], eax
    RPUTS "ri_popf: popfd 00003087 -> pushfd: "
    RHEX32 [BUF]
    RPUTS " IF="
    mov eax, [BUF]
    shr eax, 9
    and eax, 1
    RHEX8 al
    RPUTS " IOPL="
    mov eax, [BUF]
    shr eax, 12
    and eax, 3
    RHEX8 al
    RNL
    RDONE

%include "lib/end.inc"
