// Motorola MC146818A real-time clock and CMOS RAM (datasheet ADI0976) at ports 0x70/0x71:
// the index register with the PC's NMI-disable bit 7, the time/calendar and alarm bytes in
// BCD or binary and 12- or 24-hour format, registers A-D (divider and rate select, SET, the
// interrupt enables, the read-to-clear flags, VRT), the update cycle once a second with UIP
// set for the 244 us before it, update-ended, alarm and periodic interrupts on IRQ8, the
// IBM century byte (0x32), and 114 bytes of CMOS RAM.
//
// The time is seconds since the Unix epoch at a chosen machine time (power-on = the -rtc
// base), advanced by the machine Clock; registers are computed when read.
#pragma once

#include <array>
#include <string>
#include <cstdint>

#include "cpu/port_bus.h"
#include "devices/clock.h"
#include "devices/interrupt_line.h"
#include "devices/timed_device.h"

namespace trapeze::devices {

class Rtc146818 : public cpu::PortDevice, public TimedDevice {
public:
    // base_unix_seconds: the time shown at clock time 0.
    Rtc146818(const Clock& clock, InterruptLine irq8, int64_t base_unix_seconds);
    void reset();  // a board reset: clears the interrupt enables and flags, keeps time and RAM
    void attach(cpu::PortBus& bus);  // 0x70-0x71

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    void update() override;
    uint64_t next_event_ns() override;

    uint8_t read_reg(unsigned index);
    void write_reg(unsigned index, uint8_t value);
    // CMOS RAM set-up by the board (memory size, equipment); index 0x0E-0x7F.
    void set_cmos(unsigned index, uint8_t value) { ram_[index & 0x7F] = value; }
    uint8_t cmos(unsigned index) const { return ram_[index & 0x7F]; }
    bool nmi_disabled() const { return nmi_disabled_; }
    int64_t unix_time() const;  // the clock's time now

    // Calendar helpers (proleptic Gregorian, UTC).
    static int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
    static void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d);
    // Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS"; false if malformed.
    static bool parse_date(const std::string& text, int64_t& unix_seconds);

private:
    static constexpr uint64_t kSecond = 1000000000ull;
    static constexpr uint64_t kUipLeadNs = 244000;  // UIP rises 244 us before the update
    bool running() const;                           // divider on and SET clear
    bool binary() const { return ram_[0x0B] & 0x04; }
    bool hours24() const { return ram_[0x0B] & 0x02; }
    uint8_t to_reg(unsigned v) const;
    unsigned from_reg(uint8_t v) const;
    uint8_t hour_to_reg(unsigned h) const;
    unsigned hour_from_reg(uint8_t v) const;
    void store_time_image(int64_t unix_seconds);  // time -> registers 0,2,4,6,7,8,9,0x32
    int64_t image_time() const;                   // registers -> time
    bool alarm_matches(int64_t unix_seconds) const;
    void collect_flags();                         // events up to now -> register C
    void update_irq();
    uint64_t periodic_ticks() const;              // period in 32.768 kHz ticks, 0 = off

    const Clock& clock_;
    InterruptLine irq_;
    std::array<uint8_t, 128> ram_{};
    uint8_t index_ = 0;
    bool nmi_disabled_ = false;
    int64_t epoch_seconds_ = 0;    // the time at epoch_ns_
    uint64_t epoch_ns_ = 0;        // clock time at which epoch_seconds_ began
    uint64_t flags_checked_ns_ = 0;
};

}  // namespace trapeze::devices
