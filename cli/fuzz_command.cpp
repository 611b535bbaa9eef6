#include "cli/fuzz_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "machines/pc_iofuzz.h"
#include "machines/x86_crashme.h"

namespace trapeze::cli {

namespace {

constexpr const char* kFuzzUsage =
    "fuzz crashme --machine pc [--seed S|random] [--seconds N] [--iterations N] [--cpl 0|3] "
    "[--insns-per-stream N] [-cpu MODEL] | fuzz iofuzz --machine pc [--seed S|random] [--seconds N] "
    "[--operations N]";

// A host fault (a crash of trapeze itself) must name what reproduces it. The handler may only
// use async-signal-safe calls: the message is built in advance, per seed.
char g_fault_message[256];

extern "C" void on_host_fault(int sig) {
    ssize_t n = ::write(2, g_fault_message, std::strlen(g_fault_message));
    (void)n;
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// --seed S|random: true for random (the caller draws it and prints it).
bool parse_seed(const std::string& v, uint64_t& seed) {
    if (v == "random") return true;
    size_t used = 0;
    try {
        seed = std::stoull(v, &used, 0);
    } catch (...) {
        used = 0;
    }
    if (v.empty() || v[0] == '-' || used != v.size())
        throw UsageError(fmt::format("--seed {}: not a number (or 'random')", v));
    return false;
}

int run_crashme(Args& args) {
    machines::CrashmeOptions opts;
    std::string machine;
    bool random_seed = false, have_seed = false;
    while (!args.done()) {
        std::string_view a = args.next();
        if (a == "--machine") machine = args.value(a);
        else if (a == "--seed") {
            random_seed = parse_seed(args.value(a), opts.seed);
            have_seed = true;
        } else if (a == "--seconds") opts.max_seconds = double(args.number(a, 1, 86400));
        else if (a == "--iterations") opts.max_iterations = args.number(a, 1, UINT64_MAX);
        else if (a == "--cpl") {
            uint64_t c = args.number(a, 0, 3);
            if (c != 0 && c != 3) throw UsageError("--cpl: 0 or 3");
            opts.cpl = int(c);
        } else if (a == "--insns-per-stream") opts.insns_per_stream = args.number(a, 1, 1'000'000'000);
        else if (a == "-cpu") {
            std::string name = args.value(a);
            auto m = x86::find_model(name);
            if (!m) throw UsageError(fmt::format("-cpu {}: unknown model (i386, pentium, pentium-umip, pentium2)", name));
            opts.model = *m;
        } else throw UsageError(fmt::format("unknown option '{}' for 'fuzz crashme' (usage: {})", a, kFuzzUsage));
    }
    if (machine.empty()) throw UsageError(fmt::format("fuzz crashme: --machine is required (usage: {})", kFuzzUsage));
    if (machine == "microvax3900")
        throw UsageError("fuzz crashme: --machine microvax3900 is not available yet (the VAX CPU has not landed)");
    if (machine != "pc") throw UsageError(fmt::format("fuzz crashme: unknown machine '{}' (pc)", machine));
    if (random_seed || !have_seed) opts.seed = random_seed ? std::random_device{}() : 1;

    std::snprintf(g_fault_message, sizeof g_fault_message,
                  "trapeze: HOST FAULT during crashme: reproduce with 'trapeze fuzz crashme --machine pc --seed %llu%s'\n",
                  static_cast<unsigned long long>(opts.seed),
                  opts.cpl < 0 ? "" : (opts.cpl ? " --cpl 3" : " --cpl 0"));
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, on_host_fault);
    fmt::print("crashme: seed {} (reproduce with --seed {})\n", opts.seed, opts.seed);
    std::fflush(stdout);
    machines::X86Crashme crashme(opts);
    machines::CrashmeReport r = crashme.run();
    fmt::print("{}", machines::format_crashme_report(r, opts));
    return 0;
}

int run_iofuzz(Args& args) {
    machines::IofuzzOptions opts;
    std::string machine;
    bool random_seed = false;
    while (!args.done()) {
        std::string_view a = args.next();
        if (a == "--machine") machine = args.value(a);
        else if (a == "--seed") random_seed = parse_seed(args.value(a), opts.seed);
        else if (a == "--seconds") opts.max_seconds = double(args.number(a, 1, 86400));
        else if (a == "--operations") opts.max_operations = args.number(a, 1, UINT64_MAX);
        else throw UsageError(fmt::format("unknown option '{}' for 'fuzz iofuzz' (usage: {})", a, kFuzzUsage));
    }
    if (machine.empty()) throw UsageError(fmt::format("fuzz iofuzz: --machine is required (usage: {})", kFuzzUsage));
    if (machine == "microvax3900")
        throw UsageError("fuzz iofuzz: --machine microvax3900 is not available yet (its Q-bus devices have not landed)");
    if (machine != "pc") throw UsageError(fmt::format("fuzz iofuzz: unknown machine '{}' (pc)", machine));
    if (random_seed) opts.seed = std::random_device{}();
    std::snprintf(g_fault_message, sizeof g_fault_message,
                  "trapeze: HOST FAULT during iofuzz: reproduce with 'trapeze fuzz iofuzz --machine pc --seed %llu'\n",
                  static_cast<unsigned long long>(opts.seed));
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, on_host_fault);
    fmt::print("iofuzz: seed {} (reproduce with --seed {})\n", opts.seed, opts.seed);
    std::fflush(stdout);
    machines::IofuzzReport r = machines::run_pc_iofuzz(opts);
    fmt::print("{}", machines::format_iofuzz_report(r, opts));
    return 0;
}

}  // namespace

int run_fuzz(Args& args) {
    if (args.done()) throw UsageError(fmt::format("fuzz: which campaign? ({})", kFuzzUsage));
    std::string_view what = args.next();
    if (what == "crashme") return run_crashme(args);
    if (what == "iofuzz") return run_iofuzz(args);
    throw UsageError(fmt::format("fuzz: unknown campaign '{}' (crashme, iofuzz)", what));
}

}  // namespace trapeze::cli
