// Unit tests of the trap-and-emulate monitor (isa/x86/monitor.h) and the --virt=bt rewriting
// pass on a bare CPU: ring compression, the shadow tables in the monitor's window, the
// virtual IF, emulation of privileged instructions, and the exact time-stamp counter the
// equivalence of --virt=off and --virt=bt relies on.
#include <catch2/catch.hpp>

#include "binary_translate/rewrite_sensitive.h"
#include "isa/x86/instruction_table.h"
#include "isa/x86/monitor.h"
#include "tests/unit/x86_test_machine.h"

using namespace trapeze;
using namespace trapeze::x86;

namespace {

struct MonitoredBench : test::X86Bench {
    X86Monitor monitor;
    bt::SensitiveRewriter rewriter;
    explicit MonitoredBench(cpu::VirtMode mode) : monitor(*cpu, mode), rewriter(monitor.stats()) {
        cpu->attach_monitor(&monitor, mode == cpu::VirtMode::kBt ? &rewriter : nullptr);
    }
};

}  // namespace

TEST_CASE("monitor: a protected-mode guest runs at real ring 1 and sees ring 0", "[x86][monitor]") {
    MonitoredBench b(cpu::VirtMode::kTrap);
    b.flat32(0x1000);
    b.poke(0x1000, {0x90, 0xFA, 0xF4});  // nop ; cli ; hlt
    auto r = b.cpu->run(1);              // the first instruction: the monitor deprivileges
    REQUIRE(r.instructions == 1);
    CHECK(b.monitor.deprivileged());
    CHECK(b.cpu->s.cpl == 1);
    CHECK(b.cpu->s.seg[CS].selector == 0x09);
    CHECK(b.cpu->s.seg[CS].dpl() == 1);
    CHECK(b.cpu->s.gdtr.base == kShadowGdt);
    CHECK(b.cpu->s.tr.selector == kMonitorTssSelector);
    CHECK((b.cpu->eflags() & IF) != 0);        // the real IF is the monitor's
    CHECK((b.cpu->eflags() & IOPL_MASK) == 0);
    X86State g = b.monitor.guest_state();
    CHECK(g.cpl == 0);
    CHECK(g.seg[CS].selector == 0x08);
    CHECK(g.seg[CS].dpl() == 0);
    CHECK(g.gdtr.base == 0x800);
    CHECK((g.eflags & IF) == 0);
    // CLI traps at ring 1 (IOPL 0) and is emulated on the virtual IF; HLT traps and halts.
    r = b.cpu->run(100);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(b.monitor.stats().traps_by_cause[kGP] == 2);
    REQUIRE(b.monitor.stats().emulated_by_form.size() > 0);
}

TEST_CASE("monitor: the shadow GDT shows DPL 0 as DPL 1 and hides system descriptors", "[x86][monitor]") {
    MonitoredBench b(cpu::VirtMode::kTrap);
    b.flat32(0x1000);
    b.poke32(0x818, 0x20000067);  // a 32-bit available TSS at 0x2000 (selector 0x18)
    b.poke32(0x81C, 0x00008900);
    b.cpu->s.gdtr.limit = 0x1F;
    b.poke(0x1000, {0x90});
    b.cpu->run(1);
    REQUIRE(b.monitor.deprivileged());
    // Code descriptor 0x08: the guest's 00CF9B00 becomes 00CFBB00 (DPL 1).
    CHECK(b.cpu->read_system(kShadowGdt + 0x0C, 4) == 0x00CFBB00u);
    CHECK(b.cpu->read_system(kShadowGdt + 0x08, 4) == 0x0000FFFFu);
    // The TSS descriptor is shown not present; beyond the guest's limit: null descriptors.
    CHECK(b.cpu->read_system(kShadowGdt + 0x1C, 4) == 0x00000900u);
    CHECK(b.cpu->read_system(kShadowGdt + 0x24, 4) == 0u);
    // The guest's table itself is untouched.
    CHECK(b.peek32(0x80C) == 0x00CF9B00u);
}

TEST_CASE("monitor: trap shows the holes, bt rewrites them (PUSHFD after CLI)", "[x86][monitor]") {
    for (auto mode : {cpu::VirtMode::kTrap, cpu::VirtMode::kBt}) {
        MonitoredBench b(mode);
        b.flat32(0x1000);
        // cli ; pushfd ; pop eax ; push cs ; pop ebx ; sgdt [0x3000] ; cli ; hlt
        b.poke(0x1000, {0xFA, 0x9C, 0x58, 0x0E, 0x5B, 0x0F, 0x01, 0x05, 0x00, 0x30, 0x00, 0x00, 0xFA, 0xF4});
        auto r = b.cpu->run(100);
        REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
        const uint32_t eax = b.cpu->s.gpr[EAX], ebx = b.cpu->s.gpr[EBX];
        const uint32_t gdt_base = b.peek32(0x3002);
        if (mode == cpu::VirtMode::kTrap) {
            CHECK((eax & IF) != 0);          // the real IF, not the guest's
            CHECK((ebx & 0xFFFF) == 0x09);   // RPL 1
            CHECK(gdt_base == kShadowGdt);   // the monitor's table
        } else {
            CHECK((eax & IF) == 0);
            CHECK((ebx & 0xFFFF) == 0x08);
            CHECK(gdt_base == 0x800);
            CHECK(b.monitor.stats().traps_by_cause[cpu::MonitorStats::kRewritten] == 3);
            const auto& rw = b.monitor.stats().rewritten_by_form;
            uint64_t total = 0;
            for (size_t f = 0; f < rw.size(); ++f) {
                if (rw[f]) CHECK(forms()[f].pg_class == PgClass::kSensitive);
                total += rw[f];
            }
            CHECK(total == 3);  // PUSHFD, PUSH CS, SGDT; not CLI (privileged) nor the others
        }
    }
}

TEST_CASE("monitor: privileged instructions are emulated on the virtual state", "[x86][monitor]") {
    MonitoredBench b(cpu::VirtMode::kBt);
    b.flat32(0x1000);
    b.poke32(0x900, 0x0017);  // LGDT operand: limit 0x17, base 0x800 (as it is)
    b.poke32(0x902, 0x00000800);
    // mov eax, cr0 ; or eax, 0x10000 (WP) ; mov cr0, eax ; mov ebx, cr0 ; lgdt [0x900] ;
    // mov ecx, 0x174 ; mov eax, 0x08 ; xor edx, edx ; wrmsr ; rdmsr -> eax ; mov esi, eax ; cli ; hlt
    b.poke(0x1000, {0x0F, 0x20, 0xC0, 0x0D, 0x00, 0x00, 0x01, 0x00, 0x0F, 0x22, 0xC0, 0x0F, 0x20, 0xC3,
                    0x0F, 0x01, 0x15, 0x00, 0x09, 0x00, 0x00, 0xB9, 0x74, 0x01, 0x00, 0x00, 0xB8, 0x08,
                    0x00, 0x00, 0x00, 0x31, 0xD2, 0x0F, 0x30, 0x31, 0xC0, 0x0F, 0x32, 0x89, 0xC6, 0xFA, 0xF4});
    auto r = b.cpu->run(100);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK((b.cpu->s.gpr[EBX] & CR0_WP) != 0);
    CHECK((b.cpu->s.gpr[EBX] & CR0_NE) == 0);  // the guest's CR0, not the real one (NE forced)
    CHECK((b.cpu->s.cr0 & CR0_NE) != 0);
    CHECK(b.cpu->s.gpr[ESI] == 0x08);          // SYSENTER_CS round trip
    CHECK(b.cpu->s.sysenter_cs == 0);          // the real MSR: SYSENTER traps
    CHECK(b.monitor.guest_state().sysenter_cs == 0x08);
}

TEST_CASE("the TSC counts instructions exactly, whatever the block boundaries", "[x86][tsc]") {
    for (auto mode : {cpu::VirtMode::kOff, cpu::VirtMode::kBt}) {
        test::X86Bench plain;
        MonitoredBench mon(mode == cpu::VirtMode::kOff ? cpu::VirtMode::kTrap : mode);
        test::X86Bench& b = mode == cpu::VirtMode::kOff ? plain : mon;
        b.flat32(0x1000);
        // nop ; nop ; pushfd (rewritten under bt: splits the block) ; popfd ; rdtsc ; cli ; hlt
        b.poke(0x1000, {0x90, 0x90, 0x9C, 0x9D, 0x0F, 0x31, 0xFA, 0xF4});
        auto r = b.cpu->run(100);
        REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
        CHECK(b.cpu->s.gpr[EAX] == 4);  // four instructions retired before RDTSC
        CHECK(b.cpu->s.tsc == r.instructions);
    }
}
