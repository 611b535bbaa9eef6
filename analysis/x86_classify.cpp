#include "analysis/x86_classify.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "analysis/x86_encode.h"
#include "analysis/x86_lab.h"
#include "isa/x86/fault.h"
#include "isa/x86/state.h"

namespace trapeze::analysis {

using namespace x86;

const std::vector<PaperEntry>& robin_irvine() {
    static const char* kReg = "Sensitive register instructions";
    static const char* kProt = "Protection system references";
    static const std::vector<PaperEntry> t = {
        {"SGDT", kReg, {"SGDT_M"}},
        {"SIDT", kReg, {"SIDT_M"}},
        {"SLDT", kReg, {"SLDT_E"}},
        {"SMSW", kReg, {"SMSW_E"}},
        {"PUSHF", kReg, {"PUSHF", "PUSHFD"}},
        {"POPF", kReg, {"POPF", "POPFD"}},
        {"LAR", kProt, {"LAR_G_E"}},
        {"LSL", kProt, {"LSL_G_E"}},
        {"VERR", kProt, {"VERR_E"}},
        {"VERW", kProt, {"VERW_E"}},
        {"POP", kProt, {"POP_S"}},
        {"PUSH", kProt, {"PUSH_S"}},
        {"CALL", kProt, {"CALL_P", "CALL_FAR_M"}},
        {"JMP", kProt, {"JMP_P", "JMP_FAR_M"}},
        {"INT", kProt, {"INT_I"}},
        {"RET", kProt, {"RET_FAR"}},
        {"STR", kProt, {"STR_E"}},
        {"MOV", kProt, {"MOV_S_E", "MOV_E_S"}},
    };
    return t;
}

std::string sensitivity_text(uint8_t bits) {
    std::string s;
    auto add = [&](uint8_t b, const char* n) {
        if (bits & b) s += (s.empty() ? "" : ", ") + std::string(n);
    };
    add(S_CONTROL, "control");
    add(S_MODE, "mode");
    add(S_LOCATION, "location");
    add(S_IO, "io");
    return s.empty() ? "none" : s;
}

namespace {

// ---- scenarios: states in which a form shows what it depends on ---------------------------
// Random states (fixed seeds) are run for every form; these add the particular states the
// sensitive forms need (a DPL-0 descriptor, a gate, a frame returning to an outer level).

struct Scenario {
    std::vector<const char*> forms;  // row ids
    const char* name;
    EncodeRequest req;
    SetupFn setup;
};

EncodeRequest imm_req(int64_t a, std::optional<int64_t> b = std::nullopt) {
    EncodeRequest r;
    r.imm[0] = a;
    r.imm[1] = b;
    return r;
}
EncodeRequest ptr_req(uint16_t sel, uint32_t off) {
    EncodeRequest r;
    r.ptr_selector = sel;
    r.ptr_offset = off;
    return r;
}

// Writes a frame of `opsize`-byte entries at the top of the stack.
void frame(Setup& s, unsigned opsize, std::initializer_list<uint32_t> entries) {
    uint32_t a = s.gpr[ESP];
    for (uint32_t v : entries) {
        s.poke(a, v, opsize);
        a += opsize;
    }
}
// A far pointer (offset, selector) at [EBX] for the "m16:32" forms.
void far_pointer(Setup& s, unsigned opsize, uint32_t off, uint16_t sel) {
    s.poke(s.gpr[EBX], off, opsize);
    s.poke(s.gpr[EBX] + opsize, sel, 2);
}
unsigned opsize(const Instance& i) { return i.insn.opsize == 2 ? 2 : 4; }

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> t = {
        // Segment-register loads with a DPL-0 descriptor, and with a DPL-3 one of another base.
        {{"POP_S"}, "pop a DPL-0 data selector (0x10)", {},
         [](Setup& s, const Instance&, const Config&) { s.poke(s.gpr[ESP], kData0, 4); }},
        {{"POP_S"}, "pop a DPL-3 data selector of another base (0x5b)", {},
         [](Setup& s, const Instance&, const Config&) { s.poke(s.gpr[ESP], kAltData3, 4); }},
        {{"MOV_S_E"}, "load a DPL-0 data selector (0x10)", {},
         [](Setup& s, const Instance& i, const Config&) { s.set_operand(i, 1, kData0); }},
        {{"MOV_S_E"}, "load a DPL-3 data selector of another base (0x5b)", {},
         [](Setup& s, const Instance& i, const Config&) { s.set_operand(i, 1, kAltData3); }},
        {{"LDS_G_M", "LES_G_M", "LFS_G_M", "LGS_G_M", "LSS_G_M"}, "far pointer with a DPL-0 data selector (0x10)", {},
         [](Setup& s, const Instance& i, const Config&) { far_pointer(s, opsize(i), 0x1234, kData0); }},
        {{"LDS_G_M", "LES_G_M", "LFS_G_M", "LGS_G_M", "LSS_G_M"}, "far pointer with a DPL-3 data selector of another base (0x5b)", {},
         [](Setup& s, const Instance& i, const Config&) { far_pointer(s, opsize(i), 0x1234, kAltData3); }},
        // Descriptor queries on a DPL-0 descriptor and on the TSS slot of layout A.
        {{"LAR_G_E", "LSL_G_E"}, "selector of a DPL-0 data descriptor (0x10)", {},
         [](Setup& s, const Instance& i, const Config&) { s.set_operand(i, 1, kData0); }},
        {{"LAR_G_E", "LSL_G_E"}, "selector 0x38 (the TSS descriptor's slot in layout A)", {},
         [](Setup& s, const Instance& i, const Config&) { s.set_operand(i, 1, 0x38); }},
        {{"VERR_E", "VERW_E"}, "selector of a DPL-0 data descriptor (0x10)", {},
         [](Setup& s, const Instance& i, const Config&) { s.set_operand(i, 0, kData0); }},
        // Far transfers to ring 0, through gates, to ring 3.
        {{"JMP_P", "CALL_P"}, "far transfer to DPL-0 code (0x08)", ptr_req(kCode0, kHandlerAddr), nullptr},
        {{"JMP_P", "CALL_P"}, "far transfer through a DPL-3 call gate to ring-0 code (0x4b)", ptr_req(kCallGate3, 0), nullptr},
        {{"JMP_P", "CALL_P"}, "far transfer to DPL-3 code (0x2b)", ptr_req(kCode3, kHandlerAddr), nullptr},
        {{"JMP_FAR_M", "CALL_FAR_M"}, "far transfer to DPL-0 code (0x08)", {},
         [](Setup& s, const Instance& i, const Config&) { far_pointer(s, opsize(i), kHandlerAddr, kCode0); }},
        {{"JMP_FAR_M", "CALL_FAR_M"}, "far transfer through a DPL-3 call gate to ring-0 code (0x4b)", {},
         [](Setup& s, const Instance& i, const Config&) { far_pointer(s, opsize(i), 0, kCallGate3); }},
        {{"JMP_FAR_M", "CALL_FAR_M"}, "far transfer to DPL-3 code (0x2b)", {},
         [](Setup& s, const Instance& i, const Config&) { far_pointer(s, opsize(i), kHandlerAddr, kCode3); }},
        {{"RET_FAR"}, "far return to ring-3 code (frame 0x2b:handler with SS:ESP 0x33:0x14800)", {},
         [](Setup& s, const Instance& i, const Config&) { frame(s, opsize(i), {kHandlerAddr, kCode3, kOuterStack, kData3}); }},
        {{"RET_FAR"}, "far return to ring-0 code (frame 0x08:handler)", {},
         [](Setup& s, const Instance& i, const Config&) { frame(s, opsize(i), {kHandlerAddr, kCode0, kOuterStack, kData0}); }},
        // Software interrupts through gates of DPL 3 and DPL 0.
        {{"INT_I"}, "INT 0x40 through a DPL-3 interrupt gate", imm_req(kUserVector), nullptr},
        {{"INT_I"}, "INT 0x41 through a DPL-0 interrupt gate", imm_req(kKernelVector), nullptr},
        {{"INT3"}, "vector 3 gate with DPL 3", {},
         [](Setup& s, const Instance&, const Config&) { s.gate_dpl.push_back({3, 3}); }},
        {{"INTO"}, "OF=1, vector 4 gate with DPL 3", {},
         [](Setup& s, const Instance&, const Config&) { s.gate_dpl.push_back({4, 3}); s.eflags |= OF; }},
        {{"INTO"}, "OF=1, vector 4 gate with DPL 0", {},
         [](Setup& s, const Instance&, const Config&) { s.eflags |= OF; }},
        {{"INT1"}, "vector 1 gate with DPL 3", {},
         [](Setup& s, const Instance&, const Config&) { s.gate_dpl.push_back({1, 3}); }},
        // IRET at the same level changing IF and IOPL, and to an outer level.
        {{"IRET", "IRETD"}, "return to the current CS with an EFLAGS image IF=0 IOPL=3", {},
         [](Setup& s, const Instance& i, const Config& c) {
             if (c.v86) frame(s, opsize(i), {kHandlerAddr - kGuestBase, kGuestBase >> 4, 0x3002});
             else frame(s, opsize(i), {kHandlerAddr, code_selector(c.cpl), 0x3002});
         }},
        {{"IRET", "IRETD"}, "return to ring-3 code (0x2b) with SS:ESP 0x33:0x14800", {},
         [](Setup& s, const Instance& i, const Config&) {
             frame(s, opsize(i), {kHandlerAddr, kCode3, 0x0202, kOuterStack, kData3});
         }},
        {{"POPF", "POPFD"}, "pop an EFLAGS image with IF=0 IOPL=3", {},
         [](Setup& s, const Instance& i, const Config&) { frame(s, opsize(i), {0x3002}); }},
        // Privileged forms: operands that succeed at CPL 0.
        {{"LLDT_E"}, "load the null LDT selector", {},
         [](Setup& s, const Instance& i, const Config&) { s.set_operand(i, 0, 0); }},
        {{"LTR_E"}, "load an available TSS (0x60)", {},
         [](Setup& s, const Instance& i, const Config&) { s.set_operand(i, 0, kSpareTss); }},
        {{"MOV_C_R"}, "write CR0 with MP toggled", {},
         [](Setup& s, const Instance& i, const Config& c) {
             s.set_operand(i, 1, CR0_PE | CR0_ET | CR0_NE | CR0_PG | (c.cr0_mp ? 0 : CR0_MP));
         }},
        {{"INVLPG_M"}, "invalidate the page whose TLB entry is stale", {},
         [](Setup& s, const Instance&, const Config&) { s.gpr[EBX] = kTlbProbe; }},
        {{"RDMSR", "WRMSR"}, "MSR 0x10 (time-stamp counter)", {},
         [](Setup& s, const Instance&, const Config&) {
             s.gpr[ECX] = 0x10;
             s.gpr[EDX] = 0;
             s.gpr[EAX] = 0x123456;
         }},
        {{"ENTER"}, "ENTER 8, 0", imm_req(8, 0), nullptr},
        {{"RDPMC"}, "counter 0", {}, [](Setup& s, const Instance&, const Config&) { s.gpr[ECX] = 0; }},
    };
    return t;
}

// ---- the experiment on one form -------------------------------------------------------------

constexpr int kRandomStates = 2;

struct Toggle {
    const char* name;
    bool (*available)(const CpuModel&);
    void (*apply)(Config&);
};

bool has_umip(const CpuModel& m) { return m.features & kFeatUmip; }
bool has_tsc(const CpuModel& m) { return m.features & kFeatTsc; }
bool has_pce(const CpuModel& m) { return m.features & kFeatRdpmc; }
bool always(const CpuModel&) { return true; }

// Changes to the monitor's configuration that may remove a trap (CPL > 0 runs) or add one.
const Toggle kToggles[] = {
    {"IOPL=3", always, [](Config& c) { c.iopl = 3; }},
    {"I/O bitmap allows", always, [](Config& c) { c.io_bitmap_allows = true; }},
    {"CR4.UMIP=0", has_umip, [](Config& c) { c.umip = false; }},
    {"CR4.PCE=1", has_pce, [](Config& c) { c.pce = true; }},
    {"CR4.TSD=1", has_tsc, [](Config& c) { c.tsd = true; }},
};

// Variations of privileged state a monitor necessarily keeps different from its guest's
// view (it runs the guest with IOPL 0 and IF 1, and with its own CR0 bits).
struct Variation {
    const char* name;
    void (*apply)(Config&);
};
const Variation kVariations[] = {
    {"IOPL 0 vs 3", [](Config& c) { c.iopl = 3; }},
    {"IF 1 vs 0", [](Config& c) { c.interrupts = false; }},
    {"CR0.MP 0 vs 1", [](Config& c) { c.cr0_mp = true; }},
};

std::string hex_bytes(const std::vector<uint8_t>& b) {
    std::string s;
    for (uint8_t x : b) s += fmt::format("{}{:02x}", s.empty() ? "" : " ", x);
    return s;
}

std::string cpl_name(const Config& c) { return fmt::format("CPL{}", c.cpl); }

std::string join(const std::vector<std::string>& v, size_t max = 3) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < max; ++i) s += (i ? "; " : "") + v[i];
    if (v.size() > max) s += fmt::format("; (+{} more)", v.size() - max);
    return s;
}

struct FormWork {
    FormWork(const CpuModel& m, Lab& l, FormVerdict& verdict) : model(m), lab(l), v(verdict) {}
    const CpuModel& model;
    Lab& lab;
    FormVerdict& v;
    bool traps_only_deprivileged = false;
    bool all_deprivileged_trap = true;  // no state in which CPL 1 or 3 completed
    bool all_ud = true;
    bool trap_difference = false;  // some state trapped only when deprivileged
    std::set<std::string> relaxers, inducers;
    std::set<std::string> evidence_keys;
    std::map<std::string, int> per_experiment;

    void add(uint8_t kind, bool user, const std::string& exp, const std::string& state, const std::string& finding) {
        v.sensitivity |= kind;
        if (user) v.user_sensitive = true;
        record(exp, state, finding);
    }
    // Keeps a few records per experiment (states repeat the same finding).
    void record(const std::string& exp, const std::string& state, const std::string& finding) {
        std::string key = exp + "|" + finding;
        if (evidence_keys.count(key) || per_experiment[exp] >= 3) return;
        evidence_keys.insert(key);
        per_experiment[exp]++;
        v.evidence.push_back({exp, state, finding});
    }

    void run_state(const Instance& inst, const EncodeRequest& req, const std::string& state, const SetupFn& setup, uint64_t seed) {
        Config base;
        base.umip = has_umip(model);
        auto at = [&](unsigned cpl, auto&& tweak) {
            Config c = base;
            c.cpl = cpl;
            tweak(c);
            return std::make_pair(c, lab.run(inst, c, setup, seed));
        };
        auto none = [](Config&) {};
        auto [c0, r0] = at(0, none);
        auto [c1, r1] = at(1, none);
        auto [c3, r3] = at(3, none);
        using O = RunRecord::Outcome;
        for (const RunRecord* r : {&r0, &r1, &r3})
            if (!(r->outcome == O::kFault && r->vector == kUD)) all_ud = false;
        for (const RunRecord* r : {&r0, &r1, &r3})
            if (r->outcome == O::kError)
                add(0, false, "error", state, r->outcome_text());

        // (1) privilege: traps only when deprivileged.
        const bool privileged_here = r0.outcome == O::kCompleted && r1.outcome == O::kFault && r3.outcome == O::kFault;
        // Privileged: traps when deprivileged in every state, and does not trap at CPL 0 in
        // some state (states where every CPL faults alike say nothing).
        if (privileged_here) traps_only_deprivileged = true;
        if (r1.outcome == O::kCompleted || r3.outcome == O::kCompleted) all_deprivileged_trap = false;
        if (privileged_here) {
            trap_difference = true;
            record("privilege", state + ", " + c0.describe(),
                   fmt::format("CPL3: {}; CPL1: {}; CPL0: completed", r3.outcome_text(), r1.outcome_text()));
            // Which configuration changes remove the trap (the trap condition)?
            for (const Toggle& t : kToggles) {
                if (!t.available(model)) continue;
                Config c = c3;
                t.apply(c);
                RunRecord rt = lab.run(inst, c, setup, seed);
                if (rt.outcome == O::kCompleted) {
                    relaxers.insert(t.name);
                    record("trap-condition", state + ", " + c.describe(),
                           fmt::format("with {} CPL3 completes (base: {})", t.name, r3.outcome_text()));
                }
            }
        } else {
            // (2) mode: results differ by CPL without the pattern of a privileged instruction.
            for (auto [c, r] : {std::pair{&c1, &r1}, std::pair{&c3, &r3}}) {
                auto d = diff_results(r0, *r, "CPL0", cpl_name(*c));
                if (!d.empty()) add(S_MODE, false, "mode (CPL 0 vs " + std::to_string(c->cpl) + ")", state, join(d));
            }
            // Virtual-8086 mode: does IOPL < 3 add a trap there (the same form encoded for a
            // 16-bit code segment; forms with segment-register operands are not tried)?
            const bool has_sreg = std::any_of(inst.ops.begin(), inst.ops.end(), [](const OperandInfo& o) { return o.kind == 's'; });
            if (r3.outcome == O::kCompleted && !has_sreg) {
                EncodeRequest r16 = req;
                r16.code16 = true;
                if (auto i16 = encode_form(inst.form, r16, model)) {
                    Config v0 = c3;
                    v0.v86 = true;
                    Config v3 = v0;
                    v3.iopl = 3;
                    RunRecord rv0 = lab.run(*i16, v0, setup, seed);
                    RunRecord rv3 = lab.run(*i16, v3, setup, seed);
                    if (rv0.outcome == O::kFault && rv3.outcome == O::kCompleted) {
                        inducers.insert("VM and IOPL < 3");
                        record("trap-condition", state + ", " + i16->text + " in virtual-8086 mode",
                               fmt::format("IOPL0: {}; IOPL3: completed", rv0.outcome_text()));
                    }
                }
            }
            // Configuration changes that add a trap at CPL 3 (CR4.TSD, ...).
            if (r3.outcome == O::kCompleted)
                for (const Toggle& t : kToggles) {
                    if (!t.available(model) || std::strcmp(t.name, "CR4.TSD=1") != 0) continue;
                    Config c = c3;
                    t.apply(c);
                    RunRecord rt = lab.run(inst, c, setup, seed);
                    Config k = c0;
                    t.apply(k);
                    RunRecord rk = lab.run(inst, k, setup, seed);
                    if (rt.outcome == O::kFault && rk.outcome == O::kCompleted) {
                        inducers.insert(t.name);
                        record("trap-condition", state + ", " + c.describe(),
                               fmt::format("with {} CPL3: {}; CPL0 completes", t.name, rt.outcome_text()));
                    }
                }
        }
        // (5) control and (6) I/O: what a completed run changed in monitor-owned state.
        for (auto [c, r] : {std::pair{&c0, &r0}, std::pair{&c1, &r1}, std::pair{&c3, &r3}}) {
            auto d = diff_system(*r);
            if (!d.empty()) add(S_CONTROL, c->cpl == 3, fmt::format("control (CPL{})", c->cpl), state, join(d, 4));
            if (r->outcome == O::kCompleted && !r->io.empty())
                add(S_IO, c->cpl == 3, fmt::format("io (CPL{})", c->cpl), state + ", " + c->describe(), join(r->io, 2));
        }
        // (3) system state: the same guest-visible state, privileged state as a monitor keeps it.
        for (auto [c, r] : {std::pair{&c0, &r0}, std::pair{&c3, &r3}}) {
            for (const Variation& var : kVariations) {
                Config cv = *c;
                var.apply(cv);
                RunRecord rv = lab.run(inst, cv, setup, seed);
                auto d = diff_results(*r, rv, c->describe(), cv.describe());
                if (!d.empty())
                    add(S_MODE, c->cpl == 3, fmt::format("system-state ({}, CPL{})", var.name, c->cpl), state, join(d));
                auto ds = diff_system(rv);
                if (!ds.empty()) add(S_CONTROL, cv.cpl == 3, fmt::format("control (CPL{})", cv.cpl), state + ", " + cv.describe(), join(ds, 4));
            }
        }
        // (4) location: the monitor's structures and the guest's frames elsewhere.
        for (auto [c, r] : {std::pair{&c0, &r0}, std::pair{&c3, &r3}}) {
            Config cb = *c;
            cb.layout = 1;
            RunRecord rb = lab.run(inst, cb, setup, seed);
            auto d = diff_results(*r, rb, "layout A", "layout B");
            if (!d.empty()) add(S_LOCATION, c->cpl == 3, fmt::format("location (CPL{})", c->cpl), state, join(d));
        }
    }
};

TrapCondition derive_trap(bool privileged, const std::set<std::string>& relax, const std::set<std::string>& induce) {
    if (privileged) {
        if (relax.count("CR4.UMIP=0")) return TrapCondition::kUmip;
        if (relax.count("CR4.PCE=1")) return TrapCondition::kPce;
        if (relax.count("IOPL=3") && relax.count("I/O bitmap allows")) return TrapCondition::kIoPerm;
        if (relax.count("IOPL=3")) return TrapCondition::kIopl;
        return TrapCondition::kCpl0;
    }
    if (induce.count("CR4.TSD=1")) return TrapCondition::kTsd;
    if (induce.count("VM and IOPL < 3")) return TrapCondition::kV86;
    return TrapCondition::kNever;
}

// The table's claim for a model: UMIP makes its rows privileged where the model has it;
// conditions on features the model lacks never hold.
void table_claim(const FormInfo& f, const CpuModel& m, FormVerdict& v) {
    v.table_class = f.pg_class;
    v.table_sensitivity = f.sensitivity;
    v.table_trap = f.trap;
    switch (f.trap) {
    case TrapCondition::kUmip:
        if (has_umip(m)) v.table_class = PgClass::kPrivileged;
        else v.table_trap = TrapCondition::kNever;
        break;
    case TrapCondition::kTsd:
        if (!has_tsc(m)) v.table_trap = TrapCondition::kNever;
        break;
    default: break;
    }
}

std::string canonical_mnemonic(const FormInfo& f) {
    for (const PaperEntry& p : robin_irvine())
        for (const char* id : p.forms)
            if (std::strcmp(id, f.id) == 0) return p.mnemonic;
    std::string m = ZydisMnemonicGetString(f.mnemonic);
    for (char& ch : m) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    return m;
}

}  // namespace

void compare(Classification& out) {
    out.table_disagreements.clear();
    out.sensitivity_notes.clear();
    out.disassembler_disagreements.clear();
    std::set<std::string> su, usu;
    out.theorem1 = out.theorem3 = true;
    for (const FormVerdict& v : out.forms) {
        if (v.pg_class == PgClass::kSensitive) {
            out.theorem1 = false;
            su.insert(v.mnemonic);
            if (v.user_sensitive) {
                out.theorem3 = false;
                usu.insert(v.mnemonic);
            }
        }
        if (!v.encoded) {
            out.table_disagreements.push_back({v.id, "not run", v.evidence.empty() ? "" : v.evidence[0].finding});
            continue;
        }
        if (v.absent) continue;
        if (v.pg_class != v.table_class)
            out.table_disagreements.push_back({v.id, "class", fmt::format("table: {}; experiments: {}", pg_class_name(v.table_class), pg_class_name(v.pg_class))});
        if (v.trap != v.table_trap)
            out.table_disagreements.push_back({v.id, "trap condition", fmt::format("table: {}; experiments: {}", trap_condition_text(v.table_trap), trap_condition_text(v.trap))});
        if (v.sensitivity != v.table_sensitivity && v.pg_class != PgClass::kInnocuous)
            out.sensitivity_notes.push_back({v.id, "sensitivity", fmt::format("table: {}; experiments: {}", sensitivity_text(v.table_sensitivity), sensitivity_text(v.sensitivity))});
        const bool priv = v.pg_class == PgClass::kPrivileged;
        if (v.zydis_privileged != priv)
            out.disassembler_disagreements.push_back({v.id, "zydis", fmt::format("Zydis {} privileged; experiments: {}, trap: {} ({})", v.zydis_privileged ? "says" : "does not say", pg_class_name(v.pg_class), trap_condition_text(v.trap), v.instance)});
        if (v.capstone_privileged != priv)
            out.disassembler_disagreements.push_back({v.id, "capstone", fmt::format("Capstone {} privileged; experiments: {}, trap: {} ({})", v.capstone_privileged ? "says" : "does not say", pg_class_name(v.pg_class), trap_condition_text(v.trap), v.instance)});
    }
    out.sensitive_unprivileged_mnemonics.assign(su.begin(), su.end());
    out.user_sensitive_unprivileged_mnemonics.assign(usu.begin(), usu.end());
}

Classification classify_x86(const CpuModel& model) {
    auto t0 = std::chrono::steady_clock::now();
    Classification out;
    out.model = std::string(model.name);
    out.model_description = std::string(model.description);
    Lab lab(model);
    const auto table = forms();
    for (uint16_t fi = 0; fi < table.size(); ++fi) {
        const FormInfo& f = table[fi];
        FormVerdict v;
        v.form = fi;
        v.id = f.id;
        v.mnemonic = canonical_mnemonic(f);
        table_claim(f, model, v);
        std::string why;
        auto base = encode_instances(fi, EncodeRequest{}, model, &why);
        if (base.empty()) {
            v.evidence.push_back({"encoding", "-", why});
            out.forms.push_back(std::move(v));
            continue;
        }
        v.encoded = true;
        v.instance = base[0].text;
        v.bytes = hex_bytes(base[0].bytes);
        v.zydis_privileged = zydis_says_privileged(base[0].bytes);
        v.capstone_privileged = capstone_says_privileged(base[0].bytes);
        if ((f.features & model.features) != f.features) {
            v.absent = true;
            v.evidence.push_back({"model", std::string(model.name),
                                  fmt::format("{} lacks the feature this form needs: #UD at every CPL", model.name)});
            out.forms.push_back(std::move(v));
            continue;
        }
        FormWork w(model, lab, v);
        uint64_t seed = 0x7EA9E5ull * (fi + 1);
        for (const Instance& inst : base)
            for (int k = 0; k < kRandomStates; ++k)
                w.run_state(inst, EncodeRequest{}, fmt::format("{}, random state {}", inst.text, k), nullptr, seed + k);
        for (const Scenario& sc : scenarios()) {
            if (std::none_of(sc.forms.begin(), sc.forms.end(), [&](const char* id) { return std::strcmp(id, f.id) == 0; }))
                continue;
            for (const Instance& inst : encode_instances(fi, sc.req, model))
                w.run_state(inst, sc.req, fmt::format("{}, {}", inst.text, sc.name), sc.setup, seed + 17);
        }
        v.pg_class = PgClass::kInnocuous;
        if (w.all_ud && !w.traps_only_deprivileged) {
            v.absent = true;
            v.sensitivity = 0;
            v.user_sensitive = false;
        } else if (w.traps_only_deprivileged && w.all_deprivileged_trap) {
            v.pg_class = PgClass::kPrivileged;
        } else if (v.sensitivity || w.trap_difference) {
            // A state that traps only when deprivileged, when other states do not trap at
            // all, is a difference by mode (the "privilege" evidence says which).
            if (w.trap_difference) v.sensitivity |= S_MODE;
            v.pg_class = PgClass::kSensitive;
        }
        v.trap = derive_trap(v.pg_class == PgClass::kPrivileged, w.relaxers, w.inducers);
        out.forms.push_back(std::move(v));
    }

    compare(out);
    out.runs = lab.runs();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

}  // namespace trapeze::analysis
