#include "isa/vax/assembler_operand.h"

#include <cctype>

namespace trapeze::vax {

namespace {

// "(Rn)" -> n
std::optional<uint8_t> parenthesized_register(std::string_view text) {
    text = trim(text);
    if (text.size() < 3 || text.front() != '(' || text.back() != ')') return std::nullopt;
    return parse_register(text.substr(1, text.size() - 2));
}

bool starts_with_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    return upper_case(text.substr(0, prefix.size())) == prefix;
}

ParsedOperand fail(std::string message) { return {{}, std::move(message)}; }

bool parse_value(std::string_view text, const LocalLabelScope& scope, OperandSyntax& operand,
                 std::string& error) {
    if (trim(text).empty()) {
        error = "missing expression";
        return false;
    }
    ParsedExpression parsed = parse_expression(text, scope);
    if (!parsed.expression) {
        error = parsed.error;
        return false;
    }
    operand.expression = parsed.expression;
    return true;
}

// [B^|W^|L^]expr(Rn) or [B^|W^|L^]expr, after any @.
ParsedOperand parse_displacement_or_relative(std::string_view text, bool deferred,
                                             const LocalLabelScope& scope) {
    OperandSyntax operand;
    operand.deferred = deferred;
    if (text.size() >= 2 && text[1] == '^') {
        char size = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
        if (size != 'B' && size != 'W' && size != 'L') {
            return fail("unknown prefix '" + std::string(text.substr(0, 2)) + "'");
        }
        operand.prefix = size;
        text = trim(text.substr(2));
    }
    std::string error;
    if (!text.empty() && text.back() == ')') {
        size_t open = text.rfind('(');
        auto reg = open == std::string_view::npos ? std::nullopt
                                                  : parenthesized_register(text.substr(open));
        if (!reg) return fail("'" + std::string(text) + "' is not a register in parentheses");
        operand.form = OperandForm::displacement;
        operand.reg = *reg;
        std::string_view displacement = trim(text.substr(0, open));
        if (displacement.empty()) displacement = "0";
        if (!parse_value(displacement, scope, operand, error)) return fail(error);
        return {operand, {}};
    }
    operand.form = OperandForm::relative;
    if (!parse_value(text, scope, operand, error)) return fail(error);
    return {operand, {}};
}

ParsedOperand parse_literal(std::string_view text, char prefix, const LocalLabelScope& scope) {
    OperandSyntax operand;
    operand.form = OperandForm::literal;
    operand.prefix = prefix;
    if (auto value = parse_float_constant(text)) {
        operand.float_value = *value;
        return {operand, {}};
    }
    std::string error;
    if (!parse_value(text, scope, operand, error)) return fail(error);
    return {operand, {}};
}

ParsedOperand parse_unindexed(std::string_view text, const LocalLabelScope& scope) {
    OperandSyntax operand;
    if (auto reg = parse_register(text)) {
        operand.form = OperandForm::register_mode;
        operand.reg = *reg;
        return {operand, {}};
    }
    if (text.front() == '@') {
        std::string_view rest = trim(text.substr(1));
        if (rest.empty()) return fail("missing operand after '@'");
        if (rest.front() == '#') {
            operand.form = OperandForm::absolute;
            std::string error;
            if (!parse_value(rest.substr(1), scope, operand, error)) return fail(error);
            return {operand, {}};
        }
        if (rest.back() == '+') {
            if (auto reg = parenthesized_register(rest.substr(0, rest.size() - 1))) {
                operand.form = OperandForm::autoincrement_deferred;
                operand.reg = *reg;
                return {operand, {}};
            }
        }
        return parse_displacement_or_relative(rest, true, scope);
    }
    if (text.front() == '-' && text.size() > 1 && trim(text.substr(1)).front() == '(') {
        if (auto reg = parenthesized_register(text.substr(1))) {
            operand.form = OperandForm::autodecrement;
            operand.reg = *reg;
            return {operand, {}};
        }
    }
    if (text.front() == '(') {
        if (text.back() == '+') {
            if (auto reg = parenthesized_register(text.substr(0, text.size() - 1))) {
                operand.form = OperandForm::autoincrement;
                operand.reg = *reg;
                return {operand, {}};
            }
        }
        if (auto reg = parenthesized_register(text)) {
            operand.form = OperandForm::register_deferred;
            operand.reg = *reg;
            return {operand, {}};
        }
    }
    if (text.front() == '#') return parse_literal(text.substr(1), 0, scope);
    if (starts_with_prefix(text, "S^#")) return parse_literal(text.substr(3), 'S', scope);
    if (starts_with_prefix(text, "I^#")) return parse_literal(text.substr(3), 'I', scope);
    return parse_displacement_or_relative(text, false, scope);
}

}  // namespace

ParsedOperand parse_operand(std::string_view text, const LocalLabelScope& scope) {
    text = trim(text);
    if (text.empty()) return fail("missing operand");
    bool indexed = false;
    uint8_t index_reg = 0;
    if (text.back() == ']') {
        size_t open = text.rfind('[');
        auto reg = open == std::string_view::npos
                       ? std::nullopt
                       : parse_register(text.substr(open + 1, text.size() - open - 2));
        if (!reg) return fail("'" + std::string(text) + "': index must be a register in []");
        indexed = true;
        index_reg = *reg;
        text = trim(text.substr(0, open));
        if (text.empty()) return fail("missing base operand before [Rx]");
    }
    ParsedOperand parsed = parse_unindexed(text, scope);
    parsed.operand.indexed = indexed;
    parsed.operand.index_reg = index_reg;
    return parsed;
}

std::vector<std::string_view> split_operands(std::string_view text) {
    std::vector<std::string_view> operands;
    text = trim(text);
    if (text.empty()) return operands;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '<' || c == '[' || c == '(') ++depth;
        if (c == '>' || c == ']' || c == ')') --depth;
        if (c == ',' && depth == 0) {
            operands.push_back(trim(text.substr(start, i - start)));
            start = i + 1;
        }
    }
    operands.push_back(trim(text.substr(start)));
    return operands;
}

}  // namespace trapeze::vax
