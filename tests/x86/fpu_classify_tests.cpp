// FXAM over every class of operand, and the software classification used for tags.
#include "tests/x86/fpu_test_support.h"

using namespace trapeze::x86;
using namespace trapeze::x86::test;

namespace {

struct ClassCase {
    const char* name;
    Float80 value;
    uint16_t fxam;  // C3 C2 C0 (SDM Vol. 2 FXAM table); C1 is the sign
    Float80Class software_class;
    X87Tag tag;
};

constexpr uint16_t fxam_unsupported = 0;
constexpr uint16_t fxam_nan = fsw::C0;
constexpr uint16_t fxam_normal = fsw::C2;
constexpr uint16_t fxam_infinity = fsw::C2 | fsw::C0;
constexpr uint16_t fxam_zero = fsw::C3;
constexpr uint16_t fxam_empty = fsw::C3 | fsw::C0;
constexpr uint16_t fxam_denormal = fsw::C3 | fsw::C2;

}  // namespace

TEST_CASE("FXAM classifies every kind of operand", "[fxam]") {
    const ClassCase cases[] = {
        {"+0", k_plus_zero, fxam_zero, Float80Class::Zero, X87Tag::Zero},
        {"-0", k_minus_zero, fxam_zero, Float80Class::Zero, X87Tag::Zero},
        {"+1", k_one, fxam_normal, Float80Class::Normal, X87Tag::Valid},
        {"-1", k_minus_one, fxam_normal, Float80Class::Normal, X87Tag::Valid},
        {"largest", f80(0x7FFE, 0xFFFFFFFFFFFFFFFFull), fxam_normal, Float80Class::Normal, X87Tag::Valid},
        {"denormal", f80(0x0000, 0x0000000000000001ull), fxam_denormal, Float80Class::Denormal,
         X87Tag::Special},
        {"-denormal", f80(0x8000, 0x7FFFFFFFFFFFFFFFull), fxam_denormal, Float80Class::Denormal,
         X87Tag::Special},
        {"pseudo-denormal", f80(0x0000, 0x8000000000000000ull), fxam_denormal,
         Float80Class::PseudoDenormal, X87Tag::Special},
        {"+inf", k_plus_inf, fxam_infinity, Float80Class::Infinity, X87Tag::Special},
        {"-inf", k_minus_inf, fxam_infinity, Float80Class::Infinity, X87Tag::Special},
        {"QNaN", k_qnan, fxam_nan, Float80Class::QuietNaN, X87Tag::Special},
        {"indefinite", k_indefinite, fxam_nan, Float80Class::QuietNaN, X87Tag::Special},
        {"SNaN", k_snan, fxam_nan, Float80Class::SignalingNaN, X87Tag::Special},
        {"unnormal", f80(0x3FFF, 0x4000000000000000ull), fxam_unsupported, Float80Class::Unsupported,
         X87Tag::Special},
        {"pseudo-NaN", f80(0x7FFF, 0x4000000000000001ull), fxam_unsupported,
         Float80Class::Unsupported, X87Tag::Special},
        {"pseudo-infinity", f80(0xFFFF, 0x0000000000000000ull), fxam_unsupported,
         Float80Class::Unsupported, X87Tag::Special},
        {"pseudo-zero", f80(0x1234, 0x0000000000000000ull), fxam_unsupported,
         Float80Class::Unsupported, X87Tag::Special},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        X87 fpu = make_fpu();
        push(fpu, c.value);
        const X87Outcome outcome = fpu.fxam(reg_site(0xD9, 0xE5));
        CHECK(outcome.raised == 0);
        CHECK((condition_codes(fpu) & (fsw::C3 | fsw::C2 | fsw::C0)) == c.fxam);
        CHECK(c1(fpu) == c.value.sign());
        CHECK(fpu.state().st(0) == c.value);  // FXAM does not touch its operand
        CHECK(classify(c.value) == c.software_class);
        CHECK(tag_from_contents(c.value) == c.tag);
    }
}

TEST_CASE("FXAM of an empty register reports empty with the stale sign", "[fxam]") {
    X87 fpu = make_fpu();
    push(fpu, k_minus_one);
    fpu.ffree(reg_site(0xDD, 0xC0), 0);
    fpu.fxam(reg_site(0xD9, 0xE5));
    CHECK((condition_codes(fpu) & (fsw::C3 | fsw::C2 | fsw::C0)) == fxam_empty);
    CHECK(c1(fpu));

    X87 fresh = make_fpu();
    fresh.fxam(reg_site(0xD9, 0xE5));
    CHECK((condition_codes(fresh) & (fsw::C3 | fsw::C2 | fsw::C0)) == fxam_empty);
}
