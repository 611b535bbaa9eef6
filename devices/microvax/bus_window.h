// A device register window that can fail to respond, as a bus target on the KA655 can: a
// read through the CQBIC's map to a page that is not local memory, or a Q-bus address that no
// map entry translates. The device records the missing response; the board, which knows the
// CPU, turns it into a machine check (reads) after the access. Devices stay ISA-free.
#pragma once

#include "cpu/physical_memory.h"

namespace trapeze::devices::microvax {

class BusWindow : public cpu::MmioDevice {
public:
    // Whether the last access found no responder (cleared by reading it).
    bool take_no_response() {
        bool b = no_response_;
        no_response_ = false;
        return b;
    }

protected:
    void no_response() { no_response_ = true; }

private:
    bool no_response_ = false;
};

}  // namespace trapeze::devices::microvax
