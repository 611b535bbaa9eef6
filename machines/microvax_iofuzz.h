// iofuzz for the MicroVAX 3900 (Ormandy 2007; machines/pc_iofuzz.h is the PC's): random
// physical reads and writes of size 1, 2 and 4 over the KA655's I/O space, and random MTPR/MFPR
// of the board's internal processor registers (console, interval clock, TODR, cache and memory
// registers, IORESET), issued while a guest idles in the ROM with interrupts on. The targets
// are read from the machine: every MMIO region it registered and every ROM page, so devices
// added to machines/microvax3900.cpp are fuzzed without changing this file. RAM is
// filled with random bytes, so that a device that reads descriptors or command rings from
// memory (the Q-bus map, the UQSSP controllers) finds addresses outside RAM and huge counts;
// the UQSSP controllers are also brought up through their four-step initialization with a
// random communications area, so that they read rings of random descriptors.
// docs/fuzzing.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "machines/fuzz_support.h"

namespace trapeze::machines {

struct VaxIofuzzReport {
    struct Range {
        uint32_t base = 0, bytes = 0;
        bool rom = false;
        uint64_t accesses = 0;
    };
    std::vector<Range> ranges;             // the machine's MMIO regions and ROM
    uint64_t reads = 0, writes = 0;        // physical accesses issued
    uint64_t unassigned = 0;               // of which nothing answered (all ones)
    uint64_t machine_checks = 0;           // of which a bus window signalled a machine check
    uint64_t ipr_reads = 0, ipr_writes = 0, ipr_absent = 0;  // board IPRs; absent: not implemented
    uint64_t uqssp_bringups = 0;           // UQSSP initializations driven (RQDX3, TQK50)
    uint64_t instructions = 0;             // guest instructions run between them
    std::map<std::string, uint64_t> stops; // how the guest's slices ended, by message
    double seconds = 0;
};

// Runs a campaign; a host-side problem (an exception out of a device or the CPU) throws
// std::runtime_error naming the seed and the operation.
VaxIofuzzReport run_microvax_iofuzz(const IofuzzOptions& opts);
std::string format_vax_iofuzz_report(const VaxIofuzzReport& r, const IofuzzOptions& opts);

}  // namespace trapeze::machines
