// National Semiconductor NS16550A UART (datasheet, June 1995) as COM1 at 0x3F8/IRQ4:
// receiver and transmitter FIFOs (16 bytes) with the four receive trigger levels, the
// interrupt identification priorities (line status > received data / character timeout >
// THR empty > modem status) including the THRE interrupt's clear-on-IIR-read rule, the line
// status register with overrun, modem control with loopback, the modem status deltas, the
// divisor latch and the scratch register.
//
// Transmission is instantaneous: a byte written to THR goes to the output callback at once
// and THR/TSR are empty again. Received bytes come from a host queue and enter the receiver
// one character time apart (from the divisor and the line format), only while there is
// room: the host never overruns the guest. The character timeout interrupt fires four
// character times after the last receiver activity.
// On the PC board the INTR output reaches the PIC only while MCR.OUT2 is set.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "cpu/port_bus.h"
#include "devices/clock.h"
#include "devices/interrupt_line.h"
#include "devices/timed_device.h"

namespace trapeze::devices {

class Uart16550 : public cpu::PortDevice, public TimedDevice {
public:
    using Output = std::function<void(uint8_t)>;

    Uart16550(const Clock& clock, InterruptLine irq, Output out)
        : clock_(clock), irq_(irq), out_(std::move(out)) { reset(); }
    void reset();
    void attach(cpu::PortBus& bus, uint16_t base);

    // Host side: bytes the guest will receive.
    void receive(const uint8_t* data, size_t n);
    size_t host_queue_size() const { return host_rx_.size(); }

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    void update() override;
    uint64_t next_event_ns() override;

    // Register offsets.
    enum : unsigned { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
    uint8_t read_reg(unsigned offset);
    void write_reg(unsigned offset, uint8_t value);
    bool irq_level() const { return irq_.level(); }
    uint64_t char_time_ns() const;

private:
    static constexpr unsigned kFifoSize = 16;
    void deliver_host_bytes();         // move host bytes whose arrival time has come
    void receive_char(uint8_t b);      // a character arrives in the receiver
    uint8_t interrupt_id();            // IIR bits 3-0 (without the FIFO bits)
    bool timeout_pending() const;
    void update_irq();
    void set_msr_inputs(uint8_t inputs);  // DCD RI DSR CTS (bits 7-4)
    unsigned rx_trigger() const;
    unsigned rx_capacity() const { return fifo_enabled_ ? kFifoSize : 1; }

    const Clock& clock_;
    InterruptLine irq_;
    Output out_;

    std::deque<uint8_t> rx_fifo_;
    std::deque<uint8_t> host_rx_;
    uint64_t next_host_rx_ns_ = 0;  // earliest arrival of the next host byte
    uint64_t rx_activity_ns_ = 0;   // last character received or read (timeout reference)
    uint16_t divisor_ = 12;         // 9600 baud
    uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, lsr_ = 0, msr_ = 0, scr_ = 0, fcr_ = 0;
    bool fifo_enabled_ = false;
    bool thr_interrupt_ = false;    // THRE interrupt pending (cleared by IIR read / THR write)
};

}  // namespace trapeze::devices
