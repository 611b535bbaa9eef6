#include "analysis/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

#include "isa/x86/instruction_table.h"

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
    o += "\n  ]\n}\n";
    return o;
}

bool looks_like_profile(const std::string& text) { return text.find("\"kind\": \"profile\"") != std::string::npos; }

namespace {

struct Symbol {
    uint64_t address;
    std::string name;
};

std::vector<Symbol> read_system_map(const std::string& text) {
    std::vector<Symbol> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        unsigned long long a = 0;
        char type = 0;
        char name[256];
        if (std::sscanf(line.c_str(), "%llx %c %255s", &a, &type, name) != 3) continue;
        if (type != 'T' && type != 't' && type != 'W' && type != 'w') continue;
        out.push_back({a, name});
    }
    std::sort(out.begin(), out.end(), [](const Symbol& x, const Symbol& y) { return x.address < y.address; });
    return out;
}

std::string symbolize(const std::vector<Symbol>& syms, uint64_t pc) {
    auto it = std::upper_bound(syms.begin(), syms.end(), pc, [](uint64_t v, const Symbol& s) { return v < s.address; });
    if (it == syms.begin()) return "";
    --it;
    return fmt::format("{}+{:#x}", it->name, pc - it->address);
}

}  // namespace

std::string profile_report(const std::string& text, const std::string& system_map, unsigned top) {
    if (!looks_like_profile(text)) throw std::runtime_error("not a trapeze profile (no \"kind\": \"profile\")");
    auto syms = read_system_map(system_map);
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
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        char a[64], b[64];
        unsigned long long c[4];
        unsigned cpl;
        unsigned long long addr, count;
        if (std::sscanf(line.c_str(), " \"model\": \"%63[^\"]\"", a) == 1) model = a;
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
                         symbolize(syms, sites[i].address));
    return o;
}

}  // namespace trapeze::analysis
