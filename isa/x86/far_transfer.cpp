// Far JMP, far CALL, far RET and IRET in real, virtual-8086 and protected mode, through
// code-segment descriptors, call gates, task gates and TSS descriptors (SDM Vol. 2 pseudocode
// of JMP, CALL, RET and IRET; Vol. 3 §5.8, §7.3). Every check that can fault comes before
// the first change of architectural state, so a fault leaves the instruction undone.
#include <fmt/format.h>

#include "isa/x86/cpu.h"

namespace trapeze::x86 {

namespace {

struct Descriptor {
    uint32_t lo = 0, hi = 0;
    unsigned type() const { return (hi >> 8) & 0x1F; }  // S bit included
    unsigned dpl() const { return (hi >> 13) & 3; }
    bool present() const { return hi & 0x8000; }
    bool is_code() const { return (hi & 0x1800) == 0x1800; }
    bool is_data() const { return (hi & 0x1800) == 0x1000; }
    bool conforming() const { return is_code() && (hi & 0x400); }
    bool readable_code() const { return is_code() && (hi & 0x200); }
    bool writable_data() const { return is_data() && (hi & 0x200); }
    uint32_t limit() const {
        uint32_t l = (lo & 0xFFFF) | (hi & 0xF0000);
        return (hi & 0x800000) ? (l << 12) | 0xFFF : l;
    }
    uint16_t gate_selector() const { return uint16_t(lo >> 16); }
    uint32_t gate_offset(bool gate32) const { return (lo & 0xFFFF) | (gate32 ? (hi & 0xFFFF0000u) : 0); }
};

// Descriptor types (S bit included, SDM Vol. 3 Table 3-2).
enum : unsigned {
    kTss16Avail = 0x01, kLdt = 0x02, kTss16Busy = 0x03, kCallGate16 = 0x04, kTaskGate = 0x05,
    kTss32Avail = 0x09, kTss32Busy = 0x0B, kCallGate32 = 0x0C,
};

}  // namespace

// Loads a data segment register during a privilege change to an outer level: a selector
// that the new CPL may not use is nulled (SDM RET/IRET: "FOR each of segment register ES,
// FS, GS and DS ...").
static void null_invalid_data_segments(X86Cpu& c) {
    for (unsigned sg : {ES, FS, GS, DS}) {
        Segment& s = c.s.seg[sg];
        if (!s.valid) continue;
        bool data_or_nc_code = !s.is_code() || !(s.attr & 4);
        if (data_or_nc_code && s.dpl() < c.s.cpl) {
            s.selector = 0;
            s.valid = false;
            s.base = 0;
            s.limit = 0;
            s.attr = 0;
        }
        c.refresh_segcheck(sg);
    }
}

// Reads and checks the SS:ESP of an inner privilege level from the current TSS
// (SDM Vol. 3 §5.8.5); the #TS/#SS faults name the selector involved.
static void inner_stack(X86Cpu& c, unsigned dpl, uint16_t& ss, uint32_t& esp, Descriptor& d) {
    const Segment& tr = c.s.tr;
    bool tss32 = tr.type() == kTss32Avail || tr.type() == kTss32Busy;
    uint32_t off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    if (off + (tss32 ? 5 : 3) > tr.limit) raise_fault(kTS, tr.selector & 0xFFFC);
    esp = c.read_system(tr.base + off, tss32 ? 4 : 2);
    ss = uint16_t(c.read_system(tr.base + off + (tss32 ? 4 : 2), 2));
    if ((ss & 0xFFFC) == 0) raise_fault(kTS, 0);
    if (!c.read_descriptor(ss, d.lo, d.hi)) raise_fault(kTS, ss & 0xFFFC);
    if ((ss & 3) != dpl || d.dpl() != dpl || !d.writable_data()) raise_fault(kTS, ss & 0xFFFC);
    if (!d.present()) raise_fault(kSS, ss & 0xFFFC);
}

// Checks a stack-segment selector popped by RET/IRET for a return to privilege `rpl`.
static void check_return_ss(X86Cpu& c, uint16_t ss, unsigned rpl, Descriptor& d) {
    if ((ss & 0xFFFC) == 0) raise_fault(kGP, 0);
    if (!c.read_descriptor(ss, d.lo, d.hi)) raise_fault(kGP, ss & 0xFFFC);
    if ((ss & 3) != rpl || d.dpl() != rpl || !d.writable_data()) raise_fault(kGP, ss & 0xFFFC);
    if (!d.present()) raise_fault(kSS, ss & 0xFFFC);
}

// The checks of a far JMP/CALL to a task gate or TSS descriptor, then the switch.
static void far_to_task(X86Cpu& c, uint16_t selector, const Descriptor& d,
                        X86Cpu::TaskSwitchReason why) {
    const unsigned rpl = selector & 3;
    if (d.dpl() < c.s.cpl || d.dpl() < rpl) raise_fault(kGP, selector & 0xFFFC);
    if (!d.present()) raise_fault(kNP, selector & 0xFFFC);
    uint16_t tss_sel = selector;
    Descriptor t = d;
    if (d.type() == kTaskGate) {
        tss_sel = d.gate_selector();
        if (tss_sel & 4) raise_fault(kGP, tss_sel & 0xFFFC);
        if (!c.read_descriptor(tss_sel, t.lo, t.hi)) raise_fault(kGP, tss_sel & 0xFFFC);
        if (t.type() != kTss16Avail && t.type() != kTss32Avail) raise_fault(kGP, tss_sel & 0xFFFC);
        if (!t.present()) raise_fault(kNP, tss_sel & 0xFFFC);
    }
    c.task_switch(tss_sel, t.lo, t.hi, why, false, 0);
}

void X86Cpu::far_jump(uint16_t selector, uint32_t offset, unsigned opsize) {
    if (opsize == 2) offset &= 0xFFFF;
    if (!protected_mode() || v86()) {
        if (offset > s.seg[CS].limit) raise_fault(kGP, 0);
        load_segment_real(CS, selector);
        next_eip = offset;
        return;
    }
    if ((selector & 0xFFFC) == 0) raise_fault(kGP, 0);
    Descriptor d;
    if (!read_descriptor(selector, d.lo, d.hi)) raise_fault(kGP, selector & 0xFFFC);
    const unsigned rpl = selector & 3;
    if (d.is_code()) {
        if (d.conforming() ? d.dpl() > s.cpl : (rpl > s.cpl || d.dpl() != s.cpl))
            raise_fault(kGP, selector & 0xFFFC);
        if (!d.present()) raise_fault(kNP, selector & 0xFFFC);
        if (offset > d.limit()) raise_fault(kGP, 0);
        set_descriptor_accessed(selector, d.hi);
        set_segment_from_descriptor(CS, uint16_t((selector & 0xFFFC) | s.cpl), d.lo, d.hi | 0x100);
        next_eip = offset;
        return;
    }
    switch (d.type()) {
    case kCallGate16:
    case kCallGate32: {
        if (d.dpl() < s.cpl || d.dpl() < rpl) raise_fault(kGP, selector & 0xFFFC);
        if (!d.present()) raise_fault(kNP, selector & 0xFFFC);
        uint16_t tsel = d.gate_selector();
        if ((tsel & 0xFFFC) == 0) raise_fault(kGP, 0);
        Descriptor t;
        if (!read_descriptor(tsel, t.lo, t.hi)) raise_fault(kGP, tsel & 0xFFFC);
        if (!t.is_code() || (t.conforming() ? t.dpl() > s.cpl : t.dpl() != s.cpl))
            raise_fault(kGP, tsel & 0xFFFC);
        if (!t.present()) raise_fault(kNP, tsel & 0xFFFC);
        uint32_t target = d.gate_offset(d.type() == kCallGate32);
        if (target > t.limit()) raise_fault(kGP, 0);
        set_descriptor_accessed(tsel, t.hi);
        set_segment_from_descriptor(CS, uint16_t((tsel & 0xFFFC) | s.cpl), t.lo, t.hi | 0x100);
        next_eip = target;
        return;
    }
    case kTaskGate:
    case kTss16Avail:
    case kTss32Avail: return far_to_task(*this, selector, d, TaskSwitchReason::kJump);
    default: raise_fault(kGP, selector & 0xFFFC);
    }
}

void X86Cpu::far_call(uint16_t selector, uint32_t offset, unsigned opsize) {
    if (opsize == 2) offset &= 0xFFFF;
    const uint32_t smask = stack32() ? 0xFFFFFFFFu : 0xFFFFu;
    if (!protected_mode() || v86()) {
        if (offset > s.seg[CS].limit) raise_fault(kGP, 0);
        probe_write(SS, (sp() - 2 * opsize) & smask, 2 * opsize);
        push(opsize, s.seg[CS].selector);
        push(opsize, next_eip);
        load_segment_real(CS, selector);
        next_eip = offset;
        return;
    }
    if ((selector & 0xFFFC) == 0) raise_fault(kGP, 0);
    Descriptor d;
    if (!read_descriptor(selector, d.lo, d.hi)) raise_fault(kGP, selector & 0xFFFC);
    const unsigned rpl = selector & 3;
    if (d.is_code()) {
        if (d.conforming() ? d.dpl() > s.cpl : (rpl > s.cpl || d.dpl() != s.cpl))
            raise_fault(kGP, selector & 0xFFFC);
        if (!d.present()) raise_fault(kNP, selector & 0xFFFC);
        probe_write(SS, (sp() - 2 * opsize) & smask, 2 * opsize);
        if (offset > d.limit()) raise_fault(kGP, 0);
        push(opsize, s.seg[CS].selector);
        push(opsize, next_eip);
        set_descriptor_accessed(selector, d.hi);
        set_segment_from_descriptor(CS, uint16_t((selector & 0xFFFC) | s.cpl), d.lo, d.hi | 0x100);
        next_eip = offset;
        return;
    }
    switch (d.type()) {
    case kCallGate16:
    case kCallGate32: break;
    case kTaskGate:
    case kTss16Avail:
    case kTss32Avail: return far_to_task(*this, selector, d, TaskSwitchReason::kCall);
    default: raise_fault(kGP, selector & 0xFFFC);
    }

    // Call gate (SDM Vol. 2A CALL, "CALL-GATE").
    if (d.dpl() < s.cpl || d.dpl() < rpl) raise_fault(kGP, selector & 0xFFFC);
    if (!d.present()) raise_fault(kNP, selector & 0xFFFC);
    const bool gate32 = d.type() == kCallGate32;
    const unsigned gsize = gate32 ? 4 : 2;
    uint16_t tsel = d.gate_selector();
    if ((tsel & 0xFFFC) == 0) raise_fault(kGP, 0);
    Descriptor t;
    if (!read_descriptor(tsel, t.lo, t.hi)) raise_fault(kGP, tsel & 0xFFFC);
    if (!t.is_code() || t.dpl() > s.cpl) raise_fault(kGP, tsel & 0xFFFC);
    if (!t.present()) raise_fault(kNP, tsel & 0xFFFC);
    const uint32_t target = d.gate_offset(gate32);

    if (!t.conforming() && t.dpl() < s.cpl) {
        // To a more privileged level: new stack from the TSS, parameters copied.
        const unsigned new_cpl = t.dpl();
        uint16_t new_ss;
        uint32_t new_esp;
        Descriptor sd;
        inner_stack(*this, new_cpl, new_ss, new_esp, sd);
        const unsigned count = d.hi & 0x1F;
        // Read the parameters from the old stack before anything changes.
        uint32_t params[32];
        for (unsigned i = 0; i < count; ++i) params[i] = peek(gsize, i * gsize);
        const uint16_t old_ss = s.seg[SS].selector;
        const uint32_t old_esp = s.gpr[ESP];
        const Segment saved_ss = s.seg[SS];
        const uint8_t saved_cpl = s.cpl;
        // Switch to the new stack provisionally to check room for the frame with the
        // normal segment/page checks (#SS with the new SS selector).
        set_segment_from_descriptor(SS, new_ss, sd.lo, sd.hi);
        s.cpl = uint8_t(new_cpl);
        const uint32_t nmask = s.seg[SS].db() ? 0xFFFFFFFFu : 0xFFFFu;
        const unsigned frame = (4 + count) * gsize;
        try {
            probe_write(SS, (new_esp - frame) & nmask, frame);
            if (target > t.limit()) raise_fault(kGP, 0);
        } catch (GuestFault& f) {
            s.seg[SS] = saved_ss;
            refresh_segcheck(SS);
            s.cpl = saved_cpl;
            if (f.vector == kSS) f.error = new_ss & 0xFFFC;
            throw;
        }
        if (!(sd.hi & 0x100)) set_descriptor_accessed(new_ss, sd.hi);
        if (s.seg[SS].db()) s.gpr[ESP] = new_esp;
        else s.gpr[ESP] = (s.gpr[ESP] & 0xFFFF0000u) | (new_esp & 0xFFFF);
        push(gsize, old_ss);
        push(gsize, old_esp);
        for (unsigned i = count; i-- > 0;) push(gsize, params[i]);
        push(gsize, s.seg[CS].selector);
        push(gsize, next_eip);
        set_descriptor_accessed(tsel, t.hi);
        set_segment_from_descriptor(CS, uint16_t((tsel & 0xFFFC) | new_cpl), t.lo, t.hi | 0x100);
        s.cpl = uint8_t(new_cpl);
        for (unsigned i = 0; i < 6; ++i) refresh_segcheck(i);
        next_eip = target;
        end_block = true;
        return;
    }
    // Same privilege through the gate.
    probe_write(SS, (sp() - 2 * gsize) & smask, 2 * gsize);
    if (target > t.limit()) raise_fault(kGP, 0);
    push(gsize, s.seg[CS].selector);
    push(gsize, next_eip);
    set_descriptor_accessed(tsel, t.hi);
    set_segment_from_descriptor(CS, uint16_t((tsel & 0xFFFC) | s.cpl), t.lo, t.hi | 0x100);
    next_eip = target;
}

void X86Cpu::far_return(unsigned opsize, uint16_t pop_bytes) {
    uint32_t off = peek(opsize, 0);
    uint16_t sel = uint16_t(peek(2, opsize));
    if (opsize == 2) off &= 0xFFFF;
    if (!protected_mode() || v86()) {
        if (off > s.seg[CS].limit) raise_fault(kGP, 0);
        load_segment_real(CS, sel);
        set_sp(sp() + 2 * opsize + pop_bytes);
        next_eip = off;
        return;
    }
    if ((sel & 0xFFFC) == 0) raise_fault(kGP, 0);
    Descriptor d;
    if (!read_descriptor(sel, d.lo, d.hi)) raise_fault(kGP, sel & 0xFFFC);
    const unsigned rpl = sel & 3;
    if (!d.is_code() || rpl < s.cpl) raise_fault(kGP, sel & 0xFFFC);
    if (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl) raise_fault(kGP, sel & 0xFFFC);
    if (!d.present()) raise_fault(kNP, sel & 0xFFFC);
    if (rpl == s.cpl) {
        if (off > d.limit()) raise_fault(kGP, 0);
        set_descriptor_accessed(sel, d.hi);
        set_segment_from_descriptor(CS, sel, d.lo, d.hi | 0x100);
        set_sp(sp() + 2 * opsize + pop_bytes);
        next_eip = off;
        return;
    }
    // To an outer privilege level (SDM Vol. 2B RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL").
    const uint32_t new_esp = peek(opsize, 2 * opsize + pop_bytes);
    const uint16_t new_ss = uint16_t(peek(2, 3 * opsize + pop_bytes));
    Descriptor sd;
    check_return_ss(*this, new_ss, rpl, sd);
    if (off > d.limit()) raise_fault(kGP, 0);
    set_descriptor_accessed(sel, d.hi);
    set_segment_from_descriptor(CS, sel, d.lo, d.hi | 0x100);
    s.cpl = uint8_t(rpl);
    set_descriptor_accessed(new_ss, sd.hi);
    set_segment_from_descriptor(SS, new_ss, sd.lo, sd.hi | 0x100);
    if (s.seg[SS].db()) s.gpr[ESP] = new_esp + pop_bytes;
    else s.gpr[ESP] = (s.gpr[ESP] & 0xFFFF0000u) | ((new_esp + pop_bytes) & 0xFFFF);
    null_invalid_data_segments(*this);
    next_eip = off;
    end_block = true;
}

void X86Cpu::iret(unsigned opsize) {
    end_block = true;
    if (!protected_mode()) {
        uint32_t ip = peek(opsize, 0);
        uint16_t cs = uint16_t(peek(2, opsize));
        uint32_t fl = peek(opsize, 2 * opsize);
        if (opsize == 2) ip &= 0xFFFF;
        if (ip > s.seg[CS].limit) raise_fault(kGP, 0);
        load_segment_real(CS, cs);
        set_sp(sp() + 3 * opsize);
        uint32_t mask = opsize == 4 ? 0x00257FD5u : 0x7FD5u;
        set_eflags(fl, mask);
        next_eip = ip;
        return;
    }
    if (v86()) {
        // IRET in virtual-8086 mode: IOPL-sensitive (SDM Vol. 3 §20.2.7); IOPL, VM and
        // VIF/VIP are not changed by it.
        if (iopl() < 3) raise_fault(kGP, 0);
        uint32_t ip = peek(opsize, 0);
        uint16_t cs = uint16_t(peek(2, opsize));
        uint32_t fl = peek(opsize, 2 * opsize);
        if (opsize == 2) ip &= 0xFFFF;
        if (ip > s.seg[CS].limit) raise_fault(kGP, 0);
        load_segment_real(CS, cs);
        set_sp(sp() + 3 * opsize);
        uint32_t mask = CF | PF | AF | ZF | SF | TF | IF | DF | OF | NT;
        if (opsize == 4) mask |= RF | AC | ID;
        set_eflags(fl, mask);
        next_eip = ip;
        return;
    }
    if (s.eflags & NT) {
        // Return from a nested task through the back link (SDM Vol. 3 §7.3).
        uint16_t link = uint16_t(read_system(s.tr.base, 2));
        if (link & 4) raise_fault(kTS, link & 0xFFFC);
        Descriptor t;
        if (!read_descriptor(link, t.lo, t.hi)) raise_fault(kTS, link & 0xFFFC);
        if (t.type() != kTss16Busy && t.type() != kTss32Busy) raise_fault(kTS, link & 0xFFFC);
        if (!t.present()) raise_fault(kNP, link & 0xFFFC);
        task_switch(link, t.lo, t.hi, TaskSwitchReason::kIret, false, 0);
        return;
    }
    uint32_t ip = peek(opsize, 0);
    const uint16_t cs = uint16_t(peek(2, opsize));
    const uint32_t fl = peek(opsize, 2 * opsize);
    if (opsize == 4 && (fl & VM) && s.cpl == 0) {
        // Return to virtual-8086 mode (SDM Vol. 2A IRET, "RETURN-TO-VIRTUAL-8086-MODE").
        uint32_t v[9];
        for (unsigned i = 0; i < 9; ++i) v[i] = peek(4, 4 * i);
        set_eflags(v[2], 0x003F7FD5u);  // every flag, VM included
        s.cpl = 3;
        load_segment_real(CS, uint16_t(v[1]));
        load_segment_real(SS, uint16_t(v[4]));
        load_segment_real(ES, uint16_t(v[5]));
        load_segment_real(DS, uint16_t(v[6]));
        load_segment_real(FS, uint16_t(v[7]));
        load_segment_real(GS, uint16_t(v[8]));
        s.gpr[ESP] = v[3];
        for (unsigned i = 0; i < 6; ++i) refresh_segcheck(i);
        next_eip = v[0] & 0xFFFF;
        return;
    }
    if (opsize == 2) ip &= 0xFFFF;
    if ((cs & 0xFFFC) == 0) raise_fault(kGP, 0);
    Descriptor d;
    if (!read_descriptor(cs, d.lo, d.hi)) raise_fault(kGP, cs & 0xFFFC);
    const unsigned rpl = cs & 3;
    if (!d.is_code() || rpl < s.cpl) raise_fault(kGP, cs & 0xFFFC);
    if (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl) raise_fault(kGP, cs & 0xFFFC);
    if (!d.present()) raise_fault(kNP, cs & 0xFFFC);

    // Which EFLAGS bits IRET may load depends on the CPL before the return (SDM IRET).
    uint32_t mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
    if (opsize == 4) mask |= RF | AC | ID;
    if (s.cpl <= iopl()) mask |= IF;
    if (s.cpl == 0) {
        mask |= IOPL_MASK;
        if (opsize == 4) mask |= VIF | VIP;
    }
    if (rpl == s.cpl) {
        if (ip > d.limit()) raise_fault(kGP, 0);
        set_descriptor_accessed(cs, d.hi);
        set_segment_from_descriptor(CS, cs, d.lo, d.hi | 0x100);
        set_sp(sp() + 3 * opsize);
        set_eflags(fl, mask);
        next_eip = ip;
        return;
    }
    // To an outer privilege level.
    const uint32_t new_esp = peek(opsize, 3 * opsize);
    const uint16_t new_ss = uint16_t(peek(2, 4 * opsize));
    Descriptor sd;
    check_return_ss(*this, new_ss, rpl, sd);
    if (ip > d.limit()) raise_fault(kGP, 0);
    set_descriptor_accessed(cs, d.hi);
    set_segment_from_descriptor(CS, cs, d.lo, d.hi | 0x100);
    set_eflags(fl, mask);
    s.cpl = uint8_t(rpl);
    set_descriptor_accessed(new_ss, sd.hi);
    set_segment_from_descriptor(SS, new_ss, sd.lo, sd.hi | 0x100);
    if (s.seg[SS].db()) s.gpr[ESP] = new_esp;
    else s.gpr[ESP] = (s.gpr[ESP] & 0xFFFF0000u) | (new_esp & 0xFFFF);
    null_invalid_data_segments(*this);
    next_eip = ip;
}

}  // namespace trapeze::x86
