// Helpers shared by the x87 unit tests: building operands as raw bytes, pushing exact 80-bit
// values, and printing Float80 values in Catch2 messages.
#pragma once

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "isa/x86/fpu/x87.h"

namespace Catch {
template <>
struct StringMaker<trapeze::x86::Float80> {
    static std::string convert(const trapeze::x86::Float80& value) {
        char text[40];
        std::snprintf(text, sizeof text, "%04X:%016llX", value.sign_exponent,
                      static_cast<unsigned long long>(value.significand));
        return text;
    }
};
}  // namespace Catch

namespace trapeze::x86::test {

inline constexpr X87Pointer code_pointer{0x0008, 0x00401000};
inline constexpr X87Pointer data_pointer{0x0010, 0x00802000};

// A site for a register form / a memory form; the opcode bytes are those of the instruction
// being tested where it matters, any ESC encoding otherwise.
inline X87Site reg_site(uint8_t esc = 0xD9, uint8_t modrm = 0xC0) {
    return X87Site::register_form(code_pointer, esc, modrm);
}
inline X87Site mem_site(uint8_t esc = 0xD9, uint8_t modrm = 0x00) {
    return X87Site::memory_form(code_pointer, esc, modrm, data_pointer);
}

inline constexpr Float80 f80(uint16_t sign_exponent, uint64_t significand) {
    return Float80{significand, sign_exponent};
}

inline std::array<uint8_t, 2> le16(uint16_t v) {
    return {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
}
inline std::array<uint8_t, 4> le32(uint32_t v) {
    std::array<uint8_t, 4> b{};
    for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return b;
}
inline std::array<uint8_t, 8> le64(uint64_t v) {
    std::array<uint8_t, 8> b{};
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return b;
}
inline std::array<uint8_t, 10> bytes80(Float80 v) {
    std::array<uint8_t, 10> b{};
    v.to_bytes(b.data());
    return b;
}
template <std::size_t N>
uint64_t from_le(const std::array<uint8_t, N>& b) {
    uint64_t v = 0;
    for (std::size_t i = 0; i < N && i < 8; ++i) v |= uint64_t{b[i]} << (8 * i);
    return v;
}

inline uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline uint64_t bits_of(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return u;
}

// Pushes an exact 80-bit value (FLD m80fp copies any encoding without exceptions).
inline X87Outcome push(X87& fpu, Float80 value) {
    const auto bytes = bytes80(value);
    return fpu.fld_m80fp(mem_site(0xDB, 0x28), bytes.data());
}
inline X87Outcome push_double(X87& fpu, double value) {
    const auto bytes = le64(bits_of(value));
    return fpu.fld_m64fp(mem_site(0xDD, 0x00), bytes.data());
}

inline uint16_t condition_codes(const X87& fpu) { return fpu.fnstsw() & fsw::CONDITION; }
inline bool c1(const X87& fpu) { return (fpu.fnstsw() & fsw::C1) != 0; }

// An FPU with a given control word (default: all exceptions masked, 64-bit, nearest).
inline X87 make_fpu(uint16_t control = fcw::DEFAULT) {
    X87 fpu;
    fpu.fninit();
    fpu.fldcw(control);
    return fpu;
}

// Common values.
inline constexpr Float80 k_one = f80(0x3FFF, 0x8000000000000000ull);
inline constexpr Float80 k_two = f80(0x4000, 0x8000000000000000ull);
inline constexpr Float80 k_minus_one = f80(0xBFFF, 0x8000000000000000ull);
inline constexpr Float80 k_plus_zero = f80(0x0000, 0);
inline constexpr Float80 k_minus_zero = f80(0x8000, 0);
inline constexpr Float80 k_plus_inf = f80(0x7FFF, 0x8000000000000000ull);
inline constexpr Float80 k_minus_inf = f80(0xFFFF, 0x8000000000000000ull);
inline constexpr Float80 k_qnan = f80(0x7FFF, 0xC000000000000001ull);
inline constexpr Float80 k_snan = f80(0x7FFF, 0x8000000000000001ull);
inline constexpr Float80 k_indefinite = Float80::indefinite();

}  // namespace trapeze::x86::test
