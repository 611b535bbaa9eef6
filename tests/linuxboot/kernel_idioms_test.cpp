// Instruction encodings the Debian i386 kernel relies on, found while booting it.
#include <catch2/catch.hpp>

#include "tests/unit/x86_test_machine.h"

using namespace trapeze;
using namespace trapeze::x86;

TEST_CASE("rep bsf / rep bsr execute as BSF / BSR on CPUs without BMI1/ABM", "[linuxboot][x86]") {
    // Linux's __ffs and _find_first_bit use `rep; bsf` (F3 0F BC), which newer CPUs run as
    // TZCNT; a Pentium II runs it as BSF (SDM Vol. 2, TZCNT). It was #UD in trapeze.
    test::X86Bench b;
    b.flat32(0x1000);
    // mov ecx, 0x50 ; rep bsf ecx, ecx ; mov edx, 0x50 ; rep bsr edx, edx ;
    // xor esi, esi ; mov edi, 7 ; rep bsf edi, esi (source 0: ZF = 1) ; cli ; hlt
    b.poke(0x1000, {0xB9, 0x50, 0x00, 0x00, 0x00, 0xF3, 0x0F, 0xBC, 0xC9, 0xBA, 0x50, 0x00, 0x00, 0x00,
                    0xF3, 0x0F, 0xBD, 0xD2, 0x31, 0xF6, 0xBF, 0x07, 0x00, 0x00, 0x00, 0xF3, 0x0F, 0xBC, 0xFE,
                    0xFA, 0xF4});
    auto r = b.cpu->run(100);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(b.cpu->s.gpr[ECX] == 4);
    CHECK(b.cpu->s.gpr[EDX] == 6);
    CHECK((b.cpu->eflags() & ZF));
    CHECK(b.cpu->s.gpr[EDI] == 7);  // BSF leaves the destination unchanged for a zero source
}
