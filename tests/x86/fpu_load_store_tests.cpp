// Loads and stores: format conversions, integer and BCD stores with their indefinites, the
// register stack (push, pop, overflow, underflow), FXCH, FCMOV and the comparisons.
#include "tests/x86/fpu_test_support.h"

using namespace trapeze::x86;
using namespace trapeze::x86::test;

TEST_CASE("FLD m32fp/m64fp convert exactly: an SNaN is quieted with #IA", "[load]") {
    X87 fpu = make_fpu();
    const auto one = le32(bits_of(1.0f));
    CHECK(fpu.fld_m32fp(mem_site(0xD9, 0x00), one.data()).raised == 0);
    CHECK(fpu.state().st(0) == k_one);
    CHECK(fpu.state().top() == 7);

    const auto tenth = le64(bits_of(0.1));  // 0x3FB999999999999A
    CHECK(fpu.fld_m64fp(mem_site(0xDD, 0x00), tenth.data()).raised == 0);
    CHECK(fpu.state().st(0) == f80(0x3FFB, 0xCCCCCCCCCCCCD000ull));

    const auto snan = le32(0x7F800001);
    CHECK(fpu.fld_m32fp(mem_site(0xD9, 0x00), snan.data()).raised == fsw::IE);
    CHECK(fpu.state().st(0) == f80(0x7FFF, 0xC000010000000000ull));

    const auto minus_inf = le64(0xFFF0000000000000ull);
    fpu.fld_m64fp(mem_site(0xDD, 0x00), minus_inf.data());
    CHECK(fpu.state().st(0) == k_minus_inf);
}

TEST_CASE("FLD m80fp copies any encoding without exceptions", "[load]") {
    X87 fpu = make_fpu();
    const Float80 unnormal = f80(0x3FFF, 0x4000000000000000ull);
    CHECK(push(fpu, k_snan).raised == 0);
    CHECK(push(fpu, unnormal).raised == 0);
    CHECK(fpu.state().st(0) == unnormal);
    CHECK(fpu.state().st(1) == k_snan);
    const X87Store<10> stored = fpu.fstp_m80fp(mem_site(0xDB, 0x38));
    CHECK(stored.write);
    CHECK(stored.outcome.raised == 0);
    CHECK(stored.bytes == bytes80(unnormal));
    CHECK(fpu.state().top() == 7);
}

TEST_CASE("FILD loads integers exactly", "[load]") {
    X87 fpu = make_fpu();
    const auto minus_one = le16(0xFFFF);
    fpu.fild_m16int(mem_site(0xDF, 0x00), minus_one.data());
    CHECK(fpu.state().st(0) == k_minus_one);
    const auto int64_min = le64(0x8000000000000000ull);
    fpu.fild_m64int(mem_site(0xDF, 0x28), int64_min.data());
    CHECK(fpu.state().st(0) == f80(0xC03E, 0x8000000000000000ull));
    const auto zero = le32(0);
    fpu.fild_m32int(mem_site(0xDB, 0x00), zero.data());
    CHECK(fpu.state().st(0) == k_plus_zero);
}

TEST_CASE("FIST of 2.5 and -2.5 under each rounding mode", "[store]") {
    const Float80 two_and_half = f80(0x4000, 0xA000000000000000ull);
    const Float80 minus_two_and_half = f80(0xC000, 0xA000000000000000ull);
    const struct {
        const char* name;
        uint16_t rc;
        int16_t positive, negative;
    } cases[] = {
        {"nearest", fcw::RC_NEAREST, 2, -2},
        {"down", fcw::RC_DOWN, 2, -3},
        {"up", fcw::RC_UP, 3, -2},
        {"zero", fcw::RC_ZERO, 2, -2},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        X87 fpu = make_fpu(fcw::MASKS | fcw::PC_64 | c.rc);
        push(fpu, two_and_half);
        const X87Store<2> m16 = fpu.fist_m16int(mem_site(0xDF, 0x10), false);
        CHECK(m16.write);
        CHECK(m16.outcome.raised == fsw::PE);
        CHECK(static_cast<int16_t>(from_le(m16.bytes)) == c.positive);
        CHECK(c1(fpu) == (c.positive == 3));  // C1: rounded up
        const X87Store<4> m32 = fpu.fist_m32int(mem_site(0xDB, 0x10), false);
        CHECK(static_cast<int32_t>(from_le(m32.bytes)) == c.positive);
        const X87Store<8> m64 = fpu.fistp_m64int(mem_site(0xDF, 0x38));
        CHECK(static_cast<int64_t>(from_le(m64.bytes)) == c.positive);
        CHECK(fpu.state().top() == 0);

        push(fpu, minus_two_and_half);
        const X87Store<2> negative = fpu.fist_m16int(mem_site(0xDF, 0x18), true);
        CHECK(static_cast<int16_t>(from_le(negative.bytes)) == c.negative);
        CHECK(c1(fpu) == (c.negative == -3));  // the magnitude was rounded up
    }
}

TEST_CASE("FIST out of range or of a NaN stores the integer indefinite", "[store]") {
    X87 fpu = make_fpu();
    push_double(fpu, 32768.0);
    const X87Store<2> m16 = fpu.fist_m16int(mem_site(0xDF, 0x10), false);
    CHECK(m16.write);
    CHECK(m16.outcome.raised == fsw::IE);
    CHECK(from_le(m16.bytes) == 0x8000);
    const X87Store<4> m32 = fpu.fist_m32int(mem_site(0xDB, 0x10), false);
    CHECK(m32.outcome.raised == 0);  // 32768 fits in 32 bits
    CHECK(from_le(m32.bytes) == 32768);

    push(fpu, k_qnan);
    const X87Store<4> nan = fpu.fist_m32int(mem_site(0xDB, 0x18), true);
    CHECK(nan.outcome.raised == fsw::IE);
    CHECK(from_le(nan.bytes) == 0x80000000u);

    push_double(fpu, 1e19);
    const X87Store<8> big = fpu.fistp_m64int(mem_site(0xDF, 0x38));
    CHECK(big.outcome.raised == fsw::IE);
    CHECK(from_le(big.bytes) == 0x8000000000000000ull);

    // Unmasked: nothing is stored and nothing is popped.
    X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::IM);
    push(unmasked, k_qnan);
    const X87Store<4> suppressed = unmasked.fist_m32int(mem_site(0xDB, 0x18), true);
    CHECK_FALSE(suppressed.write);
    CHECK(suppressed.outcome.unmasked);
    CHECK(unmasked.state().top() == 7);
    CHECK(unmasked.pending_exception());
}

TEST_CASE("FBSTP stores packed BCD and the BCD indefinite when out of range", "[store][bcd]") {
    X87 fpu = make_fpu();
    fpu.fild_m64int(mem_site(0xDF, 0x28), le64(999999999999999999ull).data());
    X87Store<10> nines = fpu.fbstp(mem_site(0xDF, 0x30));
    CHECK(nines.write);
    CHECK(nines.outcome.raised == 0);
    const std::array<uint8_t, 10> all_nines = {0x99, 0x99, 0x99, 0x99, 0x99,
                                               0x99, 0x99, 0x99, 0x99, 0x00};
    CHECK(nines.bytes == all_nines);
    CHECK(fpu.state().top() == 0);

    fpu.fild_m64int(mem_site(0xDF, 0x28),
                    le64(static_cast<uint64_t>(-123456789012345678ll)).data());
    X87Store<10> negative = fpu.fbstp(mem_site(0xDF, 0x30));
    const std::array<uint8_t, 10> expected_negative = {0x78, 0x56, 0x34, 0x12, 0x90,
                                                       0x78, 0x56, 0x34, 0x12, 0x80};
    CHECK(negative.bytes == expected_negative);

    const std::array<uint8_t, 10> bcd_indefinite = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF};
    fpu.fild_m64int(mem_site(0xDF, 0x28), le64(1000000000000000000ull).data());  // 10^18
    X87Store<10> too_big = fpu.fbstp(mem_site(0xDF, 0x30));
    CHECK(too_big.write);
    CHECK(too_big.outcome.raised == fsw::IE);
    CHECK(too_big.bytes == bcd_indefinite);

    push(fpu, k_qnan);
    CHECK(fpu.fbstp(mem_site(0xDF, 0x30)).bytes == bcd_indefinite);

    push_double(fpu, 1e30);
    CHECK(fpu.fbstp(mem_site(0xDF, 0x30)).bytes == bcd_indefinite);

    // Rounding by RC: 2.5 -> 2 to nearest even, with #P.
    push(fpu, f80(0x4000, 0xA000000000000000ull));
    X87Store<10> rounded = fpu.fbstp(mem_site(0xDF, 0x30));
    CHECK(rounded.outcome.raised == fsw::PE);
    CHECK(rounded.bytes == std::array<uint8_t, 10>{0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0});

    // FBLD reads it back.
    const std::array<uint8_t, 10> minus_123 = {0x23, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x80};
    fpu.fbld(mem_site(0xDF, 0x20), minus_123.data());
    CHECK(fpu.state().st(0) == f80(0xC005, 0xF600000000000000ull));

    // Unmasked #IA: no store, no pop.
    X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::IM);
    push_double(unmasked, 1e30);
    X87Store<10> suppressed = unmasked.fbstp(mem_site(0xDF, 0x30));
    CHECK_FALSE(suppressed.write);
    CHECK(unmasked.state().top() == 7);
}

TEST_CASE("FST m32fp/m64fp: rounding / overflow / underflow", "[store]") {
    X87 fpu = make_fpu();
    fpu.fld_constant(reg_site(0xD9, 0xE8), X87Constant::One);
    const auto three = le32(bits_of(3.0f));
    fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, three.data());
    const X87Store<4> single = fpu.fst_m32fp(mem_site(0xD9, 0x10), false);
    CHECK(single.write);
    CHECK(from_le(single.bytes) == 0x3EAAAAABu);
    CHECK(single.outcome.raised == fsw::PE);
    const X87Store<8> dbl = fpu.fst_m64fp(mem_site(0xDD, 0x10), false);
    CHECK(from_le(dbl.bytes) == 0x3FD5555555555555ull);
    fpu.fldcw(fcw::MASKS | fcw::PC_64 | fcw::RC_UP);
    CHECK(from_le(fpu.fst_m32fp(mem_site(0xD9, 0x10), false).bytes) == 0x3EAAAAABu);
    CHECK(from_le(fpu.fst_m64fp(mem_site(0xDD, 0x10), false).bytes) == 0x3FD5555555555556ull);
    fpu.fldcw(fcw::MASKS | fcw::PC_64 | fcw::RC_ZERO);
    CHECK(from_le(fpu.fst_m32fp(mem_site(0xD9, 0x10), false).bytes) == 0x3EAAAAAAu);

    X87 big = make_fpu();
    push_double(big, 1e300);
    const X87Store<4> overflow = big.fst_m32fp(mem_site(0xD9, 0x18), true);
    CHECK(overflow.write);
    CHECK(overflow.outcome.raised == (fsw::OE | fsw::PE));
    CHECK(from_le(overflow.bytes) == 0x7F800000u);
    CHECK(big.state().top() == 0);

    X87 tiny = make_fpu();
    push_double(tiny, 1e-40);
    const X87Store<4> underflow = tiny.fst_m32fp(mem_site(0xD9, 0x18), true);
    CHECK(underflow.write);
    CHECK(underflow.outcome.raised == (fsw::UE | fsw::PE));
    CHECK(from_le(underflow.bytes) == bits_of(1e-40f));

    // Unmasked overflow on a store to memory: nothing written, no pop (SDM Vol. 1 §8.5.4).
    X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::OM);
    push_double(unmasked, 1e300);
    const X87Store<4> suppressed = unmasked.fst_m32fp(mem_site(0xD9, 0x18), true);
    CHECK_FALSE(suppressed.write);
    CHECK((suppressed.outcome.raised & fsw::OE) != 0);
    CHECK(unmasked.state().top() == 7);
    CHECK(unmasked.pending_exception());

    // Unmasked underflow of an exactly representable tiny value: still no store.
    X87 exact_tiny = make_fpu(fcw::DEFAULT & ~fcw::UM);
    push(exact_tiny, f80(0x3FFF - 140, 0x8000000000000000ull));  // 2^-140: a single denormal
    const X87Store<4> tiny_store = exact_tiny.fst_m32fp(mem_site(0xD9, 0x18), false);
    CHECK_FALSE(tiny_store.write);
    CHECK(tiny_store.outcome.raised == fsw::UE);
}

TEST_CASE("stack overflow sets C1 and SF and loads the indefinite", "[stack]") {
    X87 fpu = make_fpu();
    for (int i = 0; i < 8; ++i) push(fpu, k_one);
    CHECK(fpu.state().top() == 0);
    CHECK(fpu.state().abridged_tag_word() == 0xFF);
    const X87Outcome outcome = fpu.fld_constant(reg_site(0xD9, 0xEB), X87Constant::Pi);
    CHECK(outcome.raised == (fsw::IE | fsw::SF));
    CHECK(c1(fpu));
    CHECK((fpu.fnstsw() & (fsw::IE | fsw::SF)) == (fsw::IE | fsw::SF));
    CHECK(fpu.state().top() == 7);
    CHECK(fpu.state().st(0) == k_indefinite);
    CHECK_FALSE(fpu.pending_exception());

    // Unmasked: the stack is left as it was.
    X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::IM);
    for (int i = 0; i < 8; ++i) push(unmasked, k_two);
    const X87Outcome unmasked_outcome = unmasked.fld_constant(reg_site(0xD9, 0xEB), X87Constant::Pi);
    CHECK(unmasked_outcome.unmasked);
    CHECK(unmasked.state().top() == 0);
    CHECK(unmasked.state().st(0) == k_two);
    CHECK(unmasked.state().st(7) == k_two);
    CHECK(c1(unmasked));
    CHECK(unmasked.pending_exception());
    CHECK((unmasked.fnstsw() & (fsw::ES | fsw::B | fsw::SF | fsw::IE)) ==
          (fsw::ES | fsw::B | fsw::SF | fsw::IE));
}

TEST_CASE("stack underflow clears C1 and delivers the indefinite", "[stack]") {
    X87 fpu = make_fpu();
    const X87Outcome outcome = fpu.arith_st0_sti(reg_site(0xD8, 0xC1), X87ArithOp::Add, 1);
    CHECK(outcome.raised == (fsw::IE | fsw::SF));
    CHECK_FALSE(c1(fpu));
    CHECK(fpu.state().st(0) == k_indefinite);
    CHECK_FALSE(fpu.state().st_is_empty(0));

    X87 store = make_fpu();
    const X87Store<4> single = store.fst_m32fp(mem_site(0xD9, 0x18), true);
    CHECK(single.write);
    CHECK(single.outcome.raised == (fsw::IE | fsw::SF));
    CHECK(from_le(single.bytes) == 0xFFC00000u);  // single-precision indefinite
    CHECK(store.state().top() == 1);

    X87 integer = make_fpu();
    const X87Store<2> word = integer.fist_m16int(mem_site(0xDF, 0x18), true);
    CHECK(from_le(word.bytes) == 0x8000);

    X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::IM);
    const X87Store<8> none = unmasked.fst_m64fp(mem_site(0xDD, 0x18), true);
    CHECK_FALSE(none.write);
    CHECK(unmasked.state().top() == 0);
}

TEST_CASE("FLD ST(i) / FST ST(i) / FXCH / FFREE / FINCSTP / FDECSTP", "[stack]") {
    const Float80 three = f80(0x4000, 0xC000000000000000ull);
    X87 fpu = make_fpu();
    push(fpu, three);
    push(fpu, k_two);
    push(fpu, k_one);  // ST0 = 1, ST1 = 2, ST2 = 3
    fpu.fld_st(reg_site(0xD9, 0xC2), 2);
    CHECK(fpu.state().st(0) == three);
    CHECK(fpu.state().top() == 4);
    fpu.fst_st(reg_site(0xDD, 0xDA), 2, true);  // FSTP ST(2): ST(2) <- 3, pop
    CHECK(fpu.state().top() == 5);
    CHECK(fpu.state().st(0) == k_one);
    CHECK(fpu.state().st(1) == three);

    fpu.fxch(reg_site(0xD9, 0xC9), 1);
    CHECK(fpu.state().st(0) == three);
    CHECK(fpu.state().st(1) == k_one);
    CHECK(fpu.fxch(reg_site(0xD9, 0xCB), 3).raised == (fsw::IE | fsw::SF));  // ST(3) empty
    CHECK(fpu.state().st(0) == k_indefinite);
    CHECK(fpu.state().st(3) == three);

    fpu.ffree(reg_site(0xDD, 0xC0), 0);
    CHECK(fpu.state().st_is_empty(0));
    CHECK(fpu.state().top() == 5);
    fpu.fincstp(reg_site(0xD9, 0xF7));
    CHECK(fpu.state().top() == 6);
    fpu.fdecstp(reg_site(0xD9, 0xF6));
    fpu.fdecstp(reg_site(0xD9, 0xF6));
    CHECK(fpu.state().top() == 4);
    CHECK(fpu.state().st_is_empty(0));  // FDECSTP does not change tags

    X87 freep = make_fpu();
    push(freep, k_one);
    push(freep, k_two);
    freep.ffreep(reg_site(0xDF, 0xC1), 1);
    CHECK(freep.state().top() == 7);
    CHECK(freep.state().st_is_empty(0));  // ST(1) freed, then popped: the old ST(0) = 2 goes
    CHECK(freep.state().abridged_tag_word() == 0x00);
}

TEST_CASE("FCMOV moves only when the condition holds", "[stack]") {
    X87 fpu = make_fpu();
    push(fpu, k_two);
    push(fpu, k_one);
    fpu.fcmov(reg_site(0xDA, 0xC1), 1, false);
    CHECK(fpu.state().st(0) == k_one);
    fpu.fcmov(reg_site(0xDA, 0xC1), 1, true);
    CHECK(fpu.state().st(0) == k_two);
    CHECK(fpu.state().top() == 6);

    X87 empty = make_fpu();
    push(empty, k_one);
    CHECK(empty.fcmov(reg_site(0xDB, 0xC2), 2, true).raised == (fsw::IE | fsw::SF));
    CHECK_FALSE(c1(empty));
}

TEST_CASE("FCOM / FUCOM / FICOM and FTST set C3 C2 C0", "[compare]") {
    const auto two = le32(bits_of(2.0f));
    const auto one = le32(bits_of(1.0f));
    const auto half = le64(bits_of(0.5));
    X87 fpu = make_fpu();
    push(fpu, k_one);
    fpu.fcom_m32fp(mem_site(0xD8, 0x10), two.data(), false);
    CHECK(condition_codes(fpu) == fsw::C0);  // ST(0) < source
    fpu.fcom_m32fp(mem_site(0xD8, 0x10), one.data(), false);
    CHECK(condition_codes(fpu) == fsw::C3);  // equal
    fpu.fcom_m64fp(mem_site(0xDC, 0x10), half.data(), false);
    CHECK(condition_codes(fpu) == 0);        // greater
    fpu.ficom_m16int(mem_site(0xDE, 0x10), le16(1).data(), false);
    CHECK(condition_codes(fpu) == fsw::C3);
    fpu.ficom_m32int(mem_site(0xDA, 0x18), le32(static_cast<uint32_t>(-5)).data(), true);
    CHECK(condition_codes(fpu) == 0);
    CHECK(fpu.state().top() == 0);

    // FCOM signals #IA on a QNaN; FUCOM does not.
    X87 nan = make_fpu();
    push(nan, k_one);
    push(nan, k_qnan);
    CHECK(nan.fucom_st(reg_site(0xDD, 0xE1), 1, false).raised == 0);
    CHECK(condition_codes(nan) == (fsw::C3 | fsw::C2 | fsw::C0));
    CHECK(nan.fcom_st(reg_site(0xD8, 0xD1), 1, false).raised == fsw::IE);
    CHECK(condition_codes(nan) == (fsw::C3 | fsw::C2 | fsw::C0));
    CHECK(nan.fucompp(reg_site(0xDA, 0xE9)).raised == 0);
    CHECK(nan.state().top() == 0);

    X87 snan = make_fpu();
    push(snan, k_one);
    push(snan, k_snan);
    CHECK(snan.fucom_st(reg_site(0xDD, 0xE9), 1, true).raised == fsw::IE);
    CHECK(snan.state().top() == 7);
    CHECK(snan.fcompp(reg_site(0xDE, 0xD9)).raised == (fsw::IE | fsw::SF));  // ST(1) empty

    X87 test = make_fpu();
    push(test, k_minus_one);
    test.ftst(reg_site(0xD9, 0xE4));
    CHECK(condition_codes(test) == fsw::C0);
    push(test, k_minus_zero);
    test.ftst(reg_site(0xD9, 0xE4));
    CHECK(condition_codes(test) == fsw::C3);
}

TEST_CASE("FCOMI and FUCOMI return ZF PF CF", "[compare]") {
    X87 fpu = make_fpu();
    push(fpu, k_two);
    push(fpu, k_one);
    X87CompareFlags less = fpu.fcomi(reg_site(0xDB, 0xF1), 1, false);
    CHECK(less.write);
    CHECK((!less.zf && !less.pf && less.cf));
    X87CompareFlags greater = fpu.fucomi(reg_site(0xDB, 0xE8), 0, false);
    CHECK((greater.write && greater.zf && !greater.pf && !greater.cf));  // equal to itself
    X87CompareFlags popped = fpu.fcomi(reg_site(0xDF, 0xF1), 1, true);
    CHECK(popped.cf);
    CHECK(fpu.state().top() == 7);

    X87 nan = make_fpu();
    push(nan, k_one);
    push(nan, k_qnan);
    X87CompareFlags unordered = nan.fucomi(reg_site(0xDB, 0xE9), 1, false);
    CHECK(unordered.outcome.raised == 0);
    CHECK((unordered.write && unordered.zf && unordered.pf && unordered.cf));
    X87CompareFlags invalid = nan.fcomi(reg_site(0xDB, 0xF1), 1, false);
    CHECK(invalid.outcome.raised == fsw::IE);
    CHECK((invalid.write && invalid.zf && invalid.pf && invalid.cf));

    // Unmasked #IA: EFLAGS are not written.
    X87 unmasked = make_fpu(fcw::DEFAULT & ~fcw::IM);
    push(unmasked, k_one);
    push(unmasked, k_qnan);
    X87CompareFlags untouched = unmasked.fcomi(reg_site(0xDF, 0xF1), 1, true);
    CHECK_FALSE(untouched.write);
    CHECK(untouched.outcome.unmasked);
    CHECK(unmasked.state().top() == 6);  // and no pop
}
