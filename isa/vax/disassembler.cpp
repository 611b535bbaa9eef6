#include "isa/vax/disassembler.h"

#include <fmt/format.h>

#include "isa/vax/float_format.h"

namespace trapeze::vax {

namespace {

std::string address_text(uint32_t address) { return fmt::format("{:#x}", address); }

std::string unsigned_text(uint64_t value) {
    return value < 10 ? fmt::format("{}", value) : fmt::format("{:#x}", value);
}

std::string signed_text(int64_t value) {
    if (value < 0) return "-" + unsigned_text(static_cast<uint64_t>(-value));
    return unsigned_text(static_cast<uint64_t>(value));
}

// A floating short literal's value, always with a decimal point so that the assembler reads
// it as a floating constant.
std::string float_literal_text(uint8_t literal) {
    std::string text = fmt::format("{}", static_cast<double>(short_literal_float(literal)));
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    return text;
}

// Immediate data as a little-endian integer: all 16 bytes for octawords and H_floating.
std::string immediate_text(const OperandSpec& spec) {
    if (spec.immediate_size <= 8) return unsigned_text(spec.immediate_value());
    uint64_t high = 0;
    for (int i = spec.immediate_size; i-- > 8;) high = (high << 8) | spec.immediate[i];
    if (high == 0) return unsigned_text(spec.immediate_value());
    return fmt::format("{:#x}{:016x}", high, spec.immediate_value());
}

// Whether the assembler, given "#value", would encode a short literal instead.
bool fits_short_literal(const OperandSpec& spec) {
    for (int i = 1; i < spec.immediate_size; ++i) {
        if (spec.immediate[i] != 0) return false;
    }
    return spec.immediate[0] < 64;
}

char size_prefix(uint8_t displacement_bytes) {
    return displacement_bytes == 1 ? 'B' : displacement_bytes == 2 ? 'W' : 'L';
}

std::string base_text(const OperandSpec& spec, const DisassemblyStyle& style) {
    const std::string_view reg = register_name(spec.reg);
    const bool floating = is_floating(spec.type.type);
    switch (spec.mode) {
    case SpecifierMode::short_literal: {
        std::string value = floating ? float_literal_text(spec.literal)
                                     : fmt::format("{}", spec.literal);
        return (style.explicit_literals ? "S^#" : "#") + value;
    }
    case SpecifierMode::immediate: {
        // An immediate the assembler would not choose by itself must say I^: a small integer
        // (it would become a short literal) and raw floating bits (#n would be converted).
        const bool needs_prefix = style.explicit_literals || floating ||
                                  (spec.type.access == Access::read && fits_short_literal(spec));
        return (needs_prefix ? "I^#" : "#") + immediate_text(spec);
    }
    case SpecifierMode::register_mode: return std::string(reg);
    case SpecifierMode::register_deferred: return fmt::format("({})", reg);
    case SpecifierMode::autodecrement: return fmt::format("-({})", reg);
    case SpecifierMode::autoincrement: return fmt::format("({})+", reg);
    case SpecifierMode::autoincrement_deferred: return fmt::format("@({})+", reg);
    case SpecifierMode::absolute: return "@#" + address_text(spec.address);
    case SpecifierMode::branch: return address_text(spec.address);
    default: break;
    }
    const char prefix = size_prefix(displacement_size(spec.mode));
    const char* deferred = is_deferred(spec.mode) ? "@" : "";
    if (is_relative(spec.mode)) {
        return fmt::format("{}{}^{}", deferred, prefix, address_text(spec.address));
    }
    return fmt::format("{}{}^{}({})", deferred, prefix, signed_text(spec.displacement), reg);
}

}  // namespace

std::string format_operand(const OperandSpec& spec, const DisassemblyStyle& style) {
    std::string text = base_text(spec, style);
    if (spec.indexed) text += fmt::format("[{}]", register_name(spec.index_reg));
    return text;
}

std::string disassemble(const DecodedInsn& insn, const DisassemblyStyle& style) {
    if (insn.status == DecodeStatus::fetch_failed && insn.info == nullptr) {
        return fmt::format("; instruction fetch failed at {}", address_text(insn.fault_address));
    }
    if (insn.info == nullptr) {
        if (insn.opcode > 0xFF) {
            return fmt::format(".BYTE {:#x},{:#x} ; reserved opcode", insn.opcode >> 8,
                               insn.opcode & 0xFF);
        }
        return fmt::format(".BYTE {:#x} ; reserved opcode", insn.opcode);
    }
    std::string text(insn.info->mnemonic);
    for (int i = 0; i < insn.operand_count; ++i) {
        text += i == 0 ? ' ' : ',';
        text += format_operand(insn.operands[i], style);
    }
    if (insn.status == DecodeStatus::fetch_failed) {
        text += fmt::format(" ; instruction fetch failed at {}", address_text(insn.fault_address));
    } else if (insn.issue != SpecifierIssue::none) {
        text += fmt::format(" ; {} in operand {}: {}",
                            is_addressing_fault(insn.issue) ? "reserved addressing mode"
                                                            : "UNPREDICTABLE",
                            insn.issue_operand + 1, to_string(insn.issue));
    }
    return text;
}

}  // namespace trapeze::vax
