#include <catch2/catch.hpp>

#include "device_test_support.h"
#include "devices/pc/i8042.h"
#include "devices/pc/system_control_port_a.h"

using namespace trapeze::devices;

namespace {
struct KbcFixture {
    test::RecordingController pic;
    bool a20 = true;
    int resets = 0;
    I8042 kbc{InterruptLine(&pic, 1), InterruptLine(&pic, 12), [this](bool on) { a20 = on; }, [this] { ++resets; }};
    uint8_t status() { return uint8_t(kbc.port_read(0x64, 1)); }
    uint8_t data() { return uint8_t(kbc.port_read(0x60, 1)); }
    void cmd(uint8_t v) { kbc.port_write(0x64, 1, v); }
    void put(uint8_t v) { kbc.port_write(0x60, 1, v); }
};
}  // namespace

TEST_CASE("controller self test and interface tests", "[i8042]") {
    KbcFixture f;
    CHECK((f.status() & 0x01) == 0);
    f.cmd(0xAA);
    CHECK((f.status() & 0x05) == 0x05);  // output full, system flag
    CHECK(f.data() == 0x55);
    CHECK((f.status() & 0x01) == 0);
    f.cmd(0xAB);
    CHECK(f.data() == 0x00);
    f.cmd(0xA9);
    CHECK(f.data() == 0x00);
}

TEST_CASE("command byte read and write; keyboard interrupt enable", "[i8042]") {
    KbcFixture f;
    f.cmd(0x60);
    f.put(0x45);
    f.cmd(0x20);
    CHECK(f.pic.level[1]);  // bit 0 set: IRQ1 with the byte
    CHECK(f.data() == 0x45);
    CHECK_FALSE(f.pic.level[1]);
}

TEST_CASE("keyboard reset answers FA AA, each byte a new IRQ1 edge", "[i8042]") {
    KbcFixture f;
    f.put(0xFF);
    CHECK(f.pic.rising[1] == 1);
    CHECK(f.data() == 0xFA);
    CHECK(f.pic.rising[1] == 2);
    CHECK(f.data() == 0xAA);
    CHECK((f.status() & 1) == 0);
}

TEST_CASE("A20 through the output port, reset through the pulse command", "[i8042]") {
    KbcFixture f;
    f.cmd(0xD0);
    uint8_t port = f.data();
    CHECK((port & 0x03) == 0x03);
    f.cmd(0xD1);
    f.put(port & ~0x02);
    CHECK_FALSE(f.a20);
    CHECK_FALSE(f.kbc.a20());
    f.cmd(0xD1);
    f.put(port | 0x02);
    CHECK(f.a20);
    CHECK(f.resets == 0);
    f.cmd(0xFE);
    CHECK(f.resets == 1);
    f.cmd(0xFF);  // pulses nothing
    CHECK(f.resets == 1);
}

TEST_CASE("port 0x92: fast A20 and reset on bit 0 rising", "[i8042]") {
    bool a20 = true;
    int resets = 0;
    SystemControlPortA p([&](bool on) { a20 = on; }, [&] { ++resets; });
    CHECK(p.port_read(0x92, 1) == 0x02);
    p.port_write(0x92, 1, 0x00);
    CHECK_FALSE(a20);
    p.port_write(0x92, 1, 0x03);
    CHECK(a20);
    CHECK(resets == 1);
    p.port_write(0x92, 1, 0x03);
    CHECK(resets == 1);
}

TEST_CASE("a byte for the absent aux device times out with 0xFE", "[i8042]") {
    KbcFixture f;
    f.cmd(0x60);
    f.put(0x47);  // IRQ1 and IRQ12 enabled
    f.cmd(0xD4);
    f.put(0xF2);
    CHECK((f.status() & 0x61) == 0x61);  // output full, aux data, timeout
    CHECK(f.pic.level[12]);
    CHECK(f.data() == 0xFE);
    CHECK((f.status() & 0x61) == 0);
}
