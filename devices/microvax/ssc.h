// The KA655's system support chip (SSC) as a memory-mapped window at 0x20140000 (2 KB; KA655
// technical manual, "System Support Chip"):
//
//   +0x000  SSC base address (<29:10> read/write, <29> reads one)
//   +0x010  configuration: <31> battery low (write one to clear), <27>, <25:24>, <23:16>, <15>
//           halt on console BREAK (CTRL/P), <14:12>/<10:8> baud rates, <6:4>/<2:0> read/write
//   +0x020  CDAL bus timeout control: <31> bus timeout, <30> it was a read/write (both write
//           one to clear), <23:0> the time-out interval
//   +0x030  output port <3:0> (the self-test LEDs)
//   +0x06C  TODR (the same register as IPR 27)
//   +0x100  programmable timers 0 and 1: TCR, TIR, TNIR, TIVR (16 bytes each)
//   +0x130, +0x134, +0x140, +0x144  address strobe match and mask registers (<29:2>)
//   +0x400  1 KB battery-backed RAM (the console program's data: keep it across runs with
//           --nvram FILE)
//
// Timers count microseconds of guest time and interrupt at IPL 0x14 through the vector in TIVR.
// TCR bits: <0> RUN, <2> STP (stop after overflow), <4> XFR (load TIR from TNIR, self-clearing),
// <5> SGL (count one), <6> IE, <7> INT (write 1 to clear), <31> ERR (write 1 to clear; set when
// an overflow finds INT still set).
//
// bus_timeout() records a CDAL bus access that no device answered (the board calls it for
// reads and writes of non-existent local register space and memory).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/physical_memory.h"
#include "devices/microvax/bus_window.h"

namespace trapeze::devices::microvax {

class IntervalTimer;

class Ssc : public cpu::MmioDevice {
public:
    static constexpr uint64_t kSize = 0x800;
    static constexpr uint64_t kNvramOffset = 0x400, kNvramSize = 0x400;
    static constexpr unsigned kTimerIpl = 0x14;
    static constexpr uint32_t kBtoTimeout = 0x80000000, kBtoReadWrite = 0x40000000;

    // todr: the interval timer whose TODR the SSC's TODR window shows (may be null).
    explicit Ssc(IntervalTimer* todr = nullptr) : nvram_(kNvramSize, 0), todr_(todr) {}
    uint32_t mmio_read(uint64_t offset, unsigned size) override;
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
    void advance(uint64_t microseconds);
    bool interrupt_pending() const { return timers_[0].pending || timers_[1].pending; }
    uint32_t acknowledge();  // the vector (TIVR) of the first pending timer
    void bus_timeout(bool register_space) { bto_ |= kBtoTimeout | (register_space ? kBtoReadWrite : 0); }

    // Battery-backed RAM contents (--nvram), and whether the guest wrote it since the last
    // take_nvram_dirty().
    std::vector<uint8_t>& nvram() { return nvram_; }
    bool take_nvram_dirty() {
        bool d = nvram_dirty_;
        nvram_dirty_ = false;
        return d;
    }

private:
    struct Timer {
        uint32_t tcr = 0, tir = 0, tnir = 0, tivr = 0;
        bool pending = false;
    };
    static constexpr uint32_t kRun = 1, kStp = 4, kXfr = 0x10, kSgl = 0x20, kIe = 0x40, kInt = 0x80,
                              kErr = 0x80000000;
    uint32_t reg_read(uint64_t offset);
    void reg_write(uint64_t offset, uint32_t value);
    void tick(Timer& t, uint64_t n);
    void overflow(Timer& t);

    std::vector<uint8_t> nvram_;
    bool nvram_dirty_ = false;
    IntervalTimer* todr_;
    std::array<Timer, 2> timers_{};
    uint32_t base_ = 0x20140000, cnf_ = 0, bto_ = 0, otp_ = 0;
    std::array<uint32_t, 4> ads_{};
};

// Local register space and memory that no device answers: a bus timeout in the SSC and no
// response (a machine check on reads).
class NonexistentSpace : public BusWindow {
public:
    explicit NonexistentSpace(Ssc& ssc) : ssc_(ssc) {}
    uint32_t mmio_read(uint64_t, unsigned) override {
        ssc_.bus_timeout(true);
        no_response();
        return 0;
    }
    void mmio_write(uint64_t, unsigned, uint32_t) override {
        ssc_.bus_timeout(true);
        no_response();
    }

private:
    Ssc& ssc_;
};

}  // namespace trapeze::devices::microvax
