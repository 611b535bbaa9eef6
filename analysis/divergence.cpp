#include "analysis/divergence.h"

#include <fmt/format.h>

#include "isa/x86/decoder.h"
#include "isa/x86/flags.h"
#include "isa/x86/instruction_table.h"
#include "isa/x86/monitor.h"

namespace trapeze::analysis {

namespace {

const char* const kGpr[] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
const char* const kSeg[] = {"ES", "CS", "SS", "DS", "FS", "GS"};

x86::X86State guest_view(machines::PcMachine& m) {
    return m.monitor() ? m.monitor()->guest_state() : m.cpu().s;
}

uint32_t full_eflags(const x86::X86State& s) {
    return (s.eflags & ~x86::ARITH_FLAGS) | x86::compute_arith_flags(s.arith) | 2;
}

// Every difference in what the guest can see of the CPU, in a fixed order.
void compare_state(const x86::X86State& a, const x86::X86State& b, std::string_view mode,
                   std::vector<std::string>& out) {
    auto num = [&](const std::string& what, uint64_t u, uint64_t v, int width) {
        if (u != v) out.push_back(fmt::format("{}: off {:0{}x}, {} {:0{}x}", what, u, width, mode, v, width));
    };
    num("EIP", a.eip, b.eip, 8);
    for (int i = 0; i < 8; ++i) num(kGpr[i], a.gpr[i], b.gpr[i], 8);
    num("EFLAGS", full_eflags(a), full_eflags(b), 8);
    num("CPL", a.cpl, b.cpl, 1);
    for (int i = 0; i < 6; ++i) {
        const x86::Segment& x = a.seg[i];
        const x86::Segment& y = b.seg[i];
        if (x.selector != y.selector || x.base != y.base || x.limit != y.limit || x.attr != y.attr)
            out.push_back(fmt::format("{}: off {:04x} base {:08x} limit {:08x} attr {:04x}, {} {:04x} base {:08x} "
                                      "limit {:08x} attr {:04x}",
                                      kSeg[i], x.selector, x.base, x.limit, x.attr, mode, y.selector, y.base, y.limit,
                                      y.attr));
    }
    num("LDTR", a.ldtr.selector, b.ldtr.selector, 4);
    num("TR", a.tr.selector, b.tr.selector, 4);
    num("GDTR.base", a.gdtr.base, b.gdtr.base, 8);
    num("GDTR.limit", a.gdtr.limit, b.gdtr.limit, 4);
    num("IDTR.base", a.idtr.base, b.idtr.base, 8);
    num("IDTR.limit", a.idtr.limit, b.idtr.limit, 4);
    num("CR0", a.cr0, b.cr0, 8);
    num("CR2", a.cr2, b.cr2, 8);
    num("CR3", a.cr3, b.cr3, 8);
    num("CR4", a.cr4, b.cr4, 8);
}

std::string describe_write(const x86::GuestWrite& w) {
    if (w.kind == x86::GuestWrite::kPort)
        return fmt::format("out port {:04x} <- {:0{}x}", w.address, w.value, w.size * 2);
    return fmt::format("[{:08x}] <- {:0{}x}", w.address, w.value, w.size * 2);
}

void compare_writes(const std::vector<x86::GuestWrite>& a, const std::vector<x86::GuestWrite>& b,
                    std::string_view mode, std::vector<std::string>& out) {
    size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        if (i < a.size() && i < b.size() && a[i] == b[i]) continue;
        out.push_back(fmt::format("write {}: off {}, {} {}", i + 1, i < a.size() ? describe_write(a[i]) : "none",
                                  mode, i < b.size() ? describe_write(b[i]) : "none"));
    }
}

void describe_instruction(machines::PcMachine& m, const x86::X86State& pre, Divergence& d) {
    d.cs = pre.seg[x86::CS].selector;
    d.eip = pre.eip;
    d.linear = pre.seg[x86::CS].base + pre.eip;
    uint8_t buf[15];
    unsigned n = 0;
    try {
        for (; n < 15; ++n) buf[n] = uint8_t(m.cpu().read_linear_slow(d.linear + n, 1, false));
    } catch (const x86::GuestFault&) {
    }
    if (n == 0) return;
    const bool code32 = pre.seg[x86::CS].db();
    d.disassembly = x86::Decoder::disassemble(buf, n, code32, pre.eip);
    x86::Decoder dec(m.cpu().model());
    x86::DecodedInsn in;
    if (dec.decode(buf, n, code32, in) == x86::DecodeStatus::kOk && in.form < x86::forms().size()) {
        const x86::FormInfo& f = x86::forms()[in.form];
        d.form = f.id;
        d.pg_class = std::string(x86::pg_class_name(f.pg_class));
    }
}

}  // namespace

Divergence find_divergence(machines::PcMachine& native, machines::PcMachine& subject, uint64_t max_insns,
                           const SymbolMap& symbols) {
    Divergence d;
    const std::string mode(subject.monitor() ? cpu::virt_mode_name(subject.monitor()->mode()) : "off");
    std::vector<x86::GuestWrite> wa, wb;
    native.cpu().set_write_log(&wa);
    subject.cpu().set_write_log(&wb);
    for (;;) {
        if (max_insns && native.cpu().instructions() >= max_insns) {
            d.end = fmt::format("no divergence in {} instructions (the --max-insns limit)", native.cpu().instructions());
            break;
        }
        const x86::X86State pre = native.cpu().s;
        const uint64_t done = native.cpu().instructions();
        wa.clear();
        wb.clear();
        cpu::RunResult ra = native.run(1);
        cpu::RunResult rb = subject.run(1);
        std::vector<std::string> diffs;
        if (native.cpu().instructions() != subject.cpu().instructions())
            diffs.push_back(fmt::format("instructions executed: off {}, {} {}", native.cpu().instructions(), mode,
                                        subject.cpu().instructions()));
        compare_state(native.cpu().s, guest_view(subject), mode, diffs);
        compare_writes(wa, wb, mode, diffs);
        if (ra.reason != rb.reason)
            diffs.push_back(fmt::format("run ended: off \"{}\", {} \"{}\"", ra.message, mode, rb.message));
        if (!diffs.empty()) {
            d.found = true;
            d.instructions = done;
            d.differences = std::move(diffs);
            describe_instruction(native, pre, d);
            d.symbol = symbols.symbolize(d.linear);
            break;
        }
        if (ra.reason != cpu::StopReason::kInsnLimit) {
            d.end = fmt::format("no divergence: both runs ended after {} instructions ({})",
                                native.cpu().instructions(), ra.message);
            break;
        }
    }
    native.cpu().set_write_log(nullptr);
    subject.cpu().set_write_log(nullptr);
    return d;
}

std::string format_divergence(const Divergence& d, std::string_view mode) {
    if (!d.found) return d.end + "\n";
    std::string o = fmt::format("first divergence (off vs {}) after {} instructions, at {:04x}:{:08x} (linear {:08x})\n",
                                mode, d.instructions, d.cs, d.eip, d.linear);
    o += fmt::format("instruction: {}\n", d.disassembly.empty() ? "(bytes not readable)" : d.disassembly);
    if (!d.form.empty()) o += fmt::format("form: {} (Popek-Goldberg class: {})\n", d.form, d.pg_class);
    if (!d.symbol.empty()) o += fmt::format("symbol: {}\n", d.symbol);
    o += "differences:\n";
    for (const std::string& s : d.differences) o += fmt::format("  {}\n", s);
    return o;
}

}  // namespace trapeze::analysis
