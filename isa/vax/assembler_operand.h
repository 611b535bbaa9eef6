// The operand syntax of the VAX assembler (MACRO-32 general addressing modes, VAX MACRO and
// Instruction Set Reference Manual §8.7): one operand's text parsed into its form, before the
// opcode's operand type decides how it is encoded.
//
//   R5  AP  FP  SP  PC          register
//   (R5)  -(R5)  (R5)+  @(R5)+  register deferred, autodecrement, autoincrement, deferred
//   #expr  S^#expr  I^#expr     literal: the assembler picks S^ or I^ unless told
//   @#expr                      absolute
//   expr(R5)  B^expr(R5)  W^..  L^..   displacement; with @ in front: displacement deferred;
//   @(R5)                       displacement deferred with displacement 0
//   expr  B^expr  W^expr  L^expr       relative (PC-relative to the address expr); with @:
//                               relative deferred; also the form of a branch target
//   any of them followed by [Rx]       index mode
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/vax/assembler_expression.h"

namespace trapeze::vax {

enum class OperandForm : uint8_t {
    register_mode,
    register_deferred,
    autodecrement,
    autoincrement,
    autoincrement_deferred,
    literal,
    absolute,
    displacement,
    relative,
};

struct OperandSyntax {
    OperandForm form = OperandForm::register_mode;
    char prefix = 0;        // 'S' or 'I' for literals; 'B', 'W' or 'L' for displacements and
                            // relative addresses; 0 when the assembler chooses
    bool deferred = false;  // @ in front of a displacement or a relative address
    uint8_t reg = 0;
    bool indexed = false;
    uint8_t index_reg = 0;
    ExpressionPtr expression;                // literal value, address or displacement
    std::optional<long double> float_value;  // a literal written as a floating constant
};

struct ParsedOperand {
    OperandSyntax operand;
    std::string error;  // empty on success
};

ParsedOperand parse_operand(std::string_view text, const LocalLabelScope& scope);

// Splits an operand field at the commas that are not inside <>, [] or ().
std::vector<std::string_view> split_operands(std::string_view text);

}  // namespace trapeze::vax
