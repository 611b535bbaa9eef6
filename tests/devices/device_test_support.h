// Helpers for device tests: an interrupt controller that records line levels and edges.
#pragma once

#include <array>

#include "devices/interrupt_line.h"

namespace trapeze::devices::test {

struct RecordingController : InterruptController {
    std::array<bool, 16> level{};
    std::array<unsigned, 16> rising{};
    void set_irq(unsigned line, bool l) override {
        if (l && !level[line]) ++rising[line];
        level[line] = l;
    }
};

}  // namespace trapeze::devices::test
