// Lockstep (`--lockstep`): runs two CPUs side by side, normally the interpreter and the JIT on
// two identical machines, in quanta of at least one block, and stops at the first difference
// in guest state. Both engines stop only at block boundaries, and a compiled trace checks the
// instruction limit between blocks as the run loop does, so equal engines stop at equal counts.
#pragma once

#include <cstdint>
#include <string>

#include "cpu/physical_memory.h"
#include "cpu/run_result.h"
#include "isa/x86/cpu.h"

namespace trapeze::bt {

// First difference in architectural state (registers, flags, segments with their caches,
// system registers, TSC, instruction count, x87), or "" when equal.
std::string compare_cpu_state(x86::X86Cpu& a, x86::X86Cpu& b);
// First physical page whose contents differ (RAM and ROM), or "".
std::string compare_memory(const cpu::PhysicalMemory& a, const cpu::PhysicalMemory& b);

struct LockstepOptions {
    uint64_t quantum = 1;                  // instructions per run() of each CPU (>= one block)
    uint64_t memory_every = 1'000'000;     // compare RAM every so many instructions (0: end only)
};

struct LockstepResult {
    cpu::RunResult reference;   // how the reference CPU's last run() ended
    bool diverged = false;
    std::string difference;     // where and what, when diverged
    uint64_t compares = 0;
};

// Runs until both stop for a reason other than the quantum, max_insns (0: no limit) is
// reached, or they differ.
LockstepResult run_lockstep(x86::X86Cpu& reference, cpu::PhysicalMemory& ref_mem, x86::X86Cpu& subject,
                            cpu::PhysicalMemory& subject_mem, uint64_t max_insns, const LockstepOptions& opts = {});

}  // namespace trapeze::bt
