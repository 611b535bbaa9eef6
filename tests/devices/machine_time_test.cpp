// The pc machine's time loop with a real CPU: timer interrupts taken with HLT arrive at the
// guest times the PIT dictates, idle time is skipped, and runs are reproducible.
#include <catch2/catch.hpp>

#include "devices/pc/pit8254.h"
#include "machines/pc.h"

using namespace trapeze;

namespace {
machines::PcConfig timer_rom_config(int shift) {
    machines::PcConfig cfg;
    cfg.bios_path = TRAPEZE_TIMER_ROM;
    cfg.serial = "null";
    cfg.rtc_base = "2026-01-01";
    cfg.icount_shift = shift;
    return cfg;
}
}  // namespace

TEST_CASE("100 PIT interrupts through HLT take 100 timer periods of guest time", "[machine]") {
    for (int shift : {0, 3}) {
        machines::PcMachine pc(timer_rom_config(shift));
        cpu::RunResult r = pc.run(0);
        REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
        // The mode-2 control word raises OUT0 (one early interrupt); then one per period.
        uint64_t lo = devices::Pit8254::ns_of_tick(99 * 1193);
        uint64_t hi = devices::Pit8254::ns_of_tick(100 * 1193 + 2);
        CHECK(pc.now_ns() >= lo);
        CHECK(pc.now_ns() <= hi);
        CHECK(r.instructions == pc.now_ns() >> shift);
    }
}

TEST_CASE("two runs of the same guest end at the same instruction", "[machine]") {
    machines::PcMachine a(timer_rom_config(3));
    machines::PcMachine b(timer_rom_config(3));
    CHECK(a.run(0).instructions == b.run(0).instructions);
}

TEST_CASE("an instruction limit inside idle time stops there", "[machine]") {
    machines::PcMachine pc(timer_rom_config(3));
    cpu::RunResult r = pc.run(5000000);
    CHECK(r.reason == cpu::StopReason::kInsnLimit);
    CHECK(r.instructions == 5000000);
}
