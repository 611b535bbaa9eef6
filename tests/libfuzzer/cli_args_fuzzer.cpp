// libFuzzer target: the command-line parser (cli/options.h, cli/pc_options.cpp) on arbitrary
// argument vectors: the input split at NUL bytes into argv. Every bad argument must end in a
// one-line cli::UsageError (or std::runtime_error); anything else, or a sanitizer report, is a
// finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/options.h"
#include "cli/pc_options.h"

using namespace trapeze;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> words{"trapeze"};
    std::string cur;
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            words.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(char(data[i]));
        }
    }
    words.push_back(cur);
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    cli::Args args(int(words.size()), argv.data());
    machines::PcConfig cfg;
    cli::RunReports reports;
    try {
        while (!args.done()) {
            std::string_view a = args.next();
            if (cli::parse_pc_option(args, a, cfg, &reports)) continue;
            if (a == "--max-insns") (void)args.number(a, 1, UINT64_MAX);
            else if (a == "--split") (void)cli::split(args.value(a), ',');
            else throw cli::UsageError("unknown option");
        }
    } catch (const cli::UsageError& e) {
        if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
    }
    return 0;
}
