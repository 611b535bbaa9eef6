// Source lines to statements: labels, assignments, directives and instructions.
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "isa/vax/assembler_statement.h"

namespace trapeze::vax {

namespace {

bool is_symbol_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
}

bool is_symbol_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
}

// Local labels are digits and a dollar sign: "10$".
bool is_local_label(std::string_view name) {
    return !name.empty() && name.back() == '$' && std::isdigit(static_cast<unsigned char>(name[0]));
}

// The length of the symbol or local label ("10$") at the start of `text`, else 0.
size_t symbol_length(std::string_view text) {
    if (text.empty()) return 0;
    if (std::isdigit(static_cast<unsigned char>(text[0]))) {
        size_t n = 0;
        while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n]))) ++n;
        return n < text.size() && text[n] == '$' ? n + 1 : 0;
    }
    if (!is_symbol_start(text[0])) return 0;
    size_t n = 1;
    while (n < text.size() && is_symbol_char(text[n])) ++n;
    return n;
}

std::string_view strip_comment(std::string_view text) {
    size_t semicolon = text.find(';');
    return trim(text.substr(0, semicolon));
}

struct DataDirective {
    std::string_view name;
    int unit;
};
constexpr DataDirective kDataDirectives[] = {
    {".BYTE", 1}, {".WORD", 2}, {".LONG", 4}, {".ADDRESS", 4}, {".QUAD", 8}, {".OCTA", 16},
};

struct FloatingDirective {
    std::string_view name;
    DataType type;
};
constexpr FloatingDirective kFloatingDirectives[] = {
    {".F_FLOATING", DataType::f_float}, {".FLOAT", DataType::f_float},
    {".D_FLOATING", DataType::d_float}, {".DOUBLE", DataType::d_float},
    {".G_FLOATING", DataType::g_float}, {".H_FLOATING", DataType::h_float},
};

struct BlockDirective {
    std::string_view name;
    int unit;
};
constexpr BlockDirective kBlockDirectives[] = {
    {".BLKB", 1}, {".BLKW", 2}, {".BLKL", 4}, {".BLKQ", 8}, {".BLKO", 16},
};

// .ALIGN keywords and the power of two each stands for.
struct AlignKeyword {
    std::string_view name;
    int power;
};
constexpr AlignKeyword kAlignKeywords[] = {
    {"BYTE", 0}, {"WORD", 1}, {"LONG", 2}, {"QUAD", 3}, {"OCTA", 4}, {"PAGE", 9},
};

constexpr std::string_view kIgnoredDirectives[] = {".TITLE", ".IDENT", ".SBTTL", ".SUBTITLE"};

class SourceParser {
public:
    explicit SourceParser(std::vector<AssemblerDiagnostic>& errors) : errors_(errors) {}

    std::vector<Statement> parse(std::string_view source) {
        int number = 0;
        while (!source.empty() && !ended_) {
            size_t newline = source.find('\n');
            std::string_view line = source.substr(0, newline);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            parse_line(line, ++number);
            if (newline == std::string_view::npos) break;
            source.remove_prefix(newline + 1);
        }
        return std::move(statements_);
    }

private:
    void error(std::string message) { errors_.push_back({line_, std::move(message)}); }

    // Local labels ("10$") live between two ordinary labels.
    std::string scoped(std::string_view name) const {
        if (!is_local_label(name)) return upper_case(name);
        return fmt::format("{}@{}", upper_case(name), local_block_);
    }

    void define_label(Statement& statement, std::string_view name) {
        if (!is_local_label(name)) ++local_block_;
        std::string full = scoped(name);
        if (!defined_.insert(full).second) {
            error(fmt::format("label {} is defined twice", upper_case(name)));
            return;
        }
        if (assigned_.count(full) != 0) {
            error(fmt::format("{} is both a label and an assigned symbol", full));
            return;
        }
        statement.labels.push_back(full);
    }

    void parse_line(std::string_view line, int number) {
        line_ = number;
        errors_at_line_start_ = errors_.size();
        Statement statement;
        statement.line = number;
        std::string_view rest = trim(line);

        // Labels: NAME: or NAME:: (global in MACRO-32; the same here), several allowed.
        for (;;) {
            size_t n = symbol_length(rest);
            if (n == 0 || n >= rest.size() || rest[n] != ':') break;
            define_label(statement, rest.substr(0, n));
            rest.remove_prefix(n + 1);
            if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
            rest = trim(rest);
        }
        if (rest.empty() || rest.front() == ';') return finish(statement);

        // NAME = expr (or ==)
        size_t n = symbol_length(rest);
        if (n > 0 && !is_local_label(rest.substr(0, n))) {
            std::string_view after = trim(rest.substr(n));
            if (!after.empty() && after.front() == '=') {
                statement.symbol = upper_case(rest.substr(0, n));
                if (defined_.count(statement.symbol) != 0) {
                    error(fmt::format("{} is both a label and an assigned symbol",
                                      statement.symbol));
                }
                assigned_.insert(statement.symbol);
                // ". = expr" moves the location counter, like .ORG.
                statement.kind = statement.symbol == "." ? StatementKind::origin
                                                         : StatementKind::assignment;
                after.remove_prefix(after.size() > 1 && after[1] == '=' ? 2 : 1);
                add_value(statement, strip_comment(after));
                return finish(statement);
            }
        }

        size_t end = rest.find_first_of(" \t;");
        std::string op = upper_case(rest.substr(0, end));
        std::string_view arguments = end == std::string_view::npos ? "" : rest.substr(end);
        if (op.front() == '.') {
            parse_directive(statement, op, arguments);
        } else {
            parse_instruction(statement, op, strip_comment(arguments));
        }
        finish(statement);
    }

    // A statement with a syntax error keeps its labels but assembles to nothing.
    void finish(Statement& statement) {
        if (errors_.size() != errors_at_line_start_) {
            statement.kind = StatementKind::none;
            statement.values.clear();
        }
        statements_.push_back(std::move(statement));
    }

    bool add_value(Statement& statement, std::string_view text) {
        ParsedExpression parsed = parse_expression(text, [this](std::string_view local) {
            return scoped(local);
        });
        if (!parsed.expression) {
            error(text.empty() ? "missing expression" : parsed.error);
            statement.kind = StatementKind::none;
            return false;
        }
        statement.values.push_back(parsed.expression);
        return true;
    }

    void parse_instruction(Statement& statement, const std::string& mnemonic,
                           std::string_view arguments) {
        const OpcodeInfo* opcode = find_opcode(mnemonic);
        if (opcode == nullptr) {
            error(fmt::format("unknown instruction {}", mnemonic));
            return;
        }
        std::vector<std::string_view> texts = split_operands(arguments);
        if (texts.size() != opcode->operands.count) {
            error(fmt::format("{} takes {} operand{}, not {}", mnemonic, opcode->operands.count,
                              opcode->operands.count == 1 ? "" : "s", texts.size()));
            return;
        }
        LocalLabelScope scope = [this](std::string_view local) { return scoped(local); };
        for (size_t i = 0; i < texts.size(); ++i) {
            ParsedOperand parsed = parse_operand(texts[i], scope);
            if (!parsed.error.empty()) {
                error(fmt::format("operand {} ({}): {}", i + 1, texts[i], parsed.error));
                return;
            }
            statement.operands.push_back(parsed.operand);
        }
        statement.kind = StatementKind::instruction;
        statement.opcode = opcode;
        statement.widths.assign(statement.operands.size(), 0);
    }

    void parse_directive(Statement& statement, const std::string& name,
                         std::string_view arguments) {
        if (name == ".ASCII" || name == ".ASCIZ" || name == ".ASCIC") {
            return parse_text(statement, name, arguments);
        }
        std::string_view args = strip_comment(arguments);
        std::vector<std::string_view> list = split_operands(args);
        for (const auto& data : kDataDirectives) {
            if (name != data.name) continue;
            statement.kind = StatementKind::data;
            statement.unit = data.unit;
            if (list.empty()) error(fmt::format("{} needs at least one value", name));
            for (std::string_view item : list) {
                if (!add_value(statement, item)) return;
            }
            return;
        }
        for (const auto& floating : kFloatingDirectives) {
            if (name != floating.name) continue;
            statement.kind = StatementKind::floating;
            statement.float_type = floating.type;
            if (list.empty()) error(fmt::format("{} needs at least one value", name));
            for (std::string_view item : list) {
                if (auto value = parse_float_constant(item)) {
                    statement.float_values.push_back(*value);
                    statement.values.push_back(nullptr);
                } else {
                    statement.float_values.push_back(std::nullopt);
                    if (!add_value(statement, item)) return;
                }
            }
            return;
        }
        for (const auto& block : kBlockDirectives) {
            if (name != block.name) continue;
            statement.kind = StatementKind::block;
            statement.unit = block.unit;
            if (list.size() > 1) return error(fmt::format("{} takes one count", name));
            add_value(statement, list.empty() ? "1" : list[0]);
            return;
        }
        if (name == ".ALIGN" || name == ".EVEN") {
            statement.kind = StatementKind::align;
            if (name == ".EVEN") {
                if (!list.empty()) return error(".EVEN takes no operands");
                add_value(statement, "1");
                return;
            }
            if (list.empty() || list.size() > 2) {
                return error(".ALIGN takes a power of two (or BYTE/WORD/LONG/QUAD/OCTA/PAGE) "
                             "and an optional fill byte");
            }
            std::string keyword = upper_case(list[0]);
            bool named = false;
            for (const auto& align : kAlignKeywords) {
                if (keyword == align.name) {
                    add_value(statement, std::to_string(align.power));
                    named = true;
                }
            }
            if (!named && !add_value(statement, list[0])) return;
            if (list.size() == 2) add_value(statement, list[1]);
            return;
        }
        if (name == ".ORG") {
            statement.kind = StatementKind::origin;
            if (list.size() != 1) return error(".ORG takes one address");
            add_value(statement, list[0]);
            return;
        }
        if (name == ".ENTRY") {
            // .ENTRY name, mask: a procedure entry point, the label and its register save mask
            if (list.size() != 2 || symbol_length(list[0]) != list[0].size()) {
                return error(".ENTRY takes a name and a register mask");
            }
            define_label(statement, list[0]);
            statement.kind = StatementKind::data;
            statement.unit = 2;
            add_value(statement, list[1]);
            return;
        }
        if (name == ".END") {
            ended_ = true;
            return;
        }
        for (std::string_view ignored : kIgnoredDirectives) {
            if (name == ignored) return;
        }
        error(fmt::format("unknown directive {}", name));
    }

    // .ASCII /text/<13><10>"more": delimited strings (any delimiter; in "..." the C escapes
    // \n \r \t \0 \\ \" also work) and <expr> byte values, until a ; comment.
    void parse_text(Statement& statement, const std::string& name, std::string_view rest) {
        std::vector<uint8_t> bytes;
        rest = trim(rest);
        while (!rest.empty() && rest.front() != ';') {
            char open = rest.front();
            if (open == '<') {
                size_t close = rest.find('>');
                if (close == std::string_view::npos) return error("missing '>' in " + name);
                ParsedExpression parsed = parse_expression(rest.substr(1, close - 1),
                                                           [](std::string_view local) {
                                                               return std::string(local);
                                                           });
                Evaluation value;
                if (parsed.expression) value = evaluate(*parsed.expression, {});
                if (!value.known || value.value < 0 || value.value > 255) {
                    return error("<...> in " + name + " must be a constant byte");
                }
                bytes.push_back(static_cast<uint8_t>(value.value));
                rest = trim(rest.substr(close + 1));
                continue;
            }
            size_t i = 1;
            bool closed = false;
            for (; i < rest.size(); ++i) {
                char c = rest[i];
                if (c == open) {
                    closed = true;
                    break;
                }
                if (open == '"' && c == '\\' && i + 1 < rest.size()) {
                    char escaped = rest[++i];
                    switch (escaped) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case '0': c = '\0'; break;
                    default: c = escaped; break;
                    }
                }
                bytes.push_back(static_cast<uint8_t>(c));
            }
            if (!closed) return error(fmt::format("unterminated string in {}", name));
            rest = trim(rest.substr(i + 1));
        }
        if (name == ".ASCIZ") bytes.push_back(0);
        if (name == ".ASCIC") {
            if (bytes.size() > 255) return error(".ASCIC string longer than 255 bytes");
            bytes.insert(bytes.begin(), static_cast<uint8_t>(bytes.size()));
        }
        statement.kind = StatementKind::text;
        statement.text = std::move(bytes);
    }

    std::vector<AssemblerDiagnostic>& errors_;
    std::vector<Statement> statements_;
    std::set<std::string> defined_;   // labels
    std::set<std::string> assigned_;  // symbols given values with =
    int local_block_ = 0;
    int line_ = 0;
    size_t errors_at_line_start_ = 0;
    bool ended_ = false;
};

}  // namespace

std::vector<Statement> parse_source(std::string_view source,
                                    std::vector<AssemblerDiagnostic>& errors) {
    return SourceParser(errors).parse(source);
}

}  // namespace trapeze::vax
