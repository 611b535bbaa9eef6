// The KA655's CMCTL memory controller registers at 0x20080100 (KA655 technical manual,
// "Main Memory Controller"): CMCTL0-15 configure the sixteen 4 MB banks, CMCTL16 is the
// memory error status register, CMCTL17 the control/diagnostic status register.
//
// Configuration register n: <31> address valid and <28:20> bank base address are read/write;
// <5> signature request (write only) makes the controller fill <4:0> of the four registers of
// n's group with each bank's signature: 0x17 (an MS650 ECC bank of 4 MB) where RAM backs the
// bank's default position n * 4 MB, zero where no memory answers. That is how the console ROM
// sizes memory (-m 16..64 gives 4..16 banks). The error register's <31:29> (RDS, second
// RDS, CRD) and <8:7> (DMA, bus error) are write-one-to-clear; no errors are ever latched
// because memory never fails. The control register keeps <13:12>, <10:9>, <7:0>.
// Registers 18 and up do not exist (the window is 18 longwords).
#pragma once

#include <array>
#include <cstdint>

#include "cpu/physical_memory.h"

namespace trapeze::devices::microvax {

class Cmctl : public cpu::MmioDevice {
public:
    static constexpr uint64_t kSize = 18 * 4;
    static constexpr uint32_t kBankBytes = 4u << 20;
    static constexpr uint32_t kValid = 0x80000000, kBaseMask = 0x1FF00000, kSignatureRequest = 0x20,
                              kSignatureMask = 0x1F, kEccBankSignature = 0x17;
    static constexpr uint32_t kErrW1c = 0xE0000180, kCsrMask = 0x36FF;

    explicit Cmctl(uint64_t ram_bytes) : ram_bytes_(ram_bytes) {}
    uint32_t mmio_read(uint64_t offset, unsigned size) override;
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;

private:
    uint64_t ram_bytes_;
    std::array<uint32_t, 18> regs_{};
};

}  // namespace trapeze::devices::microvax
