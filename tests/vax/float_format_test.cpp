// VAX F/D/G/H floating formats and floating short literals.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "isa/vax/float_format.h"

using namespace trapeze::vax;

namespace {

std::vector<uint8_t> encoded(long double value, DataType type) {
    auto bytes = encode_float(value, type);
    if (!bytes) return {};
    return std::vector<uint8_t>(bytes->begin(), bytes->begin() + data_size(type));
}

uint16_t word(const std::vector<uint8_t>& bytes, int index) {
    return static_cast<uint16_t>(bytes[2 * index] | bytes[2 * index + 1] << 8);
}

}  // namespace

TEST_CASE("1.0 in each format", "[float]") {
    // 1.0 = 0.1(binary) * 2^1: exponent bias + 1, fraction 0.
    CHECK(encoded(1.0L, DataType::f_float) == std::vector<uint8_t>{0x80, 0x40, 0, 0});
    CHECK(encoded(1.0L, DataType::d_float) == std::vector<uint8_t>{0x80, 0x40, 0, 0, 0, 0, 0, 0});
    CHECK(encoded(1.0L, DataType::g_float) == std::vector<uint8_t>{0x10, 0x40, 0, 0, 0, 0, 0, 0});
    std::vector<uint8_t> h(16, 0);
    h[0] = 0x01;
    h[1] = 0x40;
    CHECK(encoded(1.0L, DataType::h_float) == h);
    CHECK(encoded(0.0L, DataType::f_float) == std::vector<uint8_t>{0, 0, 0, 0});
}

TEST_CASE("sign, exponent and the word order of the fraction", "[float]") {
    // -2.5 = -0.101(binary) * 2^2: sign 1, exponent 130, fraction bits 01000...
    CHECK(encoded(-2.5L, DataType::f_float) == std::vector<uint8_t>{0x20, 0xC1, 0, 0});
    // 1 + 2^-23: the lowest fraction bit is in the second word.
    auto low_bit = encoded(1.0L + std::ldexp(1.0L, -23), DataType::f_float);
    REQUIRE(low_bit.size() == 4);
    CHECK(word(low_bit, 0) == 0x4080);
    CHECK(word(low_bit, 1) == 0x0001);
}

TEST_CASE("encode and decode agree", "[float]") {
    for (DataType type : {DataType::f_float, DataType::d_float, DataType::g_float,
                          DataType::h_float}) {
        for (long double value : {1.0L, -1.0L, 0.1L, 3.14159265358979323846L, 1.0e20L, -7.5e-20L,
                                  123456.789L}) {
            CAPTURE(static_cast<int>(type), static_cast<double>(value));
            auto bytes = encode_float(value, type);
            REQUIRE(bytes.has_value());
            auto back = decode_float(bytes->data(), type);
            REQUIRE(back.has_value());
            const int bits = float_format(type).fraction_bits + 1;
            const long double tolerance = std::ldexp(std::fabs(value), -std::min(bits, 63));
            CHECK(std::fabs(*back - value) <= tolerance);
        }
    }
}

TEST_CASE("range limits", "[float]") {
    CHECK_FALSE(encode_float(1.0e39L, DataType::f_float).has_value());  // F max is about 1.7e38
    CHECK_FALSE(encode_float(1.0e-40L, DataType::f_float).has_value());
    CHECK(encode_float(1.0e300L, DataType::g_float).has_value());
    CHECK_FALSE(encode_float(1.0e300L, DataType::d_float).has_value());
    CHECK(encode_float(1.0e4000L, DataType::h_float).has_value());
    CHECK_FALSE(encode_float(INFINITY, DataType::g_float).has_value());
    CHECK_FALSE(encode_float(NAN, DataType::f_float).has_value());
    CHECK_FALSE(encode_float(1.0L, DataType::longword).has_value());
    // Sign 1 with exponent 0 is the reserved operand.
    const uint8_t reserved[4] = {0x00, 0x80, 0x00, 0x00};
    CHECK_FALSE(decode_float(reserved, DataType::f_float).has_value());
}

TEST_CASE("floating short literals", "[float]") {
    CHECK(short_literal_float(0) == 0.5L);
    CHECK(short_literal_float(8) == 1.0L);
    CHECK(short_literal_float(12) == 1.5L);
    CHECK(short_literal_float(63) == 120.0L);
    CHECK(float_short_literal(1.5L) == uint8_t{12});
    CHECK(float_short_literal(2.5L) == uint8_t{0x12});
    CHECK_FALSE(float_short_literal(0.1L).has_value());
    CHECK_FALSE(float_short_literal(0.0L).has_value());

    // The literal expands to exponent 128 + literal<5:3> (F/D), 1024 + ... (G), 16384 + ...
    // (H) with literal<2:0> as the top fraction bits (VAX ARM, literal mode): as words,
    // F/D 0x4000 | literal << 4, G 0x4000 | literal << 1, H 0x4000 | literal >> 3 followed by
    // (literal & 7) << 13.
    for (uint8_t literal = 0; literal < 64; ++literal) {
        CAPTURE(static_cast<int>(literal));
        const long double value = short_literal_float(literal);
        CHECK(word(encoded(value, DataType::f_float), 0) == (0x4000 | literal << 4));
        CHECK(word(encoded(value, DataType::d_float), 0) == (0x4000 | literal << 4));
        CHECK(word(encoded(value, DataType::g_float), 0) == (0x4000 | literal << 1));
        auto h = encoded(value, DataType::h_float);
        CHECK(word(h, 0) == (0x4000 | literal >> 3));
        CHECK(word(h, 1) == ((literal & 7) << 13));
        CHECK(float_short_literal(value) == literal);
    }
}
