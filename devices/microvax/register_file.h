// A window of device registers that reads back what was written (longword, word and byte
// accesses), for KA655 system registers whose behaviour is not modelled beyond storage: the
// SSC's registers and battery-backed RAM, CMCTL's CSRs and the CQBIC's registers and Q-bus
// map, as far as the console ROM needs them. Registers with behaviour get their own device.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/physical_memory.h"

namespace trapeze::devices::microvax {

class RegisterFile : public cpu::MmioDevice {
public:
    explicit RegisterFile(uint64_t bytes) : data_(bytes, 0) {}
    uint32_t mmio_read(uint64_t offset, unsigned size) override {
        uint32_t v = 0;
        for (unsigned i = 0; i < size && offset + i < data_.size(); ++i) v |= uint32_t{data_[offset + i]} << (8 * i);
        return v;
    }
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override {
        for (unsigned i = 0; i < size && offset + i < data_.size(); ++i)
            data_[offset + i] = static_cast<uint8_t>(value >> (8 * i));
    }
    uint32_t get32(uint64_t offset) const { return const_cast<RegisterFile*>(this)->mmio_read(offset, 4); }
    void set32(uint64_t offset, uint32_t v) { mmio_write(offset, 4, v); }

private:
    std::vector<uint8_t> data_;
};

}  // namespace trapeze::devices::microvax
