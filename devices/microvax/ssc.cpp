#include "devices/microvax/ssc.h"

#include "devices/microvax/interval_timer.h"

namespace trapeze::devices::microvax {

namespace {
uint32_t lane_mask(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
}  // namespace

uint32_t Ssc::mmio_read(uint64_t offset, unsigned size) {
    if (offset >= kNvramOffset) {
        uint32_t v = 0;
        for (unsigned i = 0; i < size && offset + i < kSize; ++i)
            v |= uint32_t{nvram_[offset - kNvramOffset + i]} << (8 * i);
        return v;
    }
    return (reg_read(offset & ~3ull) >> (8 * (offset & 3))) & lane_mask(size);
}

void Ssc::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    if (offset >= kNvramOffset) {
        for (unsigned i = 0; i < size && offset + i < kSize; ++i) {
            uint8_t& b = nvram_[offset - kNvramOffset + i];
            nvram_dirty_ |= b != static_cast<uint8_t>(value >> (8 * i));
            b = static_cast<uint8_t>(value >> (8 * i));
        }
        return;
    }
    // Byte and word writes merge into the longword (write-one-to-clear bits of the other
    // bytes are written as read, so only bits in the written lanes can be cleared).
    const uint64_t reg = offset & ~3ull;
    const unsigned shift = 8 * (offset & 3);
    const uint32_t mask = lane_mask(size) << shift;
    uint32_t v = value << shift;
    if (mask != 0xFFFFFFFFu) {
        uint32_t old = reg_read(reg);
        const uint32_t w1c = reg == 0x10 ? 0x80000000u : reg == 0x20 ? 0xC0000000u : 0;
        v = (v & mask) | (old & ~mask & ~w1c);
    }
    reg_write(reg, v);
}

uint32_t Ssc::reg_read(uint64_t offset) {
    if (offset >= 0x100 && offset < 0x120) {
        const Timer& t = timers_[(offset - 0x100) / 0x10];
        switch (offset & 0xC) {
        case 0x0: return t.tcr;
        case 0x4: return t.tir;
        case 0x8: return t.tnir;
        default: return t.tivr;
        }
    }
    switch (offset) {
    case 0x00: return base_;
    case 0x10: return cnf_;
    case 0x20: return bto_;
    case 0x30: return otp_;
    case 0x6C: return todr_ ? todr_->read(IntervalTimer::kTodr) : 0;
    case 0x130: return ads_[0];
    case 0x134: return ads_[1];
    case 0x140: return ads_[2];
    case 0x144: return ads_[3];
    default: return 0;
    }
}

void Ssc::reg_write(uint64_t offset, uint32_t value) {
    if (offset >= 0x100 && offset < 0x120) {
        Timer& t = timers_[(offset - 0x100) / 0x10];
        switch (offset & 0xC) {
        case 0x0: {
            uint32_t clear = value & (kInt | kErr);  // write 1 to clear
            t.tcr = (t.tcr & ~clear & (kInt | kErr)) | (value & (kRun | kStp | kIe));
            if (clear & kInt) t.pending = false;
            if (!(t.tcr & kIe)) t.pending = false;
            if (value & kXfr) t.tir = t.tnir;
            if ((value & kSgl) && !(value & kRun)) tick(t, 1);
            break;
        }
        case 0x4: break;  // TIR is read-only
        case 0x8: t.tnir = value; break;
        default: t.tivr = value & 0x3FC; break;
        }
        return;
    }
    switch (offset) {
    case 0x00: base_ = (value & 0x1FFFFC00) | 0x20000000; break;
    case 0x10: cnf_ = ((cnf_ & ~(value & 0x80000000)) & ~0x0BF7F777u) | (value & 0x0BF7F777u); break;
    case 0x20: bto_ = ((bto_ & ~(value & 0xC0000000)) & ~0x00FFFFFFu) | (value & 0x00FFFFFFu); break;
    case 0x30: otp_ = value & 0xF; break;
    case 0x6C:
        if (todr_) todr_->write(IntervalTimer::kTodr, value);
        break;
    case 0x130: ads_[0] = value & 0x3FFFFFFC; break;
    case 0x134: ads_[1] = value & 0x3FFFFFFC; break;
    case 0x140: ads_[2] = value & 0x3FFFFFFC; break;
    case 0x144: ads_[3] = value & 0x3FFFFFFC; break;
    default: break;
    }
}

void Ssc::overflow(Timer& t) {
    t.tir = t.tnir;
    if (t.tcr & kInt) t.tcr |= kErr;
    t.tcr |= kInt;
    if (t.tcr & kIe) t.pending = true;
    if (t.tcr & kStp) t.tcr &= ~kRun;
}

void Ssc::tick(Timer& t, uint64_t n) {
    while (n) {
        uint64_t to_overflow = uint64_t{0x100000000ull} - t.tir;
        if (n < to_overflow) {
            t.tir += static_cast<uint32_t>(n);
            return;
        }
        n -= to_overflow;
        overflow(t);
        if (!(t.tcr & kRun)) return;
    }
}

void Ssc::advance(uint64_t microseconds) {
    for (Timer& t : timers_) {
        if (t.tcr & kRun) tick(t, microseconds);
    }
}

uint32_t Ssc::acknowledge() {
    for (Timer& t : timers_) {
        if (t.pending) {
            t.pending = false;
            return t.tivr;
        }
    }
    return 0;
}

}  // namespace trapeze::devices::microvax
