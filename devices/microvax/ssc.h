// The KA655's system support chip (SSC) as a memory-mapped window at 0x20140000 (2 KB): its
// registers and the 1 KB battery-backed RAM at +0x400 are kept as storage, and the two
// programmable interval timers at +0x100 (TCR, TIR, TNIR, TIVR for timer 0, then timer 1)
// count microseconds of guest time (one per instruction) and interrupt at IPL 0x14 through the
// vector in TIVR. TCR bits: <0> RUN, <2> STP (stop after overflow), <4> XFR (load TIR from
// TNIR, self-clearing), <5> SGL (count one), <6> IE, <7> INT (write 1 to clear), <31> ERR
// (write 1 to clear; set when an overflow finds INT still set).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "cpu/physical_memory.h"

namespace trapeze::devices::microvax {

class Ssc : public cpu::MmioDevice {
public:
    static constexpr uint64_t kSize = 0x800;
    static constexpr unsigned kTimerIpl = 0x14;

    Ssc() : data_(kSize, 0) {}
    uint32_t mmio_read(uint64_t offset, unsigned size) override;
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
    void advance(uint64_t microseconds);
    bool interrupt_pending() const { return timers_[0].pending || timers_[1].pending; }
    uint32_t acknowledge();  // the vector (TIVR) of the first pending timer

private:
    struct Timer {
        uint32_t tcr = 0, tir = 0, tnir = 0, tivr = 0;
        bool pending = false;
    };
    static constexpr uint32_t kRun = 1, kStp = 4, kXfr = 0x10, kSgl = 0x20, kIe = 0x40, kInt = 0x80,
                              kErr = 0x80000000;
    static bool is_timer(uint64_t offset) { return offset >= 0x100 && offset < 0x120; }
    uint32_t timer_read(uint64_t offset) const;
    void timer_write(uint64_t offset, uint32_t value);
    void tick(Timer& t, uint64_t n);
    void overflow(Timer& t);

    std::vector<uint8_t> data_;
    std::array<Timer, 2> timers_{};
};

}  // namespace trapeze::devices::microvax
