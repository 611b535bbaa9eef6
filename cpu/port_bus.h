// The x86-style I/O port space (64 K ports). ISA-neutral in the sense that it only routes
// numbered ports to devices; devices register the ranges they decode.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace trapeze::cpu {

class PortDevice {
public:
    virtual ~PortDevice() = default;
    // size is 1, 2 or 4; port is the absolute port number.
    virtual uint32_t port_read(uint16_t port, unsigned size) = 0;
    virtual void port_write(uint16_t port, unsigned size, uint32_t value) = 0;
};

class PortBus {
public:
    PortBus();
    void add(uint16_t first, uint16_t count, PortDevice* device);
    uint32_t read(uint16_t port, unsigned size);
    void write(uint16_t port, unsigned size, uint32_t value);

    // Observer for accesses no device claims (QEMU's `-d unimp`): is_write, port, size, value.
    using UnclaimedObserver = std::function<void(bool, uint16_t, unsigned, uint32_t)>;
    void set_unclaimed_observer(UnclaimedObserver fn) { unclaimed_ = std::move(fn); }

private:
    std::vector<PortDevice*> map_;  // one entry per port
    UnclaimedObserver unclaimed_;
};

}  // namespace trapeze::cpu
