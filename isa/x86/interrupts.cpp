// Interrupt and exception delivery: real-mode IVT, protected-mode IDT through interrupt,
// trap and task gates with privilege-level changes and stack switches, and delivery out of
// virtual-8086 mode (SDM Vol. 3 ch. 6 and the INT n pseudocode of Vol. 2A).
#include <fmt/format.h>

#include "isa/x86/cpu.h"
#include "isa/x86/monitor.h"

namespace trapeze::x86 {

void X86Cpu::raise_software_interrupt(uint8_t vector, bool int3_or_into) {
    (void)int3_or_into;
    // Traps: the saved EIP is that of the next instruction.
    uint32_t saved_eip = s.eip;
    s.eip = next_eip;
    try {
        deliver(vector, true, false, 0, false);
    } catch (...) {
        s.eip = saved_eip;  // a fault during delivery is reported at the INT instruction
        throw;
    }
    next_eip = s.eip;
}

namespace {

// Reads the inner-level stack pointer for privilege level `dpl` from the current TSS
// (SDM Vol. 3 §7.2.1 / Figure 7-2; 16-bit TSS Figure 7-11).
void tss_stack(X86Cpu& c, unsigned dpl, uint16_t& ss, uint32_t& esp, uint32_t ext) {
    const Segment& tr = c.s.tr;
    bool tss32 = tr.type() == 0x9 || tr.type() == 0xB;
    uint32_t off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    uint32_t need = tss32 ? off + 5 : off + 3;
    if (need > tr.limit) raise_fault(kTS, (tr.selector & 0xFFFC) | ext);
    if (tss32) {
        esp = c.read_system(tr.base + off, 4);
        ss = uint16_t(c.read_system(tr.base + off + 4, 2));
    } else {
        esp = c.read_system(tr.base + off, 2);
        ss = uint16_t(c.read_system(tr.base + off + 2, 2));
    }
}

}  // namespace

void X86Cpu::deliver(uint8_t vector, bool software, bool has_error, uint32_t error, bool external) {
    // A deprivileged guest's events go through its own IDT on its virtual state, except INT n
    // under --virt=trap, which takes the real path through the monitor's shadow IDT (a hole).
    if (monitor_real_ && !(software && monitor_->native_software_interrupts())) {
        monitor_->reflect_event(vector, software, has_error, error, external);
        return;
    }
    if (hooks_)
        hooks_->on_exception({uint64_t(s.seg[CS].base + s.eip), vector, error, has_error, external});
    end_block = true;
    halted_ = false;
    deliveries_++;

    if (!protected_mode()) {
        // Real mode: the IVT (SDM Vol. 3 §20.1.4). A vector beyond IDTR.limit is #GP.
        if (uint32_t(vector) * 4 + 3 > s.idtr.limit) raise_fault(kGP, vector * 8 + 2);
        uint32_t entry = read_system(s.idtr.base + vector * 4, 4);
        uint32_t fl = eflags();
        push(2, fl & 0xFFFF);
        push(2, s.seg[CS].selector);
        push(2, s.eip & 0xFFFF);
        s.eflags &= ~(IF | TF | AC | RF);
        load_segment_real(CS, uint16_t(entry >> 16));
        s.eip = entry & 0xFFFF;
        return;
    }

    const uint32_t ext = (software ? 0u : 1u);
    const uint32_t idt_err = vector * 8 + 2 + ext;
    if (uint32_t(vector) * 8 + 7 > s.idtr.limit) raise_fault(kGP, idt_err);
    uint32_t glo = read_system(s.idtr.base + vector * 8, 4);
    uint32_t ghi = read_system(s.idtr.base + vector * 8 + 4, 4);
    unsigned gtype = (ghi >> 8) & 0x1F;
    unsigned gdpl = (ghi >> 13) & 3;
    if (gtype != 0x05 && gtype != 0x06 && gtype != 0x07 && gtype != 0x0E && gtype != 0x0F)
        raise_fault(kGP, idt_err);
    // INT n / INT3 / INTO check the gate DPL against CPL (SDM Vol. 3 §6.12.1.1).
    if (software && gdpl < s.cpl) raise_fault(kGP, vector * 8 + 2);
    if (!(ghi & 0x8000)) raise_fault(kNP, idt_err);

    if (gtype == 0x05) {
        uint16_t tss_sel = uint16_t(glo >> 16);
        if (tss_sel & 4) raise_fault(kGP, (tss_sel & 0xFFFC) | ext);
        uint32_t lo, hi;
        if (!read_descriptor(tss_sel, lo, hi)) raise_fault(kGP, (tss_sel & 0xFFFC) | ext);
        unsigned t = (hi >> 8) & 0x1F;
        if (t != 0x01 && t != 0x09) raise_fault(kGP, (tss_sel & 0xFFFC) | ext);
        if (!(hi & 0x8000)) raise_fault(kNP, (tss_sel & 0xFFFC) | ext);
        task_switch(tss_sel, lo, hi, TaskSwitchReason::kInterrupt, has_error, error);
        return;
    }

    const bool gate32 = gtype & 0x08;
    const bool trap_gate = gtype & 0x01;
    const unsigned psize = gate32 ? 4 : 2;
    uint16_t cs_sel = uint16_t(glo >> 16);
    uint32_t target = (glo & 0xFFFF) | (gate32 ? (ghi & 0xFFFF0000u) : 0);
    if ((cs_sel & 0xFFFC) == 0) raise_fault(kGP, ext);
    uint32_t clo, chi;
    if (!read_descriptor(cs_sel, clo, chi)) raise_fault(kGP, (cs_sel & 0xFFFC) | ext);
    unsigned cdpl = (chi >> 13) & 3;
    bool is_code = (chi & 0x1800) == 0x1800;
    bool conforming = chi & 0x400;
    if (!is_code || cdpl > s.cpl) raise_fault(kGP, (cs_sel & 0xFFFC) | ext);
    if (!(chi & 0x8000)) raise_fault(kNP, (cs_sel & 0xFFFC) | ext);

    uint32_t old_flags = eflags();
    const bool from_v86 = v86();
    if (!conforming && cdpl < s.cpl) {
        // Inter-privilege: switch to the inner stack from the TSS.
        if (from_v86 && cdpl != 0) raise_fault(kGP, (cs_sel & 0xFFFC) | ext);
        uint16_t new_ss;
        uint32_t new_esp;
        tss_stack(*this, cdpl, new_ss, new_esp, ext);
        if ((new_ss & 0xFFFC) == 0) raise_fault(kTS, ext);
        uint32_t slo, shi;
        if (!read_descriptor(new_ss, slo, shi)) raise_fault(kTS, (new_ss & 0xFFFC) | ext);
        unsigned sdpl = (shi >> 13) & 3;
        bool writable_data = (shi & 0x1A00) == 0x1200;
        if ((new_ss & 3) != cdpl || sdpl != cdpl || !writable_data)
            raise_fault(kTS, (new_ss & 0xFFFC) | ext);
        if (!(shi & 0x8000)) raise_fault(kSS, (new_ss & 0xFFFC) | ext);
        if (target > (((clo & 0xFFFF) | (chi & 0xF0000)) << ((chi & 0x800000) ? 12 : 0) |
                      ((chi & 0x800000) ? 0xFFF : 0)))
            raise_fault(kGP, ext);

        // Build the frame on the new stack, checking it before anything is committed.
        Segment old_ss = s.seg[SS];
        uint32_t old_esp = s.gpr[ESP];
        Segment old_cs = s.seg[CS];
        Segment old_seg[4] = {s.seg[ES], s.seg[DS], s.seg[FS], s.seg[GS]};
        unsigned old_cpl = s.cpl;
        unsigned words = (from_v86 ? 9 : 5) + (has_error ? 1 : 0);
        // Temporarily load the new SS to use the normal stack checks.
        set_segment_from_descriptor(SS, new_ss, slo, shi);
        s.cpl = uint8_t(cdpl);
        uint32_t esp_mask = s.seg[SS].db() ? 0xFFFFFFFFu : 0xFFFFu;
        uint32_t top = new_esp & esp_mask;
        try {
            probe_write(SS, (top - words * psize) & esp_mask, words * psize);
        } catch (GuestFault& f) {
            s.seg[SS] = old_ss;
            refresh_segcheck(SS);
            s.cpl = uint8_t(old_cpl);
            s.gpr[ESP] = old_esp;
            if (f.vector == kSS) f.error = (new_ss & 0xFFFC) | ext;
            throw;
        }
        if (s.seg[SS].db()) s.gpr[ESP] = new_esp;
        else s.gpr[ESP] = (s.gpr[ESP] & 0xFFFF0000u) | (new_esp & 0xFFFF);
        if (!(shi & 0x100)) set_descriptor_accessed(new_ss, shi);
        if (from_v86) {
            push(psize, old_seg[3].selector);  // GS
            push(psize, old_seg[2].selector);  // FS
            push(psize, old_seg[1].selector);  // DS
            push(psize, old_seg[0].selector);  // ES
        }
        push(psize, old_ss.selector);
        push(psize, old_esp);
        push(psize, old_flags);
        push(psize, old_cs.selector);
        push(psize, s.eip);
        if (has_error) push(psize, error);
        if (from_v86) {
            for (unsigned sg : {ES, DS, FS, GS}) {
                s.seg[sg].selector = 0;
                s.seg[sg].valid = false;
                s.seg[sg].base = 0;
                s.seg[sg].limit = 0;
                s.seg[sg].attr = 0;
            }
        }
        (void)old_cs;
    } else if (conforming || cdpl == s.cpl) {
        if (from_v86) raise_fault(kGP, (cs_sel & 0xFFFC) | ext);
        uint32_t esp_mask = s.seg[SS].db() ? 0xFFFFFFFFu : 0xFFFFu;
        unsigned words = 3 + (has_error ? 1 : 0);
        probe_write(SS, (s.gpr[ESP] - words * psize) & esp_mask, words * psize);
        uint32_t limit = (clo & 0xFFFF) | (chi & 0xF0000);
        if (chi & 0x800000) limit = (limit << 12) | 0xFFF;
        if (target > limit) raise_fault(kGP, ext);
        push(psize, old_flags);
        push(psize, s.seg[CS].selector);
        push(psize, s.eip);
        if (has_error) push(psize, error);
        cdpl = s.cpl;
    } else {
        raise_fault(kGP, (cs_sel & 0xFFFC) | ext);
    }

    set_descriptor_accessed(cs_sel, chi);
    set_segment_from_descriptor(CS, uint16_t((cs_sel & 0xFFFC) | cdpl), clo, chi | 0x100);
    s.cpl = uint8_t(cdpl);
    s.eip = target;
    uint32_t clear = TF | NT | RF | VM;
    if (!trap_gate) clear |= IF;
    s.eflags &= ~clear;
    for (unsigned i = 0; i < 6; ++i) refresh_segcheck(i);
}

}  // namespace trapeze::x86
