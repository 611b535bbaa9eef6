// A small VAX machine for the CPU unit tests: 1 MB of RAM, a board that only records halts,
// an SCB at physical 0 whose every vector points at a HALT at 0x400 + vector, so a test sees
// which exception was taken from the PC of the halt (0x401 + vector). Programs are assembled
// with our assembler at 0x1000 and run in kernel mode on the interrupt stack (SP 0x9000).
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "cpu/physical_memory.h"
#include "isa/vax/assembler.h"
#include "isa/vax/cpu.h"

namespace trapeze::vax::test {

class TestBoard : public VaxBoard {
public:
    bool read_ipr(unsigned, uint32_t&) override { return false; }
    bool write_ipr(unsigned, uint32_t) override { return false; }
    unsigned pending_interrupt_level() override { return irq_level; }
    uint32_t acknowledge_interrupt(unsigned) override {
        irq_level = 0;
        return irq_vector;
    }
    bool halt(HaltReason why, uint32_t, uint32_t) override {
        last_halt = why;
        return false;
    }
    void advance(uint64_t) override {}
    unsigned irq_level = 0;
    uint32_t irq_vector = 0;
    HaltReason last_halt = HaltReason::kPowerUp;
};

inline constexpr uint32_t kOrigin = 0x1000;
inline constexpr uint32_t kHandlers = 0x400;  // HALT at kHandlers + vector
inline constexpr uint32_t kStack = 0x9000;

struct Machine {
    cpu::PhysicalMemory mem{30};
    TestBoard board;
    VaxCpu cpu{mem, board};
    AssembledProgram program;

    Machine() {
        mem.add_ram(0, 1 << 20);
        for (uint32_t v = 0; v < 0x200; v += 4) {
            mem.write(v, 4, kHandlers + v);  // SCB at 0: vector -> HALT at 0x400 + v
            mem.write(kHandlers + v, 1, 0x00);
        }
        cpu.scbb = 0;
        cpu.psl = 0x041F0000;
        cpu.r[kSP] = kStack;
    }

    // Assemble and load at kOrigin; PC there.
    void load(std::string_view source) {
        program = assemble(source, kOrigin);
        INFO(program.error_text());
        REQUIRE(program.ok());
        REQUIRE(mem.write_block(kOrigin, program.image));
        cpu.r[kPC] = kOrigin;
    }

    // Run until the CPU halts (or `limit` instructions); returns the halt PC.
    uint32_t run(uint64_t limit = 100000) {
        cpu::RunResult r = cpu.run(limit);
        INFO(r.message);
        REQUIRE(r.reason == cpu::StopReason::kGuestHalt);
        return cpu.r[kPC];
    }

    // Run `source` followed by a HALT; returns the halt PC.
    uint32_t exec(std::string_view source) {
        load(std::string(source) + "\n HALT\n");
        return run();
    }

    // The vector of the exception whose handler halted, or -1 if the program's own HALT.
    int vector_taken() const {
        uint32_t pc = cpu.r[kPC] & 0x3FFFFFFF;  // S0 handlers too
        if (pc > kHandlers && pc <= kHandlers + 0x200) return static_cast<int>(pc - kHandlers - 1);
        return -1;
    }
    uint32_t cc() const { return cpu.psl & 0xF; }
    uint32_t read32(uint32_t pa) { return mem.read(pa, 4); }
    uint32_t symbol(std::string_view name) const { return static_cast<uint32_t>(*program.symbol(name)); }
};

// Condition codes as a string "NZVC" with '-' for clear bits, for readable failures.
inline std::string ccs(uint32_t cc) {
    std::string s = "----";
    if (cc & 8) s[0] = 'N';
    if (cc & 4) s[1] = 'Z';
    if (cc & 2) s[2] = 'V';
    if (cc & 1) s[3] = 'C';
    return s;
}

}  // namespace trapeze::vax::test
