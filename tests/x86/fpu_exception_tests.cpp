// Exceptions: masked responses, unmasked responses (destination unchanged, biased exponents),
// pending exceptions and their signalling contract, denormal and unsupported operands.
#include "tests/x86/fpu_test_support.h"

using namespace trapeze::x86;
using namespace trapeze::x86::test;

TEST_CASE("masked zero divide delivers a signed infinity", "[exceptions]") {
    X87 fpu = make_fpu();
    push(fpu, k_minus_one);
    const auto zero = le32(bits_of(0.0f));
    const X87Outcome outcome = fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, zero.data());
    CHECK(outcome.raised == fsw::ZE);
    CHECK_FALSE(outcome.unmasked);
    CHECK(fpu.state().st(0) == k_minus_inf);
    CHECK_FALSE(fpu.pending_exception());
}

TEST_CASE("unmasked zero divide leaves the destination unchanged and is pending", "[exceptions]") {
    X87 fpu = make_fpu(fcw::DEFAULT & ~fcw::ZM);
    push(fpu, k_one);
    push(fpu, k_two);
    const auto zero = le32(bits_of(0.0f));
    const X87Outcome outcome = fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, zero.data());
    CHECK(outcome.raised == fsw::ZE);
    CHECK(outcome.unmasked);
    CHECK(fpu.state().st(0) == k_two);
    CHECK(fpu.state().st(1) == k_one);
    CHECK(fpu.state().top() == 6);
    CHECK(fpu.pending_exception());
    CHECK((fpu.fnstsw() & (fsw::ES | fsw::B | fsw::ZE)) == (fsw::ES | fsw::B | fsw::ZE));
    // The pointers identify the faulting instruction for the #MF handler.
    CHECK(fpu.state().last_instruction == code_pointer);
    CHECK(fpu.state().last_data == data_pointer);
    CHECK(fpu.state().last_opcode == 0x030);

    // Register destination ST(1) with a pop: neither the destination nor TOP change.
    X87 pop = make_fpu(fcw::DEFAULT & ~fcw::ZM);
    push(pop, k_one);
    push(pop, k_plus_zero);
    pop.arith_sti_st0(reg_site(0xDE, 0xF9), X87ArithOp::Div, 1, true);
    CHECK(pop.state().top() == 6);
    CHECK(pop.state().st(1) == k_one);

    // FNCLEX (no-wait) clears the pending exception.
    fpu.fnclex();
    CHECK_FALSE(fpu.pending_exception());
    CHECK((fpu.fnstsw() & 0x80FF) == 0);
}

TEST_CASE("waiting and no-wait encodings", "[exceptions]") {
    CHECK(X87::is_waiting_instruction(0xD8, 0xC1));        // FADD
    CHECK(X87::is_waiting_instruction(0xD9, 0x28));        // FLDCW m2byte
    CHECK(X87::is_waiting_instruction(0xD9, 0x20));        // FLDENV
    CHECK(X87::is_waiting_instruction(0xDD, 0x20));        // FRSTOR
    CHECK(X87::is_waiting_instruction(0xD9, 0xD0));        // FNOP
    CHECK_FALSE(X87::is_waiting_instruction(0xD9, 0x38));  // FNSTCW
    CHECK_FALSE(X87::is_waiting_instruction(0xD9, 0x30));  // FNSTENV
    CHECK_FALSE(X87::is_waiting_instruction(0xDD, 0x30));  // FNSAVE
    CHECK_FALSE(X87::is_waiting_instruction(0xDD, 0x38));  // FNSTSW m2byte
    CHECK_FALSE(X87::is_waiting_instruction(0xDF, 0xE0));  // FNSTSW AX
    CHECK_FALSE(X87::is_waiting_instruction(0xDB, 0xE2));  // FNCLEX
    CHECK_FALSE(X87::is_waiting_instruction(0xDB, 0xE3));  // FNINIT
    CHECK(X87::is_waiting_instruction(0xDD, 0xF8));        // DD /7 register form is not FNSTSW
}

TEST_CASE("FLDCW unmasking a set flag makes it pending", "[exceptions]") {
    X87 fpu = make_fpu();
    push(fpu, k_one);
    const auto zero = le32(bits_of(0.0f));
    fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, zero.data());
    CHECK_FALSE(fpu.pending_exception());
    fpu.fldcw(fcw::DEFAULT & ~fcw::ZM);
    CHECK(fpu.pending_exception());
    fpu.fldcw(fcw::DEFAULT);
    CHECK_FALSE(fpu.pending_exception());
}

TEST_CASE("flags are sticky across instructions: SF stays until FNCLEX", "[exceptions]") {
    X87 fpu = make_fpu();
    fpu.fsqrt(reg_site(0xD9, 0xFA));  // empty: stack underflow
    push(fpu, k_one);
    const auto three = le32(bits_of(3.0f));
    const X87Outcome outcome = fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, three.data());
    CHECK(outcome.raised == fsw::PE);
    CHECK((fpu.fnstsw() & (fsw::IE | fsw::SF | fsw::PE)) == (fsw::IE | fsw::SF | fsw::PE));
    fpu.fnclex();
    CHECK((fpu.fnstsw() & 0xFF) == 0);
}

TEST_CASE("unmasked invalid operation leaves a register destination unchanged", "[exceptions]") {
    X87 fpu = make_fpu(fcw::DEFAULT & ~fcw::IM);
    push(fpu, k_minus_one);
    const X87Outcome outcome = fpu.fsqrt(reg_site(0xD9, 0xFA));
    CHECK(outcome.raised == fsw::IE);
    CHECK(outcome.unmasked);
    CHECK(fpu.state().st(0) == k_minus_one);

    X87 inf = make_fpu();
    push(inf, k_plus_inf);
    push(inf, k_plus_inf);
    inf.arith_st0_sti(reg_site(0xD8, 0xE1), X87ArithOp::Sub, 1);  // inf - inf
    CHECK(inf.state().st(0) == k_indefinite);
    CHECK((inf.fnstsw() & fsw::IE) != 0);
    CHECK((inf.fnstsw() & fsw::SF) == 0);
}

TEST_CASE("overflow and underflow: masked results and unmasked biased exponents",
          "[exceptions]") {
    const Float80 two_to_16000 = f80(0x3FFF + 16000, 0x8000000000000000ull);
    const Float80 two_to_minus_16000 = f80(0x3FFF - 16000, 0x8000000000000000ull);

    X87 nearest = make_fpu();
    push(nearest, two_to_16000);
    CHECK(nearest.arith_st0_sti(reg_site(0xD8, 0xC8), X87ArithOp::Mul, 0).raised ==
          (fsw::OE | fsw::PE));
    CHECK(nearest.state().st(0) == k_plus_inf);
    CHECK(c1(nearest));

    X87 chop = make_fpu(fcw::MASKS | fcw::PC_64 | fcw::RC_ZERO);
    push(chop, two_to_16000);
    chop.arith_st0_sti(reg_site(0xD8, 0xC8), X87ArithOp::Mul, 0);
    CHECK(chop.state().st(0) == f80(0x7FFE, 0xFFFFFFFFFFFFFFFFull));  // largest finite

    // Unmasked overflow: the exponent is divided by 2^24576 (SDM Vol. 1 §8.5.4):
    // 2^32000 -> 2^7424.
    X87 biased = make_fpu(fcw::DEFAULT & ~fcw::OM);
    push(biased, two_to_16000);
    const X87Outcome over = biased.arith_st0_sti(reg_site(0xD8, 0xC8), X87ArithOp::Mul, 0);
    CHECK(over.raised == fsw::OE);
    CHECK(over.unmasked);
    CHECK(biased.state().st(0) == f80(0x3FFF + 7424, 0x8000000000000000ull));

    // Unmasked underflow: multiplied by 2^24576 (SDM Vol. 1 §8.5.5): 2^-32000 -> 2^-7424.
    X87 tiny = make_fpu(fcw::DEFAULT & ~fcw::UM);
    push(tiny, two_to_minus_16000);
    const X87Outcome under = tiny.arith_st0_sti(reg_site(0xD8, 0xC8), X87ArithOp::Mul, 0);
    CHECK(under.raised == fsw::UE);
    CHECK(tiny.state().st(0) == f80(0x3FFF - 7424, 0x8000000000000000ull));

    // Masked underflow: an exact denormal result raises nothing...
    X87 exact = make_fpu();
    push(exact, f80(0x3FFF - 16300, 0x8000000000000000ull));
    const auto two_to_minus_100 = le64(0x39B0000000000000ull);  // 2^-100
    CHECK(exact.arith_m64fp(mem_site(0xDC, 0x08), X87ArithOp::Mul, two_to_minus_100.data())
              .raised == 0);
    CHECK(exact.state().st(0) == f80(0x0000, 0x0000200000000000ull));  // 2^-16400
    // ... an inexact one raises UE and PE.
    X87 inexact = make_fpu();
    push(inexact, f80(0x3FFF - 16380, 0xAAAAAAAAAAAAAAABull));
    const X87Outcome denormalized =
        inexact.arith_m64fp(mem_site(0xDC, 0x08), X87ArithOp::Mul, two_to_minus_100.data());
    CHECK(denormalized.raised == (fsw::UE | fsw::PE));
    CHECK(inexact.state().st(0).exponent() == 0);
}

TEST_CASE("denormal operands raise DE", "[exceptions][denormal]") {
    X87 fpu = make_fpu();
    const auto smallest_single = le32(0x00000001);  // 2^-149
    const X87Outcome load = fpu.fld_m32fp(mem_site(0xD9, 0x00), smallest_single.data());
    CHECK(load.raised == fsw::DE);
    CHECK(fpu.state().st(0) == f80(0x3FFF - 149, 0x8000000000000000ull));  // normalized

    X87 extended = make_fpu();
    push(extended, f80(0x0000, 0x0000000000000001ull));  // smallest extended denormal
    push(extended, k_one);
    const X87Outcome add = extended.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Add, 1);
    CHECK(add.raised == (fsw::DE | fsw::PE));
    CHECK(extended.state().st(0) == k_one);

    // Unmasked DE: the operation is not performed.
    X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::DM);
    push(unmasked, f80(0x0000, 0x0000000000000001ull));
    push(unmasked, k_one);
    const X87Outcome stopped = unmasked.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Add, 1);
    CHECK(stopped.raised == fsw::DE);
    CHECK(stopped.unmasked);
    CHECK(unmasked.state().st(0) == k_one);

    X87 unmasked_load = make_fpu(fcw::DEFAULT & ~fcw::DM);
    unmasked_load.fld_m32fp(mem_site(0xD9, 0x00), smallest_single.data());
    CHECK(unmasked_load.pending_exception());
    CHECK(unmasked_load.state().top() == 0);  // nothing was pushed
}

TEST_CASE("pseudo-denormals are denormals but unnormals and pseudo-NaN/infinity are invalid",
          "[exceptions][unsupported]") {
    const Float80 pseudo_denormal = f80(0x0000, 0x8000000000000000ull);  // = 2^-16382
    X87 fpu = make_fpu();
    push(fpu, k_plus_zero);
    push(fpu, pseudo_denormal);
    const X87Outcome add = fpu.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Add, 1);
    CHECK(add.raised == fsw::DE);
    CHECK(fpu.state().st(0) == f80(0x0001, 0x8000000000000000ull));  // normalized

    const Float80 unsupported[] = {
        f80(0x3FFF, 0x4000000000000000ull),  // unnormal
        f80(0x7FFF, 0x4000000000000000ull),  // pseudo-NaN
        f80(0x7FFF, 0x0000000000000000ull),  // pseudo-infinity
    };
    for (const Float80& operand : unsupported) {
        INFO(Catch::StringMaker<Float80>::convert(operand));
        X87 masked = make_fpu();
        push(masked, k_one);
        push(masked, operand);
        const X87Outcome outcome = masked.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Add, 1);
        CHECK(outcome.raised == fsw::IE);
        CHECK(masked.state().st(0) == k_indefinite);

        X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::IM);
        push(unmasked, k_one);
        push(unmasked, operand);
        CHECK(unmasked.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Add, 1).unmasked);
        CHECK(unmasked.state().st(0) == operand);

        // Storing it to single precision is invalid as well.
        X87 store = make_fpu();
        push(store, operand);
        const X87Store<4> single = store.fst_m32fp(mem_site(0xD9, 0x10), false);
        CHECK(single.outcome.raised == fsw::IE);
        CHECK(from_le(single.bytes) == 0xFFC00000u);
    }
}

TEST_CASE("NaN operands: SNaN is quieted with IE and the larger QNaN significand wins",
          "[exceptions]") {
    X87 fpu = make_fpu();
    push(fpu, k_one);
    push(fpu, k_snan);
    CHECK(fpu.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Add, 1).raised == fsw::IE);
    CHECK(fpu.state().st(0) == f80(0x7FFF, 0xC000000000000001ull));

    X87 two_nans = make_fpu();
    push(two_nans, f80(0xFFFF, 0xC000000000000005ull));
    push(two_nans, f80(0x7FFF, 0xC000000000000003ull));
    CHECK(two_nans.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Mul, 1).raised == 0);
    CHECK(two_nans.state().st(0) == f80(0xFFFF, 0xC000000000000005ull));
}
