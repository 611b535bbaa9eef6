// crashme for IA-32 (Ormandy 2007, "An Empirical Study into the Security Exposure to Hosts of
// Hostile Virtualized Environments"): random instruction streams executed by the real CPU
// core, in kernel and user mode, restarting after every fault. Each iteration is a small
// protected-mode guest: a GDT, an IDT whose 256 handlers report their vector on a port and
// halt, a TSS, paging with the kernel pages read-only and supervisor-only, and 64 KB of
// random bytes (user-writable) where execution starts at a random offset with random
// registers. The guest may do anything to itself (reload CR0, trash its IDT, triple-fault);
// the host must come out of it with nothing to report. See docs/fuzzing.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "cpu/physical_memory.h"
#include "cpu/port_bus.h"
#include "isa/x86/cpu.h"

namespace trapeze::machines {

struct CrashmeOptions {
    uint64_t seed = 1;
    int cpl = -1;                         // 0 or 3; -1 alternates
    uint64_t insns_per_stream = 20000;    // the watchdog: a stream that runs longer restarts
    uint64_t max_iterations = 0;          // 0: no bound (use max_seconds)
    double max_seconds = 10;
    const x86::CpuModel* model = nullptr; // default: pentium2
};

struct CrashmeReport {
    uint64_t iterations = 0;
    uint64_t instructions = 0;
    std::array<uint64_t, 256> exceptions{};   // streams that ended in the handler of this vector
    uint64_t triple_faults = 0;
    uint64_t watchdog = 0;                    // streams stopped by the instruction bound
    uint64_t halted = 0;                      // the stream itself executed HLT with IF=0
    uint64_t other_stops = 0;                 // e.g. an instruction trapeze does not implement
    std::map<std::string, uint64_t> stop_messages;  // of other_stops, by message
    double seconds = 0;
};

class X86Crashme {
public:
    explicit X86Crashme(const CrashmeOptions& opts);
    ~X86Crashme();
    // Runs iterations until a bound is reached. A host-side problem (an exception escaping
    // the core) throws std::runtime_error naming the seed and the iteration that reproduce it.
    CrashmeReport run();
    // One iteration (deterministic in seed and index); public for tests and reproduction.
    void run_iteration(uint64_t index, CrashmeReport& report);
    static constexpr uint16_t kVectorPort = 0x404;

private:
    class VectorPort;
    void build_guest(uint64_t index, int cpl);
    CrashmeOptions opts_;
    cpu::PhysicalMemory mem_;
    cpu::PortBus ports_;
    std::unique_ptr<VectorPort> vector_port_;
    std::unique_ptr<x86::X86Cpu> cpu_;
    uint8_t* ram_ = nullptr;
};

// Multi-line summary (instructions, iterations, exceptions by vector, stops).
std::string format_crashme_report(const CrashmeReport& r, const CrashmeOptions& opts);

}  // namespace trapeze::machines
