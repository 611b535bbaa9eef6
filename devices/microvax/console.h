// The KA655 console serial line as the CPU sees it: the console internal processor registers
// RXCS (32), RXDB (33), TXCS (34), TXDB (35) of the SSC (KA655 technical manual, "Console
// Serial Line"; VAX ARM, "Console Terminal Registers"). Output goes to a FILE (stdout);
// input comes from bytes queued by the board. Interrupts: receive and transmit at IPL 0x14,
// SCB vectors 0xF8 and 0xFC.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>

namespace trapeze::devices::microvax {

class Console {
public:
    static constexpr unsigned kRxcs = 32, kRxdb = 33, kTxcs = 34, kTxdb = 35;
    static constexpr unsigned kIpl = 0x14;
    static constexpr uint32_t kRxVector = 0xF8, kTxVector = 0xFC;
    static constexpr uint32_t kDone = 0x80, kReady = 0x80, kIe = 0x40;

    explicit Console(std::FILE* out) : out_(out) {}
    bool handles(unsigned ipr) const { return ipr >= kRxcs && ipr <= kTxdb; }
    uint32_t read(unsigned ipr);
    void write(unsigned ipr, uint32_t value);
    bool input_empty() const { return input_.empty(); }
    // Whether the console ROM's prompt ">>>" has been printed (input is held until then).
    bool prompt_seen() const { return prompt_seen_; }
    void queue_input(uint8_t byte) {
        input_.push_back(byte);
        if (rxcs_ie_) rx_int_ = true;
    }

    // Interrupt requests (level kIpl when either is set).
    bool interrupt_pending() const { return rx_int_ || tx_int_; }
    // Acknowledge the highest: returns the SCB vector (receive first).
    uint32_t acknowledge();
    void reset();

private:
    std::FILE* out_;
    std::deque<uint8_t> input_;
    uint32_t rxcs_ie_ = 0, txcs_ie_ = 0;
    bool rx_int_ = false, tx_int_ = false;
    unsigned gt_run_ = 0;
    bool prompt_seen_ = false;
};

}  // namespace trapeze::devices::microvax
