; ri_call_far.asm -- Robin & Irvine: far CALL is sensitive but not privileged (it pushes the
; caller's CS, whose RPL reveals the CPL, and its checks depend on CPL).
; virt-diverges: call
;
; CALL FAR SEL_CODE32:target at CPL 0.  The target pops the return EIP and CS (no RETF) and
; prints the low word of the pushed CS and the return EIP.
;   off / bt (= Bochs):  call far: pushed cs=0008 eip=<the return address>
;   trap:                the call runs unmodified; the real CS has RPL 1: pushed cs=0009
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    mov dword [esp-4], 0xA5A5A5A5
    call SEL_CODE32:target      ; <-- the tested instruction
ret_here:
    RPUTS "UNEXPECTED return", 10
    RDONE
target:
    pop eax
    pop ecx
    mov [BUF], eax
    mov [BUF+4], ecx
    RPUTS "ri_call_far: pushed cs="
    RHEX16 [BUF+4]
    RPUTS " eip="
    RHEX32 [BUF]
    RPUTS " (return address ok="
    cmp dword [BUF], ret_here
    sete al
    RHEX8 al
    RPUTS ")", 10
    RDONE

%include "lib/end.inc"
