#include "cli/pc_options.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "cpu/virt_mode.h"

namespace trapeze::cli {

bool parse_pc_option(Args& args, std::string_view a, machines::PcConfig& cfg, RunReports* reports) {
    if (a == "--virt" || a.rfind("--virt=", 0) == 0) {
        std::string v = a == "--virt" ? args.value(a) : std::string(a.substr(7));
        auto m = cpu::parse_virt_mode(v);
        if (!m) throw UsageError(fmt::format("--virt {}: expected off, trap or bt", v));
        cfg.virt = *m;
    } else if (a == "-bios") cfg.bios_path = args.value(a);
    else if (a == "-kernel") cfg.kernel_path = args.value(a);
    else if (a == "-initrd") cfg.initrd_path = args.value(a);
    else if (a == "-append") cfg.append = args.value(a);
    else if (a == "-m") cfg.ram_mb = args.number(a, 1, 3072);
    else if (a == "-cpu") {
        std::string name(args.value(a));
        auto m = x86::find_model(name);
        if (!m) throw UsageError(fmt::format("-cpu {}: unknown model (known: {})", name, x86::model_names()));
        cfg.model = *m;
    } else if (a == "-debugcon") cfg.debugcon = args.value(a);
    else if (a == "-D") cfg.trace_file = args.value(a);
    else if (a == "-d") {
        for (const std::string& item : split(args.value(a), ',')) {
            if (item == "in_asm") cfg.trace |= x86::kTraceInAsm;
            else if (item == "exec") cfg.trace |= x86::kTraceExec;
            else if (item == "int") cfg.trace |= x86::kTraceInt;
            else if (item == "cpu") cfg.trace |= x86::kTraceCpu | x86::kTraceExec;
            else if (item == "unimp") cfg.log_unimp = true;
            else if (item == "jit" && reports) reports->jit = true;
            else if (item == "tlb" && reports) reports->tlb = true;
            else throw UsageError(fmt::format("-d {}: unknown item (in_asm, exec, int, cpu, unimp{})", item,
                                              reports ? ", jit, tlb" : ""));
        }
    } else if (a == "-serial") cfg.serial = args.value(a);
    else if (a == "-no-reboot") cfg.no_reboot = true;
    else if (a == "-icount") {
        std::string v = args.value(a);
        if (v.rfind("shift=", 0) == 0) v = v.substr(6);
        if (v == "off") cfg.icount_shift = -1;
        else if (v.size() >= 1 && v.size() <= 2 && std::all_of(v.begin(), v.end(), ::isdigit) && std::stoi(v) <= 10)
            cfg.icount_shift = std::stoi(v);
        else throw UsageError(fmt::format("-icount {}: expected a shift 0-10 or off", v));
    } else if (a == "-rtc") {
        for (const std::string& item : split(args.value(a), ',')) {
            if (item.rfind("base=", 0) == 0) cfg.rtc_base = item.substr(5);
            else if (item == "clock=host") cfg.icount_shift = -1;
            else if (item == "clock=vm") {
            } else throw UsageError(fmt::format("-rtc {}: expected base=utc|DATE or clock=vm|host", item));
        }
    } else {
        return false;
    }
    return true;
}

}  // namespace trapeze::cli
