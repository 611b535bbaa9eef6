// The IA-32 trap-and-emulate monitor (`--virt=trap` and `--virt=bt`; docs/monitor.md).
//
// Once the guest enters protected mode the monitor deprivileges it, as a classic VMM on a
// Pentium would: the CPU's state becomes the *real* state and the monitor keeps the guest's
// *virtual* privileged state beside it. They differ in
//   - the CPL: guest ring 0 runs at real ring 1 (ring compression); code and data
//     descriptors of DPL 0 appear with DPL 1, and CS/SS carry RPL 1;
//   - EFLAGS.IF and IOPL: the real IF is always 1 and the real IOPL 0 (the guest's are
//     virtual), so CLI/STI/IN/OUT trap at ring 1;
//   - GDTR, IDTR, LDTR, TR: the real ones name the monitor's shadow tables and its own TSS at
//     monitor addresses (the top 4 MB of the linear space, where VMware's monitor lived);
//   - CR0.NE, forced to 1 (x87 errors reach the monitor as #MF, not as an IRQ 13 it could not
//     attribute); and the SYSENTER_CS MSR, 0 in the real state so that SYSENTER traps.
// Everything else (general registers, paging, CR2-CR4, debug registers) is shared.
//
// A trap is any exception the real state raises (a privileged instruction at ring 1, an I/O
// instruction, a segment load the shadow refuses, the guest's own page faults ...) and, under
// `bt`, the monitor trap of a rewritten sensitive instruction. The monitor emulates the
// instruction by running it once, decoded afresh, on the virtual state with the interpreter's
// own semantics; whatever event that raises is delivered through the guest's own IDT, exactly
// as on the bare machine. External interrupts are reflected the same way when the virtual IF
// allows. Under `trap`, the sensitive-unprivileged instructions run unmodified on the real
// state, and INT n goes through the shadow IDT: the holes of Robin & Irvine (2000) show.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cpu/virt_mode.h"
#include "isa/x86/fault.h"
#include "isa/x86/state.h"

namespace trapeze::x86 {

class X86Cpu;

// The monitor's address space in the real state: its tables are read by the CPU's system
// accesses (descriptor loads, IDT, TSS) at these linear addresses and never by the guest's
// own loads and stores, which keep seeing the guest's memory there.
inline constexpr uint32_t kMonitorWindow = 0xFFC00000u;
inline constexpr uint32_t kShadowGdt = 0xFFC00000u;      // 64 KB: 8192 descriptors
inline constexpr uint32_t kShadowIdt = 0xFFC10000u;      // 2 KB: 256 gates
inline constexpr uint32_t kMonitorTss = 0xFFC20000u;     // 104 bytes, no I/O bitmap
inline constexpr uint32_t kShadowLdt = 0xFFC30000u;      // 64 KB
inline constexpr uint32_t kMonitorWindowEnd = 0xFFC40000u;
inline constexpr uint16_t kMonitorLdtSelector = 0xFFF0;  // the shadow GDT's last two slots
inline constexpr uint16_t kMonitorTssSelector = 0xFFF8;

// The guest's privileged state where it differs from the real CPU's.
struct VirtualState {
    uint32_t flags = 0;          // EFLAGS.IF and IOPL
    TableRegister gdtr{}, idtr{};
    Segment ldtr{}, tr{};
    uint32_t cr0 = 0;
    uint32_t sysenter_cs = 0;
    // The CPL and segment registers as the guest had them when the monitor last deprivileged
    // it, and what it made of them: while the real ones are unchanged, the guest's are these
    // exactly (a guest that itself uses ring 1 is told apart from its ring 0 this way).
    uint8_t cpl = 0, real_cpl = 0;
    std::array<Segment, 6> seg{}, real_seg{};
};

class X86Monitor {
public:
    X86Monitor(X86Cpu& cpu, cpu::VirtMode mode);
    X86Monitor(const X86Monitor&) = delete;
    X86Monitor& operator=(const X86Monitor&) = delete;

    cpu::VirtMode mode() const { return mode_; }
    const cpu::MonitorStats& stats() const { return stats_; }
    cpu::MonitorStats& stats() { return stats_; }

    // --- called by the CPU -------------------------------------------------------------
    // The run loop, when CR0.PE and the monitor's state disagree: protected mode was entered
    // (deprivilege the guest) or the CPU was reset.
    void update_activation();
    // An exception raised by the real state: trap, emulate, deliver what the guest would see.
    void trap_fault(const GuestFault& f);
    // A rewritten instruction's monitor trap (--virt=bt).
    void trap_rewritten();
    // An event delivered while in the real state (interrupt, NMI, #DB trap, INT n under bt):
    // delivered through the guest's IDT on the virtual state.
    void reflect_event(uint8_t vector, bool software, bool has_error, uint32_t error, bool external);
    // Whether INT n delivers natively through the shadow IDT (--virt=trap).
    bool native_software_interrupts() const { return mode_ == cpu::VirtMode::kTrap; }
    bool virtual_if() const { return virt_.flags & IF; }
    // System accesses to the monitor's window in the real state.
    uint32_t window_read(uint32_t lin, unsigned size);
    void window_write(uint32_t lin, uint32_t value, unsigned size);

    // --- for the divergence finder and reports --------------------------------------------
    // The guest's view of the CPU state: the real state with the virtual parts put back.
    X86State guest_state() const;
    bool deprivileged() const;

private:
    void to_virtual();   // install the guest's view (for emulation)
    void to_real();      // deprivilege again (after emulation), or stay native outside PM
    void put_virtual_registers(X86State& s) const;    // IF/IOPL, table registers, CR0, MSR
    void restore_guest_privilege(X86State& s) const;  // CPL, segments
    void emulate_one();  // the instruction at CS:EIP on the virtual state
    uint8_t shadow_byte(uint32_t lin);
    uint64_t shadow_descriptor(uint32_t table_base, uint32_t table_limit, uint32_t offset, bool idt);
    uint64_t monitor_descriptor(uint16_t selector) const;
    uint32_t monitor_tss_dword(uint32_t offset);

    X86Cpu& cpu_;
    cpu::VirtMode mode_;
    VirtualState virt_;
    cpu::MonitorStats stats_;
};

// The handler the --virt=bt rewriting pass gives sensitive instructions (semantics/monitor_trap.cpp).
struct DecodedInsn;
void handler_monitor_trap(X86Cpu&, const DecodedInsn&);

// "#GP", "rewritten", "interrupt", ...: a cause of cpu::MonitorStats::traps_by_cause.
std::string_view monitor_cause_name(unsigned cause);

// "traps 1234 (#GP 1000, rewritten 200, interrupt 34), emulated: CLI 400, STI 399, ...":
// the run summary's lines about the monitor.
std::string format_monitor_stats(const X86Monitor& m, unsigned top_forms = 8);

}  // namespace trapeze::x86
