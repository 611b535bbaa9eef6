#include "cli/analysis_commands.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>

#include "analysis/report.h"
#include "analysis/x86_classify.h"
#include "isa/x86/cpu.h"
#include "isa/x86/cpu_model.h"

namespace trapeze::cli {

namespace {

struct Common {
    const x86::CpuModel* model = nullptr;
    std::string format = "md";
    std::string output;
};

// Parses "x86 --model M [--format F] [-o FILE]" (report options only when `report`).
Common parse(Args& args, const char* cmd, bool report) {
    if (args.done()) throw UsageError(fmt::format("{}: which ISA? (x86)", cmd));
    std::string isa(args.next());
    if (isa != "x86") throw UsageError(fmt::format("{}: unknown ISA '{}' (known: x86)", cmd, isa));
    Common c;
    while (!args.done()) {
        std::string_view a = args.next();
        if (a == "--model" || a == "-cpu") {
            std::string name = args.value(a);
            auto m = x86::find_model(name);
            if (!m) throw UsageError(fmt::format("{} {}: unknown model (known: {})", a, name, x86::model_names()));
            c.model = *m;
        } else if (report && a == "--format") {
            c.format = args.value(a);
            if (c.format != "md" && c.format != "json" && c.format != "html")
                throw UsageError(fmt::format("--format {}: expected md, json or html", c.format));
        } else if (report && a == "-o") {
            c.output = args.value(a);
        } else {
            throw UsageError(fmt::format("unknown option '{}' for '{} x86'", a, cmd));
        }
    }
    if (!c.model) c.model = *x86::find_model("pentium");
    return c;
}

int emit(const std::string& text, const std::string& path) {
    if (path.empty() || path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    }
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) throw std::runtime_error(fmt::format("{}: write failed", path));
    return 0;
}

}  // namespace

int classify_command(Args& args) {
    Common c = parse(args, "classify", false);
    analysis::Classification r = analysis::classify_x86(*c.model);
    return emit(analysis::classify_text(r), "");
}

namespace {

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// `report FILE.json [--symbols System.map] [--top N] [-o FILE]`: a profile's report.
int profile_report_command(Args& args, const std::string& path) {
    std::string symbols, output;
    unsigned top = 20;
    while (!args.done()) {
        std::string_view a = args.next();
        if (a == "--symbols") symbols = args.value(a);
        else if (a == "--top") top = unsigned(args.number(a, 1, 100000));
        else if (a == "-o") output = args.value(a);
        else throw UsageError(fmt::format("unknown option '{}' for 'report PROFILE.json'", a));
    }
    std::string text = read_file(path);
    if (!analysis::looks_like_profile(text)) throw UsageError(fmt::format("{}: not a trapeze profile", path));
    return emit(analysis::profile_report(text, symbols.empty() ? "" : read_file(symbols), top), output);
}

}  // namespace

int report_command(Args& args) {
    if (!args.done()) {
        Args probe = args;
        std::string first(probe.next());
        if (first != "x86" && first.size() > 5 && first.substr(first.size() - 5) == ".json") {
            args.next();
            return profile_report_command(args, first);
        }
    }
    Common c = parse(args, "report", true);
    analysis::Classification r = analysis::classify_x86(*c.model);
    std::optional<analysis::Classification> ref;
    if (c.model->name != "pentium") ref = analysis::classify_x86(**x86::find_model("pentium"));
    const analysis::Classification* rp = ref ? &*ref : nullptr;
    std::string text = c.format == "json" ? analysis::report_json(r, rp)
                     : c.format == "html" ? analysis::report_html(r, rp)
                                          : analysis::report_markdown(r, rp);
    return emit(text, c.output);
}

std::unique_ptr<analysis::Profile> start_profile(x86::X86Cpu& cpu) {
    auto p = std::make_unique<analysis::Profile>(std::string(cpu.model().name));
    cpu.attach(p.get());
    return p;
}

void write_profile(const analysis::Profile& profile, const std::string& path) { emit(profile.json(), path); }

}  // namespace trapeze::cli
