#include "isa/vax/assembler_expression.h"

#include <cctype>
#include <cstdlib>
#include <vector>

#include "isa/vax/operand_specifier.h"

namespace trapeze::vax {

__extension__ using UnsignedValue = unsigned __int128;

struct Expression {
    enum class Kind { number, symbol, location, negate, complement, binary } kind;
    AsmValue number = 0;
    std::string symbol;
    char op = 0;  // binary operator
    ExpressionPtr left, right;
};

namespace {

bool is_symbol_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
}

bool is_symbol_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
}

ExpressionPtr make_number(AsmValue value) {
    auto node = std::make_shared<Expression>();
    node->kind = Expression::Kind::number;
    node->number = value;
    return node;
}

class ExpressionParser {
public:
    ExpressionParser(std::string_view text, const LocalLabelScope& scope)
        : text_(text), scope_(scope) {}

    ParsedExpression parse_all() {
        ExpressionPtr result = parse_binary(0);
        skip_space();
        if (error_.empty() && pos_ != text_.size()) {
            fail("unexpected '" + std::string(text_.substr(pos_)) + "' in expression");
        }
        if (!error_.empty()) return {nullptr, error_};
        return {result, {}};
    }

private:
    // Binary operators by precedence level, lowest first.
    static int precedence(char op) {
        switch (op) {
        case '!': case '|': case '\\': return 1;
        case '&': return 2;
        case '+': case '-': return 3;
        case '*': case '/': case '@': return 4;
        default: return 0;
        }
    }

    ExpressionPtr parse_binary(int min_level) {
        ExpressionPtr left = parse_unary();
        for (;;) {
            if (!error_.empty()) return nullptr;
            skip_space();
            if (pos_ >= text_.size()) return left;
            char op = text_[pos_];
            int level = precedence(op);
            if (level == 0 || level <= min_level) return left;
            ++pos_;
            ExpressionPtr right = parse_binary(level);
            auto node = std::make_shared<Expression>();
            node->kind = Expression::Kind::binary;
            node->op = op;
            node->left = left;
            node->right = right;
            left = node;
        }
    }

    ExpressionPtr parse_unary() {
        skip_space();
        if (pos_ >= text_.size()) {
            fail("missing operand in expression");
            return nullptr;
        }
        char c = text_[pos_];
        if (c == '+') {
            ++pos_;
            return parse_unary();
        }
        if (c == '-' || (c == '^' && upper_at(pos_ + 1) == 'C')) {
            pos_ += c == '-' ? 1 : 2;
            auto node = std::make_shared<Expression>();
            node->kind = c == '-' ? Expression::Kind::negate : Expression::Kind::complement;
            node->left = parse_unary();
            return node;
        }
        return parse_primary();
    }

    ExpressionPtr parse_primary() {
        char c = text_[pos_];
        if (c == '<') {
            ++pos_;
            ExpressionPtr inner = parse_binary(0);
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != '>') {
                fail("missing '>' in expression");
                return nullptr;
            }
            ++pos_;
            return inner;
        }
        if (c == '^') return parse_circumflex();
        if (c == '0' && (upper_at(pos_ + 1) == 'X')) {
            pos_ += 2;
            return parse_digits(16);
        }
        if (std::isdigit(static_cast<unsigned char>(c))) {
            // A local label "10$" or a decimal number.
            size_t end = pos_;
            while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) {
                ++end;
            }
            if (end < text_.size() && text_[end] == '$') {
                auto node = std::make_shared<Expression>();
                node->kind = Expression::Kind::symbol;
                node->symbol = scope_(text_.substr(pos_, end + 1 - pos_));
                pos_ = end + 1;
                return node;
            }
            return parse_digits(10);
        }
        if (is_symbol_start(c)) {
            size_t end = pos_ + 1;
            while (end < text_.size() && is_symbol_char(text_[end])) ++end;
            std::string name = upper_case(text_.substr(pos_, end - pos_));
            pos_ = end;
            auto node = std::make_shared<Expression>();
            if (name == ".") {
                node->kind = Expression::Kind::location;
            } else {
                node->kind = Expression::Kind::symbol;
                node->symbol = name;
            }
            return node;
        }
        fail(std::string("unexpected '") + c + "' in expression");
        return nullptr;
    }

    // ^X ^O ^B ^D radix prefixes and ^M<register list>.
    ExpressionPtr parse_circumflex() {
        char kind = upper_at(pos_ + 1);
        pos_ += 2;
        switch (kind) {
        case 'X': return parse_digits(16);
        case 'O': return parse_digits(8);
        case 'B': return parse_digits(2);
        case 'D': return parse_digits(10);
        case 'M': return parse_register_mask();
        default:
            fail("unknown ^ operator in expression");
            return nullptr;
        }
    }

    ExpressionPtr parse_register_mask() {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != '<') {
            fail("^M needs a register list in <>");
            return nullptr;
        }
        size_t close = text_.find('>', pos_);
        if (close == std::string_view::npos) {
            fail("missing '>' after ^M<");
            return nullptr;
        }
        AsmValue mask = 0;
        std::string_view list = text_.substr(pos_ + 1, close - pos_ - 1);
        while (!list.empty()) {
            size_t comma = list.find(',');
            std::string_view item = trim(list.substr(0, comma));
            auto reg = parse_register(item);
            if (!reg) {
                fail("'" + std::string(item) + "' is not a register in ^M<>");
                return nullptr;
            }
            mask |= AsmValue{1} << *reg;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
        pos_ = close + 1;
        return make_number(mask);
    }

    ExpressionPtr parse_digits(int radix) {
        UnsignedValue value = 0;
        size_t start = pos_;
        while (pos_ < text_.size()) {
            char c = static_cast<char>(std::toupper(static_cast<unsigned char>(text_[pos_])));
            int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                        : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                                    : 99;
            if (digit >= radix) break;
            UnsignedValue next =
                value * static_cast<unsigned>(radix) + static_cast<unsigned>(digit);
            if (next / static_cast<unsigned>(radix) != value) {
                fail("number too large");
                return nullptr;
            }
            value = next;
            ++pos_;
        }
        if (pos_ == start) {
            fail("missing digits in number");
            return nullptr;
        }
        // MACRO-32 allows a decimal point after a decimal integer ("10.").
        if (radix == 10 && pos_ < text_.size() && text_[pos_] == '.' &&
            (pos_ + 1 >= text_.size() || !is_symbol_char(text_[pos_ + 1]))) {
            ++pos_;
        }
        if (pos_ < text_.size() && is_symbol_char(text_[pos_])) {
            fail("bad digit '" + std::string(1, text_[pos_]) + "' in number");
            return nullptr;
        }
        return make_number(static_cast<AsmValue>(value));
    }

    char upper_at(size_t at) const {
        return at < text_.size()
                   ? static_cast<char>(std::toupper(static_cast<unsigned char>(text_[at])))
                   : '\0';
    }

    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
            ++pos_;
        }
    }

    void fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
    }

    std::string_view text_;
    const LocalLabelScope& scope_;
    size_t pos_ = 0;
    std::string error_;
};

}  // namespace

ParsedExpression parse_expression(std::string_view text, const LocalLabelScope& scope) {
    return ExpressionParser(trim(text), scope).parse_all();
}

Evaluation evaluate(const Expression& expression, const EvaluationContext& context) {
    Evaluation result;
    switch (expression.kind) {
    case Expression::Kind::number:
        result.known = true;
        result.value = expression.number;
        return result;
    case Expression::Kind::location:
        result.known = true;
        result.value = context.location;
        return result;
    case Expression::Kind::symbol: {
        auto it = context.symbols ? context.symbols->find(expression.symbol)
                                  : std::map<std::string, AsmValue>::const_iterator{};
        if (!context.symbols || it == context.symbols->end()) {
            result.undefined = expression.symbol;
            return result;
        }
        result.known = true;
        result.value = it->second;
        return result;
    }
    case Expression::Kind::negate:
    case Expression::Kind::complement: {
        result = evaluate(*expression.left, context);
        UnsignedValue value = static_cast<UnsignedValue>(result.value);
        value = expression.kind == Expression::Kind::negate ? ~value + 1 : ~value;
        result.value = static_cast<AsmValue>(value);
        return result;
    }
    case Expression::Kind::binary:
        break;
    }
    Evaluation left = evaluate(*expression.left, context);
    Evaluation right = evaluate(*expression.right, context);
    result.known = left.known && right.known;
    result.undefined = !left.undefined.empty() ? left.undefined : right.undefined;
    result.error = !left.error.empty() ? left.error : right.error;
    if (!result.known) return result;
    // Wrapping arithmetic on the unsigned representation: no signed overflow.
    const UnsignedValue a = static_cast<UnsignedValue>(left.value);
    const UnsignedValue b = static_cast<UnsignedValue>(right.value);
    UnsignedValue value = 0;
    switch (expression.op) {
    case '+': value = a + b; break;
    case '-': value = a - b; break;
    case '*': value = a * b; break;
    case '&': value = a & b; break;
    case '!': case '|': value = a | b; break;
    case '\\': value = a ^ b; break;
    case '/':
        if (right.value == 0) {
            result.known = false;
            result.error = "division by zero";
            return result;
        }
        result.value = left.value / right.value;
        return result;
    case '@':
        if (right.value >= 128 || right.value <= -128) {
            value = 0;
        } else if (right.value >= 0) {
            value = a << static_cast<int>(right.value);
        } else {
            value = static_cast<UnsignedValue>(left.value >> static_cast<int>(-right.value));
        }
        break;
    }
    result.value = static_cast<AsmValue>(value);
    return result;
}

std::optional<long double> parse_float_constant(std::string_view text) {
    text = trim(text);
    size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t digits = 0;
    bool point = false, exponent = false;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            ++digits;
        } else if (c == '.' && !point && !exponent) {
            point = true;
        } else if ((c == 'E' || c == 'e') && digits > 0 && !exponent) {
            exponent = true;
            if (i + 1 < text.size() && (text[i + 1] == '+' || text[i + 1] == '-')) ++i;
            if (i + 1 >= text.size()) return std::nullopt;
        } else {
            return std::nullopt;
        }
    }
    if (digits == 0 || (!point && !exponent)) return std::nullopt;
    std::string copy(text);
    return std::strtold(copy.c_str(), nullptr);
}

std::optional<uint8_t> parse_register(std::string_view text) {
    std::string name = upper_case(trim(text));
    if (name == "AP") return kAP;
    if (name == "FP") return kFP;
    if (name == "SP") return kSP;
    if (name == "PC") return kPC;
    if (name.size() < 2 || name.size() > 3 || name[0] != 'R') return std::nullopt;
    int number = 0;
    for (size_t i = 1; i < name.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
        number = number * 10 + (name[i] - '0');
    }
    if (name.size() == 3 && name[1] == '0') return std::nullopt;  // "R01"
    if (number > 15) return std::nullopt;
    return static_cast<uint8_t>(number);
}

std::string upper_case(std::string_view text) {
    std::string result(text);
    for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return result;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace trapeze::vax
