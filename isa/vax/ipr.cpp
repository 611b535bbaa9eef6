// MTPR/MFPR of the internal processor registers the CVAX itself implements (VAX ARM, chapter
// "Internal Processor Registers"; KA655 technical manual). Every other IPR number goes to the
// board (console, interval clock, TODR, cache and memory-system registers); a number neither
// implements is a reserved operand fault.
#include "isa/vax/cpu.h"

namespace trapeze::vax {

uint32_t VaxCpu::read_ipr(unsigned n) {
    switch (n) {
    case ipr::KSP:
    case ipr::ESP:
    case ipr::SSP:
    case ipr::USP:
    case ipr::ISP: return n == stack_slot() ? r[kSP] : stack[n];
    case ipr::P0BR: return p0br;
    case ipr::P0LR: return p0lr;
    case ipr::P1BR: return p1br;
    case ipr::P1LR: return p1lr;
    case ipr::SBR: return sbr;
    case ipr::SLR: return slr;
    case ipr::PCBB: return pcbb;
    case ipr::SCBB: return scbb;
    case ipr::IPL: return ipl();
    case ipr::ASTLVL: return astlvl;
    case ipr::SISR: return sisr;
    case ipr::MAPEN: return mapen ? 1 : 0;
    case ipr::SID: return kKa655Sid;
    default: break;
    }
    uint32_t v = 0;
    if (!board.read_ipr(n, v)) reserved_operand();
    return v;
}

void VaxCpu::write_ipr(unsigned n, uint32_t v) {
    switch (n) {
    case ipr::KSP:
    case ipr::ESP:
    case ipr::SSP:
    case ipr::USP:
    case ipr::ISP:
        if (n == stack_slot()) r[kSP] = v;
        else stack[n] = v;
        return;
    case ipr::P0BR: p0br = v & ~3u; return;
    case ipr::P0LR: p0lr = v & 0x3FFFFF; return;
    case ipr::P1BR: p1br = v & ~3u; return;
    case ipr::P1LR: p1lr = v & 0x3FFFFF; return;
    case ipr::SBR: sbr = v & 0x3FFFFFFC; return;
    case ipr::SLR: slr = v & 0x3FFFFF; return;
    case ipr::PCBB: pcbb = v & 0x3FFFFFFC; return;
    case ipr::SCBB: scbb = v & 0x3FFFFE00; return;
    case ipr::IPL: psl = (psl & ~psl::IPL) | ((v & 0x1F) << psl::kIplShift); return;
    case ipr::ASTLVL: astlvl = v & 7; return;
    case ipr::SIRR:
        if (v & 0xF) sisr |= 1u << (v & 0xF);
        return;
    case ipr::SISR: sisr = v & 0xFFFE; return;
    case ipr::MAPEN:
        mapen = (v & 1) != 0;
        invalidate_tb();
        return;
    case ipr::TBIA: invalidate_tb(); return;
    case ipr::TBIS: invalidate_tb_entry(v); return;
    case ipr::TBCHK:
        // V = 1 when the TB holds a valid translation for the address; the MTPR handler
        // (semantics/system.cpp) sets V from tbchk_hit after N and Z.
        tbchk_hit = tb_check(v);
        return;
    case ipr::SID: return;
    default: break;
    }
    if (!board.write_ipr(n, v)) reserved_operand();
}

}  // namespace trapeze::vax
