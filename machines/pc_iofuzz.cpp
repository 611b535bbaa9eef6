#include "machines/pc_iofuzz.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <vector>

#include "machines/fuzz_support.h"
#include "machines/pc.h"

namespace trapeze::machines {

namespace {

// The ports the PC's devices decode (docs/pc-devices.md): PIC, PIT, 8042 and port 0x61, RTC,
// POST code, port 0x92, PIC slave, ELCR, COM1, debugcon.
struct PortRange {
    uint16_t first, count;
};
constexpr PortRange kDevicePorts[] = {
    {0x20, 2}, {0x40, 4}, {0x60, 1}, {0x61, 1}, {0x64, 1}, {0x70, 2}, {0x80, 1},
    {0x92, 1}, {0xA0, 2}, {0x4D0, 2}, {0x3F8, 8}, {0xE9, 1},
};

// A 64 KB ROM: point all 256 real-mode vectors at an IRET, then idle with interrupts on
// (sti; hlt; jmp back), so that every device interrupt the random writes provoke is taken.
std::vector<uint8_t> idle_rom() {
    std::vector<uint8_t> rom(0x10000, 0xF4);
    const uint8_t code[] = {
        0x31, 0xC0,              // xor ax, ax
        0x8E, 0xC0,              // mov es, ax
        0x31, 0xFF,              // xor di, di
        0xB9, 0x00, 0x01,        // mov cx, 256
        0xB8, 0x00, 0x01,        // l: mov ax, 0x0100 (the IRET below, offset in F000)
        0xAB,                    // stosw
        0xB8, 0x00, 0xF0,        // mov ax, 0xF000
        0xAB,                    // stosw
        0xE2, 0xF6,              // loop l
        0xFB,                    // idle: sti
        0xF4,                    // hlt
        0xEB, 0xFC,              // jmp idle
    };
    std::copy(std::begin(code), std::end(code), rom.begin());
    rom[0x100] = 0xCF;  // iret
    const uint8_t reset[] = {0xEA, 0x00, 0x00, 0x00, 0xF0};  // jmp far F000:0000
    std::copy(std::begin(reset), std::end(reset), rom.begin() + 0xFFF0);
    return rom;
}

}  // namespace

IofuzzReport run_pc_iofuzz(const IofuzzOptions& opts) {
    // PcMachine takes its firmware from a file.
    const TempRomFile rom(idle_rom());
    PcConfig cfg;
    cfg.bios_path = rom.path();
    cfg.ram_mb = 16;
    cfg.serial = "null";
    cfg.debugcon = "null";
    cfg.rtc_base = "2024-01-01";
    cfg.log_resets = false;  // the random writes reset the board all the time
    PcMachine pc(cfg);

    IofuzzReport report;
    std::mt19937_64 rng(opts.seed);
    cpu::PortBus& ports = pc.cpu().ports();
    auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    for (uint64_t op = 0;; ++op) {
        if (opts.max_operations ? op >= opts.max_operations : ((op & 255) == 0 && elapsed() >= opts.max_seconds))
            break;
        uint64_t r = rng();
        uint16_t port;
        if (r % 8 != 0) {  // seven in eight to a device port
            const PortRange& d = kDevicePorts[(r >> 3) % std::size(kDevicePorts)];
            port = uint16_t(d.first + (r >> 8) % d.count);
            ++report.device_accesses;
        } else {
            port = uint16_t(r >> 8);
        }
        const unsigned size = 1u << ((r >> 24) % 3);
        const uint32_t value = uint32_t(rng());
        try {
            if ((r >> 28) & 1) {
                ports.write(port, size, size == 4 ? value : value & ((1u << (8 * size)) - 1));
                ++report.writes;
            } else {
                (void)ports.read(port, size);
                ++report.reads;
            }
            // Let guest time pass now and then: timers fire, interrupts are taken, resets
            // requested by the writes happen.
            if ((op & 15) == 15) {
                uint64_t before = pc.cpu().instructions();
                cpu::RunResult res = pc.run(1 + (r >> 32) % 20000);
                report.instructions += pc.cpu().instructions() - before;
                ++report.stops[res.reason == cpu::StopReason::kInsnLimit ? std::string("slice ended") : res.message];
            }
        } catch (const std::exception& e) {
            throw std::runtime_error(fmt::format("iofuzz: host-side error at seed {} operation {} (port {:#x} size {}): {}",
                                                 opts.seed, op, port, size, e.what()));
        }
    }
    report.seconds = elapsed();
    return report;
}

std::string format_iofuzz_report(const IofuzzReport& r, const IofuzzOptions& opts) {
    std::string out = fmt::format(
        "iofuzz pc: seed {}, {} port reads and {} writes ({} to device ports), {} guest instructions in {:.1f} s\n",
        opts.seed, r.reads, r.writes, r.device_accesses, r.instructions, r.seconds);
    for (const auto& [msg, n] : r.stops) out += fmt::format("  {} x {}\n", n, msg);
    out += "  host faults: 0\n";
    return out;
}

}  // namespace trapeze::machines
