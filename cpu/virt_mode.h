// How a guest runs (DESIGN.md §3, docs/monitor.md): natively (`off`), deprivileged under the
// trap-and-emulate monitor with its sensitive-unprivileged instructions left as they are
// (`trap`, the holes show), or deprivileged with those instructions rewritten into monitor
// traps (`bt`). ISA-neutral: each ISA's monitor implements the modes for its machines.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace trapeze::cpu {

enum class VirtMode : uint8_t { kOff, kTrap, kBt };

inline std::optional<VirtMode> parse_virt_mode(std::string_view s) {
    if (s == "off") return VirtMode::kOff;
    if (s == "trap") return VirtMode::kTrap;
    if (s == "bt") return VirtMode::kBt;
    return std::nullopt;
}

inline std::string_view virt_mode_name(VirtMode m) {
    switch (m) {
    case VirtMode::kOff: return "off";
    case VirtMode::kTrap: return "trap";
    case VirtMode::kBt: return "bt";
    }
    return "?";
}

// What the monitor did, for the run summary and the profile. Causes are the ISA's exception
// vectors (x86: 0-31) plus the monitor's own causes below; forms are rows of the ISA's
// instruction table.
struct MonitorStats {
    enum Cause : unsigned {
        kRewritten = 32,   // a rewritten sensitive instruction's monitor trap (--virt=bt)
        kInterrupt = 33,   // an external interrupt reflected into the guest
        kNmi = 34,
        kDebugTrap = 35,   // a single-step or data-breakpoint trap reflected into the guest
        kCauseCount = 36,
    };
    std::array<uint64_t, kCauseCount> traps_by_cause{};
    std::vector<uint64_t> emulated_by_form;   // instructions the monitor executed for the guest
    std::vector<uint64_t> rewritten_by_form;  // instructions the rewriting pass replaced (static)
    uint64_t reflected = 0;    // exceptions the guest itself raised, delivered through its table
    uint64_t activations = 0;  // times the guest entered deprivileged execution

    uint64_t traps() const {
        uint64_t n = 0;
        for (uint64_t v : traps_by_cause) n += v;
        return n;
    }
    void count_emulated(unsigned form) {
        if (form >= emulated_by_form.size()) emulated_by_form.resize(form + 1);
        ++emulated_by_form[form];
    }
    void count_rewritten(unsigned form) {
        if (form >= rewritten_by_form.size()) rewritten_by_form.resize(form + 1);
        ++rewritten_by_form[form];
    }
};

}  // namespace trapeze::cpu
