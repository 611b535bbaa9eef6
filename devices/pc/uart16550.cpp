#include "devices/pc/uart16550.h"

#include <algorithm>

namespace trapeze::devices {

namespace {
constexpr uint8_t LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10,
                  LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_FIFO_ERR = 0x80;
constexpr uint8_t IER_RDA = 0x01, IER_THRE = 0x02, IER_RLS = 0x04, IER_MS = 0x08;
constexpr uint8_t MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
// With a host on the line, the modem inputs say: carrier, data set ready, clear to send.
constexpr uint8_t kHostModemInputs = 0x80 | 0x20 | 0x10;
}  // namespace

void Uart16550::reset() {
    // Master reset values (datasheet Table IV): IER, IIR=1, FCR, LCR, MCR = 0, LSR = 0x60.
    rx_fifo_.clear();
    ier_ = lcr_ = mcr_ = scr_ = fcr_ = 0;
    lsr_ = LSR_THRE | LSR_TEMT;
    fifo_enabled_ = false;
    thr_interrupt_ = false;
    divisor_ = 12;
    msr_ = 0;
    set_msr_inputs(kHostModemInputs);
    msr_ &= 0xF0;  // no deltas at power-on
    rx_activity_ns_ = clock_.now_ns();
    next_host_rx_ns_ = rx_activity_ns_;
    irq_.set(false);
}

void Uart16550::attach(cpu::PortBus& bus, uint16_t base) { bus.add(base, 8, this); }

uint64_t Uart16550::char_time_ns() const {
    // One start bit, 5-8 data bits, optional parity, 1 or 2 stop bits, at 1.8432 MHz / 16
    // / divisor.
    unsigned bits = 1 + 5 + (lcr_ & 3) + ((lcr_ & 0x08) ? 1 : 0) + ((lcr_ & 0x04) ? 2 : 1);
    uint64_t div = divisor_ ? divisor_ : 65536;
    return bits * div * 16 * 1000000000ull / 1843200;
}

unsigned Uart16550::rx_trigger() const {
    static const unsigned levels[4] = {1, 4, 8, 14};
    return fifo_enabled_ ? levels[fcr_ >> 6] : 1;
}

void Uart16550::set_msr_inputs(uint8_t inputs) {
    uint8_t old = msr_ & 0xF0;
    uint8_t changed = old ^ inputs;
    uint8_t delta = msr_ & 0x0F;
    if (changed & 0x10) delta |= 0x01;                      // DCTS
    if (changed & 0x20) delta |= 0x02;                      // DDSR
    if ((old & 0x40) && !(inputs & 0x40)) delta |= 0x04;    // TERI: RI went inactive
    if (changed & 0x80) delta |= 0x08;                      // DDCD
    msr_ = uint8_t(inputs | delta);
}

void Uart16550::receive(const uint8_t* data, size_t n) {
    host_rx_.insert(host_rx_.end(), data, data + n);
    reschedule();
}

void Uart16550::receive_char(uint8_t b) {
    if (rx_fifo_.size() >= rx_capacity()) {
        // Overrun: the character in the shift register is lost; the FIFO is kept
        // (datasheet, LSR bit 1).
        lsr_ |= LSR_OE;
    } else {
        rx_fifo_.push_back(b);
    }
    lsr_ |= LSR_DR;
    rx_activity_ns_ = clock_.now_ns();
}

void Uart16550::deliver_host_bytes() {
    if (mcr_ & MCR_LOOP) return;  // in loopback the serial input is disconnected
    uint64_t now = clock_.now_ns();
    uint64_t ct = char_time_ns();
    while (!host_rx_.empty() && next_host_rx_ns_ <= now && rx_fifo_.size() < rx_capacity()) {
        receive_char(host_rx_.front());
        host_rx_.pop_front();
        next_host_rx_ns_ = std::max(next_host_rx_ns_ + ct, now);
    }
    if (host_rx_.empty() || rx_fifo_.size() >= rx_capacity())
        next_host_rx_ns_ = std::max(next_host_rx_ns_, now);  // no backlog credit while idle
}

bool Uart16550::timeout_pending() const {
    // Character timeout (FIFO mode): data in the FIFO, nothing received or read for four
    // character times (datasheet, "FIFO Interrupt Mode Operation").
    return fifo_enabled_ && !rx_fifo_.empty() && clock_.now_ns() >= rx_activity_ns_ + 4 * char_time_ns();
}

uint8_t Uart16550::interrupt_id() {
    if ((ier_ & IER_RLS) && (lsr_ & (LSR_OE | LSR_PE | LSR_FE | LSR_BI))) return 0x06;
    if (ier_ & IER_RDA) {
        if (!rx_fifo_.empty() && rx_fifo_.size() >= rx_trigger()) return 0x04;
        if (timeout_pending()) return 0x0C;
    }
    if ((ier_ & IER_THRE) && thr_interrupt_) return 0x02;
    if ((ier_ & IER_MS) && (msr_ & 0x0F)) return 0x00;
    return 0x01;
}

void Uart16550::update_irq() {
    // The PC routes INTR through a driver enabled by OUT2; in loopback OUT2 is internal and
    // the pin is inactive (datasheet, MCR bit 4), so no interrupt reaches the PIC.
    bool intr = interrupt_id() != 0x01;
    irq_.set(intr && (mcr_ & MCR_OUT2) && !(mcr_ & MCR_LOOP));
}

uint8_t Uart16550::read_reg(unsigned off) {
    deliver_host_bytes();
    uint8_t v = 0;
    switch (off) {
    case RBR:
        if (lcr_ & 0x80) {
            v = uint8_t(divisor_);
            break;
        }
        if (!rx_fifo_.empty()) {
            v = rx_fifo_.front();
            rx_fifo_.pop_front();
        }
        if (rx_fifo_.empty()) lsr_ &= uint8_t(~LSR_DR);
        rx_activity_ns_ = clock_.now_ns();
        deliver_host_bytes();
        break;
    case IER: v = (lcr_ & 0x80) ? uint8_t(divisor_ >> 8) : ier_; break;
    case IIR: {
        uint8_t id = interrupt_id();
        // Reading IIR while it shows the THRE interrupt clears it (datasheet Table V).
        if (id == 0x02) thr_interrupt_ = false;
        v = uint8_t(id | (fifo_enabled_ ? 0xC0 : 0));
        break;
    }
    case LCR: v = lcr_; break;
    case MCR: v = mcr_; break;
    case LSR:
        v = lsr_;
        if (fifo_enabled_ && (lsr_ & (LSR_PE | LSR_FE | LSR_BI))) v |= LSR_FIFO_ERR;
        lsr_ &= uint8_t(~(LSR_OE | LSR_PE | LSR_FE | LSR_BI));  // cleared by reading LSR
        break;
    case MSR:
        v = msr_;
        msr_ &= 0xF0;  // deltas cleared by reading MSR
        break;
    case SCR: v = scr_; break;
    }
    update_irq();
    return v;
}

void Uart16550::write_reg(unsigned off, uint8_t v) {
    deliver_host_bytes();
    switch (off) {
    case THR:
        if (lcr_ & 0x80) {
            divisor_ = uint16_t((divisor_ & 0xFF00) | v);
            break;
        }
        thr_interrupt_ = false;
        if (mcr_ & MCR_LOOP) receive_char(v);  // loopback: TX feeds RX internally
        else if (out_) out_(v);
        // Sent at once: THR and the shift register are empty again, which raises THRE.
        lsr_ |= LSR_THRE | LSR_TEMT;
        thr_interrupt_ = true;
        break;
    case IER:
        if (lcr_ & 0x80) {
            divisor_ = uint16_t((divisor_ & 0x00FF) | (v << 8));
            break;
        }
        {
            uint8_t old = ier_;
            ier_ = v & 0x0F;
            // Enabling the THRE interrupt while THR is empty raises it at once (as on
            // National's parts; Linux's 8250 driver probes for it, and Bochs and QEMU do it
            // on the rising edge of IER bit 1).
            if ((ier_ & IER_THRE) && !(old & IER_THRE)) thr_interrupt_ = (lsr_ & LSR_THRE) != 0;
        }
        break;
    case FCR: {
        bool enable = v & 1;
        if (enable != fifo_enabled_) {
            rx_fifo_.clear();  // changing FCR0 clears both FIFOs
            lsr_ &= uint8_t(~LSR_DR);
        }
        fifo_enabled_ = enable;
        if (enable) {
            if (v & 0x02) {
                rx_fifo_.clear();
                lsr_ &= uint8_t(~LSR_DR);
            }
            // bit 2 clears the (always empty) transmit FIFO
            fcr_ = v & 0xC9;
        } else {
            fcr_ = 0;
        }
        break;
    }
    case LCR: {
        bool changed_format = (lcr_ ^ v) & 0x3F;
        lcr_ = v;
        if (changed_format) reschedule();
        break;
    }
    case MCR: {
        bool was_loop = mcr_ & MCR_LOOP;
        mcr_ = v & 0x1F;
        if (mcr_ & MCR_LOOP) {
            // Loopback: CTS<-RTS, DSR<-DTR, RI<-OUT1, DCD<-OUT2 (datasheet, MCR bit 4).
            uint8_t in = uint8_t(((mcr_ & MCR_RTS) ? 0x10 : 0) | ((mcr_ & MCR_DTR) ? 0x20 : 0) |
                                 ((mcr_ & MCR_OUT1) ? 0x40 : 0) | ((mcr_ & MCR_OUT2) ? 0x80 : 0));
            set_msr_inputs(in);
        } else if (was_loop) {
            set_msr_inputs(kHostModemInputs);
        }
        if (was_loop != bool(mcr_ & MCR_LOOP)) reschedule();
        break;
    }
    case LSR: break;  // factory test only
    case MSR: break;
    case SCR: scr_ = v; break;
    }
    update_irq();
}

uint32_t Uart16550::port_read(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint32_t(read_reg((port + i) & 7)) << (8 * i);
    return v;
}

void Uart16550::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size; ++i) write_reg((port + i) & 7, uint8_t(value >> (8 * i)));
}

void Uart16550::update() {
    deliver_host_bytes();
    update_irq();
}

uint64_t Uart16550::next_event_ns() {
    uint64_t next = Clock::kNever;
    if (!host_rx_.empty() && !(mcr_ & MCR_LOOP) && rx_fifo_.size() < rx_capacity()) next = next_host_rx_ns_;
    if ((ier_ & IER_RDA) && fifo_enabled_ && !rx_fifo_.empty() && rx_fifo_.size() < rx_trigger()) {
        uint64_t t = rx_activity_ns_ + 4 * char_time_ns();
        if (t > clock_.now_ns()) next = std::min(next, t);  // a past timeout was seen by update()
    }
    return next;
}

}  // namespace trapeze::devices
