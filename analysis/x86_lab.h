// The classifier's laboratory: builds one IA-32 machine state in a private X86Cpu and
// PhysicalMemory, executes exactly one instruction, and records what it did.
//
// Every machine is 32-bit protected mode with paging on, flat segments, a GDT, an IDT of
// interrupt gates, an LDT and a busy 32-bit TSS with an I/O permission bitmap. What an
// experiment varies is a Config: the CPL the instruction runs at, IOPL and IF, the I/O
// bitmap, CR0.MP, CR4 bits, and the *layout*: where in linear and physical memory the
// monitor-owned structures (GDT, IDT, LDT, TSS, page tables) live, which GDT slots hold the
// LDT and TSS descriptors, and which physical frames back the guest's pages. The guest's own
// view (linear addresses, contents, selectors it uses) is identical in every layout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/x86_encode.h"
#include "cpu/physical_memory.h"
#include "cpu/port_bus.h"
#include "isa/x86/cpu_model.h"

namespace trapeze::x86 {
class X86Cpu;
}

namespace trapeze::analysis {

// Guest linear map (identical in every layout): ten pages.
inline constexpr uint32_t kGuestBase = 0x10000;      // guest pages: 0x10000..0x19FFF
inline constexpr uint32_t kGuestSize = 0xA000;
inline constexpr uint32_t kCodeAddr = 0x10100;       // the instruction under test
inline constexpr uint32_t kHandlerAddr = 0x11000;    // every gate, call gate and far target
inline constexpr uint32_t kDataAddr = 0x12100;       // EBX: the memory operand (ESI, EDI near)
inline constexpr uint32_t kOuterStack = 0x14800;     // SS:ESP in frames returning to ring 3
inline constexpr uint32_t kStackTop = 0x15000;       // ESP at every CPL
inline constexpr uint32_t kInnerStack1 = 0x17000;    // TSS.ESP1
inline constexpr uint32_t kInnerStack0 = 0x18000;    // TSS.ESP0
inline constexpr uint32_t kTlbProbe = 0x19000;       // page whose PTE is changed behind the TLB

// GDT selectors (RPL = DPL for the per-ring segments).
inline constexpr uint16_t kCode0 = 0x08, kData0 = 0x10, kCode1 = 0x19, kData1 = 0x21,
                          kCode3 = 0x2B, kData3 = 0x33, kCallGate3 = 0x48 | 3,
                          kAltData0 = 0x50, kAltData3 = 0x58 | 3, kSpareTss = 0x60,
                          kConformingCode0 = 0x68, kCallGate0 = 0x70, kLdtData3 = 0x04 | 3;
inline constexpr uint32_t kAltDataBase = 0x12000;   // base of the kAltData* segments
inline constexpr uint8_t kUserVector = 0x40;         // IDT gate with DPL 3
inline constexpr uint8_t kKernelVector = 0x41;       // IDT gate with DPL 0

inline uint16_t code_selector(unsigned cpl) { return cpl == 0 ? kCode0 : cpl == 1 ? kCode1 : kCode3; }
inline uint16_t data_selector(unsigned cpl) { return cpl == 0 ? kData0 : cpl == 1 ? kData1 : kData3; }

struct Config {
    unsigned cpl = 0;
    unsigned layout = 0;            // 0: layout A, 1: layout B (other places for everything)
    unsigned iopl = 0;
    bool interrupts = true;         // EFLAGS.IF
    bool io_bitmap_allows = false;  // the TSS I/O bitmap permits every port
    bool cr0_mp = false;
    bool umip = false;              // CR4 bits (only where the model has them)
    bool tsd = false;
    bool pce = false;
    bool v86 = false;               // virtual-8086 mode (CPL 3, segments = 0x1000 << 4)
    std::string describe() const;
};

// What a scenario sets up before the instruction runs.
struct Setup {
    std::array<uint32_t, 8> gpr{};
    uint32_t eflags = 0;            // user bits (arithmetic flags, DF, AC); IF/IOPL from Config
    std::vector<uint8_t> guest;     // kGuestSize bytes at linear kGuestBase
    std::vector<std::pair<uint8_t, uint8_t>> gate_dpl;  // IDT vector -> DPL overrides

    void poke(uint32_t lin, uint32_t v, unsigned size);
    uint32_t peek(uint32_t lin, unsigned size) const;
    // Writes a value into the instance's operand `i` (register or [EBX] memory).
    void set_operand(const Instance& inst, unsigned i, uint32_t v);
};

using SetupFn = std::function<void(Setup&, const Instance&, const Config&)>;

// A named value of the machine (register, descriptor-cache field, system register).
struct Item {
    std::string name;
    uint64_t value;
};

struct Snapshot {
    std::vector<Item> visible;      // what the guest can see: GPRs, EIP, EFLAGS, segments, CPL
    std::vector<uint8_t> memory;    // guest pages (linear kGuestBase..)
    std::vector<Item> system;       // monitor-owned state (control registers, tables, ...)
};

struct RunRecord {
    enum class Outcome { kCompleted, kFault, kError } outcome = Outcome::kCompleted;
    uint8_t vector = 0;
    bool has_error = false;
    uint32_t error = 0;
    std::string message;            // kError: why
    Snapshot before, after;
    std::vector<std::string> io;    // port accesses the instruction made
    std::string outcome_text() const;  // "completed", "#GP(0x0050)", ...
};

class Lab {
public:
    explicit Lab(const x86::CpuModel& model);
    ~Lab();
    RunRecord run(const Instance& inst, const Config& cfg, const SetupFn& setup, uint64_t seed);
    const x86::CpuModel& model() const { return model_; }
    uint64_t runs() const { return runs_; }

private:
    const x86::CpuModel& model_;
    cpu::PortBus ports_;
    std::vector<std::string>* io_log_ = nullptr;
    uint64_t runs_ = 0;
    std::unique_ptr<cpu::PhysicalMemory> mem_;
    uint8_t* ram_ = nullptr;
    std::unique_ptr<x86::X86Cpu> cpu_;
    std::unique_ptr<Setup> random_;   // the random state of random_seed_, reused across runs
    uint64_t random_seed_ = 0;
};

// Differences between the guest-visible results of two runs a and b of the same
// instruction, as "what: a vs b" lines (empty: the same). A component that already differed
// before the instruction and that neither run changed (the CS selector's RPL in runs at two
// CPLs, a frame that holds the current CS) is not a difference the instruction made.
std::vector<std::string> diff_results(const RunRecord& a, const RunRecord& b,
                                      const std::string& a_name, const std::string& b_name);
// What the instruction changed in monitor-owned state within one run (empty: nothing).
std::vector<std::string> diff_system(const RunRecord& r);

}  // namespace trapeze::analysis
