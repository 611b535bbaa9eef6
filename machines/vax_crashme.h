// crashme for the VAX (Ormandy 2007, as machines/x86_crashme.h for IA-32): random instruction
// streams executed by the VAX CPU core (isa/vax) in kernel and user mode, restarting after
// every exception. Each iteration is a small guest with memory management on: an SCB whose
// 256 vectors each land in a kernel handler that halts (the host reads which one from the
// halt PC), the system page table, kernel and interrupt stacks on kernel-only pages, and
// 64 KB of random bytes (writable from every mode) where execution starts, entered by REI
// with random registers and condition codes. A kernel-mode stream may do anything to the
// machine (MTPR to SCBB or SBR, MAPEN off, HALT); the host must come out of it with nothing to
// report. The board is a bare VAX CPU and RAM: no I/O space (docs/fuzzing.md).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "cpu/physical_memory.h"
#include "isa/vax/cpu.h"

namespace trapeze::machines {

struct VaxCrashmeOptions {
    uint64_t seed = 1;
    int mode = -1;                        // 0 (kernel) or 3 (user); -1 alternates
    uint64_t insns_per_stream = 20000;    // the watchdog: a stream that runs longer restarts
    uint64_t max_iterations = 0;          // 0: no bound (use max_seconds)
    double max_seconds = 10;
};

struct VaxCrashmeReport {
    uint64_t iterations = 0;
    uint64_t instructions = 0;
    std::array<uint64_t, 256> exceptions{};   // streams that ended in the handler of SCB vector 4*i
    uint64_t double_errors = 0;               // halts the CPU took itself (interrupt stack not
                                              // valid, bad SCB vector, CHMx on the interrupt stack)
    uint64_t watchdog = 0;                    // streams stopped by the instruction bound
    uint64_t halted = 0;                      // the stream itself executed HALT in kernel mode
    uint64_t other_stops = 0;                 // e.g. an instruction trapeze does not implement
    std::map<std::string, uint64_t> stop_messages;  // of other_stops, by message
    double seconds = 0;
};

class VaxCrashme {
public:
    explicit VaxCrashme(const VaxCrashmeOptions& opts);
    ~VaxCrashme();
    // Runs iterations until a bound is reached. A host-side problem (an exception escaping
    // the core) throws std::runtime_error naming the seed and the iteration that reproduce it.
    VaxCrashmeReport run();
    // One iteration (deterministic in seed and index); public for tests and reproduction.
    void run_iteration(uint64_t index, VaxCrashmeReport& report);

private:
    class Board;
    void build_guest(uint64_t index, unsigned mode);
    VaxCrashmeOptions opts_;
    cpu::PhysicalMemory mem_;
    std::unique_ptr<Board> board_;
    std::unique_ptr<vax::VaxCpu> cpu_;
    uint8_t* ram_ = nullptr;
};

// Multi-line summary (instructions, iterations, exceptions by SCB vector, stops).
std::string format_vax_crashme_report(const VaxCrashmeReport& r, const VaxCrashmeOptions& opts);

}  // namespace trapeze::machines
