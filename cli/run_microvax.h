// `trapeze run microvax3900 ...` (cli/run_microvax.cpp).
#pragma once

#include "cli/options.h"

namespace trapeze::cli {

extern const char* const kMicroVaxUsage;
int run_microvax3900(Args& args);

}  // namespace trapeze::cli
