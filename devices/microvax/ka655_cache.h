// The KA655's second-level cache as the console ROM's diagnostics see it (KA655 technical
// manual, "Cache Memory"): the cache control register CACR and the boot and diagnostic
// register BDR at 0x20084000, and the cache diagnostic space at 0x10000000 (64 MB: address
// <15:2> selects one of the 16K data longwords, <25:16> is a tag the model does not keep).
// The cache holds no data on the emulator's memory path: main memory is always coherent.
//
// CACR: <4> enable, <2> disable parity, <1> write wrong parity, <0> diagnostic mode are
// read/write (low byte only); <5> parity error is write-one-to-clear; <6> reads as one;
// <27:24> are the byte parities of the last diagnostic-space read (even for bytes 0 and 2,
// odd for 1 and 3). BDR<7> is the halt/break enable switch (on: a console BREAK halts).
#pragma once

#include <array>
#include <cstdint>

#include "cpu/physical_memory.h"

namespace trapeze::devices::microvax {

class Ka655Cache : public cpu::MmioDevice {
public:
    static constexpr uint64_t kRegBase = 0x20084000, kRegSize = 8;
    static constexpr uint64_t kDiagBase = 0x10000000, kDiagSize = 0x4000000;
    static constexpr uint32_t kBdrHaltEnable = 0x80;

    // The registers at kRegBase.
    uint32_t mmio_read(uint64_t offset, unsigned size) override;
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
    cpu::MmioDevice& diagnostic_space() { return diag_; }

private:
    struct Diag : cpu::MmioDevice {
        explicit Diag(Ka655Cache& c) : c(c) {}
        uint32_t mmio_read(uint64_t offset, unsigned size) override;
        void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
        Ka655Cache& c;
    };
    Diag diag_{*this};
    uint32_t cacr_ = 0, bdr_ = kBdrHaltEnable;
    std::array<uint32_t, 0x4000> data_{};
};

}  // namespace trapeze::devices::microvax
