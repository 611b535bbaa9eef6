// The `pc` machine's options (QEMU's spelling where the meaning is the same), shared by
// `trapeze run pc` and `trapeze diff pc`.
#pragma once

#include <string_view>

#include "cli/options.h"
#include "machines/pc.h"

namespace trapeze::cli {

// If `opt` is one of the machine options, consumes its value from `args` into `cfg` and
// returns true; false for anything else. Throws UsageError on a bad value. jit_stats: where
// `-d jit` goes (nullptr: the command has no JIT, `-d jit` is refused).
bool parse_pc_option(Args& args, std::string_view opt, machines::PcConfig& cfg, bool* jit_stats = nullptr);

}  // namespace trapeze::cli
