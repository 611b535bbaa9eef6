// Why a run loop returned. Shared by every ISA and machine.
#pragma once

#include <cstdint>
#include <string>

namespace trapeze::cpu {

enum class StopReason {
    kRunning,          // not stopped (internal)
    kInsnLimit,        // --max-insns reached
    kHaltedNoWake,     // halted with interrupts disabled and nothing can wake it
    kShutdown,         // triple fault (x86) / machine check stop with no reset
    kReset,            // the guest asked for a reset and the machine was told not to reboot
    kGuestHalt,        // a HALT instruction that ends the run (VAX)
    kPowerOff,         // a device powered the machine off
    kError,            // host-side error (unsupported instruction etc.): message says what
    kUserStop,         // the user interrupted
    kYield,            // the machine asked the run loop to return early (a device's next
                       // event moved); the machine continues, callers never see it
};

struct RunResult {
    StopReason reason = StopReason::kRunning;
    std::string message;  // one line, for the user
    uint64_t instructions = 0;
};

}  // namespace trapeze::cpu
