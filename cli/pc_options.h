// The `pc` machine's options (QEMU's spelling where the meaning is the same), shared by
// `trapeze run pc` and `trapeze diff pc`.
#pragma once

#include <string_view>

#include "cli/options.h"
#include "machines/pc.h"

namespace trapeze::cli {

// The statistics `-d` asks a run to print at its end.
struct RunReports {
    bool jit = false;  // -d jit: the translator's (bt::format_stats)
    bool tlb = false;  // -d tlb: address translation and block lookups (X86Cpu::format_tlb_stats)
};

// If `opt` is one of the machine options, consumes its value from `args` into `cfg` and
// returns true; false for anything else. Throws UsageError on a bad value. reports: where
// `-d jit` and `-d tlb` go (nullptr: the command prints no statistics, both are refused).
bool parse_pc_option(Args& args, std::string_view opt, machines::PcConfig& cfg, RunReports* reports = nullptr);

}  // namespace trapeze::cli
