// F/D/G floating point: the arithmetic of vax_float.h (VAX rounding: half away from zero, not
// IEEE's half to even) and the floating instructions with their faults.
#include <catch2/catch.hpp>

#include <cmath>

#include "isa/vax/float_format.h"
#include "isa/vax/vax_float.h"
#include "tests/vax/cpu_test_support.h"

using namespace trapeze::vax;
using namespace trapeze::vax::test;

namespace {

uint64_t bits_of(long double v, DataType t) {
    auto b = encode_float(v, t);
    REQUIRE(b.has_value());
    uint64_t r = 0;
    for (int i = data_size(t); i-- > 0;) r = (r << 8) | (*b)[i];
    return r;
}

long double value_of(uint64_t bits, DataType t) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(bits >> (8 * i));
    auto v = decode_float(b, t);
    REQUIRE(v.has_value());
    return *v;
}

fp::Unpacked unpacked(long double v, fp::Fmt f, DataType t) {
    fp::Unpacked u;
    REQUIRE(fp::unpack(f, bits_of(v, t), u));
    return u;
}

long double packed_value(const fp::Unpacked& u, fp::Fmt f, DataType t) {
    uint64_t bits = 0;
    REQUIRE(fp::pack(f, u, bits) == fp::Status::ok);
    return value_of(bits, t);
}

}  // namespace

TEST_CASE("VAX float arithmetic rounds half away from zero", "[cpu][float]") {
    using fp::Fmt;
    const DataType F = DataType::f_float;
    // 1 + 2^-24 is exactly half an F ulp above 1: VAX rounds up (IEEE would round to 1).
    fp::Unpacked one = unpacked(1.0L, Fmt::F, F);
    fp::Unpacked half_ulp = unpacked(std::ldexp(1.0L, -24), Fmt::F, F);
    CHECK(packed_value(fp::add(one, half_ulp), Fmt::F, F) == 1.0L + std::ldexp(1.0L, -23));
    fp::Unpacked quarter_ulp = unpacked(std::ldexp(1.0L, -25), Fmt::F, F);
    CHECK(packed_value(fp::add(one, quarter_ulp), Fmt::F, F) == 1.0L);
    // Negative values round by magnitude.
    CHECK(packed_value(fp::add(fp::negate(one), fp::negate(half_ulp)), Fmt::F, F) == -(1.0L + std::ldexp(1.0L, -23)));
    // Subtraction with a far smaller operand: 1 - 2^-40 rounds back to 1.
    CHECK(packed_value(fp::add(one, fp::negate(unpacked(std::ldexp(1.0L, -40), Fmt::F, F))), Fmt::F, F) == 1.0L);
    // Exact results.
    CHECK(packed_value(fp::mul(unpacked(1.5L, Fmt::F, F), unpacked(1.5L, Fmt::F, F)), Fmt::F, F) == 2.25L);
    CHECK(packed_value(fp::div(unpacked(1.0L, Fmt::F, F), unpacked(4.0L, Fmt::F, F)), Fmt::F, F) == 0.25L);
    CHECK(packed_value(fp::from_int(-123456), Fmt::D, DataType::d_float) == -123456.0L);
}

TEST_CASE("VAX float conversions to integers truncate or round", "[cpu][float]") {
    using fp::Fmt;
    bool ovf = false;
    CHECK(fp::to_int(unpacked(2.5L, Fmt::F, DataType::f_float), false, 32, ovf) == 2);
    CHECK(fp::to_int(unpacked(2.5L, Fmt::F, DataType::f_float), true, 32, ovf) == 3);
    CHECK(fp::to_int(unpacked(-2.5L, Fmt::F, DataType::f_float), true, 32, ovf) == -3);
    CHECK(fp::to_int(unpacked(-0.75L, Fmt::F, DataType::f_float), false, 32, ovf) == 0);
    CHECK_FALSE(ovf);
    fp::to_int(unpacked(3e9L, Fmt::G, DataType::g_float), false, 32, ovf);
    CHECK(ovf);
    fp::to_int(unpacked(-2147483648.0L, Fmt::D, DataType::d_float), false, 32, ovf);
    CHECK_FALSE(ovf);
}

TEST_CASE("reserved operands, overflow and underflow", "[cpu][float]") {
    fp::Unpacked u;
    CHECK_FALSE(fp::unpack(fp::Fmt::F, 0x8000, u));  // sign 1, exponent 0
    CHECK(fp::unpack(fp::Fmt::F, 0x0001, u));        // sign 0, exponent 0: zero ("dirty")
    CHECK(u.zero);
    uint64_t bits = 0;
    fp::Unpacked big = unpacked(1e38L, fp::Fmt::F, DataType::f_float);
    CHECK(fp::pack(fp::Fmt::F, fp::mul(big, big), bits) == fp::Status::overflow);
    fp::Unpacked tiny = unpacked(1e-38L, fp::Fmt::F, DataType::f_float);
    CHECK(fp::pack(fp::Fmt::F, fp::mul(tiny, tiny), bits) == fp::Status::underflow);
}

TEST_CASE("floating instructions", "[cpu][float]") {
    Machine m;
    m.exec(R"(
        POLYF #2,#2,COEF
        MOVL R0,R11
        ADDF3 ONE,TWO,R0
        MULF3 #1.5,#1.5,R1
        DIVF3 #3,#1,R2
        CVTRFL #2.5,R3
        CVTFL #-2.5,R4
        CVTLD #-7,R6
        CVTDF R6,R5
        SUBG3 GONE,GTWO,R8
        CVTGF R8,R10
        BRW DONE
    ONE: .F_FLOATING 1.0
    TWO: .F_FLOATING 2.0
    GONE: .G_FLOATING 1.0
    GTWO: .G_FLOATING 2.0
    COEF: .F_FLOATING 2.0, 3.0, 1.0
    DONE:)");
    REQUIRE(m.vector_taken() == -1);
    CHECK(value_of(m.cpu.r[0], DataType::f_float) == 3.0L);
    CHECK(value_of(m.cpu.r[1], DataType::f_float) == 2.25L);
    CHECK(m.cpu.r[2] == 0xAAAB3FAAu);  // 1/3 in F, rounded up in the last place
    CHECK(m.cpu.r[3] == 3);
    CHECK(m.cpu.r[4] == static_cast<uint32_t>(-2));
    CHECK(value_of(m.cpu.r[5], DataType::f_float) == -7.0L);
    CHECK(value_of(m.cpu.r[10], DataType::f_float) == 1.0L);
    CHECK(value_of(m.cpu.r[11], DataType::f_float) == 15.0L);  // 2*2^2 + 3*2 + 1
}

TEST_CASE("EMODF splits the product", "[cpu][float]") {
    Machine m;
    m.exec(" EMODF #2.5,#0,#3,R0,R1");
    CHECK(m.cpu.r[0] == 7);
    CHECK(value_of(m.cpu.r[1], DataType::f_float) == 0.5L);
}

TEST_CASE("floating faults", "[cpu][float][exceptions]") {
    SECTION("reserved operand") {
        Machine m;
        m.exec(" MOVL #0x8000,R0\n MOVF R0,R1");
        CHECK(m.vector_taken() == 0x18);
    }
    SECTION("divide by zero is a fault: destination unchanged, PC of the instruction") {
        Machine m;
        m.exec(" MOVL #0x4080,R0\n CLRL R1\nDIV: DIVF2 R1,R0");
        REQUIRE(m.vector_taken() == 0x34);
        CHECK(m.read32(m.cpu.r[kSP]) == arith::kFloatDivideByZeroFault);
        CHECK(m.read32(m.cpu.r[kSP] + 4) == m.symbol("DIV"));
        CHECK(m.cpu.r[0] == 0x4080);
    }
    SECTION("overflow") {
        Machine m;
        m.exec(" MULF3 BIG,BIG,R0\n BRB OUT\nBIG: .F_FLOATING 1.0E38\nOUT:");
        REQUIRE(m.vector_taken() == 0x34);
        CHECK(m.read32(m.cpu.r[kSP]) == arith::kFloatOverflowFault);
    }
    SECTION("underflow: zero unless PSL<FU>") {
        Machine m;
        m.exec(" MOVL #-1,R0\n MULF3 TINY,TINY,R0\n BRB OUT\nTINY: .F_FLOATING 1.0E-38\nOUT:");
        CHECK(m.vector_taken() == -1);
        CHECK(m.cpu.r[0] == 0);
        Machine n;
        n.exec(" BISPSW #0x40\n MULF3 TINY,TINY,R0\n BRB OUT\nTINY: .F_FLOATING 1.0E-38\nOUT:");
        REQUIRE(n.vector_taken() == 0x34);
        CHECK(n.read32(n.cpu.r[kSP]) == arith::kFloatUnderflowFault);
    }
}
