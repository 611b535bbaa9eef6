// Arithmetic: exact results under precision and rounding control, the reversed forms, integer
// operands, FSQRT, FPREM/FPREM1, FSCALE, FXTRACT, FRNDINT, constants and transcendentals.
#include "tests/x86/fpu_test_support.h"

using namespace trapeze::x86;
using namespace trapeze::x86::test;

namespace {

struct RoundingCase {
    const char* name;
    uint16_t control;
    uint64_t significand;
    bool rounded_up;  // C1
};

}  // namespace

TEST_CASE("1/3 is rounded to the precision and in the direction of the control word", "[arith]") {
    // 1/3 = 1.010101...b x 2^-2: exponent 0x3FFD, significand 0xAAAA... then more.
    const RoundingCase cases[] = {
        {"PC24 nearest", fcw::MASKS | fcw::PC_24 | fcw::RC_NEAREST, 0xAAAAAB0000000000ull, true},
        {"PC24 down", fcw::MASKS | fcw::PC_24 | fcw::RC_DOWN, 0xAAAAAA0000000000ull, false},
        {"PC24 up", fcw::MASKS | fcw::PC_24 | fcw::RC_UP, 0xAAAAAB0000000000ull, true},
        {"PC24 zero", fcw::MASKS | fcw::PC_24 | fcw::RC_ZERO, 0xAAAAAA0000000000ull, false},
        {"PC53 nearest", fcw::MASKS | fcw::PC_53 | fcw::RC_NEAREST, 0xAAAAAAAAAAAAA800ull, false},
        {"PC53 down", fcw::MASKS | fcw::PC_53 | fcw::RC_DOWN, 0xAAAAAAAAAAAAA800ull, false},
        {"PC53 up", fcw::MASKS | fcw::PC_53 | fcw::RC_UP, 0xAAAAAAAAAAAAB000ull, true},
        {"PC53 zero", fcw::MASKS | fcw::PC_53 | fcw::RC_ZERO, 0xAAAAAAAAAAAAA800ull, false},
        {"PC64 nearest", fcw::MASKS | fcw::PC_64 | fcw::RC_NEAREST, 0xAAAAAAAAAAAAAAABull, true},
        {"PC64 down", fcw::MASKS | fcw::PC_64 | fcw::RC_DOWN, 0xAAAAAAAAAAAAAAAAull, false},
        {"PC64 up", fcw::MASKS | fcw::PC_64 | fcw::RC_UP, 0xAAAAAAAAAAAAAAABull, true},
        {"PC64 zero", fcw::MASKS | fcw::PC_64 | fcw::RC_ZERO, 0xAAAAAAAAAAAAAAAAull, false},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        X87 fpu = make_fpu(c.control);
        fpu.fld_constant(reg_site(0xD9, 0xE8), X87Constant::One);
        const auto three = le32(bits_of(3.0f));
        const X87Outcome outcome =
            fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, three.data());
        CHECK(fpu.state().st(0) == f80(0x3FFD, c.significand));
        CHECK(outcome.raised == fsw::PE);
        CHECK(c1(fpu) == c.rounded_up);
        CHECK((fpu.fnstsw() & fsw::PE) != 0);
        CHECK_FALSE(fpu.pending_exception());
    }
}

TEST_CASE("minus 1/3 rounds its magnitude up toward minus infinity", "[arith]") {
    X87 fpu = make_fpu(fcw::MASKS | fcw::PC_64 | fcw::RC_DOWN);
    push(fpu, k_minus_one);
    const auto three = le32(bits_of(3.0f));
    fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, three.data());
    CHECK(fpu.state().st(0) == f80(0xBFFD, 0xAAAAAAAAAAAAAAABull));
    CHECK(c1(fpu));  // C1 reports that the magnitude was rounded up

    X87 up = make_fpu(fcw::MASKS | fcw::PC_64 | fcw::RC_UP);
    push(up, k_minus_one);
    up.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, three.data());
    CHECK(up.state().st(0) == f80(0xBFFD, 0xAAAAAAAAAAAAAAAAull));
    CHECK_FALSE(c1(up));
}

TEST_CASE("precision control does not apply to loads", "[arith]") {
    X87 fpu = make_fpu(fcw::MASKS | fcw::PC_24);
    const auto value = le32(0x01000001);  // 2^24 + 1 needs 25 bits
    const X87Outcome outcome = fpu.fild_m32int(mem_site(0xDB, 0x00), value.data());
    CHECK(outcome.raised == 0);
    CHECK(fpu.state().st(0) == f80(0x3FFF + 24, 0x8000008000000000ull));
    // ... but does to an addition of zero.
    const auto zero = le32(bits_of(0.0f));
    fpu.arith_m32fp(mem_site(0xD8, 0x00), X87ArithOp::Add, zero.data());
    CHECK(fpu.state().st(0) == f80(0x3FFF + 24, 0x8000000000000000ull));
    CHECK((fpu.fnstsw() & fsw::PE) != 0);
}

TEST_CASE("register forms and their reversed variants", "[arith]") {
    const Float80 ten = f80(0x4002, 0xA000000000000000ull);
    const Float80 four = f80(0x4001, 0x8000000000000000ull);
    const Float80 six = f80(0x4001, 0xC000000000000000ull);
    const Float80 minus_six = f80(0xC001, 0xC000000000000000ull);
    const Float80 two_and_half = f80(0x4000, 0xA000000000000000ull);
    const Float80 four_tenths = f80(0x3FFD, 0xCCCCCCCCCCCCCCCDull);
    const Float80 fourteen = f80(0x4002, 0xE000000000000000ull);
    const Float80 forty = f80(0x4004, 0xA000000000000000ull);

    struct Case {
        X87ArithOp op;
        Float80 st0_dest;   // ST(0) <- ST(0) op ST(1), with ST(0) = 10, ST(1) = 4
        Float80 sti_dest;   // ST(1) <- ST(1) op ST(0)
    };
    const Case cases[] = {
        {X87ArithOp::Add, fourteen, fourteen},
        {X87ArithOp::Mul, forty, forty},
        {X87ArithOp::Sub, six, minus_six},
        {X87ArithOp::SubR, minus_six, six},
        {X87ArithOp::Div, two_and_half, four_tenths},
        {X87ArithOp::DivR, four_tenths, two_and_half},
    };
    for (const auto& c : cases) {
        INFO("op " << static_cast<int>(c.op));
        X87 a = make_fpu();
        push(a, four);
        push(a, ten);
        a.arith_st0_sti(reg_site(0xD8, 0xC1), c.op, 1);
        CHECK(a.state().st(0) == c.st0_dest);
        CHECK(a.state().st(1) == four);

        X87 b = make_fpu();
        push(b, four);
        push(b, ten);
        b.arith_sti_st0(reg_site(0xDC, 0xC1), c.op, 1, false);
        CHECK(b.state().st(0) == ten);
        CHECK(b.state().st(1) == c.sti_dest);

        X87 p = make_fpu();
        push(p, four);
        push(p, ten);
        p.arith_sti_st0(reg_site(0xDE, 0xC1), c.op, 1, true);
        CHECK(p.state().top() == 7);
        CHECK(p.state().st(0) == c.sti_dest);
        CHECK(p.state().st_is_empty(7));
    }
}

TEST_CASE("memory operands: m64fp and integer forms", "[arith]") {
    const Float80 ten = f80(0x4002, 0xA000000000000000ull);
    X87 fpu = make_fpu();
    push(fpu, ten);
    const auto half = le64(bits_of(0.5));
    fpu.arith_m64fp(mem_site(0xDC, 0x08), X87ArithOp::Mul, half.data());
    CHECK(fpu.state().st(0) == f80(0x4001, 0xA000000000000000ull));  // 5
    const auto minus_three = le16(static_cast<uint16_t>(-3));
    fpu.arith_m16int(mem_site(0xDE, 0x00), X87ArithOp::Add, minus_three.data());
    CHECK(fpu.state().st(0) == f80(0x4000, 0x8000000000000000ull));  // 2
    const auto hundred = le32(100);
    fpu.arith_m32int(mem_site(0xDA, 0x28), X87ArithOp::SubR, hundred.data());
    CHECK(fpu.state().st(0) == f80(0x4005, 0xC400000000000000ull));  // 98
    fpu.arith_m32int(mem_site(0xDA, 0x38), X87ArithOp::DivR, hundred.data());
    // 100/98 = 1.0204...: the exact RN significand of 50/49.
    CHECK(fpu.state().st(0) == f80(0x3FFF, 0x829CBC14E5E0A72Full));
    CHECK(fpu.state().last_data == data_pointer);
}

TEST_CASE("FSQRT rounds by precision control and sqrt(-1) is invalid", "[arith]") {
    const struct {
        uint16_t pc;
        uint64_t significand;
    } cases[] = {
        {fcw::PC_64, 0xB504F333F9DE6484ull},
        {fcw::PC_53, 0xB504F333F9DE6800ull},
        {fcw::PC_24, 0xB504F30000000000ull},
    };
    for (const auto& c : cases) {
        X87 fpu = make_fpu(fcw::MASKS | c.pc);
        push(fpu, k_two);
        CHECK(fpu.fsqrt(reg_site(0xD9, 0xFA)).raised == fsw::PE);
        CHECK(fpu.state().st(0) == f80(0x3FFF, c.significand));
    }
    X87 fpu = make_fpu();
    push(fpu, k_minus_one);
    CHECK(fpu.fsqrt(reg_site(0xD9, 0xFA)).raised == fsw::IE);
    CHECK(fpu.state().st(0) == k_indefinite);
    X87 negative_zero = make_fpu();
    push(negative_zero, k_minus_zero);
    CHECK(negative_zero.fsqrt(reg_site(0xD9, 0xFA)).raised == 0);
    CHECK(negative_zero.state().st(0) == k_minus_zero);
}

TEST_CASE("FPREM and FPREM1 report the quotient bits and completion in C0 C3 C1 C2", "[arith]") {
    const Float80 seven = f80(0x4001, 0xE000000000000000ull);
    const Float80 twenty_three = f80(0x4003, 0xB800000000000000ull);
    const Float80 three = f80(0x4000, 0xC000000000000000ull);

    X87 fpu = make_fpu();
    push(fpu, k_two);
    push(fpu, seven);
    fpu.fprem(reg_site(0xD9, 0xF8));
    CHECK(fpu.state().st(0) == k_one);  // 7 = 3 * 2 + 1
    // quotient 3 = 011b: C0 = Q2 = 0, C3 = Q1 = 1, C1 = Q0 = 1; C2 = 0 (complete)
    CHECK(condition_codes(fpu) == (fsw::C3 | fsw::C1));

    X87 q7 = make_fpu();
    push(q7, three);
    push(q7, twenty_three);
    q7.fprem(reg_site(0xD9, 0xF8));
    CHECK(q7.state().st(0) == k_two);  // 23 = 7 * 3 + 2
    CHECK(condition_codes(q7) == (fsw::C0 | fsw::C3 | fsw::C1));

    // FPREM1 rounds the quotient to nearest: 7 / 2 = 3.5 -> 4, remainder -1, quotient 100b.
    X87 ieee = make_fpu();
    push(ieee, k_two);
    push(ieee, seven);
    ieee.fprem1(reg_site(0xD9, 0xF5));
    CHECK(ieee.state().st(0) == k_minus_one);
    CHECK(condition_codes(ieee) == fsw::C0);

    // The remainder takes the sign of the dividend.
    X87 negative = make_fpu();
    push(negative, k_two);
    push(negative, f80(0xC001, 0xE000000000000000ull));  // -7
    negative.fprem(reg_site(0xD9, 0xF8));
    CHECK(negative.state().st(0) == k_minus_one);
}

TEST_CASE("FPREM with a large exponent difference returns a partial remainder with C2 set",
          "[arith]") {
    const Float80 two_to_100 = f80(0x3FFF + 100, 0x8000000000000000ull);
    const Float80 three = f80(0x4000, 0xC000000000000000ull);
    X87 fpu = make_fpu();
    push(fpu, three);
    push(fpu, two_to_100);
    fpu.fprem(reg_site(0xD9, 0xF8));
    CHECK((fpu.fnstsw() & fsw::C2) != 0);
    // The P6 (and Bochs) reduce the exponent difference D = 99 by N = 32 + (D mod 32) = 35
    // bits (SDM Vol. 2 FPREM: "an implementation-dependent number between 32 and 63"):
    // 2^100 mod (3 * 2^(99 - 35)) = 2^64 * (2^36 mod 3) = 2^64.
    CHECK(fpu.state().st(0) == f80(0x3FFF + 64, 0x8000000000000000ull));
    int iterations = 1;
    while ((fpu.fnstsw() & fsw::C2) != 0 && iterations < 10) {
        fpu.fprem(reg_site(0xD9, 0xF8));
        ++iterations;
    }
    CHECK(iterations == 2);
    CHECK(fpu.state().st(0) == k_one);  // 2^100 = (2^2)^50 = 1 mod 3
    CHECK(fpu.state().st(1) == three);

    // D = 98: N = 34, 2^99 mod (3 * 2^64) = 2^64 * (2^35 mod 3) = 2^65.
    X87 odd = make_fpu();
    push(odd, three);
    push(odd, f80(0x3FFF + 99, 0x8000000000000000ull));
    odd.fprem(reg_site(0xD9, 0xF8));
    CHECK((odd.fnstsw() & fsw::C2) != 0);
    CHECK(odd.state().st(0) == f80(0x3FFF + 65, 0x8000000000000000ull));
}

TEST_CASE("FSCALE / FXTRACT / FRNDINT", "[arith]") {
    X87 fpu = make_fpu();
    push(fpu, f80(0x4000, 0xECCCCCCCCCCCCCCDull));  // 3.7: truncated to 3 by FSCALE
    push(fpu, f80(0x3FFF, 0xC000000000000000ull));  // 1.5
    CHECK(fpu.fscale(reg_site(0xD9, 0xFD)).raised == 0);
    CHECK(fpu.state().st(0) == f80(0x4002, 0xC000000000000000ull));  // 12

    CHECK(fpu.fxtract(reg_site(0xD9, 0xF4)).raised == 0);
    CHECK(fpu.state().st(0) == f80(0x3FFF, 0xC000000000000000ull));  // significand 1.5
    CHECK(fpu.state().st(1) == f80(0x4000, 0xC000000000000000ull));  // exponent 3
    CHECK(fpu.state().st(2) == f80(0x4000, 0xECCCCCCCCCCCCCCDull));

    X87 zero = make_fpu();
    push(zero, k_plus_zero);
    CHECK(zero.fxtract(reg_site(0xD9, 0xF4)).raised == fsw::ZE);
    CHECK(zero.state().st(0) == k_plus_zero);
    CHECK(zero.state().st(1) == k_minus_inf);

    const Float80 two_and_half = f80(0x4000, 0xA000000000000000ull);
    const struct {
        uint16_t rc;
        Float80 expected;
    } cases[] = {
        {fcw::RC_NEAREST, k_two},
        {fcw::RC_DOWN, k_two},
        {fcw::RC_UP, f80(0x4000, 0xC000000000000000ull)},
        {fcw::RC_ZERO, k_two},
    };
    for (const auto& c : cases) {
        X87 r = make_fpu(fcw::MASKS | fcw::PC_64 | c.rc);
        push(r, two_and_half);
        CHECK(r.frndint(reg_site(0xD9, 0xFC)).raised == fsw::PE);
        CHECK(r.state().st(0) == c.expected);
    }
}

TEST_CASE("FLD constants are rounded by rounding control but not by precision control", "[arith]") {
    struct Case {
        X87Constant constant;
        uint16_t exponent;
        uint64_t nearest, down, up;  // toward zero equals down for these positive values
    };
    const Case cases[] = {
        {X87Constant::Pi, 0x4000, 0xC90FDAA22168C235ull, 0xC90FDAA22168C234ull, 0xC90FDAA22168C235ull},
        {X87Constant::Log2E, 0x3FFF, 0xB8AA3B295C17F0BCull, 0xB8AA3B295C17F0BBull, 0xB8AA3B295C17F0BCull},
        {X87Constant::Log2Ten, 0x4000, 0xD49A784BCD1B8AFEull, 0xD49A784BCD1B8AFEull, 0xD49A784BCD1B8AFFull},
        {X87Constant::Log10Two, 0x3FFD, 0x9A209A84FBCFF799ull, 0x9A209A84FBCFF798ull, 0x9A209A84FBCFF799ull},
        {X87Constant::LnTwo, 0x3FFE, 0xB17217F7D1CF79ACull, 0xB17217F7D1CF79ABull, 0xB17217F7D1CF79ACull},
        {X87Constant::One, 0x3FFF, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull},
    };
    for (const auto& c : cases) {
        INFO("constant " << static_cast<int>(c.constant));
        const struct {
            uint16_t rc;
            uint64_t expected;
        } modes[] = {{fcw::RC_NEAREST, c.nearest}, {fcw::RC_DOWN, c.down},
                     {fcw::RC_UP, c.up}, {fcw::RC_ZERO, c.down}};
        for (const auto& m : modes) {
            // PC24 on purpose: the constants are loaded with 64 bits whatever PC says.
            X87 fpu = make_fpu(fcw::MASKS | fcw::PC_24 | m.rc);
            const X87Outcome outcome = fpu.fld_constant(reg_site(0xD9, 0xEB), c.constant);
            CHECK(outcome.raised == 0);
            CHECK(fpu.state().st(0) == f80(c.exponent, m.expected));
        }
    }
    X87 fpu = make_fpu();
    fpu.fld_constant(reg_site(0xD9, 0xEE), X87Constant::Zero);
    CHECK(fpu.state().st(0) == k_plus_zero);
}

TEST_CASE("transcendental instructions: exact special cases", "[arith][transcendental]") {
    X87 fpu = make_fpu();
    push(fpu, k_plus_zero);
    fpu.fsin(reg_site(0xD9, 0xFE));
    CHECK(fpu.state().st(0) == k_plus_zero);
    fpu.fcos(reg_site(0xD9, 0xFF));
    CHECK(fpu.state().st(0) == k_one);

    X87 tan = make_fpu();
    push(tan, k_plus_zero);
    tan.fptan(reg_site(0xD9, 0xF2));
    CHECK(tan.state().st(0) == k_one);  // FPTAN pushes 1.0
    CHECK(tan.state().st(1) == k_plus_zero);

    X87 atan = make_fpu();
    push(atan, k_one);  // ST(1) = y
    push(atan, k_one);  // ST(0) = x
    atan.fpatan(reg_site(0xD9, 0xF3));
    CHECK(atan.state().top() == 7);
    const Float80 quarter_pi = atan.state().st(0);
    CHECK(quarter_pi.sign_exponent == 0x3FFE);
    CHECK((quarter_pi.significand == 0xC90FDAA22168C235ull ||
           quarter_pi.significand == 0xC90FDAA22168C234ull));

    // |x| >= 2^63: out of range, C2 = 1 and the operand is left unchanged.
    X87 huge = make_fpu();
    const Float80 two_to_63 = f80(0x3FFF + 63, 0x8000000000000000ull);
    push(huge, two_to_63);
    huge.fsin(reg_site(0xD9, 0xFE));
    CHECK((huge.fnstsw() & fsw::C2) != 0);
    CHECK(huge.state().st(0) == two_to_63);

    X87 sincos = make_fpu();
    push(sincos, k_plus_zero);
    sincos.fsincos(reg_site(0xD9, 0xFB));
    CHECK(sincos.state().st(0) == k_one);        // cos
    CHECK(sincos.state().st(1) == k_plus_zero);  // sin

    X87 log = make_fpu();
    push(log, f80(0x4000, 0xC000000000000000ull));  // y = 3
    push(log, f80(0x4002, 0x8000000000000000ull));  // x = 8
    log.fyl2x(reg_site(0xD9, 0xF1));
    CHECK(log.state().st(0) == f80(0x4002, 0x9000000000000000ull));  // 3 * log2(8) = 9

    X87 logp1 = make_fpu();
    push(logp1, k_one);
    push(logp1, k_plus_zero);
    logp1.fyl2xp1(reg_site(0xD9, 0xF9));
    CHECK(logp1.state().st(0) == k_plus_zero);

    X87 exp = make_fpu();
    push(exp, k_one);
    exp.f2xm1(reg_site(0xD9, 0xF0));
    CHECK(exp.state().st(0) == k_one);  // 2^1 - 1
    X87 half = make_fpu();
    push(half, f80(0x3FFE, 0x8000000000000000ull));
    half.f2xm1(reg_site(0xD9, 0xF0));
    // sqrt(2) - 1 = 0x3FFD D413CCCFE7799211 (65...) within one unit in the last place.
    const Float80 r = half.state().st(0);
    CHECK(r.sign_exponent == 0x3FFD);
    CHECK(r.significand >= 0xD413CCCFE7799210ull);
    CHECK(r.significand <= 0xD413CCCFE7799212ull);
}

TEST_CASE("FCHS and FABS change only the sign even of NaNs", "[arith]") {
    X87 fpu = make_fpu();
    push(fpu, k_snan);
    CHECK(fpu.fchs(reg_site(0xD9, 0xE0)).raised == 0);
    CHECK(fpu.state().st(0) == f80(0xFFFF, 0x8000000000000001ull));
    CHECK(fpu.fabs(reg_site(0xD9, 0xE1)).raised == 0);
    CHECK(fpu.state().st(0) == k_snan);
}
