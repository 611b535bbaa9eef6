#include "machines/x86_crashme.h"

#include "machines/fuzz_support.h"

#include <fmt/format.h>

#include <cstring>
#include <random>
#include <stdexcept>

namespace trapeze::machines {

namespace {

// Guest physical layout (identity-mapped where mapped at all).
constexpr uint32_t kRamBytes = 2 << 20;
constexpr uint32_t kGdt = 0x1000, kIdt = 0x2000, kTss = 0x3000, kStubs = 0x4000;
constexpr uint32_t kPageDir = 0x6000, kPageTable = 0x7000;
constexpr uint32_t kKernelStackLo = 0xA000, kKernelStackTop = 0xC000;
constexpr uint32_t kRandom = 0x100000, kRandomBytes = 0x10000;      // user RW, random bytes
constexpr uint32_t kUserStackLo = 0x110000, kUserStackTop = 0x112000;  // user RW
constexpr uint16_t kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x1B, kData3 = 0x23, kTssSel = 0x28;
constexpr unsigned kStubBytes = 16;

// Descriptor high half for a flat 4 GB segment (SDM Vol. 3 §3.4.5), accessed bit already set:
// the GDT is on a read-only page, and the CPU's implicit write of the accessed bit would
// otherwise page-fault under CR0.WP (SDM Vol. 3 §4.6.1).
constexpr uint32_t flat_hi(unsigned dpl, bool code) {
    return 0x00CF0000u | (code ? 0x9B00u : 0x9300u) | (dpl << 13);
}

}  // namespace

// The handlers' mailbox: each IDT stub writes its vector here before halting.
class X86Crashme::VectorPort : public cpu::PortDevice {
public:
    uint32_t port_read(uint16_t, unsigned) override { return 0xFFFFFFFF; }
    void port_write(uint16_t, unsigned, uint32_t value) override { last = int(value & 0xFF); }
    int last = -1;
};

X86Crashme::X86Crashme(const CrashmeOptions& opts)
    : opts_(opts), mem_(32), vector_port_(std::make_unique<VectorPort>()) {
    ram_ = mem_.add_ram(0, kRamBytes);
    ports_.add(kVectorPort, 4, vector_port_.get());
    cpu_ = std::make_unique<x86::X86Cpu>(mem_, ports_, opts.model ? *opts.model : x86::default_model());
}

X86Crashme::~X86Crashme() = default;

void X86Crashme::build_guest(uint64_t index, int cpl) {
    // Every iteration starts from a clean machine, so that (seed, index) alone reproduces it.
    std::memset(ram_, 0, kRamBytes);
    cpu_->reset();
    std::mt19937_64 rng(opts_.seed * 0x9E3779B97F4A7C15ull + index);
    auto put32 = [this](uint32_t a, uint32_t v) { std::memcpy(ram_ + a, &v, 4); };

    // GDT: null, ring-0 code/data, ring-3 code/data, the TSS.
    put32(kGdt + 0x08, 0x0000FFFF), put32(kGdt + 0x0C, flat_hi(0, true));
    put32(kGdt + 0x10, 0x0000FFFF), put32(kGdt + 0x14, flat_hi(0, false));
    put32(kGdt + 0x18, 0x0000FFFF), put32(kGdt + 0x1C, flat_hi(3, true));
    put32(kGdt + 0x20, 0x0000FFFF), put32(kGdt + 0x24, flat_hi(3, false));
    put32(kGdt + 0x28, (kTss << 16) | 0x67), put32(kGdt + 0x2C, 0x00008B00);  // busy 32-bit TSS
    // TSS: the ring-0 stack for interrupts from ring 3; no I/O bitmap (offset past the limit).
    put32(kTss + 4, kKernelStackTop);
    put32(kTss + 8, kData0);
    put32(kTss + 0x64, 0xFFFF0000);
    // IDT: 256 interrupt gates, DPL 3 (INT n from ring 3 reaches them too), each to a stub
    //   mov eax, vector ; mov dx, kVectorPort ; out dx, eax ; cli ; hlt
    for (uint32_t v = 0; v < 256; ++v) {
        uint32_t stub = kStubs + v * kStubBytes;
        uint8_t* p = ram_ + stub;
        p[0] = 0xB8, std::memcpy(p + 1, &v, 4);
        p[5] = 0x66, p[6] = 0xBA, p[7] = uint8_t(kVectorPort), p[8] = uint8_t(kVectorPort >> 8);
        p[9] = 0xEF, p[10] = 0xFA;
        for (unsigned i = 11; i < kStubBytes; ++i) p[i] = 0xF4;
        put32(kIdt + v * 8, (uint32_t(kCode0) << 16) | (stub & 0xFFFF));
        put32(kIdt + v * 8 + 4, (stub & 0xFFFF0000) | 0xEE00);
    }
    // Paging: the kernel's pages present, read-only, supervisor (CR0.WP makes that hold at
    // ring 0 too); its stack supervisor RW; the random bytes and the user stack user RW;
    // nothing else mapped.
    put32(kPageDir, kPageTable | 0x7);
    for (uint32_t a = kGdt; a < kKernelStackLo; a += 0x1000) put32(kPageTable + (a >> 12) * 4, a | 0x1);
    for (uint32_t a = kKernelStackLo; a < kKernelStackTop; a += 0x1000) put32(kPageTable + (a >> 12) * 4, a | 0x3);
    for (uint32_t a = kRandom; a < kUserStackTop; a += 0x1000) put32(kPageTable + (a >> 12) * 4, a | 0x7);
    for (uint32_t i = 0; i < kRandomBytes; i += 8) {
        uint64_t r = rng();
        std::memcpy(ram_ + kRandom + i, &r, 8);
    }

    // The CPU as the guest's loader leaves it: protected mode, paging on, the tables loaded.
    x86::X86State& s = cpu_->s;
    s.gdtr = {kGdt, 0x2F};
    s.idtr = {kIdt, 256 * 8 - 1};
    s.tr.selector = kTssSel;
    s.tr.base = kTss;
    s.tr.limit = 0x67;
    s.tr.attr = 0x8B;
    s.tr.valid = true;
    cpu_->write_cr(3, kPageDir);
    cpu_->write_cr(0, x86::CR0_PE | x86::CR0_ET | x86::CR0_NE | x86::CR0_WP | x86::CR0_PG);
    const bool user = cpl == 3;
    const uint16_t code = user ? kCode3 : kCode0, data = user ? kData3 : kData0;
    cpu_->set_cpl(user ? 3 : 0);
    for (unsigned seg = 0; seg < 6; ++seg) {
        uint16_t sel = seg == x86::CS ? code : data;
        cpu_->set_segment_from_descriptor(seg, sel, 0x0000FFFF, flat_hi(user ? 3 : 0, seg == x86::CS));
    }
    cpu_->set_cs_for_mode();
    for (unsigned i = 0; i < 8; ++i) s.gpr[i] = uint32_t(rng());
    s.gpr[x86::ESP] = user ? kUserStackTop - 0x100 : kKernelStackTop - 0x100;
    // Random arithmetic flags and DF; IF set (nothing interrupts); IOPL 0.
    cpu_->set_eflags(uint32_t(rng()) & (x86::ARITH_FLAGS | x86::DF), x86::ARITH_FLAGS | x86::DF);
    cpu_->set_eflags(x86::IF, x86::IF);
    s.eip = kRandom + uint32_t(rng() % (kRandomBytes - 16));
}

void X86Crashme::run_iteration(uint64_t index, CrashmeReport& report) {
    const int cpl = opts_.cpl >= 0 ? opts_.cpl : (index & 1 ? 3 : 0);
    build_guest(index, cpl);
    vector_port_->last = -1;
    const uint64_t before = cpu_->instructions();
    cpu::RunResult r;
    try {
        r = cpu_->run(opts_.insns_per_stream);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("crashme: host-side error in seed {} iteration {}: {}", opts_.seed,
                                             index, e.what()));
    }
    report.instructions += cpu_->instructions() - before;
    ++report.iterations;
    using cpu::StopReason;
    switch (r.reason) {
    case StopReason::kHaltedNoWake:
        if (vector_port_->last >= 0) ++report.exceptions[size_t(vector_port_->last)];
        else ++report.halted;
        break;
    case StopReason::kShutdown: ++report.triple_faults; break;
    case StopReason::kInsnLimit: ++report.watchdog; break;
    default:
        ++report.other_stops;
        ++report.stop_messages[r.message];
        break;
    }
}

CrashmeReport X86Crashme::run() {
    CrashmeReport report;
    report.seconds = run_campaign(opts_.max_iterations, opts_.max_seconds, [&](uint64_t i) { run_iteration(i, report); });
    return report;
}

std::string format_crashme_report(const CrashmeReport& r, const CrashmeOptions& opts) {
    std::string out = fmt::format("crashme pc: seed {}, {}, {} iterations, {} instructions in {:.1f} s\n", opts.seed,
                                  opts.cpl < 0 ? std::string("CPL 0 and 3 alternating") : fmt::format("CPL {}", opts.cpl),
                                  r.iterations, r.instructions, r.seconds);
    out += "  streams ended by exception vector:";
    for (unsigned v = 0; v < 256; ++v)
        if (r.exceptions[v]) out += fmt::format(" {}:{}", v, r.exceptions[v]);
    out += "\n";
    out += fmt::format("  triple faults {}, stopped by the watchdog {}, HLT by the stream {}, other stops {}\n",
                       r.triple_faults, r.watchdog, r.halted, r.other_stops);
    for (const auto& [msg, n] : r.stop_messages) out += fmt::format("    {} x {}\n", n, msg);
    out += "  host faults: 0\n";
    return out;
}

}  // namespace trapeze::machines
