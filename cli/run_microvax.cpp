// `trapeze run microvax3900`: builds the MicroVAX 3900 board, runs it, prints why it stopped.
#include "cli/run_microvax.h"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>

#include "machines/microvax3900.h"

namespace trapeze::cli {

const char* const kMicroVaxUsage = R"(run microvax3900 options:
  --rom FILE            KA655 console ROM (ka655x.bin), mapped at 0x20040000
  --load FILE@ADDR      copy FILE into RAM at physical ADDR (repeatable)
  --start ADDR          start at ADDR (kernel mode, interrupt stack, IPL 31, MAPEN 0)
                        instead of the ROM
  -m MiB                RAM size (default 16; with --rom 16, 32, 48 or 64)
  -drive rqN=FILE[,type=T][,snapshot=off]
                        RQDX3 (CSR 772150) unit N (0-3, console DUAn): a raw disk image;
                        T = ra82 (default), ra81, ra60, ra90, ra92, rd54, rd53. Writes go
                        to a copy-on-write overlay in memory unless snapshot=off
  -drive tq0=FILE.tap   TQK50 (CSR 774500) unit 0 (MUA0): a SIMH .tap image, read-only
  -snapshot=off         write every disk's changes to its file
  --nvram FILE          keep the SSC's battery-backed RAM in FILE (created if absent)
  --conhalt             a HALT enters the console ROM (>>> prompt) instead of ending the run
  -d ITEMS              comma list of: in_asm, exec, int
  -D FILE               write -d output to FILE instead of stderr
  --max-insns N         stop after N instructions (exit status 3)
exit status: 0 when the guest HALTs, 3 when --max-insns is reached, 1 on a host-side error,
128+N when ended by signal N (SIGINT, SIGTERM, SIGHUP; the NVRAM file is saved first).
)";

namespace {
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

// rqN=FILE[,type=T][,snapshot=off] or tq0=FILE
machines::MicroVaxDrive parse_drive(const std::string& spec) {
    machines::MicroVaxDrive d;
    std::vector<std::string> parts = split(spec, ',');
    size_t eq = parts.empty() ? std::string::npos : parts[0].find('=');
    if (eq == std::string::npos || eq < 3 || eq + 1 == parts[0].size())
        throw UsageError(fmt::format("-drive {}: expected rqN=FILE or tq0=FILE", spec));
    d.controller = parts[0].substr(0, 2);
    const std::string unit = parts[0].substr(2, eq - 2);
    if ((d.controller != "rq" && d.controller != "tq") || unit.size() != 1 || unit[0] < '0' || unit[0] > '3')
        throw UsageError(fmt::format("-drive {}: expected rq0-rq3 or tq0", spec));
    d.unit = static_cast<unsigned>(unit[0] - '0');
    d.path = parts[0].substr(eq + 1);
    for (size_t i = 1; i < parts.size(); ++i) {
        if (parts[i].rfind("type=", 0) == 0 && d.controller == "rq") d.type = parts[i].substr(5);
        else if (parts[i] == "snapshot=off" && d.controller == "rq") d.writable = true;
        else if (parts[i] == "snapshot=on" && d.controller == "rq") d.writable = false;
        else throw UsageError(fmt::format("-drive {}: unknown option '{}'", spec, parts[i]));
    }
    return d;
}
}  // namespace

int run_microvax3900(Args& args) {
    machines::MicroVaxConfig cfg;
    uint64_t max_insns = 0;
    bool snapshot_off = false;
    while (!args.done()) {
        std::string_view a = args.next();
        if (a == "--rom") cfg.rom_path = args.value(a);
        else if (a == "--load") {
            std::string v = args.value(a);
            size_t at = v.rfind('@');
            if (at == std::string::npos || at == 0 || at + 1 == v.size())
                throw UsageError(fmt::format("--load {}: expected FILE@ADDR", v));
            uint32_t addr = 0;
            try {
                size_t used = 0;
                addr = static_cast<uint32_t>(std::stoul(v.substr(at + 1), &used, 0));
                if (used != v.size() - at - 1) throw std::invalid_argument("trailing");
            } catch (const std::exception&) {
                throw UsageError(fmt::format("--load {}: bad address", v));
            }
            cfg.loads.emplace_back(v.substr(0, at), addr);
        } else if (a == "--start") cfg.start = static_cast<uint32_t>(args.number(a, 0, 0xFFFFFFFF));
        else if (a == "-m") cfg.ram_mb = args.number(a, 1, 512);
        else if (a == "-drive" || a == "--drive") cfg.drives.push_back(parse_drive(args.value(a)));
        else if (a == "-snapshot=off" || a == "--snapshot=off") snapshot_off = true;
        else if (a == "--nvram") cfg.nvram_path = args.value(a);
        else if (a == "--conhalt") cfg.conhalt = true;
        else if (a == "-D") cfg.trace_file = args.value(a);
        else if (a == "-d") {
            for (const std::string& item : split(args.value(a), ',')) {
                if (item == "in_asm") cfg.trace |= vax::kTraceInAsm;
                else if (item == "exec") cfg.trace |= vax::kTraceExec;
                else if (item == "int") cfg.trace |= vax::kTraceInt;
                else throw UsageError(fmt::format("-d {}: unknown item (in_asm, exec, int)", item));
            }
        } else if (a == "--max-insns") max_insns = args.number(a, 1, UINT64_MAX);
        else throw UsageError(fmt::format("unknown option '{}' for 'run microvax3900'", a));
    }
    if (snapshot_off)
        for (machines::MicroVaxDrive& d : cfg.drives) d.writable = true;
    // A directory where a file is expected: fopen() accepts it and reads nothing.
    auto not_a_directory = [](const std::string& path) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec))
            throw UsageError(fmt::format("{}: is a directory, expected a file", path));
    };
    if (!cfg.rom_path.empty()) not_a_directory(cfg.rom_path);
    for (const auto& load : cfg.loads) not_a_directory(load.first);
    // SIGINT, SIGTERM, SIGHUP end the run cleanly (disk overlays dropped, NVRAM saved).
    cfg.stop_request = &g_stop_signal;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, on_stop_signal);
    machines::MicroVax3900 vax(cfg);
    auto t0 = std::chrono::steady_clock::now();
    cpu::RunResult r;
    try {
        r = vax.run(max_insns);
    } catch (const machines::MicroVaxStopped& e) {
        std::fflush(stdout);
        fmt::print(stderr, "trapeze: {}\n", e.what());
        return 128 + static_cast<int>(g_stop_signal);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fflush(stdout);
    fmt::print(stderr, "trapeze: {}\n", r.message);
    fmt::print(stderr, "trapeze: {} instructions in {:.2f} s ({:.1f} MIPS)\n", r.instructions, secs,
               secs > 0 ? r.instructions / secs / 1e6 : 0.0);
    switch (r.reason) {
    case cpu::StopReason::kGuestHalt: return 0;
    case cpu::StopReason::kInsnLimit: return 3;
    default: return 1;
    }
}

}  // namespace trapeze::cli
