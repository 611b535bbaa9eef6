// PS/2 System Control Port A (port 0x92, "fast A20"): bit 1 gates A20; a 0-to-1 transition
// of bit 0 resets the processor (IBM PS/2 Technical Reference; PIIX4 datasheet, port 92h).
// The board gives A20 to whichever of this port and the keyboard controller wrote last.
#pragma once

#include <cstdint>
#include <functional>

#include "cpu/port_bus.h"

namespace trapeze::devices {

class SystemControlPortA : public cpu::PortDevice {
public:
    SystemControlPortA(std::function<void(bool)> set_a20, std::function<void()> reset)
        : set_a20_(std::move(set_a20)), reset_(std::move(reset)) {}
    void attach(cpu::PortBus& bus) { bus.add(0x92, 1, this); }
    void reset() { value_ = 0x02; }  // A20 on: the board powers up with A20 enabled
    bool a20() const { return value_ & 2; }

    uint32_t port_read(uint16_t, unsigned) override { return value_; }
    void port_write(uint16_t, unsigned, uint32_t v) override {
        uint8_t old = value_;
        value_ = uint8_t(v & 0x03);
        if ((old ^ value_) & 2) set_a20_(value_ & 2);
        if (!(old & 1) && (value_ & 1)) reset_();  // fast reset on the rising edge of bit 0
    }

private:
    uint8_t value_ = 0x02;
    std::function<void(bool)> set_a20_;
    std::function<void()> reset_;
};

}  // namespace trapeze::devices
