#include "cpu/port_bus.h"

namespace trapeze::cpu {

PortBus::PortBus() : map_(65536, nullptr) {}

void PortBus::add(uint16_t first, uint16_t count, PortDevice* device) {
    for (unsigned i = 0; i < count; ++i) map_[(first + i) & 0xFFFF] = device;
}

uint32_t PortBus::read(uint16_t port, unsigned size) {
    if (PortDevice* d = map_[port]) return d->port_read(port, size);
    // Nothing decodes the port: the data bus floats high, as on a PC.
    uint32_t v = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    if (unclaimed_) unclaimed_(false, port, size, v);
    return v;
}

void PortBus::write(uint16_t port, unsigned size, uint32_t value) {
    if (PortDevice* d = map_[port]) return d->port_write(port, size, value);
    if (unclaimed_) unclaimed_(true, port, size, value);
}

}  // namespace trapeze::cpu
