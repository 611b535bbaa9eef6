// Small command-line helpers: argument cursor with typed values and one-line errors.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trapeze::cli {

// An error message is one line: control characters that came from the user's input (a value
// with a newline in it) are shown escaped.
inline std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) out += fmt::format("\\x{:02x}", u);
        else out += c;
    }
    return out;
}

struct UsageError : std::runtime_error {
    explicit UsageError(const std::string& what) : std::runtime_error(one_line(what)) {}
};

class Args {
public:
    Args(int argc, char** argv) : argv_(argv + 1, argv + argc) {}
    bool done() const { return pos_ >= argv_.size(); }
    std::string_view next() { return argv_[pos_++]; }
    std::string value(std::string_view opt) {
        if (done()) throw UsageError(fmt::format("{} needs a value", opt));
        return argv_[pos_++];
    }
    uint64_t number(std::string_view opt, uint64_t lo, uint64_t hi) {
        std::string v = value(opt);
        size_t used = 0;
        uint64_t n = 0;
        try {
            n = std::stoull(v, &used, 0);
        } catch (...) {
            used = 0;
        }
        if (used != v.size() || v.empty() || v[0] == '-')
            throw UsageError(fmt::format("{} {}: not a number", opt, v));
        if (n < lo || n > hi) throw UsageError(fmt::format("{} {}: must be between {} and {}", opt, v, lo, hi));
        return n;
    }

private:
    std::vector<std::string> argv_;
    size_t pos_ = 0;
};

inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace trapeze::cli
