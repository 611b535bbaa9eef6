// The VAX instruction decoder: table-driven from opcodes.inc. It reads one instruction from a
// byte source and reports its opcode row, length and operand specifiers, and whether the
// instruction must fault before it executes (reserved instruction, reserved addressing mode).
// It allocates nothing and executes nothing: register values are the semantics layer's.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "isa/vax/opcode_table.h"
#include "isa/vax/operand_specifier.h"

namespace trapeze::vax {

// A non-owning reference to the caller's byte source: any callable
// `bool (uint32_t address, uint8_t& byte)` that returns false when the byte cannot be fetched
// (the semantics layer turns that into its memory-management fault).
class ByteFetcher {
public:
    template <typename Fetch>
        requires(!std::is_same_v<std::remove_cvref_t<Fetch>, ByteFetcher> &&
                 std::is_invocable_r_v<bool, Fetch&, uint32_t, uint8_t&>)
    ByteFetcher(Fetch&& fetch)  // NOLINT: implicit, like std::function_ref
        : context_(const_cast<void*>(static_cast<const void*>(&fetch))),
          call_([](void* context, uint32_t address, uint8_t& byte) {
              return (*static_cast<std::remove_reference_t<Fetch>*>(context))(address, byte);
          }) {}

    bool operator()(uint32_t address, uint8_t& byte) const {
        return call_(context_, address, byte);
    }

private:
    void* context_;
    bool (*call_)(void*, uint32_t, uint8_t&);
};

enum class DecodeStatus : uint8_t {
    ok,
    reserved_instruction,      // no row for the opcode: reserved-instruction fault
    reserved_addressing_mode,  // a specifier faults before execution; see DecodedInsn::issue
    fetch_failed,              // the byte source failed at DecodedInsn::fault_address
};

// Specifier conditions the VAX ARM names (chapter "Instruction Formats and Addressing Modes";
// VAX MACRO and Instruction Set Reference Manual §8.7, Appendix E).
enum class SpecifierIssue : uint8_t {
    none,
    // Reserved addressing mode fault (architected):
    literal_not_read,          // short literal for a modify, write, address or field operand
    register_for_address,      // register mode for an address (.a) operand
    index_register_pc,         // index mode with Rx = PC
    index_base_literal,        // index mode whose base is a short literal
    index_base_register,       // index mode whose base is register mode
    index_base_index,          // index mode whose base is index mode (decoding stops there)
    // UNPREDICTABLE in the VAX ARM; SIMH's KA655 model takes a reserved addressing mode fault,
    // and the decoder reports them as faults:
    pc_in_register_mode,       // PC in register, register deferred or autodecrement mode
    register_range_past_pc,    // register mode for a quadword/D/G operand in SP (uses PC) or
                               // an octaword/H operand in AP, FP or SP
    // UNPREDICTABLE in the VAX ARM and decoded as written (status stays ok):
    immediate_written,         // immediate mode for a modify or write operand
    index_base_immediate,      // index mode whose base is immediate mode
    index_register_updated,    // index mode whose autoincrement/autodecrement base updates Rx
};

// Whether an issue is a reserved addressing mode fault (else it is only UNPREDICTABLE).
constexpr bool is_addressing_fault(SpecifierIssue issue) {
    return issue != SpecifierIssue::none && issue < SpecifierIssue::immediate_written;
}

std::string_view to_string(DecodeStatus status);
std::string_view to_string(SpecifierIssue issue);

// The longest instruction: a two-byte opcode and six index-mode specifiers with octaword
// immediates (2 + 6 * (1 + 1 + 16)).
inline constexpr int kMaxInstructionLength = 110;

struct DecodedInsn {
    uint32_t address = 0;
    uint16_t opcode = 0;             // 0x00-0xFF, or 0xFDxx
    const OpcodeInfo* info = nullptr;  // the opcodes.inc row; nullptr if reserved
    DecodeStatus status = DecodeStatus::ok;
    uint8_t length = 0;              // opcode + specifiers + branch displacement, in bytes
    uint8_t operand_count = 0;       // operands decoded (all of the row's unless decoding
                                     // stopped at a failed fetch or an index-of-index)
    SpecifierIssue issue = SpecifierIssue::none;  // the first fault, else the first
                                                  // UNPREDICTABLE condition
    uint8_t issue_operand = 0;       // which operand the issue is in
    uint32_t fault_address = 0;      // fetch_failed: the address that could not be read
    // CASEB/CASEW/CASEL: when the limit operand is a literal or an immediate, the word
    // displacement table that follows the specifiers has case_table_entries = limit + 1 words
    // at address + length.
    bool case_table_known = false;
    uint64_t case_table_entries = 0;
    std::array<OperandSpec, kMaxOperands> operands{};

    OpcodeId id() const { return opcode_id(*info); }  // only when info != nullptr
    std::span<const OperandSpec> operand_specs() const { return {operands.data(), operand_count}; }
    // The address of the next instruction in the stream (after a CASE table when it is known).
    uint64_t next_address() const {
        return uint64_t{address} + length + (case_table_known ? 2 * case_table_entries : 0);
    }
};

// Decode the instruction at `address`, fetching its bytes one by one.
DecodedInsn decode(ByteFetcher fetch, uint32_t address);

// Decode from a buffer that holds the bytes from `address` on; bytes past its end fail.
DecodedInsn decode(std::span<const uint8_t> bytes, uint32_t address);

}  // namespace trapeze::vax
