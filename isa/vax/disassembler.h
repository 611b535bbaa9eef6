// Decoded VAX instructions as text in DEC MACRO-32 syntax, for traces and listings:
//   ADDL3 S^#1,R0,(R1)+     MOVL @#0x20000000,R2     BRB 0x1234
//   MOVL I^#0x20140000,B^4(R3)[R4]     CASEB R0,S^#0,S^#2
// The assembler (assembler.h) reads this text back into the same bytes.
//
// Numbers: addresses (absolute, relative and branch targets) in hex, 0x...; literals,
// immediates and displacements in decimal below 10, else in hex; displacements signed.
// A short literal of a floating operand prints as its value (S^#1.5); an immediate of a
// floating operand prints its raw bits as a little-endian integer (I^#0x4080).
#pragma once

#include <string>

#include "isa/vax/decoder.h"

namespace trapeze::vax {

struct DisassemblyStyle {
    // true:  every literal says how it is encoded: S^#5, I^#0x20140000.
    // false: the MACRO-32 default, #5 and #0x20140000; I^ only where the assembler would
    //        otherwise choose a short literal (I^#5) and for floating immediates.
    bool explicit_literals = true;
};

// The instruction's text. A reserved opcode prints as .BYTE; a failed fetch as a comment; an
// addressing-mode issue (decoder.h) is appended as a "; ..." comment.
std::string disassemble(const DecodedInsn& insn, const DisassemblyStyle& style = {});

// One operand's text.
std::string format_operand(const OperandSpec& spec, const DisassemblyStyle& style = {});

}  // namespace trapeze::vax
