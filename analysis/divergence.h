// The divergence finder (`trapeze diff pc ... --virt=trap`; docs/monitor.md): runs the same
// guest on two identical PCs, one native (`--virt=off`) and one under the monitor, one
// instruction at a time, and stops at the first instruction whose guest-visible effect
// differs: the registers as the guest sees them (the monitor's virtual view), the memory and
// ports it wrote. Popek & Goldberg's equivalence property, tested instruction by instruction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/symbol_map.h"
#include "machines/pc.h"

namespace trapeze::analysis {

struct Divergence {
    bool found = false;
    uint64_t instructions = 0;      // executed by both before the diverging one
    uint16_t cs = 0;                // where the diverging instruction is (the native run's view)
    uint32_t eip = 0, linear = 0;
    std::string disassembly;        // "" when its bytes could not be read
    std::string form;               // row of the instruction table, "" when unknown
    std::string pg_class;           // "sensitive", "privileged", "innocuous"
    std::string symbol;             // from --symbols, "" without
    std::vector<std::string> differences;  // "EFLAGS: off 00000046, trap 00000246", ...
    std::string end;                // how the runs ended when no divergence was found
};

// Steps `native` (--virt=off) and `subject` in lockstep until one of them stops, max_insns
// instructions have run (0: no limit), or they diverge.
Divergence find_divergence(machines::PcMachine& native, machines::PcMachine& subject, uint64_t max_insns,
                           const SymbolMap& symbols);

// The report trapeze diff prints.
std::string format_divergence(const Divergence& d, std::string_view subject_mode);

}  // namespace trapeze::analysis
