#include <catch2/catch.hpp>

#include "device_test_support.h"
#include "devices/pc/rtc146818.h"

using namespace trapeze::devices;

namespace {
constexpr uint64_t kSec = 1000000000ull;
struct RtcFixture {
    ManualClock clock;
    test::RecordingController pic;
    int64_t base;
    Rtc146818 rtc;
    explicit RtcFixture(const char* date = "2026-01-01T23:59:58")
        : base(parse(date)), rtc(clock, InterruptLine(&pic, 8), base) {}
    static int64_t parse(const char* d) {
        int64_t t = 0;
        REQUIRE(Rtc146818::parse_date(d, t));
        return t;
    }
    uint8_t reg(unsigned i) {
        rtc.port_write(0x70, 1, i);
        return uint8_t(rtc.port_read(0x71, 1));
    }
    void set(unsigned i, uint8_t v) {
        rtc.port_write(0x70, 1, i);
        rtc.port_write(0x71, 1, v);
    }
};
}  // namespace

TEST_CASE("date parsing and calendar", "[rtc]") {
    int64_t t = 0;
    CHECK(Rtc146818::parse_date("1970-01-01T00:00:00", t));
    CHECK(t == 0);
    CHECK(Rtc146818::parse_date("2026-01-01", t));
    CHECK(t == 1767225600);
    CHECK_FALSE(Rtc146818::parse_date("2026-13-01", t));
    CHECK_FALSE(Rtc146818::parse_date("yesterday", t));
}

TEST_CASE("time registers in BCD and 24-hour mode, rolling over at midnight", "[rtc]") {
    RtcFixture f;
    CHECK(f.reg(0) == 0x58);
    CHECK(f.reg(2) == 0x59);
    CHECK(f.reg(4) == 0x23);
    CHECK(f.reg(7) == 0x01);
    CHECK(f.reg(8) == 0x01);
    CHECK(f.reg(9) == 0x26);
    CHECK(f.reg(0x32) == 0x20);
    CHECK(f.reg(6) == 5);  // 2026-01-01 is a Thursday (1 = Sunday)
    f.clock.set(2 * kSec);
    CHECK(f.reg(0) == 0x00);
    CHECK(f.reg(4) == 0x00);
    CHECK(f.reg(7) == 0x02);
}

TEST_CASE("binary and 12-hour formats", "[rtc]") {
    RtcFixture f("2026-06-15T13:05:09");
    f.set(0x0B, 0x04);  // binary, 12-hour
    CHECK(f.reg(0) == 9);
    CHECK(f.reg(4) == (0x80 | 1));  // 1 PM
    CHECK(f.reg(8) == 6);
}

TEST_CASE("UIP is set in the 244 us before each update", "[rtc]") {
    RtcFixture f;
    f.clock.set(kSec - 245000);
    CHECK((f.reg(0x0A) & 0x80) == 0);
    f.clock.set(kSec - 244000);
    CHECK((f.reg(0x0A) & 0x80) != 0);
    CHECK(f.reg(0) == 0x58);  // not yet updated
    f.clock.set(kSec);
    CHECK((f.reg(0x0A) & 0x80) == 0);
    CHECK(f.reg(0) == 0x59);
}

TEST_CASE("SET stops updates; clearing it restarts from the written time", "[rtc]") {
    RtcFixture f;
    f.set(0x0B, 0x82);  // SET, 24h
    f.set(4, 0x10);
    f.set(2, 0x20);
    f.set(0, 0x30);
    f.clock.set(5 * kSec);
    CHECK(f.reg(0) == 0x30);
    CHECK((f.reg(0x0A) & 0x80) == 0);
    f.set(0x0B, 0x02);
    f.clock.set(6 * kSec + 1);
    CHECK(f.reg(0) == 0x31);
    CHECK(f.reg(4) == 0x10);
}

TEST_CASE("update-ended interrupt on IRQ8; register C read clears it", "[rtc]") {
    RtcFixture f;
    f.set(0x0B, 0x12);  // UIE
    CHECK(f.rtc.next_event_ns() == kSec);
    f.clock.set(kSec);
    f.rtc.update();
    CHECK(f.pic.level[8]);
    CHECK(f.rtc.next_event_ns() == Clock::kNever);  // no new edge until C is read
    // IRQF | UF (PF is set too: the 1024 Hz periodic flag runs without PIE)
    CHECK(int(f.reg(0x0C) & 0xB0) == 0x90);
    CHECK_FALSE(f.pic.level[8]);
    CHECK(int(f.reg(0x0C)) == 0x00);
    CHECK(f.rtc.next_event_ns() == 2 * kSec);
}

TEST_CASE("periodic interrupt at the rate select and flags without enables", "[rtc]") {
    RtcFixture f;
    f.set(0x0A, 0x26);  // 1024 Hz
    f.set(0x0B, 0x42);  // PIE
    uint64_t due = f.rtc.next_event_ns();
    CHECK(due == (1000000000ull * 32 + 32767) / 32768);
    f.clock.set(due);
    f.rtc.update();
    CHECK(f.pic.rising[8] == 1);
    CHECK(f.reg(0x0C) == 0xC0);
    // PF is set whether or not PIE is: with PIE off, IRQF stays 0.
    f.set(0x0B, 0x02);
    f.clock.advance(kSec / 100);
    CHECK(f.reg(0x0C) == 0x40);
}

TEST_CASE("alarm interrupt with don't-care bytes", "[rtc]") {
    RtcFixture f("2026-01-01T10:00:00");
    f.set(1, 0x05);
    f.set(3, 0xC0);
    f.set(5, 0xFF);
    f.set(0x0B, 0x22);  // AIE
    f.clock.set(4 * kSec);
    f.rtc.update();
    CHECK_FALSE(f.pic.level[8]);
    f.clock.set(5 * kSec);
    f.rtc.update();
    CHECK(f.pic.level[8]);
    CHECK((f.reg(0x0C) & 0xA0) == 0xA0);
}

TEST_CASE("NMI mask bit and CMOS RAM", "[rtc]") {
    RtcFixture f;
    f.rtc.port_write(0x70, 1, 0x80 | 0x40);
    CHECK(f.rtc.nmi_disabled());
    f.rtc.port_write(0x71, 1, 0xA5);
    CHECK(f.reg(0x40) == 0xA5);
    CHECK_FALSE(f.rtc.nmi_disabled());
    CHECK(f.reg(0x0D) == 0x80);
}
