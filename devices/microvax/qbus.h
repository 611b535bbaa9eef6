// What a Q-bus device sees of the bus it sits on (no ISA): DMA by 22-bit Q-bus address (the
// CQBIC translates through its map to local memory), and an interrupt request at BR4 with a
// vector the device supplies when the processor acknowledges it. The board maps the device's
// CSRs into the Q-bus I/O page and polls its request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace trapeze::devices::microvax {

class QbusDma {
public:
    virtual ~QbusDma() = default;
    // Bytes moved; fewer than asked when a page has no valid map entry or no memory behind it.
    virtual size_t dma_read(uint32_t qbus_address, std::span<uint8_t> out) = 0;
    virtual size_t dma_write(uint32_t qbus_address, std::span<const uint8_t> in) = 0;
};

class QbusInterrupter {
public:
    virtual ~QbusInterrupter() = default;
    virtual bool interrupt_pending() const = 0;
    // Clears the request; returns the Q-bus vector (the KA655 adds 0x200 for the SCB offset).
    virtual uint32_t acknowledge() = 0;
    // BINIT (IORESET, power-up).
    virtual void bus_reset() = 0;
};

}  // namespace trapeze::devices::microvax
