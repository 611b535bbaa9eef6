// The PC/AT keyboard controller (Intel 8042 with IBM's firmware; behaviour as in the IBM
// PC/AT and PS/2 Technical References): status register and command port 0x64, data port
// 0x60, the controller command byte, self test (0xAA -> 0x55), interface tests, the output
// port (bit 0: processor reset, active low; bit 1: A20 gate) written by command 0xD1 or
// pulsed by 0xF0-0xFF (0xFE: reset), and a keyboard that answers the commands BIOSes and
// Linux send (reset 0xFF -> FA AA, identify, LEDs, scan code set, enable/disable).
// No auxiliary (mouse) device is attached: a byte sent to it with 0xD4 is answered the way a
// controller reports a device that never clocks: 0xFE in the aux output buffer with the
// timeout status bit (so drivers give up at once instead of waiting for their timeouts).
// The AUX interface itself exists (0xA9 test passes, 0xD3 echoes through the aux buffer).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "cpu/port_bus.h"
#include "devices/interrupt_line.h"

namespace trapeze::devices {

class I8042 : public cpu::PortDevice {
public:
    I8042(InterruptLine irq1, InterruptLine irq12, std::function<void(bool)> set_a20,
          std::function<void()> reset_cpu)
        : irq1_(irq1), irq12_(irq12), set_a20_(std::move(set_a20)), reset_cpu_(std::move(reset_cpu)) {
        reset();
    }
    void reset();
    void attach(cpu::PortBus& bus);  // 0x60, 0x64

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // A scan code from the host keyboard.
    void key(uint8_t scancode) { push(scancode, false); }
    bool a20() const { return output_port_ & 2; }
    uint8_t status();
    uint8_t command_byte() const { return command_byte_; }

private:
    void push(uint8_t b, bool aux, bool timeout = false);
    void controller_command(uint8_t cmd);
    void data_write(uint8_t v);
    void keyboard_command(uint8_t v);
    void write_output_port(uint8_t v);
    void update_irq();

    InterruptLine irq1_, irq12_;
    std::function<void(bool)> set_a20_;
    std::function<void()> reset_cpu_;
    struct Byte {
        uint8_t value;
        bool aux;
        bool timeout;  // status bit 6 while this byte is in the output buffer
    };
    std::deque<Byte> out_;
    uint8_t command_byte_ = 0;
    uint8_t output_port_ = 0;
    uint8_t pending_controller_cmd_ = 0;  // a command waiting for its data byte on 0x60
    uint8_t pending_keyboard_cmd_ = 0;    // a keyboard command waiting for its parameter
    bool last_write_was_command_ = false;
    bool system_flag_ = false;
    bool keyboard_enabled_ = true;
    uint8_t scancode_set_ = 2;
};

}  // namespace trapeze::devices
