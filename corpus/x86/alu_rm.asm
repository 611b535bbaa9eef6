; alu_rm.asm -- the suite of alu_pm.asm (see there for the line format and flag masks) in
; real mode: 16-bit code, 32-bit operands via the 0x66 prefix, memory operands with DS=0.
; Uses the five edge values 0, 1, 7f.., 80.., ff.. only.
%include "lib/lib.inc"
%include "lib/alu.inc"

bits 16
main:
    PUTS "alu: real mode", 10
    call alu_all_16
    DONE

    ALU_SUITE 16

%include "lib/end.inc"
