#include "devices/microvax/interval_timer.h"

namespace trapeze::devices::microvax {

uint32_t IntervalTimer::read(unsigned ipr) const {
    switch (ipr) {
    case kIccs: return iccs_;
    case kTodr: return todr_;
    default: return 0;  // NICR/ICR are not implemented by the CVAX: read as zero
    }
}

void IntervalTimer::write(unsigned ipr, uint32_t value) {
    switch (ipr) {
    case kIccs:
        iccs_ = value & kIe;
        if (value & kInt) pending_ = false;  // writing <7> clears a request
        if (!(iccs_ & kIe)) pending_ = false;
        break;
    case kTodr: todr_ = value; break;
    default: break;
    }
}

void IntervalTimer::advance(uint64_t instructions) {
    count_ += instructions;
    while (count_ >= instructions_per_tick) {
        count_ -= instructions_per_tick;
        if (todr_) ++todr_;
        if (iccs_ & kIe) pending_ = true;
    }
}

}  // namespace trapeze::devices::microvax
