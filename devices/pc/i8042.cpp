#include "devices/pc/i8042.h"

namespace trapeze::devices {

void I8042::reset() {
    out_.clear();
    // After its power-on self test the controller's command byte enables the keyboard
    // interrupt and translation; the system flag stays 0 until the BIOS sets it.
    command_byte_ = 0x61;
    // Output port: reset line inactive (1), A20 enabled (the corpus and Bochs expect A20 on
    // at power-on), keyboard clock/data released.
    output_port_ = 0xCF;
    pending_controller_cmd_ = pending_keyboard_cmd_ = 0;
    last_write_was_command_ = false;
    system_flag_ = false;
    keyboard_enabled_ = true;
    scancode_set_ = 2;
    irq1_.set(false);
    irq12_.set(false);
}

void I8042::attach(cpu::PortBus& bus) {
    bus.add(0x60, 1, this);
    bus.add(0x64, 1, this);
}

uint8_t I8042::status() {
    // Bit 0 output buffer full, 1 input buffer full (never: commands complete at once),
    // 2 system flag, 3 last write was to 0x64, 4 keyboard not inhibited, 5 aux data.
    uint8_t s = 0x10;
    if (!out_.empty()) s |= 0x01 | (out_.front().aux ? 0x20 : 0) | (out_.front().timeout ? 0x40 : 0);
    if (system_flag_) s |= 0x04;
    if (last_write_was_command_) s |= 0x08;
    return s;
}

void I8042::update_irq() {
    bool full = !out_.empty();
    bool aux = full && out_.front().aux;
    irq1_.set(full && !aux && (command_byte_ & 0x01));
    irq12_.set(full && aux && (command_byte_ & 0x02));
}

void I8042::push(uint8_t b, bool aux, bool timeout) {
    out_.push_back({b, aux, timeout});
    update_irq();
}

void I8042::write_output_port(uint8_t v) {
    uint8_t old = output_port_;
    output_port_ = v;
    if ((old ^ v) & 2) set_a20_(v & 2);
    if (!(v & 1)) reset_cpu_();  // bit 0 low: processor reset
}

void I8042::controller_command(uint8_t cmd) {
    switch (cmd) {
    case 0x20: push(command_byte_, false); break;  // read command byte
    case 0x60:                                     // write command byte
    case 0xD1:                                     // write output port
    case 0xD2:                                     // write keyboard output buffer
    case 0xD3:                                     // write aux output buffer
    case 0xD4:                                     // write to aux device
        pending_controller_cmd_ = cmd;
        break;
    case 0xA7: command_byte_ |= 0x20; break;   // disable aux
    case 0xA8: command_byte_ &= ~0x20; break;  // enable aux
    case 0xA9: push(0x00, false); break;       // aux interface test: OK
    case 0xAA:                                 // self test
        system_flag_ = true;
        push(0x55, false);
        break;
    case 0xAB: push(0x00, false); break;  // keyboard interface test: OK
    case 0xAD: command_byte_ |= 0x10; break;
    case 0xAE: command_byte_ &= ~0x10; break;
    case 0xC0: push(0x80, false); break;  // input port: keyboard not locked
    case 0xD0: push(output_port_, false); break;
    case 0xDD: write_output_port(output_port_ & ~2); break;  // A20 off (some controllers)
    case 0xDF: write_output_port(output_port_ | 2); break;   // A20 on
    default:
        if (cmd >= 0xF0) {
            // Pulse output port bits 0-3 low for 6 us where the command's bit is 0:
            // 0xFE pulses the reset line (IBM PC/AT Technical Reference, 8042 commands).
            if (!(cmd & 1)) reset_cpu_();
        }
        break;
    }
    update_irq();
}

void I8042::keyboard_command(uint8_t v) {
    if (pending_keyboard_cmd_) {
        uint8_t cmd = pending_keyboard_cmd_;
        pending_keyboard_cmd_ = 0;
        if (cmd == 0xF0 && v == 0) {
            push(0xFA, false);
            push(scancode_set_, false);
            return;
        }
        if (cmd == 0xF0 && v <= 3) scancode_set_ = v;
        push(0xFA, false);
        return;
    }
    switch (v) {
    case 0xFF:  // reset: ACK, then the basic assurance test passed
        keyboard_enabled_ = true;
        push(0xFA, false);
        push(0xAA, false);
        break;
    case 0xF2:  // identify: MF2 keyboard
        push(0xFA, false);
        push(0xAB, false);
        push(0x83, false);
        break;
    case 0xEE: push(0xEE, false); break;  // echo
    case 0xED:                            // set LEDs
    case 0xF3:                            // set typematic rate
    case 0xF0:                            // scan code set
        pending_keyboard_cmd_ = v;
        push(0xFA, false);
        break;
    case 0xF4: keyboard_enabled_ = true; push(0xFA, false); break;
    case 0xF5: keyboard_enabled_ = false; push(0xFA, false); break;
    case 0xF6: keyboard_enabled_ = true; push(0xFA, false); break;
    default:
        if (v >= 0xF7 && v <= 0xFD) push(0xFA, false);
        else push(0xFE, false);  // resend: not a command
        break;
    }
}

void I8042::data_write(uint8_t v) {
    uint8_t cmd = pending_controller_cmd_;
    pending_controller_cmd_ = 0;
    switch (cmd) {
    case 0x60:
        command_byte_ = v;
        system_flag_ = v & 0x04;
        update_irq();
        break;
    case 0xD1: write_output_port(v); break;
    case 0xD2: push(v, false); break;
    case 0xD3: push(v, true); break;
    case 0xD4: push(0xFE, true, true); break;  // no aux device: timeout
    default: keyboard_command(v); break;
    }
}

uint32_t I8042::port_read(uint16_t port, unsigned) {
    if (port == 0x64) return status();
    uint8_t v = 0;
    if (!out_.empty()) {
        v = out_.front().value;
        out_.pop_front();
    }
    // Reading empties the output buffer and drops IRQ1/IRQ12; the next byte raises them
    // again, an edge the PIC latches.
    irq1_.set(false);
    irq12_.set(false);
    update_irq();
    return v;
}

void I8042::port_write(uint16_t port, unsigned, uint32_t value) {
    uint8_t v = uint8_t(value);
    if (port == 0x64) {
        last_write_was_command_ = true;
        controller_command(v);
    } else {
        last_write_was_command_ = false;
        data_write(v);
    }
}

}  // namespace trapeze::devices
