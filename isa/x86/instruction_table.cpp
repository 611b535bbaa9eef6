#include "isa/x86/instruction_table.h"

#include <array>
#include <vector>

#include "isa/x86/cpu_model.h"

namespace trapeze::x86 {

namespace {

using enum PgClass;
using enum TrapCondition;
constexpr PgClass INNOCUOUS = kInnocuous, PRIVILEGED = kPrivileged, SENSITIVE = kSensitive;
constexpr TrapCondition T_NEVER = kNever, T_CPL0 = kCpl0, T_IOPL = kIopl, T_IOPERM = kIoPerm,
                        T_TSD = kTsd, T_PCE = kPce, T_UMIP = kUmip, T_V86 = kV86;

constexpr FormInfo kForms[] = {
#define FORM(id, mn, ops, sem, attrs, feat, pg, sens, trap) \
    {#id, ZYDIS_MNEMONIC_##mn, ops, sel_##sem, attrs, feat, pg, static_cast<uint8_t>(sens), trap},
#include "isa/x86/forms.inc"
#include "isa/x86/forms_x87.inc"
#undef FORM
};

// Rows grouped by mnemonic, in table order.
const std::vector<std::vector<uint16_t>>& by_mnemonic() {
    static const auto table = [] {
        std::vector<std::vector<uint16_t>> t(ZYDIS_MNEMONIC_MAX_VALUE + 1);
        for (size_t i = 0; i < std::size(kForms); ++i) t[kForms[i].mnemonic].push_back(uint16_t(i));
        return t;
    }();
    return table;
}

bool kind_matches(char pattern, char actual) {
    if (pattern == actual) return true;
    if (pattern == 'e') return actual == 'r' || actual == 'm';
    return false;
}

bool pattern_matches(const char* p, const char* kinds, unsigned count, bool far_branch) {
    bool want_far = p[0] == 'F' && p[1] == ':';
    if (want_far) p += 2;
    if (want_far != far_branch) return false;
    unsigned i = 0;
    for (; *p; ++p) {
        if (*p == ',') continue;
        if (*p == '*') return true;
        if (i >= count || !kind_matches(*p, kinds[i])) return false;
        ++i;
    }
    return i == count;
}

}  // namespace

std::span<const FormInfo> forms() { return kForms; }

int match_form(ZydisMnemonic m, const char* kinds, unsigned count, bool far_branch) {
    if (m < 0 || m > ZYDIS_MNEMONIC_MAX_VALUE) return -1;
    for (uint16_t i : by_mnemonic()[m])
        if (pattern_matches(kForms[i].operands, kinds, count, far_branch)) return i;
    return -1;
}

std::string_view pg_class_name(PgClass c) {
    switch (c) {
    case kInnocuous: return "innocuous";
    case kPrivileged: return "privileged";
    case kSensitive: return "sensitive-unprivileged";
    }
    return "?";
}

std::string_view trap_condition_text(TrapCondition t) {
    switch (t) {
    case kNever: return "never";
    case kCpl0: return "CPL > 0";
    case kIopl: return "CPL > IOPL";
    case kIoPerm: return "CPL > IOPL and the TSS I/O bitmap denies the port";
    case kTsd: return "CR4.TSD and CPL > 0";
    case kPce: return "!CR4.PCE and CPL > 0";
    case kUmip: return "CR4.UMIP and CPL > 0";
    case kV86: return "VM and IOPL < 3";
    }
    return "?";
}

}  // namespace trapeze::x86
