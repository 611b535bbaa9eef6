#include "devices/microvax/cmctl.h"

namespace trapeze::devices::microvax {

uint32_t Cmctl::mmio_read(uint64_t offset, unsigned size) {
    unsigned n = static_cast<unsigned>(offset >> 2);
    if (n >= regs_.size()) return 0;
    uint32_t v = regs_[n];
    if (n < 16) v &= kValid | kBaseMask | kSignatureMask;
    else if (n == 17) v &= kCsrMask;
    v >>= 8 * (offset & 3);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

void Cmctl::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    unsigned n = static_cast<unsigned>(offset >> 2);
    if (n >= regs_.size()) return;
    const unsigned shift = 8 * (offset & 3);
    const uint32_t mask = (size == 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1)) << shift;
    value <<= shift;
    if (n == 16) {  // error status: write one to clear
        regs_[n] &= ~(value & mask & kErrW1c);
        return;
    }
    const uint32_t merged = (regs_[n] & ~mask) | (value & mask);
    if (n == 17) {
        regs_[n] = merged & kCsrMask;
        return;
    }
    if (value & mask & kSignatureRequest) {
        for (unsigned i = n & ~3u; i < (n & ~3u) + 4; ++i) {
            regs_[i] &= ~kSignatureMask;
            if (uint64_t{i} * kBankBytes < ram_bytes_) regs_[i] |= kEccBankSignature;
        }
    }
    regs_[n] = (regs_[n] & ~(kValid | kBaseMask)) | (merged & (kValid | kBaseMask));
}

}  // namespace trapeze::devices::microvax
