// A device whose outputs change with time (timers, clocks, serial lines). Its registers are
// computed lazily from the Clock when the guest reads them; only its interrupt outputs need
// the machine's help: the machine asks for the next time an output may change, runs the CPU
// no further than that, then calls update() (docs/pc-devices.md, "Time").
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "devices/clock.h"

namespace trapeze::devices {

class TimedDevice {
public:
    virtual ~TimedDevice() = default;
    // Brings the interrupt outputs up to date with the clock.
    virtual void update() = 0;
    // The earliest clock time (ns) at which update() may have something to do; Clock::kNever
    // when nothing is scheduled. May be in the past (then update() is due now).
    virtual uint64_t next_event_ns() = 0;
    // Called when guest programming moved the next event (e.g. a new PIT count), so that a
    // machine running the CPU in slices can end the current slice early.
    void set_reschedule_observer(std::function<void()> fn) { reschedule_ = std::move(fn); }

protected:
    void reschedule() {
        if (reschedule_) reschedule_();
    }

private:
    std::function<void()> reschedule_;
};

}  // namespace trapeze::devices
