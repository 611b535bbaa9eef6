// The assembler's view of a source line once parsed: its labels and one statement. Parsing
// (assembler_source.cpp) happens once; the layout passes (assembler.cpp) then only evaluate
// and encode these.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/vax/assembler.h"
#include "isa/vax/assembler_operand.h"
#include "isa/vax/opcode_table.h"

namespace trapeze::vax {

enum class StatementKind {
    none,         // labels only, a comment, or an ignored directive
    instruction,
    data,         // .BYTE .WORD .LONG .ADDRESS .QUAD .OCTA (and the mask word of .ENTRY)
    text,         // .ASCII .ASCIZ .ASCIC
    floating,     // .F_FLOATING .D_FLOATING .G_FLOATING .H_FLOATING
    align,        // .ALIGN .EVEN: values[0] = power of two, values[1] = fill (optional)
    origin,       // .ORG: values[0] = the new location
    block,        // .BLKx: values[0] = count of units
    assignment,   // symbol = values[0]
};

struct Statement {
    int line = 0;
    std::vector<std::string> labels;  // names as defined (upper case, local labels scoped)
    StatementKind kind = StatementKind::none;
    const OpcodeInfo* opcode = nullptr;
    std::vector<OperandSyntax> operands;
    // Per operand, the encoding the layout passes have grown it to: for literals 0 (short
    // literal) or 1 (immediate); for displacements and relative addresses 0 (not yet chosen)
    // or the displacement's bytes, 1, 2 or 4.
    std::vector<uint8_t> widths;
    std::vector<ExpressionPtr> values;                      // directive arguments
    std::vector<std::optional<long double>> float_values;  // .x_FLOATING constants
    std::vector<uint8_t> text;                              // .ASCII bytes
    int unit = 1;                                           // bytes per data value or unit
    DataType float_type = DataType::f_float;
    std::string symbol;                                     // assignment target
    std::optional<AsmValue> assigned;  // the value the assignment had in the last pass
};

// Parses the source into statements; syntax errors go to `errors`. Parsing stops at .END.
std::vector<Statement> parse_source(std::string_view source,
                                    std::vector<AssemblerDiagnostic>& errors);

}  // namespace trapeze::vax
