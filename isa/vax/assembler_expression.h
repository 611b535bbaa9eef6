// Expressions of the VAX assembler: parsing MACRO-32-style expression text into a tree and
// evaluating it against the symbol table of an assembly pass.
//
//   numbers      123 (decimal), 0x7F, ^X7F (hex), ^O17 (octal), ^B101 (binary), ^D99
//   symbols      LABEL, NAME$1, .  (the address of the current statement), 10$ (local label)
//   operators    unary + - ^C (complement); binary * / @ (shift left, right if negative),
//                + -, & (and), ! and | (or), \ (xor); the usual precedence, in that order
//   grouping     <expr>  (parentheses are reserved for registers, as in MACRO-32)
//   masks        ^M<R2,R3,AP>  the register mask of PUSHR/POPR/.ENTRY
// Values are 128-bit two's complement integers, so octaword constants fit.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace trapeze::vax {

__extension__ using AsmValue = __int128;

struct Expression;
using ExpressionPtr = std::shared_ptr<const Expression>;

// Turns a local label name ("10$") into the name it has in the current local-label block.
using LocalLabelScope = std::function<std::string(std::string_view local_name)>;

struct ParsedExpression {
    ExpressionPtr expression;  // null on error
    std::string error;
};

// Parses the whole of `text` as one expression. Symbol names are kept in upper case.
ParsedExpression parse_expression(std::string_view text, const LocalLabelScope& scope);

struct EvaluationContext {
    const std::map<std::string, AsmValue>* symbols = nullptr;
    AsmValue location = 0;  // the value of "."
};

struct Evaluation {
    bool known = false;         // false: a symbol is not (yet) defined, or an error
    AsmValue value = 0;
    std::string undefined;      // the first undefined symbol, if any
    std::string error;          // e.g. division by zero
};

Evaluation evaluate(const Expression& expression, const EvaluationContext& context);

// A floating constant: digits with a decimal point and/or an exponent, optionally signed
// ("1.5", "-0.25", "2E3", "1.0E-2"); nullopt for anything else.
std::optional<long double> parse_float_constant(std::string_view text);

// R0-R15, AP, FP, SP, PC in any letter case.
std::optional<uint8_t> parse_register(std::string_view text);

std::string upper_case(std::string_view text);
std::string_view trim(std::string_view text);

}  // namespace trapeze::vax
