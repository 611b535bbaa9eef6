// The CVAX interval clock: ICCS (IPR 24) with only <6> interrupt enable implemented; when
// enabled it interrupts at IPL 0x16 through SCB vector 0xC0 every 10 ms of guest time (KA655
// technical manual, "Interval Timer"). Guest time is counted in instructions: one tick every
// `instructions_per_tick`. Also the time-of-year register TODR (IPR 27), which counts 10 ms
// units while running.
#pragma once

#include <cstdint>

namespace trapeze::devices::microvax {

class IntervalTimer {
public:
    static constexpr unsigned kIccs = 24, kNicr = 25, kIcr = 26, kTodr = 27;
    static constexpr unsigned kIpl = 0x16;
    static constexpr uint32_t kVector = 0xC0;
    static constexpr uint32_t kIe = 0x40, kInt = 0x80;

    uint64_t instructions_per_tick = 20000;

    bool handles(unsigned ipr) const { return ipr >= kIccs && ipr <= kTodr; }
    uint32_t read(unsigned ipr) const;
    void write(unsigned ipr, uint32_t value);
    void advance(uint64_t instructions);
    bool interrupt_pending() const { return pending_; }
    uint32_t acknowledge() {
        pending_ = false;
        return kVector;
    }
    void reset() { iccs_ = 0; pending_ = false; }

private:
    uint32_t iccs_ = 0;
    uint32_t todr_ = 0;
    bool pending_ = false;
    uint64_t count_ = 0;
};

}  // namespace trapeze::devices::microvax
