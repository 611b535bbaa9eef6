// Control transfer and flag instructions: near JMP/CALL/RET, Jcc, LOOP, JCXZ, INT n/INT3/
// INTO, IRET, BOUND, far transfers (which go through X86Cpu's far_transfer.cpp), flag
// instructions, PUSHF/POPF, CLI/STI.
#include <utility>

#include "isa/x86/semantics/operands.h"

namespace trapeze::x86 {

// Near branch target check, SDM Vol. 2A JMP: "IF tempEIP is not within code segment limit
// THEN #GP(0)".
static inline void branch_to(X86Cpu& c, uint32_t target, unsigned opsize) {
    if (opsize == 2) target &= 0xFFFF;
    if (target > c.s.seg[CS].limit) raise_fault(kGP, 0);
    c.next_eip = target;
}

static void jmp_rel(X86Cpu& c, const DecodedInsn& in) { branch_to(c, c.next_eip + in.imm, in.opsize); }
static void jmp_near_indirect(X86Cpu& c, const DecodedInsn& in) {
    uint32_t t = (in.flags & kHasMem) ? c.read_sized(in.opsize, in.mem.seg, c.effective_address(in))
                                      : c.reg_sized(in.opsize, in.r0);
    branch_to(c, t, in.opsize);
}
// Near CALL and RET by operand size (the selectors pick the instance).
template <unsigned S>
static void call_rel(X86Cpu& c, const DecodedInsn& in) {
    uint32_t target = c.next_eip + in.imm;
    if constexpr (S == 2) target &= 0xFFFF;
    if (target > c.s.seg[CS].limit) raise_fault(kGP, 0);
    c.push_sized<S>(c.next_eip);
    c.next_eip = target;
}
static void call_near_indirect(X86Cpu& c, const DecodedInsn& in) {
    uint32_t t = (in.flags & kHasMem) ? c.read_sized(in.opsize, in.mem.seg, c.effective_address(in))
                                      : c.reg_sized(in.opsize, in.r0);
    if (in.opsize == 2) t &= 0xFFFF;
    if (t > c.s.seg[CS].limit) raise_fault(kGP, 0);
    c.push(in.opsize, c.next_eip);
    c.next_eip = t;
}
template <unsigned S>
static void ret_near(X86Cpu& c, const DecodedInsn& in) {
    uint32_t t = c.read<S>(SS, c.sp());  // (sp() is SP on a 16-bit stack)
    if (t > c.s.seg[CS].limit) raise_fault(kGP, 0);
    c.set_sp(c.sp() + S + (in.imm & 0xFFFF));
    c.next_eip = t;
}
// One handler per condition (the selector picks it from in.cc), so that evaluating the
// condition reads only the flags it needs and needs no dispatch on cc.
template <unsigned CC>
static void jcc(X86Cpu& c, const DecodedInsn& in) {
    if (eval_condition(c.s.arith, CC)) branch_to(c, c.next_eip + in.imm, in.opsize);
}
static void jcxz(X86Cpu& c, const DecodedInsn& in) {
    uint32_t cx = in.addr32 ? c.s.gpr[ECX] : (c.s.gpr[ECX] & 0xFFFF);
    if (cx == 0) branch_to(c, c.next_eip + in.imm, in.opsize);
}
static void loop(X86Cpu& c, const DecodedInsn& in) {
    uint32_t cx;
    if (in.addr32) cx = --c.s.gpr[ECX];
    else {
        cx = (c.s.gpr[ECX] - 1) & 0xFFFF;
        c.set_reg<2>(ECX, cx);
    }
    bool take = cx != 0;
    if (in.cc == 1) take = take && flag_zf(c.s.arith);        // LOOPE
    else if (in.cc == 2) take = take && !flag_zf(c.s.arith);  // LOOPNE
    if (take) {
        uint32_t t = c.next_eip + in.imm;
        if (in.opsize == 2) t &= 0xFFFF;
        if (t > c.s.seg[CS].limit) {
            // The count update is part of the faulting instruction: undo it.
            if (in.addr32) ++c.s.gpr[ECX];
            else c.set_reg<2>(ECX, (cx + 1) & 0xFFFF);
            raise_fault(kGP, 0);
        }
        c.next_eip = t;
    }
}

Handler sel_jmp_rel(SelectorInput&) { return jmp_rel; }
Handler sel_jmp_near_indirect(SelectorInput&) { return jmp_near_indirect; }
Handler sel_call_rel(SelectorInput& si) { return si.insn.opsize == 2 ? &call_rel<2> : &call_rel<4>; }
Handler sel_call_near_indirect(SelectorInput&) { return call_near_indirect; }
Handler sel_ret_near(SelectorInput& si) {
    if (si.count == 0) si.insn.imm = 0;
    return si.insn.opsize == 2 ? &ret_near<2> : &ret_near<4>;
}
template <unsigned... CC>
static Handler pick_jcc(unsigned cc, std::integer_sequence<unsigned, CC...>) {
    static constexpr Handler table[] = {&jcc<CC>...};
    return table[cc & 15];
}
Handler sel_jcc(SelectorInput& si) { return pick_jcc(si.insn.cc, std::make_integer_sequence<unsigned, 16>{}); }
Handler sel_jcxz(SelectorInput&) { return jcxz; }
Handler sel_loop(SelectorInput& si) {
    si.insn.cc = si.zi.mnemonic == ZYDIS_MNEMONIC_LOOPE ? 1 : si.zi.mnemonic == ZYDIS_MNEMONIC_LOOPNE ? 2 : 0;
    return loop;
}

// ---- far transfers ---------------------------------------------------------------------------

static void far_operand(X86Cpu& c, const DecodedInsn& in, uint16_t& sel, uint32_t& off) {
    if (in.flags & kHasMem) {
        uint32_t ea = c.effective_address(in);
        off = c.read_sized(in.opsize, in.mem.seg, ea);
        sel = uint16_t(c.read<2>(in.mem.seg, ea + in.opsize));
    } else {
        off = in.imm;
        sel = uint16_t(in.imm2);
    }
}
static void jmp_far(X86Cpu& c, const DecodedInsn& in) {
    uint16_t sel;
    uint32_t off;
    far_operand(c, in, sel, off);
    c.far_jump(sel, off, in.opsize);
}
static void call_far(X86Cpu& c, const DecodedInsn& in) {
    uint16_t sel;
    uint32_t off;
    far_operand(c, in, sel, off);
    c.far_call(sel, off, in.opsize);
}
static void ret_far(X86Cpu& c, const DecodedInsn& in) { c.far_return(in.opsize, uint16_t(in.imm)); }
static void iret(X86Cpu& c, const DecodedInsn& in) { c.iret(in.opsize); }
Handler sel_jmp_far(SelectorInput&) { return jmp_far; }
Handler sel_call_far(SelectorInput&) { return call_far; }
Handler sel_ret_far(SelectorInput& si) {
    if (si.count == 0) si.insn.imm = 0;
    return ret_far;
}
Handler sel_iret(SelectorInput&) { return iret; }

// ---- software interrupts ---------------------------------------------------------------------

static void int_n(X86Cpu& c, const DecodedInsn& in) {
    // In v86 mode INT n is IOPL-sensitive (SDM Vol. 3 §20.3.3, without VME).
    if (c.v86() && c.iopl() < 3) raise_fault(kGP, 0);
    c.raise_software_interrupt(uint8_t(in.imm), false);
}
static void int3(X86Cpu& c, const DecodedInsn&) { c.raise_software_interrupt(kBP, true); }
static void into(X86Cpu& c, const DecodedInsn&) {
    if (flag_of(c.s.arith)) c.raise_software_interrupt(kOF, true);
}
static void int1(X86Cpu& c, const DecodedInsn&) { c.raise_software_interrupt(kDB, true); }
Handler sel_int_n(SelectorInput&) { return int_n; }
Handler sel_int3(SelectorInput&) { return int3; }
Handler sel_into(SelectorInput&) { return into; }
Handler sel_int1(SelectorInput&) { return int1; }

static void bound(X86Cpu& c, const DecodedInsn& in) {
    uint32_t ea = c.effective_address(in);
    int32_t lo, hi, idx;
    if (in.opsize == 2) {
        lo = int16_t(c.read<2>(in.mem.seg, ea));
        hi = int16_t(c.read<2>(in.mem.seg, ea + 2));
        idx = int16_t(c.reg<2>(in.r0));
    } else {
        lo = int32_t(c.read<4>(in.mem.seg, ea));
        hi = int32_t(c.read<4>(in.mem.seg, ea + 4));
        idx = int32_t(c.reg<4>(in.r0));
    }
    if (idx < lo || idx > hi) raise_fault(kBR);
}
Handler sel_bound(SelectorInput&) { return bound; }

// ---- flags -----------------------------------------------------------------------------------

static void clc(X86Cpu& c, const DecodedInsn&) { set_eager(c.s.arith, compute_arith_flags(c.s.arith) & ~CF); }
static void stc(X86Cpu& c, const DecodedInsn&) { set_eager(c.s.arith, compute_arith_flags(c.s.arith) | CF); }
static void cmc(X86Cpu& c, const DecodedInsn&) { set_eager(c.s.arith, compute_arith_flags(c.s.arith) ^ CF); }
static void cld(X86Cpu& c, const DecodedInsn&) { c.s.eflags &= ~DF; }
static void std_(X86Cpu& c, const DecodedInsn&) { c.s.eflags |= DF; }
Handler sel_clc(SelectorInput&) { return clc; }
Handler sel_stc(SelectorInput&) { return stc; }
Handler sel_cmc(SelectorInput&) { return cmc; }
Handler sel_cld(SelectorInput&) { return cld; }
Handler sel_std_(SelectorInput&) { return std_; }

// CLI/STI: SDM Vol. 2A CLI, without the VME/PVI virtual-interrupt extensions.
static bool may_change_if(X86Cpu& c) {
    if (!c.protected_mode()) return true;
    if (c.v86()) return c.iopl() == 3;
    return c.s.cpl <= c.iopl();
}
static void cli(X86Cpu& c, const DecodedInsn&) {
    if (!may_change_if(c)) raise_fault(kGP, 0);
    c.s.eflags &= ~IF;
}
static void sti(X86Cpu& c, const DecodedInsn&) {
    if (!may_change_if(c)) raise_fault(kGP, 0);
    if (!(c.s.eflags & IF)) c.inhibit_interrupts_once();
    c.s.eflags |= IF;
    c.end_block = true;
}
Handler sel_cli(SelectorInput&) { return cli; }
Handler sel_sti(SelectorInput&) { return sti; }

// PUSHF: the image has VM and RF clear (SDM Vol. 2B PUSHF).
static void pushf(X86Cpu& c, const DecodedInsn& in) {
    if (c.v86() && c.iopl() < 3) raise_fault(kGP, 0);
    uint32_t f = c.eflags() & ~(VM | RF);
    c.push(in.opsize, in.opsize == 2 ? f & 0xFFFF : f);
}
Handler sel_pushf(SelectorInput&) { return pushf; }

// POPF: which bits may change depends on the mode, CPL and IOPL (SDM Vol. 2B POPF table):
// CPL 0 may change IOPL and IF; CPL <= IOPL may change IF; otherwise both are silently kept.
// This silent non-change is exactly why POPF is sensitive but not privileged.
static void popf(X86Cpu& c, const DecodedInsn& in) {
    if (c.v86() && c.iopl() < 3) raise_fault(kGP, 0);
    uint32_t v = c.peek(in.opsize, 0);
    uint32_t mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
    if (in.opsize == 4) mask |= AC | ID;
    if (!c.protected_mode()) mask |= IF | IOPL_MASK;
    else if (c.v86()) mask |= IF;
    else {
        if (c.s.cpl == 0) mask |= IOPL_MASK;
        if (c.s.cpl <= c.iopl()) mask |= IF;
    }
    if (in.opsize == 4) mask |= RF;  // RF is cleared by the load below
    c.set_sp(c.sp() + in.opsize);
    c.set_eflags(in.opsize == 4 ? (v & ~RF) : v, mask);
    c.end_block = true;
}
Handler sel_popf(SelectorInput&) { return popf; }

}  // namespace trapeze::x86
