// The operand type of one VAX instruction operand: the access type and data type of the VAX
// ARM's operand notation "name.<access type><data type>" (VAX ARM, chapter "Instruction
// Formats and Addressing Modes", operand specifier notation), e.g. ADDL3 add1.rl, add2.rl,
// sum.wl. Every row of opcodes.inc lists its operands as these tokens.
#pragma once

#include <cstdint>

namespace trapeze::vax {

// What the instruction does with the operand: the access types of the VAX ARM's notation.
enum class Access : uint8_t {
    read,      // r: the operand's value is read
    write,     // w: the operand is written (a destination)
    modify,    // m: read, then written
    address,   // a: the operand's address is used, not its value
    field,     // v: a bit-field base: an address, or a register holding the field
    branch,    // b: not a specifier; a PC displacement in the instruction stream
};

// The operand's data type; for address and field operands the type of the addressed data,
// which scales index mode and sizes autoincrement/autodecrement (VAX ARM, index mode; VAX MACRO
// and Instruction Set Reference Manual §8.7.9).
enum class DataType : uint8_t {
    byte,      // b   1 byte
    word,      // w   2 bytes
    longword,  // l   4 bytes
    quadword,  // q   8 bytes
    octaword,  // o  16 bytes
    f_float,   // f   4 bytes, F_floating
    d_float,   // d   8 bytes, D_floating
    g_float,   // g   8 bytes, G_floating
    h_float,   // h  16 bytes, H_floating
};

constexpr uint8_t data_size(DataType type) {
    switch (type) {
    case DataType::byte: return 1;
    case DataType::word: return 2;
    case DataType::longword: return 4;
    case DataType::quadword: return 8;
    case DataType::octaword: return 16;
    case DataType::f_float: return 4;
    case DataType::d_float: return 8;
    case DataType::g_float: return 8;
    case DataType::h_float: return 16;
    }
    return 0;
}

constexpr bool is_floating(DataType type) {
    return type == DataType::f_float || type == DataType::d_float ||
           type == DataType::g_float || type == DataType::h_float;
}

constexpr char access_letter(Access access) {
    switch (access) {
    case Access::read: return 'r';
    case Access::write: return 'w';
    case Access::modify: return 'm';
    case Access::address: return 'a';
    case Access::field: return 'v';
    case Access::branch: return 'b';
    }
    return '?';
}

constexpr char data_type_letter(DataType type) {
    constexpr char letters[] = "bwlqofdgh";
    return letters[static_cast<int>(type)];
}

struct OperandType {
    Access access = Access::read;
    DataType type = DataType::byte;

    constexpr bool operator==(const OperandType&) const = default;
    constexpr uint8_t size() const { return data_size(type); }
    // Branch displacements are not operand specifiers: no addressing mode byte.
    constexpr bool is_specifier() const { return access != Access::branch; }
};

// The tokens the rows of opcodes.inc are written in: access letter then data-type letter,
// upper case (RL = .rl, VB = .vb, BW = word branch displacement).
namespace operand_tokens {
#define TRAPEZE_VAX_OPERAND_TOKEN(name, access, type) \
    inline constexpr OperandType name{Access::access, DataType::type};
#define TRAPEZE_VAX_OPERAND_TOKENS(letter, access)                                  \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##B, access, byte)                              \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##W, access, word)                              \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##L, access, longword)                          \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##Q, access, quadword)                          \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##O, access, octaword)                          \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##F, access, f_float)                           \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##D, access, d_float)                           \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##G, access, g_float)                           \
    TRAPEZE_VAX_OPERAND_TOKEN(letter##H, access, h_float)
TRAPEZE_VAX_OPERAND_TOKENS(R, read)
TRAPEZE_VAX_OPERAND_TOKENS(W, write)
TRAPEZE_VAX_OPERAND_TOKENS(M, modify)
TRAPEZE_VAX_OPERAND_TOKENS(A, address)
TRAPEZE_VAX_OPERAND_TOKEN(VB, field, byte)
TRAPEZE_VAX_OPERAND_TOKEN(BB, branch, byte)
TRAPEZE_VAX_OPERAND_TOKEN(BW, branch, word)
#undef TRAPEZE_VAX_OPERAND_TOKENS
#undef TRAPEZE_VAX_OPERAND_TOKEN
}  // namespace operand_tokens

}  // namespace trapeze::vax
