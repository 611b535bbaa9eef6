// Control instructions and memory images: FNSTENV/FLDENV and FNSAVE/FRSTOR in the four
// layouts, FXSAVE/FXRSTOR, the instruction/data pointers and opcode, FNINIT, FLDCW, MMX
// aliasing, and the host FPU being left as it was found.
#include "tests/x86/fpu_test_support.h"

#include <vector>

using namespace trapeze::x86;
using namespace trapeze::x86::test;

namespace {

constexpr X87Pointer fld_instruction{0x001B, 0x00401234};
constexpr X87Pointer fldz_instruction{0x001B, 0x0040123A};
constexpr X87Pointer fld_operand{0x0023, 0x00805678};

// FLD m64fp 2.0 (DD 05 disp32), then FLDZ (D9 EE): TOP = 6, ST0 = 0 (tag zero), ST1 = 2
// (tag valid).
X87 two_values(uint16_t control) {
    X87 fpu = make_fpu(control);
    const auto two = le64(bits_of(2.0));
    fpu.fld_m64fp(X87Site::memory_form(fld_instruction, 0xDD, 0x05, fld_operand), two.data());
    fpu.fld_constant(X87Site::register_form(fldz_instruction, 0xD9, 0xEE), X87Constant::Zero);
    return fpu;
}

std::vector<uint8_t> bytes_of(const X87Image& image) {
    return {image.bytes.begin(), image.bytes.begin() + static_cast<std::ptrdiff_t>(image.size)};
}

void check_same_state(const X87State& a, const X87State& b) {
    CHECK(a.control == b.control);
    CHECK(a.status == b.status);
    CHECK(a.nonempty == b.nonempty);
    CHECK(a.tag_word() == b.tag_word());
    CHECK(a.last_instruction == b.last_instruction);
    CHECK(a.last_data == b.last_data);
    CHECK(a.last_opcode == b.last_opcode);
    for (unsigned i = 0; i < 8; ++i) CHECK(a.st(i) == b.st(i));
}

uint16_t host_control_word() {
    uint16_t control;
    asm volatile("fnstcw %0" : "=m"(control));
    return control;
}

}  // namespace

TEST_CASE("FNSAVE image in 32-bit protected mode", "[environment]") {
    X87 fpu = two_values(fcw::MASKS | fcw::PC_53);
    const X87State before = fpu.state();
    CHECK(before.status == 0x3000);
    CHECK(before.tag_word() == 0x1FFF);

    const X87Image image = fpu.fnsave(X87EnvFormat::Protected32);
    REQUIRE(image.size == 108);
    const std::vector<uint8_t> expected_environment = {
        0x7F, 0x02, 0xFF, 0xFF,  // FCW, reserved 0xFFFF
        0x00, 0x30, 0xFF, 0xFF,  // FSW: TOP = 6
        0xFF, 0x1F, 0xFF, 0xFF,  // FTW: R7 valid, R6 zero, the rest empty
        0x3A, 0x12, 0x40, 0x00,  // FIP of FLDZ
        0x1B, 0x00, 0xEE, 0x01,  // FCS, FOP = D9 EE -> 0x1EE
        0x78, 0x56, 0x80, 0x00,  // FDP of FLD m64fp's operand (FLDZ has none)
        0x23, 0x00, 0xFF, 0xFF,  // FDS
    };
    const std::vector<uint8_t> environment(image.bytes.begin(), image.bytes.begin() + 28);
    CHECK(environment == expected_environment);
    // ST(0) = +0, ST(1) = 2.0 = 4000:8000000000000000, then the stale R0..R5.
    for (int b = 28; b < 38; ++b) CHECK(image.bytes[b] == 0);
    const std::array<uint8_t, 10> two = {0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x40};
    for (int b = 0; b < 10; ++b) CHECK(image.bytes[38 + b] == two[b]);

    // FNSAVE re-initializes.
    CHECK(fpu.fnstcw() == 0x037F);
    CHECK(fpu.fnstsw() == 0);
    CHECK(fpu.state().tag_word() == 0xFFFF);
    CHECK(fpu.state().last_instruction == X87Pointer{});

    fpu.frstor(X87EnvFormat::Protected32, image.bytes.data());
    check_same_state(fpu.state(), before);
}

TEST_CASE("FNSTENV/FLDENV in the real-mode and 16-bit layouts", "[environment]") {
    X87 fpu = make_fpu();
    const X87Pointer real_instruction{0x1234, 0x5678};  // linear 0x179B8
    const X87Pointer real_operand{0x2000, 0xFFF0};      // linear 0x2FFF0
    const auto two = le64(bits_of(2.0));
    fpu.fld_m64fp(X87Site::memory_form(real_instruction, 0xDD, 0x06, real_operand), two.data());
    fpu.fld_constant(X87Site::register_form(real_instruction, 0xD9, 0xEE), X87Constant::Zero);

    X87 copy = fpu;
    const X87Image real32 = copy.fnstenv(X87EnvFormat::Real32);
    const std::vector<uint8_t> expected_real32 = {
        0x7F, 0x03, 0xFF, 0xFF, 0x00, 0x30, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF,
        0xB8, 0x79, 0xFF, 0xFF,  // FIP bits 15..0
        0xEE, 0x11, 0x00, 0x00,  // FIP bits 31..16 in bits 27..12, FOP in bits 10..0
        0xF0, 0xFF, 0xFF, 0xFF,  // FDP bits 15..0
        0x00, 0x20, 0x00, 0x00,  // FDP bits 31..16 in bits 27..12
    };
    CHECK(bytes_of(real32) == expected_real32);

    copy = fpu;
    const X87Image real16 = copy.fnstenv(X87EnvFormat::Real16);
    const std::vector<uint8_t> expected_real16 = {
        0x7F, 0x03, 0x00, 0x30, 0xFF, 0x1F,
        0xB8, 0x79,  // FIP bits 15..0
        0xEE, 0x11,  // FIP bits 19..16 in bits 15..12, FOP
        0xF0, 0xFF,  // FDP bits 15..0
        0x00, 0x20,  // FDP bits 19..16 in bits 15..12
    };
    CHECK(bytes_of(real16) == expected_real16);

    copy = fpu;
    const X87Image protected16 = copy.fnstenv(X87EnvFormat::Protected16);
    const std::vector<uint8_t> expected_protected16 = {
        0x7F, 0x03, 0x00, 0x30, 0xFF, 0x1F,
        0x78, 0x56,  // FIP offset
        0x34, 0x12,  // FCS
        0xF0, 0xFF,  // FDP offset
        0x00, 0x20,  // FDS
    };
    CHECK(bytes_of(protected16) == expected_protected16);

    // Loading a real-mode image gives linear pointers with null selectors.
    X87 loaded = make_fpu();
    loaded.fldenv(X87EnvFormat::Real32, real32.bytes.data());
    CHECK(loaded.state().last_instruction == X87Pointer{0, 0x179B8});
    CHECK(loaded.state().last_data == X87Pointer{0, 0x2FFF0});
    CHECK(loaded.state().last_opcode == 0x1EE);
    CHECK(loaded.fnstsw() == 0x3000);
    CHECK(loaded.state().abridged_tag_word() == 0xC0);

    X87 loaded16 = make_fpu();
    loaded16.fldenv(X87EnvFormat::Real16, real16.bytes.data());
    CHECK(loaded16.state().last_instruction == X87Pointer{0, 0x179B8});
    CHECK(loaded16.state().last_data == X87Pointer{0, 0x2FFF0});
    CHECK(loaded16.state().last_opcode == 0x1EE);

    X87 loaded_protected16 = make_fpu();
    loaded_protected16.fldenv(X87EnvFormat::Protected16, protected16.bytes.data());
    CHECK(loaded_protected16.state().last_instruction == real_instruction);
    CHECK(loaded_protected16.state().last_data == real_operand);
    CHECK(loaded_protected16.state().last_opcode == 0);  // no opcode in this layout

    // Every layout round-trips through FNSAVE/FRSTOR.
    for (X87EnvFormat format : {X87EnvFormat::Real16, X87EnvFormat::Real32,
                                X87EnvFormat::Protected16, X87EnvFormat::Protected32}) {
        X87 saved = two_values(fcw::MASKS | fcw::RC_UP);
        const X87State before = saved.state();
        const X87Image image = saved.fnsave(format);
        CHECK(image.size == save_image_size(format));
        X87 restored;
        restored.frstor(format, image.bytes.data());
        CHECK(restored.state().control == before.control);
        CHECK(restored.state().status == before.status);
        CHECK(restored.state().tag_word() == before.tag_word());
        for (unsigned i = 0; i < 8; ++i) CHECK(restored.state().st(i) == before.st(i));
    }
}

TEST_CASE("FNSTENV masks all exceptions: FLDENV can make one pending", "[environment]") {
    X87 fpu = make_fpu(fcw::DEFAULT & ~fcw::ZM);
    push(fpu, k_one);
    const auto zero = le32(bits_of(0.0f));
    fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, zero.data());
    REQUIRE(fpu.pending_exception());
    const X87Image image = fpu.fnstenv(X87EnvFormat::Protected32);
    CHECK((image.bytes[4] & fsw::ES) != 0);            // stored as it was
    CHECK(fpu.fnstcw() == (fcw::DEFAULT | fcw::MASKS));  // then everything is masked
    CHECK_FALSE(fpu.pending_exception());
    CHECK((fpu.fnstsw() & fsw::ZE) != 0);               // the flag itself stays

    X87 other = make_fpu();
    other.fldenv(X87EnvFormat::Protected32, image.bytes.data());
    CHECK(other.pending_exception());

    // Reserved control bits are normalized on load.
    std::array<uint8_t, 28> odd = {};
    odd[0] = 0xFF;
    odd[1] = 0xFF;
    odd[8] = 0xFF;
    odd[9] = 0xFF;
    X87 normalized = make_fpu();
    normalized.fldenv(X87EnvFormat::Protected32, odd.data());
    CHECK(normalized.fnstcw() == 0x1F7F);
}

TEST_CASE("FXSAVE layout and abridged tag word: FXRSTOR", "[environment][fxsave]") {
    X87 fpu = two_values(fcw::DEFAULT);
    CHECK(fpu.state().abridged_tag_word() == 0xC0);
    const auto image = fpu.fxsave();
    CHECK(image[0] == 0x7F);
    CHECK(image[1] == 0x03);
    CHECK(image[2] == 0x00);
    CHECK(image[3] == 0x30);
    CHECK(image[4] == 0xC0);  // abridged: R7 and R6 non-empty (R6 holds a zero: still 1)
    CHECK(image[5] == 0x00);
    CHECK((image[6] | image[7] << 8) == 0x1EE);
    CHECK((image[8] | image[9] << 8 | image[10] << 16 | image[11] << 24) == 0x0040123A);
    CHECK((image[12] | image[13] << 8) == 0x001B);
    CHECK((image[14] | image[15] << 8) == 0);
    CHECK((image[16] | image[17] << 8 | image[18] << 16 | image[19] << 24) == 0x00805678);
    CHECK((image[20] | image[21] << 8) == 0x0023);
    CHECK((image[24] | image[25] << 8 | image[26] << 16 | image[27] << 24) == 0x1F80);
    CHECK((image[28] | image[29] << 8 | image[30] << 16 | image[31] << 24) == 0xFFBF);
    for (int b = 32; b < 48; ++b) CHECK(image[b] == 0);  // ST0 = +0 and its padding
    CHECK(image[48 + 7] == 0x80);                          // ST1 = 2.0
    CHECK(image[48 + 9] == 0x40);
    CHECK(image[48 + 10] == 0);

    X87 restored;
    REQUIRE(restored.fxrstor(image.data()));
    check_same_state(restored.state(), fpu.state());
    CHECK(restored.state().tag_word() == 0x1FFF);  // full tags recomputed from contents

    auto bad = image;
    bad[26] = 0x01;  // MXCSR bit 16: reserved
    X87 untouched = make_fpu();
    CHECK_FALSE(untouched.fxrstor(bad.data()));
    CHECK(untouched.state().nonempty == 0);
    CHECK(untouched.state().mxcsr == mxcsr_default);

    auto mxcsr = image;
    mxcsr[24] = 0x00;
    mxcsr[25] = 0x7F;  // 0x7F00: RC/masks changed, valid
    REQUIRE(restored.fxrstor(mxcsr.data()));
    CHECK(restored.state().mxcsr == 0x7F00);
    CHECK(restored.fxsave()[25] == 0x7F);
}

TEST_CASE("FIP and FDP and FOP follow the last non-control instruction", "[environment]") {
    X87 fpu = make_fpu();
    const auto one = le32(bits_of(1.0f));
    fpu.fld_m32fp(X87Site::memory_form({0x08, 0x100}, 0xD9, 0x05, {0x10, 0x5000}), one.data());
    CHECK(fpu.state().last_instruction == X87Pointer{0x08, 0x100});
    CHECK(fpu.state().last_data == X87Pointer{0x10, 0x5000});
    CHECK(fpu.state().last_opcode == 0x105);

    // A register form updates FIP and FOP but leaves FDP.
    fpu.fchs(X87Site::register_form({0x08, 0x106}, 0xD9, 0xE0));
    CHECK(fpu.state().last_instruction == X87Pointer{0x08, 0x106});
    CHECK(fpu.state().last_data == X87Pointer{0x10, 0x5000});
    CHECK(fpu.state().last_opcode == 0x1E0);

    // Control instructions leave them alone.
    fpu.fldcw(0x037F);
    fpu.fnclex();
    fpu.fnstenv(X87EnvFormat::Protected32);
    CHECK(fpu.state().last_instruction == X87Pointer{0x08, 0x106});
    CHECK(fpu.state().last_opcode == 0x1E0);

    // FNOP and the stack-management instructions are non-control instructions.
    fpu.fnop(X87Site::register_form({0x08, 0x110}, 0xD9, 0xD0));
    CHECK(fpu.state().last_instruction == X87Pointer{0x08, 0x110});
    CHECK(fpu.state().last_opcode == 0x1D0);
    fpu.fincstp(X87Site::register_form({0x08, 0x112}, 0xD9, 0xF7));
    CHECK(fpu.state().last_opcode == 0x1F7);

    // An instruction that faults still records where it is.
    fpu.fldcw(fcw::DEFAULT & ~fcw::IM);
    fpu.fsqrt(X87Site::register_form({0x08, 0x120}, 0xD9, 0xFA));  // empty ST0
    CHECK(fpu.pending_exception());
    CHECK(fpu.state().last_instruction == X87Pointer{0x08, 0x120});

    fpu.fninit();
    CHECK(fpu.state().last_instruction == X87Pointer{});
    CHECK(fpu.state().last_data == X87Pointer{});
    CHECK(fpu.state().last_opcode == 0);
    CHECK(fpu.fnstcw() == 0x037F);
    CHECK(fpu.fnstsw() == 0);
    CHECK(fpu.state().tag_word() == 0xFFFF);
}

TEST_CASE("the state after RESET", "[environment]") {
    X87 fpu;
    CHECK(fpu.fnstcw() == 0x0040);
    CHECK(fpu.fnstsw() == 0);
    CHECK(fpu.state().tag_word() == 0x5555);
    CHECK(fpu.state().st(0) == k_plus_zero);
    CHECK(fpu.state().mxcsr == 0x1F80);
    CHECK_FALSE(fpu.pending_exception());
    // All exceptions are unmasked: a push overflows the full stack and is pending.
    fpu.fld_constant(reg_site(0xD9, 0xE8), X87Constant::One);
    CHECK(fpu.pending_exception());
    CHECK(fpu.state().top() == 0);
}

TEST_CASE("FLDCW normalizes reserved bits", "[environment]") {
    X87 fpu;
    fpu.fldcw(0xFFFF);
    CHECK(fpu.fnstcw() == 0x1F7F);
    fpu.fldcw(0x0000);
    CHECK(fpu.fnstcw() == 0x0040);
}

TEST_CASE("MMX instructions alias the data registers", "[environment][mmx]") {
    X87 fpu = make_fpu();
    push(fpu, k_one);
    fpu.mmx_write(3, 0x1122334455667788ull);
    CHECK(fpu.state().top() == 0);
    CHECK(fpu.state().abridged_tag_word() == 0xFF);
    CHECK(fpu.state().physical[3] == f80(0xFFFF, 0x1122334455667788ull));
    CHECK(fpu.mmx_read(3) == 0x1122334455667788ull);
    CHECK(fpu.mmx_read(7) == k_one.significand);
    fpu.emms();
    CHECK(fpu.state().tag_word() == 0xFFFF);
}

TEST_CASE("the host FPU control word survives every operation", "[host]") {
    uint16_t original = host_control_word();
    const uint16_t unusual = 0x0C7F;  // round toward zero, 24-bit precision
    asm volatile("fldcw %0" : : "m"(unusual));
    X87 fpu = make_fpu(fcw::DEFAULT & ~fcw::ZM & ~fcw::IM);
    push(fpu, k_one);
    const auto zero = le32(bits_of(0.0f));
    fpu.arith_m32fp(mem_site(0xD8, 0x30), X87ArithOp::Div, zero.data());
    fpu.fsqrt(reg_site(0xD9, 0xFA));
    fpu.fcomi(reg_site(0xDB, 0xF1), 1, false);
    fpu.fist_m16int(mem_site(0xDF, 0x10), false);
    CHECK(fpu.pending_exception());
    CHECK(host_control_word() == unusual);
    // The host has nothing pending: a waiting instruction on the host does not trap.
    asm volatile("fwait");
    asm volatile("fldcw %0" : : "m"(original));
    CHECK(host_control_word() == original);
}
