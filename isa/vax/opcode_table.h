// The VAX instruction table as data: the rows of opcodes.inc expanded into a constexpr array
// of OpcodeInfo, an OpcodeId per row, and look-ups by opcode value and by mnemonic.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <string_view>

#include "isa/vax/operand_type.h"

namespace trapeze::vax {

// Popek-Goldberg class on a standard VAX (DESIGN.md §4).
enum class PgClass : uint8_t {
    innocuous,
    sensitive,   // sensitive and unprivileged: executes in every mode
    privileged,  // reserved-instruction fault unless PSL<CUR_MOD> is kernel
};

// Kinds of sensitivity, a set of flags (DESIGN.md §4).
enum class Sensitivity : uint8_t {
    none = 0,
    mode = 1,      // behaviour depends on the processor mode
    control = 2,   // changes the mode or the resources available to the program
    location = 4,  // behaviour depends on where things sit in real memory
};

constexpr Sensitivity operator|(Sensitivity a, Sensitivity b) {
    return static_cast<Sensitivity>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b));
}

constexpr bool has_kind(Sensitivity set, Sensitivity kind) {
    return (static_cast<uint8_t>(set) & static_cast<uint8_t>(kind)) != 0;
}

// What the KA655's CVAX does with an opcode (see the header of opcodes.inc).
enum class Ka655Implementation : uint8_t {
    microcode,  // executed by the CVAX/CFPA
    emulated,   // emulated-instruction exception, software emulation
    reserved,   // reserved-instruction fault
};

inline constexpr int kMaxOperands = 6;

struct OperandList {
    uint8_t count = 0;
    std::array<OperandType, kMaxOperands> types{};
};

struct OpcodeInfo {
    uint16_t value;  // 0x00-0xFC, or 0xFDxx for the two-byte opcodes
    std::string_view mnemonic;
    OperandList operands;
    PgClass pg_class;
    Sensitivity sensitivity;
    Ka655Implementation ka655;

    constexpr bool is_two_byte() const { return value > 0xFF; }
    constexpr uint8_t opcode_length() const { return is_two_byte() ? 2 : 1; }
    constexpr std::span<const OperandType> operand_types() const {
        return {operands.types.data(), operands.count};
    }
};

// The first opcode byte of the two-byte opcodes (VAX ARM: "FD" extends the opcode space).
inline constexpr uint8_t kTwoByteOpcodePrefix = 0xFD;

// One enumerator per opcodes.inc row, in table order.
enum class OpcodeId : uint16_t {
#define OPCODE(value, mnemonic, operands, pg_class, sensitivity, ka655) mnemonic,
#include "isa/vax/opcodes.inc"
#undef OPCODE
};

namespace opcode_row_tokens {
using namespace operand_tokens;
inline constexpr PgClass INNOCUOUS = PgClass::innocuous;
inline constexpr PgClass SENSITIVE = PgClass::sensitive;
inline constexpr PgClass PRIVILEGED = PgClass::privileged;
inline constexpr Sensitivity NONE = Sensitivity::none;
inline constexpr Sensitivity MODE = Sensitivity::mode;
inline constexpr Sensitivity CONTROL = Sensitivity::control;
inline constexpr Sensitivity LOCATION = Sensitivity::location;
inline constexpr Ka655Implementation CVAX_HW = Ka655Implementation::microcode;
inline constexpr Ka655Implementation CVAX_EMUL = Ka655Implementation::emulated;
inline constexpr Ka655Implementation RESERVED = Ka655Implementation::reserved;

template <typename... Types>
constexpr OperandList operand_list(Types... types) {
    static_assert(sizeof...(Types) <= kMaxOperands);
    return OperandList{static_cast<uint8_t>(sizeof...(Types)), {types...}};
}

// A built-in array: deducing a std::array of 300 rows exceeds clang's fold-expression limit.
inline constexpr OpcodeInfo kOpcodeRows[] = {
#define OPCODE(value, mnemonic, operands, pg_class, sensitivity, ka655) \
    OpcodeInfo{value, #mnemonic, operand_list operands, pg_class, sensitivity, ka655},
#include "isa/vax/opcodes.inc"
#undef OPCODE
};
}  // namespace opcode_row_tokens

inline constexpr std::span<const OpcodeInfo> kOpcodeTable{opcode_row_tokens::kOpcodeRows};
inline constexpr std::size_t kOpcodeCount = std::size(opcode_row_tokens::kOpcodeRows);

constexpr const OpcodeInfo& opcode_info(OpcodeId id) {
    return kOpcodeTable[static_cast<std::size_t>(id)];
}

constexpr OpcodeId opcode_id(const OpcodeInfo& info) {
    return static_cast<OpcodeId>(&info - kOpcodeTable.data());
}

// The row for an opcode value (0x00-0xFF, 0xFD00-0xFDFF), or nullptr for a reserved opcode.
const OpcodeInfo* find_opcode(uint16_t value);

// The row for a mnemonic or one of its aliases (opcode_aliases.inc), any letter case, or
// nullptr.
const OpcodeInfo* find_opcode(std::string_view mnemonic);

struct OpcodeAlias {
    std::string_view alias;
    std::string_view mnemonic;
};
std::span<const OpcodeAlias> opcode_aliases();

std::string_view to_string(PgClass pg_class);
std::string_view to_string(Ka655Implementation implementation);
std::string to_string(Sensitivity sensitivity);  // "none", or e.g. "mode|control"

}  // namespace trapeze::vax
