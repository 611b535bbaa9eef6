; alu_pm.asm -- ADD/ADC/SUB/SBB/CMP/AND/OR/XOR/TEST (register, memory, immediate forms),
; NEG/NOT/INC/DEC, 8/16/32-bit operands, in 32-bit protected mode (flat, CPL 0;
; 16-bit operands via the 0x66 prefix).  alu_rm.asm runs the same suite in real mode.
;
; One line per case, e.g.
;   add32 7fffffff,00000001 in=0002 -> 80000000 fl=0894
;   sub16 8000,#ffff in=08d7 -> 8001 fl=0000          (# = immediate forms)
; "in" is the EFLAGS value loaded (POPF) before the instruction; "->" the destination after
; it (for CMP/TEST the unchanged destination); "fl" EFLAGS after it, masked to the flags the
; SDM defines for the instruction:
;   ADD ADC SUB SBB CMP NEG INC DEC NOT: OF SF ZF AF PF CF (mask 08d5; INC/DEC keep CF, NOT
;                                        keeps all -- still defined, so printed)
;   AND OR XOR TEST: OF SF ZF PF CF (mask 08c5; AF is undefined)
; Every case is executed in several encodings; the first (reg,reg with the "op r/m, r"
; opcode) is printed, the others must agree with it or a " MISMATCH(x) res/fl" note is
; printed (x: B = reg,mem  C = mem,reg  D = reg,reg with the "op r, r/m" opcode
; E = AH/CH high-byte registers; for unary ops B = mem, C = long register form (FE/FF /0,1),
; E = high byte; for immediates B = 80/81 reg, C = 83 reg, D = 80/81 mem, E = 83 mem,
; F = 82 (8-bit alias of 80)).
%include "lib/lib.inc"
%include "lib/alu.inc"

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "alu: protected mode, 32-bit code", 10
    call alu_all_32
    DONE

    ALU_SUITE 32

%include "lib/end.inc"
