// `trapeze fuzz crashme ...`: the hostile-guest campaigns (docs/fuzzing.md).
#pragma once

#include "cli/options.h"

namespace trapeze::cli {

int run_fuzz(Args& args);

}  // namespace trapeze::cli
