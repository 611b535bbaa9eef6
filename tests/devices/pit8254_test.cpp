#include <catch2/catch.hpp>

#include "device_test_support.h"
#include "devices/pc/pit8254.h"

using namespace trapeze::devices;

namespace {
struct PitFixture {
    ManualClock clock;
    test::RecordingController pic;
    Pit8254 pit{clock, InterruptLine(&pic, 0)};
    void at_tick(uint64_t t) { clock.set(Pit8254::ns_of_tick(t)); }
    void out(uint16_t port, uint8_t v) { pit.port_write(port, 1, v); }
    uint8_t in(uint16_t port) { return uint8_t(pit.port_read(port, 1)); }
    uint16_t read16(unsigned ch) {
        uint8_t lo = in(uint16_t(0x40 + ch));
        return uint16_t(lo | (in(uint16_t(0x40 + ch)) << 8));
    }
};
}  // namespace

TEST_CASE("tick conversion round-trips", "[pit]") {
    for (uint64_t t : {0ull, 1ull, 2ull, 1193181ull, 1193182ull, 123456789ull}) {
        CHECK(Pit8254::tick_of_ns(Pit8254::ns_of_tick(t)) == t);
        if (t) CHECK(Pit8254::tick_of_ns(Pit8254::ns_of_tick(t) - 1) == t - 1);
    }
}

TEST_CASE("mode 2 counts down from N and reloads; LSB/MSB read order", "[pit]") {
    PitFixture f;
    f.at_tick(1000);
    f.out(0x43, 0x34);  // channel 0, LSB then MSB, mode 2, binary
    f.out(0x40, 100);
    f.out(0x40, 0);
    // The count is loaded on the first CLK after the write (8254 datasheet, mode 2).
    f.at_tick(1001);
    CHECK(f.read16(0) == 100);
    f.at_tick(1001 + 30);
    CHECK(f.read16(0) == 70);
    f.at_tick(1001 + 99);
    CHECK(f.read16(0) == 1);
    CHECK_FALSE(f.pit.out(0));  // OUT low for the one CLK at count 1
    f.at_tick(1001 + 100);
    CHECK(f.read16(0) == 100);
    CHECK(f.pit.out(0));
}

TEST_CASE("counter latch freezes the value until both bytes are read", "[pit]") {
    PitFixture f;
    f.out(0x43, 0x34);
    f.out(0x40, 0x00);
    f.out(0x40, 0x10);  // 0x1000
    f.at_tick(11);
    f.out(0x43, 0x00);  // latch channel 0
    f.at_tick(500);
    CHECK(f.in(0x40) == 0xF6);  // 0x1000 - 10 = 0x0FF6
    f.at_tick(600);
    f.out(0x43, 0x00);  // a second latch before the read completes is ignored
    CHECK(f.in(0x40) == 0x0F);
    // Latch released: live value again.
    CHECK(f.read16(0) == 0x1000 - 599);
}

TEST_CASE("read-back command latches status and count", "[pit]") {
    PitFixture f;
    f.out(0x43, 0xB0);  // channel 2, LSB/MSB, mode 0
    // Status before any count: NULL COUNT set, OUT low (mode 0).
    f.out(0x43, 0xE8);  // read-back: status only (COUNT bit set), counter 2
    CHECK(f.in(0x42) == 0x70);  // OUT=0 NULL=1 RW=11 mode 0 binary
    f.out(0x61, 0x01);  // gate 2 high
    f.out(0x42, 0x34);
    f.out(0x42, 0x12);
    f.at_tick(1);
    f.out(0x43, 0xC8);  // read-back: count and status of counter 2
    f.at_tick(50);
    CHECK(f.in(0x42) == 0x30);  // status first: count loaded, OUT still low
    CHECK(f.read16(2) == 0x1234);
    f.at_tick(1 + 0x1234);
    f.out(0x43, 0xE8);
    CHECK(f.in(0x42) == 0xB0);  // terminal count: OUT high
}

TEST_CASE("mode 0: OUT goes high N+1 clocks after the count is written and stays high", "[pit]") {
    PitFixture f;
    f.at_tick(100);
    f.out(0x43, 0x30);
    CHECK_FALSE(f.pit.out(0));
    f.out(0x40, 10);
    f.out(0x40, 0);
    f.at_tick(100 + 10);
    CHECK_FALSE(f.pit.out(0));
    f.at_tick(100 + 11);
    CHECK(f.pit.out(0));
    f.at_tick(100 + 5000);
    CHECK(f.pit.out(0));
    CHECK(f.read16(0) == uint16_t(10 - 4999));  // keeps counting, wrapping through 0
    // Writing the first byte of a new count sets OUT low at once.
    f.out(0x40, 5);
    CHECK_FALSE(f.pit.out(0));
}

TEST_CASE("mode 1: retriggerable one-shot on channel 2's gate", "[pit]") {
    PitFixture f;
    f.out(0x43, 0xB2);  // channel 2, mode 1
    f.out(0x42, 20);
    f.out(0x42, 0);
    f.out(0x61, 0x00);
    f.at_tick(50);
    CHECK(f.pit.out(2));  // waits for a trigger
    f.out(0x61, 0x01);    // rising gate
    f.at_tick(51);
    CHECK_FALSE(f.pit.out(2));
    CHECK(f.read16(2) == 20);
    f.at_tick(70);
    CHECK_FALSE(f.pit.out(2));
    f.at_tick(71);
    CHECK(f.pit.out(2));
    CHECK((f.in(0x61) & 0x20) != 0);  // OUT2 on port 0x61 bit 5
}

TEST_CASE("mode 3: square wave, high half the longer for odd counts", "[pit]") {
    for (uint32_t n : {10u, 11u}) {
        PitFixture f;
        f.out(0x43, 0x36);
        f.out(0x40, uint8_t(n));
        f.out(0x40, 0);
        unsigned high = 0, low = 0;
        for (uint64_t t = 1; t < 1 + 3 * n; ++t) {
            f.at_tick(t);
            (f.pit.out(0) ? high : low)++;
        }
        CHECK(high == 3 * ((n + 1) / 2));
        CHECK(low == 3 * (n / 2));
        // Counts decrement by two.
        f.at_tick(1);
        uint16_t a = f.read16(0);
        f.at_tick(2);
        uint16_t b = f.read16(0);
        CHECK(a - b == 2);
    }
}

TEST_CASE("modes 4 and 5: one-clock strobe at terminal count", "[pit]") {
    PitFixture f;
    f.out(0x43, 0x38);  // mode 4
    f.out(0x40, 5);
    f.out(0x40, 0);
    for (uint64_t t = 0; t < 20; ++t) {
        f.at_tick(t);
        CHECK(f.pit.out(0) == (t != 6));
    }
    f.out(0x43, 0xBA);  // channel 2, mode 5
    f.out(0x42, 3);
    f.out(0x42, 0);
    f.at_tick(30);
    CHECK(f.pit.out(2));
    f.out(0x61, 1);  // trigger at tick 30: loaded at 31, strobe at 34
    for (uint64_t t = 31; t < 40; ++t) {
        f.at_tick(t);
        CHECK(f.pit.out(2) == (t != 34));
    }
}

TEST_CASE("BCD counting", "[pit]") {
    PitFixture f;
    f.out(0x43, 0x35);  // mode 2, BCD
    f.out(0x40, 0x00);
    f.out(0x40, 0x10);  // 1000 decimal
    f.at_tick(1 + 1);
    CHECK(f.read16(0) == 0x0999);
    f.at_tick(1 + 995);
    CHECK(f.read16(0) == 0x0005);
}

TEST_CASE("gate low suspends mode 2 and forces OUT high; rising gate reloads", "[pit]") {
    PitFixture f;
    f.out(0x61, 1);
    f.out(0x43, 0xB4);  // channel 2 mode 2
    f.out(0x42, 50);
    f.out(0x42, 0);
    f.at_tick(1 + 10);
    f.out(0x61, 0);
    f.at_tick(500);
    CHECK(f.read16(2) == 40);
    CHECK(f.pit.out(2));
    f.out(0x61, 1);
    f.at_tick(501);
    CHECK(f.read16(2) == 50);
}

TEST_CASE("channel 0 rising edges become IRQ0 edges at the scheduled times", "[pit]") {
    PitFixture f;
    f.out(0x43, 0x34);
    f.out(0x40, 0x9C);
    f.out(0x40, 0x2E);  // 11932: ~100 Hz
    // Mode 2's control word sets OUT high: that is one edge already.
    f.pic.rising[0] = 0;
    uint64_t next = f.pit.next_event_ns();
    CHECK(Pit8254::tick_of_ns(next) == 1 + 11932);
    f.clock.set(next - 1);
    f.pit.update();
    CHECK(f.pic.rising[0] == 0);
    f.clock.set(next);
    f.pit.update();
    CHECK(f.pic.rising[0] == 1);
    // Several periods skipped at once give one edge (the PIC latches one request).
    f.at_tick(1 + 11932 * 5 + 7);
    f.pit.update();
    CHECK(f.pic.rising[0] == 2);
    CHECK(Pit8254::tick_of_ns(f.pit.next_event_ns()) == 1 + 11932 * 6);
}

TEST_CASE("port 0x61 refresh bit toggles with time", "[pit]") {
    PitFixture f;
    f.clock.set(0);
    uint8_t a = f.in(0x61) & 0x10;
    f.clock.set(15085);
    uint8_t b = f.in(0x61) & 0x10;
    CHECK(a != b);
}
