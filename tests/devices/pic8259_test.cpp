#include <catch2/catch.hpp>

#include <vector>

#include "devices/pc/pic8259_pair.h"

using namespace trapeze::devices;

namespace {
// The PC BIOS / Linux initialisation: edge, cascade, ICW4 8086 mode, vectors 0x20/0x28.
void init_pc(Pic8259Pair& p, bool auto_eoi = false) {
    p.port_write(0x20, 1, 0x11);
    p.port_write(0x21, 1, 0x20);
    p.port_write(0x21, 1, 0x04);
    p.port_write(0x21, 1, auto_eoi ? 0x03 : 0x01);
    p.port_write(0xA0, 1, 0x11);
    p.port_write(0xA1, 1, 0x28);
    p.port_write(0xA1, 1, 0x02);
    p.port_write(0xA1, 1, auto_eoi ? 0x03 : 0x01);
    p.port_write(0x21, 1, 0x00);
    p.port_write(0xA1, 1, 0x00);
}
uint8_t isr_master(Pic8259Pair& p) {
    p.port_write(0x20, 1, 0x0B);
    uint8_t v = uint8_t(p.port_read(0x20, 1));
    p.port_write(0x20, 1, 0x0A);
    return v;
}
}  // namespace

TEST_CASE("uninitialised PIC raises nothing", "[pic]") {
    Pic8259Pair p;
    p.set_irq(0, true);
    CHECK_FALSE(p.interrupt_pending());
}

TEST_CASE("fixed priority: IRQ0 before IRQ1, lower priorities wait for EOI", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.set_irq(1, true);
    p.set_irq(0, true);
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x20);
    // IRQ0 in service blocks IRQ1.
    CHECK_FALSE(p.interrupt_pending());
    CHECK(isr_master(p) == 0x01);
    CHECK((p.port_read(0x20, 1) & 0x02) != 0);  // IRR shows IRQ1 waiting
    p.port_write(0x20, 1, 0x20);                // non-specific EOI
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x21);
    // A higher priority request interrupts an in-service lower one (fully nested).
    p.set_irq(0, false);
    p.set_irq(0, true);
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x20);
    CHECK(isr_master(p) == 0x03);
    p.port_write(0x20, 1, 0x20);  // clears the highest: IRQ0
    CHECK(isr_master(p) == 0x02);
    p.port_write(0x20, 1, 0x61);  // specific EOI for IRQ1
    CHECK(isr_master(p) == 0x00);
}

TEST_CASE("mask register blocks requests; edge requests stay latched in IRR", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.port_write(0x21, 1, 0x10);
    CHECK(p.port_read(0x21, 1) == 0x10);
    p.set_irq(4, true);
    p.set_irq(4, false);
    CHECK_FALSE(p.interrupt_pending());
    p.port_write(0x21, 1, 0x00);
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x24);
}

TEST_CASE("cascade: slave IRQ goes through master IR2, both need EOI", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.set_irq(8, true);
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x28);
    CHECK(isr_master(p) == 0x04);
    p.port_write(0xA0, 1, 0x0B);
    CHECK(p.port_read(0xA0, 1) == 0x01);
    p.set_irq(14, true);
    CHECK_FALSE(p.interrupt_pending());  // IR2 in service on the master
    p.port_write(0xA0, 1, 0x20);
    CHECK_FALSE(p.interrupt_pending());
    p.port_write(0x20, 1, 0x20);
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x2E);
}

TEST_CASE("auto-EOI leaves nothing in service", "[pic]") {
    Pic8259Pair p;
    init_pc(p, true);
    p.set_irq(3, true);
    CHECK(p.acknowledge_interrupt() == 0x23);
    CHECK(isr_master(p) == 0x00);
    p.set_irq(5, true);
    CHECK(p.interrupt_pending());
}

TEST_CASE("ELCR level mode: request follows the line, reasserts after EOI", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.port_write(0x4D1, 1, 0xFF);
    CHECK(p.port_read(0x4D1, 1) == 0xDE);  // IRQ8 and IRQ13 are edge only
    p.set_irq(11, true);
    CHECK(p.acknowledge_interrupt() == 0x2B);
    p.port_write(0xA0, 1, 0x20);
    p.port_write(0x20, 1, 0x20);
    // Still high: requested again without an edge.
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x2B);
    p.set_irq(11, false);  // the device is serviced, then the EOIs
    p.port_write(0xA0, 1, 0x20);
    p.port_write(0x20, 1, 0x20);
    CHECK_FALSE(p.interrupt_pending());
    // The same in edge mode: no second request.
    p.port_write(0x4D1, 1, 0x00);
    p.set_irq(11, true);
    CHECK(p.acknowledge_interrupt() == 0x2B);
    p.port_write(0xA0, 1, 0x20);
    p.port_write(0x20, 1, 0x20);
    CHECK_FALSE(p.interrupt_pending());
}

TEST_CASE("a request withdrawn before INTA gives the spurious IRQ7 / IRQ15 vector", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.port_write(0x4D0, 1, 0x20);  // IRQ5 level
    p.set_irq(5, true);
    REQUIRE(p.interrupt_pending());
    p.set_irq(5, false);
    CHECK(p.acknowledge_interrupt() == 0x27);
    CHECK(isr_master(p) == 0x00);  // no ISR bit for a spurious interrupt
    p.port_write(0x4D1, 1, 0x02);  // IRQ9 level
    p.set_irq(9, true);
    p.set_irq(9, false);
    p.set_irq(9, true);
    REQUIRE(p.interrupt_pending());
    p.set_irq(9, false);
    // The master still saw IR2 (latched edge) and asks the slave, which has nothing.
    CHECK(p.acknowledge_interrupt() == 0x2F);
}

TEST_CASE("poll command reads and acknowledges the highest request", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.set_irq(6, true);
    p.port_write(0x20, 1, 0x0C);
    CHECK(p.port_read(0x20, 1) == 0x86);
    CHECK(isr_master(p) == 0x40);
    p.port_write(0x20, 1, 0x0C);
    CHECK(p.port_read(0x20, 1) == 0x00);
}

TEST_CASE("rotate on non-specific EOI makes the serviced line lowest priority", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.set_irq(1, true);
    CHECK(p.acknowledge_interrupt() == 0x21);
    p.port_write(0x20, 1, 0xA0);  // rotate on non-specific EOI: IRQ1 lowest, IRQ2 highest
    p.set_irq(1, false);
    p.set_irq(0, true);
    p.set_irq(1, true);
    p.set_irq(3, true);
    CHECK(p.acknowledge_interrupt() == 0x23);  // 3 beats 0 and 1 now
    p.port_write(0x20, 1, 0xC7);               // set priority: IRQ7 lowest, IRQ0 highest
    p.port_write(0x20, 1, 0x63);
    CHECK(p.acknowledge_interrupt() == 0x20);
}

TEST_CASE("special mask mode lets lower priorities through a masked in-service level", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.set_irq(3, true);
    CHECK(p.acknowledge_interrupt() == 0x23);
    p.set_irq(5, true);
    CHECK_FALSE(p.interrupt_pending());
    p.port_write(0x21, 1, 0x08);  // mask IRQ3
    p.port_write(0x20, 1, 0x68);  // set special mask mode
    REQUIRE(p.interrupt_pending());
    CHECK(p.acknowledge_interrupt() == 0x25);
    p.port_write(0x20, 1, 0x48);  // reset special mask mode
}

TEST_CASE("ICW1 clears ISR and IMR and needs a new edge", "[pic]") {
    Pic8259Pair p;
    init_pc(p);
    p.set_irq(0, true);
    CHECK(p.acknowledge_interrupt() == 0x20);
    init_pc(p);
    CHECK(isr_master(p) == 0);
    CHECK(p.port_read(0x21, 1) == 0);
    CHECK_FALSE(p.interrupt_pending());  // line still high: no edge
    p.set_irq(0, false);
    p.set_irq(0, true);
    CHECK(p.interrupt_pending());
}

namespace {
// The CPU end of the INT output: records every level the pair drives.
struct IntrPin : InterruptController {
    std::vector<bool> levels;
    void set_irq(unsigned, bool level) override { levels.push_back(level); }
};
}  // namespace

TEST_CASE("the INT output drives the CPU's INTR pin on every change, and only then", "[pic]") {
    Pic8259Pair p;
    IntrPin pin;
    p.connect_intr(InterruptLine(&pin, 0));
    REQUIRE(pin.levels == std::vector<bool>{false});  // connecting drives the present level
    init_pc(p);
    p.set_irq(1, true);
    CHECK(pin.levels == std::vector<bool>{false, true});
    p.set_irq(0, true);  // a higher request: INT is already high, no new edge on the pin
    CHECK(pin.levels.size() == 2);
    CHECK(p.acknowledge_interrupt() == 0x20);  // IRQ0 in service blocks IRQ1: INT falls
    CHECK(pin.levels.back() == false);
    p.port_write(0x20, 1, 0x20);  // EOI: IRQ1 is still requested
    CHECK(pin.levels.back() == true);
    p.port_write(0x21, 1, 0x02);  // masked: INT falls with the mask, not with an INTA
    CHECK(pin.levels.back() == false);
    p.reset();
    CHECK(pin.levels.back() == false);
    CHECK(pin.levels.size() == 5);
}
