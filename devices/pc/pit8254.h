// Intel 8254 programmable interval timer (datasheet 231164) at ports 0x40-0x43, clocked at
// 1.193182 MHz, with the PC/AT's port 0x61 (system control port B): channel 2's gate and
// speaker enable (bits 0, 1, read/write), the refresh toggle (bit 4) and OUT2 (bit 5).
// Channel 0's OUT drives IRQ0.
//
// Counters are not ticked: each channel remembers the clock tick at which its counting
// element was loaded and computes the count and OUT at any later tick from the mode's
// waveform (all six modes, binary and BCD, gate effects on channel 2). update() turns
// channel 0's rising OUT edges into IRQ0 edges; next_event_ns() says when the next is due.
#pragma once

#include <cstdint>

#include "cpu/port_bus.h"
#include "devices/clock.h"
#include "devices/interrupt_line.h"
#include "devices/timed_device.h"

namespace trapeze::devices {

class Pit8254 : public cpu::PortDevice, public TimedDevice {
public:
    static constexpr uint64_t kInputHz = 1193182;  // 14.31818 MHz / 12

    Pit8254(const Clock& clock, InterruptLine irq0) : clock_(clock), irq0_(irq0) { reset(); }
    void reset();
    void attach(cpu::PortBus& bus);  // 0x40-0x43 and 0x61

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    void update() override;
    uint64_t next_event_ns() override;

    // For tests and the machine: the counting element and OUT of a channel now.
    uint16_t counter(unsigned ch) const;
    bool out(unsigned ch) const;
    void set_gate(unsigned ch, bool level);

    static uint64_t tick_of_ns(uint64_t ns);
    static uint64_t ns_of_tick(uint64_t tick);  // the first ns at which tick_of_ns() >= tick

private:
    struct Channel {
        uint8_t mode = 0;      // 0-5
        bool bcd = false;
        uint8_t access = 3;    // 1: LSB only, 2: MSB only, 3: LSB then MSB
        uint32_t count = 0;    // N: the initial count in counts (0 written = 65536 / 10000)
        uint16_t count_raw = 0;  // as written (BCD digits in BCD mode)
        bool counting = false;  // a count is loaded (modes 1, 5: and triggered)
        bool armed = false;     // modes 1, 5: a count is written, waiting for a gate edge
        uint64_t start = 0;     // tick at which the counting element held N
        // Modes 2, 3: a count written while counting takes over at the end of the current
        // period (datasheet, modes 2 and 3); until then these describe the running one.
        bool old_valid = false;
        uint64_t old_start = 0;
        uint32_t old_count = 0;
        bool gate = true;
        uint64_t gate_low_tick = 0;
        bool null_count = true;
        bool write_msb_next = false;
        uint8_t write_lsb = 0;
        bool mode0_stopped = false;  // mode 0: first byte of a two-byte count written
        bool read_msb_next = false;
        bool count_latched = false;
        uint16_t latch = 0;
        bool latch_msb_next = false;
        bool status_latched = false;
        uint8_t status = 0;
    };

    uint64_t now_tick() const { return tick_of_ns(clock_.now_ns()); }
    uint32_t modulus(const Channel& c) const { return c.bcd ? 10000 : 65536; }
    uint64_t effective_tick(const Channel& c, uint64_t t) const;
    uint32_t counter_at(const Channel& c, uint64_t t) const;
    bool out_at(const Channel& c, uint64_t t) const;
    uint64_t next_rise_after(const Channel& c, uint64_t t) const;
    uint8_t status_of(const Channel& c, uint64_t t) const;
    void write_control(uint8_t v);
    void write_count(unsigned ch, uint8_t v);
    void load_count(unsigned ch, uint16_t raw);
    uint8_t read_counter(unsigned ch);
    uint16_t encode(const Channel& c, uint32_t v) const;

    const Clock& clock_;
    InterruptLine irq0_;
    Channel ch_[3];
    uint8_t port61_ = 0;        // bits 0-3 as written
    uint64_t irq_checked_tick_ = 0;  // IRQ0 edges up to this tick have been delivered
};

}  // namespace trapeze::devices
