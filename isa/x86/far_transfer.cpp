// Far JMP, far CALL, far RET and IRET in real, virtual-8086 and protected mode
// (SDM Vol. 2 pseudocode of JMP, CALL, RET, IRET; Vol. 3 §5.8).
#include <fmt/format.h>

#include "isa/x86/cpu.h"

namespace trapeze::x86 {

namespace {

uint32_t descriptor_limit(uint32_t lo, uint32_t hi) {
    uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
    return (hi & 0x800000) ? (limit << 12) | 0xFFF : limit;
}

[[noreturn]] void not_yet(X86Cpu& c, const char* what) {
    c.request_stop(cpu::StopReason::kError,
                   fmt::format("{} is not implemented yet (at {:04x}:{:08x})", what,
                               c.s.seg[CS].selector, c.s.eip));
    throw StopRun{};
}

}  // namespace

void X86Cpu::far_jump(uint16_t selector, uint32_t offset, unsigned opsize) {
    if (opsize == 2) offset &= 0xFFFF;
    if (!protected_mode() || v86()) {
        if (offset > s.seg[CS].limit) raise_fault(kGP, 0);
        load_segment_real(CS, selector);
        next_eip = offset;
        return;
    }
    if ((selector & 0xFFFC) == 0) raise_fault(kGP, 0);
    uint32_t lo, hi;
    if (!read_descriptor(selector, lo, hi)) raise_fault(kGP, selector & 0xFFFC);
    unsigned dpl = (hi >> 13) & 3, rpl = selector & 3;
    if ((hi & 0x1800) == 0x1800) {
        bool conforming = hi & 0x400;
        if (conforming ? dpl > s.cpl : (rpl > s.cpl || dpl != s.cpl)) raise_fault(kGP, selector & 0xFFFC);
        if (!(hi & 0x8000)) raise_fault(kNP, selector & 0xFFFC);
        if (offset > descriptor_limit(lo, hi)) raise_fault(kGP, 0);
        set_descriptor_accessed(selector, hi);
        set_segment_from_descriptor(CS, uint16_t((selector & 0xFFFC) | s.cpl), lo, hi | 0x100);
        next_eip = offset;
        return;
    }
    not_yet(*this, "far JMP through a gate or TSS");
}

void X86Cpu::far_call(uint16_t selector, uint32_t offset, unsigned opsize) {
    if (opsize == 2) offset &= 0xFFFF;
    if (!protected_mode() || v86()) {
        if (offset > s.seg[CS].limit) raise_fault(kGP, 0);
        uint32_t nsp = (sp() - 2 * opsize) & (stack32() ? 0xFFFFFFFFu : 0xFFFF);
        probe_write(SS, nsp, 2 * opsize);
        push(opsize, s.seg[CS].selector);
        push(opsize, next_eip);
        load_segment_real(CS, selector);
        next_eip = offset;
        return;
    }
    if ((selector & 0xFFFC) == 0) raise_fault(kGP, 0);
    uint32_t lo, hi;
    if (!read_descriptor(selector, lo, hi)) raise_fault(kGP, selector & 0xFFFC);
    unsigned dpl = (hi >> 13) & 3, rpl = selector & 3;
    if ((hi & 0x1800) == 0x1800) {
        bool conforming = hi & 0x400;
        if (conforming ? dpl > s.cpl : (rpl > s.cpl || dpl != s.cpl)) raise_fault(kGP, selector & 0xFFFC);
        if (!(hi & 0x8000)) raise_fault(kNP, selector & 0xFFFC);
        uint32_t nsp = (sp() - 2 * opsize) & (stack32() ? 0xFFFFFFFFu : 0xFFFF);
        probe_write(SS, nsp, 2 * opsize);
        if (offset > descriptor_limit(lo, hi)) raise_fault(kGP, 0);
        push(opsize, s.seg[CS].selector);
        push(opsize, next_eip);
        set_descriptor_accessed(selector, hi);
        set_segment_from_descriptor(CS, uint16_t((selector & 0xFFFC) | s.cpl), lo, hi | 0x100);
        next_eip = offset;
        return;
    }
    not_yet(*this, "far CALL through a gate or TSS");
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
    uint32_t lo, hi;
    if (!read_descriptor(sel, lo, hi)) raise_fault(kGP, sel & 0xFFFC);
    unsigned rpl = sel & 3, dpl = (hi >> 13) & 3;
    if ((hi & 0x1800) != 0x1800 || rpl < s.cpl) raise_fault(kGP, sel & 0xFFFC);
    bool conforming = hi & 0x400;
    if (conforming ? dpl > rpl : dpl != rpl) raise_fault(kGP, sel & 0xFFFC);
    if (!(hi & 0x8000)) raise_fault(kNP, sel & 0xFFFC);
    if (rpl == s.cpl) {
        if (off > descriptor_limit(lo, hi)) raise_fault(kGP, 0);
        set_descriptor_accessed(sel, hi);
        set_segment_from_descriptor(CS, sel, lo, hi | 0x100);
        set_sp(sp() + 2 * opsize + pop_bytes);
        next_eip = off;
        return;
    }
    not_yet(*this, "far RET to an outer privilege level");
}

void X86Cpu::iret(unsigned opsize) {
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
        end_block = true;
        return;
    }
    not_yet(*this, "protected-mode IRET");
}

void X86Cpu::task_switch(uint16_t, uint32_t, uint32_t, TaskSwitchReason, bool, uint32_t) {
    not_yet(*this, "hardware task switch");
}

}  // namespace trapeze::x86
