#include "cli/fuzz_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "machines/microvax_iofuzz.h"
#include "machines/pc_iofuzz.h"
#include "machines/vax_crashme.h"
#include "machines/x86_crashme.h"

namespace trapeze::cli {

namespace {

constexpr const char* kFuzzUsage =
    "fuzz crashme --machine pc|microvax3900 [--seed S|random] [--seconds N] [--iterations N] [--cpl 0|3] "
    "[--insns-per-stream N] [-cpu MODEL] | fuzz iofuzz --machine pc|microvax3900 [--seed S|random] [--seconds N] "
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

// Installs the host-fault handler with the command line that reproduces the campaign.
void arm_host_fault_handler(const std::string& reproduce) {
    std::snprintf(g_fault_message, sizeof g_fault_message, "trapeze: HOST FAULT: reproduce with '%s'\n",
                  reproduce.c_str());
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, on_host_fault);
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
    bool random_seed = false, have_seed = false, have_model = false;
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
            have_model = true;
        } else throw UsageError(fmt::format("unknown option '{}' for 'fuzz crashme' (usage: {})", a, kFuzzUsage));
    }
    if (machine.empty()) throw UsageError(fmt::format("fuzz crashme: --machine is required (usage: {})", kFuzzUsage));
    if (machine != "pc" && machine != "microvax3900")
        throw UsageError(fmt::format("fuzz crashme: unknown machine '{}' (pc, microvax3900)", machine));
    if (machine == "microvax3900" && have_model) throw UsageError("fuzz crashme: -cpu is for --machine pc");
    if (random_seed || !have_seed) opts.seed = random_seed ? std::random_device{}() : 1;

    const std::string mode = opts.cpl < 0 ? "" : (opts.cpl ? " --cpl 3" : " --cpl 0");
    arm_host_fault_handler(fmt::format("trapeze fuzz crashme --machine {} --seed {}{}", machine, opts.seed, mode));
    fmt::print("crashme: seed {} (reproduce with --seed {})\n", opts.seed, opts.seed);
    std::fflush(stdout);
    if (machine == "microvax3900") {
        machines::VaxCrashmeOptions v;
        v.seed = opts.seed;
        v.mode = opts.cpl;
        v.insns_per_stream = opts.insns_per_stream;
        v.max_iterations = opts.max_iterations;
        v.max_seconds = opts.max_seconds;
        machines::VaxCrashme crashme(v);
        machines::VaxCrashmeReport r = crashme.run();
        fmt::print("{}", machines::format_vax_crashme_report(r, v));
        return 0;
    }
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
    if (machine != "pc" && machine != "microvax3900")
        throw UsageError(fmt::format("fuzz iofuzz: unknown machine '{}' (pc, microvax3900)", machine));
    if (random_seed) opts.seed = std::random_device{}();
    arm_host_fault_handler(fmt::format("trapeze fuzz iofuzz --machine {} --seed {}", machine, opts.seed));
    fmt::print("iofuzz: seed {} (reproduce with --seed {})\n", opts.seed, opts.seed);
    std::fflush(stdout);
    if (machine == "pc") {
        machines::IofuzzReport r = machines::run_pc_iofuzz(opts);
        fmt::print("{}", machines::format_iofuzz_report(r, opts));
        return 0;
    }
    machines::VaxIofuzzReport r = machines::run_microvax_iofuzz(opts);
    fmt::print("{}", machines::format_vax_iofuzz_report(r, opts));
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
