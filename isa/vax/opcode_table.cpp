#include "isa/vax/opcode_table.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace trapeze::vax {

namespace {

// Opcode value -> table row: 256 one-byte slots, then 256 slots for 0xFD00-0xFDFF.
constexpr int kNoRow = -1;
using DispatchIndex = std::array<int16_t, 512>;

constexpr int dispatch_slot(uint16_t value) {
    if (value <= 0xFF) return value;
    if ((value >> 8) == kTwoByteOpcodePrefix) return 256 + (value & 0xFF);
    return kNoRow;
}

constexpr DispatchIndex build_dispatch_index() {
    DispatchIndex index{};
    for (auto& slot : index) slot = kNoRow;
    for (std::size_t row = 0; row < kOpcodeCount; ++row) {
        index[dispatch_slot(kOpcodeTable[row].value)] = static_cast<int16_t>(row);
    }
    return index;
}

constexpr DispatchIndex kDispatchIndex = build_dispatch_index();

// Every row has a distinct, well-formed opcode value: a duplicated row would silently shadow
// another in the index.
constexpr bool rows_have_distinct_values() {
    int rows_indexed = 0;
    for (int16_t slot : kDispatchIndex) rows_indexed += slot != kNoRow;
    if (rows_indexed != static_cast<int>(kOpcodeCount)) return false;
    for (const OpcodeInfo& row : kOpcodeTable) {
        if (dispatch_slot(row.value) == kNoRow) return false;
        if (row.value == kTwoByteOpcodePrefix || row.value == 0xFE || row.value == 0xFF) {
            return false;
        }
    }
    return true;
}
static_assert(rows_have_distinct_values(), "opcodes.inc: duplicate or malformed opcode value");

constexpr std::array kAliases = {
#define OPCODE_ALIAS(alias, mnemonic) OpcodeAlias{#alias, #mnemonic},
#include "isa/vax/opcode_aliases.inc"
#undef OPCODE_ALIAS
};

std::string upper_case(std::string_view text) {
    std::string result(text);
    for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return result;
}

struct NamedRow {
    std::string_view name;
    const OpcodeInfo* row;
};

const std::vector<NamedRow>& rows_by_name() {
    static const std::vector<NamedRow> sorted = [] {
        std::vector<NamedRow> names;
        for (const OpcodeInfo& row : kOpcodeTable) names.push_back({row.mnemonic, &row});
        for (const OpcodeAlias& alias : kAliases) {
            auto target = std::find_if(kOpcodeTable.begin(), kOpcodeTable.end(),
                                       [&](const OpcodeInfo& row) {
                                           return row.mnemonic == alias.mnemonic;
                                       });
            if (target != kOpcodeTable.end()) names.push_back({alias.alias, &*target});
        }
        std::sort(names.begin(), names.end(),
                  [](const NamedRow& a, const NamedRow& b) { return a.name < b.name; });
        return names;
    }();
    return sorted;
}

}  // namespace

const OpcodeInfo* find_opcode(uint16_t value) {
    int slot = dispatch_slot(value);
    if (slot == kNoRow || kDispatchIndex[slot] == kNoRow) return nullptr;
    return &kOpcodeTable[kDispatchIndex[slot]];
}

const OpcodeInfo* find_opcode(std::string_view mnemonic) {
    const std::string key = upper_case(mnemonic);
    const auto& names = rows_by_name();
    auto it = std::lower_bound(names.begin(), names.end(), key,
                               [](const NamedRow& row, const std::string& k) {
                                   return row.name < std::string_view(k);
                               });
    if (it == names.end() || it->name != key) return nullptr;
    return it->row;
}

std::span<const OpcodeAlias> opcode_aliases() { return kAliases; }

std::string_view to_string(PgClass pg_class) {
    switch (pg_class) {
    case PgClass::innocuous: return "innocuous";
    case PgClass::sensitive: return "sensitive";
    case PgClass::privileged: return "privileged";
    }
    return "?";
}

std::string_view to_string(Ka655Implementation implementation) {
    switch (implementation) {
    case Ka655Implementation::microcode: return "microcode";
    case Ka655Implementation::emulated: return "emulated";
    case Ka655Implementation::reserved: return "reserved";
    }
    return "?";
}

std::string to_string(Sensitivity sensitivity) {
    std::string text;
    auto add = [&](Sensitivity kind, std::string_view name) {
        if (!has_kind(sensitivity, kind)) return;
        if (!text.empty()) text += '|';
        text += name;
    };
    add(Sensitivity::mode, "mode");
    add(Sensitivity::control, "control");
    add(Sensitivity::location, "location");
    return text.empty() ? "none" : text;
}

}  // namespace trapeze::vax
