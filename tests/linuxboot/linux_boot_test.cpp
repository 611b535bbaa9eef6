// Direct Linux boot: setup header validation, boot_params, initrd placement and the CPU state
// at the 32-bit entry, with synthetic bzImages.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <unistd.h>
#include <stdexcept>

#include "cpu/physical_memory.h"
#include "cpu/port_bus.h"
#include "isa/x86/cpu.h"
#include "machines/linux_boot.h"
#include "machines/pc.h"

using namespace trapeze;
using namespace trapeze::machines;

namespace {

void put16(std::vector<uint8_t>& b, size_t off, uint32_t v) {
    b[off] = uint8_t(v);
    b[off + 1] = uint8_t(v >> 8);
}
void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
    put16(b, off, v);
    put16(b, off + 2, v >> 16);
}
uint32_t get32(const std::vector<uint8_t>& b, size_t off) {
    return b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (uint32_t(b[off + 3]) << 24);
}

// The protected-mode code of the synthetic kernels: reads the "HdrS" magic through ESI
// (boot_params) with DS, writes EBX+EBP+EDI+EAX... into EAX, and halts.
//   mov eax, [esi+0x202] ; mov ecx, ebx ; or ecx, ebp ; or ecx, edi ; hlt
const std::vector<uint8_t> kEntryCode = {0x8B, 0x86, 0x02, 0x02, 0x00, 0x00, 0x89, 0xD9,
                                         0x09, 0xE9, 0x09, 0xF9, 0xF4};

struct Spec {
    uint16_t protocol = 0x020F;
    uint8_t setup_sects = 4;
    uint32_t pm_size = 64 * 1024;
    uint8_t loadflags = 0x01;
    uint32_t code32_start = 0x100000;
    uint32_t initrd_addr_max = 0x7FFFFFFF;
    uint32_t kernel_alignment = 0x1000000;
    uint8_t relocatable = 1;
    uint32_t cmdline_size = 2047;
    uint32_t pref_address = 0x1000000;
    uint32_t init_size = 0x1400000;  // 20 MB
};

std::vector<uint8_t> make_bzimage(const Spec& sp = {}) {
    unsigned sects = sp.setup_sects ? sp.setup_sects : 4;
    std::vector<uint8_t> img((sects + 1) * 512 + sp.pm_size, 0);
    img[0x1F1] = sp.setup_sects;
    put32(img, 0x1F4, (sp.pm_size + 15) / 16);
    put16(img, 0x1FE, 0xAA55);
    img[0x200] = 0xEB;
    img[0x201] = 0x6A;  // header ends at 0x26C
    put32(img, 0x202, 0x53726448);
    put16(img, 0x206, sp.protocol);
    img[0x211] = sp.loadflags;
    put32(img, 0x214, sp.code32_start);
    put32(img, 0x22C, sp.initrd_addr_max);
    put32(img, 0x230, sp.kernel_alignment);
    img[0x234] = sp.relocatable;
    put32(img, 0x238, sp.cmdline_size);
    put32(img, 0x258, sp.pref_address);
    put32(img, 0x260, sp.init_size);
    std::memcpy(img.data() + (sects + 1) * 512, kEntryCode.data(), kEntryCode.size());
    return img;
}

LinuxBootConfig config(std::vector<uint8_t> kernel, uint64_t ram_mb = 64) {
    LinuxBootConfig c;
    c.kernel_path = "vmlinuz-test";
    c.kernel = std::move(kernel);
    c.ram_bytes = ram_mb << 20;
    c.cmdline = "console=ttyS0 acpi=off";
    return c;
}

std::string error_of(const std::vector<uint8_t>& img) {
    try {
        parse_bzimage(img, "vmlinuz-test");
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

std::string plan_error(const LinuxBootConfig& c) {
    try {
        plan_linux_boot(c);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("setup header fields are parsed", "[linuxboot]") {
    auto img = make_bzimage();
    BzImageInfo i = parse_bzimage(img, "k");
    CHECK(i.protocol == 0x020F);
    CHECK(i.setup_sects == 4);
    CHECK(i.setup_size == 5 * 512);
    CHECK(i.kernel_offset == 5 * 512);
    CHECK(i.kernel_size == 64 * 1024);
    CHECK(i.header_end == 0x26C);
    CHECK(i.code32_start == 0x100000);
    CHECK(i.initrd_addr_max == 0x7FFFFFFF);
    CHECK(i.relocatable);
    CHECK(i.kernel_alignment == 0x1000000);
    CHECK(i.cmdline_size == 2047);
    CHECK(i.pref_address == 0x1000000);
    CHECK(i.init_size == 0x1400000);
}

TEST_CASE("setup_sects 0 means 4", "[linuxboot]") {
    Spec sp;
    sp.setup_sects = 0;
    BzImageInfo i = parse_bzimage(make_bzimage(sp), "k");
    CHECK(i.setup_sects == 4);
    CHECK(i.kernel_offset == 2560);
}

TEST_CASE("older protocols get the documented defaults", "[linuxboot]") {
    Spec sp;
    sp.protocol = 0x0202;
    BzImageInfo i = parse_bzimage(make_bzimage(sp), "k");
    CHECK(i.initrd_addr_max == 0x37FFFFFF);  // field exists from 2.03
    CHECK(i.cmdline_size == 255);            // field exists from 2.06
    CHECK(!i.relocatable);
    CHECK(i.init_size == 0);                 // field exists from 2.10
}

TEST_CASE("bad images give one-line errors naming the file", "[linuxboot]") {
    SECTION("bad magic") {
        auto img = make_bzimage();
        img[0x202] = 'X';
        auto e = error_of(img);
        CHECK(e.find("vmlinuz-test: ") == 0);
        CHECK(e.find("HdrS") != std::string::npos);
    }
    SECTION("old protocol") {
        Spec sp;
        sp.protocol = 0x0201;
        CHECK(error_of(make_bzimage(sp)) == "vmlinuz-test: boot protocol 2.01 is too old (2.02 or later is needed)");
    }
    SECTION("bad boot flag") {
        auto img = make_bzimage();
        img[0x1FE] = 0;
        CHECK(error_of(img).find("boot sector signature") != std::string::npos);
    }
    SECTION("setup_sects out of range") {
        Spec sp;
        sp.setup_sects = 200;
        CHECK(error_of(make_bzimage(sp)).find("setup_sects 200 out of range") != std::string::npos);
    }
    SECTION("truncated inside the setup code") {
        auto img = make_bzimage();
        img.resize(0x400);
        CHECK(error_of(img).find("truncated") != std::string::npos);
    }
    SECTION("truncated protected-mode kernel (syssize)") {
        auto img = make_bzimage();
        img.resize(img.size() - 4096);
        CHECK(error_of(img).find("truncated: the header says 65536 bytes") != std::string::npos);
    }
    SECTION("tiny file") {
        CHECK(error_of(std::vector<uint8_t>(100, 0)) == "vmlinuz-test: too short to be a Linux kernel (100 bytes)");
    }
    SECTION("zImage") {
        Spec sp;
        sp.loadflags = 0;
        CHECK(error_of(make_bzimage(sp)).find("zImage") != std::string::npos);
    }
    SECTION("code32_start below 1 MB") {
        Spec sp;
        sp.code32_start = 0x10000;
        CHECK(error_of(make_bzimage(sp)).find("code32_start 0x10000 out of range") != std::string::npos);
    }
    SECTION("kernel_alignment not a power of two") {
        Spec sp;
        sp.kernel_alignment = 0x3000;
        CHECK(error_of(make_bzimage(sp)).find("kernel_alignment") != std::string::npos);
    }
    SECTION("header length past boot_params' header area") {
        auto img = make_bzimage();
        img[0x201] = 0xF0;
        CHECK(error_of(img).find("setup header length") != std::string::npos);
    }
}

TEST_CASE("every truncation and random header damage is a clean error", "[linuxboot]") {
    auto img = make_bzimage();
    for (size_t n = 0; n <= 3000; n += 1) {
        std::vector<uint8_t> t(img.begin(), img.begin() + long(n));
        CHECK_THROWS_AS(parse_bzimage(t, "k"), std::runtime_error);
    }
    std::mt19937 rng(1234);
    int parsed = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        auto m = img;
        int flips = 1 + int(rng() % 4);
        for (int f = 0; f < flips; ++f) m[0x1F1 + rng() % (0x290 - 0x1F1)] = uint8_t(rng());
        if (rng() % 4 == 0) m.resize(rng() % m.size());
        try {
            auto c = config(m, 1 + rng() % 64);
            if (rng() % 2) c.initrd.assign(rng() % (1 << 20), 0x55);
            plan_linux_boot(c);
            ++parsed;
        } catch (const std::runtime_error&) {
        }
    }
    CHECK(parsed > 0);
}

TEST_CASE("e820 map from the RAM size", "[linuxboot]") {
    auto m = pc_e820_map(128ull << 20);
    REQUIRE(m.size() == 3);
    CHECK((m[0].addr == 0 && m[0].size == 0xA0000 && m[0].type == kE820Ram));
    CHECK((m[1].addr == 0xF0000 && m[1].size == 0x10000 && m[1].type == kE820Reserved));
    CHECK((m[2].addr == 0x100000 && m[2].size == (127ull << 20) && m[2].type == kE820Ram));
}

TEST_CASE("boot_params contents", "[linuxboot]") {
    auto c = config(make_bzimage(), 128);
    c.initrd_path = "initrd-test";
    c.initrd.assign(300000, 0xAB);
    LinuxBootLayout l = plan_linux_boot(c);
    auto zp = build_boot_params(c.kernel, l.image, l, c.ram_bytes);
    REQUIRE(zp.size() == 4096);
    // The setup header is copied from the image.
    CHECK(get32(zp, 0x202) == 0x53726448);
    CHECK((zp[0x206] | (zp[0x207] << 8)) == 0x020F);
    CHECK(zp[0x1F1] == 4);
    CHECK(get32(zp, 0x214) == 0x100000);
    CHECK(get32(zp, 0x260) == 0x1400000);
    // Loader fields.
    CHECK(zp[0x210] == 0xFF);
    CHECK((zp[0x211] & 0x81) == 0x81);
    CHECK(get32(zp, 0x228) == LinuxBootLayout::kCmdline);
    CHECK(get32(zp, 0x218) == l.initrd_addr);
    CHECK(get32(zp, 0x21C) == 300000);
    CHECK(get32(zp, 0x1E0) == 127 * 1024);
    CHECK(zp[0x1EF] == 0);  // sentinel
    // e820
    REQUIRE(zp[0x1E8] == 3);
    CHECK(get32(zp, 0x2D0) == 0);
    CHECK(get32(zp, 0x2D0 + 8) == 0xA0000);
    CHECK(get32(zp, 0x2D0 + 16) == 1);
    CHECK(get32(zp, 0x2D0 + 20) == 0xF0000);
    CHECK(get32(zp, 0x2D0 + 36) == 2);
    CHECK(get32(zp, 0x2D0 + 40) == 0x100000);
    CHECK(get32(zp, 0x2D0 + 48) == 127u << 20);
    CHECK(get32(zp, 0x2D0 + 56) == 1);
    // Nothing else outside the header and the fields above.
    CHECK(zp[0x2D0 + 60] == 0);
    CHECK(zp[0x290] == 0);
}

TEST_CASE("initrd placement", "[linuxboot]") {
    SECTION("high in RAM, page aligned, above the kernel's init_size") {
        auto c = config(make_bzimage(), 64);
        c.initrd_path = "initrd-test";
        c.initrd.assign(1000001, 1);
        LinuxBootLayout l = plan_linux_boot(c);
        CHECK(l.initrd_addr % 4096 == 0);
        CHECK(l.initrd_addr + l.initrd_size <= (64u << 20));
        CHECK((64u << 20) - (l.initrd_addr + l.initrd_size) < 4096);
        CHECK(l.kernel_end == 0x1000000 + 0x1400000);
        CHECK(l.initrd_addr >= l.kernel_end);
    }
    SECTION("below initrd_addr_max when RAM is larger") {
        Spec sp;
        sp.protocol = 0x0202;  // initrd_addr_max defaults to 0x37FFFFFF
        auto c = config(make_bzimage(sp), 1024);
        c.initrd_path = "initrd-test";
        c.initrd.assign(8192, 1);
        LinuxBootLayout l = plan_linux_boot(c);
        CHECK(l.initrd_addr == 0x38000000 - 8192);
    }
    SECTION("too big for RAM") {
        auto c = config(make_bzimage(), 40);
        c.initrd_path = "initrd-test";
        c.initrd.assign(8u << 20, 1);  // kernel claims up to 36 MB
        auto e = plan_error(c);
        CHECK(e.find("initrd-test: the initrd (8388608 bytes) does not fit") == 0);
    }
    SECTION("no initrd") {
        auto c = config(make_bzimage(), 64);
        LinuxBootLayout l = plan_linux_boot(c);
        CHECK(l.initrd_addr == 0);
        CHECK(l.initrd_size == 0);
    }
}

TEST_CASE("RAM and command line limits", "[linuxboot]") {
    SECTION("kernel's init_size larger than RAM") {
        auto c = config(make_bzimage(), 32);  // needs 16 MB + 20 MB
        CHECK(plan_error(c) == "vmlinuz-test: the kernel needs 36 MiB of RAM, the machine has 32 MiB (give a larger -m)");
    }
    SECTION("non-relocatable kernel loads at code32_start") {
        Spec sp;
        sp.relocatable = 0;
        sp.pref_address = 0x100000;
        sp.init_size = 0x300000;
        auto c = config(make_bzimage(sp), 8);
        LinuxBootLayout l = plan_linux_boot(c);
        CHECK(l.kernel_end == 0x400000);
    }
    SECTION("command line longer than cmdline_size") {
        Spec sp;
        sp.cmdline_size = 10;
        auto c = config(make_bzimage(sp), 64);
        c.cmdline = "console=ttyS0";
        CHECK(plan_error(c).find("the command line is 13 bytes, vmlinuz-test accepts at most 10") != std::string::npos);
    }
}

TEST_CASE("memory contents and CPU state at the 32-bit entry", "[linuxboot]") {
    cpu::PhysicalMemory mem(32);
    cpu::PortBus ports;
    mem.add_ram(0, 640 * 1024);
    mem.add_ram(0x100000, (64u << 20) - 0x100000);
    x86::X86Cpu cpu(mem, ports, x86::default_model());
    auto c = config(make_bzimage(), 64);
    c.initrd_path = "initrd-test";
    c.initrd.assign(12345, 0xCD);
    LinuxBootLayout l = load_linux(mem, cpu, c);

    // Memory: kernel at 1 MB, initrd, command line, boot_params, GDT.
    CHECK(mem.read(0x100000, 1) == 0x8B);
    CHECK(mem.read(l.initrd_addr, 4) == 0xCDCDCDCD);
    CHECK(mem.read(l.initrd_addr + 12344, 1) == 0xCD);
    std::string cmd;
    for (uint32_t a = LinuxBootLayout::kCmdline; mem.read(a, 1); ++a) cmd += char(mem.read(a, 1));
    CHECK(cmd == "console=ttyS0 acpi=off");
    CHECK(mem.read(LinuxBootLayout::kBootParams + 0x202, 4) == 0x53726448);
    CHECK(mem.read(LinuxBootLayout::kBootParams + 0x218, 4) == l.initrd_addr);
    CHECK(mem.read(LinuxBootLayout::kGdt + 0x10, 4) == 0x0000FFFF);
    CHECK(mem.read(LinuxBootLayout::kGdt + 0x14, 4) == 0x00CF9B00);
    CHECK(mem.read(LinuxBootLayout::kGdt + 0x1C, 4) == 0x00CF9300);

    // Registers (boot.rst, 32-bit boot protocol).
    const auto& s = cpu.s;
    CHECK((s.cr0 & x86::CR0_PE));
    CHECK(!(s.cr0 & x86::CR0_PG));
    CHECK(!(cpu.eflags() & x86::IF));
    CHECK(s.eip == 0x100000);
    CHECK(s.gpr[x86::ESI] == LinuxBootLayout::kBootParams);
    CHECK(s.gpr[x86::EBP] == 0);
    CHECK(s.gpr[x86::EDI] == 0);
    CHECK(s.gpr[x86::EBX] == 0);
    CHECK(s.gdtr.base == LinuxBootLayout::kGdt);
    CHECK(s.gdtr.limit == 0x1F);
    CHECK(s.cpl == 0);
    CHECK(s.seg[x86::CS].selector == 0x10);
    CHECK(s.seg[x86::CS].base == 0);
    CHECK(s.seg[x86::CS].limit == 0xFFFFFFFF);
    CHECK(s.seg[x86::CS].db());
    CHECK(s.seg[x86::CS].is_code());
    for (unsigned sg : {x86::DS, x86::ES, x86::SS, x86::FS, x86::GS}) {
        CHECK(s.seg[sg].selector == 0x18);
        CHECK(s.seg[sg].base == 0);
        CHECK(s.seg[sg].limit == 0xFFFFFFFF);
        CHECK((s.seg[sg].attr & 0xF) == 0x3);  // read/write data, accessed
        CHECK(s.seg[sg].db());
    }

    // And the entry code runs: it reads the magic through ESI and halts with IF = 0.
    auto r = cpu.run(1000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(cpu.s.gpr[x86::EAX] == 0x53726448);
    CHECK(cpu.s.gpr[x86::ECX] == 0);
}

TEST_CASE("the pc machine boots a kernel given with -kernel, no BIOS needed", "[linuxboot]") {
    auto dir = std::filesystem::temp_directory_path() / fmt::format("trapeze-linuxboot-{}", ::getpid());
    std::filesystem::create_directories(dir);
    auto kpath = (dir / "bzImage").string();
    auto ipath = (dir / "initrd").string();
    auto write = [](const std::string& p, const std::vector<uint8_t>& d) {
        std::FILE* f = std::fopen(p.c_str(), "wb");
        REQUIRE(f);
        std::fwrite(d.data(), 1, d.size(), f);
        std::fclose(f);
    };
    write(kpath, make_bzimage());
    write(ipath, std::vector<uint8_t>(5000, 7));
    PcConfig cfg;
    cfg.ram_mb = 64;
    cfg.kernel_path = kpath;
    cfg.initrd_path = ipath;
    cfg.append = "console=ttyS0";
    {
        PcMachine pc(cfg);
        auto r = pc.run(1000);
        CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
        CHECK(pc.cpu().s.gpr[x86::EAX] == 0x53726448);
        uint32_t ramdisk = pc.memory().read(LinuxBootLayout::kBootParams + 0x218, 4);
        CHECK(pc.memory().read(ramdisk, 1) == 7);
    }
    cfg.ram_mb = 16;  // too small for init_size
    try {
        PcMachine pc(cfg);
        FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("give a larger -m") != std::string::npos);
    }
    cfg.ram_mb = 64;
    cfg.kernel_path.clear();
    CHECK_THROWS_WITH(PcMachine(cfg), "-initrd and -append need -kernel");
    cfg.initrd_path.clear();
    cfg.append.clear();
    CHECK_THROWS_WITH(PcMachine(cfg), Catch::Contains("no firmware"));
    std::filesystem::remove_all(dir);
}
