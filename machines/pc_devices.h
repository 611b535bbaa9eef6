// The pc board's devices and its guest clock: definitions PcMachine's members need to be
// complete (included by pc.cpp and pc_devices.cpp only).
#pragma once

#include <chrono>

#include "devices/clock.h"
#include "devices/pc/i8042.h"
#include "devices/pc/pic8259_pair.h"
#include "devices/pc/pit8254.h"
#include "devices/pc/post_code_port.h"
#include "devices/pc/rtc146818.h"
#include "devices/pc/system_control_port_a.h"
#include "devices/pc/uart16550.h"
#include "isa/x86/cpu.h"
#include "machines/pc.h"

namespace trapeze::machines {

// Guest time. With icount (shift >= 0) it is the instruction count times 2^shift ns, so a
// run is a pure function of its inputs; idle time (HLT) is skipped, i.e. counted as
// instructions that were never executed. With shift < 0 it is the host's monotonic clock
// since power-on (interactive use; not reproducible).
class PcMachine::MachineClock : public devices::Clock {
public:
    MachineClock(const x86::X86Cpu& cpu, int shift)
        : cpu_(cpu), shift_(shift), start_(std::chrono::steady_clock::now()) {}
    uint64_t now_ns() const override {
        if (shift_ >= 0) return cpu_.instructions() << shift_;
        return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - start_).count());
    }
    bool virtual_time() const { return shift_ >= 0; }
    int shift() const { return shift_; }
    // Virtual time: the instruction count at which now_ns() reaches ns.
    uint64_t instruction_at(uint64_t ns) const {
        uint64_t unit = 1ull << shift_;
        return ns / unit + (ns % unit != 0);
    }

private:
    const x86::X86Cpu& cpu_;
    int shift_;
    std::chrono::steady_clock::time_point start_;
};

// The CPU's INTR/INTA as the PIC pair answers them (devices know no ISA): the pair's INT
// output is wired to the CPU's INTR pin (input 0 of this controller), and INTA asks the pair
// for the vector.
class PcMachine::PicInterruptSource : public x86::InterruptSource, public devices::InterruptController {
public:
    PicInterruptSource(devices::Pic8259Pair& pic, x86::X86Cpu& cpu) : pic_(pic), cpu_(cpu) {
        cpu_.set_interrupt_source(this, true);
        pic_.connect_intr(devices::InterruptLine(this, 0));
    }
    bool interrupt_pending() override { return pic_.interrupt_pending(); }
    uint8_t acknowledge_interrupt() override { return pic_.acknowledge_interrupt(); }
    void set_irq(unsigned, bool level) override { cpu_.set_intr(level); }

private:
    devices::Pic8259Pair& pic_;
    x86::X86Cpu& cpu_;
};

}  // namespace trapeze::machines
