#include "devices/microvax/ka655_cache.h"

#include <bit>

namespace trapeze::devices::microvax {

namespace {
uint32_t lane_mask(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
// Parity bit that makes the byte plus the bit even (odd = false) or odd (odd = true).
uint32_t parity(uint32_t byte, bool odd) { return ((std::popcount(byte & 0xFF) & 1) != 0) != odd ? 1 : 0; }
}  // namespace

uint32_t Ka655Cache::mmio_read(uint64_t offset, unsigned size) {
    uint32_t v = (offset >> 2) == 0 ? cacr_ : (offset >> 2) == 1 ? bdr_ : 0;
    return (v >> (8 * (offset & 3))) & lane_mask(size);
}

void Ka655Cache::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    (void)size;
    if (offset != 0) return;  // CACR's low byte only; BDR is read-only (switches)
    cacr_ = (cacr_ & ~(value & 0x20)) | 0x40;
    cacr_ = (cacr_ & ~0x17u) | (value & 0x17u);
}

uint32_t Ka655Cache::Diag::mmio_read(uint64_t offset, unsigned size) {
    const uint32_t t = c.data_[(offset & 0xFFFF) >> 2];
    c.cacr_ = (c.cacr_ & ~0x0FFFFF00u) | (parity(t >> 24, true) << 27) | (parity(t >> 16, false) << 26) |
              (parity(t >> 8, true) << 25) | (parity(t, false) << 24);
    return (t >> (8 * (offset & 3))) & lane_mask(size);
}

void Ka655Cache::Diag::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    uint32_t& t = c.data_[(offset & 0xFFFF) >> 2];
    const unsigned shift = 8 * (offset & 3);
    const uint32_t mask = lane_mask(size) << shift;
    t = (t & ~mask) | ((value << shift) & mask);
}

}  // namespace trapeze::devices::microvax
