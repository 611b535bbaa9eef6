// Guest time as devices see it: nanoseconds since the machine was powered on. The machine
// decides what drives it (the instruction count, or the host's monotonic clock); devices
// only read it and compute their state lazily from it (docs/pc-devices.md, "Time").
#pragma once

#include <cstdint>

namespace trapeze::devices {

class Clock {
public:
    static constexpr uint64_t kNever = UINT64_MAX;
    virtual ~Clock() = default;
    virtual uint64_t now_ns() const = 0;
};

// A clock that only moves when told to: for unit tests and for tools that step devices.
class ManualClock : public Clock {
public:
    uint64_t now_ns() const override { return now_; }
    void set(uint64_t ns) { now_ = ns; }
    void advance(uint64_t ns) { now_ += ns; }

private:
    uint64_t now_ = 0;
};

}  // namespace trapeze::devices
