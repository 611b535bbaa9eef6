#include "devices/pc/pic8259_pair.h"

namespace trapeze::devices {

void Pic8259Pair::reset() {
    master_.reset();
    slave_.reset();
    // ELCR: everything edge-triggered after reset (PIIX4 datasheet, 4.1.9).
    master_.set_elcr(0);
    slave_.set_elcr(0);
    if (intr_) intr_out_.set(false);
    intr_ = false;
}

void Pic8259Pair::attach(cpu::PortBus& bus) {
    bus.add(0x20, 2, this);
    bus.add(0xA0, 2, this);
    bus.add(0x4D0, 2, this);
}

void Pic8259Pair::update() {
    // The slave's INT output drives the master's IR2.
    master_.set_input(2, slave_.pending_line() >= 0);
    const bool was = intr_;
    intr_ = master_.pending_line() >= 0;
    if (intr_ != was) intr_out_.set(intr_);
}

void Pic8259Pair::set_irq(unsigned irq, bool level) {
    if (irq < 8) master_.set_input(irq, level);
    else if (irq < 16) slave_.set_input(irq - 8, level);
    update();
}

uint8_t Pic8259Pair::acknowledge_interrupt() {
    uint8_t vector;
    int line = master_.pending_line();
    if (line < 0) {
        vector = master_.vector_base() | 7;  // spurious IRQ7
    } else {
        master_.acknowledge(unsigned(line));
        if (line == 2) {
            // Cascade: the master sets IR2 in service and the slave supplies the vector.
            int sline = slave_.pending_line();
            if (sline >= 0) {
                slave_.acknowledge(unsigned(sline));
                vector = slave_.vector_base() | uint8_t(sline);
            } else {
                vector = slave_.vector_base() | 7;  // spurious IRQ15
            }
        } else {
            vector = master_.vector_base() | uint8_t(line);
        }
    }
    update();
    return vector;
}

uint32_t Pic8259Pair::port_read(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
        uint16_t p = uint16_t(port + i);
        uint8_t b = 0xFF;
        if (p == 0x20 || p == 0x21) b = master_.read(p & 1);
        else if (p == 0xA0 || p == 0xA1) b = slave_.read(p & 1);
        else if (p == 0x4D0) b = master_.elcr();
        else if (p == 0x4D1) b = slave_.elcr();
        v |= uint32_t(b) << (8 * i);
    }
    update();  // a poll read acknowledges
    return v;
}

void Pic8259Pair::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size; ++i) {
        uint16_t p = uint16_t(port + i);
        uint8_t b = uint8_t(value >> (8 * i));
        if (p == 0x20 || p == 0x21) master_.write(p & 1, b);
        else if (p == 0xA0 || p == 0xA1) slave_.write(p & 1, b);
        // IRQ0-2 (timer, keyboard, cascade) and IRQ8/13 (RTC, FPU) are always
        // edge-triggered: their ELCR bits are read-only zero (PIIX4 datasheet, ELCR1/ELCR2).
        else if (p == 0x4D0) master_.set_elcr(b & 0xF8);
        else if (p == 0x4D1) slave_.set_elcr(b & 0xDE);
    }
    update();
}

}  // namespace trapeze::devices
