#include "devices/microvax/console.h"

namespace trapeze::devices::microvax {

uint32_t Console::read(unsigned ipr) {
    switch (ipr) {
    case kRxcs: return rxcs_ie_ | (input_.empty() ? 0 : kDone);
    case kRxdb: {
        if (input_.empty()) return 0;
        uint32_t c = input_.front();
        input_.pop_front();
        rx_int_ = rxcs_ie_ && !input_.empty();
        return c;
    }
    case kTxcs: return txcs_ie_ | kReady;  // output is immediate: always ready
    case kTxdb: return 0;
    }
    return 0;
}

void Console::write(unsigned ipr, uint32_t value) {
    switch (ipr) {
    case kRxcs: {
        uint32_t ie = value & kIe;
        if (ie && !rxcs_ie_ && !input_.empty()) rx_int_ = true;
        if (!ie) rx_int_ = false;
        rxcs_ie_ = ie;
        break;
    }
    case kTxcs: {
        uint32_t ie = value & kIe;
        if (ie && !txcs_ie_) tx_int_ = true;  // ready and interrupts newly enabled
        if (!ie) tx_int_ = false;
        txcs_ie_ = ie;
        break;
    }
    case kTxdb:
        gt_run_ = (value & 0x7F) == '>' ? gt_run_ + 1 : 0;
        if (gt_run_ >= 3) prompt_seen_ = true;
        if (out_) {
            std::fputc(static_cast<int>(value & 0x7F), out_);
            std::fflush(out_);
        }
        if (txcs_ie_) tx_int_ = true;
        break;
    default: break;
    }
}

uint32_t Console::acknowledge() {
    if (rx_int_) {
        rx_int_ = false;
        return kRxVector;
    }
    if (tx_int_) {
        tx_int_ = false;
        return kTxVector;
    }
    return 0;
}

void Console::reset() {
    rxcs_ie_ = txcs_ie_ = 0;
    rx_int_ = tx_int_ = false;
}

}  // namespace trapeze::devices::microvax
