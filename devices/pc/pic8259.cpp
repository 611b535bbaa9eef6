#include "devices/pc/pic8259.h"

namespace trapeze::devices {

void Pic8259::reset() {
    // Power-on: the 8259A is undefined until ICW1; like Bochs and QEMU we mask every input
    // so that a guest that never programs the PIC never sees an interrupt.
    irr_ = isr_ = 0;
    imr_ = 0xFF;
    input_levels_ = 0;
    vector_base_ = master_ ? 0x08 : 0x70;
    priority_rotation_ = 0;
    init_step_ = 0;
    icw4_needed_ = single_ = false;
    auto_eoi_ = rotate_on_auto_eoi_ = special_fully_nested_ = false;
    read_isr_ = special_mask_ = poll_pending_ = false;
}

void Pic8259::set_input(unsigned line, bool level) {
    uint8_t bit = uint8_t(1u << line);
    if (elcr_ & bit) {
        if (level) irr_ |= bit;
        else irr_ &= uint8_t(~bit);
    } else if (level && !(input_levels_ & bit)) {
        irr_ |= bit;
    }
    if (level) input_levels_ |= bit;
    else input_levels_ &= uint8_t(~bit);
}

unsigned Pic8259::priority_of_highest(uint8_t mask) const {
    if (!mask) return 8;
    unsigned p = 0;
    while (!(mask & (1u << ((p + priority_rotation_) & 7)))) ++p;
    return p;
}

int Pic8259::pending_line() const {
    unsigned req = priority_of_highest(irr_ & ~imr_);
    if (req == 8) return -1;
    // In-service levels block requests of equal or lower priority. In special mask mode
    // (OCW3 SMM) a masked in-service level no longer blocks anything (datasheet, "Special
    // Mask Mode"). In special fully nested mode the master lets a further request from the
    // slave through although IR2 is in service (datasheet, "Special Fully Nest Mode").
    uint8_t in_service = isr_;
    if (special_mask_) in_service &= uint8_t(~imr_);
    if (special_fully_nested_ && master_) in_service &= uint8_t(~(1u << 2));
    unsigned cur = priority_of_highest(in_service);
    if (req < cur) return int((req + priority_rotation_) & 7);
    return -1;
}

void Pic8259::acknowledge(unsigned line) {
    uint8_t bit = uint8_t(1u << line);
    if (auto_eoi_) {
        if (rotate_on_auto_eoi_) priority_rotation_ = (line + 1) & 7;
    } else {
        isr_ |= bit;
    }
    // A level-sensitive request stays in IRR while its line is high.
    if (!(elcr_ & bit)) irr_ &= uint8_t(~bit);
}

uint8_t Pic8259::poll() {
    // Poll command (OCW3 P=1): the next read is the INTA the CPU did not do: bit 7 says
    // whether a request was pending, bits 2-0 which (datasheet, "The Poll Command").
    int line = pending_line();
    if (line < 0) return 0;
    acknowledge(unsigned(line));
    return uint8_t(0x80 | line);
}

uint8_t Pic8259::read(unsigned offset) {
    if (poll_pending_) {
        poll_pending_ = false;
        return poll();
    }
    if (offset == 0) return read_isr_ ? isr_ : irr_;
    return imr_;
}

void Pic8259::write(unsigned offset, uint8_t v) {
    if (offset == 0) {
        if (v & 0x10) {
            // ICW1: edge-sensitive detection is reset, IMR cleared, IR7 gets the lowest
            // priority, special mask mode off, status read set to IRR (datasheet ICW1).
            // The LTIM bit (level mode for all inputs) is ignored: PC chipsets take the
            // trigger mode from the ELCR instead.
            // Lines held high keep their level: an edge input must go low and high again.
            irr_ &= elcr_;
            isr_ = 0;
            imr_ = 0;
            priority_rotation_ = 0;
            special_mask_ = read_isr_ = poll_pending_ = false;
            auto_eoi_ = rotate_on_auto_eoi_ = special_fully_nested_ = false;
            icw4_needed_ = v & 1;
            single_ = v & 2;
            init_step_ = 1;
        } else if (v & 0x08) {
            // OCW3
            if (v & 0x04) poll_pending_ = true;
            if (v & 0x02) read_isr_ = v & 1;
            if (v & 0x40) special_mask_ = v & 0x20;
        } else {
            // OCW2: R SL EOI
            unsigned cmd = v >> 5;
            switch (cmd) {
            case 0: rotate_on_auto_eoi_ = false; break;  // clear rotate in AEOI mode
            case 4: rotate_on_auto_eoi_ = true; break;   // set rotate in AEOI mode
            case 1:                                      // non-specific EOI
            case 5: {                                    // rotate on non-specific EOI
                unsigned p = priority_of_highest(isr_);
                if (p != 8) {
                    unsigned line = (p + priority_rotation_) & 7;
                    isr_ &= uint8_t(~(1u << line));
                    if (cmd == 5) priority_rotation_ = (line + 1) & 7;
                }
                break;
            }
            case 3: isr_ &= uint8_t(~(1u << (v & 7))); break;  // specific EOI
            case 6: priority_rotation_ = ((v & 7) + 1) & 7; break;  // set priority
            case 7:                                                  // rotate on specific EOI
                isr_ &= uint8_t(~(1u << (v & 7)));
                priority_rotation_ = ((v & 7) + 1) & 7;
                break;
            default: break;  // 2: no operation
            }
        }
        return;
    }
    switch (init_step_) {
    case 0: imr_ = v; break;  // OCW1
    case 1:                   // ICW2: vector base (the low 3 bits are the line)
        vector_base_ = v & 0xF8;
        init_step_ = single_ ? (icw4_needed_ ? 3 : 0) : 2;
        break;
    case 2:  // ICW3: cascade wiring; the PC's is fixed (slave on master IR2)
        init_step_ = icw4_needed_ ? 3 : 0;
        break;
    case 3:  // ICW4: SFNM, BUF, M/S, AEOI, uPM (8086 mode assumed)
        special_fully_nested_ = v & 0x10;
        auto_eoi_ = v & 0x02;
        init_step_ = 0;
        break;
    }
}

}  // namespace trapeze::devices
