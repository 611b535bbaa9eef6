// The dynamic profile (`trapeze run ... --profile FILE.json`): every executed instruction
// counted by Popek-Goldberg class (the instruction table's, which the classifier checks by
// experiment) and CPL, and every privileged or sensitive form by CPL and address.
// `trapeze report FILE.json [--symbols System.map]` turns it into a report of the top sites.
// Format: docs/classification.md §7.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cpu/instrumentation.h"

namespace trapeze::x86 {
class X86Monitor;
}

namespace trapeze::analysis {

class Profile : public cpu::Instrumentation {
public:
    explicit Profile(std::string model);
    void on_insn(const cpu::InsnEvent& e) override;
    std::string json() const;
    uint64_t instructions() const { return total_; }
    // Under --virt=trap|bt: the monitor whose statistics json() adds (docs/monitor.md).
    void set_monitor(const x86::X86Monitor* m) { monitor_ = m; }

private:
    struct SiteKey {
        uint64_t pc;
        uint16_t form;
        uint8_t cpl;
        bool operator==(const SiteKey&) const = default;
    };
    struct SiteHash {
        size_t operator()(const SiteKey& k) const { return std::hash<uint64_t>()(k.pc * 31 + k.form * 7 + k.cpl); }
    };
    std::string model_;
    const x86::X86Monitor* monitor_ = nullptr;
    uint64_t total_ = 0;
    std::vector<std::array<uint64_t, 4>> by_form_;  // per table row, per CPL
    std::unordered_map<SiteKey, uint64_t, SiteHash> sites_;
};

// Reads a profile written by Profile::json and, with the text of a System.map (may be empty),
// writes the report (Markdown). Throws std::runtime_error on a file that is not a profile.
std::string profile_report(const std::string& profile_json, const std::string& system_map, unsigned top);

bool looks_like_profile(const std::string& text);

}  // namespace trapeze::analysis
