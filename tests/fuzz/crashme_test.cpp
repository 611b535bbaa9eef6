// crashme on the PC's CPU: random streams at CPL 0 and 3 (machines/x86_crashme.h).
#include <catch2/catch.hpp>

#include "machines/x86_crashme.h"

using namespace trapeze::machines;

namespace {

CrashmeReport run(uint64_t seed, int cpl, uint64_t iterations) {
    CrashmeOptions o;
    o.seed = seed;
    o.cpl = cpl;
    o.max_iterations = iterations;
    X86Crashme c(o);
    return c.run();
}

}  // namespace

TEST_CASE("crashme: user-mode streams can never break the kernel", "[fuzz][crashme]") {
    // At CPL 3 the IDT, GDT, TSS and handlers are on supervisor read-only pages: every stream
    // must end in a handler (or the watchdog), never in a triple fault or a stray halt.
    CrashmeReport r = run(20261203, 3, 4000);
    CHECK(r.iterations == 4000);
    CHECK(r.triple_faults == 0);
    CHECK(r.halted == 0);
    CHECK(r.other_stops == 0);
    // The usual suspects of random code: #UD, #GP, #PF, and INT n through DPL-3 gates.
    CHECK(r.exceptions[6] > 0);
    CHECK(r.exceptions[13] > 0);
    CHECK(r.exceptions[14] > 0);
    unsigned vectors_seen = 0;
    for (uint64_t n : r.exceptions) vectors_seen += n > 0;
    CHECK(vectors_seen > 30);
    uint64_t ended = r.triple_faults + r.watchdog + r.halted + r.other_stops;
    for (uint64_t n : r.exceptions) ended += n;
    CHECK(ended == r.iterations);
}

TEST_CASE("crashme: kernel-mode streams run without a host-side problem", "[fuzz][crashme]") {
    CrashmeReport r = run(42, 0, 4000);
    CHECK(r.iterations == 4000);
    CHECK(r.other_stops == 0);  // a base-ISA instruction trapeze lacks would show up here
    CHECK(r.exceptions[14] > 0);
    CHECK(r.instructions > r.iterations);
}

TEST_CASE("crashme: a seed reproduces its campaign exactly", "[fuzz][crashme]") {
    CrashmeReport a = run(7, -1, 1500), b = run(7, -1, 1500), c = run(8, -1, 1500);
    CHECK(a.instructions == b.instructions);
    CHECK(a.exceptions == b.exceptions);
    CHECK(a.triple_faults == b.triple_faults);
    CHECK(a.instructions != c.instructions);
}

TEST_CASE("crashme: one iteration alone gives what it gave inside the campaign", "[fuzz][crashme]") {
    CrashmeOptions o;
    o.seed = 99;
    X86Crashme whole(o), single(o);
    CrashmeReport all;
    for (uint64_t i = 0; i < 300; ++i) whole.run_iteration(i, all);
    CrashmeReport alone;
    single.run_iteration(299, alone);
    CrashmeReport last;
    whole.run_iteration(299, last);
    CHECK(alone.instructions == last.instructions);
    CHECK(alone.exceptions == last.exceptions);
    CHECK(alone.triple_faults == last.triple_faults);
}
