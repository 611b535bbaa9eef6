#include "machines/linux_boot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "cpu/physical_memory.h"
#include "isa/x86/cpu.h"

namespace trapeze::machines {

namespace {

uint32_t get8(std::span<const uint8_t> b, uint32_t off) { return b[off]; }
uint32_t get16(std::span<const uint8_t> b, uint32_t off) { return b[off] | (uint32_t(b[off + 1]) << 8); }
uint32_t get32(std::span<const uint8_t> b, uint32_t off) { return get16(b, off) | (get16(b, off + 2) << 16); }
uint64_t get64(std::span<const uint8_t> b, uint32_t off) { return get32(b, off) | (uint64_t(get32(b, off + 4)) << 32); }

void put8(std::vector<uint8_t>& b, uint32_t off, uint32_t v) { b.at(off) = uint8_t(v); }
void put16(std::vector<uint8_t>& b, uint32_t off, uint32_t v) {
    put8(b, off, v);
    put8(b, off + 1, v >> 8);
}
void put32(std::vector<uint8_t>& b, uint32_t off, uint32_t v) {
    put16(b, off, v);
    put16(b, off + 2, v >> 16);
}
void put64(std::vector<uint8_t>& b, uint32_t off, uint64_t v) {
    put32(b, off, uint32_t(v));
    put32(b, off + 4, uint32_t(v >> 32));
}

std::string mib(uint64_t bytes) {
    if (bytes % (1 << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    return fmt::format("{:.1f} MiB", double(bytes) / (1 << 20));
}

// Linux/x86 boot protocol version as printed by the kernel docs (2.02, 2.15).
std::string version_str(uint16_t v) { return fmt::format("{}.{:02}", v >> 8, v & 0xFF); }

}  // namespace

BzImageInfo parse_bzimage(std::span<const uint8_t> img, const std::string& name) {
    using namespace bzhdr;
    auto fail = [&](const std::string& why) { return std::runtime_error(fmt::format("{}: {}", name, why)); };
    BzImageInfo info;
    if (img.size() < kHeader + 4)
        throw fail(fmt::format("too short to be a Linux kernel ({} bytes)", img.size()));
    if (get32(img, kHeader) != kMagic)
        throw fail("not a Linux kernel image (no \"HdrS\" setup header at offset 0x202)");
    if (img.size() < kVersion + 2) throw fail("truncated in the setup header");
    info.protocol = uint16_t(get16(img, kVersion));
    if (info.protocol < 0x0202)
        throw fail(fmt::format("boot protocol {} is too old (2.02 or later is needed)", version_str(info.protocol)));
    if (get16(img, kBootFlag) != 0xAA55)
        throw fail(fmt::format("bad boot sector signature {:#06x} at offset 0x1fe (expected 0xaa55)",
                               get16(img, kBootFlag)));
    // The header runs to 0x202 + the byte at 0x201 (the jump's displacement); in boot_params
    // it must end before edd_mbr_sig_buffer at 0x290.
    info.header_end = 0x202 + get8(img, kJump + 1);
    if (info.header_end < kVersion + 2 || info.header_end > 0x290)
        throw fail(fmt::format("setup header length {:#x} out of range", info.header_end - 0x1F1));
    if (img.size() < info.header_end)
        throw fail(fmt::format("truncated: {} bytes, the setup header alone is {}", img.size(), info.header_end));
    // Fields past the header's declared end read as zero.
    auto field = [&](uint32_t off, unsigned size) -> uint64_t {
        if (off + size > info.header_end) return 0;
        switch (size) {
        case 1: return get8(img, off);
        case 2: return get16(img, off);
        case 4: return get32(img, off);
        default: return get64(img, off);
        }
    };

    info.setup_sects = unsigned(field(kSetupSects, 1));
    if (info.setup_sects == 0) info.setup_sects = 4;
    // The real-mode code is loaded in a 32 KB window with its stack and heap (boot.rst).
    if (info.setup_sects > 64)
        throw fail(fmt::format("setup_sects {} out of range (at most 64)", info.setup_sects));
    info.setup_size = (info.setup_sects + 1) * 512;
    if (img.size() <= info.setup_size)
        throw fail(fmt::format("truncated: {} bytes, but the real-mode setup alone is {} bytes (setup_sects {})",
                               img.size(), info.setup_size, info.setup_sects));
    info.kernel_offset = info.setup_size;
    info.kernel_size = uint32_t(img.size() - info.setup_size);
    if (info.protocol >= 0x0204) {
        // syssize counts 16-byte paragraphs, rounded up (memtest86+ ends mid-paragraph).
        uint64_t syssize = field(kSyssize, 4) * 16;
        if (syssize == 0) throw fail("syssize is 0 (no protected-mode kernel)");
        if (syssize > (uint64_t{info.kernel_size} + 15) / 16 * 16)
            throw fail(fmt::format("truncated: the header says {} bytes of protected-mode kernel, the file has {}",
                                   syssize, info.kernel_size));
    }
    info.loadflags = uint8_t(field(kLoadflags, 1));
    if (!(info.loadflags & kLoadedHigh))
        throw fail("a zImage (kernel loaded below 1 MB) is not supported; only a bzImage can be loaded");
    info.code32_start = uint32_t(field(kCode32Start, 4));
    if (info.code32_start < 0x100000 || uint64_t{info.code32_start} + info.kernel_size > 0xFFFFFFFFull)
        throw fail(fmt::format("code32_start {:#x} out of range (expected 0x100000)", info.code32_start));
    info.initrd_addr_max = info.protocol >= 0x0203 ? uint32_t(field(kInitrdAddrMax, 4)) : 0x37FFFFFF;
    if (info.initrd_addr_max < 0x100000)
        throw fail(fmt::format("initrd_addr_max {:#x} out of range", info.initrd_addr_max));
    if (info.protocol >= 0x0205) {
        info.kernel_alignment = uint32_t(field(kKernelAlignment, 4));
        info.relocatable = field(kRelocatable, 1) != 0;
        if (info.relocatable && (info.kernel_alignment == 0 ||
                                 (info.kernel_alignment & (info.kernel_alignment - 1)) != 0))
            throw fail(fmt::format("kernel_alignment {:#x} is not a power of two", info.kernel_alignment));
    }
    info.cmdline_size = info.protocol >= 0x0206 ? uint32_t(field(kCmdlineSize, 4)) : 255;
    if (info.cmdline_size == 0) info.cmdline_size = 255;
    info.cmdline_size = std::min<uint32_t>(info.cmdline_size, 0xFFFF);  // our buffer is 64 KB
    if (info.protocol >= 0x020A) {
        info.pref_address = field(kPrefAddress, 8);
        info.init_size = uint32_t(field(kInitSize, 4));
        if (info.pref_address >= 0x100000000ull)
            throw fail(fmt::format("pref_address {:#x} out of range", info.pref_address));
    }
    return info;
}

std::vector<E820Entry> pc_e820_map(uint64_t ram_bytes) {
    std::vector<E820Entry> map;
    map.push_back({0, std::min<uint64_t>(ram_bytes, 0xA0000), kE820Ram});
    // 0xA0000-0xEFFFF: VGA memory and option ROMs, absent from the map as on a real PC.
    map.push_back({0xF0000, 0x10000, kE820Reserved});  // the system BIOS area
    if (ram_bytes > 0x100000) map.push_back({0x100000, ram_bytes - 0x100000, kE820Ram});
    return map;
}

LinuxBootLayout plan_linux_boot(const LinuxBootConfig& cfg) {
    const std::string& kname = cfg.kernel_path;
    LinuxBootLayout l;
    l.image = parse_bzimage(cfg.kernel, kname);
    const BzImageInfo& bi = l.image;
    l.e820 = pc_e820_map(cfg.ram_bytes);
    l.kernel_addr = bi.code32_start;
    l.kernel_size = bi.kernel_size;
    uint64_t end = uint64_t{l.kernel_addr} + l.kernel_size;
    // Memory the kernel claims beyond its image while it decompresses and starts
    // (arch/x86/boot/compressed/head_32.S): init_size bytes from its load address, aligned
    // up to kernel_alignment and at least pref_address (LOAD_PHYSICAL_ADDR) when relocatable.
    if (bi.init_size) {
        uint64_t base = l.kernel_addr;
        if (bi.relocatable) {
            uint64_t a = bi.kernel_alignment;
            base = (base + a - 1) & ~(a - 1);
            base = std::max<uint64_t>(base, bi.pref_address);
        } else if (bi.pref_address) {
            base = bi.pref_address;
        }
        end = std::max(end, base + bi.init_size);
    }
    if (end > cfg.ram_bytes)
        throw std::runtime_error(fmt::format("{}: the kernel needs {} of RAM, the machine has {} (give a larger -m)",
                                             kname, mib((end + 0xFFFFF) & ~uint64_t{0xFFFFF}), mib(cfg.ram_bytes)));
    l.kernel_end = uint32_t(end);

    if (cfg.cmdline.size() > bi.cmdline_size)
        throw std::runtime_error(fmt::format("-append: the command line is {} bytes, {} accepts at most {}",
                                             cfg.cmdline.size(), kname, bi.cmdline_size));

    if (!cfg.initrd.empty()) {
        // As high as possible below initrd_addr_max and the end of RAM, page aligned, above
        // everything the kernel claims.
        uint64_t limit = std::min<uint64_t>(uint64_t{bi.initrd_addr_max} + 1, cfg.ram_bytes);
        uint64_t size = cfg.initrd.size();
        uint64_t addr = size <= limit ? (limit - size) & ~uint64_t{0xFFF} : 0;
        if (size > limit || addr < end)
            throw std::runtime_error(fmt::format(
                "{}: the initrd ({} bytes) does not fit in RAM between the kernel's end at {:#x} and {:#x} "
                "(give a larger -m)",
                cfg.initrd_path, size, end, limit));
        l.initrd_addr = uint32_t(addr);
        l.initrd_size = uint32_t(size);
    }
    return l;
}

std::vector<uint8_t> build_boot_params(std::span<const uint8_t> image, const BzImageInfo& info,
                                       const LinuxBootLayout& layout, uint64_t ram_bytes) {
    using namespace bzhdr;
    if (info.header_end > image.size() || info.header_end > 0x290)
        throw std::runtime_error("build_boot_params: the image does not match its parsed header");
    std::vector<uint8_t> zp(zeropage::kSize, 0);
    // The setup header is copied from the image as it is (boot.rst: "the boot loader should
    // load the kernel's setup header into boot_params"), then the loader's fields are filled.
    std::memcpy(zp.data() + kSetupSects, image.data() + kSetupSects, info.header_end - kSetupSects);
    put8(zp, kTypeOfLoader, 0xFF);  // undefined loader id
    put8(zp, kLoadflags, (info.loadflags | kCanUseHeap) & ~0x40);  // KEEP_SEGMENTS off
    put16(zp, kHeapEndPtr, 0xFE00 - 0x200);
    put32(zp, kCmdLinePtr, LinuxBootLayout::kCmdline);
    put32(zp, kRamdiskImage, layout.initrd_addr);
    put32(zp, kRamdiskSize, layout.initrd_size);
    uint64_t ext_k = ram_bytes > 0x100000 ? (ram_bytes - 0x100000) >> 10 : 0;
    put32(zp, zeropage::kAltMemK, uint32_t(std::min<uint64_t>(ext_k, 0xFFFFFFFF)));
    put16(zp, zeropage::kExtMemK, uint32_t(std::min<uint64_t>(ext_k, 0xFFFF)));
    size_t n = std::min<size_t>(layout.e820.size(), zeropage::kE820Max);
    put8(zp, zeropage::kE820Entries, uint32_t(n));
    for (size_t i = 0; i < n; ++i) {
        uint32_t off = zeropage::kE820Table + uint32_t(i) * 20;
        put64(zp, off, layout.e820[i].addr);
        put64(zp, off + 8, layout.e820[i].size);
        put32(zp, off + 16, layout.e820[i].type);
    }
    return zp;
}

LinuxBootLayout load_linux(cpu::PhysicalMemory& mem, x86::X86Cpu& cpu, const LinuxBootConfig& cfg) {
    LinuxBootLayout l = plan_linux_boot(cfg);
    auto put = [&](uint32_t addr, std::span<const uint8_t> bytes, const char* what) {
        for (uint64_t a = addr & ~uint64_t{0xFFF}; a < uint64_t{addr} + bytes.size(); a += 0x1000)
            if (!mem.is_ram(a))
                throw std::runtime_error(fmt::format("{}: the {} at {:#x} is not in RAM", cfg.kernel_path, what, a));
        if (!mem.write_block(addr, bytes))
            throw std::runtime_error(fmt::format("{}: cannot write the {} at {:#x}", cfg.kernel_path, what, addr));
    };
    std::span<const uint8_t> kernel(cfg.kernel);
    put(l.kernel_addr, kernel.subspan(l.image.kernel_offset, l.kernel_size), "kernel");
    if (l.initrd_size) put(l.initrd_addr, cfg.initrd, "initrd");
    std::vector<uint8_t> cmdline(cfg.cmdline.begin(), cfg.cmdline.end());
    cmdline.push_back(0);
    put(LinuxBootLayout::kCmdline, cmdline, "command line");
    put(LinuxBootLayout::kBootParams, build_boot_params(kernel, l.image, l, cfg.ram_bytes), "boot_params");

    // The boot GDT: null, unused, __BOOT_CS (flat 4 GB code, read/execute), __BOOT_DS (flat
    // 4 GB data, read/write); accessed bits preset so the CPU never writes them.
    const uint32_t code_lo = 0x0000FFFF, code_hi = 0x00CF9B00;
    const uint32_t data_lo = 0x0000FFFF, data_hi = 0x00CF9300;
    std::vector<uint8_t> gdt(32, 0);
    put32(gdt, 0x10, code_lo);
    put32(gdt, 0x14, code_hi);
    put32(gdt, 0x18, data_lo);
    put32(gdt, 0x1C, data_hi);
    put(LinuxBootLayout::kGdt, gdt, "GDT");

    // CPU state at the 32-bit entry (boot.rst, "32-bit BOOT PROTOCOL").
    using namespace x86;
    cpu.reset();
    X86State& s = cpu.s;
    s.cr0 = CR0_ET | CR0_PE;  // protected mode, paging off
    s.gdtr = {LinuxBootLayout::kGdt, 0x1F};
    s.idtr = {0, 0};          // no IDT: the kernel loads its own before enabling interrupts
    cpu.set_eflags(0x2, 0xFFFFFFFFu);  // IF = 0
    cpu.set_segment_from_descriptor(CS, LinuxBootLayout::kBootCs, code_lo, code_hi);
    for (unsigned sg : {DS, ES, SS, FS, GS})
        cpu.set_segment_from_descriptor(sg, LinuxBootLayout::kBootDs, data_lo, data_hi);
    s.cpl = 0;
    s.gpr = {};
    s.gpr[ESI] = LinuxBootLayout::kBootParams;
    s.gpr[ESP] = LinuxBootLayout::kStackTop;
    s.eip = l.image.code32_start;
    cpu.flush_tlb();
    return l;
}

}  // namespace trapeze::machines
