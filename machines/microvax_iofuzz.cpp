#include "machines/microvax_iofuzz.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>

#include "isa/vax/assembler.h"
#include "machines/fuzz_support.h"
#include "machines/microvax3900.h"

namespace trapeze::machines {

namespace {

// The guest: leave the interrupt stack for the kernel stack at IPL 0 (REI), with an SCB in the
// ROM whose every vector is an REI (machine check: pop its parameters first), and idle, so
// that every interrupt the random accesses provoke is taken and dismissed.
std::vector<uint8_t> idle_rom() {
    std::string src = R"(
        MOVL    #^X1000, SP         ; interrupt stack, in RAM (memory management off)
        MTPR    #^X2000, #0         ; KSP
        MTPR    #SCB, #17           ; SCBB
        PUSHL   #0                  ; PSL: kernel mode, IPL 0, kernel stack
        PUSHAL  IDLE
        REI
IDLE:   BRB     IDLE
DISMISS: REI
MCHECK: ADDL2   (SP)+, SP
        REI
        .ALIGN  9
SCB:
)";
    for (unsigned v = 0; v < 256; ++v) src += v == 1 ? "        .LONG MCHECK\n" : "        .LONG DISMISS\n";
    vax::AssembledProgram p = vax::assemble(src, MicroVax3900::kRomBase);
    if (!p.ok()) throw std::logic_error("iofuzz: the idle ROM does not assemble: " + p.error_text());
    std::vector<uint8_t> rom(MicroVax3900::kRomSize, 0);  // HALTs
    std::copy(p.image.begin(), p.image.end(), rom.begin());
    return rom;
}

// The standard CSR addresses of the Q-bus mass-storage controllers that speak UQSSP (RQDX3 at
// 772150, TQK50 at 774500): IP at +0, SA at +2. Where the machine maps one, the campaign also
// drives its four-step initialization with random ring sizes and a random communications area
// (often outside RAM), then starts polling, so that the port reads rings whose descriptors and
// packets are the random bytes in RAM: DMA from and to addresses outside RAM, huge byte counts.
constexpr uint32_t kUqsspCsrs[] = {0x20001468, 0x20001940};

// Values with a bias to the ones devices get wrong: zero, all ones, single bits, addresses
// just past RAM and at the top of the Q-bus and physical spaces, huge counts.
uint32_t interesting_value(std::mt19937_64& rng, uint32_t ram_bytes) {
    uint64_t r = rng();
    switch (r % 8) {
    case 0: return 0;
    case 1: return 0xFFFFFFFFu;
    case 2: return 1u << ((r >> 3) % 32);
    case 3: return ram_bytes - uint32_t((r >> 3) % 64);
    case 4: return 0x3FFFFE00u | uint32_t((r >> 3) & 0x1FF);
    case 5: return 0x80000000u | uint32_t(r >> 3);
    case 6: return 0x003FFFFFu - uint32_t((r >> 3) % 16);
    default: return uint32_t(r >> 32);
    }
}

}  // namespace

VaxIofuzzReport run_microvax_iofuzz(const IofuzzOptions& opts) {
    // MicroVax3900 takes its ROM from a file, and maps its I/O space only with a ROM.
    const TempRomFile rom(idle_rom());
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> null_out(std::fopen("/dev/null", "w"), &std::fclose);
    if (!null_out) throw std::runtime_error("iofuzz: cannot open /dev/null");
    MicroVaxConfig cfg;
    cfg.rom_path = rom.path();
    cfg.ram_mb = 16;
    cfg.console_out = null_out.get();
    cfg.console_in_fd = -1;
    auto vax = std::make_unique<MicroVax3900>(cfg);
    cpu::PhysicalMemory& mem = vax->memory();
    const uint32_t ram_bytes = uint32_t(cfg.ram_mb << 20);

    VaxIofuzzReport report;
    // The targets: every MMIO region the machine registered (each counts the same, so that a
    // four-byte register is visited as often as a 4 MB bus window) and every ROM page run.
    for (const auto& [base, bytes] : mem.mmio_regions())
        report.ranges.push_back({uint32_t(base), uint32_t(bytes), false, 0});
    for (uint64_t a = 0; a < mem.size(); a += cpu::PhysicalMemory::kPageSize) {
        const uint8_t f = mem.page(a).flags;
        if (!(f & cpu::PhysicalMemory::kReadable) || (f & cpu::PhysicalMemory::kWritable)) continue;
        if (!report.ranges.empty() && report.ranges.back().rom &&
            report.ranges.back().base + report.ranges.back().bytes == a)
            report.ranges.back().bytes += uint32_t(cpu::PhysicalMemory::kPageSize);
        else
            report.ranges.push_back({uint32_t(a), uint32_t(cpu::PhysicalMemory::kPageSize), true, 0});
    }
    if (report.ranges.empty()) throw std::logic_error("iofuzz: the MicroVAX 3900 maps no I/O space");

    std::mt19937_64 rng(opts.seed);
    // Random RAM above the guest's stacks: rings, descriptors and buffers a device may read.
    {
        std::vector<uint8_t> junk(1u << 20);
        for (size_t i = 0; i < junk.size(); i += 8) {
            uint64_t r = rng();
            for (unsigned b = 0; b < 8; ++b) junk[i + b] = uint8_t(r >> (8 * b));
        }
        mem.write_block(0x4000, std::span<const uint8_t>(junk).subspan(0x4000));
    }
    std::vector<uint32_t> uqssp;
    for (uint32_t csr : kUqsspCsrs)
        for (const auto& g : report.ranges)
            if (!g.rom && csr >= g.base && csr + 4 <= g.base + g.bytes) {
                uqssp.push_back(csr);
                break;
            }
    vax::VaxCpu& cpu = vax->cpu();
    auto run_guest = [&](uint64_t n) {
        cpu::RunResult res = vax->run(n);
        report.instructions += res.instructions;
        if (res.reason == cpu::StopReason::kInsnLimit) {
            ++report.stops["slice ended"];
        } else {
            ++report.stops[res.reason == cpu::StopReason::kGuestHalt ? std::string("guest halted: restarted")
                                                                      : res.message];
            // Power-up state again: kernel, interrupt stack, IPL 31, from the ROM.
            cpu.mapen = false;
            cpu.psl = 0x041F0000;
            cpu.r[vax::kPC] = MicroVax3900::kRomBase;
        }
    };
    // A UQSSP bring-up: IP write, the three steps' SA writes and GO, guest time between them
    // (the port steps in guest time), then an IP read to start polling the rings.
    auto uqssp_bringup = [&](uint32_t csr) {
        const uint64_t r = rng();
        const uint32_t comm = (r >> 32) % 4 == 0 ? uint32_t(r >> 32) & 0x3FFFFE  // anywhere in Q22 space
                                                 : (0x4000 + uint32_t((r >> 32) % (0x100000 - 0x4000))) & ~1u;
        const uint32_t sa[4] = {
            0x8000u | uint32_t(r & 0x3FFF),        // step 1: ring sizes, interrupts, vector
            comm & 0xFFFF,                         // step 2: communications area, low
            (comm >> 16) | uint32_t((r >> 14) & 1) << 15,  // step 3: high, sometimes purge/poll test
            1,                                     // step 4: GO
        };
        ++report.uqssp_bringups;
        try {
            ++report.writes;
            mem.write(csr, 2, 0);  // IP: reinitialize
            run_guest(200);
            for (uint32_t v : sa) {
                ++report.writes;
                mem.write(csr + 2, 2, v);
                run_guest(200);
            }
            ++report.reads;
            (void)mem.read(csr, 2);  // IP read: poll the command ring
            run_guest(2000);
        } catch (const vax::VaxException& e) {
            if (e.vector != vax::scb::kMachineCheck) throw;
            ++report.machine_checks;
        }
    };
    auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    for (uint64_t op = 0;; ++op) {
        if (opts.max_operations ? op >= opts.max_operations : ((op & 255) == 0 && elapsed() >= opts.max_seconds))
            break;
        const uint64_t r = rng();
        const unsigned size = 1u << ((r >> 8) % 3);
        const bool write = (r >> 12) & 1;
        const uint32_t value = ((r >> 13) & 3) == 0 ? interesting_value(rng, ram_bytes) : uint32_t(rng());
        uint32_t addr = 0;
        try {
            if (!uqssp.empty() && (r >> 40) % 512 == 0) {
                addr = uqssp[(r >> 49) % uqssp.size()];
                uqssp_bringup(addr);
            } else if (r % 16 == 0) {
                // MTPR/MFPR of a board IPR (what the CPU passes on after its own).
                const unsigned n = unsigned((r >> 16) % 64);
                bool ok;
                if (write) {
                    ok = vax->write_ipr(n, value);
                    ++report.ipr_writes;
                } else {
                    uint32_t v = 0;
                    ok = vax->read_ipr(n, v);
                    ++report.ipr_reads;
                }
                report.ipr_absent += !ok;
            } else {
                if (r % 8 != 1) {  // seven in eight to a mapped I/O page
                    VaxIofuzzReport::Range& target = report.ranges[(r >> 16) % report.ranges.size()];
                    uint32_t off = uint32_t((r >> 24) % target.bytes);
                    if ((r >> 56) % 4 != 0) off &= ~(size - 1);  // mostly aligned
                    addr = target.base + off;
                    ++target.accesses;
                } else {  // anywhere in I/O space
                    addr = 0x20000000u | uint32_t((r >> 24) & 0x1FFFFFFF);
                }
                // A window with no responder behind it (the Q-bus) signals a machine check
                // to the CPU by throwing the CPU's exception; for the host it is an answer.
                try {
                    if (write) {
                        ++report.writes;
                        mem.write(addr, size, size == 4 ? value : value & ((1u << (8 * size)) - 1));
                    } else {
                        ++report.reads;
                        (void)mem.read(addr, size);
                    }
                    report.unassigned += mem.last_access_unassigned();
                } catch (const vax::VaxException& e) {
                    if (e.vector != vax::scb::kMachineCheck) throw;
                    ++report.machine_checks;
                }
            }
            // Let guest time pass now and then: timers fire, interrupts are taken, the
            // controllers' state machines step.
            if ((op & 15) == 15) run_guest(1 + (r >> 32) % 2000);
        } catch (const std::exception& e) {
            throw std::runtime_error(fmt::format("iofuzz: host-side error at seed {} operation {} (address {:#x} size {}): {}",
                                                 opts.seed, op, addr, size, e.what()));
        } catch (...) {
            throw std::runtime_error(fmt::format(
                "iofuzz: host-side error at seed {} operation {} (address {:#x} size {}): an exception escaped the machine",
                opts.seed, op, addr, size));
        }
    }
    report.seconds = elapsed();
    return report;
}

std::string format_vax_iofuzz_report(const VaxIofuzzReport& r, const IofuzzOptions& opts) {
    std::string out = fmt::format(
        "iofuzz microvax3900: seed {}, {} physical reads and {} writes ({} unanswered, {} machine checks), {} board "
        "IPR reads and {} writes ({} not implemented), {} UQSSP bring-ups, {} guest instructions in {:.1f} s\n",
        opts.seed, r.reads, r.writes, r.unassigned, r.machine_checks, r.ipr_reads, r.ipr_writes, r.ipr_absent,
        r.uqssp_bringups, r.instructions, r.seconds);
    out += "  I/O ranges:";
    for (const auto& g : r.ranges)
        out += fmt::format(" {:08X}+{:X}{}:{}", g.base, g.bytes, g.rom ? "(ROM)" : "", g.accesses);
    out += "\n";
    for (const auto& [msg, n] : r.stops) out += fmt::format("  {} x {}\n", n, msg);
    out += "  host faults: 0\n";
    return out;
}

}  // namespace trapeze::machines
