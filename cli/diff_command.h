// `trapeze diff pc <machine options> --virt=trap|bt [--symbols System.map] [--max-insns N]`:
// the divergence finder (analysis/divergence.h).
#pragma once

#include "cli/options.h"

namespace trapeze::cli {

extern const char* const kDiffUsage;
// Exit status: 0 no divergence, 4 divergence found, 1 bad input.
int diff_command(Args& args);

}  // namespace trapeze::cli
