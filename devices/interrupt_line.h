// Interrupt request lines between devices and an interrupt controller, without any ISA:
// a device drives a numbered input of a controller to a level; the controller decides
// whether that input is edge- or level-sensitive.
#pragma once

namespace trapeze::devices {

class InterruptController {
public:
    virtual ~InterruptController() = default;
    virtual void set_irq(unsigned line, bool level) = 0;
};

// One wire from a device's interrupt output to a controller input. Unconnected lines
// (the default) go nowhere, so a device works stand-alone in tests.
class InterruptLine {
public:
    InterruptLine() = default;
    InterruptLine(InterruptController* controller, unsigned line) : controller_(controller), line_(line) {}
    void set(bool level) {
        level_ = level;
        if (controller_) controller_->set_irq(line_, level);
    }
    // A low-high transition, ending at `final_level`: an edge that an edge-triggered input
    // latches even when the source's level was already high at the last update.
    void pulse(bool final_level = true) {
        set(false);
        set(true);
        if (!final_level) set(false);
    }
    bool level() const { return level_; }

private:
    InterruptController* controller_ = nullptr;
    unsigned line_ = 0;
    bool level_ = false;
};

}  // namespace trapeze::devices
