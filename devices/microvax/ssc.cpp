#include "devices/microvax/ssc.h"

namespace trapeze::devices::microvax {

uint32_t Ssc::mmio_read(uint64_t offset, unsigned size) {
    if (is_timer(offset)) {
        uint32_t v = timer_read(offset & ~3ull);
        return v >> (8 * (offset & 3));
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size && offset + i < data_.size(); ++i) v |= uint32_t{data_[offset + i]} << (8 * i);
    return v;
}

void Ssc::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    if (is_timer(offset)) {
        if (size == 4 && (offset & 3) == 0) timer_write(offset, value);
        return;
    }
    for (unsigned i = 0; i < size && offset + i < data_.size(); ++i)
        data_[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

uint32_t Ssc::timer_read(uint64_t offset) const {
    const Timer& t = timers_[(offset - 0x100) / 0x10];
    switch (offset & 0xC) {
    case 0x0: return t.tcr;
    case 0x4: return t.tir;
    case 0x8: return t.tnir;
    default: return t.tivr;
    }
}

void Ssc::timer_write(uint64_t offset, uint32_t value) {
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
