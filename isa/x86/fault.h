// A guest exception raised by an instruction: thrown from the handler, caught by the run loop
// before any of the instruction's state is committed (precise exceptions, DESIGN.md §2).
#pragma once

#include <cstdint>

namespace trapeze::x86 {

enum Vector : uint8_t {
    kDE = 0, kDB = 1, kNMI = 2, kBP = 3, kOF = 4, kBR = 5, kUD = 6, kNM = 7, kDF = 8,
    kTS = 10, kNP = 11, kSS = 12, kGP = 13, kPF = 14, kMF = 16, kAC = 17, kMC = 18,
};

struct GuestFault {
    uint8_t vector;
    bool has_error;
    uint32_t error;
};

[[noreturn]] inline void raise_fault(uint8_t vector) { throw GuestFault{vector, false, 0}; }
[[noreturn]] inline void raise_fault(uint8_t vector, uint32_t error) {
    throw GuestFault{vector, true, error};
}

// Thrown by a sensitive instruction that the --virt=bt rewriting pass replaced by a monitor
// trap (binary_translate/rewrite_sensitive.h): nothing of the instruction has run. The run
// loop hands it to the monitor, which emulates the instruction on the guest's virtual state.
struct MonitorTrap {};

// Thrown after request_stop() to leave the run loop at once (host-side stop, not a guest
// exception).
struct StopRun {};

// Thrown by compiled code (binary_translate/) at a memory access its fast path cannot do and
// X86Cpu::tlb_refill could not make possible: a fault to raise, a page crossing, memory that
// is not RAM, a store into code. Nothing of the instruction has been committed, as for a
// fault (SDM Vol. 3 §6.5: faults are restartable), and EIP and the instruction count are the
// instruction's: the run loop interprets from there, where the interpreter's own slow path
// does the access.
struct LeaveToInterpreter {};

// Exceptions that push an error code (SDM Vol. 3 Table 6-1).
constexpr bool vector_has_error_code(unsigned v) {
    return v == kDF || v == kTS || v == kNP || v == kSS || v == kGP || v == kPF || v == kAC;
}

}  // namespace trapeze::x86
