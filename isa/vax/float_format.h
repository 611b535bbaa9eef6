// The VAX floating-point formats F, D, G and H (VAX ARM, chapter "Data Representation"), as
// far as the assembler and disassembler need them: encoding a constant, reading one back, and
// the floating meaning of a short literal.
//
// A VAX float is sign, exponent (excess 2^(E-1)) and a fraction with a hidden leading 1, the
// value 0.1fff...(binary) * 2^(exponent - bias). It is stored as 16-bit words, the word with
// the sign and exponent first (lowest address), each word little-endian. An exponent of 0 is
// zero when the sign is 0 and a reserved operand when it is 1; there are no denormals,
// infinities or NaNs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "isa/vax/operand_type.h"

namespace trapeze::vax {

struct FloatFormat {
    int exponent_bits;
    int fraction_bits;  // stored fraction bits, without the hidden bit
    int bias;
};

constexpr FloatFormat float_format(DataType type) {
    switch (type) {
    case DataType::d_float: return {8, 55, 128};
    case DataType::g_float: return {11, 52, 1024};
    case DataType::h_float: return {15, 112, 16384};
    default: return {8, 23, 128};  // F_floating
    }
}

// The datum's bytes in memory order; data_size(type) of them are used.
using FloatBytes = std::array<uint8_t, 16>;

// `value` in the format of `type`, rounded to nearest even; nullopt if it is not finite or
// out of the format's range (overflow, or a nonzero value below its smallest magnitude).
// The 64-bit significand of long double limits D (56 bits) and H (113 bits) constants to
// 64 significant bits.
std::optional<FloatBytes> encode_float(long double value, DataType type);

// The value of a datum; nullopt for a reserved operand (sign 1, exponent 0).
std::optional<long double> decode_float(const uint8_t* bytes, DataType type);

// A short literal in a floating context: 3-bit exponent and 3-bit fraction,
// (8 + literal<2:0>) * 2^literal<5:3> / 16, from 0.5 to 120 (VAX ARM, literal mode).
constexpr long double short_literal_float(uint8_t literal) {
    long double value = 8 + (literal & 7);
    for (int e = literal >> 3 & 7; e > 0; --e) value *= 2;
    return value / 16;
}

// The short literal whose floating value is exactly `value`, if there is one.
constexpr std::optional<uint8_t> float_short_literal(long double value) {
    for (uint8_t literal = 0; literal < 64; ++literal) {
        if (short_literal_float(literal) == value) return literal;
    }
    return std::nullopt;
}

}  // namespace trapeze::vax
