// Port 0x80, the POST diagnostic port: BIOSes write progress codes to it and Linux writes
// to it as an I/O delay (outb_p). On the AT it is a DMA page register, so it reads back the
// last value written. Writes can be observed (e.g. for a -d log).
#pragma once

#include <cstdint>
#include <functional>

#include "cpu/port_bus.h"

namespace trapeze::devices {

class PostCodePort : public cpu::PortDevice {
public:
    void attach(cpu::PortBus& bus) { bus.add(0x80, 1, this); }
    uint32_t port_read(uint16_t, unsigned size) override {
        return size == 1 ? last_ : (size == 2 ? 0xFF00u | last_ : 0xFFFFFF00u | last_);
    }
    void port_write(uint16_t, unsigned, uint32_t value) override {
        last_ = uint8_t(value);
        if (observer_) observer_(last_);
    }
    uint8_t last() const { return last_; }
    void set_observer(std::function<void(uint8_t)> fn) { observer_ = std::move(fn); }

private:
    uint8_t last_ = 0;
    std::function<void(uint8_t)> observer_;
};

}  // namespace trapeze::devices
