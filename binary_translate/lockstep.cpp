#include "binary_translate/lockstep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "isa/x86/fpu/x87.h"

namespace trapeze::bt {

namespace {

const char* const kGpr[] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
const char* const kSeg[] = {"ES", "CS", "SS", "DS", "FS", "GS"};

std::string seg_diff(const char* name, const x86::Segment& a, const x86::Segment& b) {
    if (a.selector == b.selector && a.base == b.base && a.limit == b.limit && a.attr == b.attr && a.valid == b.valid)
        return {};
    return fmt::format("{}: {:04x} base {:08x} limit {:08x} attr {:04x} valid {} vs {:04x} base {:08x} limit {:08x} "
                       "attr {:04x} valid {}",
                       name, a.selector, a.base, a.limit, a.attr, a.valid, b.selector, b.base, b.limit, b.attr, b.valid);
}

}  // namespace

std::string compare_cpu_state(x86::X86Cpu& a, x86::X86Cpu& b) {
    const x86::X86State& x = a.s;
    const x86::X86State& y = b.s;
    auto num = [](const char* what, uint64_t u, uint64_t v) {
        return u == v ? std::string() : fmt::format("{}: {:#x} vs {:#x}", what, u, v);
    };
    std::string d;
    auto check = [&d](std::string s) {
        if (d.empty() && !s.empty()) d = std::move(s);
    };
    check(num("instructions", a.instructions(), b.instructions()));
    check(num("EIP", x.eip, y.eip));
    for (int i = 0; i < 8; ++i) check(num(kGpr[i], x.gpr[i], y.gpr[i]));
    check(num("EFLAGS", a.eflags(), b.eflags()));
    check(num("CPL", x.cpl, y.cpl));
    for (int i = 0; i < 6; ++i) check(seg_diff(kSeg[i], x.seg[i], y.seg[i]));
    check(seg_diff("LDTR", x.ldtr, y.ldtr));
    check(seg_diff("TR", x.tr, y.tr));
    check(num("GDTR.base", x.gdtr.base, y.gdtr.base));
    check(num("GDTR.limit", x.gdtr.limit, y.gdtr.limit));
    check(num("IDTR.base", x.idtr.base, y.idtr.base));
    check(num("IDTR.limit", x.idtr.limit, y.idtr.limit));
    check(num("CR0", x.cr0, y.cr0));
    check(num("CR2", x.cr2, y.cr2));
    check(num("CR3", x.cr3, y.cr3));
    check(num("CR4", x.cr4, y.cr4));
    for (int i = 0; i < 8; ++i) check(num(fmt::format("DR{}", i).c_str(), x.dr[i], y.dr[i]));
    check(num("TSC", x.tsc, y.tsc));
    check(num("SYSENTER_CS", x.sysenter_cs, y.sysenter_cs));
    check(num("SYSENTER_ESP", x.sysenter_esp, y.sysenter_esp));
    check(num("SYSENTER_EIP", x.sysenter_eip, y.sysenter_eip));
    const x86::X87State& f = a.fpu().state();
    const x86::X87State& g = b.fpu().state();
    check(num("FCW", f.control, g.control));
    check(num("FSW", f.status, g.status));
    check(num("FTW", f.nonempty, g.nonempty));
    check(num("MXCSR", f.mxcsr, g.mxcsr));
    check(num("FOP", f.last_opcode, g.last_opcode));
    check(num("FIP", f.last_instruction.offset, g.last_instruction.offset));
    check(num("FDP", f.last_data.offset, g.last_data.offset));
    for (int i = 0; i < 8; ++i) {
        check(num(fmt::format("R{}.significand", i).c_str(), f.physical[i].significand, g.physical[i].significand));
        check(num(fmt::format("R{}.exponent", i).c_str(), f.physical[i].sign_exponent, g.physical[i].sign_exponent));
    }
    return d;
}

std::string compare_memory(const cpu::PhysicalMemory& a, const cpu::PhysicalMemory& b) {
    const uint64_t size = std::min(a.size(), b.size());
    for (uint64_t addr = 0; addr < size; addr += cpu::PhysicalMemory::kPageSize) {
        const auto& pa = a.page(addr);
        const auto& pb = b.page(addr);
        const bool ra = pa.host && (pa.flags & cpu::PhysicalMemory::kReadable);
        const bool rb = pb.host && (pb.flags & cpu::PhysicalMemory::kReadable);
        if (ra != rb) return fmt::format("physical page {:#x}: mapped differently", addr);
        if (!ra || std::memcmp(pa.host, pb.host, cpu::PhysicalMemory::kPageSize) == 0) continue;
        for (uint64_t i = 0; i < cpu::PhysicalMemory::kPageSize; ++i)
            if (pa.host[i] != pb.host[i])
                return fmt::format("memory at {:#x}: {:#04x} vs {:#04x}", addr + i, pa.host[i], pb.host[i]);
    }
    return {};
}

LockstepResult run_lockstep(x86::X86Cpu& reference, cpu::PhysicalMemory& ref_mem, x86::X86Cpu& subject,
                            cpu::PhysicalMemory& subject_mem, uint64_t max_insns, const LockstepOptions& opts) {
    LockstepResult out;
    const uint64_t start = reference.instructions();
    const uint64_t quantum = std::max<uint64_t>(opts.quantum, 1);
    uint64_t next_memory = opts.memory_every ? start + opts.memory_every : UINT64_MAX;
    for (;;) {
        uint64_t q = quantum;
        if (max_insns) {
            uint64_t done = reference.instructions() - start;
            if (done >= max_insns) break;
            q = std::min(q, max_insns - done);
        }
        cpu::RunResult ra = reference.run(q);
        cpu::RunResult rb = subject.run(q);
        out.reference = ra;
        out.compares++;
        std::string d = compare_cpu_state(reference, subject);
        if (d.empty() && ra.reason != rb.reason)
            d = fmt::format("stop reason: \"{}\" vs \"{}\"", ra.message, rb.message);
        if (d.empty() && reference.instructions() >= next_memory) {
            d = compare_memory(ref_mem, subject_mem);
            next_memory = reference.instructions() + opts.memory_every;
        }
        if (!d.empty()) {
            out.diverged = true;
            out.difference = fmt::format("after {} instructions: {}\nreference:\n{}subject:\n{}",
                                         reference.instructions(), d, reference.describe_state(),
                                         subject.describe_state());
            return out;
        }
        if (ra.reason != cpu::StopReason::kInsnLimit) break;
    }
    std::string d = compare_memory(ref_mem, subject_mem);
    if (!d.empty()) {
        out.diverged = true;
        out.difference = fmt::format("after {} instructions: {}", reference.instructions(), d);
    }
    return out;
}

}  // namespace trapeze::bt
