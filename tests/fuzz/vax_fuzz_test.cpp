// crashme and iofuzz on the MicroVAX 3900 (machines/vax_crashme.h, machines/microvax_iofuzz.h).
#include <catch2/catch.hpp>

#include "isa/vax/psl.h"
#include "machines/microvax_iofuzz.h"
#include "machines/vax_crashme.h"

using namespace trapeze::machines;
namespace scb = trapeze::vax::scb;

namespace {

VaxCrashmeReport run(uint64_t seed, int mode, uint64_t iterations) {
    VaxCrashmeOptions o;
    o.seed = seed;
    o.mode = mode;
    o.max_iterations = iterations;
    VaxCrashme c(o);
    return c.run();
}

uint64_t ended(const VaxCrashmeReport& r) {
    uint64_t n = r.double_errors + r.watchdog + r.halted + r.other_stops;
    for (uint64_t e : r.exceptions) n += e;
    return n;
}

}  // namespace

TEST_CASE("vax crashme: user-mode streams can never break the kernel", "[fuzz][crashme][vax]") {
    // In user mode the SCB, the handlers and the page tables are read-only and the kernel
    // stacks inaccessible: every stream must end in a handler (or the watchdog), never in a
    // CPU halt (interrupt stack not valid, bad SCB vector) or a HALT of its own.
    VaxCrashmeReport r = run(20261203, 3, 6000);
    CHECK(r.iterations == 6000);
    CHECK(r.double_errors == 0);
    CHECK(r.halted == 0);
    CHECK(r.other_stops == 0);
    // Random VAX code: privileged and reserved instructions, reserved addressing modes and
    // operands, access violations, and the change-mode instructions to every mode.
    for (uint16_t v : {scb::kReservedInstruction, scb::kReservedOperand, scb::kReservedAddressingMode,
                       scb::kAccessViolation, scb::kArithmetic})
        CHECK(r.exceptions[v / 4] > 0);
    for (unsigned mode = 0; mode < 4; ++mode) CHECK(r.exceptions[(scb::kChmk + 4 * mode) / 4] > 0);
    CHECK(ended(r) == r.iterations);
}

TEST_CASE("vax crashme: kernel-mode streams run without a host-side problem", "[fuzz][crashme][vax]") {
    VaxCrashmeReport r = run(42, 0, 6000);
    CHECK(r.iterations == 6000);
    CHECK(r.other_stops == 0);  // an instruction the VAX CPU lacks would show up here
    CHECK(r.exceptions[scb::kAccessViolation / 4] > 0);
    CHECK(r.halted > 0);        // kernel streams may HALT
    CHECK(r.instructions > r.iterations);
    CHECK(ended(r) == r.iterations);
}

TEST_CASE("vax crashme: a seed reproduces its campaign exactly", "[fuzz][crashme][vax]") {
    VaxCrashmeReport a = run(7, -1, 1500), b = run(7, -1, 1500), c = run(8, -1, 1500);
    CHECK(a.instructions == b.instructions);
    CHECK(a.exceptions == b.exceptions);
    CHECK(a.double_errors == b.double_errors);
    CHECK(a.instructions != c.instructions);
}

TEST_CASE("vax crashme: one iteration alone gives what it gave inside the campaign", "[fuzz][crashme][vax]") {
    VaxCrashmeOptions o;
    o.seed = 99;
    VaxCrashme whole(o), single(o);
    VaxCrashmeReport all;
    for (uint64_t i = 0; i < 300; ++i) whole.run_iteration(i, all);
    VaxCrashmeReport alone, last;
    single.run_iteration(299, alone);
    whole.run_iteration(299, last);
    CHECK(alone.instructions == last.instructions);
    CHECK(alone.exceptions == last.exceptions);
    CHECK(alone.halted == last.halted);
}

TEST_CASE("vax iofuzz: every I/O region of the machine is reached, repeatably", "[fuzz][iofuzz][vax]") {
    IofuzzOptions o;
    o.seed = 11;
    o.max_operations = 20000;
    VaxIofuzzReport a = run_microvax_iofuzz(o), b = run_microvax_iofuzz(o);
    // One access per operation, except a UQSSP bring-up: IP write, four SA writes, IP read.
    CHECK(a.reads + a.writes + a.ipr_reads + a.ipr_writes == 20000 + 5 * a.uqssp_bringups);
    CHECK(a.uqssp_bringups > 0);  // the RQDX3 and TQK50 are at their standard CSRs
    bool ssc = false, rom = false;
    for (const auto& g : a.ranges) {
        CHECK(g.accesses > 0);
        ssc |= g.base == 0x20140000;
        rom |= g.rom && g.base == 0x20040000;
    }
    CHECK(ssc);
    CHECK(rom);
    CHECK(a.ipr_writes > 0);
    CHECK(a.instructions > 0);
    // The same seed, the same campaign.
    CHECK(a.instructions == b.instructions);
    CHECK(a.machine_checks == b.machine_checks);
    CHECK(a.stops == b.stops);
    CHECK(a.uqssp_bringups == b.uqssp_bringups);
}
