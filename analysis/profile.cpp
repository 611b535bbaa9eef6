#include "analysis/profile.h"

#include "analysis/symbol_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

#include "isa/x86/instruction_table.h"
#include "isa/x86/monitor.h"

namespace trapeze::analysis {

using x86::PgClass;

Profile::Profile(std::string model) : model_(std::move(model)), by_form_(x86::forms().size()) {}

void Profile::on_insn(const cpu::InsnEvent& e) {
    ++total_;
    if (e.form >= by_form_.size()) return;  // invalid or unimplemented encodings
    by_form_[e.form][e.privilege & 3]++;
    if (x86::forms()[e.form].pg_class != PgClass::kInnocuous) sites_[{e.pc, e.form, uint8_t(e.privilege & 3)}]++;
}

std::string Profile::json() const {
    const auto table = x86::forms();
    std::array<std::array<uint64_t, 4>, 3> by_class{};
    for (size_t f = 0; f < by_form_.size(); ++f)
        for (unsigned c = 0; c < 4; ++c) by_class[size_t(table[f].pg_class)][c] += by_form_[f][c];
    std::string o = "{\n";
    o += fmt::format("  \"format_version\": 1,\n  \"kind\": \"profile\",\n  \"isa\": \"x86\",\n  \"model\": \"{}\",\n", model_);
    o += fmt::format("  \"instructions\": {},\n  \"by_class\": {{\n", total_);
    const PgClass classes[] = {PgClass::kInnocuous, PgClass::kPrivileged, PgClass::kSensitive};
    for (size_t i = 0; i < 3; ++i) {
        const auto& c = by_class[size_t(classes[i])];
        o += fmt::format("    \"{}\": [{}, {}, {}, {}]{}\n", x86::pg_class_name(classes[i]), c[0], c[1], c[2], c[3], i < 2 ? "," : "");
    }
    o += "  },\n  \"forms\": [";
    bool first = true;
    for (size_t f = 0; f < by_form_.size(); ++f) {
        const auto& c = by_form_[f];
        if (table[f].pg_class == PgClass::kInnocuous || (c[0] | c[1] | c[2] | c[3]) == 0) continue;
        o += fmt::format("{}\n    {{\"form\": \"{}\", \"class\": \"{}\", \"counts\": [{}, {}, {}, {}]}}", first ? "" : ",",
                         table[f].id, x86::pg_class_name(table[f].pg_class), c[0], c[1], c[2], c[3]);
        first = false;
    }
    // One site per line, most executed first.
    std::vector<std::pair<SiteKey, uint64_t>> sites(sites_.begin(), sites_.end());
    std::sort(sites.begin(), sites.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first.pc < b.first.pc;
    });
    o += "\n  ],\n  \"sites\": [";
    first = true;
    for (const auto& [k, n] : sites) {
        o += fmt::format("{}\n    {{\"form\": \"{}\", \"cpl\": {}, \"address\": \"0x{:08x}\", \"count\": {}}}", first ? "" : ",",
                         table[k.form].id, k.cpl, k.pc, n);
        first = false;
    }
    o += "\n  ]";
    if (monitor_) {
        // The monitor's statistics: traps by cause, emulated and rewritten instructions by form.
        const cpu::MonitorStats& st = monitor_->stats();
        o += fmt::format(",\n  \"monitor\": {{\n    \"mode\": \"{}\",\n    \"traps\": {},\n    \"reflected\": {},\n",
                         cpu::virt_mode_name(monitor_->mode()), st.traps(), st.reflected);
        std::string causes;
        for (unsigned c = 0; c < st.traps_by_cause.size(); ++c)
            if (st.traps_by_cause[c])
                causes += fmt::format("{}\"{}\": {}", causes.empty() ? "" : ", ", x86::monitor_cause_name(c),
                                      st.traps_by_cause[c]);
        o += fmt::format("    \"trap_causes\": {{{}}},\n", causes);
        auto list = [&](const char* key, const std::vector<uint64_t>& by_form) {
            std::string l = fmt::format("    \"{}\": [", key);
            bool first_row = true;
            for (size_t f = 0; f < by_form.size() && f < table.size(); ++f) {
                if (!by_form[f]) continue;
                l += fmt::format("{}\n      {{\"monitor_form\": \"{}\", \"{}\": {}}}", first_row ? "" : ",", table[f].id, key,
                                 by_form[f]);
                first_row = false;
            }
            return l + "\n    ]";
        };
        o += list("emulated", st.emulated_by_form) + ",\n" + list("rewritten", st.rewritten_by_form) + "\n  }";
    }
    o += "\n}\n";
    return o;
}

bool looks_like_profile(const std::string& text) { return text.find("\"kind\": \"profile\"") != std::string::npos; }


std::string profile_report(const std::string& text, const std::string& system_map, unsigned top) {
    if (!looks_like_profile(text)) throw std::runtime_error("not a trapeze profile (no \"kind\": \"profile\")");
    const SymbolMap syms(system_map);
    std::string model = "?";
    unsigned long long total = 0;
    std::map<std::string, std::array<unsigned long long, 4>> by_class;
    struct Site {
        std::string form;
        unsigned cpl;
        unsigned long long address, count;
    };
    std::vector<Site> sites;
    std::map<std::string, std::array<unsigned long long, 4>> forms;
    std::string monitor_mode, trap_causes;
    unsigned long long monitor_traps = 0, monitor_reflected = 0;
    std::vector<std::pair<std::string, unsigned long long>> emulated, rewritten;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        char a[64], b[64];
        unsigned long long c[4];
        unsigned cpl;
        unsigned long long addr, count;
        if (std::sscanf(line.c_str(), " \"model\": \"%63[^\"]\"", a) == 1) model = a;
        else if (std::sscanf(line.c_str(), " \"mode\": \"%63[^\"]\"", a) == 1) monitor_mode = a;
        else if (std::sscanf(line.c_str(), " \"traps\": %llu", &count) == 1) monitor_traps = count;
        else if (std::sscanf(line.c_str(), " \"reflected\": %llu", &count) == 1) monitor_reflected = count;
        else if (line.find("\"trap_causes\": {") != std::string::npos) {
            trap_causes = line.substr(line.find('{') + 1);
            trap_causes = trap_causes.substr(0, trap_causes.rfind('}'));
            std::erase(trap_causes, '"');
        } else if (std::sscanf(line.c_str(), " {\"monitor_form\": \"%63[^\"]\", \"%63[^\"]\": %llu}", a, b, &count) == 3)
            (std::string(b) == "emulated" ? emulated : rewritten).push_back({a, count});
        else if (std::sscanf(line.c_str(), " \"instructions\": %llu", &total) == 1) {
        } else if (std::sscanf(line.c_str(), " {\"form\": \"%63[^\"]\", \"cpl\": %u, \"address\": \"%llx\", \"count\": %llu}",
                               a, &cpl, &addr, &count) == 4)
            sites.push_back({a, cpl, addr, count});
        else if (std::sscanf(line.c_str(), " {\"form\": \"%63[^\"]\", \"class\": \"%63[^\"]\", \"counts\": [%llu, %llu, %llu, %llu]}",
                             a, b, &c[0], &c[1], &c[2], &c[3]) == 6)
            forms[a] = {c[0], c[1], c[2], c[3]};
        else if (std::sscanf(line.c_str(), " \"%63[^\"]\": [%llu, %llu, %llu, %llu]", a, &c[0], &c[1], &c[2], &c[3]) == 5)
            by_class[a] = {c[0], c[1], c[2], c[3]};
    }
    std::string o = fmt::format("# Dynamic profile ({} model): {} instructions\n\n", model, total);
    o += "| Class | CPL 0 | CPL 1 | CPL 2 | CPL 3 |\n|---|---|---|---|---|\n";
    for (const auto& [name, c] : by_class) o += fmt::format("| {} | {} | {} | {} | {} |\n", name, c[0], c[1], c[2], c[3]);
    o += "\n## Privileged and sensitive forms executed\n\n| Form | CPL 0 | CPL 1 | CPL 2 | CPL 3 |\n|---|---|---|---|---|\n";
    for (const auto& [name, c] : forms) o += fmt::format("| {} | {} | {} | {} | {} |\n", name, c[0], c[1], c[2], c[3]);
    if (!monitor_mode.empty()) {
        o += fmt::format("\n## Monitor (--virt={})\n\n{} traps ({}), {} exceptions reflected to the guest.\n\n",
                         monitor_mode, monitor_traps, trap_causes.empty() ? "none" : trap_causes, monitor_reflected);
        for (auto* rows : {&emulated, &rewritten}) {
            if (rows->empty()) continue;
            std::sort(rows->begin(), rows->end(), [](auto& x, auto& y) { return x.second > y.second; });
            o += fmt::format("| Form | {} |\n|---|---|\n", rows == &emulated ? "Emulated" : "Rewritten (sites)");
            for (const auto& [f, n] : *rows) o += fmt::format("| {} | {} |\n", f, n);
            o += "\n";
        }
    }
    o += fmt::format("\n## Top {} sites\n\n", top);
    // A map without text symbols (Debian's System.map is a one-line stub that points to the
    // -dbg package) is said so, rather than leaving an empty column.
    if (!system_map.empty() && syms.empty())
        o += "The symbol map holds no text symbols (Debian ships System.map as a stub; the real one is in the "
             "linux-image-*-dbg package), so the sites are addresses.\n\n";
    if (syms.empty()) {
        o += "| Count | Form | CPL | Address |\n|---|---|---|---|\n";
        for (size_t i = 0; i < sites.size() && i < top; ++i)
            o += fmt::format("| {} | {} | {} | {:#010x} |\n", sites[i].count, sites[i].form, sites[i].cpl, sites[i].address);
        return o;
    }
    o += "| Count | Form | CPL | Address | Symbol |\n|---|---|---|---|---|\n";
    for (size_t i = 0; i < sites.size() && i < top; ++i)
        o += fmt::format("| {} | {} | {} | {:#010x} | {} |\n", sites[i].count, sites[i].form, sites[i].cpl, sites[i].address,
                         syms.symbolize(sites[i].address));
    return o;
}

}  // namespace trapeze::analysis
