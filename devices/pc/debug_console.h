// Bochs/QEMU "debugcon": every byte written to port 0xE9 goes to a host stream. Reading the
// port returns 0xE9 (how guests detect the hack, as in Bochs and QEMU).
#pragma once

#include <cstdio>

#include "cpu/port_bus.h"

namespace trapeze::devices {

class DebugConsole : public cpu::PortDevice {
public:
    explicit DebugConsole(std::FILE* out) : out_(out) {}
    uint32_t port_read(uint16_t, unsigned) override { return 0xE9; }
    void port_write(uint16_t, unsigned, uint32_t value) override {
        if (out_) {
            std::fputc(int(value & 0xFF), out_);
            if ((value & 0xFF) == '\n') std::fflush(out_);
        }
    }

private:
    std::FILE* out_;
};

}  // namespace trapeze::devices
