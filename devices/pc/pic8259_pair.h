// The PC/AT pair of 8259As: master at ports 0x20/0x21 (IRQ0-7), slave at 0xA0/0xA1
// (IRQ8-15) cascaded into the master's IR2, plus the PIIX edge/level control registers
// (ELCR, ports 0x4D0/0x4D1). The machine asks it for the CPU's INTR and for the vector of
// an INTA cycle; it knows nothing of the CPU.
#pragma once

#include <cstdint>

#include "cpu/port_bus.h"
#include "devices/interrupt_line.h"
#include "devices/pc/pic8259.h"

namespace trapeze::devices {

class Pic8259Pair : public cpu::PortDevice, public InterruptController {
public:
    Pic8259Pair() { reset(); }
    void reset();
    void attach(cpu::PortBus& bus);  // 0x20-0x21, 0xA0-0xA1, 0x4D0-0x4D1

    // IRQ 0-15 (2 is the cascade: IRQ 2 as ISA devices see it is wired to IRQ 9).
    void set_irq(unsigned irq, bool level) override;
    // The CPU's INTR input, and the wire that carries it: the pair drives `line` to INTR's
    // level whenever it changes (and now), so that the CPU tests a pin instead of asking.
    bool interrupt_pending() const { return intr_; }
    void connect_intr(InterruptLine line) {
        intr_out_ = line;
        intr_out_.set(intr_);
    }
    // INTA: the vector of the highest-priority request. With nothing pending any more (the
    // request went away between INTR and INTA) the 8259A answers with IR7's vector without
    // setting ISR: the spurious interrupt (IRQ7, or IRQ15 on the slave).
    uint8_t acknowledge_interrupt();

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    Pic8259& master() { return master_; }
    Pic8259& slave() { return slave_; }

private:
    void update();

    Pic8259 master_{true};
    Pic8259 slave_{false};
    bool intr_ = false;
    InterruptLine intr_out_;
};

}  // namespace trapeze::devices
