; ri_int.asm -- Robin & Irvine: INT n is sensitive but not privileged (the frame it pushes
; holds the CS, whose RPL reveals the CPL, and EFLAGS with the real IF/IOPL).
; virt-diverges: int
;
; Vector 40h: a 32-bit interrupt gate to SEL_CODE32:handler.  Its DPL is 3 so that INT 40h
; passes the gate check at any CPL (at CPL 0 a DPL-0 gate would do as well; DPL 3 keeps the
; instruction from faulting at the monitor's real CPL 1, whatever DPL the monitor gives
; the shadow gate).  CLI and an ADD set EFLAGS to a known state (IF=0, ZF PF).  The handler
; copies the frame (EIP, CS, EFLAGS) to memory, then returns with IRETD.
;   off / bt (= Bochs):  int 40: frame cs=0008 eflags=00000046 eip=<after the INT>
;   trap:                the INT is delivered by the real CPU through the shadow IDT at CPL 1:
;                        frame cs=0009 eflags=00000246 (real IF=1)
%include "lib/lib.inc"
%include "lib/ri.inc"

BUF     equ DATA_BASE
VEC     equ 0x40

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
pm:
    SETGATE VEC, handler, SEL_CODE32, GATE_INT32_U
    cli
    xor eax, eax
    add eax, 0                  ; ZF=1 PF=1, CF=OF=SF=AF=0
    int VEC                     ; <-- the tested instruction
after_int:
    RPUTS "ri_int: int 40: frame cs="
    RHEX16 [BUF+4]
    RPUTS " eflags="
    RHEX32 [BUF+8]
    RPUTS " eip ok="
    cmp dword [BUF], after_int
    sete al
    RHEX8 al
    RNL
    RDONE

handler:
    push eax
    mov eax, [esp+4]
    mov [BUF], eax
    mov eax, [esp+8]
    mov [BUF+4], eax
    mov eax, [esp+12]
    mov [BUF+8], eax
    pop eax
    iretd

%include "lib/end.inc"
