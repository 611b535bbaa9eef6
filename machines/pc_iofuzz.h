// iofuzz for the PC (Ormandy 2007): random port reads and writes of every size, biased to the
// ports the PC's devices decode, issued while a guest idles with interrupts on, so that the
// devices' timers, interrupts and resets all happen between the random accesses. The host
// must survive every sequence; the guest may be reset any number of times. docs/fuzzing.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "machines/fuzz_support.h"

namespace trapeze::machines {

struct IofuzzReport {
    uint64_t reads = 0, writes = 0;        // port accesses issued
    uint64_t device_accesses = 0;          // of which to a port a PC device decodes
    uint64_t instructions = 0;             // guest instructions run between them
    std::map<std::string, uint64_t> stops; // how the guest's slices ended, by message
    double seconds = 0;
};

// Runs a campaign; a host-side problem (an exception out of a device) throws
// std::runtime_error naming the seed and the operation.
IofuzzReport run_pc_iofuzz(const IofuzzOptions& opts);
std::string format_iofuzz_report(const IofuzzReport& r, const IofuzzOptions& opts);

}  // namespace trapeze::machines
