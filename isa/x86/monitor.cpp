#include "isa/x86/monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "isa/x86/cpu.h"
#include "isa/x86/fpu/x87.h"
#include "isa/x86/instruction_table.h"

namespace trapeze::x86 {

namespace {

constexpr uint32_t kFlagsVirtual = IF | IOPL_MASK;

// Ring compression of one descriptor's high dword as the shadow tables show it: code and data
// of DPL 0 get DPL 1 (so that the guest kernel, at real ring 1, can load them); interrupt and
// trap gates likewise (INT n at ring 1 passes the gate's DPL check as at ring 0); TSS, LDT,
// call-gate and task-gate descriptors are shown not present, so that every task switch and
// gate call traps into the monitor, which runs it on the guest's own tables.
uint32_t compress_descriptor_hi(uint32_t hi, bool idt) {
    const bool s_bit = hi & 0x1000;
    const unsigned type = (hi >> 8) & 0xF;
    const unsigned dpl = (hi >> 13) & 3;
    const bool int_gate = type == 0x6 || type == 0x7 || type == 0xE || type == 0xF;
    if (s_bit || (idt && int_gate)) return dpl == 0 ? hi | (1u << 13) : hi;
    return hi & ~0x8000u;
}

// Segment caches follow their descriptors: DPL 0 <-> 1 (SDM Vol. 3 §3.4.5).
void compress_cache(Segment& sg) {
    if (sg.s() && sg.dpl() == 0) sg.attr |= 0x20;
}
void expand_cache(Segment& sg) {
    if (sg.s() && sg.dpl() == 1) sg.attr &= ~0x60;
}

}  // namespace

X86Monitor::X86Monitor(X86Cpu& cpu, cpu::VirtMode mode) : cpu_(cpu), mode_(mode) {}

bool X86Monitor::deprivileged() const { return cpu_.monitor_real_; }

// ---- switching between the real and the virtual state --------------------------------------

void X86Monitor::update_activation() {
    if (cpu_.monitor_real_) {
        // Reset while deprivileged cannot happen (reset clears monitor_real_), so the guest
        // left protected mode through emulation: nothing to do but stay native.
        return;
    }
    if (cpu_.s.cr0 & CR0_PE) {
        // The guest just entered protected mode (or started in it, as a -kernel boot does):
        // from now on it runs deprivileged. The current state is the guest's own.
        virt_ = VirtualState{};
        virt_.flags = cpu_.s.eflags & kFlagsVirtual;
        virt_.gdtr = cpu_.s.gdtr;
        virt_.idtr = cpu_.s.idtr;
        virt_.ldtr = cpu_.s.ldtr;
        virt_.tr = cpu_.s.tr;
        virt_.cr0 = cpu_.s.cr0;
        virt_.sysenter_cs = cpu_.s.sysenter_cs;
        ++stats_.activations;
        cpu_.monitor_real_ = false;
        // to_real expects the guest's view in the CPU and virt_ to be filled by it.
        to_real();
    }
}

void X86Monitor::put_virtual_registers(X86State& s) const {
    s.eflags = (s.eflags & ~kFlagsVirtual) | virt_.flags;
    s.gdtr = virt_.gdtr;
    s.idtr = virt_.idtr;
    s.ldtr = virt_.ldtr;
    s.tr = virt_.tr;
    s.cr0 = virt_.cr0;
    s.sysenter_cs = virt_.sysenter_cs;
}

void X86Monitor::to_virtual() {
    X86State& s = cpu_.s;
    put_virtual_registers(s);
    if (s.cpl == 1 && !(s.eflags & VM) && !(s.cpl == virt_.real_cpl && virt_.cpl == 1)) {
        // The x87 pointers recorded the real CS (and SS for stack operands) of ring 1.
        X87State& f = cpu_.fpu().state();
        for (X87Pointer* p : {&f.last_instruction, &f.last_data})
            if ((p->selector & 3) == 1 && (p->selector == s.seg[CS].selector || p->selector == s.seg[SS].selector))
                p->selector &= 0xFFFC;
    }
    restore_guest_privilege(s);
    cpu_.monitor_real_ = false;
    for (unsigned i = 0; i < 6; ++i) cpu_.refresh_segcheck(i);
    cpu_.end_block = true;
}

void X86Monitor::to_real() {
    X86State& s = cpu_.s;
    if (!(s.cr0 & CR0_PE)) {
        // The guest left protected mode: the monitor lets real mode run natively (it has no
        // privilege to compress) until the next PE.
        cpu_.monitor_real_ = false;
        return;
    }
    virt_.flags = s.eflags & kFlagsVirtual;
    virt_.gdtr = s.gdtr;
    virt_.idtr = s.idtr;
    virt_.ldtr = s.ldtr;
    virt_.tr = s.tr;
    virt_.cr0 = s.cr0;
    virt_.sysenter_cs = s.sysenter_cs;

    s.eflags = (s.eflags & ~kFlagsVirtual) | IF;
    s.gdtr = {kShadowGdt, 0xFFFF};
    s.idtr = {kShadowIdt, virt_.idtr.limit};
    if (virt_.ldtr.valid && (virt_.ldtr.selector & 0xFFFC)) {
        s.ldtr.selector = kMonitorLdtSelector;
        s.ldtr.base = kShadowLdt;
        s.ldtr.limit = std::min<uint32_t>(virt_.ldtr.limit, 0xFFFF);
        s.ldtr.attr = 0x82;
        s.ldtr.valid = true;
    }
    s.tr.selector = kMonitorTssSelector;
    s.tr.base = kMonitorTss;
    s.tr.limit = 0x67;
    s.tr.attr = 0x8B;
    s.tr.valid = true;
    s.cr0 |= CR0_NE;
    s.sysenter_cs = 0;
    virt_.cpl = s.cpl;
    virt_.seg = s.seg;
    if (!(s.eflags & VM)) {
        if (s.cpl == 0) {
            s.cpl = 1;
            s.seg[CS].selector |= 1;
            if ((s.seg[SS].selector & 3) == 0) s.seg[SS].selector |= 1;
        }
        for (Segment& sg : s.seg) compress_cache(sg);
    }
    virt_.real_cpl = s.cpl;
    virt_.real_seg = s.seg;
    cpu_.monitor_real_ = true;
    for (unsigned i = 0; i < 6; ++i) cpu_.refresh_segcheck(i);
    cpu_.bump_epoch();
    cpu_.end_block = true;
}

namespace {
bool same_segment(const Segment& a, const Segment& b) {
    return a.selector == b.selector && a.base == b.base && a.limit == b.limit && a.attr == b.attr && a.valid == b.valid;
}
}  // namespace

void X86Monitor::restore_guest_privilege(X86State& s) const {
    // What the real state did natively since the monitor last deprivileged the guest (under
    // --virt=trap: far transfers, segment loads, INT n, IRET) is mapped back by ring
    // compression's rule, real ring 1 = guest ring 0; what it did not touch is restored
    // exactly. Under --virt=bt nothing of it changes natively.
    const bool cpl_kept = s.cpl == virt_.real_cpl;
    const bool compressed = cpl_kept ? virt_.cpl == 0 && virt_.real_cpl == 1 : s.cpl == 1 && !(s.eflags & VM);
    for (unsigned i = 0; i < 6; ++i) {
        Segment& sg = s.seg[i];
        if (same_segment(sg, virt_.real_seg[i])) {
            sg = virt_.seg[i];
            continue;
        }
        if (s.eflags & VM) continue;
        expand_cache(sg);
        if (compressed && (i == CS || i == SS) && (sg.selector & 3) == 1) sg.selector &= 0xFFFC;
    }
    s.cpl = cpl_kept ? virt_.cpl : compressed ? 0 : s.cpl;
}

X86State X86Monitor::guest_state() const {
    X86State s = cpu_.s;
    if (!cpu_.monitor_real_) return s;
    put_virtual_registers(s);
    restore_guest_privilege(s);
    return s;
}

// ---- traps -----------------------------------------------------------------------------------

namespace {
// Puts the real state back however emulation ends (a StopRun included), so that the run
// can be resumed.
struct BackToReal {
    X86Monitor* m;
    void (X86Monitor::*fn)();
    ~BackToReal() { (m->*fn)(); }
};
}  // namespace

void X86Monitor::emulate_one() {
    // Trace/profile hooks saw the instruction when the real state tried it; the emulation is
    // the same instruction, so it is not reported twice.
    const bool tf = cpu_.s.eflags & TF;
    const uint64_t events = cpu_.deliveries_;
    cpu_.last_uncached_form_ = 0xFFFF;
    try {
        cpu_.execute_one_uncached();
        if (tf && cpu_.deliveries_ == events && cpu_.stop_ == cpu::StopReason::kRunning) {
            cpu_.s.dr[6] |= 0x4000;  // single-step after the emulated instruction (BS)
            cpu_.deliver(kDB, false, false, 0, false);
        }
    } catch (const GuestFault& g) {
        ++stats_.reflected;
        cpu_.handle_fault(g);  // virtual state: delivered through the guest's IDT
    }
    if (cpu_.last_uncached_form_ < forms().size()) stats_.count_emulated(cpu_.last_uncached_form_);
}

void X86Monitor::trap_fault(const GuestFault& f) {
    ++stats_.traps_by_cause[f.vector & 31];
    to_virtual();
    BackToReal back{this, &X86Monitor::to_real};
    emulate_one();
}

void X86Monitor::trap_rewritten() {
    ++stats_.traps_by_cause[cpu::MonitorStats::kRewritten];
    if (!cpu_.monitor_real_) {
        // Real mode (before PE, or after the guest left protected mode): nothing is
        // deprivileged, so the rewritten instruction simply runs on the guest's own state.
        emulate_one();
        return;
    }
    to_virtual();
    BackToReal back{this, &X86Monitor::to_real};
    emulate_one();
}

void X86Monitor::reflect_event(uint8_t vector, bool software, bool has_error, uint32_t error, bool external) {
    unsigned cause = external ? (vector == kNMI ? cpu::MonitorStats::kNmi : cpu::MonitorStats::kInterrupt)
                     : vector == kDB && !software ? cpu::MonitorStats::kDebugTrap
                                                  : vector & 31u;
    ++stats_.traps_by_cause[cause];
    to_virtual();
    BackToReal back{this, &X86Monitor::to_real};
    cpu_.deliver(vector, software, has_error, error, external);
}

// ---- the monitor's window: shadow GDT/LDT/IDT and the monitor's TSS ------------------------------

uint64_t X86Monitor::shadow_descriptor(uint32_t table_base, uint32_t table_limit, uint32_t offset, bool idt) {
    if (offset + 7 > table_limit) return 0;  // beyond the guest's table: a null descriptor
    // The guest's descriptor, read as the CPU reads its tables (supervisor, through paging:
    // a page fault here is the guest's own and reaches it through the trap path).
    uint32_t lo = cpu_.read_linear_slow(table_base + offset, 4, false);
    uint32_t hi = cpu_.read_linear_slow(table_base + offset + 4, 4, false);
    return uint64_t(compress_descriptor_hi(hi, idt)) << 32 | lo;
}

uint64_t X86Monitor::monitor_descriptor(uint16_t selector) const {
    auto make = [](uint32_t base, uint32_t limit, uint32_t type_attr) {
        uint32_t lo = (base << 16) | (limit & 0xFFFF);
        uint32_t hi = (base & 0xFF000000u) | ((base >> 16) & 0xFF) | (limit & 0xF0000) | (type_attr << 8);
        return uint64_t(hi) << 32 | lo;
    };
    if (selector == kMonitorLdtSelector)
        return make(kShadowLdt, std::min<uint32_t>(virt_.ldtr.limit, 0xFFFF), 0x82);
    return make(kMonitorTss, 0x67, 0x8B);  // 32-bit TSS, busy, DPL 0
}

uint32_t X86Monitor::monitor_tss_dword(uint32_t offset) {
    // The monitor's TSS holds the stack for ring 1: the guest's ring-0 stack from the guest's
    // own TSS, read at the moment the CPU needs it. The I/O map base lies beyond the limit:
    // every I/O instruction at ring 1 traps.
    const Segment& gtr = virt_.tr;
    const bool guest32 = gtr.type() == 0x9 || gtr.type() == 0xB;
    auto guest = [&](uint32_t off, unsigned size) -> uint32_t {
        if (!gtr.valid || (gtr.selector & 0xFFFC) == 0 || off + size - 1 > gtr.limit) return 0;
        return cpu_.read_linear_slow(gtr.base + off, size, false);
    };
    switch (offset) {
    case 12: return guest32 ? guest(4, 4) : guest(2, 2);                   // ESP1 <- ESP0
    case 16: return (guest32 ? guest(8, 2) : guest(4, 2)) | 1;             // SS1 <- SS0, RPL 1
    case 0x64: return 0x68u << 16;                                           // I/O map base
    default: return 0;
    }
}

uint8_t X86Monitor::shadow_byte(uint32_t lin) {
    if (lin < kShadowIdt) {
        uint32_t off = lin - kShadowGdt;
        uint16_t sel = uint16_t(off & 0xFFF8);
        uint64_t d = sel >= kMonitorLdtSelector ? monitor_descriptor(sel)
                                                 : shadow_descriptor(virt_.gdtr.base, virt_.gdtr.limit, sel, false);
        return uint8_t(d >> (8 * (off & 7)));
    }
    if (lin < kMonitorTss) {
        uint32_t off = lin - kShadowIdt;
        if (off >= 0x800) return 0;
        uint64_t d = shadow_descriptor(virt_.idtr.base, virt_.idtr.limit, off & ~7u, true);
        return uint8_t(d >> (8 * (off & 7)));
    }
    if (lin < kShadowLdt) {
        uint32_t off = lin - kMonitorTss;
        if (off >= 0x68) return 0;
        return uint8_t(monitor_tss_dword(off & ~3u) >> (8 * (off & 3)));
    }
    if (lin < kMonitorWindowEnd) {
        uint32_t off = lin - kShadowLdt;
        if (!virt_.ldtr.valid || (virt_.ldtr.selector & 0xFFFC) == 0) return 0;
        uint64_t d = shadow_descriptor(virt_.ldtr.base, virt_.ldtr.limit, off & ~7u, false);
        return uint8_t(d >> (8 * (off & 7)));
    }
    return 0;
}

uint32_t X86Monitor::window_read(uint32_t lin, unsigned size) {
    if (lin >= kMonitorWindowEnd) return cpu_.read_linear_slow(lin, size, false);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint32_t(shadow_byte(lin + i)) << (8 * i);
    return v;
}

void X86Monitor::window_write(uint32_t lin, uint32_t value, unsigned size) {
    if (lin >= kMonitorWindowEnd) return cpu_.write_linear_slow(lin, value, size, false);
    // The only system writes the real state makes are accessed bits of the descriptors it
    // loads (SDM Vol. 3 §3.4.5.1): they go through to the guest's own descriptor, as a
    // write-traced shadow would propagate them.
    uint32_t base, limit, off;
    if (lin < kShadowIdt) {
        off = lin - kShadowGdt;
        if ((off & 0xFFF8) >= kMonitorLdtSelector) return;
        base = virt_.gdtr.base, limit = virt_.gdtr.limit;
    } else if (lin >= kShadowLdt) {
        off = lin - kShadowLdt;
        base = virt_.ldtr.base, limit = virt_.ldtr.limit;
    } else {
        return;  // the monitor's own IDT and TSS: nothing of the guest's
    }
    if ((off & 7) != 4 || size != 4 || (off & ~7u) + 7 > limit) return;
    if (!(value & 0x100)) return;
    uint32_t hi = cpu_.read_linear_slow(base + off, 4, false);
    if (!(hi & 0x100)) cpu_.write_linear_slow(base + off, hi | 0x100, 4, false);
}

// ---- statistics --------------------------------------------------------------------------------

std::string_view monitor_cause_name(unsigned c) {
    static const char* const kVector[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                            "#DF", "9",   "#TS", "#NP", "#SS", "#GP", "#PF", "15",
                                            "#MF", "#AC", "#MC", "#XM", "20",  "21",  "22",  "23",
                                            "24",  "25",  "26",  "27",  "28",  "29",  "30",  "31"};
    return c < 32 ? kVector[c]
           : c == cpu::MonitorStats::kRewritten ? "rewritten"
           : c == cpu::MonitorStats::kInterrupt ? "interrupt"
           : c == cpu::MonitorStats::kNmi       ? "NMI"
                                                 : "#DB trap";
}

std::string format_monitor_stats(const X86Monitor& m, unsigned top_forms) {
    const cpu::MonitorStats& st = m.stats();
    std::string causes;
    for (unsigned c = 0; c < st.traps_by_cause.size(); ++c) {
        if (!st.traps_by_cause[c]) continue;
        causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", monitor_cause_name(c), st.traps_by_cause[c]);
    }
    auto top = [&](const std::vector<uint64_t>& by_form) {
        std::vector<std::pair<uint64_t, unsigned>> v;
        for (unsigned f = 0; f < by_form.size(); ++f)
            if (by_form[f]) v.push_back({by_form[f], f});
        std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
        std::string out;
        uint64_t total = 0;
        for (auto& [n, f] : v) total += n;
        for (size_t i = 0; i < v.size() && i < top_forms; ++i)
            out += fmt::format("{}{} {}", i ? ", " : "", forms()[v[i].second].id, v[i].first);
        if (v.size() > top_forms) out += fmt::format(", {} more forms", v.size() - top_forms);
        return fmt::format("{}{}{}", total, out.empty() ? "" : ": ", out);
    };
    std::string out = fmt::format("monitor (--virt={}): {} traps ({}), {} exceptions reflected to the guest\n",
                                  cpu::virt_mode_name(m.mode()), st.traps(), causes.empty() ? "none" : causes,
                                  st.reflected);
    out += fmt::format("monitor: emulated {}\n", top(st.emulated_by_form));
    if (m.mode() == cpu::VirtMode::kBt) out += fmt::format("monitor: rewritten (static) {}\n", top(st.rewritten_by_form));
    return out;
}

}  // namespace trapeze::x86
