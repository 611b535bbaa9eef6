// Test benches for the LLVM tier: the same guest on an interpreter-only CPU and on a CPU with
// the JIT attached, and helpers to run them side by side.
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "binary_translate/jit.h"
#include "binary_translate/lockstep.h"
#include "tests/unit/x86_test_machine.h"

namespace trapeze::test {

inline std::vector<uint8_t> read_binary(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A guest of tests/jit/guests (assembled at build time): loaded at 0x10000, flat 32-bit.
inline std::vector<uint8_t> guest(const std::string& name) {
    auto bytes = read_binary(std::string(TRAPEZE_JIT_GUESTS) + "/" + name + ".bin");
    REQUIRE(!bytes.empty());
    return bytes;
}

// Compile synchronously from the second execution of a block on: tests see the compiled code
// run, deterministically.
inline bt::JitOptions eager_jit() {
    bt::JitOptions o;
    o.threshold = 2;
    o.synchronous = true;
    return o;
}

struct GuestMachine {
    X86Bench bench;
    std::unique_ptr<bt::JitEngine> jit;  // destroyed before the bench's CPU

    GuestMachine(const std::vector<uint8_t>& code, bool with_jit, const bt::JitOptions& opts = eager_jit()) {
        std::copy(code.begin(), code.end(), bench.ram + 0x10000);
        bench.flat32(0x10000);
        if (with_jit) jit = bt::JitEngine::create(*bench.cpu, opts);
    }
    x86::X86Cpu& cpu() { return *bench.cpu; }
    uint32_t result(unsigned i) const { return bench.peek32(0x3000 + 4 * i); }
};

// The same guest interpreted and with the JIT, each run to its final HLT (checked).
struct HaltedPair {
    GuestMachine interp, jit;
    explicit HaltedPair(const std::vector<uint8_t>& code) : interp(code, false), jit(code, true) {
        CHECK(interp.cpu().run(10'000'000).reason == cpu::StopReason::kHaltedNoWake);
        CHECK(jit.cpu().run(10'000'000).reason == cpu::StopReason::kHaltedNoWake);
    }
};

// Runs the guest on both engines in lockstep (quantum: instructions per step) and checks that
// they never differ; returns the JIT's statistics.
inline bt::JitStats lockstep_guest(const std::string& name, uint64_t quantum, uint64_t max_insns = 50'000'000,
                                   cpu::StopReason expect = cpu::StopReason::kHaltedNoWake) {
    auto code = guest(name);
    GuestMachine interp(code, false), jit(code, true);
    bt::LockstepOptions lo;
    lo.quantum = quantum;
    lo.memory_every = 100'000;
    auto r = bt::run_lockstep(interp.cpu(), interp.bench.mem, jit.cpu(), jit.bench.mem, max_insns, lo);
    INFO(r.difference);
    INFO(r.reference.message);
    CHECK_FALSE(r.diverged);
    CHECK(r.reference.reason == expect);
    return jit.jit->stats();
}

}  // namespace trapeze::test
