#include "machines/vax_crashme.h"

#include "machines/fuzz_support.h"

#include <fmt/format.h>

#include <cstring>
#include <random>
#include <stdexcept>

namespace trapeze::machines {

namespace {

using namespace trapeze::vax;

// Guest physical layout; S0 virtual address = 0x80000000 | physical for the mapped pages.
constexpr uint32_t kRamBytes = 0x20000;
constexpr uint32_t kScb = 0x0000;          // 2 pages: 256 vectors (the KA655's SCB is 2 pages)
constexpr uint32_t kStubs = 0x0400;        // 256 handlers of 8 bytes: HALT, then HALTs
constexpr uint32_t kStubBytes = 8;
constexpr uint32_t kBoot = 0x0C00;         // REI: enters the stream
constexpr uint32_t kPcb = 0x0E00;          // a process control block for LDPCTX/SVPCTX
constexpr uint32_t kSpt = 0x1000;          // system page table, 256 PTEs
constexpr uint32_t kSptEntries = kRamBytes / 512;
constexpr uint32_t kKernelStack = 0x2000, kInterruptStack = 0x2800;  // 4 pages each, KW
constexpr uint32_t kExecStack = 0x3000, kSuperStack = 0x3400, kUserStack = 0x3800;  // UW
constexpr uint32_t kRandom = 0x10000, kRandomBytes = 0x10000;  // UW, random bytes
constexpr uint32_t kS0 = 0x80000000;

// PTE: <31> valid, <30:27> protection, <26> modify, <20:0> PFN.
constexpr uint32_t kProtKw = 2, kProtKr = 3, kProtUw = 4, kProtUr = 15;
constexpr uint32_t pte(uint32_t pa, uint32_t prot) { return (1u << 31) | (prot << 27) | (1u << 26) | (pa >> 9); }

constexpr uint32_t stub_va(unsigned index) { return kS0 | (kStubs + index * kStubBytes); }

}  // namespace

// The bare board: RAM only, no board IPRs (MTPR/MFPR to them is a reserved operand fault),
// no interrupts. A halt ends the stream; the board records where, to tell the handlers'
// halts from the stream's own.
class VaxCrashme::Board : public vax::VaxBoard {
public:
    bool read_ipr(unsigned, uint32_t&) override { return false; }
    bool write_ipr(unsigned, uint32_t) override { return false; }
    unsigned pending_interrupt_level() override { return 0; }
    uint32_t acknowledge_interrupt(unsigned) override { return 0; }
    bool halt(vax::HaltReason why, uint32_t pc, uint32_t) override {
        reason = why;
        halt_pc = pc;
        halted = true;
        return false;
    }
    void advance(uint64_t) override {}
    vax::HaltReason reason{};
    uint32_t halt_pc = 0;
    bool halted = false;
};

VaxCrashme::VaxCrashme(const VaxCrashmeOptions& opts)
    : opts_(opts), mem_(30), board_(std::make_unique<Board>()) {
    ram_ = mem_.add_ram(0, kRamBytes);
}

VaxCrashme::~VaxCrashme() = default;

void VaxCrashme::build_guest(uint64_t index, unsigned mode) {
    // Every iteration starts from a clean machine, so that (seed, index) alone reproduces it.
    std::memset(ram_, 0, kRamBytes);
    cpu_ = std::make_unique<VaxCpu>(mem_, *board_);
    *board_ = Board{};
    std::mt19937_64 rng(opts_.seed * 0x9E3779B97F4A7C15ull + index);
    auto put32 = [this](uint32_t a, uint32_t v) { std::memcpy(ram_ + a, &v, 4); };

    // SCB: vector i -> stub i. Machine check and kernel-stack-not-valid on the interrupt
    // stack (<0> = 1), as VMS sets them; the rest on the kernel stack.
    for (unsigned i = 0; i < 256; ++i) {
        uint32_t v = 4 * i;
        put32(kScb + v, stub_va(i) | (v == scb::kMachineCheck || v == scb::kKernelStackNotValid ? 1 : 0));
        for (unsigned b = 0; b < kStubBytes; ++b) ram_[kStubs + i * kStubBytes + b] = 0x00;  // HALT
    }
    ram_[kBoot] = 0x02;  // REI
    // The system page table: SCB, handlers and the boot page readable by every mode (an
    // exception taken into executive or supervisor mode, CHME/CHMS or the emulated-
    // instruction exception, reaches its stub there), never writable; the PCB and the SPT
    // itself kernel read-only; kernel and interrupt stacks kernel-write; the other stacks and the
    // random bytes writable by every mode; everything else no access.
    for (uint32_t pa = 0; pa < kRamBytes; pa += 512) {
        uint32_t e = 0;
        if (pa < kPcb) e = pte(pa, kProtUr);
        else if (pa < kSpt + kSptEntries * 4) e = pte(pa, kProtKr);
        else if (pa >= kKernelStack && pa < kExecStack) e = pte(pa, kProtKw);
        else if (pa >= kExecStack && pa < kUserStack + 0x800) e = pte(pa, kProtUw);
        else if (pa >= kRandom) e = pte(pa, kProtUw);
        put32(kSpt + 4 * (pa >> 9), e);
    }
    for (uint32_t i = 0; i < kRandomBytes; i += 8) {
        uint64_t r = rng();
        std::memcpy(ram_ + kRandom + i, &r, 8);
    }

    VaxCpu& c = *cpu_;
    c.sbr = kSpt;
    c.slr = kSptEntries;
    c.p0br = kS0;
    c.p0lr = 0;                 // no P0 or P1 pages: those references are length violations
    c.p1br = kS0;
    c.p1lr = 0x200000;
    c.scbb = kScb;
    c.pcbb = kPcb;
    c.astlvl = 4;
    c.sisr = 0;
    c.mapen = true;
    c.stack = {kS0 | (kKernelStack + 0x800), kS0 | (kExecStack + 0x400), kS0 | (kSuperStack + 0x400),
               kS0 | (kUserStack + 0x800), kS0 | (kInterruptStack + 0x800)};
    // Random general registers, half of them pointing into the random bytes (so that memory
    // operands mostly land on mapped pages).
    for (unsigned i = 0; i <= kFP; ++i) {
        uint32_t v = uint32_t(rng());
        c.r[i] = (v & 1) ? v : kS0 | (kRandom + (v >> 1) % kRandomBytes);
    }
    // Enter the stream through REI from kernel mode, IPL 31, on the kernel stack: the frame
    // is the stream's PC and PSL (the mode, random condition codes and IV/FU/DV; in kernel
    // mode a random IPL).
    const uint32_t start = kS0 | (kRandom + uint32_t(rng() % (kRandomBytes - 64)));
    uint32_t new_psl = (mode << psl::kCurShift) | (mode << psl::kPrvShift) |
                       (uint32_t(rng()) & (psl::CC | psl::IV | psl::FU | psl::DV));
    if (mode == kKernel) new_psl |= (uint32_t(rng()) & 0x1F) << psl::kIplShift;
    c.psl = 0x1Fu << psl::kIplShift;  // kernel, previous kernel, IPL 31, kernel stack
    c.r[kSP] = c.stack[kKernel] - 8;
    c.stack[kKernel] = c.r[kSP];
    put32(kKernelStack + 0x800 - 8, start);
    put32(kKernelStack + 0x800 - 4, new_psl);
    c.r[kPC] = kS0 | kBoot;
}

void VaxCrashme::run_iteration(uint64_t index, VaxCrashmeReport& report) {
    const unsigned mode = opts_.mode >= 0 ? unsigned(opts_.mode) : (index & 1 ? kUser : kKernel);
    build_guest(index, mode);
    cpu::RunResult r;
    try {
        r = cpu_->run(opts_.insns_per_stream);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("crashme: host-side error in seed {} iteration {}: {}", opts_.seed,
                                             index, e.what()));
    } catch (...) {
        throw std::runtime_error(fmt::format(
            "crashme: host-side error in seed {} iteration {}: an exception escaped the VAX CPU", opts_.seed, index));
    }
    report.instructions += r.instructions;
    ++report.iterations;
    using cpu::StopReason;
    switch (r.reason) {
    case StopReason::kGuestHalt: {
        if (board_->reason != HaltReason::kHaltInstruction) {
            ++report.double_errors;
            break;
        }
        const uint32_t at = board_->halt_pc - 1;  // the PC after the HALT
        if (at < stub_va(0) || at >= stub_va(256) || (at - stub_va(0)) % kStubBytes) {
            ++report.halted;
            break;
        }
        unsigned vector = (at - stub_va(0)) / kStubBytes;
        // A handler entered in executive, supervisor or user mode (CHME, CHMS, CHMU from
        // user mode, the emulated-instruction exception) cannot HALT: its HALT is a
        // reserved-instruction fault into kernel mode, whose frame holds the stub's address.
        if (vector * 4 == scb::kReservedInstruction) {
            try {
                uint32_t faulted = cpu_->read(cpu_->r[kSP], 4);
                if (faulted >= stub_va(0) && faulted < stub_va(256) && (faulted - stub_va(0)) % kStubBytes == 0)
                    vector = (faulted - stub_va(0)) / kStubBytes;
            } catch (const VaxException&) {
                // The stream moved the kernel stack or the page tables: keep 0x10.
            }
        }
        ++report.exceptions[vector];
        break;
    }
    case StopReason::kInsnLimit: ++report.watchdog; break;
    default:
        ++report.other_stops;
        ++report.stop_messages[r.message];
        break;
    }
}

VaxCrashmeReport VaxCrashme::run() {
    VaxCrashmeReport report;
    report.seconds = run_campaign(opts_.max_iterations, opts_.max_seconds, [&](uint64_t i) { run_iteration(i, report); });
    return report;
}

std::string format_vax_crashme_report(const VaxCrashmeReport& r, const VaxCrashmeOptions& opts) {
    std::string out = fmt::format("crashme microvax3900: seed {}, {}, {} iterations, {} instructions in {:.1f} s\n",
                                  opts.seed,
                                  opts.mode < 0 ? std::string("kernel and user mode alternating")
                                                : std::string(opts.mode == 0 ? "kernel mode" : "user mode"),
                                  r.iterations, r.instructions, r.seconds);
    out += "  streams ended by SCB vector:";
    for (unsigned v = 0; v < 256; ++v)
        if (r.exceptions[v]) out += fmt::format(" {:#x}:{}", 4 * v, r.exceptions[v]);
    out += "\n";
    out += fmt::format("  double errors (CPU halts) {}, stopped by the watchdog {}, HALT by the stream {}, other stops {}\n",
                       r.double_errors, r.watchdog, r.halted, r.other_stops);
    for (const auto& [msg, n] : r.stop_messages) out += fmt::format("    {} x {}\n", n, msg);
    out += "  host faults: 0\n";
    return out;
}

}  // namespace trapeze::machines
