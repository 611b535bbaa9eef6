#include "cli/diff_command.h"

#include <fmt/format.h>

#include "analysis/divergence.h"
#include "cli/pc_options.h"
#include "machines/pc.h"

namespace trapeze::cli {

const char* const kDiffUsage = R"(trapeze diff pc <run pc options> --virt=trap|bt [--symbols System.map] [--max-insns N]
  runs the guest natively and under the monitor side by side, one instruction at a time, and
  prints the first instruction whose guest-visible effect differs (registers as the guest sees
  them, memory and port writes), its Popek-Goldberg class and what differed. The guests' own
  output (-serial, -debugcon) is not shown. Exit status: 0 no divergence, 4 divergence, 1 error.
)";

int diff_command(Args& args) {
    if (args.done()) throw UsageError("diff: which machine? (pc)");
    std::string_view machine = args.next();
    if (machine != "pc") throw UsageError(fmt::format("diff: unknown machine '{}' (known: pc)", machine));
    machines::PcConfig cfg;
    uint64_t max_insns = 0;
    std::string symbols_path;
    while (!args.done()) {
        std::string_view a = args.next();
        if (parse_pc_option(args, a, cfg)) {
        } else if (a == "--max-insns") max_insns = args.number(a, 1, UINT64_MAX);
        else if (a == "--symbols") symbols_path = args.value(a);
        else throw UsageError(fmt::format("unknown option '{}' for 'diff pc'", a));
    }
    if (cfg.virt == cpu::VirtMode::kOff) throw UsageError("diff pc: give --virt=trap or --virt=bt (the run to compare with --virt=off)");
    if (cfg.icount_shift < 0) throw UsageError("diff pc: -icount off makes the two runs' time differ; use an -icount shift");
    analysis::SymbolMap symbols;
    if (!symbols_path.empty()) {
        std::vector<uint8_t> text = machines::read_file(symbols_path, 256u << 20);
        symbols = analysis::SymbolMap(std::string(text.begin(), text.end()));
    }
    cfg.serial = "null";
    cfg.debugcon = "null";
    cfg.log_resets = false;
    machines::PcConfig native_cfg = cfg;
    native_cfg.virt = cpu::VirtMode::kOff;
    native_cfg.trace = 0;
    native_cfg.trace_file.clear();
    machines::PcMachine native(native_cfg);
    machines::PcMachine subject(cfg);
    analysis::Divergence d = analysis::find_divergence(native, subject, max_insns, symbols);
    fmt::print("{}", analysis::format_divergence(d, cpu::virt_mode_name(cfg.virt)));
    return d.found ? 4 : 0;
}

}  // namespace trapeze::cli
