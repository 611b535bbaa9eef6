#include "analysis/symbol_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace trapeze::analysis {

SymbolMap::SymbolMap(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        unsigned long long a = 0;
        char type = 0;
        char name[256];
        if (std::sscanf(line.c_str(), "%llx %c %255s", &a, &type, name) != 3) continue;
        if (type != 'T' && type != 't' && type != 'W' && type != 'w') continue;
        symbols_.push_back({a, name});
    }
    std::sort(symbols_.begin(), symbols_.end(), [](const Symbol& x, const Symbol& y) { return x.address < y.address; });
}

std::string SymbolMap::symbolize(uint64_t pc) const {
    auto it = std::upper_bound(symbols_.begin(), symbols_.end(), pc,
                               [](uint64_t v, const Symbol& s) { return v < s.address; });
    if (it == symbols_.begin()) return "";
    --it;
    return fmt::format("{}+{:#x}", it->name, pc - it->address);
}

}  // namespace trapeze::analysis
