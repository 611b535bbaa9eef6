// Hardware task switching (SDM Vol. 3 §7.3): through JMP/CALL to a TSS or task gate, an
// interrupt or exception through a task gate, and IRET with NT set. The state of the old task
// is saved in its TSS, the new task's state is loaded from its TSS; faults detected before
// the commit point leave the old task untouched, faults after it (segment loads of the new
// task) are raised in the context of the new task, as the SDM describes.
#include "isa/x86/cpu.h"

namespace trapeze::x86 {

namespace {

struct TssImage {
    uint32_t cr3 = 0, eip = 0, eflags = 0, ldt = 0;
    uint32_t gpr[8] = {};
    uint16_t seg[6] = {};
    bool trap = false;
};

uint32_t descriptor_base(uint32_t lo, uint32_t hi) {
    return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
}
uint32_t descriptor_limit(uint32_t lo, uint32_t hi) {
    uint32_t l = (lo & 0xFFFF) | (hi & 0xF0000);
    return (hi & 0x800000) ? (l << 12) | 0xFFF : l;
}

}  // namespace

void X86Cpu::task_switch(uint16_t selector, uint32_t lo, uint32_t hi, TaskSwitchReason why,
                         bool push_error, uint32_t error) {
    const unsigned new_type = (hi >> 8) & 0xF;
    const bool new32 = new_type == 0x9 || new_type == 0xB;
    const uint32_t new_base = descriptor_base(lo, hi);
    const uint32_t new_limit = descriptor_limit(lo, hi);
    const uint16_t err = selector & 0xFFFC;
    // The new TSS must be large enough for a whole image (SDM Vol. 3 §7.3 step 4).
    if (new_limit < (new32 ? 0x67u : 0x2Bu)) raise_fault(kTS, err);

    const Segment old_tr = s.tr;
    const bool old32 = old_tr.type() == 0x9 || old_tr.type() == 0xB;
    // The EIP saved in the old task: the next instruction for JMP/CALL/IRET, the interrupted
    // or faulting one for events (deliver() already set s.eip to the return address).
    const uint32_t saved_eip = why == TaskSwitchReason::kInterrupt ? s.eip : next_eip;

    // Read the whole new image before changing anything: a page fault here aborts cleanly.
    TssImage n;
    if (new32) {
        n.cr3 = read_system(new_base + 0x1C, 4);
        n.eip = read_system(new_base + 0x20, 4);
        n.eflags = read_system(new_base + 0x24, 4);
        for (unsigned i = 0; i < 8; ++i) n.gpr[i] = read_system(new_base + 0x28 + 4 * i, 4);
        for (unsigned i = 0; i < 6; ++i) n.seg[i] = uint16_t(read_system(new_base + 0x48 + 4 * i, 2));
        n.ldt = read_system(new_base + 0x60, 2);
        n.trap = read_system(new_base + 0x64, 2) & 1;
    } else {
        n.eip = read_system(new_base + 0x0E, 2);
        n.eflags = read_system(new_base + 0x10, 2);
        for (unsigned i = 0; i < 8; ++i) n.gpr[i] = read_system(new_base + 0x12 + 2 * i, 2);
        for (unsigned i = 0; i < 4; ++i) n.seg[i] = uint16_t(read_system(new_base + 0x22 + 2 * i, 2));
        n.ldt = read_system(new_base + 0x2A, 2);
    }
    // Check that the old TSS can be written (its dynamic fields) before committing.
    const uint32_t old_span = old32 ? 0x5F : 0x29;
    if (old_tr.limit < old_span) raise_fault(kTS, old_tr.selector & 0xFFFC);
    translate(old_tr.base, true, false);
    translate(old_tr.base + old_span, true, false);

    // ---- save the old task --------------------------------------------------------------
    uint32_t old_flags = eflags();
    if (why == TaskSwitchReason::kIret) old_flags &= ~NT;
    if (old32) {
        write_system(old_tr.base + 0x20, saved_eip, 4);
        write_system(old_tr.base + 0x24, old_flags, 4);
        for (unsigned i = 0; i < 8; ++i) write_system(old_tr.base + 0x28 + 4 * i, s.gpr[i], 4);
        for (unsigned i = 0; i < 6; ++i) write_system(old_tr.base + 0x48 + 4 * i, s.seg[i].selector, 2);
    } else {
        write_system(old_tr.base + 0x0E, saved_eip & 0xFFFF, 2);
        write_system(old_tr.base + 0x10, old_flags & 0xFFFF, 2);
        for (unsigned i = 0; i < 8; ++i) write_system(old_tr.base + 0x12 + 2 * i, s.gpr[i] & 0xFFFF, 2);
        for (unsigned i = 0; i < 4; ++i) write_system(old_tr.base + 0x22 + 2 * i, s.seg[i].selector, 2);
    }
    // Busy bits: the old task stops being busy on JMP and IRET; the new one becomes busy on
    // JMP, CALL and events (IRET returns to a task that is still marked busy).
    if (why == TaskSwitchReason::kJump || why == TaskSwitchReason::kIret) {
        uint32_t olo, ohi;
        if (read_descriptor(old_tr.selector, olo, ohi)) write_descriptor_hi(old_tr.selector, ohi & ~0x200u);
    }
    if (why == TaskSwitchReason::kCall || why == TaskSwitchReason::kInterrupt) {
        write_system(new_base, old_tr.selector, 2);  // back link
        n.eflags |= NT;
    }
    if (why != TaskSwitchReason::kIret) write_descriptor_hi(selector, hi | 0x200);

    // ---- commit: the new task is current from here on -------------------------------------
    s.tr.selector = selector;
    s.tr.base = new_base;
    s.tr.limit = new_limit;
    s.tr.attr = uint16_t(((hi | 0x200) >> 8) & 0xF0FF);
    s.tr.valid = true;
    notify_table(3, new_base, new_limit);
    uint32_t old_cr0 = s.cr0;
    s.cr0 |= CR0_TS;
    notify_control(0, old_cr0, s.cr0);
    if (new32 && (s.cr0 & CR0_PG)) write_cr(3, n.cr3);
    for (unsigned i = 0; i < 8; ++i) s.gpr[i] = new32 ? n.gpr[i] : (s.gpr[i] & 0xFFFF0000u) | n.gpr[i];
    set_eflags(n.eflags, new32 ? 0x003F7FD5u : 0x7FD5u);
    s.eip = n.eip;
    next_eip = n.eip;
    end_block = true;

    // Segment selectors are loaded first, then their descriptors are checked (SDM §7.3
    // step 12): a fault reports the selector and happens in the new task.
    for (unsigned i = 0; i < (new32 ? 6u : 4u); ++i) {
        s.seg[i].selector = n.seg[i];
        s.seg[i].valid = false;
    }
    s.ldtr.selector = uint16_t(n.ldt);
    s.ldtr.valid = false;
    if ((n.ldt & 0xFFFC) != 0) {
        uint32_t llo, lhi;
        if (n.ldt & 4) raise_fault(kTS, n.ldt & 0xFFFC);
        if (!read_descriptor(uint16_t(n.ldt), llo, lhi)) raise_fault(kTS, n.ldt & 0xFFFC);
        if (((lhi >> 8) & 0x1F) != 0x02) raise_fault(kTS, n.ldt & 0xFFFC);
        if (!(lhi & 0x8000)) raise_fault(kTS, n.ldt & 0xFFFC);
        s.ldtr.base = descriptor_base(llo, lhi);
        s.ldtr.limit = descriptor_limit(llo, lhi);
        s.ldtr.attr = uint16_t((lhi >> 8) & 0xF0FF);
        s.ldtr.valid = true;
    }
    notify_table(2, s.ldtr.base, s.ldtr.limit);

    if (n.eflags & VM) {
        s.cpl = 3;
        for (unsigned i = 0; i < (new32 ? 6u : 4u); ++i) load_segment_real(i, n.seg[i]);
    } else {
        // CS first: it defines the new CPL.
        const uint16_t cs = n.seg[CS];
        uint32_t clo, chi;
        if ((cs & 0xFFFC) == 0) raise_fault(kTS, cs & 0xFFFC);
        if (!read_descriptor(cs, clo, chi)) raise_fault(kTS, cs & 0xFFFC);
        const unsigned cdpl = (chi >> 13) & 3, crpl = cs & 3;
        if ((chi & 0x1800) != 0x1800) raise_fault(kTS, cs & 0xFFFC);
        if ((chi & 0x400) ? cdpl > crpl : cdpl != crpl) raise_fault(kTS, cs & 0xFFFC);
        if (!(chi & 0x8000)) raise_fault(kNP, cs & 0xFFFC);
        s.cpl = uint8_t(crpl);
        set_descriptor_accessed(cs, chi);
        set_segment_from_descriptor(CS, cs, clo, chi | 0x100);

        const uint16_t ss = n.seg[SS];
        uint32_t slo, shi;
        if ((ss & 0xFFFC) == 0) raise_fault(kTS, ss & 0xFFFC);
        if (!read_descriptor(ss, slo, shi)) raise_fault(kTS, ss & 0xFFFC);
        if ((ss & 3) != s.cpl || ((shi >> 13) & 3) != s.cpl || (shi & 0x1A00) != 0x1200)
            raise_fault(kTS, ss & 0xFFFC);
        if (!(shi & 0x8000)) raise_fault(kSS, ss & 0xFFFC);
        set_descriptor_accessed(ss, shi);
        set_segment_from_descriptor(SS, ss, slo, shi | 0x100);

        for (unsigned i : {DS, ES, FS, GS}) {
            const uint16_t sel = n.seg[i];
            if (i >= FS && !new32) continue;  // a 16-bit TSS has no FS/GS: they stay
            if ((sel & 0xFFFC) == 0) {
                s.seg[i] = Segment{};
                s.seg[i].selector = sel;
                s.seg[i].valid = false;
                s.seg[i].limit = 0;
                s.seg[i].attr = 0;
                refresh_segcheck(i);
                continue;
            }
            uint32_t dlo, dhi;
            if (!read_descriptor(sel, dlo, dhi)) raise_fault(kTS, sel & 0xFFFC);
            const unsigned ddpl = (dhi >> 13) & 3;
            const bool code = (dhi & 0x1800) == 0x1800, data = (dhi & 0x1800) == 0x1000;
            if (!(data || (code && (dhi & 0x200)))) raise_fault(kTS, sel & 0xFFFC);
            if ((data || !(dhi & 0x400)) && ((sel & 3u) > ddpl || s.cpl > ddpl))
                raise_fault(kTS, sel & 0xFFFC);
            if (!(dhi & 0x8000)) raise_fault(kNP, sel & 0xFFFC);
            set_descriptor_accessed(sel, dhi);
            set_segment_from_descriptor(i, sel, dlo, dhi | 0x100);
        }
    }
    for (unsigned i = 0; i < 6; ++i) refresh_segcheck(i);
    if (n.eip > s.seg[CS].limit) raise_fault(kGP, 0);
    if (push_error) push(new32 ? 4 : 2, error);
    if (n.trap) {
        s.dr[6] |= 0x8000;  // BT: the debug trap flag of the new TSS (SDM §7.2.1)
    }
}

}  // namespace trapeze::x86
