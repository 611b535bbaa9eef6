// A small runner for the VAX guest-level tests: the MicroVAX 3900 board without the rest of
// the `trapeze` command (the same flags as `trapeze run microvax3900`, cli/run_microvax.cpp).
#include <fmt/format.h>

#include "cli/run_microvax.h"

int main(int argc, char** argv) {
    try {
        trapeze::cli::Args args(argc, argv);
        return trapeze::cli::run_microvax3900(args);
    } catch (const std::exception& e) {
        fmt::print(stderr, "vax_guest_run: {}\n", e.what());
        return 1;
    }
}
