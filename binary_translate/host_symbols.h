// The host executable's own symbol table (.symtab of /proc/self/exe, local symbols included):
// maps a handler's address to its mangled name, so that the JIT can find the same function in
// the semantics bitcode, and resolves the names compiled traces call (X86Cpu methods, slow
// paths) without -rdynamic. Names found more than once are ambiguous and never resolved.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace trapeze::bt {

class HostSymbols {
public:
    // The table of the running executable, read once (thread-safe).
    static const HostSymbols& get();

    // Address of a defined symbol with this exact name, or 0 when absent or ambiguous.
    uint64_t lookup(std::string_view name) const;
    // Names of the function symbols that start exactly at addr (several with aliases).
    std::vector<std::string_view> names_at(uint64_t addr) const;
    bool loaded() const { return loaded_; }
    size_t size() const { return by_name_.size(); }

private:
    HostSymbols();
    void parse(const char* file, size_t size);
    bool loaded_ = false;
    std::vector<char> strings_;  // owns the names
    std::unordered_map<std::string_view, uint64_t> by_name_;  // 0 = ambiguous
    std::unordered_multimap<uint64_t, std::string_view> by_addr_;
};

}  // namespace trapeze::bt
