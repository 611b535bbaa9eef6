// Data movement: MOV and its segment-register forms, MOVZX/MOVSX, LEA, XCHG, XADD, CMPXCHG,
// CMPXCHG8B, CMOVcc, SETcc, XLAT, LAHF/SAHF, stack operations, ENTER/LEAVE, LDS..LSS.
#include <utility>

#include "isa/x86/semantics/operands.h"

namespace trapeze::x86 {

template <unsigned S, char D, char K>
void mov(X86Cpu& c, const DecodedInsn& in) {
    write_dst<S, D>(c, in, read_src<S, K>(c, in));
}

template <unsigned S>
Handler pick_mov_k(char d, char k) {
    if (d == 'm') return k == 'r' ? &mov<S, 'm', 'r'> : &mov<S, 'm', 'i'>;
    return k == 'r' ? &mov<S, 'r', 'r'> : k == 'm' ? &mov<S, 'r', 'm'> : &mov<S, 'r', 'i'>;
}

Handler sel_mov(SelectorInput& si) {
    switch (si.insn.opsize) {
    case 1: return pick_mov_k<1>(si.kind[0], si.kind[1]);
    case 2: return pick_mov_k<2>(si.kind[0], si.kind[1]);
    default: return pick_mov_k<4>(si.kind[0], si.kind[1]);
    }
}

// MOV Sreg, r/m16. Loading CS with MOV is #UD (SDM Vol. 2B MOV).
static void mov_to_sreg(X86Cpu& c, const DecodedInsn& in) {
    if (in.r0 == CS) raise_fault(kUD);
    uint16_t sel = uint16_t((in.flags & kHasMem) ? c.read<2>(in.mem.seg, c.effective_address(in))
                                                 : c.reg<2>(in.r1));
    c.load_segment(in.r0, sel);
    if (in.r0 == SS) c.inhibit_interrupts_once();
    c.end_block = true;
}
Handler sel_mov_to_sreg(SelectorInput&) { return mov_to_sreg; }

// MOV r/m, Sreg: to memory always 16 bits; to a 32-bit register the upper bits are zeroed on
// the P6 (SDM Vol. 2B MOV: "the upper 16 bits are ... zeroes for Pentium Pro and later").
static void mov_from_sreg(X86Cpu& c, const DecodedInsn& in) {
    uint16_t sel = c.s.seg[in.r1].selector;
    if (in.flags & kHasMem) c.write<2>(in.mem.seg, c.effective_address(in), sel);
    else if (in.opsize == 4) c.s.gpr[in.r0] = sel;
    else c.set_reg<2>(in.r0, sel);
}
Handler sel_mov_from_sreg(SelectorInput&) { return mov_from_sreg; }

template <unsigned S, unsigned SRC, bool SIGNED>
void movx(X86Cpu& c, const DecodedInsn& in) {
    uint32_t v = (in.flags & kHasMem) ? c.read<SRC>(in.mem.seg, c.effective_address(in)) : c.reg<SRC>(in.r1);
    if (SIGNED) v = sign_extend(v, SRC);
    c.set_reg<S>(in.r0, v);
}
template <bool SIGNED>
Handler pick_movx(SelectorInput& si) {
    unsigned src = si.insn.opsize2 ? si.insn.opsize2 : 1;
    if (si.insn.opsize == 2) return src == 1 ? &movx<2, 1, SIGNED> : &movx<2, 2, SIGNED>;
    return src == 1 ? &movx<4, 1, SIGNED> : &movx<4, 2, SIGNED>;
}
Handler sel_movzx(SelectorInput& si) { return pick_movx<false>(si); }
Handler sel_movsx(SelectorInput& si) { return pick_movx<true>(si); }

static void lea(X86Cpu& c, const DecodedInsn& in) {
    c.set_reg_sized(in.opsize, in.r0, c.effective_address(in));
}
Handler sel_lea(SelectorInput&) { return lea; }

template <unsigned S>
void xchg(X86Cpu& c, const DecodedInsn& in) {
    if (in.flags & kHasMem) {
        uint32_t ea = c.effective_address(in);
        unsigned r = in.r0 != kNoReg ? in.r0 : in.r1;
        uint32_t m = c.read<S>(in.mem.seg, ea);
        c.write<S>(in.mem.seg, ea, c.reg<S>(r));
        c.set_reg<S>(r, m);
    } else {
        uint32_t a = c.reg<S>(in.r0), b = c.reg<S>(in.r1);
        c.set_reg<S>(in.r0, b);
        c.set_reg<S>(in.r1, a);
    }
}
Handler sel_xchg(SelectorInput& si) {
    return si.insn.opsize == 1 ? &xchg<1> : si.insn.opsize == 2 ? &xchg<2> : &xchg<4>;
}

template <unsigned S>
void xadd(X86Cpu& c, const DecodedInsn& in) {
    uint32_t src = c.reg<S>(in.r1);
    uint32_t ea = 0;
    uint32_t dst = (in.flags & kHasMem) ? c.read<S>(in.mem.seg, ea = c.effective_address(in)) : c.reg<S>(in.r0);
    uint32_t sum = (dst + src) & size_mask(S);
    if (in.flags & kHasMem) c.write<S>(in.mem.seg, ea, sum);
    c.set_reg<S>(in.r1, dst);
    if (!(in.flags & kHasMem)) c.set_reg<S>(in.r0, sum);
    set_lazy(c.s.arith, LazyOp::kAdd, S, sum, dst, src);
}
Handler sel_xadd(SelectorInput& si) {
    return si.insn.opsize == 1 ? &xadd<1> : si.insn.opsize == 2 ? &xadd<2> : &xadd<4>;
}

template <unsigned S>
void cmpxchg(X86Cpu& c, const DecodedInsn& in) {
    uint32_t acc = c.reg<S>(EAX);
    uint32_t ea = 0;
    bool mem = in.flags & kHasMem;
    uint32_t dst = mem ? c.read<S>(in.mem.seg, ea = c.effective_address(in)) : c.reg<S>(in.r0);
    if (dst == acc) {
        if (mem) c.write<S>(in.mem.seg, ea, c.reg<S>(in.r1));
        else c.set_reg<S>(in.r0, c.reg<S>(in.r1));
    } else {
        // The destination is written back with its own value (a locked RMW cycle), then the
        // accumulator is loaded (SDM Vol. 2A CMPXCHG).
        if (mem) c.write<S>(in.mem.seg, ea, dst);
        c.set_reg<S>(EAX, dst);
    }
    set_lazy(c.s.arith, LazyOp::kSub, S, acc - dst, acc, dst);
}
Handler sel_cmpxchg(SelectorInput& si) {
    return si.insn.opsize == 1 ? &cmpxchg<1> : si.insn.opsize == 2 ? &cmpxchg<2> : &cmpxchg<4>;
}

static void cmpxchg8b(X86Cpu& c, const DecodedInsn& in) {
    uint32_t ea = c.effective_address(in);
    c.probe_write(in.mem.seg, ea, 8);
    uint32_t lo = c.read<4>(in.mem.seg, ea), hi = c.read<4>(in.mem.seg, ea + 4);
    uint32_t fl = compute_arith_flags(c.s.arith) & ~ZF;
    if (lo == c.s.gpr[EAX] && hi == c.s.gpr[EDX]) {
        c.write<4>(in.mem.seg, ea, c.s.gpr[EBX]);
        c.write<4>(in.mem.seg, ea + 4, c.s.gpr[ECX]);
        fl |= ZF;
    } else {
        c.write<4>(in.mem.seg, ea, lo);
        c.write<4>(in.mem.seg, ea + 4, hi);
        c.s.gpr[EAX] = lo;
        c.s.gpr[EDX] = hi;
    }
    set_eager(c.s.arith, fl);
}
Handler sel_cmpxchg8b(SelectorInput&) { return cmpxchg8b; }

// CMOVcc and SETcc: one handler per condition (picked from in.cc), as Jcc.
template <unsigned S, unsigned CC>
void cmov(X86Cpu& c, const DecodedInsn& in) {
    // The source is read (and may fault) whether or not the condition holds.
    uint32_t v = (in.flags & kHasMem) ? c.read<S>(in.mem.seg, c.effective_address(in)) : c.reg<S>(in.r1);
    if (eval_condition(c.s.arith, CC)) c.set_reg<S>(in.r0, v);
    else if (S == 4) c.s.gpr[in.r0] = c.s.gpr[in.r0];
}
template <unsigned S, unsigned... CC>
static Handler pick_cmov(unsigned cc, std::integer_sequence<unsigned, CC...>) {
    static constexpr Handler table[] = {&cmov<S, CC>...};
    return table[cc & 15];
}
Handler sel_cmov(SelectorInput& si) {
    constexpr auto all = std::make_integer_sequence<unsigned, 16>{};
    return si.insn.opsize == 2 ? pick_cmov<2>(si.insn.cc, all) : pick_cmov<4>(si.insn.cc, all);
}

template <unsigned CC>
static void setcc(X86Cpu& c, const DecodedInsn& in) {
    uint32_t v = eval_condition(c.s.arith, CC) ? 1 : 0;
    if (in.flags & kHasMem) c.write<1>(in.mem.seg, c.effective_address(in), v);
    else c.set_reg<1>(in.r0, v);
}
template <unsigned... CC>
static Handler pick_setcc(unsigned cc, std::integer_sequence<unsigned, CC...>) {
    static constexpr Handler table[] = {&setcc<CC>...};
    return table[cc & 15];
}
Handler sel_setcc(SelectorInput& si) { return pick_setcc(si.insn.cc, std::make_integer_sequence<unsigned, 16>{}); }

static void xlat(X86Cpu& c, const DecodedInsn& in) {
    uint32_t a = c.s.gpr[EBX] + (c.s.gpr[EAX] & 0xFF);
    if (!in.addr32) a &= 0xFFFF;
    c.set_reg<1>(EAX, c.read<1>(in.mem.seg, a));
}
Handler sel_xlat(SelectorInput&) { return xlat; }

static void lahf(X86Cpu& c, const DecodedInsn&) { c.set_reg<1>(4, c.eflags() & 0xFF); }
static void sahf(X86Cpu& c, const DecodedInsn&) {
    c.set_eflags((c.s.gpr[EAX] >> 8) & 0xFF, CF | PF | AF | ZF | SF);
}
Handler sel_lahf(SelectorInput&) { return lahf; }
Handler sel_sahf(SelectorInput&) { return sahf; }

static void salc(X86Cpu& c, const DecodedInsn&) { c.set_reg<1>(EAX, flag_cf(c.s.arith) ? 0xFF : 0); }
Handler sel_salc(SelectorInput&) { return salc; }

static void nop(X86Cpu&, const DecodedInsn&) {}
Handler sel_nop(SelectorInput&) { return nop; }

// ---- stack -----------------------------------------------------------------------------------

template <unsigned S>
void push_rm(X86Cpu& c, const DecodedInsn& in) {
    uint32_t v = (in.flags & kHasMem) ? c.read<S>(in.mem.seg, c.effective_address(in)) : c.reg<S>(in.r0);
    c.push(S, v);
}
template <unsigned S>
void push_imm(X86Cpu& c, const DecodedInsn& in) { c.push(S, in.imm & size_mask(S)); }
Handler sel_push(SelectorInput& si) {
    if (si.kind[0] == 'i') return si.insn.opsize == 2 ? &push_imm<2> : &push_imm<4>;
    return si.insn.opsize == 2 ? &push_rm<2> : &push_rm<4>;
}

// PUSH Sreg: with a 32-bit operand size the P6 writes only the low 16 bits of the stack slot
// (SDM Vol. 2B PUSH); Bochs does the same.
static void push_sreg(X86Cpu& c, const DecodedInsn& in) {
    uint16_t sel = c.s.seg[in.r0].selector;
    if (in.opsize == 2) return c.push(2, sel);
    uint32_t nsp = c.sp() - 4;
    if (!c.stack32()) nsp &= 0xFFFF;
    c.probe_write(SS, nsp, 4);
    c.write<2>(SS, nsp, sel);
    c.set_sp(nsp);
}
Handler sel_push_sreg(SelectorInput&) { return push_sreg; }

template <unsigned S>
void pop_rm(X86Cpu& c, const DecodedInsn& in) {
    uint32_t v = c.peek(S, 0);
    if (in.flags & kHasMem) {
        // The address is computed with ESP already incremented (SDM Vol. 2B POP).
        uint32_t old = c.s.gpr[ESP];
        c.set_sp(c.sp() + S);
        try {
            c.write<S>(in.mem.seg, c.effective_address(in), v);
        } catch (...) {
            c.s.gpr[ESP] = old;
            throw;
        }
    } else {
        c.set_sp(c.sp() + S);
        c.set_reg<S>(in.r0, v);
    }
}
Handler sel_pop(SelectorInput& si) { return si.insn.opsize == 2 ? &pop_rm<2> : &pop_rm<4>; }

static void pop_sreg(X86Cpu& c, const DecodedInsn& in) {
    uint16_t sel = uint16_t(c.peek(in.opsize, 0));
    c.load_segment(in.r0, sel);
    c.set_sp(c.sp() + in.opsize);
    if (in.r0 == SS) c.inhibit_interrupts_once();
    c.end_block = true;
}
Handler sel_pop_sreg(SelectorInput&) { return pop_sreg; }

static void pusha(X86Cpu& c, const DecodedInsn& in) {
    unsigned S = in.opsize;
    uint32_t sp0 = c.sp();
    uint32_t nsp = sp0 - 8 * S;
    if (!c.stack32()) nsp &= 0xFFFF;
    c.probe_write(SS, nsp, 8 * S);
    uint32_t orig_esp = c.s.gpr[ESP];
    for (unsigned i = 0; i < 8; ++i) {
        uint32_t v = i == ESP ? orig_esp : c.s.gpr[i];
        uint32_t a = sp0 - (i + 1) * S;
        if (!c.stack32()) a &= 0xFFFF;
        c.write_sized(S, SS, a, S == 2 ? v & 0xFFFF : v);
    }
    c.set_sp(nsp);
}
static void popa(X86Cpu& c, const DecodedInsn& in) {
    unsigned S = in.opsize;
    uint32_t vals[8];
    for (unsigned i = 0; i < 8; ++i) vals[7 - i] = c.peek(S, i * S);
    for (unsigned i = 0; i < 8; ++i)
        if (i != ESP) c.set_reg_sized(S, i, vals[i]);
    c.set_sp(c.sp() + 8 * S);
}
Handler sel_pusha(SelectorInput&) { return pusha; }
Handler sel_popa(SelectorInput&) { return popa; }

// ENTER imm16, imm8 (SDM Vol. 2A ENTER): the nesting level is taken modulo 32; the frame
// pointers of outer levels are copied from [EBP - k*size]. Every stack slot the instruction
// writes is checked before the first write.
static void enter(X86Cpu& c, const DecodedInsn& in) {
    const unsigned S = in.opsize;
    const uint32_t alloc = in.imm & 0xFFFF;
    const unsigned level = in.imm2 & 0x1F;
    const bool s32 = c.stack32();
    const uint32_t smask = s32 ? 0xFFFFFFFFu : 0xFFFFu;
    const unsigned pushes = level ? level + 1 : 1;
    uint32_t sp = c.sp();
    c.probe_write(SS, (sp - pushes * S) & smask, pushes * S);
    const uint32_t ebp = c.s.gpr[EBP];
    sp = (sp - S) & smask;
    c.write_sized(S, SS, sp, S == 2 ? ebp & 0xFFFF : ebp);
    const uint32_t frame_temp = sp;
    if (level > 0) {
        uint32_t bp = ebp & smask;
        for (unsigned i = 1; i < level; ++i) {
            bp = (bp - S) & smask;
            uint32_t v = c.read_sized(S, SS, bp);
            sp = (sp - S) & smask;
            c.write_sized(S, SS, sp, v);
        }
        sp = (sp - S) & smask;
        c.write_sized(S, SS, sp, S == 2 ? frame_temp & 0xFFFF : frame_temp);
    }
    if (S == 2) c.set_reg<2>(EBP, frame_temp);
    else c.s.gpr[EBP] = frame_temp;
    c.set_sp((sp - alloc) & smask);
}
Handler sel_enter(SelectorInput&) { return enter; }

static void leave(X86Cpu& c, const DecodedInsn& in) {
    uint32_t bp = c.stack32() ? c.s.gpr[EBP] : (c.s.gpr[EBP] & 0xFFFF);
    uint32_t v = c.read_sized(in.opsize, SS, bp);
    c.set_sp(bp + in.opsize);
    c.set_reg_sized(in.opsize, EBP, v);
}
Handler sel_leave(SelectorInput&) { return leave; }

// LDS/LES/LFS/LGS/LSS r, m16:16/32.
static void load_far_pointer(X86Cpu& c, const DecodedInsn& in) {
    uint32_t ea = c.effective_address(in);
    uint32_t off = c.read_sized(in.opsize, in.mem.seg, ea);
    uint16_t sel = uint16_t(c.read<2>(in.mem.seg, ea + in.opsize));
    unsigned seg = in.cc;
    c.load_segment(seg, sel);
    c.set_reg_sized(in.opsize, in.r0, off);
    if (seg == SS) c.inhibit_interrupts_once();
    c.end_block = true;
}
Handler sel_load_far_pointer(SelectorInput& si) {
    switch (si.zi.mnemonic) {
    case ZYDIS_MNEMONIC_LDS: si.insn.cc = DS; break;
    case ZYDIS_MNEMONIC_LES: si.insn.cc = ES; break;
    case ZYDIS_MNEMONIC_LFS: si.insn.cc = FS; break;
    case ZYDIS_MNEMONIC_LGS: si.insn.cc = GS; break;
    default: si.insn.cc = SS; break;
    }
    return load_far_pointer;
}

}  // namespace trapeze::x86
