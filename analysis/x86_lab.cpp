#include "analysis/x86_lab.h"

#include <fmt/format.h>

#include <malloc.h>

#include <cstring>
#include <random>

#include "cpu/instrumentation.h"
#include "cpu/physical_memory.h"
#include "isa/x86/cpu.h"
#include "isa/x86/fpu/x87.h"

namespace trapeze::analysis {

using namespace x86;

namespace {

constexpr unsigned kPhysBits = 19;           // 512 KB of RAM is the whole machine
constexpr uint32_t kPages = 1u << (kPhysBits - 12);
constexpr uint32_t kFrameShift[2] = {0, 0x60000};  // guest frames: identity (A) or +384 KB (B)

// Where the monitor-owned structures live in each layout (linear = physical).
struct LayoutInfo {
    uint32_t gdt, idt, ldt, tss, spare_tss, pd, pt;
    uint16_t tss_sel, ldt_sel;
};
constexpr LayoutInfo kLayouts[2] = {
    {0x01000, 0x02000, 0x03000, 0x04000, 0x06800, 0x07000, 0x08000, 0x38, 0x40},
    {0x41000, 0x42000, 0x43000, 0x44000, 0x46800, 0x47000, 0x48000, 0x78, 0x80},
};
constexpr uint16_t kGdtLimit = 18 * 8 - 1;
constexpr uint32_t kIoBitmapOffset = 0x68;
constexpr uint32_t kTssLimit = kIoBitmapOffset + 0x2000;  // bitmap for all 64 K ports + 0xFF

struct Desc {
    uint32_t lo, hi;
};
Desc segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    return {(limit & 0xFFFF) | (base << 16),
            ((base >> 16) & 0xFF) | (uint32_t(access) << 8) | (limit & 0xF0000) |
                (uint32_t(flags) << 20) | (base & 0xFF000000u)};
}
Desc gate(uint16_t sel, uint32_t off, uint8_t type, unsigned dpl) {
    return {(off & 0xFFFF) | (uint32_t(sel) << 16),
            (off & 0xFFFF0000u) | (uint32_t(0x80 | (dpl << 5) | type) << 8)};
}
Desc code(unsigned dpl, bool conforming = false) {
    return segment(0, 0xFFFFF, uint8_t(0x9B | (dpl << 5) | (conforming ? 4 : 0)), 0xC);
}
Desc data(unsigned dpl, uint32_t base = 0) {
    return segment(base, base ? 0xFFFF : 0xFFFFF, uint8_t(0x93 | (dpl << 5)), base ? 0x4 : 0xC);
}

void put32(uint8_t* ram, uint32_t a, uint32_t v) { std::memcpy(ram + a, &v, 4); }
void put16(uint8_t* ram, uint32_t a, uint16_t v) { std::memcpy(ram + a, &v, 2); }
void put_desc(uint8_t* ram, uint32_t table, uint16_t sel, Desc d) {
    put32(ram, table + (sel & 0xFFF8), d.lo);
    put32(ram, table + (sel & 0xFFF8) + 4, d.hi);
}

uint32_t guest_phys(unsigned layout, uint32_t lin) { return lin + kFrameShift[layout]; }

uint64_t hash_bytes(const uint8_t* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 1099511628211ull;
        h ^= h >> 29;
    }
    for (; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

// Records the events delivered during the run and stops the run loop after the first, so
// that exactly one instruction (or its fault) happens.
struct Hook : cpu::Instrumentation {
    X86Cpu* cpu = nullptr;
    std::vector<cpu::ExceptionEvent> events;
    void on_exception(const cpu::ExceptionEvent& e) override {
        if (events.empty()) cpu->request_stop(cpu::StopReason::kUserStop, "");
        events.push_back(e);
    }
    // The fault that kept the instruction from retiring: reported at the instruction's own
    // address (a software interrupt's delivery is reported at the next instruction's, and a
    // fault while delivering it comes after it).
    const cpu::ExceptionEvent* fault() const {
        for (const auto& e : events)
            if (e.pc == kCodeAddr) return &e;
        return events.empty() ? nullptr : &events.front();
    }
};

void add_segment(std::vector<Item>& v, const char* name, const Segment& s) {
    v.push_back({fmt::format("{}.selector", name), s.selector});
    v.push_back({fmt::format("{}.base", name), s.base});
    v.push_back({fmt::format("{}.limit", name), s.limit});
    v.push_back({fmt::format("{}.attributes", name), s.attr});
}

constexpr const char* kGprNames[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
constexpr const char* kSegNames[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};

Snapshot snapshot(X86Cpu& cpu, const uint8_t* ram, unsigned layout, uint32_t retired) {
    Snapshot s;
    const X86State& st = cpu.s;
    for (unsigned i = 0; i < 8; ++i) s.visible.push_back({kGprNames[i], st.gpr[i]});
    s.visible.push_back({"EIP", st.eip});
    s.visible.push_back({"EFLAGS", cpu.eflags()});
    for (unsigned i = 0; i < 6; ++i) add_segment(s.visible, kSegNames[i], st.seg[i]);
    s.visible.push_back({"CPL", st.cpl});
    s.memory.assign(ram + guest_phys(layout, kGuestBase), ram + guest_phys(layout, kGuestBase) + kGuestSize);

    auto& y = s.system;
    y.push_back({"CR0", st.cr0});
    y.push_back({"CR2", st.cr2});
    y.push_back({"CR3", st.cr3});
    y.push_back({"CR4", st.cr4});
    for (unsigned i = 0; i < 8; ++i) y.push_back({fmt::format("DR{}", i), st.dr[i]});
    y.push_back({"GDTR.base", st.gdtr.base});
    y.push_back({"GDTR.limit", st.gdtr.limit});
    y.push_back({"IDTR.base", st.idtr.base});
    y.push_back({"IDTR.limit", st.idtr.limit});
    add_segment(y, "LDTR", st.ldtr);
    add_segment(y, "TR", st.tr);
    const uint32_t fl = cpu.eflags();
    y.push_back({"EFLAGS.IF", (fl >> 9) & 1});
    y.push_back({"EFLAGS.IOPL", (fl >> 12) & 3});
    y.push_back({"EFLAGS.NT", (fl >> 14) & 1});
    y.push_back({"EFLAGS.RF", (fl >> 16) & 1});
    y.push_back({"EFLAGS.VM", (fl >> 17) & 1});
    y.push_back({"EFLAGS.VIF", (fl >> 19) & 1});
    y.push_back({"EFLAGS.VIP", (fl >> 20) & 1});
    y.push_back({"CPL", st.cpl});
    for (unsigned i = 0; i < 6; ++i) add_segment(y, kSegNames[i], st.seg[i]);
    y.push_back({"MSR.SYSENTER_CS", st.sysenter_cs});
    y.push_back({"MSR.SYSENTER_ESP", st.sysenter_esp});
    y.push_back({"MSR.SYSENTER_EIP", st.sysenter_eip});
    y.push_back({"MSR.TSC (less instructions retired)", st.tsc - retired});
    const LayoutInfo& L = kLayouts[layout];
    y.push_back({"GDT contents (hash)", hash_bytes(ram + L.gdt, kGdtLimit + 1)});
    y.push_back({"IDT contents (hash)", hash_bytes(ram + L.idt, 256 * 8)});
    y.push_back({"LDT contents (hash)", hash_bytes(ram + L.ldt, 256)});
    y.push_back({"TSS contents (hash)", hash_bytes(ram + L.tss, kTssLimit + 1)});
    return s;
}

std::string hex_value(uint64_t v) { return fmt::format("{:#x}", v); }

// The guest's view where a scenario does not say otherwise: random contents and registers
// (from the seed), NOPs in the code page, HLTs in the handler page, the TLB probe frames.
Setup random_setup(uint64_t seed) {
    Setup su;
    std::mt19937_64 rng(seed);
    su.guest.resize(kGuestSize);
    for (size_t i = 0; i + 8 <= su.guest.size(); i += 8) {
        uint64_t r = rng();
        std::memcpy(su.guest.data() + i, &r, 8);
    }
    for (uint32_t a = 0x10000; a < 0x12000; ++a) su.guest[a - kGuestBase] = a < 0x11000 ? 0x90 : 0xF4;
    for (uint32_t a = kTlbProbe; a < kTlbProbe + 0x1000; ++a) su.guest[a - kGuestBase] = 0xAA;
    for (uint32_t a = kTlbProbe - 0x1000; a < kTlbProbe; ++a) su.guest[a - kGuestBase] = 0x55;
    for (auto& r : su.gpr) r = uint32_t(rng());
    su.gpr[ESP] = kStackTop;
    su.gpr[EBP] = kStackTop + 0x100;
    su.gpr[EBX] = kDataAddr;
    su.gpr[ESI] = kDataAddr + 0x100;
    su.gpr[EDI] = kDataAddr + 0x300;
    su.eflags = uint32_t(rng()) & ARITH_FLAGS;
    return su;
}

}  // namespace

std::string Config::describe() const {
    std::string s = fmt::format("CPL{} IOPL{} IF={} layout {}", cpl, iopl, interrupts ? 1 : 0, layout ? 'B' : 'A');
    if (io_bitmap_allows) s += ", I/O bitmap allows all ports";
    if (cr0_mp) s += ", CR0.MP=1";
    if (umip) s += ", CR4.UMIP=1";
    if (tsd) s += ", CR4.TSD=1";
    if (pce) s += ", CR4.PCE=1";
    if (v86) s = fmt::format("virtual-8086 mode IOPL{} IF={} layout {}", iopl, interrupts ? 1 : 0, layout ? 'B' : 'A');
    return s;
}

void Setup::poke(uint32_t lin, uint32_t v, unsigned size) {
    if (lin < kGuestBase || lin - kGuestBase + size > kGuestSize) return;
    std::memcpy(guest.data() + (lin - kGuestBase), &v, size);
}
uint32_t Setup::peek(uint32_t lin, unsigned size) const {
    uint32_t v = 0;
    if (lin < kGuestBase || lin - kGuestBase + size > kGuestSize) return 0;
    std::memcpy(&v, guest.data() + (lin - kGuestBase), size);
    return v;
}
void Setup::set_operand(const Instance& inst, unsigned i, uint32_t v) {
    if (i >= inst.ops.size()) return;
    const OperandInfo& o = inst.ops[i];
    if (o.kind == 'r') {
        uint32_t& r = gpr[o.reg & 7];
        if (o.size == 4) r = v;
        else if (o.size == 2) r = (r & 0xFFFF0000u) | (v & 0xFFFF);
        else if (o.reg < 4) r = (r & 0xFFFFFF00u) | (v & 0xFF);
        else gpr[(o.reg - 4) & 3] = (gpr[(o.reg - 4) & 3] & 0xFFFF00FFu) | ((v & 0xFF) << 8);
    } else if (o.kind == 'm') {
        poke(gpr[EBX], v, o.size ? std::min<unsigned>(o.size, 4) : 4);
    }
}

std::string RunRecord::outcome_text() const {
    static const char* names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?9",
                                  "#TS", "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC"};
    switch (outcome) {
    case Outcome::kCompleted: return "completed";
    case Outcome::kError: return "error: " + message;
    case Outcome::kFault: {
        std::string n = vector < std::size(names) ? names[vector] : fmt::format("vector {}", vector);
        return has_error ? fmt::format("{}({:#06x})", n, error) : n;
    }
    }
    return "?";
}

Lab::~Lab() = default;

Lab::Lab(const x86::CpuModel& model) : model_(model) {
    // Each run copies the guest pages (40 KB) several times into fresh buffers; keep glibc
    // from serving and returning such buffers with mmap/munmap (the page faults would cost
    // more than the runs).
    mallopt(M_MMAP_THRESHOLD, 8 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    ports_.set_unclaimed_observer([this](bool write, uint16_t port, unsigned size, uint32_t value) {
        if (io_log_)
            io_log_->push_back(write ? fmt::format("OUT port {:#06x} size {} value {:#x}", port, size, value)
                                     : fmt::format("IN port {:#06x} size {}", port, size));
    });
}

RunRecord Lab::run(const Instance& inst, const Config& cfg, const SetupFn& setup_fn, uint64_t seed) {
    ++runs_;
    RunRecord rec;
    const unsigned lay = cfg.layout;
    const LayoutInfo& L = kLayouts[lay];

    // ---- the guest's view, random where the scenario does not say otherwise --------------
    if (!random_ || random_seed_ != seed) {
        random_ = std::make_unique<Setup>(random_setup(seed));
        random_seed_ = seed;
    }
    Setup su = *random_;
    std::memcpy(su.guest.data() + (kCodeAddr - kGuestBase), inst.bytes.data(), inst.bytes.size());
    if (setup_fn) setup_fn(su, inst, cfg);
    // The instruction bytes are the instance's whatever the scenario wrote.
    std::memcpy(su.guest.data() + (kCodeAddr - kGuestBase), inst.bytes.data(), inst.bytes.size());

    // ---- the machine ------------------------------------------------------------------------
    // One physical memory for every run (allocating it per run costs more than the run):
    // cleared, and without the code marks of the previous run's blocks.
    if (!mem_) {
        mem_ = std::make_unique<cpu::PhysicalMemory>(kPhysBits);
        ram_ = mem_->add_ram(0, uint64_t{1} << kPhysBits);
    }
    cpu::PhysicalMemory& mem = *mem_;
    uint8_t* ram = ram_;
    for (uint32_t a = 0; a < (1u << kPhysBits); a += 0x1000) mem.clear_code(a);
    std::memset(ram, 0, size_t{1} << kPhysBits);
    std::memcpy(ram + guest_phys(lay, kGuestBase), su.guest.data(), kGuestSize);

    // GDT: the same guest-visible descriptors in both layouts; the LDT and TSS descriptors
    // sit in other slots in layout B (a monitor's shadow GDT reserves its own).
    const uint32_t g = L.gdt;
    put_desc(ram, g, kCode0, code(0));
    put_desc(ram, g, kData0, data(0));
    put_desc(ram, g, kCode1, code(1));
    put_desc(ram, g, kData1, data(1));
    put_desc(ram, g, kCode3, code(3));
    put_desc(ram, g, kData3, data(3));
    put_desc(ram, g, L.tss_sel, segment(L.tss, kTssLimit, 0x8B, 0));
    put_desc(ram, g, L.ldt_sel, segment(L.ldt, 0xFF, 0x82, 0));
    put_desc(ram, g, kCallGate3, gate(kCode0, kHandlerAddr, 0x0C, 3));
    put_desc(ram, g, kAltData0, data(0, kAltDataBase));
    put_desc(ram, g, kAltData3, data(3, kAltDataBase));
    put_desc(ram, g, kSpareTss, segment(L.spare_tss, 0x67, 0x89, 0));
    put_desc(ram, g, kConformingCode0, code(0, true));
    put_desc(ram, g, kCallGate0, gate(kCode0, kHandlerAddr, 0x0C, 0));
    put_desc(ram, L.ldt, kLdtData3, data(3, kAltDataBase));
    // IDT: interrupt gates to the handler; the user vector has DPL 3.
    for (unsigned v = 0; v < 256; ++v) {
        unsigned dpl = v == kUserVector ? 3 : 0;
        for (auto [vec, d] : su.gate_dpl)
            if (vec == v) dpl = d;
        put_desc(ram, L.idt, uint16_t(v * 8), gate(kCode0, kHandlerAddr, 0x0E, dpl));
    }
    // TSS: inner stacks, I/O bitmap.
    put32(ram, L.tss + 4, kInnerStack0);
    put32(ram, L.tss + 8, kData0);
    put32(ram, L.tss + 12, kInnerStack1);
    put32(ram, L.tss + 16, kData1);
    put32(ram, L.tss + 28, 0);  // CR3 slot (unused: no task switches)
    put16(ram, L.tss + 0x66, kIoBitmapOffset);
    std::memset(ram + L.tss + kIoBitmapOffset, cfg.io_bitmap_allows ? 0x00 : 0xFF, 0x2000);
    ram[L.tss + kTssLimit] = 0xFF;
    // Paging: one page table for the 512 KB; guest pages user-accessible, the rest supervisor.
    put32(ram, L.pd, L.pt | 0x67);
    for (uint32_t p = 0; p < kPages; ++p) {
        uint32_t lin = p << 12;
        bool guest = lin >= kGuestBase && lin < kGuestBase + kGuestSize;
        uint32_t phys = guest ? guest_phys(lay, lin) : lin;
        put32(ram, L.pt + p * 4, phys | (guest ? 0x67 : 0x63));
    }

    // ---- the CPU ----------------------------------------------------------------------------
    // One CPU for every run too, reset to its power-on state.
    if (!cpu_) cpu_ = std::make_unique<X86Cpu>(mem, ports_, model_);
    X86Cpu& cpu = *cpu_;
    cpu.reset();
    const uint64_t icount0 = cpu.instructions();
    X86State& s = cpu.s;
    s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG | (cfg.cr0_mp ? CR0_MP : 0);
    s.cr3 = L.pd;
    uint32_t cr4 = (cfg.umip ? CR4_UMIP : 0) | (cfg.tsd ? CR4_TSD : 0) | (cfg.pce ? CR4_PCE : 0);
    s.cr4 = cr4 & model_.cr4_mask;
    s.gdtr = {g, kGdtLimit};
    s.idtr = {L.idt, 256 * 8 - 1};
    s.ldtr = Segment{L.ldt_sel, L.ldt, 0xFF, 0x82, true};
    s.tr = Segment{L.tss_sel, L.tss, kTssLimit, 0x8B, true};
    auto load = [&](unsigned seg, uint16_t sel, Desc d) { cpu.set_segment_from_descriptor(seg, sel, d.lo, d.hi); };
    load(CS, code_selector(cfg.cpl), code(cfg.cpl));
    load(SS, data_selector(cfg.cpl), data(cfg.cpl));
    for (unsigned seg : {ES, DS, FS, GS}) load(seg, kData3, data(3));
    s.cpl = uint8_t(cfg.cpl);
    s.gpr = su.gpr;
    s.eip = kCodeAddr;
    cpu.set_eflags((su.eflags & (ARITH_FLAGS | DF | AC | TF)) | (cfg.interrupts ? IF : 0) | (cfg.iopl << 12) | 2,
                   0xFFFFFFFFu);
    if (model_.features & kFeatSep) {
        s.sysenter_cs = kCode0;
        s.sysenter_esp = kInnerStack0;
        s.sysenter_eip = kHandlerAddr;
    }
    if (cfg.v86) {
        // Virtual-8086 mode: every segment 0x1000 (base 0x10000), the same linear code and
        // stack addresses as in protected mode.
        for (unsigned i = 0; i < 6; ++i) {
            s.seg[i] = Segment{0x1000, kGuestBase, 0xFFFF, uint16_t(i == CS ? 0xFB : 0xF3), true};
        }
        s.cpl = 3;
        s.eip = kCodeAddr - kGuestBase;
        s.gpr[ESP] = kStackTop - kGuestBase;
        cpu.set_eflags(cpu.eflags() | VM, 0xFFFFFFFFu);
        for (unsigned i = 0; i < 6; ++i) cpu.refresh_segcheck(i);
        cpu.set_cs_for_mode();
    }
    // The x87 last-instruction and last-operand pointers of an earlier x87 instruction of
    // this code (FNSTENV/FNSAVE/FXSAVE store them).
    cpu.fpu().state().last_instruction = {s.seg[CS].selector, kCodeAddr - 0x10};
    cpu.fpu().state().last_data = {s.seg[DS].selector, kDataAddr};
    cpu.flush_tlb();
    // A stale TLB entry: translate the probe page, then move its PTE to another frame.
    (void)cpu.read_linear<4>(kTlbProbe, false);
    put32(ram, L.pt + (kTlbProbe >> 12) * 4, guest_phys(lay, kTlbProbe - 0x1000) | 0x67);

    rec.before = snapshot(cpu, ram, lay, 0);
    Hook hook;
    hook.cpu = &cpu;
    cpu.attach(&hook);
    io_log_ = &rec.io;
    cpu::RunResult r = cpu.run(1);
    io_log_ = nullptr;
    cpu.attach(nullptr);
    const bool retired = cpu.instructions() == icount0 + 1;
    if (r.reason == cpu::StopReason::kError || r.reason == cpu::StopReason::kShutdown) {
        rec.outcome = RunRecord::Outcome::kError;
        rec.message = r.message.substr(0, r.message.find('\n'));
    } else if (const cpu::ExceptionEvent* f = hook.fault(); f && !retired) {
        rec.outcome = RunRecord::Outcome::kFault;
        rec.vector = uint8_t(f->vector);
        rec.has_error = f->has_error_code;
        rec.error = f->error_code;
    }
    rec.after = snapshot(cpu, ram, lay, retired ? 1 : 0);
    if (rec.outcome == RunRecord::Outcome::kCompleted) {
        // Probes of state the CPU keeps privately: is the stale TLB entry still there, did
        // the processor halt?
        uint32_t probe = cpu.read_linear<4>(kTlbProbe, false);
        rec.after.system.push_back({"TLB (stale entry for the probe page present)", probe == 0xAAAAAAAAu});
        rec.before.system.push_back({"TLB (stale entry for the probe page present)", 1});
        cpu::RunResult r2 = cpu.run(1);
        rec.after.system.push_back({"processor halted", r2.reason == cpu::StopReason::kHaltedNoWake});
        rec.before.system.push_back({"processor halted", 0});
    }
    return rec;
}

namespace {

std::string bytes_text(const std::vector<uint8_t>& m, size_t from, size_t n) {
    std::string s;
    for (size_t i = from; i < from + n && i < m.size(); ++i) s += fmt::format("{}{:02x}", s.empty() ? "" : " ", m[i]);
    return s;
}

}  // namespace

std::vector<std::string> diff_results(const RunRecord& a, const RunRecord& b, const std::string& an,
                                      const std::string& bn) {
    using O = RunRecord::Outcome;
    std::vector<std::string> out;
    if (a.outcome != b.outcome || (a.outcome == O::kFault && (a.vector != b.vector || a.error != b.error))) {
        out.push_back(fmt::format("{}: {}; {}: {}", an, a.outcome_text(), bn, b.outcome_text()));
        return out;
    }
    if (a.outcome != O::kCompleted) return out;
    const auto& va0 = a.before.visible;
    const auto& va1 = a.after.visible;
    const auto& vb0 = b.before.visible;
    const auto& vb1 = b.after.visible;
    for (size_t i = 0; i < va1.size() && i < vb1.size(); ++i) {
        // Bits that differed before the instruction and that neither run changed are the
        // experiment's own difference, not the instruction's.
        uint64_t ignore = (va0[i].value ^ vb0[i].value) & ~(va0[i].value ^ va1[i].value) &
                          ~(vb0[i].value ^ vb1[i].value);
        if (((va1[i].value ^ vb1[i].value) & ~ignore) == 0) continue;
        out.push_back(fmt::format("{} {:#x} ({}) vs {:#x} ({})", va1[i].name, va1[i].value, an, vb1[i].value, bn));
    }
    const auto& ma0 = a.before.memory;
    const auto& ma1 = a.after.memory;
    const auto& mb0 = b.before.memory;
    const auto& mb1 = b.after.memory;
    size_t first = SIZE_MAX, last = 0;
    const bool same = ma1.size() == mb1.size() && std::memcmp(ma1.data(), mb1.data(), ma1.size()) == 0;
    for (size_t i = 0; !same && i < ma1.size() && i < mb1.size(); ++i) {
        if (ma1[i] == mb1[i]) continue;
        if (ma0[i] != mb0[i] && ma0[i] == ma1[i] && mb0[i] == mb1[i]) continue;
        if (first == SIZE_MAX) first = i;
        last = i;
    }
    if (first != SIZE_MAX) {
        // Show the difference with a little context: from the dword before it, 8 bytes or more.
        size_t from = (first >= 4 ? first - 4 : 0) & ~size_t{3};
        size_t n = std::min<size_t>(std::max<size_t>(last - from + 1, 8), 16);
        out.push_back(fmt::format("memory at {:#x}: {} ({}) vs {} ({})", kGuestBase + from,
                                  bytes_text(ma1, from, n), an, bytes_text(mb1, from, n), bn));
    }
    if (a.io.size() != b.io.size())
        out.push_back(fmt::format("{} port accesses ({}) vs {} ({})", a.io.size(), an, b.io.size(), bn));
    return out;
}

std::vector<std::string> diff_system(const RunRecord& r) {
    std::vector<std::string> out;
    if (r.outcome != RunRecord::Outcome::kCompleted) return out;
    const auto& s0 = r.before.system;
    const auto& s1 = r.after.system;
    for (size_t i = 0; i < s0.size() && i < s1.size(); ++i)
        if (s0[i].value != s1[i].value) {
            if (s0[i].name.find("hash") != std::string::npos) out.push_back(fmt::format("{} changed", s0[i].name.substr(0, s0[i].name.find(" (hash)"))));
            else out.push_back(fmt::format("{} {} -> {}", s0[i].name, hex_value(s0[i].value), hex_value(s1[i].value)));
        }
    return out;
}

}  // namespace trapeze::analysis
