#include "isa/vax/float_format.h"

#include <cmath>

namespace trapeze::vax {

namespace {

__extension__ using Bits = unsigned __int128;

constexpr int total_bits(const FloatFormat& format) {
    return 1 + format.exponent_bits + format.fraction_bits;
}

}  // namespace

std::optional<FloatBytes> encode_float(long double value, DataType type) {
    if (!is_floating(type) || !std::isfinite(value)) return std::nullopt;
    const FloatFormat format = float_format(type);
    FloatBytes bytes{};
    if (value == 0) return bytes;  // +0 and -0 alike: -0 would be a reserved operand

    const bool negative = std::signbit(value);
    int exponent = 0;
    const long double fraction = std::frexp(std::fabs(value), &exponent);  // [0.5, 1)
    // fraction * 2^64 is an integer: long double has a 64-bit significand.
    Bits significand = static_cast<uint64_t>(std::ldexp(fraction, 64));
    const int wanted = format.fraction_bits + 1;  // with the hidden bit
    if (wanted < 64) {
        const int shift = 64 - wanted;
        const Bits half = Bits{1} << (shift - 1);
        const Bits rest = significand & ((Bits{1} << shift) - 1);
        significand >>= shift;
        if (rest > half || (rest == half && (significand & 1))) ++significand;
        if (significand == (Bits{1} << wanted)) {  // rounded up to the next power of two
            significand >>= 1;
            ++exponent;
        }
    } else {
        significand <<= wanted - 64;
    }

    const long biased = static_cast<long>(exponent) + format.bias;
    if (biased <= 0 || biased >= (1L << format.exponent_bits)) return std::nullopt;

    const Bits stored_fraction = significand - (Bits{1} << format.fraction_bits);
    const Bits datum = (Bits{negative} << (format.exponent_bits + format.fraction_bits)) |
                       (Bits(static_cast<uint64_t>(biased)) << format.fraction_bits) |
                       stored_fraction;
    const int total = total_bits(format);
    for (int word = 0; word < total / 16; ++word) {
        const auto bits = static_cast<uint16_t>(datum >> (total - 16 * (word + 1)));
        bytes[2 * word] = static_cast<uint8_t>(bits);
        bytes[2 * word + 1] = static_cast<uint8_t>(bits >> 8);
    }
    return bytes;
}

std::optional<long double> decode_float(const uint8_t* bytes, DataType type) {
    if (!is_floating(type)) return std::nullopt;
    const FloatFormat format = float_format(type);
    const int total = total_bits(format);
    Bits datum = 0;
    for (int word = 0; word < total / 16; ++word) {
        datum = (datum << 16) | Bits(static_cast<uint16_t>(bytes[2 * word] |
                                                           bytes[2 * word + 1] << 8));
    }
    const bool negative = (datum >> (total - 1)) & 1;
    const int exponent =
        static_cast<int>(datum >> format.fraction_bits) & ((1 << format.exponent_bits) - 1);
    if (exponent == 0) {
        if (negative) return std::nullopt;  // reserved operand
        return 0.0L;
    }
    Bits significand = (datum & ((Bits{1} << format.fraction_bits) - 1)) |
                       (Bits{1} << format.fraction_bits);
    int significand_bits = format.fraction_bits + 1;
    if (significand_bits > 64) {  // keep what a long double can hold
        significand >>= significand_bits - 64;
        significand_bits = 64;
    }
    long double value = std::ldexp(static_cast<long double>(static_cast<uint64_t>(significand)),
                                   exponent - format.bias - significand_bits);
    return negative ? -value : value;
}

}  // namespace trapeze::vax
