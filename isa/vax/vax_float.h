// F, D and G floating-point arithmetic with VAX semantics (VAX ARM, chapters "Data
// Representation" and "Floating-Point Instructions"): hidden-bit fractions 0.1fff * 2^exp,
// no denormals, infinities or NaNs; exponent 0 with sign 1 is a reserved operand, with sign 0
// zero. Results are computed exactly (128-bit intermediates, truncated to a 64-bit fraction,
// which cannot change a round-half-up decision) and rounded the VAX way: add one half of the
// least significant bit of the destination to the magnitude and truncate.
#pragma once

#include <cstdint>

namespace trapeze::vax::fp {

enum class Fmt : uint8_t { F, D, G };

struct Unpacked {
    bool neg = false;
    bool zero = true;
    int exp = 0;        // value = frac / 2^64 * 2^exp
    uint64_t frac = 0;  // bit 63 set unless zero
};

enum class Status : uint8_t { ok, reserved_operand, overflow, underflow, divide_by_zero };

// Significant bits including the hidden bit: F 24, D 56, G 53.
int precision(Fmt f);
// Unpack the datum (memory order, F in the low 32 bits). False for a reserved operand.
bool unpack(Fmt f, uint64_t bits, Unpacked& out);
// Round and pack. overflow/underflow leave `bits` unchanged (underflow: the caller stores 0
// when PSL<FU> is clear). With round = false the fraction is truncated.
Status pack(Fmt f, const Unpacked& u, uint64_t& bits, bool round = true);

Unpacked add(const Unpacked& a, const Unpacked& b);
Unpacked negate(Unpacked a);
Unpacked mul(const Unpacked& a, const Unpacked& b);
// a / b; b must not be zero.
Unpacked div(const Unpacked& a, const Unpacked& b);
Unpacked from_int(int64_t v);
// Integer part (truncated toward zero, or rounded half away from zero), as a 64-bit two's
// complement value; `overflow` when the magnitude does not fit in `bits` signed bits (the low
// bits are still returned).
int64_t to_int(const Unpacked& u, bool round, int bits, bool& overflow);
// -1, 0, 1.
int compare(const Unpacked& a, const Unpacked& b);
// Split into integer and fraction parts (EMOD): the fraction keeps the sign.
void split(const Unpacked& u, int64_t& int_part, bool& int_overflow, Unpacked& fraction);
// Product with the multiplier's fraction extended by `ext` (ext_bits bits appended below the
// fraction): EMOD's extended multiplier.
Unpacked mul_extended(const Unpacked& mulr, uint32_t ext, int ext_bits, Fmt f, const Unpacked& muld);

}  // namespace trapeze::vax::fp
