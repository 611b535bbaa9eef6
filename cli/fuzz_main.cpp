// trapeze-fuzz: `trapeze fuzz ...` alone (cli/fuzz_command.cpp), without the LLVM tier and the
// analysis, so that a sanitizer build of it takes minutes, not tens of minutes
// (scripts/fuzz.sh --ci, the fuzz.sanitized_campaigns test). Usage: trapeze-fuzz crashme|iofuzz ...
#include <fmt/format.h>

#include <exception>

#include "cli/fuzz_command.h"

int main(int argc, char** argv) {
    try {
        trapeze::cli::Args args(argc, argv);
        return trapeze::cli::run_fuzz(args);
    } catch (const std::exception& e) {
        fmt::print(stderr, "trapeze-fuzz: {}\n", trapeze::cli::one_line(e.what()));
        return 1;
    }
}
