// Pieces the fuzz campaigns (x86_crashme, vax_crashme, pc_iofuzz, microvax_iofuzz) share:
// the iofuzz bounds, the campaign loop bounded by iterations or seconds, and the temporary ROM
// file the boards read their firmware from.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace trapeze::machines {

// The bounds every iofuzz campaign takes (pc_iofuzz, microvax_iofuzz, `trapeze fuzz iofuzz`).
struct IofuzzOptions {
    uint64_t seed = 1;
    uint64_t max_operations = 0;  // 0: bounded by max_seconds
    double max_seconds = 10;
};

// Calls iteration(i) for i = 0, 1, ... until max_iterations (when non-zero) or, without it,
// until max_seconds have passed (checked every 64 iterations). Returns the seconds it took.
template <typename Iteration>
double run_campaign(uint64_t max_iterations, double max_seconds, Iteration&& iteration) {
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    for (uint64_t i = 0;; ++i) {
        if (max_iterations && i >= max_iterations) break;
        if (!max_iterations && (i & 63) == 0 && elapsed() >= max_seconds) break;
        iteration(i);
    }
    return elapsed();
}

// A file in /tmp holding `bytes`, removed when this goes out of scope (the boards take their
// ROM from a path). Throws std::runtime_error with a one-line message on failure.
class TempRomFile {
public:
    explicit TempRomFile(const std::vector<uint8_t>& bytes) {
        int fd = ::mkstemp(path_);
        if (fd < 0) throw std::runtime_error("iofuzz: cannot create a temporary ROM file");
        bool written = ::write(fd, bytes.data(), bytes.size()) == ssize_t(bytes.size());
        ::close(fd);
        if (!written) {
            ::unlink(path_);
            throw std::runtime_error("iofuzz: cannot write the temporary ROM file");
        }
    }
    ~TempRomFile() { ::unlink(path_); }
    TempRomFile(const TempRomFile&) = delete;
    TempRomFile& operator=(const TempRomFile&) = delete;
    std::string path() const { return path_; }

private:
    char path_[32] = "/tmp/trapeze-iofuzz-XXXXXX";
};

}  // namespace trapeze::machines
