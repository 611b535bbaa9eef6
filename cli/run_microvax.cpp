// `trapeze run microvax3900`: builds the MicroVAX 3900 board, runs it, prints why it stopped.
#include "cli/run_microvax.h"

#include <fmt/format.h>

#include <chrono>
#include <string>

#include "machines/microvax3900.h"

namespace trapeze::cli {

const char* const kMicroVaxUsage = R"(run microvax3900 options:
  --rom FILE            KA655 console ROM (ka655x.bin), mapped at 0x20040000
  --load FILE@ADDR      copy FILE into RAM at physical ADDR (repeatable)
  --start ADDR          start at ADDR (kernel mode, interrupt stack, IPL 31, MAPEN 0)
                        instead of the ROM
  -m MiB                RAM size (default 16)
  -d ITEMS              comma list of: in_asm, exec, int
  -D FILE               write -d output to FILE instead of stderr
  --max-insns N         stop after N instructions (exit status 3)
exit status: 0 when the guest HALTs, 3 when --max-insns is reached, 1 on a host-side error.
)";

int run_microvax3900(Args& args) {
    machines::MicroVaxConfig cfg;
    uint64_t max_insns = 0;
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
    machines::MicroVax3900 vax(cfg);
    auto t0 = std::chrono::steady_clock::now();
    cpu::RunResult r = vax.run(max_insns);
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
