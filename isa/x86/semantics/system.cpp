// System instructions (SDM Vol. 3 §2.8, §5.9 and the Vol. 2 pages): control/debug register
// moves, descriptor-table loads and stores, LMSW/SMSW/CLTS, LAR/LSL/VERR/VERW/ARPL, HLT,
// cache and TLB control, CPUID, RDTSC/RDMSR/WRMSR/RDPMC, SYSENTER/SYSEXIT, port I/O.
#include "isa/x86/semantics/operands.h"

#include <fmt/format.h>

#include "isa/x86/decoder.h"

namespace trapeze::x86 {

void raise_ud() { raise_fault(kUD); }

void handler_invalid_opcode(X86Cpu&, const DecodedInsn&) { raise_fault(kUD); }

// An instruction longer than 15 bytes is #GP(0) (SDM Vol. 3 §22.25).
void handler_too_long(X86Cpu&, const DecodedInsn&) { raise_fault(kGP, 0); }

void handler_unimplemented(X86Cpu& c, const DecodedInsn&) {
    uint8_t buf[16];
    uint32_t lin = c.s.seg[CS].base + c.s.eip;
    for (unsigned i = 0; i < 15; ++i) buf[i] = uint8_t(c.read_linear_slow(lin + i, 1, false));
    c.request_stop(cpu::StopReason::kError,
                   fmt::format("unimplemented instruction '{}' at {:04x}:{:08x}",
                               Decoder::disassemble(buf, 15, c.s.seg[CS].db(), c.s.eip),
                               c.s.seg[CS].selector, c.s.eip));
    c.next_eip = c.s.eip;
}

static void ud(X86Cpu&, const DecodedInsn&) { raise_ud(); }
Handler sel_ud(SelectorInput&) { return ud; }

// ---- control and debug registers -------------------------------------------------------------

static void mov_to_cr(X86Cpu& c, const DecodedInsn& in) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    c.write_cr(in.r0, c.s.gpr[in.r1]);
}
static void mov_from_cr(X86Cpu& c, const DecodedInsn& in) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    uint32_t v;
    switch (in.r1) {
    case 0: v = c.s.cr0; break;
    case 2: v = c.s.cr2; break;
    case 3: v = c.s.cr3; break;
    case 4:
        if (!(c.model().features & kFeatCpuid)) raise_ud();
        v = c.s.cr4;
        break;
    default: raise_ud();
    }
    c.s.gpr[in.r0] = v;
}
Handler sel_mov_to_cr(SelectorInput&) { return mov_to_cr; }
Handler sel_mov_from_cr(SelectorInput&) { return mov_from_cr; }

// DR4/DR5 alias DR6/DR7 unless CR4.DE (SDM Vol. 3 §17.2.2).
static unsigned dr_index(X86Cpu& c, unsigned n) {
    if (n == 4 || n == 5) {
        if (c.s.cr4 & CR4_DE) raise_ud();
        return n + 2;
    }
    return n;
}
static void mov_to_dr(X86Cpu& c, const DecodedInsn& in) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    unsigned n = dr_index(c, in.r0);
    uint32_t v = c.s.gpr[in.r1];
    if (n == 6) v = (v & 0x0000E00Fu) | 0xFFFF0FF0u;
    else if (n == 7) v = (v & 0xFFFF2BFFu) | 0x400;
    uint32_t old = c.s.dr[n];
    c.s.dr[n] = v;
    if (n == 7 || n < 4) c.update_debug_registers();
    c.notify_control(16 + n, old, v);
}
static void mov_from_dr(X86Cpu& c, const DecodedInsn& in) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    c.s.gpr[in.r0] = c.s.dr[dr_index(c, in.r1)];
}
Handler sel_mov_to_dr(SelectorInput&) { return mov_to_dr; }
Handler sel_mov_from_dr(SelectorInput&) { return mov_from_dr; }

void X86Cpu::notify_control(unsigned reg, uint64_t oldv, uint64_t newv) {
    if (hooks_) hooks_->on_control_write({uint64_t(s.seg[CS].base + s.eip), reg, oldv, newv});
}
void X86Cpu::notify_table(unsigned which, uint64_t base, uint32_t limit) {
    if (hooks_) hooks_->on_table_load({uint64_t(s.seg[CS].base + s.eip), which, base, limit});
}

void X86Cpu::write_cr(unsigned n, uint32_t v) {
    uint32_t old;
    switch (n) {
    case 0: {
        // SDM Vol. 3 §2.5: PG without PE, or NW without CD, is #GP(0).
        if ((v & CR0_PG) && !(v & CR0_PE)) raise_fault(kGP, 0);
        if ((v & CR0_NW) && !(v & CR0_CD)) raise_fault(kGP, 0);
        old = s.cr0;
        v = (v & 0xE005003Fu) | CR0_ET;  // reserved bits read as 0, ET is hardwired to 1
        s.cr0 = v;
        if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) flush_tlb();
        if ((old ^ v) & CR0_PE) {
            for (unsigned i = 0; i < 6; ++i) refresh_segcheck(i);
        }
        end_block = true;
        break;
    }
    case 2: old = s.cr2; s.cr2 = v; break;
    case 3:
        old = s.cr3;
        s.cr3 = v & 0xFFFFF018u;
        flush_tlb(/*keep_global=*/true);  // SDM Vol. 3 §4.10.4.1
        end_block = true;
        break;
    case 4:
        if (!(model_.features & kFeatCpuid)) raise_fault(kUD);
        if (v & ~model_.cr4_mask) raise_fault(kGP, 0);
        old = s.cr4;
        s.cr4 = v;
        flush_tlb();
        end_block = true;
        break;
    default: raise_fault(kUD);
    }
    notify_control(n, old, v);
}

// ---- descriptor tables -----------------------------------------------------------------------

static void load_table_register(X86Cpu& c, const DecodedInsn& in, TableRegister& t, unsigned which) {
    require_cpl0(c);
    uint32_t ea = c.effective_address(in);
    uint16_t limit = uint16_t(c.read<2>(in.mem.seg, ea));
    uint32_t base = c.read<4>(in.mem.seg, ea + 2);
    if (in.opsize == 2) base &= 0x00FFFFFF;  // 16-bit operand size loads 24 bits of base
    t.base = base;
    t.limit = limit;
    c.notify_table(which, base, limit);
}
static void lgdt(X86Cpu& c, const DecodedInsn& in) { load_table_register(c, in, c.s.gdtr, 0); }
static void lidt(X86Cpu& c, const DecodedInsn& in) { load_table_register(c, in, c.s.idtr, 1); }
Handler sel_lgdt(SelectorInput&) { return lgdt; }
Handler sel_lidt(SelectorInput&) { return lidt; }

// UMIP (SDM Vol. 3 §2.5, CR4 bit 11): SGDT/SIDT/SLDT/SMSW/STR fault at CPL > 0.
static void check_umip(X86Cpu& c) {
    if ((c.s.cr4 & CR4_UMIP) && c.protected_mode() && (c.s.cpl > 0 || c.v86())) raise_fault(kGP, 0);
}

static void store_table_register(X86Cpu& c, const DecodedInsn& in, const TableRegister& t) {
    check_umip(c);
    uint32_t ea = c.effective_address(in);
    c.probe_write(in.mem.seg, ea, 6);
    c.write<2>(in.mem.seg, ea, t.limit);
    // With a 16-bit operand size the P6 stores the high byte of the base too (SDM Vol. 2B
    // SGDT: "the 24-bit base ... and the high-order byte" — 386+ store the full 32 bits).
    c.write<4>(in.mem.seg, ea + 2, t.base);
}
static void sgdt(X86Cpu& c, const DecodedInsn& in) { store_table_register(c, in, c.s.gdtr); }
static void sidt(X86Cpu& c, const DecodedInsn& in) { store_table_register(c, in, c.s.idtr); }
Handler sel_sgdt(SelectorInput&) { return sgdt; }
Handler sel_sidt(SelectorInput&) { return sidt; }

static void store_selector(X86Cpu& c, const DecodedInsn& in, uint16_t sel) {
    if (in.flags & kHasMem) c.write<2>(in.mem.seg, c.effective_address(in), sel);
    else if (in.opsize == 4) c.s.gpr[in.r0] = sel;
    else c.set_reg<2>(in.r0, sel);
}
static void sldt(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    check_umip(c);
    store_selector(c, in, c.s.ldtr.selector);
}
static void str(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    check_umip(c);
    store_selector(c, in, c.s.tr.selector);
}
Handler sel_sldt(SelectorInput&) { return sldt; }
Handler sel_str(SelectorInput&) { return str; }

static uint16_t selector_operand(X86Cpu& c, const DecodedInsn& in) {
    if (in.flags & kHasMem) return uint16_t(c.read<2>(in.mem.seg, c.effective_address(in)));
    return uint16_t(c.reg<2>(in.r0));
}

// LLDT (SDM Vol. 2A LLDT).
static void lldt(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    require_cpl0(c);
    uint16_t sel = selector_operand(c, in);
    if ((sel & 0xFFFC) == 0) {
        c.s.ldtr.selector = sel;
        c.s.ldtr.valid = false;
        c.notify_table(2, 0, 0);
        return;
    }
    if (sel & 4) raise_fault(kGP, sel & 0xFFFC);
    uint32_t lo, hi;
    if (!c.read_descriptor(sel, lo, hi)) raise_fault(kGP, sel & 0xFFFC);
    if ((hi & 0x1F00) != 0x0200) raise_fault(kGP, sel & 0xFFFC);
    if (!(hi & 0x8000)) raise_fault(kNP, sel & 0xFFFC);
    Segment& l = c.s.ldtr;
    l.selector = sel;
    l.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    l.limit = (lo & 0xFFFF) | (hi & 0xF0000);
    if (hi & 0x800000) l.limit = (l.limit << 12) | 0xFFF;
    l.attr = uint16_t((hi >> 8) & 0xF0FF);
    l.valid = true;
    c.notify_table(2, l.base, l.limit);
}
Handler sel_lldt(SelectorInput&) { return lldt; }

// LTR (SDM Vol. 2A LTR): an available TSS, marked busy.
static void ltr(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    require_cpl0(c);
    uint16_t sel = selector_operand(c, in);
    if ((sel & 0xFFFC) == 0) raise_fault(kGP, 0);
    if (sel & 4) raise_fault(kGP, sel & 0xFFFC);
    uint32_t lo, hi;
    if (!c.read_descriptor(sel, lo, hi)) raise_fault(kGP, sel & 0xFFFC);
    unsigned type = (hi >> 8) & 0x1F;
    if (type != 0x01 && type != 0x09) raise_fault(kGP, sel & 0xFFFC);
    if (!(hi & 0x8000)) raise_fault(kNP, sel & 0xFFFC);
    c.write_descriptor_hi(sel, hi | 0x200);  // busy
    Segment& t = c.s.tr;
    t.selector = sel;
    t.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    t.limit = (lo & 0xFFFF) | (hi & 0xF0000);
    if (hi & 0x800000) t.limit = (t.limit << 12) | 0xFFF;
    t.attr = uint16_t(((hi | 0x200) >> 8) & 0xF0FF);
    t.valid = true;
    c.notify_table(3, t.base, t.limit);
}
Handler sel_ltr(SelectorInput&) { return ltr; }

// SMSW: to a register with 32-bit operand size the P6 stores all of CR0 (SDM Vol. 2B SMSW).
static void smsw(X86Cpu& c, const DecodedInsn& in) {
    check_umip(c);
    if (in.flags & kHasMem) c.write<2>(in.mem.seg, c.effective_address(in), c.s.cr0 & 0xFFFF);
    else if (in.opsize == 4) c.s.gpr[in.r0] = c.s.cr0;
    else c.set_reg<2>(in.r0, c.s.cr0 & 0xFFFF);
}
Handler sel_smsw(SelectorInput&) { return smsw; }

// LMSW loads PE MP EM TS; it cannot clear PE (SDM Vol. 2A LMSW).
static void lmsw(X86Cpu& c, const DecodedInsn& in) {
    require_cpl0(c);
    uint32_t v = selector_operand(c, in);
    uint32_t cr0 = (c.s.cr0 & ~0xEu) | (v & 0xF) | (c.s.cr0 & CR0_PE);
    c.write_cr(0, cr0);
}
Handler sel_lmsw(SelectorInput&) { return lmsw; }

static void clts(X86Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    uint32_t old = c.s.cr0;
    c.s.cr0 &= ~CR0_TS;
    c.notify_control(0, old, c.s.cr0);
}
Handler sel_clts(SelectorInput&) { return clts; }

// ---- LAR LSL VERR VERW ARPL (SDM Vol. 2A/2B) -------------------------------------------------

static void set_zf(X86Cpu& c, bool z) {
    uint32_t fl = compute_arith_flags(c.s.arith);
    set_eager(c.s.arith, z ? (fl | ZF) : (fl & ~ZF));
}

// Common descriptor visibility test of LAR/LSL/VERR/VERW. valid_types: bitmask over the
// 5-bit type field (S bit included) of the descriptor types the instruction accepts.
static bool descriptor_visible(X86Cpu& c, uint16_t sel, uint32_t valid_types, uint32_t& lo, uint32_t& hi) {
    if ((sel & 0xFFFC) == 0) return false;
    if (!c.read_descriptor(sel, lo, hi)) return false;
    unsigned type = (hi >> 8) & 0x1F;
    if (!(valid_types & (1u << type))) return false;
    bool conforming_code = (type & 0x1C) == 0x1C;
    unsigned dpl = (hi >> 13) & 3;
    if (!conforming_code && (dpl < c.s.cpl || dpl < (sel & 3u))) return false;
    return true;
}

// Types LAR accepts: all code/data, LDT, TSS (avail/busy, 16/32), call/task gates.
constexpr uint32_t kLarTypes = 0xFFFF0000u | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) |
                               (1u << 5) | (1u << 9) | (1u << 11) | (1u << 12);
constexpr uint32_t kLslTypes = 0xFFFF0000u | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 9) | (1u << 11);

static void lar(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    uint16_t sel = uint16_t((in.flags & kHasMem) ? c.read<2>(in.mem.seg, c.effective_address(in)) : c.reg<2>(in.r1));
    uint32_t lo, hi;
    if (!descriptor_visible(c, sel, kLarTypes, lo, hi)) return set_zf(c, false);
    uint32_t v = hi & 0x00FFFF00u;
    if (in.opsize == 2) c.set_reg<2>(in.r0, v);
    else c.s.gpr[in.r0] = v;
    set_zf(c, true);
}
static void lsl(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    uint16_t sel = uint16_t((in.flags & kHasMem) ? c.read<2>(in.mem.seg, c.effective_address(in)) : c.reg<2>(in.r1));
    uint32_t lo, hi;
    if (!descriptor_visible(c, sel, kLslTypes, lo, hi)) return set_zf(c, false);
    uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
    if (hi & 0x800000) limit = (limit << 12) | 0xFFF;
    if (in.opsize == 2) c.set_reg<2>(in.r0, limit);
    else c.s.gpr[in.r0] = limit;
    set_zf(c, true);
}
static void verr(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    uint16_t sel = selector_operand(c, in);
    uint32_t lo, hi;
    // Readable: data segments, readable code segments.
    uint32_t types = 0x0000FFFFu << 16;
    types &= ~((1u << 0x18) | (1u << 0x19) | (1u << 0x1C) | (1u << 0x1D));  // execute-only code
    set_zf(c, descriptor_visible(c, sel, types, lo, hi));
}
static void verw(X86Cpu& c, const DecodedInsn& in) {
    require_protected(c);
    uint16_t sel = selector_operand(c, in);
    uint32_t lo, hi;
    uint32_t types = (1u << 0x12) | (1u << 0x13) | (1u << 0x16) | (1u << 0x17);  // writable data
    set_zf(c, descriptor_visible(c, sel, types, lo, hi));
}
Handler sel_lar(SelectorInput&) { return lar; }
Handler sel_lsl(SelectorInput&) { return lsl; }
Handler sel_verr(SelectorInput&) { return verr; }
Handler sel_verw(SelectorInput&) { return verw; }

static void arpl(X86Cpu& c, const DecodedInsn& in) {
    if (!c.protected_mode() || c.v86()) raise_ud();
    uint32_t ea = 0;
    uint16_t dst = uint16_t((in.flags & kHasMem) ? c.read<2>(in.mem.seg, ea = c.effective_address(in)) : c.reg<2>(in.r0));
    uint16_t src = uint16_t(c.reg<2>(in.r1));
    if ((dst & 3) < (src & 3)) {
        dst = uint16_t((dst & ~3) | (src & 3));
        if (in.flags & kHasMem) c.write<2>(in.mem.seg, ea, dst);
        else c.set_reg<2>(in.r0, dst);
        set_zf(c, true);
    } else {
        set_zf(c, false);
    }
}
Handler sel_arpl(SelectorInput&) { return arpl; }

// ---- halt, caches, TLB -----------------------------------------------------------------------

static void hlt(X86Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    c.halt();
}
static void invd(X86Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
}
static void invlpg(X86Cpu& c, const DecodedInsn& in) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    c.invalidate_page(c.s.seg[in.mem.seg].base + c.effective_address(in));
    c.end_block = true;
}
Handler sel_hlt(SelectorInput&) { return hlt; }
Handler sel_invd(SelectorInput&) { return invd; }
Handler sel_invlpg(SelectorInput&) { return invlpg; }


// ---- identification, time stamp, MSRs --------------------------------------------------------

void X86Cpu::cpuid() {
    uint32_t leaf = s.gpr[EAX];
    uint32_t a = 0, b = 0, cc = 0, d = 0;
    if (leaf > model_.cpuid_max_leaf) leaf = model_.cpuid_max_leaf;  // P6: highest basic leaf
    switch (leaf) {
    case 0:
        a = model_.cpuid_max_leaf;
        std::memcpy(&b, model_.vendor, 4);
        std::memcpy(&d, model_.vendor + 4, 4);
        std::memcpy(&cc, model_.vendor + 8, 4);
        break;
    case 1:
        a = model_.cpuid_signature;
        d = model_.cpuid_edx;
        cc = model_.cpuid_ecx;
        break;
    case 2:
        // Cache descriptors of a Pentium II: 16 KB L1 I/D, 512 KB L2, TLBs.
        a = 0x03020101;
        d = 0x0C040843;
        break;
    default: break;
    }
    s.gpr[EAX] = a;
    s.gpr[EBX] = b;
    s.gpr[ECX] = cc;
    s.gpr[EDX] = d;
}
static void cpuid(X86Cpu& c, const DecodedInsn&) { c.cpuid(); }
Handler sel_cpuid(SelectorInput&) { return cpuid; }

static void rdtsc(X86Cpu& c, const DecodedInsn&) {
    if ((c.s.cr4 & CR4_TSD) && c.protected_mode() && (c.s.cpl > 0 || c.v86())) raise_fault(kGP, 0);
    const uint64_t tsc = c.tsc_now();
    c.s.gpr[EAX] = uint32_t(tsc);
    c.s.gpr[EDX] = uint32_t(tsc >> 32);
}
Handler sel_rdtsc(SelectorInput&) { return rdtsc; }

static void rdpmc(X86Cpu& c, const DecodedInsn&) {
    if (!(c.s.cr4 & CR4_PCE) && c.protected_mode() && (c.s.cpl > 0 || c.v86())) raise_fault(kGP, 0);
    if (c.s.gpr[ECX] > 1) raise_fault(kGP, 0);
    c.s.gpr[EAX] = 0;  // no performance events are counted
    c.s.gpr[EDX] = 0;
}
Handler sel_rdpmc(SelectorInput&) { return rdpmc; }

// The MSRs a Pentium/Pentium II has that trapeze models; others #GP(0).
uint64_t X86Cpu::read_msr(uint32_t index) {
    switch (index) {
    case 0x10: return tsc_now();                             // IA32_TIME_STAMP_COUNTER
    case 0x174: if (model_.features & kFeatSep) return s.sysenter_cs; break;
    case 0x175: if (model_.features & kFeatSep) return s.sysenter_esp; break;
    case 0x176: if (model_.features & kFeatSep) return s.sysenter_eip; break;
    case 0x8B: return 0;                                 // BIOS update signature
    case 0x17: return 0;                                 // platform ID
    case 0x2A: return 0;                                 // EBL_CR_POWERON
    default: break;
    }
    raise_fault(kGP, 0);
}

void X86Cpu::write_msr(uint32_t index, uint64_t v) {
    switch (index) {
    case 0x10: set_tsc(v); return;
    case 0x174: if (model_.features & kFeatSep) { s.sysenter_cs = uint32_t(v); return; } break;
    case 0x175: if (model_.features & kFeatSep) { s.sysenter_esp = uint32_t(v); return; } break;
    case 0x176: if (model_.features & kFeatSep) { s.sysenter_eip = uint32_t(v); return; } break;
    case 0x8B: return;
    default: break;
    }
    raise_fault(kGP, 0);
}

static void rdmsr(X86Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    uint64_t v = c.read_msr(c.s.gpr[ECX]);
    c.s.gpr[EAX] = uint32_t(v);
    c.s.gpr[EDX] = uint32_t(v >> 32);
}
static void wrmsr(X86Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    if (c.v86()) raise_fault(kGP, 0);
    uint32_t idx = c.s.gpr[ECX];
    uint64_t v = (uint64_t(c.s.gpr[EDX]) << 32) | c.s.gpr[EAX];
    uint64_t old = 0;
    c.write_msr(idx, v);
    c.notify_control(0x1000 + idx, old, v);
}
Handler sel_rdmsr(SelectorInput&) { return rdmsr; }
Handler sel_wrmsr(SelectorInput&) { return wrmsr; }

// SYSENTER/SYSEXIT (SDM Vol. 2B): flat segments derived from IA32_SYSENTER_CS.
static void sysenter(X86Cpu& c, const DecodedInsn&) {
    if (!c.protected_mode()) raise_fault(kGP, 0);
    if ((c.s.sysenter_cs & 0xFFFC) == 0) raise_fault(kGP, 0);
    c.s.eflags &= ~(VM | IF | RF);
    uint16_t cs = uint16_t(c.s.sysenter_cs & 0xFFFC);
    c.set_segment_from_descriptor(CS, cs, 0x0000FFFF, 0x00CF9B00);
    c.set_cpl(0);
    c.set_segment_from_descriptor(SS, uint16_t(cs + 8), 0x0000FFFF, 0x00CF9300);
    c.s.gpr[ESP] = c.s.sysenter_esp;
    c.next_eip = c.s.sysenter_eip;
    for (unsigned i = 0; i < 6; ++i) c.refresh_segcheck(i);
}
static void sysexit(X86Cpu& c, const DecodedInsn&) {
    if (!c.protected_mode() || c.v86()) raise_fault(kGP, 0);
    if ((c.s.sysenter_cs & 0xFFFC) == 0 || c.s.cpl != 0) raise_fault(kGP, 0);
    uint16_t cs = uint16_t((c.s.sysenter_cs + 16) | 3);
    c.set_segment_from_descriptor(CS, cs, 0x0000FFFF, 0x00CFFB00);
    c.set_cpl(3);
    c.set_segment_from_descriptor(SS, uint16_t((c.s.sysenter_cs + 24) | 3), 0x0000FFFF, 0x00CFF300);
    c.s.gpr[ESP] = c.s.gpr[ECX];
    c.next_eip = c.s.gpr[EDX];
}
Handler sel_sysenter(SelectorInput&) { return sysenter; }
Handler sel_sysexit(SelectorInput&) { return sysexit; }

// ---- port I/O --------------------------------------------------------------------------------

// SDM Vol. 1 §18.5: in protected mode with CPL > IOPL (or in v86 mode) the TSS I/O
// permission bitmap decides; a missing or short bitmap denies.
void X86Cpu::check_io(uint16_t port, unsigned size) {
    if (!protected_mode()) return;
    if (!v86() && s.cpl <= iopl()) return;
    const Segment& t = s.tr;
    if (!t.valid || (t.type() != 0x9 && t.type() != 0xB) || t.limit < 0x67) raise_fault(kGP, 0);
    uint32_t map = read_system(t.base + 0x66, 2);
    uint32_t off = map + port / 8;
    if (off + 1 > t.limit) raise_fault(kGP, 0);
    uint32_t bits = read_system(t.base + off, 2);
    uint32_t mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask) raise_fault(kGP, 0);
}

template <unsigned S>
void in_(X86Cpu& c, const DecodedInsn& in) {
    uint16_t port = in.r1 == kNoReg ? uint16_t(in.imm & 0xFF) : uint16_t(c.s.gpr[EDX]);
    c.set_reg<S>(EAX, c.in(port, S));
}
template <unsigned S>
void out_(X86Cpu& c, const DecodedInsn& in) {
    uint16_t port = in.r0 == kNoReg ? uint16_t(in.imm & 0xFF) : uint16_t(c.s.gpr[EDX]);
    c.out(port, S, c.reg<S>(EAX));
}
Handler sel_in_(SelectorInput& si) {
    if (si.kind[1] == 'i') si.insn.r1 = kNoReg;
    return si.insn.opsize == 1 ? &in_<1> : si.insn.opsize == 2 ? &in_<2> : &in_<4>;
}
Handler sel_out_(SelectorInput& si) {
    if (si.kind[0] == 'i') si.insn.r0 = kNoReg;
    // OUT's operand size is that of the accumulator (operand 1).
    unsigned size = si.insn.opsize2 ? si.insn.opsize2 : si.insn.opsize;
    si.insn.opsize = uint8_t(size);
    return size == 1 ? &out_<1> : size == 2 ? &out_<2> : &out_<4>;
}

}  // namespace trapeze::x86
