// A kernel's text symbols from a System.map ("c1000000 T startup_32" lines), for naming the
// addresses in reports (the profile's sites, the divergence finder's instruction).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trapeze::analysis {

class SymbolMap {
public:
    SymbolMap() = default;
    explicit SymbolMap(const std::string& system_map_text);
    bool empty() const { return symbols_.empty(); }
    // "name+0x12" for the text symbol at or below pc, or "" when none is.
    std::string symbolize(uint64_t pc) const;

private:
    struct Symbol {
        uint64_t address;
        std::string name;
    };
    std::vector<Symbol> symbols_;
};

}  // namespace trapeze::analysis
