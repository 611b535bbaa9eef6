// The VAX assembler: MACRO-32-style source text to a flat binary at an origin, driven by the
// same instruction table as the decoder (opcodes.inc). The corpus VAX guests and the
// classifier's test programs are written with it. docs/vax-decoder.md describes the syntax.
//
// A line is   [label:]... [statement] [; comment]
// statements: an instruction (MNEMONIC operand,...), an assignment (NAME = expr), or a
// directive: .BYTE .WORD .LONG .ADDRESS .QUAD .OCTA, .ASCII .ASCIZ .ASCIC, .F_FLOATING (.FLOAT)
// .D_FLOATING (.DOUBLE) .G_FLOATING .H_FLOATING, .ALIGN, .EVEN, .ORG, .BLKB .BLKW .BLKL .BLKQ
// .BLKO, .ENTRY, .END; .TITLE .IDENT .SBTTL are accepted and ignored.
//
// Layout is found by repeated passes: the forms the assembler chooses (short literal or
// immediate, byte/word/long displacement) only ever grow from one pass to the next, so the
// passes converge; then a last pass emits the bytes and reports errors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/vax/assembler_expression.h"

namespace trapeze::vax {

struct AssemblerDiagnostic {
    int line = 0;  // 1-based source line
    std::string message;
};

// Where one source line's bytes went.
struct ListingEntry {
    int line = 0;
    uint32_t address = 0;
    uint32_t size = 0;
};

struct AssembledProgram {
    uint32_t origin = 0;
    std::vector<uint8_t> image;  // the bytes from origin to the highest address assembled
    std::map<std::string, AsmValue> symbols;  // labels and assignments, upper case; local
                                              // labels as "10$@block"
    std::vector<ListingEntry> listing;
    std::vector<AssemblerDiagnostic> errors;

    bool ok() const { return errors.empty(); }
    std::optional<int64_t> symbol(std::string_view name) const;
    // "line N: message" for every error, one per line.
    std::string error_text() const;
};

AssembledProgram assemble(std::string_view source, uint32_t origin);

}  // namespace trapeze::vax
