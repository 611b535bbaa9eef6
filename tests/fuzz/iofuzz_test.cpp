// iofuzz on the PC (machines/pc_iofuzz.h): random port I/O to every device while a guest
// idles with interrupts on.
#include <catch2/catch.hpp>

#include "machines/pc_iofuzz.h"

using namespace trapeze::machines;

TEST_CASE("iofuzz: random port I/O to the PC's devices leaves the host standing", "[fuzz][iofuzz]") {
    IofuzzOptions o;
    o.seed = 20261203;
    o.max_operations = 200000;
    IofuzzReport a = run_pc_iofuzz(o);
    CHECK(a.reads + a.writes == 200000);
    CHECK(a.device_accesses > 150000);  // seven in eight go to a device's ports
    CHECK(a.instructions > 0);          // the guest ran between the accesses
    uint64_t slices = 0;
    for (const auto& [msg, n] : a.stops) slices += n;
    CHECK(slices == 200000 / 16);
    // The same seed, the same campaign (guest time follows the instruction count).
    IofuzzReport b = run_pc_iofuzz(o);
    CHECK(b.instructions == a.instructions);
    CHECK(b.stops == a.stops);
}
