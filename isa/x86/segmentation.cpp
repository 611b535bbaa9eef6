// Segment register loads and descriptor-table access, SDM Vol. 3 ch. 3 and ch. 5 (the
// protection checks of MOV/POP/LDS to a segment register follow the pseudocode of MOV in
// SDM Vol. 2B).
#include "isa/x86/cpu.h"

namespace trapeze::x86 {

bool X86Cpu::read_descriptor(uint16_t selector, uint32_t& lo, uint32_t& hi) {
    uint32_t base, limit;
    if (selector & 4) {
        if (!s.ldtr.valid || (s.ldtr.selector & 0xFFFC) == 0) return false;
        base = s.ldtr.base;
        limit = s.ldtr.limit;
    } else {
        base = s.gdtr.base;
        limit = s.gdtr.limit;
    }
    uint32_t off = selector & 0xFFF8;
    if (off + 7 > limit) return false;
    lo = read_system(base + off, 4);
    hi = read_system(base + off + 4, 4);
    return true;
}

void X86Cpu::write_descriptor_hi(uint16_t selector, uint32_t hi) {
    uint32_t base = (selector & 4) ? s.ldtr.base : s.gdtr.base;
    write_system(base + (selector & 0xFFF8) + 4, hi, 4);
}

void X86Cpu::set_descriptor_accessed(uint16_t selector, uint32_t hi) {
    if (!(hi & 0x100)) write_descriptor_hi(selector, hi | 0x100);
}

void X86Cpu::set_segment_from_descriptor(unsigned seg, uint16_t selector, uint32_t lo, uint32_t hi) {
    Segment& sg = s.seg[seg];
    sg.selector = selector;
    sg.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
    if (hi & 0x800000) limit = (limit << 12) | 0xFFF;
    sg.limit = limit;
    sg.attr = uint16_t((hi >> 8) & 0xF0FF);
    sg.valid = true;
    refresh_segcheck(seg);
    if (seg == CS) set_cs_for_mode();
}

void X86Cpu::load_segment_real(unsigned seg, uint16_t selector) {
    Segment& sg = s.seg[seg];
    sg.selector = selector;
    sg.base = uint32_t(selector) << 4;
    sg.valid = true;
    if (v86()) {
        // Virtual-8086 mode: 64 KB, DPL 3, read/write (SDM Vol. 3 §20.1.1).
        sg.limit = 0xFFFF;
        sg.attr = seg == CS ? 0xFB : 0xF3;
    }
    // Real mode keeps the cached limit and attributes (the "unreal" behaviour of real CPUs).
    refresh_segcheck(seg);
    if (seg == CS) set_cs_for_mode();
}

void X86Cpu::load_segment(unsigned seg, uint16_t selector) {
    if (!protected_mode() || v86()) return load_segment_real(seg, selector);
    const uint16_t err = selector & 0xFFFC;
    const unsigned rpl = selector & 3;
    if ((selector & 0xFFFC) == 0) {
        if (seg == SS) raise_fault(kGP, 0);
        Segment& sg = s.seg[seg];
        sg.selector = selector;
        sg.valid = false;
        sg.base = 0;
        sg.limit = 0;
        sg.attr = 0;
        refresh_segcheck(seg);
        return;
    }
    uint32_t lo, hi;
    if (!read_descriptor(selector, lo, hi)) raise_fault(kGP, err);
    const unsigned dpl = (hi >> 13) & 3;
    const bool s_bit = hi & 0x1000, code = hi & 0x800, rw = hi & 0x200, conforming = hi & 0x400;
    if (seg == SS) {
        if (rpl != s.cpl || dpl != s.cpl || !s_bit || code || !rw) raise_fault(kGP, err);
        if (!(hi & 0x8000)) raise_fault(kSS, err);
    } else {
        if (!s_bit || (code && !rw)) raise_fault(kGP, err);
        if (!code || !conforming) {
            if (rpl > dpl || s.cpl > dpl) raise_fault(kGP, err);
        }
        if (!(hi & 0x8000)) raise_fault(kNP, err);
    }
    set_descriptor_accessed(selector, hi);
    set_segment_from_descriptor(seg, selector, lo, hi | 0x100);
}

void X86Cpu::set_cpl(unsigned cpl) {
    if (cpl != s.cpl) {
        s.cpl = uint8_t(cpl);
        end_block = true;
    }
}

void X86Cpu::set_cs_for_mode() { end_block = true; }

}  // namespace trapeze::x86
