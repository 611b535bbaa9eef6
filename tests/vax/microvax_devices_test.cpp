// KA655 system devices and Q-bus storage controllers, driven through their registers as the
// console ROM and 4.3BSD drive them: CMCTL memory sizing, the CQBIC map and Q-bus memory space,
// UQSSP initialization and rings, MSCP reads and copy-on-write writes, SIMH tape images.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cpu/physical_memory.h"
#include "devices/microvax/cmctl.h"
#include "devices/microvax/cqbic.h"
#include "devices/microvax/media.h"
#include "devices/microvax/rqdx3.h"
#include "devices/microvax/uqssp.h"

using namespace trapeze;
using namespace trapeze::devices::microvax;

namespace {

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("trapeze-vax-" + std::to_string(::getpid()) + "-" + name)).string();
}

void write_file(const std::string& path, const std::vector<uint8_t>& data) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// A 1 MB machine whose Q-bus map (at MBR 0xF8000) maps Q-bus page n to local page n for the
// first 1024 pages.
struct Bus {
    cpu::PhysicalMemory mem{30};
    Cqbic cqbic{mem};
    Bus() {
        mem.add_ram(0, 1 << 20);
        cqbic.mmio_write(0x10, 4, 0xF8000);  // MBR
        for (uint32_t n = 0; n < 1024; ++n) mem.write(0xF8000 + 4 * n, 4, Cqbic::kMapValid | n);
    }
};

}  // namespace

TEST_CASE("CMCTL: a signature request reports the 4 MB banks RAM backs", "[microvax][cmctl]") {
    Cmctl cmctl(32u << 20);  // 8 banks
    for (unsigned n = 0; n < 16; n += 4) cmctl.mmio_write(4 * n, 4, Cmctl::kSignatureRequest);
    for (unsigned n = 0; n < 16; ++n) {
        CAPTURE(n);
        CHECK((cmctl.mmio_read(4 * n, 4) & Cmctl::kSignatureMask) == (n < 8 ? 0x17u : 0u));
    }
    // Valid and base address are read/write; the other bits read as zero.
    cmctl.mmio_write(4 * 3, 4, 0xFFFFFFC0);
    CHECK(cmctl.mmio_read(4 * 3, 4) == (0x9FF00000u | 0x17u));
    cmctl.mmio_write(4 * 3, 4, 0x80400000);
    CHECK(cmctl.mmio_read(4 * 3, 4) == 0x80400017u);
    // A request in the second group leaves the first group's signatures alone.
    Cmctl small(16u << 20);
    small.mmio_write(4 * 4, 4, Cmctl::kSignatureRequest);
    CHECK((small.mmio_read(0, 4) & 0x1F) == 0);
    CHECK((small.mmio_read(4 * 4, 4) & 0x1F) == 0);
    small.mmio_write(0, 4, Cmctl::kSignatureRequest);
    CHECK((small.mmio_read(4 * 3, 4) & 0x1F) == 0x17);
    // The control register keeps only its implemented bits.
    cmctl.mmio_write(4 * 17, 4, 0xFFFFFFFF);
    CHECK(cmctl.mmio_read(4 * 17, 4) == Cmctl::kCsrMask);
    CHECK(cmctl.mmio_read(4 * 17, 2) == (Cmctl::kCsrMask & 0xFFFF));
    // The error register clears on writing ones, and never reads bits it cannot latch.
    cmctl.mmio_write(4 * 16, 4, 0xE0000180);
    CHECK(cmctl.mmio_read(4 * 16, 4) == 0);
}

TEST_CASE("CQBIC: registers, map window and Q-bus memory space through the map", "[microvax][cqbic]") {
    Bus b;
    CHECK(b.cqbic.mmio_read(0, 4) == Cqbic::kScrPok);  // DC OK reads one
    b.cqbic.mmio_write(0, 4, 0xFFFFFFFF);
    CHECK(b.cqbic.mmio_read(0, 4) == (Cqbic::kScrPok | Cqbic::kScrRw));  // <10> is read-only
    CHECK(b.cqbic.mmio_read(0x10, 4) == 0xF8000);  // MBR
    // The map window shows the map in memory at MBR.
    CHECK(b.cqbic.map_window().mmio_read(4 * 5, 4) == (Cqbic::kMapValid | 5));
    b.cqbic.map_window().mmio_write(4 * 2, 4, Cqbic::kMapValid | 0x40);  // Q-bus page 2 -> local page 0x40
    CHECK(b.mem.read(0xF8008, 4) == (Cqbic::kMapValid | 0x40));
    b.mem.write(0x40 * 512 + 8, 4, 0x12345678);
    CHECK(b.cqbic.qbus_memory().mmio_read(2 * 512 + 8, 4) == 0x12345678);
    CHECK_FALSE(b.cqbic.qbus_memory().take_no_response());
    // An invalid entry: no response, master NXM with the Q-bus page in MEAR.
    b.cqbic.map_window().mmio_write(4 * 7, 4, 0x7);
    b.cqbic.qbus_memory().mmio_read(7 * 512, 4);
    CHECK(b.cqbic.qbus_memory().take_no_response());
    CHECK((b.cqbic.mmio_read(4, 4) & Cqbic::kDserMnx) != 0);
    CHECK(b.cqbic.mmio_read(8, 4) == 7);
    b.cqbic.mmio_write(4, 4, Cqbic::kDserMnx);  // write one to clear
    CHECK(b.cqbic.mmio_read(4, 4) == 0);
    // An entry pointing past the end of RAM: slave NXM.
    b.cqbic.map_window().mmio_write(4 * 9, 4, Cqbic::kMapValid | 0xFFFFF);
    uint64_t pa = 0;
    CHECK_FALSE(b.cqbic.translate(9 * 512, pa));
    CHECK((b.cqbic.mmio_read(4, 4) & Cqbic::kDserSnx) != 0);
    // DMA crosses map pages and stops at the invalid one.
    std::vector<uint8_t> data(1024, 0xA5);
    CHECK(b.cqbic.dma_write(3 * 512, data) == 1024);
    CHECK(b.mem.read(3 * 512, 4) == 0xA5A5A5A5);
    CHECK(b.mem.read(5 * 512 - 4, 4) == 0xA5A5A5A5);
    CHECK(b.cqbic.dma_write(6 * 512 + 256, data) == 256);  // page 7 is invalid
    // MBR holds only a 32 KB-aligned address.
    b.cqbic.mmio_write(0x10, 4, 0xFFFFFFFF);
    CHECK(b.cqbic.mmio_read(0x10, 4) == Cqbic::kMbrMask);
}

namespace {

// The host side of UQSSP + MSCP, as a driver does it: four init steps, then packets in
// rings at Q-bus addresses through the CQBIC map.
struct Host {
    Bus& b;
    UqsspPort& port;
    unsigned port_model = 19;  // RQDX3
    static constexpr uint32_t kComm = 0x2000, kRsp = 0x3000, kCmd = 0x3100, kData = 0x4000;
    Host(Bus& b, UqsspPort& port) : b(b), port(port) {}
    uint16_t sa() { return static_cast<uint16_t>(port.mmio_read(2, 2)); }
    void init() {
        port.mmio_write(0, 2, 0);  // IP: initialize
        REQUIRE(sa() == 0x0B40);   // step 1, Q22, diagnostics, mapping
        port.mmio_write(2, 2, 0x8000 | (1 << 11) | (1 << 8) | 0x80 | (0x154 >> 2));  // 2-entry rings, IE, vector 0x154
        port.service();
        REQUIRE(sa() == (UqsspPort::kStep2 | 0x89));  // echoes <15:8> of step 1
        CHECK(port.interrupt_pending());
        CHECK(port.acknowledge() == 0x154);
        port.mmio_write(2, 2, kComm & 0xFFFF);
        port.service();
        REQUIRE(sa() == (UqsspPort::kStep3 | 0xD5));  // echoes <7:0>
        port.mmio_write(2, 2, 0);
        port.service();
        REQUIRE((sa() & 0xF800) == UqsspPort::kStep4);
        CHECK(((sa() >> 4) & 0x7F) == port_model);
        port.mmio_write(2, 2, 1);  // GO
        REQUIRE(sa() == 0);
        CHECK(port.state() == UqsspPort::State::up);
        CHECK(port.acknowledge() == 0x154);
        // Response buffers owned by the port.
        for (uint32_t i = 0; i < 2; ++i) {
            b.mem.write(kComm + 4 * i, 4, UqsspPort::kDescOwn | UqsspPort::kDescFlag | (kRsp + 0x40 * i + 4));
            b.mem.write(kRsp + 0x40 * i, 2, 60);
        }
    }
    // Send one command; returns the response packet's words.
    std::vector<uint16_t> command(const std::vector<std::pair<unsigned, uint16_t>>& words, uint32_t slot) {
        const uint32_t pkt = kCmd + 0x40 * slot;
        for (uint32_t a = 0; a < 0x40; a += 4) b.mem.write(pkt + a, 4, 0);
        b.mem.write(pkt, 2, 36);  // length
        b.mem.write(pkt + 2, 2, 0);  // sequential, connection 0
        for (auto [w, v] : words) b.mem.write(pkt + 2 * w, 2, v);
        b.mem.write(kComm + 8 + 4 * slot, 4, UqsspPort::kDescOwn | UqsspPort::kDescFlag | (pkt + 4));
        port.mmio_read(0, 2);  // IP read: poll
        port.service();
        CHECK((b.mem.read(kComm + 8 + 4 * slot, 4) & UqsspPort::kDescOwn) == 0);  // command taken
        const uint32_t desc = b.mem.read(kComm + 4 * slot, 4);
        CHECK((desc & UqsspPort::kDescOwn) == 0);  // response written
        std::vector<uint16_t> r(32);
        for (unsigned i = 0; i < 32; ++i) r[i] = static_cast<uint16_t>(b.mem.read((desc & 0x3FFFFE) - 4 + 2 * i, 2));
        // Give the buffer back.
        b.mem.write(kComm + 4 * slot, 4, UqsspPort::kDescOwn | UqsspPort::kDescFlag | (kRsp + 0x40 * slot + 4));
        return r;
    }
};

}  // namespace

TEST_CASE("RQDX3: UQSSP init, ONLINE, READ, and writes into a copy-on-write overlay", "[microvax][rqdx3]") {
    Bus b;
    const std::string path = temp_path("disk.dsk");
    std::vector<uint8_t> image(4 * 512);
    for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<uint8_t>(i * 7 + i / 512);
    write_file(path, image);
    Rqdx3 rq(b.cqbic);
    rq.attach(0, std::make_unique<DiskImage>(path, false), *find_disk_type("ra82"));
    Host host(b, rq.port());
    host.init();
    using namespace mscp;

    // A READ before ONLINE: the unit is only available.
    std::vector<uint16_t> r = host.command({{kOpcode, kRead}, {kByteCount, 512}, {kBuffer, Host::kData}}, 0);
    CHECK(r[kOpcode] == (kRead | kEnd));
    CHECK(r[kStatus] == kAvailableStatus);
    CHECK((r[kCtc] & 0xF) >= 1);  // credits come back with every end message
    CHECK(rq.port().interrupt_pending());  // the response ring went from empty to non-empty
    CHECK(b.mem.read(Host::kComm - 2, 2) == 1);  // its interrupt word
    rq.port().acknowledge();

    r = host.command({{kOpcode, kOnline}, {kRefLow, 0x1234}}, 1);
    CHECK(r[kOpcode] == (kOnline | kEnd));
    CHECK(r[kStatus] == kSuccess);
    CHECK(r[kRefLow] == 0x1234);
    CHECK((r[kUnitIdHigh] & 0xFF) == 11);  // RA82
    CHECK((r[kUnitSize] | (uint32_t{r[kUnitSize + 1]} << 16)) == 1216665u);

    r = host.command({{kOpcode, kRead}, {kByteCount, 1024}, {kBuffer, Host::kData}, {kLbn, 1}}, 0);
    CHECK(r[kStatus] == kSuccess);
    CHECK(r[kByteCount] == 1024);
    for (uint32_t i = 0; i < 1024; i += 97) CHECK(b.mem.read(Host::kData + i, 1) == image[512 + i]);

    // Past the end of the user area: an invalid LBN.
    r = host.command({{kOpcode, kRead}, {kByteCount, 512}, {kBuffer, Host::kData}, {kLbn, 0xFFFF}, {kLbn + 1, 0xFF}}, 1);
    CHECK(r[kStatus] == (kInvalidCommand | kInvalidLbn));

    // WRITE, then READ it back: the data changed for the guest, the file did not.
    for (uint32_t i = 0; i < 512; i += 4) b.mem.write(Host::kData + i, 4, 0xDEADBEEF);
    r = host.command({{kOpcode, kWrite}, {kByteCount, 512}, {kBuffer, Host::kData}, {kLbn, 2}}, 0);
    CHECK(r[kStatus] == kSuccess);
    for (uint32_t i = 0; i < 512; i += 4) b.mem.write(Host::kData + i, 4, 0);
    r = host.command({{kOpcode, kRead}, {kByteCount, 512}, {kBuffer, Host::kData}, {kLbn, 2}}, 1);
    CHECK(r[kStatus] == kSuccess);
    CHECK(b.mem.read(Host::kData + 100, 4) == 0xDEADBEEF);
    CHECK(read_file(path) == image);

    // GET UNIT STATUS with next-unit past the last unit wraps to unit 0.
    r = host.command({{kOpcode, kGetUnitStatus}, {kUnit, 3}, {kModifier, kModNextUnit}}, 0);
    CHECK(r[kUnit] == 0);
    CHECK(r[kStatus] == kSuccess);
    CHECK(r[20] == 57);  // sectors per track

    // A packet for another connection (TMSCP) is a fatal protocol error.
    b.mem.write(Host::kCmd + 0x40 + 2, 2, 0x0100);  // the next command slot is 1
    b.mem.write(Host::kComm + 12, 4, UqsspPort::kDescOwn | (Host::kCmd + 0x40 + 4));
    rq.port().mmio_read(0, 2);
    rq.port().service();
    CHECK(rq.port().state() == UqsspPort::State::dead);
    CHECK(host.sa() == (UqsspPort::kSaError | UqsspPort::kErrConnection));
    std::remove(path.c_str());
}

TEST_CASE("RQDX3: with snapshot=off writes reach the file", "[microvax][rqdx3]") {
    Bus b;
    const std::string path = temp_path("disk-rw.dsk");
    write_file(path, std::vector<uint8_t>(2 * 512, 0x11));
    Rqdx3 rq(b.cqbic);
    rq.attach(0, std::make_unique<DiskImage>(path, true), *find_disk_type("rd54"));
    Host host(b, rq.port());
    host.init();
    using namespace mscp;
    host.command({{kOpcode, kOnline}}, 0);
    for (uint32_t i = 0; i < 512; i += 4) b.mem.write(Host::kData + i, 4, 0x22222222);
    std::vector<uint16_t> r = host.command({{kOpcode, kWrite}, {kByteCount, 512}, {kBuffer, Host::kData}, {kLbn, 1}}, 1);
    CHECK(r[kStatus] == kSuccess);
    std::vector<uint8_t> file = read_file(path);
    REQUIRE(file.size() == 1024);
    CHECK(file[0] == 0x11);
    CHECK(file[512] == 0x22);
    CHECK(file[1023] == 0x22);
    std::remove(path.c_str());
}

TEST_CASE("TapeImage: SIMH .tap records, tape marks, and refusing other files", "[microvax][tape]") {
    const std::string path = temp_path("t.tap");
    auto len = [](uint32_t n) {
        return std::vector<uint8_t>{uint8_t(n), uint8_t(n >> 8), uint8_t(n >> 16), uint8_t(n >> 24)};
    };
    std::vector<uint8_t> t;
    auto append = [&](const std::vector<uint8_t>& v) { t.insert(t.end(), v.begin(), v.end()); };
    append(len(3)), append({'a', 'b', 'c', 0}), append(len(3));  // odd length: padded
    append(len(0));                                              // tape mark
    append(len(4)), append({1, 2, 3, 4}), append(len(4));
    append(len(0xFFFFFFFF));
    write_file(path, t);
    TapeImage tape(path);
    std::vector<uint8_t> rec;
    CHECK(tape.read_forward(rec) == TapeImage::Result::record);
    CHECK(rec == std::vector<uint8_t>{'a', 'b', 'c'});
    CHECK(tape.read_forward(rec) == TapeImage::Result::tape_mark);
    CHECK(tape.position() == 2);
    CHECK(tape.read_forward(rec) == TapeImage::Result::record);
    CHECK(rec.size() == 4);
    CHECK(tape.read_forward(rec) == TapeImage::Result::end_of_medium);
    CHECK(tape.skip_reverse() == TapeImage::Result::record);
    CHECK(tape.skip_reverse() == TapeImage::Result::tape_mark);
    CHECK(tape.skip_reverse() == TapeImage::Result::record);
    CHECK(tape.at_bot());
    CHECK(tape.skip_reverse() == TapeImage::Result::bot);
    // A file whose trailing length words do not match is not a tape image.
    t[t.size() - 8] = 9;
    write_file(path, t);
    CHECK_THROWS_WITH(TapeImage(path), Catch::Contains("not a SIMH .tap image"));
    std::remove(path.c_str());
}

// Found by reading the media code for the disk and tape fuzzers (which cannot make a
// directory): fopen() opens a directory, whose size reads as LLONG_MAX, so `-drive tq0=DIR`
// was accepted as an empty tape and `-drive rq0=DIR` refused as "larger than an ra82".
TEST_CASE("DiskImage, TapeImage: a directory is refused in one line", "[microvax][tape][rqdx3]") {
    const std::string dir = temp_path("image-dir");
    std::filesystem::create_directory(dir);
    CHECK_THROWS_WITH(TapeImage(dir), dir + ": is a directory, expected a file");
    CHECK_THROWS_WITH(DiskImage(dir, false), dir + ": is a directory, expected a file");
    CHECK_THROWS_WITH(DiskImage(dir, true), Catch::Contains(dir + ": "));  // fopen refuses r+ itself
    std::filesystem::remove(dir);
}
