// Layout passes and encoding: statements (assembler_statement.h) to bytes.
#include "isa/vax/assembler.h"

#include <algorithm>

#include <fmt/format.h>

#include "isa/vax/assembler_statement.h"
#include "isa/vax/float_format.h"
#include "isa/vax/operand_specifier.h"

namespace trapeze::vax {

namespace {

__extension__ using UnsignedValue = unsigned __int128;

constexpr int kMaxLayoutPasses = 100;
constexpr int64_t kAddressLimit = int64_t{1} << 32;
// The largest image: the memory of the largest MicroVAX 3900 (64 MB).
constexpr int64_t kMaxImageSize = int64_t{64} << 20;

bool fits_signed(AsmValue value, int bytes) {
    if (bytes >= 16) return true;
    const AsmValue limit = AsmValue{1} << (8 * bytes - 1);
    return value >= -limit && value < limit;
}

// A datum of `bytes` may be written as a signed or as an unsigned number.
bool fits_either(AsmValue value, int bytes) {
    if (bytes >= 16) return true;
    const AsmValue limit = AsmValue{1} << (8 * bytes - 1);
    return value >= -limit && value < 2 * limit;
}

void put_little_endian(std::vector<uint8_t>& out, AsmValue value, int bytes) {
    auto bits = static_cast<UnsignedValue>(value);
    for (int i = 0; i < bytes; ++i) {
        out.push_back(static_cast<uint8_t>(bits));
        bits >>= 8;
    }
}

std::string value_text(AsmValue value) {
    if (fits_signed(value, 8)) return fmt::format("{}", static_cast<int64_t>(value));
    return fmt::format("{:#x}", static_cast<uint64_t>(static_cast<UnsignedValue>(value)));
}

// PC-relative arithmetic wraps around the 32-bit address space.
AsmValue relative_displacement(AsmValue target, int64_t pc_after) {
    auto difference = static_cast<uint32_t>(static_cast<UnsignedValue>(target - pc_after));
    return static_cast<int32_t>(difference);
}

// Mode nibble of byte/word/long displacement (0xA/0xC/0xE), +1 for deferred.
uint8_t displacement_mode(int bytes, bool deferred) {
    uint8_t mode = bytes == 1 ? 0xA : bytes == 2 ? 0xC : 0xE;
    return static_cast<uint8_t>(mode + (deferred ? 1 : 0));
}

int prefix_bytes(char prefix) { return prefix == 'B' ? 1 : prefix == 'W' ? 2 : 4; }

class Assembly {
public:
    Assembly(std::vector<Statement>& statements, AssembledProgram& program)
        : statements_(statements), program_(program) {}

    void run() {
        for (int pass = 0;; ++pass) {
            changed_ = false;
            run_pass(false);
            if (!changed_ && pass > 0) break;
            if (pass == kMaxLayoutPasses) {
                program_.errors.push_back({0, "the layout does not converge"});
                return;
            }
        }
        run_pass(true);
        program_.image.resize(static_cast<size_t>(end_ - program_.origin));
    }

private:
    void run_pass(bool final) {
        final_ = final;
        end_ = program_.origin;
        int64_t location = program_.origin;
        for (Statement& statement : statements_) {
            statement_ = &statement;
            for (const std::string& label : statement.labels) define(label, location);
            bytes_.clear();
            const int64_t size = process(statement, location);
            if (final_) emit(statement, location, size);
            location += size;
            if (location > kAddressLimit) {
                error("the program extends past the end of the 32-bit address space");
                return;
            }
        }
    }

    void emit(const Statement& statement, int64_t location, int64_t size) {
        if (statement.kind != StatementKind::none || !statement.labels.empty()) {
            program_.listing.push_back({statement.line, static_cast<uint32_t>(location),
                                        static_cast<uint32_t>(size)});
        }
        if (statement.kind == StatementKind::origin || size == 0) return;
        if (location < program_.origin) {
            error(fmt::format("address {:#x} is below the origin {:#x}", location,
                              program_.origin));
            return;
        }
        if (location + size - program_.origin > kMaxImageSize) {
            error(fmt::format("the image would extend to {:#x}, more than 64 MB from the origin",
                              location + size));
            return;
        }
        end_ = std::max(end_, location + size);
        auto& image = program_.image;
        const auto offset = static_cast<size_t>(location - program_.origin);
        if (image.size() < offset + static_cast<size_t>(size)) {
            image.resize(offset + static_cast<size_t>(size));
        }
        std::copy(bytes_.begin(), bytes_.end(), image.begin() + static_cast<ptrdiff_t>(offset));
    }

    void define(const std::string& name, AsmValue value) {
        auto [it, inserted] = program_.symbols.try_emplace(name, value);
        if (inserted || it->second != value) {
            it->second = value;
            changed_ = true;
        }
    }

    void error(std::string message) {
        if (final_) program_.errors.push_back({statement_->line, std::move(message)});
    }

    void operand_error(std::string_view message) {
        error(fmt::format("{} operand {}: {}", statement_->opcode->mnemonic, operand_, message));
    }

    Evaluation value(const ExpressionPtr& expression, int64_t location) {
        Evaluation result = evaluate(*expression, {&program_.symbols, location});
        if (!result.known) {
            error(!result.error.empty() ? result.error : "undefined symbol " + result.undefined);
        }
        return result;
    }

    // The encoding an operand needs this pass; it only grows from pass to pass.
    uint8_t grow(uint8_t& width, uint8_t needed) {
        const uint8_t chosen = std::max(width, needed);
        if (chosen != width) {
            if (final_) {
                error("internal error: the layout changed in the last pass");
            } else {
                width = chosen;
                changed_ = true;
            }
        }
        return chosen;
    }

    int64_t process(Statement& statement, int64_t location) {
        switch (statement.kind) {
        case StatementKind::none:
            return 0;
        case StatementKind::assignment: {
            // A symbol may be assigned again further on (X = X + 1): the layout has settled
            // when each assignment yields what it yielded in the last pass.
            Evaluation result = value(statement.values[0], location);
            if (!result.known) return 0;
            if (statement.assigned != result.value) changed_ = true;
            statement.assigned = result.value;
            program_.symbols[statement.symbol] = result.value;
            return 0;
        }
        case StatementKind::instruction:
            encode_instruction(statement, location);
            return static_cast<int64_t>(bytes_.size());
        case StatementKind::data:
            for (const ExpressionPtr& expression : statement.values) {
                Evaluation result = value(expression, location);
                if (result.known && !fits_either(result.value, statement.unit)) {
                    error(fmt::format("{} does not fit in {} byte{}", value_text(result.value),
                                      statement.unit, statement.unit == 1 ? "" : "s"));
                }
                put_little_endian(bytes_, result.value, statement.unit);
            }
            return static_cast<int64_t>(bytes_.size());
        case StatementKind::text:
            bytes_ = statement.text;
            return static_cast<int64_t>(bytes_.size());
        case StatementKind::floating:
            encode_floating(statement, location);
            return static_cast<int64_t>(bytes_.size());
        case StatementKind::align:
            return align(statement, location);
        case StatementKind::origin: {
            Evaluation target = value(statement.values[0], location);
            if (!target.known) return 0;
            if (target.value < location) {
                error(fmt::format("cannot move the location back from {:#x} to {}", location,
                                  value_text(target.value)));
                return 0;
            }
            return static_cast<int64_t>(std::min<AsmValue>(target.value, kAddressLimit) -
                                        location);
        }
        case StatementKind::block: {
            Evaluation count = value(statement.values[0], location);
            if (!count.known) return 0;
            if (count.value < 0 || count.value * statement.unit > kAddressLimit) {
                error(fmt::format("bad block size {}", value_text(count.value)));
                return 0;
            }
            return static_cast<int64_t>(count.value) * statement.unit;
        }
        }
        return 0;
    }

    int64_t align(const Statement& statement, int64_t location) {
        Evaluation power = value(statement.values[0], location);
        if (!power.known) return 0;
        if (power.value < 0 || power.value > 16) {
            error(fmt::format(".ALIGN {}: the power of two must be 0 to 16",
                              value_text(power.value)));
            return 0;
        }
        AsmValue fill = 0;
        if (statement.values.size() > 1) {
            Evaluation fill_value = value(statement.values[1], location);
            if (fill_value.known && !fits_either(fill_value.value, 1)) {
                error(".ALIGN fill must be a byte");
            }
            fill = fill_value.value;
        }
        const int64_t boundary = int64_t{1} << static_cast<int>(power.value);
        const int64_t padding = (boundary - location % boundary) % boundary;
        bytes_.assign(static_cast<size_t>(padding), static_cast<uint8_t>(fill));
        return padding;
    }

    void encode_floating(const Statement& statement, int64_t location) {
        const int size = data_size(statement.float_type);
        for (size_t i = 0; i < statement.values.size(); ++i) {
            long double number = 0;
            if (statement.float_values[i]) {
                number = *statement.float_values[i];
            } else {
                number = static_cast<long double>(value(statement.values[i], location).value);
            }
            auto encoded = encode_float(number, statement.float_type);
            if (!encoded) {
                error(fmt::format("{} is out of the range of the floating type",
                                  static_cast<double>(number)));
                encoded = FloatBytes{};
            }
            bytes_.insert(bytes_.end(), encoded->begin(), encoded->begin() + size);
        }
    }

    void encode_instruction(Statement& statement, int64_t location) {
        const OpcodeInfo& opcode = *statement.opcode;
        if (opcode.is_two_byte()) bytes_.push_back(static_cast<uint8_t>(opcode.value >> 8));
        bytes_.push_back(static_cast<uint8_t>(opcode.value));
        for (size_t i = 0; i < statement.operands.size(); ++i) {
            operand_ = static_cast<int>(i) + 1;
            const OperandType type = opcode.operands.types[i];
            if (type.access == Access::branch) {
                encode_branch(statement.operands[i], type, location);
            } else {
                encode_specifier(statement.operands[i], type, statement.widths[i], location);
            }
        }
    }

    void encode_branch(const OperandSyntax& operand, OperandType type, int64_t location) {
        const int size = type.type == DataType::byte ? 1 : 2;
        if (operand.form != OperandForm::relative || operand.prefix != 0 || operand.deferred ||
            operand.indexed) {
            operand_error("a branch displacement is written as the target address");
            put_little_endian(bytes_, 0, size);
            return;
        }
        Evaluation target = value(operand.expression, location);
        const int64_t pc_after = location + static_cast<int64_t>(bytes_.size()) + size;
        const AsmValue displacement = relative_displacement(target.value, pc_after);
        if (target.known && !fits_signed(displacement, size)) {
            operand_error(fmt::format("branch target {} is out of range of a {} displacement",
                                      value_text(target.value), size == 1 ? "byte" : "word"));
        }
        put_little_endian(bytes_, displacement, size);
    }

    void encode_specifier(const OperandSyntax& operand, OperandType type, uint8_t& width,
                          int64_t location) {
        const uint8_t reg = operand.reg;
        const bool updates_register = operand.form == OperandForm::autoincrement ||
                                      operand.form == OperandForm::autodecrement ||
                                      operand.form == OperandForm::autoincrement_deferred;
        if (operand.indexed) {
            // VAX MACRO manual §8.7.9: the base may not be register, literal or index mode,
            // Rx may not be PC, and a base that updates Rx is UNPREDICTABLE.
            if (operand.index_reg == kPC) {
                operand_error("PC cannot be an index register (reserved addressing mode)");
            }
            if (operand.form == OperandForm::register_mode) {
                operand_error("a register cannot be the base of index mode "
                              "(reserved addressing mode)");
            }
            if (operand.form == OperandForm::literal) {
                operand_error("a literal cannot be the base of index mode");
            }
            if (updates_register && reg == operand.index_reg) {
                operand_error("a base that updates the index register is UNPREDICTABLE");
            }
            bytes_.push_back(static_cast<uint8_t>(0x40 | operand.index_reg));
        }
        const uint8_t size = type.size();
        switch (operand.form) {
        case OperandForm::register_mode:
            if (type.access == Access::address) {
                operand_error("register mode for an address operand (reserved addressing mode)");
            } else if (reg == kPC) {
                operand_error("PC cannot be a register operand");
            } else if ((size == 8 && reg >= kSP) || (size == 16 && reg >= kAP)) {
                operand_error(fmt::format("a {}-byte operand in {} would extend into PC", size,
                                          register_name(reg)));
            }
            bytes_.push_back(static_cast<uint8_t>(0x50 | reg));
            return;
        case OperandForm::register_deferred:
            if (reg == kPC) operand_error("(PC) is UNPREDICTABLE");
            bytes_.push_back(static_cast<uint8_t>(0x60 | reg));
            return;
        case OperandForm::autodecrement:
            if (reg == kPC) operand_error("-(PC) is UNPREDICTABLE");
            bytes_.push_back(static_cast<uint8_t>(0x70 | reg));
            return;
        case OperandForm::autoincrement:
            if (reg == kPC) operand_error("write (PC)+ as #expr (immediate)");
            bytes_.push_back(static_cast<uint8_t>(0x80 | reg));
            return;
        case OperandForm::autoincrement_deferred:
            if (reg == kPC) operand_error("write @(PC)+ as @#expr (absolute)");
            bytes_.push_back(static_cast<uint8_t>(0x90 | reg));
            return;
        case OperandForm::absolute: {
            Evaluation address = value(operand.expression, location);
            if (address.known && !fits_either(address.value, 4)) {
                operand_error(fmt::format("address {} is not 32 bits", value_text(address.value)));
            }
            bytes_.push_back(0x9F);
            put_little_endian(bytes_, address.value, 4);
            return;
        }
        case OperandForm::literal:
            if (is_floating(type.type)) {
                encode_floating_literal(operand, type, width, location);
            } else {
                encode_integer_literal(operand, type, width, location);
            }
            return;
        case OperandForm::displacement:
            encode_displacement(operand, width, location);
            return;
        case OperandForm::relative:
            encode_relative(operand, width, location);
            return;
        }
    }

    // A literal is read-only: as a destination it would be a reserved addressing mode (short
    // literal) or UNPREDICTABLE (immediate).
    bool literal_allowed(OperandType type) {
        if (type.access == Access::write || type.access == Access::modify) {
            operand_error("a literal cannot be a destination");
            bytes_.push_back(0);
            return false;
        }
        return true;
    }

    void short_literal_only_for_reads(const OperandSyntax& operand, OperandType type) {
        if (operand.prefix == 'S' && type.access != Access::read) {
            operand_error("a short literal for an address or field operand is a reserved "
                          "addressing mode");
        }
    }

    void encode_integer_literal(const OperandSyntax& operand, OperandType type, uint8_t& width,
                                int64_t location) {
        if (!literal_allowed(type)) return;
        short_literal_only_for_reads(operand, type);
        AsmValue number = 0;
        bool known = true;
        if (operand.float_value) {
            const long double floating = *operand.float_value;
            number = static_cast<AsmValue>(floating);
            if (static_cast<long double>(number) != floating) {
                operand_error("a floating constant for an integer operand");
            }
        } else {
            Evaluation result = value(operand.expression, location);
            number = result.value;
            known = result.known;
        }
        const bool short_value = number >= 0 && number <= 63;
        bool immediate = false;
        if (operand.prefix == 'S') {
            if (known && !short_value) {
                operand_error(fmt::format("S^#{} is not a short literal (0 to 63)",
                                          value_text(number)));
            }
        } else if (operand.prefix == 'I' || type.access != Access::read) {
            immediate = true;  // an address or field operand: the address of the datum
        } else {
            immediate = grow(width, (!known || short_value) ? 0 : 1) != 0;
        }
        if (!immediate) {
            bytes_.push_back(static_cast<uint8_t>(number & 0x3F));
            return;
        }
        if (known && !fits_either(number, type.size())) {
            operand_error(fmt::format("{} does not fit in {} byte{}", value_text(number),
                                      type.size(), type.size() == 1 ? "" : "s"));
        }
        bytes_.push_back(0x8F);
        put_little_endian(bytes_, number, type.size());
    }

    // In a floating context "#1.5" and "#2" are values, converted to the operand's format;
    // "S^#n" and "I^#n" with an integer n are raw encodings (the literal field, the datum's
    // bits as a little-endian integer), which is how the disassembler prints immediates.
    void encode_floating_literal(const OperandSyntax& operand, OperandType type, uint8_t& width,
                                 int64_t location) {
        if (!literal_allowed(type)) return;
        short_literal_only_for_reads(operand, type);
        long double number = 0;
        bool raw = false;
        AsmValue raw_value = 0;
        bool known = true;
        if (operand.float_value) {
            number = *operand.float_value;
        } else {
            Evaluation result = value(operand.expression, location);
            known = result.known;
            if (operand.prefix != 0) {
                raw = true;
                raw_value = result.value;
            } else {
                number = static_cast<long double>(result.value);
            }
        }
        const auto short_form = float_short_literal(number);
        bool immediate = false;
        if (operand.prefix == 'S') {
            if (raw && known && (raw_value < 0 || raw_value > 63)) {
                operand_error("S^#n needs a literal field of 0 to 63");
            } else if (!raw && !short_form) {
                operand_error(fmt::format("{} is not a floating short literal",
                                          static_cast<double>(number)));
            }
        } else if (operand.prefix == 'I' || type.access != Access::read) {
            immediate = true;
        } else {
            immediate = grow(width, (known && short_form) ? 0 : 1) != 0;
        }
        if (!immediate) {
            const auto field =
                raw ? static_cast<uint8_t>(raw_value & 0x3F) : short_form.value_or(uint8_t{0});
            bytes_.push_back(field);
            return;
        }
        bytes_.push_back(0x8F);
        if (raw) {
            if (known && !fits_either(raw_value, type.size())) {
                operand_error(fmt::format("{} does not fit in {} bytes", value_text(raw_value),
                                          type.size()));
            }
            put_little_endian(bytes_, raw_value, type.size());
            return;
        }
        auto encoded = encode_float(number, type.type);
        if (!encoded) {
            if (known) {
                operand_error(fmt::format("{} is out of the range of the floating type",
                                          static_cast<double>(number)));
            }
            encoded = FloatBytes{};
        }
        bytes_.insert(bytes_.end(), encoded->begin(), encoded->begin() + type.size());
    }

    // expr(Rn): the smallest displacement that holds the value, unless B^/W^/L^ says.
    void encode_displacement(const OperandSyntax& operand, uint8_t& width, int64_t location) {
        Evaluation result = value(operand.expression, location);
        const AsmValue displacement = result.value;
        int bytes = 0;
        if (operand.prefix != 0) {
            bytes = prefix_bytes(operand.prefix);
            const bool fits = bytes == 4 ? fits_either(displacement, 4)
                                         : fits_signed(displacement, bytes);
            if (result.known && !fits) {
                operand_error(fmt::format("displacement {} does not fit {}^",
                                          value_text(displacement), operand.prefix));
            }
        } else {
            uint8_t needed = 1;
            if (result.known && !fits_signed(displacement, 1)) needed = 2;
            if (result.known && !fits_signed(displacement, 2)) needed = 4;
            bytes = grow(width, needed);
            if (result.known && bytes == 4 && !fits_either(displacement, 4)) {
                operand_error(fmt::format("displacement {} is not 32 bits",
                                          value_text(displacement)));
            }
        }
        bytes_.push_back(static_cast<uint8_t>(displacement_mode(bytes, operand.deferred) << 4 |
                                              operand.reg));
        put_little_endian(bytes_, displacement, bytes);
    }

    // expr: PC-relative to the address expr, with the smallest displacement that reaches it.
    void encode_relative(const OperandSyntax& operand, uint8_t& width, int64_t location) {
        Evaluation target = value(operand.expression, location);
        if (target.known && !fits_either(target.value, 4)) {
            operand_error(fmt::format("address {} is not 32 bits", value_text(target.value)));
        }
        const int64_t mode_byte_at = location + static_cast<int64_t>(bytes_.size());
        auto displacement_for = [&](int bytes) {
            return relative_displacement(target.value, mode_byte_at + 1 + bytes);
        };
        int bytes = 0;
        if (operand.prefix != 0) {
            bytes = prefix_bytes(operand.prefix);
            if (target.known && !fits_signed(displacement_for(bytes), bytes)) {
                operand_error(fmt::format("{} is out of reach of a {}^ displacement",
                                          value_text(target.value), operand.prefix));
            }
        } else {
            uint8_t needed = 1;
            if (target.known && !fits_signed(displacement_for(1), 1)) needed = 2;
            if (target.known && needed == 2 && !fits_signed(displacement_for(2), 2)) needed = 4;
            bytes = grow(width, needed);
        }
        bytes_.push_back(static_cast<uint8_t>(displacement_mode(bytes, operand.deferred) << 4 |
                                              kPC));
        put_little_endian(bytes_, displacement_for(bytes), bytes);
    }

    std::vector<Statement>& statements_;
    AssembledProgram& program_;
    const Statement* statement_ = nullptr;
    std::vector<uint8_t> bytes_;
    int operand_ = 0;
    bool final_ = false;
    bool changed_ = false;
    int64_t end_ = 0;
};

}  // namespace

std::optional<int64_t> AssembledProgram::symbol(std::string_view name) const {
    auto it = symbols.find(upper_case(name));
    if (it == symbols.end()) return std::nullopt;
    return static_cast<int64_t>(it->second);
}

std::string AssembledProgram::error_text() const {
    std::string text;
    for (const AssemblerDiagnostic& diagnostic : errors) {
        text += fmt::format("line {}: {}\n", diagnostic.line, diagnostic.message);
    }
    return text;
}

AssembledProgram assemble(std::string_view source, uint32_t origin) {
    AssembledProgram program;
    program.origin = origin;
    std::vector<Statement> statements = parse_source(source, program.errors);
    Assembly(statements, program).run();
    std::stable_sort(program.errors.begin(), program.errors.end(),
                     [](const AssemblerDiagnostic& a, const AssemblerDiagnostic& b) {
                         return a.line < b.line;
                     });
    return program;
}

}  // namespace trapeze::vax
