#include "isa/vax/decoder.h"

namespace trapeze::vax {

namespace {

// Reads the instruction stream from the opcode's address on and remembers the first failure.
class StreamReader {
public:
    StreamReader(ByteFetcher fetch, uint32_t start) : fetch_(fetch), start_(start) {}

    bool read(uint8_t& byte) {
        if (failed_) return false;
        uint32_t address = start_ + offset_;
        if (!fetch_(address, byte)) {
            failed_ = true;
            fault_address_ = address;
            return false;
        }
        ++offset_;
        return true;
    }

    bool read(uint8_t* bytes, int count) {
        for (int i = 0; i < count; ++i) {
            if (!read(bytes[i])) return false;
        }
        return true;
    }

    // A little-endian field of 1, 2 or 4 bytes, sign-extended.
    bool read_signed(int size, int32_t& value) {
        uint8_t bytes[4] = {};
        if (!read(bytes, size)) return false;
        uint32_t raw = 0;
        for (int i = size; i-- > 0;) raw = (raw << 8) | bytes[i];
        int shift = 32 - 8 * size;
        value = static_cast<int32_t>(raw << shift) >> shift;
        return true;
    }

    uint8_t offset() const { return static_cast<uint8_t>(offset_); }
    uint32_t pc() const { return start_ + offset_; }  // the address of the next byte
    bool failed() const { return failed_; }
    uint32_t fault_address() const { return fault_address_; }

private:
    ByteFetcher fetch_;
    uint32_t start_;
    uint32_t offset_ = 0;
    bool failed_ = false;
    uint32_t fault_address_ = 0;
};

void note_issue(DecodedInsn& insn, int operand, SpecifierIssue issue) {
    if (is_addressing_fault(issue)) {
        // The first fault is the one the processor takes; it replaces an earlier condition
        // that was only UNPREDICTABLE.
        if (insn.status == DecodeStatus::reserved_addressing_mode) return;
        insn.status = DecodeStatus::reserved_addressing_mode;
    } else if (insn.issue != SpecifierIssue::none) {
        return;
    }
    insn.issue = issue;
    insn.issue_operand = static_cast<uint8_t>(operand);
}

enum class SpecifierResult { decoded, fetch_failed, stop };

SpecifierResult decode_branch(StreamReader& reader, OperandSpec& spec) {
    spec.mode = SpecifierMode::branch;
    int size = spec.type.type == DataType::byte ? 1 : 2;
    if (!reader.read_signed(size, spec.displacement)) return SpecifierResult::fetch_failed;
    spec.address = reader.pc() + static_cast<uint32_t>(spec.displacement);
    return SpecifierResult::decoded;
}

// Decodes the specifier whose mode byte is `mode_byte` (already read): the whole specifier if
// it is not indexed, else the base of an index-mode specifier.
SpecifierResult decode_base(StreamReader& reader, DecodedInsn& insn, int operand,
                            OperandSpec& spec, uint8_t mode_byte) {
    const uint8_t mode = mode_byte >> 4;
    const uint8_t reg = mode_byte & 15;
    const Access access = spec.type.access;
    const uint8_t size = spec.type.size();
    const bool destination = access == Access::write || access == Access::modify;
    spec.reg = reg;

    // Autoincrement, autodecrement and autoincrement deferred update Rn before or after the
    // index register is read: UNPREDICTABLE when Rn is Rx (VAX MACRO manual §8.7.9).
    auto check_updated_index = [&] {
        if (spec.indexed && reg == spec.index_reg && reg != kPC) {
            note_issue(insn, operand, SpecifierIssue::index_register_updated);
        }
    };

    switch (mode) {
    case 0: case 1: case 2: case 3:
        spec.mode = SpecifierMode::short_literal;
        spec.literal = mode_byte & 0x3F;
        spec.reg = 0;
        if (access != Access::read) note_issue(insn, operand, SpecifierIssue::literal_not_read);
        return SpecifierResult::decoded;

    case 5:
        spec.mode = SpecifierMode::register_mode;
        if (access == Access::address) {
            note_issue(insn, operand, SpecifierIssue::register_for_address);
        } else if (reg == kPC) {
            note_issue(insn, operand, SpecifierIssue::pc_in_register_mode);
        } else if ((size == 8 && reg >= kSP) || (size == 16 && reg >= kAP)) {
            note_issue(insn, operand, SpecifierIssue::register_range_past_pc);
        }
        return SpecifierResult::decoded;

    case 6:
        spec.mode = SpecifierMode::register_deferred;
        if (reg == kPC) note_issue(insn, operand, SpecifierIssue::pc_in_register_mode);
        return SpecifierResult::decoded;

    case 7:
        spec.mode = SpecifierMode::autodecrement;
        if (reg == kPC) note_issue(insn, operand, SpecifierIssue::pc_in_register_mode);
        check_updated_index();
        return SpecifierResult::decoded;

    case 8:
        if (reg != kPC) {
            spec.mode = SpecifierMode::autoincrement;
            check_updated_index();
            return SpecifierResult::decoded;
        }
        // Immediate: (PC)+ with the operand's own size of data in the stream. As an address
        // or field operand it names the data's address, which is defined.
        spec.mode = SpecifierMode::immediate;
        spec.immediate_size = size;
        if (!reader.read(spec.immediate.data(), size)) return SpecifierResult::fetch_failed;
        if (destination) note_issue(insn, operand, SpecifierIssue::immediate_written);
        if (spec.indexed) note_issue(insn, operand, SpecifierIssue::index_base_immediate);
        return SpecifierResult::decoded;

    case 9: {
        if (reg != kPC) {
            spec.mode = SpecifierMode::autoincrement_deferred;
            check_updated_index();
            return SpecifierResult::decoded;
        }
        // Absolute: @(PC)+, a longword address in the stream.
        spec.mode = SpecifierMode::absolute;
        int32_t address = 0;
        if (!reader.read_signed(4, address)) return SpecifierResult::fetch_failed;
        spec.address = static_cast<uint32_t>(address);
        return SpecifierResult::decoded;
    }

    default: {  // 0xA-0xF: displacement and displacement deferred, byte/word/long
        const int step = mode - 0xA;  // 0 byte, 1 byte deferred, 2 word, ...
        const int disp_size = 1 << (step / 2);
        const int base = reg == kPC ? static_cast<int>(SpecifierMode::byte_relative)
                                    : static_cast<int>(SpecifierMode::byte_displacement);
        spec.mode = static_cast<SpecifierMode>(base + step);
        if (!reader.read_signed(disp_size, spec.displacement)) return SpecifierResult::fetch_failed;
        // Relative modes add the PC as it is after the displacement has been read.
        if (reg == kPC) spec.address = reader.pc() + static_cast<uint32_t>(spec.displacement);
        return SpecifierResult::decoded;
    }
    }
}

SpecifierResult decode_specifier(StreamReader& reader, DecodedInsn& insn, int operand,
                                 OperandSpec& spec) {
    uint8_t mode_byte = 0;
    if (!reader.read(mode_byte)) return SpecifierResult::fetch_failed;
    if ((mode_byte >> 4) != 4) return decode_base(reader, insn, operand, spec, mode_byte);

    // Index mode: base[Rx]; the base specifier follows (VAX MACRO manual §8.7.9).
    spec.indexed = true;
    spec.index_reg = mode_byte & 15;
    if (spec.index_reg == kPC) note_issue(insn, operand, SpecifierIssue::index_register_pc);
    uint8_t base_byte = 0;
    if (!reader.read(base_byte)) return SpecifierResult::fetch_failed;
    switch (base_byte >> 4) {
    case 0: case 1: case 2: case 3:
        note_issue(insn, operand, SpecifierIssue::index_base_literal);
        spec.mode = SpecifierMode::short_literal;
        spec.literal = base_byte & 0x3F;
        return SpecifierResult::decoded;
    case 4:
        // Where the specifier ends is not defined: decoding stops here.
        note_issue(insn, operand, SpecifierIssue::index_base_index);
        return SpecifierResult::stop;
    case 5:
        note_issue(insn, operand, SpecifierIssue::index_base_register);
        spec.mode = SpecifierMode::register_mode;
        spec.reg = base_byte & 15;
        return SpecifierResult::decoded;
    default:
        return decode_base(reader, insn, operand, spec, base_byte);
    }
}

bool is_case(OpcodeId id) {
    return id == OpcodeId::CASEB || id == OpcodeId::CASEW || id == OpcodeId::CASEL;
}

// CASEx selector, base, limit: a table of limit + 1 word displacements follows the specifiers.
void find_case_table(DecodedInsn& insn) {
    if (insn.status != DecodeStatus::ok || !is_case(insn.id()) || insn.operand_count != 3) return;
    const OperandSpec& limit = insn.operands[2];
    if (limit.indexed) return;
    uint64_t value = 0;
    if (limit.mode == SpecifierMode::short_literal) {
        value = limit.literal;
    } else if (limit.mode == SpecifierMode::immediate) {
        value = limit.immediate_value();
    } else {
        return;
    }
    insn.case_table_known = true;
    insn.case_table_entries = value + 1;
}

}  // namespace

DecodedInsn decode(ByteFetcher fetch, uint32_t address) {
    DecodedInsn insn;
    insn.address = address;
    StreamReader reader(fetch, address);

    auto fail_fetch = [&] {
        // A fault found in an earlier specifier is taken before the failed fetch would be.
        if (insn.status != DecodeStatus::reserved_addressing_mode) {
            insn.status = DecodeStatus::fetch_failed;
        }
        insn.fault_address = reader.fault_address();
        insn.length = reader.offset();
        return insn;
    };

    uint8_t first = 0;
    if (!reader.read(first)) return fail_fetch();
    insn.opcode = first;
    if (first == kTwoByteOpcodePrefix) {
        uint8_t second = 0;
        if (!reader.read(second)) return fail_fetch();
        insn.opcode = static_cast<uint16_t>((first << 8) | second);
    }
    insn.info = find_opcode(insn.opcode);
    if (insn.info == nullptr) {
        insn.status = DecodeStatus::reserved_instruction;
        insn.length = reader.offset();
        return insn;
    }

    const auto types = insn.info->operand_types();
    for (int i = 0; i < static_cast<int>(types.size()); ++i) {
        OperandSpec& spec = insn.operands[i];
        spec.type = types[i];
        spec.offset = reader.offset();
        SpecifierResult result = spec.type.is_specifier()
                                     ? decode_specifier(reader, insn, i, spec)
                                     : decode_branch(reader, spec);
        if (result == SpecifierResult::fetch_failed) return fail_fetch();
        if (result == SpecifierResult::stop) break;
        spec.length = static_cast<uint8_t>(reader.offset() - spec.offset);
        insn.operand_count = static_cast<uint8_t>(i + 1);
    }
    insn.length = reader.offset();
    find_case_table(insn);
    return insn;
}

DecodedInsn decode(std::span<const uint8_t> bytes, uint32_t address) {
    auto from_buffer = [&](uint32_t at, uint8_t& byte) {
        uint32_t index = at - address;
        if (index >= bytes.size()) return false;
        byte = bytes[index];
        return true;
    };
    return decode(ByteFetcher(from_buffer), address);
}

std::string_view to_string(DecodeStatus status) {
    switch (status) {
    case DecodeStatus::ok: return "ok";
    case DecodeStatus::reserved_instruction: return "reserved instruction";
    case DecodeStatus::reserved_addressing_mode: return "reserved addressing mode";
    case DecodeStatus::fetch_failed: return "instruction fetch failed";
    }
    return "?";
}

std::string_view to_string(SpecifierIssue issue) {
    switch (issue) {
    case SpecifierIssue::none: return "none";
    case SpecifierIssue::literal_not_read: return "short literal for an operand that is not read";
    case SpecifierIssue::register_for_address: return "register mode for an address operand";
    case SpecifierIssue::index_register_pc: return "index mode with PC as index register";
    case SpecifierIssue::index_base_literal: return "index mode with a short literal base";
    case SpecifierIssue::index_base_register: return "index mode with a register base";
    case SpecifierIssue::index_base_index: return "index mode with an index mode base";
    case SpecifierIssue::pc_in_register_mode:
        return "PC in register, register deferred or autodecrement mode";
    case SpecifierIssue::register_range_past_pc: return "register operand extends into PC";
    case SpecifierIssue::immediate_written: return "immediate mode for a written operand";
    case SpecifierIssue::index_base_immediate: return "index mode with an immediate base";
    case SpecifierIssue::index_register_updated:
        return "index mode whose base updates the index register";
    }
    return "?";
}

}  // namespace trapeze::vax
