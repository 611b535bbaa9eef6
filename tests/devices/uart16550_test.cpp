#include <catch2/catch.hpp>

#include <string>

#include "device_test_support.h"
#include "devices/pc/uart16550.h"

using namespace trapeze::devices;

namespace {
struct UartFixture {
    ManualClock clock;
    test::RecordingController pic;
    std::string sent;
    Uart16550 uart{clock, InterruptLine(&pic, 4), [this](uint8_t b) { sent.push_back(char(b)); }};
    uint8_t in(unsigned r) { return uint8_t(uart.port_read(uint16_t(0x3F8 + r), 1)); }
    void out(unsigned r, uint8_t v) { uart.port_write(uint16_t(0x3F8 + r), 1, v); }
    void init_115200_8n1() {
        out(3, 0x80);
        out(0, 1);
        out(1, 0);
        out(3, 0x03);
    }
};
}  // namespace

TEST_CASE("reset state and scratch register", "[uart]") {
    UartFixture f;
    CHECK(f.in(5) == 0x60);  // THRE and TEMT
    CHECK(f.in(2) == 0x01);  // no interrupt, FIFOs off
    f.out(7, 0x5A);
    CHECK(f.in(7) == 0x5A);
}

TEST_CASE("divisor latch is reached with DLAB and sets the character time", "[uart]") {
    UartFixture f;
    f.init_115200_8n1();
    f.out(3, 0x83);
    CHECK(f.in(0) == 1);
    CHECK(f.in(1) == 0);
    f.out(3, 0x03);
    CHECK(f.uart.char_time_ns() == 10 * 16 * 1000000000ull / 1843200);
}

TEST_CASE("transmitted bytes go to the host and raise THRE", "[uart]") {
    UartFixture f;
    f.init_115200_8n1();
    f.out(0, 'h');
    f.out(0, 'i');
    CHECK(f.sent == "hi");
    CHECK((f.in(5) & 0x60) == 0x60);
}

TEST_CASE("THRE interrupt: raised on enable, cleared by IIR read, re-raised by a write", "[uart]") {
    UartFixture f;
    f.init_115200_8n1();
    f.out(4, 0x08);  // OUT2: the PC's interrupt enable
    f.out(1, 0x02);  // ETBEI with THR empty: interrupt at once
    CHECK(f.pic.level[4]);
    CHECK(f.in(2) == 0x02);
    CHECK_FALSE(f.pic.level[4]);
    CHECK(f.in(2) == 0x01);  // reading IIR cleared it
    f.out(0, 'x');
    CHECK(f.pic.level[4]);
    // Without OUT2 the line to the PIC stays low although IIR shows the interrupt.
    f.out(4, 0x00);
    CHECK_FALSE(f.pic.level[4]);
    CHECK(f.in(2) == 0x02);
}

TEST_CASE("loopback: TX to RX, modem lines looped to MSR, nothing sent", "[uart]") {
    UartFixture f;
    f.init_115200_8n1();
    f.out(4, 0x10 | 0x08 | 0x02);  // LOOP, OUT2, RTS: what Linux's autoconfig does
    CHECK((f.in(6) & 0xF0) == 0x90);  // DCD from OUT2, CTS from RTS
    f.out(0, 0x42);
    CHECK(f.sent.empty());
    CHECK((f.in(5) & 0x01) == 1);
    CHECK(f.in(0) == 0x42);
    CHECK((f.in(5) & 0x01) == 0);
    // Delta bits: changing DTR sets DDSR, cleared by reading MSR.
    f.out(4, 0x10 | 0x01);
    uint8_t msr = f.in(6);
    CHECK((msr & 0x20) != 0);
    CHECK((msr & 0x02) != 0);
    CHECK((f.in(6) & 0x0F) == 0);
}

TEST_CASE("FIFO: receive trigger level, IIR priorities, overrun", "[uart]") {
    UartFixture f;
    f.init_115200_8n1();
    f.out(2, 0x87);  // FIFO on, clear both, trigger 8
    CHECK((f.in(2) & 0xC0) == 0xC0);
    f.out(4, 0x10 | 0x08);  // loopback for injecting bytes
    f.out(1, 0x07);         // RLS, THRE, RDA
    CHECK((f.in(2) & 0x0F) == 0x02);  // THRE pending (priority 3), cleared by this read
    for (int i = 0; i < 7; ++i) f.out(0, uint8_t('a' + i));
    // The last write raised THRE again; 7 < trigger: no data interrupt.
    CHECK((f.in(2) & 0x0F) == 0x02);
    f.out(0, 'h');
    CHECK((f.in(2) & 0x0F) == 0x04);  // received data (priority 2) beats THRE
    for (int i = 0; i < 9; ++i) f.out(0, uint8_t('0' + i));  // 17 bytes: one too many
    CHECK((f.in(2) & 0x0F) == 0x06);  // line status (priority 1): overrun
    uint8_t lsr = f.in(5);
    CHECK((lsr & 0x02) != 0);
    CHECK((f.in(5) & 0x02) == 0);  // cleared by the read
    std::string got;
    while (f.in(5) & 1) got.push_back(char(f.in(0)));
    CHECK(got == "abcdefgh01234567");  // the FIFO kept its 16; the 17th was lost
}

TEST_CASE("character timeout interrupt after four character times", "[uart]") {
    UartFixture f;
    f.init_115200_8n1();
    f.out(2, 0xC1);  // FIFO on, trigger 14
    f.out(4, 0x08);
    f.out(1, 0x01);
    const uint8_t data[] = {'o', 'k'};
    f.uart.receive(data, 2);
    f.uart.update();
    uint64_t ct = f.uart.char_time_ns();
    // Host bytes arrive one character time apart.
    CHECK((f.in(5) & 1) == 1);
    f.clock.advance(ct);
    f.uart.update();
    CHECK(f.uart.host_queue_size() == 0);
    CHECK((f.in(2) & 0x0F) == 0x01);
    uint64_t due = f.uart.next_event_ns();
    CHECK(due == f.clock.now_ns() + 4 * ct);
    f.clock.set(due);
    f.uart.update();
    CHECK(f.pic.level[4]);
    CHECK((f.in(2) & 0x0F) == 0x0C);
    CHECK(f.in(0) == 'o');  // reading RBR clears the timeout
    CHECK((f.in(2) & 0x0F) == 0x01);
    CHECK(f.in(0) == 'k');
}

TEST_CASE("modem status interrupt has the lowest priority", "[uart]") {
    UartFixture f;
    f.out(4, 0x10 | 0x08);
    f.out(1, 0x0A);  // modem status + THRE
    f.out(4, 0x10 | 0x08 | 0x02);  // RTS -> CTS changes: DCTS
    CHECK((f.in(2) & 0x0F) == 0x02);  // THRE first
    CHECK((f.in(2) & 0x0F) == 0x00);  // then modem status
    f.in(6);
    CHECK((f.in(2) & 0x0F) == 0x01);
}
