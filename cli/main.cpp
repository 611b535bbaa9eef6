// The `trapeze` command: parses the command line, builds a machine, runs it, reports.
// Kept thin: everything it does is a call into machines/ or analysis/.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "binary_translate/jit.h"
#include "binary_translate/lockstep.h"
#include "cli/analysis_commands.h"
#include "cli/diff_command.h"
#include "cli/fuzz_command.h"
#include "cli/options.h"
#include "cli/pc_options.h"
#include "cli/run_microvax.h"
#include "machines/pc.h"

namespace {

using trapeze::cli::UsageError;

constexpr const char* kUsage = R"(usage:
  trapeze run pc -bios FILE [options]
  trapeze run pc -kernel FILE [-initrd FILE] [-append STRING] [options]
  trapeze classify x86 [--model MODEL]     run the Popek-Goldberg experiments, print the evidence
  trapeze report x86 [--model MODEL] [--format md|json|html] [-o FILE]
  trapeze report PROFILE.json [--symbols System.map] [--top N] [-o FILE]
  trapeze fuzz crashme --machine pc [--seed S|random] [--seconds N] [--iterations N] [--cpl 0|3]
  trapeze diff pc <run pc options> --virt=trap|bt [--symbols FILE]   first divergence off vs monitor
  trapeze fuzz iofuzz --machine pc [--seed S|random] [--seconds N] [--operations N]
  trapeze help

run pc options (QEMU's spelling where the meaning is the same):
  -bios FILE            64 KB or 128 KB ROM mapped below 1 MB and at the top of 4 GB
  -kernel FILE          Linux bzImage, entered directly by the 32-bit boot protocol (no BIOS)
  -initrd FILE          initial ramdisk for -kernel (placed high in RAM)
  -append STRING        kernel command line for -kernel
  -m MiB                RAM size (default 128)
  -cpu MODEL            i386, pentium, pentium-umip, pentium2 (default)
  -debugcon stdio|file:PATH|null   port 0xE9 output
  -serial stdio|file:PATH|null     COM1 (16550A UART) output; stdio also feeds stdin to it
                        (default stdio)
  -rtc base=utc|DATE[,clock=vm|host]   RTC time at power-on: the host's (utc, default) or
                        DATE as YYYY-MM-DD[THH:MM:SS] (UTC); clock=host is -icount off
  -icount SHIFT|off     guest time: 2^SHIFT ns per instruction, 0-10 (default 3), so runs are
                        reproducible; off: the host's clock (interactive, not reproducible)
  -no-reboot            a guest reset (keyboard controller, port 0x92, triple fault) ends the
                        run instead of restarting the machine
  -d ITEMS              comma list of: in_asm, exec, int, cpu, unimp, jit, tlb
  --engine=jit|interp   the LLVM tier for hot code (default), or the interpreter only
  --jit-cache DIR       keep compiled traces in DIR (made if missing) and load them from
                        there in later runs of this build: a guest run again starts with its
                        hot code compiled (docs/jit.md; DIR must be as trusted as trapeze)
  --virt=off|trap|bt    run the guest natively (default), deprivileged under the trap-and-
                        emulate monitor with its sensitive instructions as they are (trap), or
                        with them rewritten into monitor traps (bt); docs/monitor.md
  --lockstep            also run an interpreter-only copy of the machine and stop at the
                        first difference in guest state (exit status 4)
  -D FILE               write -d output to FILE instead of stderr
  --max-insns N         stop after N instructions (exit status 3)
  --profile FILE.json   count executed instructions by Popek-Goldberg class and CPL, and the
                        privileged/sensitive ones by address (trapeze report FILE.json)
exit status: 0 when the guest halts with interrupts disabled or resets under -no-reboot,
2 on a triple fault under -no-reboot (or with no firmware to restart),
3 when --max-insns is reached, 4 when --lockstep finds a difference, 1 on a host-side error,
bad input, or a guest stuck faulting with no instruction completing (an exception loop).
)";

int run_pc(trapeze::cli::Args& args) {
    trapeze::machines::PcConfig cfg;
    uint64_t max_insns = 0;
    std::string engine = "jit";
    trapeze::cli::RunReports reports;
    bool lockstep = false;
    std::string profile_path;
    std::string jit_cache;
    while (!args.done()) {
        std::string_view a = args.next();
        if (a == "--engine" || a.rfind("--engine=", 0) == 0) {
            engine = a == "--engine" ? args.value(a) : std::string(a.substr(9));
            if (engine != "interp" && engine != "jit")
                throw UsageError(fmt::format("--engine {}: expected interp or jit", engine));
        } else if (a == "--lockstep") lockstep = true;
        else if (a == "--jit-cache" || a.rfind("--jit-cache=", 0) == 0) {
            jit_cache = a == "--jit-cache" ? args.value(a) : std::string(a.substr(12));
            if (jit_cache.empty()) throw UsageError("--jit-cache: expected a directory");
        }
        else if (trapeze::cli::parse_pc_option(args, a, cfg, &reports)) {
        } else if (a == "--max-insns") max_insns = args.number(a, 1, UINT64_MAX);
        else if (a == "--profile") profile_path = args.value(a);
        else throw UsageError(fmt::format("unknown option '{}' for 'run pc'", a));
    }
    if (!jit_cache.empty()) {
        if (engine != "jit") throw UsageError("--jit-cache: only with --engine=jit");
        std::string why;
        if (!trapeze::bt::use_trace_disk_cache(jit_cache, why))
            throw std::runtime_error(fmt::format("--jit-cache {}: {}", jit_cache, why));
    }
    trapeze::machines::PcMachine pc(cfg);
    std::unique_ptr<trapeze::bt::JitEngine> jit;  // destroyed before pc
    // Compiled code counts what -d jit prints of its execution only when -d jit asks.
    if (engine == "jit")
        jit = trapeze::bt::JitEngine::create(pc.cpu(),
                                             trapeze::bt::JitOptions::from_environment(reports.jit, !jit_cache.empty()));
    auto t0 = std::chrono::steady_clock::now();
    trapeze::cpu::RunResult r;
    if (lockstep) {
        trapeze::machines::PcConfig ref_cfg = cfg;  // the same machine, interpreted, silent
        ref_cfg.debugcon = "null";
        ref_cfg.serial = "null";
        ref_cfg.trace = 0;
        ref_cfg.trace_file.clear();
        trapeze::machines::PcMachine ref(ref_cfg);
        auto ls = trapeze::bt::run_lockstep(ref.cpu(), ref.memory(), pc.cpu(), pc.memory(), max_insns);
        r = ls.reference;
        if (ls.diverged) {
            fmt::print(stderr, "trapeze: lockstep: the engines differ {}\n", ls.difference);
            return 4;
        }
        fmt::print(stderr, "trapeze: lockstep: no difference in {} comparisons\n", ls.compares);
    } else {
        std::unique_ptr<trapeze::analysis::Profile> profile;
        if (!profile_path.empty()) {
            profile = trapeze::cli::start_profile(pc.cpu());
            profile->set_monitor(pc.monitor());
        }
        r = pc.run(max_insns);
        if (profile) trapeze::cli::write_profile(*profile, profile_path);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    using trapeze::cpu::StopReason;
    fmt::print(stderr, "trapeze: {}\n", r.message);
    if (jit && reports.jit) fmt::print(stderr, "{}", trapeze::bt::format_stats(jit->stats()));
    if (reports.tlb) fmt::print(stderr, "{}", pc.cpu().format_tlb_stats());
    if (pc.monitor()) fmt::print(stderr, "{}", trapeze::x86::format_monitor_stats(*pc.monitor()));
    fmt::print(stderr, "trapeze: {} instructions in {:.2f} s ({:.1f} MIPS)\n", r.instructions, secs,
               secs > 0 ? r.instructions / secs / 1e6 : 0.0);
    switch (r.reason) {
    case StopReason::kHaltedNoWake:
    case StopReason::kReset:
    case StopReason::kPowerOff:
    case StopReason::kGuestHalt: return 0;
    case StopReason::kShutdown: return 2;
    case StopReason::kInsnLimit: return 3;
    default: return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    try {
        trapeze::cli::Args args(argc, argv);
        if (args.done()) throw UsageError("no command given (usage: trapeze help)");
        std::string_view cmd = args.next();
        if (cmd == "help" || cmd == "--help" || cmd == "-h") {
            fmt::print("{}", kUsage);
            fmt::print("\n{}", trapeze::cli::kMicroVaxUsage);
            fmt::print("\n{}", trapeze::cli::kDiffUsage);
            return 0;
        }
        if (cmd == "classify") return trapeze::cli::classify_command(args);
        if (cmd == "report") return trapeze::cli::report_command(args);
        if (cmd == "fuzz") return trapeze::cli::run_fuzz(args);
        if (cmd == "diff") return trapeze::cli::diff_command(args);
        if (cmd == "run") {
            if (args.done()) throw UsageError("run: which machine? (pc)");
            std::string_view machine = args.next();
            if (machine == "pc") return run_pc(args);
            if (machine == "microvax3900") return trapeze::cli::run_microvax3900(args);
            throw UsageError(fmt::format("run: unknown machine '{}' (known: pc)", machine));
        }
        throw UsageError(fmt::format("unknown command '{}' (try 'trapeze help')", cmd));
    } catch (const UsageError& e) {
        fmt::print(stderr, "trapeze: {}\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "trapeze: {}\n", trapeze::cli::one_line(e.what()));
        return 1;
    }
}
