// One decoded VAX operand specifier: its addressing mode, registers and instruction-stream
// extension (VAX ARM, chapter "Instruction Formats and Addressing Modes"; VAX MACRO and
// Instruction Set Reference Manual §8.7 "General Addressing Modes").
//
// A specifier is a mode byte, mode<7:4> register<3:0>, and an extension whose length depends
// on the mode and on the operand's data type:
//   0-3  short literal        S^#n       6-bit literal in the mode byte
//   4    index                base[Rx]   the next specifier is the base; Rx scaled by the size
//   5    register             Rn
//   6    register deferred    (Rn)
//   7    autodecrement        -(Rn)
//   8    autoincrement        (Rn)+      with PC: immediate I^#n, data of the operand's size
//   9    autoinc. deferred    @(Rn)+     with PC: absolute @#addr, a longword address
//   A/B  byte displacement    B^d(Rn)    and deferred @B^d(Rn); with PC: relative B^addr
//   C/D  word displacement    W^d(Rn)    and deferred; with PC: relative W^addr
//   E/F  long displacement    L^d(Rn)    and deferred; with PC: relative L^addr
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "isa/vax/operand_type.h"

namespace trapeze::vax {

inline constexpr uint8_t kAP = 12;  // argument pointer
inline constexpr uint8_t kFP = 13;  // frame pointer
inline constexpr uint8_t kSP = 14;  // stack pointer
inline constexpr uint8_t kPC = 15;  // program counter

// R0-R11, AP, FP, SP, PC: the names MACRO-32 prints.
constexpr std::string_view register_name(uint8_t reg) {
    constexpr std::string_view names[] = {"R0", "R1", "R2", "R3", "R4",  "R5", "R6", "R7",
                                          "R8", "R9", "R10", "R11", "AP", "FP", "SP", "PC"};
    return names[reg & 15];
}

enum class SpecifierMode : uint8_t {
    short_literal,               // 0-3   S^#n
    register_mode,               // 5n    Rn
    register_deferred,           // 6n    (Rn)
    autodecrement,               // 7n    -(Rn)
    autoincrement,               // 8n    (Rn)+
    immediate,                   // 8F    I^#n
    autoincrement_deferred,      // 9n    @(Rn)+
    absolute,                    // 9F    @#addr
    byte_displacement,           // An    B^d(Rn)
    byte_displacement_deferred,  // Bn    @B^d(Rn)
    word_displacement,           // Cn    W^d(Rn)
    word_displacement_deferred,  // Dn    @W^d(Rn)
    long_displacement,           // En    L^d(Rn)
    long_displacement_deferred,  // Fn    @L^d(Rn)
    byte_relative,               // AF    B^addr
    byte_relative_deferred,      // BF    @B^addr
    word_relative,               // CF    W^addr
    word_relative_deferred,      // DF    @W^addr
    long_relative,               // EF    L^addr
    long_relative_deferred,      // FF    @L^addr
    branch,                      // not a specifier: the bb/bw displacement of a branch
};

constexpr bool is_relative(SpecifierMode mode) {
    return mode >= SpecifierMode::byte_relative && mode <= SpecifierMode::long_relative_deferred;
}

constexpr bool is_displacement(SpecifierMode mode) {
    return mode >= SpecifierMode::byte_displacement &&
           mode <= SpecifierMode::long_displacement_deferred;
}

// Bytes of displacement in the extension of a displacement or relative mode, else 0.
constexpr uint8_t displacement_size(SpecifierMode mode) {
    if (!is_displacement(mode) && !is_relative(mode)) return 0;
    int step = is_relative(mode)
                   ? static_cast<int>(mode) - static_cast<int>(SpecifierMode::byte_relative)
                   : static_cast<int>(mode) - static_cast<int>(SpecifierMode::byte_displacement);
    return static_cast<uint8_t>(1 << (step / 2));
}

// Deferred modes fetch a longword address from where the specifier points.
constexpr bool is_deferred(SpecifierMode mode) {
    switch (mode) {
    case SpecifierMode::autoincrement_deferred:
    case SpecifierMode::absolute:
    case SpecifierMode::byte_displacement_deferred:
    case SpecifierMode::word_displacement_deferred:
    case SpecifierMode::long_displacement_deferred:
    case SpecifierMode::byte_relative_deferred:
    case SpecifierMode::word_relative_deferred:
    case SpecifierMode::long_relative_deferred:
        return true;
    default:
        return false;
    }
}

struct OperandSpec {
    OperandType type;                 // from the opcode's row
    SpecifierMode mode = SpecifierMode::short_literal;  // of the base specifier if indexed
    uint8_t reg = 0;                  // Rn; kPC for immediate, absolute and relative modes
    bool indexed = false;             // index mode prefix: base[Rx]
    uint8_t index_reg = 0;            // Rx
    uint8_t literal = 0;              // short literal, 0-63
    uint8_t offset = 0;               // first byte of the specifier, from the opcode's address
    uint8_t length = 0;               // bytes: index byte + mode byte + extension
    uint8_t immediate_size = 0;       // immediate mode: bytes of data (the operand's size)
    int32_t displacement = 0;         // displacement, relative and branch modes, sign-extended
    uint32_t address = 0;             // absolute: the address; relative and branch: the target
                                      // (the PC after the extension plus the displacement)
    std::array<uint8_t, 16> immediate{};  // immediate data in instruction-stream order

    // The immediate data as a little-endian integer (its first 8 bytes).
    constexpr uint64_t immediate_value() const {
        uint64_t value = 0;
        for (int i = immediate_size < 8 ? immediate_size : 8; i-- > 0;) {
            value = (value << 8) | immediate[i];
        }
        return value;
    }
};

}  // namespace trapeze::vax
