// One Intel 8259A programmable interrupt controller (datasheet 231468): eight request
// inputs, IRR/ISR/IMR, the ICW1-ICW4 initialisation sequence, OCW2 EOI/rotate commands,
// OCW3 read-register/poll/special-mask commands, automatic EOI, special fully nested mode,
// and per-input edge/level sensitivity as set by the PIIX ELCR (ports 0x4D0/0x4D1).
// Pic8259Pair cascades two of them the PC/AT way and owns the I/O ports.
#pragma once

#include <cstdint>

namespace trapeze::devices {

class Pic8259 {
public:
    explicit Pic8259(bool is_master) : master_(is_master) { reset(); }
    void reset();

    // Drives input line (0-7) to a level. Edge-sensitive inputs latch a request in IRR on
    // a low-to-high transition; level-sensitive ones follow the line.
    void set_input(unsigned line, bool level);
    // The highest-priority request that may interrupt now (INT output), or -1.
    int pending_line() const;
    // The INTA sequence for `line` (which pending_line() returned): sets ISR (unless AEOI),
    // clears an edge request from IRR.
    void acknowledge(unsigned line);
    // Ports: offset 0 (0x20/0xA0) and 1 (0x21/0xA1).
    uint8_t read(unsigned offset);
    void write(unsigned offset, uint8_t value);

    uint8_t vector_base() const { return vector_base_; }
    uint8_t irr() const { return irr_; }
    uint8_t isr() const { return isr_; }
    uint8_t imr() const { return imr_; }
    uint8_t elcr() const { return elcr_; }
    void set_elcr(uint8_t v) { elcr_ = v; }

private:
    // Priority 0 is the highest; lowest_priority_ rotates which line holds it.
    unsigned priority_of_highest(uint8_t mask) const;
    uint8_t poll();

    bool master_;
    uint8_t irr_ = 0, isr_ = 0, imr_ = 0, elcr_ = 0;
    uint8_t input_levels_ = 0;       // last level seen on each input (edge detection)
    uint8_t vector_base_ = 0;        // ICW2 & 0xF8
    unsigned priority_rotation_ = 0;  // the line with the highest priority
    unsigned init_step_ = 0;         // 0: operational; 1-3: expecting ICW2, ICW3, ICW4
    bool icw4_needed_ = false, single_ = false;
    bool auto_eoi_ = false, rotate_on_auto_eoi_ = false, special_fully_nested_ = false;
    bool read_isr_ = false, special_mask_ = false, poll_pending_ = false;
};

}  // namespace trapeze::devices
