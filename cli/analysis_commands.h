// `trapeze classify` and `trapeze report`: thin wrappers over analysis/ (docs/classification.md).
#pragma once

#include <memory>
#include <string>

#include "analysis/profile.h"
#include "cli/options.h"

namespace trapeze::x86 {
class X86Cpu;
}

namespace trapeze::cli {

int classify_command(Args& args);
int report_command(Args& args);

// `run ... --profile FILE`: attaches a profile to the CPU; after the run, writes it.
std::unique_ptr<analysis::Profile> start_profile(x86::X86Cpu& cpu);
void write_profile(const analysis::Profile& profile, const std::string& path);

}  // namespace trapeze::cli
