// Integer arithmetic and logic: ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NOT NEG, MUL/IMUL/
// DIV/IDIV, BCD adjust, sign extension (SDM Vol. 1 §7.3.2-7.3.5, Vol. 2 instruction pages).
#include "isa/x86/semantics/operands.h"

namespace trapeze::x86 {

enum class AluOp { kAdd, kOr, kAdc, kSbb, kAnd, kSub, kXor, kCmp, kTest };

// What OP does to a and b: the result, and the lazy flags it leaves (set_lazy's arguments),
// which the caller installs once nothing can fault any more.
struct AluResult {
    uint32_t r;     // masked to the operand size
    LazyOp op;
    uint32_t full;  // unmasked, as set_lazy takes it
    uint32_t a, b, cin;
};

template <AluOp OP, unsigned S>
inline AluResult alu_apply(const ArithFlags& f, uint32_t a, uint32_t b) {
    uint32_t full = 0, cin = 0;
    LazyOp op = LazyOp::kLogic;
    switch (OP) {
    case AluOp::kAdd: full = a + b; op = LazyOp::kAdd; break;
    case AluOp::kAdc: cin = flag_cf(f); full = a + b + cin; op = LazyOp::kAdc; break;
    case AluOp::kSbb: cin = flag_cf(f); full = a - b - cin; op = LazyOp::kSbb; break;
    case AluOp::kSub:
    case AluOp::kCmp: full = a - b; op = LazyOp::kSub; break;
    case AluOp::kAnd:
    case AluOp::kTest: full = a & b; break;
    case AluOp::kOr: full = a | b; break;
    case AluOp::kXor: full = a ^ b; break;
    }
    return {full & size_mask(S), op, full, a, b, cin};
}

template <unsigned S>
inline void install_flags(X86Cpu& c, const AluResult& x) {
    set_lazy(c.s.arith, x.op, S, x.full, x.a, x.b, x.cin);
}

template <AluOp OP, unsigned S, char D, char K>
void alu(X86Cpu& c, const DecodedInsn& in) {
    constexpr bool writes = OP != AluOp::kCmp && OP != AluOp::kTest;
    if constexpr (D == 'm') {
        uint32_t ea = c.effective_address(in);
        uint32_t a = c.read<S>(in.mem.seg, ea);
        uint32_t b = read_src<S, K>(c, in);
        AluResult x = alu_apply<OP, S>(c.s.arith, a, b);
        // The flags after the store, so that a faulting store leaves EFLAGS untouched.
        if constexpr (writes) c.write<S>(in.mem.seg, ea, x.r);
        install_flags<S>(c, x);
    } else {
        uint32_t b = read_src<S, K>(c, in);
        AluResult x = alu_apply<OP, S>(c.s.arith, c.reg<S>(in.r0), b);
        if constexpr (writes) c.set_reg<S>(in.r0, x.r);
        install_flags<S>(c, x);
    }
}

template <AluOp OP, unsigned S>
Handler pick_alu_kinds(char d, char k) {
    if (d == 'm') return k == 'r' ? &alu<OP, S, 'm', 'r'> : &alu<OP, S, 'm', 'i'>;
    if (k == 'r') return &alu<OP, S, 'r', 'r'>;
    if (k == 'm') return &alu<OP, S, 'r', 'm'>;
    return &alu<OP, S, 'r', 'i'>;
}

template <AluOp OP>
Handler pick_alu(SelectorInput& si) {
    char d = si.kind[0], k = si.kind[1];
    switch (si.insn.opsize) {
    case 1: return pick_alu_kinds<OP, 1>(d, k);
    case 2: return pick_alu_kinds<OP, 2>(d, k);
    default: return pick_alu_kinds<OP, 4>(d, k);
    }
}

Handler sel_alu_add(SelectorInput& si) { return pick_alu<AluOp::kAdd>(si); }
Handler sel_alu_or(SelectorInput& si) { return pick_alu<AluOp::kOr>(si); }
Handler sel_alu_adc(SelectorInput& si) { return pick_alu<AluOp::kAdc>(si); }
Handler sel_alu_sbb(SelectorInput& si) { return pick_alu<AluOp::kSbb>(si); }
Handler sel_alu_and(SelectorInput& si) { return pick_alu<AluOp::kAnd>(si); }
Handler sel_alu_sub(SelectorInput& si) { return pick_alu<AluOp::kSub>(si); }
Handler sel_alu_xor(SelectorInput& si) { return pick_alu<AluOp::kXor>(si); }
Handler sel_alu_cmp(SelectorInput& si) { return pick_alu<AluOp::kCmp>(si); }
Handler sel_alu_test(SelectorInput& si) { return pick_alu<AluOp::kTest>(si); }

// ---- unary -----------------------------------------------------------------------------------

enum class UnOp { kInc, kDec, kNot, kNeg };

template <UnOp OP, unsigned S, char D>
void unary(X86Cpu& c, const DecodedInsn& in) {
    uint32_t ea = D == 'm' ? c.effective_address(in) : 0;
    uint32_t a = D == 'm' ? c.read<S>(in.mem.seg, ea) : c.reg<S>(in.r0);
    uint32_t r;
    switch (OP) {
    case UnOp::kInc: r = a + 1; break;
    case UnOp::kDec: r = a - 1; break;
    case UnOp::kNot: r = ~a; break;
    case UnOp::kNeg: r = 0 - a; break;
    }
    const uint32_t full = r;
    r &= size_mask(S);
    // INC and DEC keep CF: read it before the flags change.
    const uint32_t cf = (OP == UnOp::kInc || OP == UnOp::kDec) ? flag_cf(c.s.arith) : 0;
    if constexpr (D == 'm') c.write<S>(in.mem.seg, ea, r);  // (may fault: flags untouched)
    else c.set_reg<S>(in.r0, r);
    switch (OP) {
    case UnOp::kInc: set_lazy(c.s.arith, LazyOp::kInc, S, full, a, 1, cf); break;
    case UnOp::kDec: set_lazy(c.s.arith, LazyOp::kDec, S, full, a, 1, cf); break;
    case UnOp::kNot: break;  // NOT affects no flags
    case UnOp::kNeg: set_lazy(c.s.arith, LazyOp::kSub, S, full, 0, a); break;
    }
}

template <UnOp OP>
Handler pick_unary(SelectorInput& si) {
    bool m = si.kind[0] == 'm';
    switch (si.insn.opsize) {
    case 1: return m ? &unary<OP, 1, 'm'> : &unary<OP, 1, 'r'>;
    case 2: return m ? &unary<OP, 2, 'm'> : &unary<OP, 2, 'r'>;
    default: return m ? &unary<OP, 4, 'm'> : &unary<OP, 4, 'r'>;
    }
}

Handler sel_inc(SelectorInput& si) { return pick_unary<UnOp::kInc>(si); }
Handler sel_dec(SelectorInput& si) { return pick_unary<UnOp::kDec>(si); }
Handler sel_not_(SelectorInput& si) { return pick_unary<UnOp::kNot>(si); }
Handler sel_neg(SelectorInput& si) { return pick_unary<UnOp::kNeg>(si); }

// ---- multiply and divide ---------------------------------------------------------------------

// Flags after MUL/IMUL: CF=OF as defined; SF ZF PF from the low half and AF clear, as Bochs
// and the P6 leave them (undefined by the SDM). Lazy (LazyOp::kMul), as the shifts: the next
// ALU instruction nearly always replaces them.
inline void set_mul_flags(X86Cpu& c, unsigned size, uint32_t low, bool overflow) {
    set_lazy(c.s.arith, LazyOp::kMul, size, low & size_mask(size), overflow ? 1 : 0, 0);
}

inline uint32_t rm_value(X86Cpu& c, const DecodedInsn& in, unsigned size) {
    if (in.flags & kHasMem) return c.read_sized(size, in.mem.seg, c.effective_address(in));
    return c.reg_sized(size, in.r0);
}

template <unsigned S>
void mul(X86Cpu& c, const DecodedInsn& in) {
    uint64_t b = rm_value(c, in, S);
    if constexpr (S == 1) {
        uint32_t r = (c.s.gpr[EAX] & 0xFF) * uint32_t(b);
        c.set_reg<2>(EAX, r);
        set_mul_flags(c, 1, r, r >> 8);
    } else if constexpr (S == 2) {
        uint32_t r = (c.s.gpr[EAX] & 0xFFFF) * uint32_t(b);
        c.set_reg<2>(EAX, r);
        c.set_reg<2>(EDX, r >> 16);
        set_mul_flags(c, 2, r, r >> 16);
    } else {
        uint64_t r = uint64_t(c.s.gpr[EAX]) * b;
        c.s.gpr[EAX] = uint32_t(r);
        c.s.gpr[EDX] = uint32_t(r >> 32);
        set_mul_flags(c, 4, uint32_t(r), r >> 32);
    }
}

template <unsigned S>
void imul1(X86Cpu& c, const DecodedInsn& in) {
    int64_t b = int32_t(sign_extend(rm_value(c, in, S), S));
    if constexpr (S == 1) {
        int32_t r = int32_t(int8_t(c.s.gpr[EAX])) * int32_t(b);
        c.set_reg<2>(EAX, uint32_t(r));
        set_mul_flags(c, 1, uint32_t(r), r != int8_t(r));
    } else if constexpr (S == 2) {
        int32_t r = int32_t(int16_t(c.s.gpr[EAX])) * int32_t(b);
        c.set_reg<2>(EAX, uint32_t(r));
        c.set_reg<2>(EDX, uint32_t(r) >> 16);
        set_mul_flags(c, 2, uint32_t(r), r != int16_t(r));
    } else {
        int64_t r = int64_t(int32_t(c.s.gpr[EAX])) * b;
        c.s.gpr[EAX] = uint32_t(r);
        c.s.gpr[EDX] = uint32_t(uint64_t(r) >> 32);
        set_mul_flags(c, 4, uint32_t(r), r != int32_t(r));
    }
}

template <unsigned S>
void imul_n(X86Cpu& c, const DecodedInsn& in, int64_t a, int64_t b) {
    int64_t r = a * b;
    bool ovf = S == 2 ? r != int16_t(r) : r != int32_t(r);
    c.set_reg<S>(in.r0, uint32_t(r));
    set_mul_flags(c, S, uint32_t(r), ovf);
}

template <unsigned S>
void imul2(X86Cpu& c, const DecodedInsn& in) {
    uint32_t src = (in.flags & kHasMem) ? c.read<S>(in.mem.seg, c.effective_address(in)) : c.reg<S>(in.r1);
    imul_n<S>(c, in, int32_t(sign_extend(c.reg<S>(in.r0), S)), int32_t(sign_extend(src, S)));
}

template <unsigned S>
void imul3(X86Cpu& c, const DecodedInsn& in) {
    uint32_t src = (in.flags & kHasMem) ? c.read<S>(in.mem.seg, c.effective_address(in)) : c.reg<S>(in.r1);
    imul_n<S>(c, in, int32_t(sign_extend(src, S)), int32_t(sign_extend(in.imm & size_mask(S), S)));
}

template <unsigned S>
void div(X86Cpu& c, const DecodedInsn& in) {
    uint64_t d = rm_value(c, in, S);
    if (d == 0) raise_fault(kDE);
    if constexpr (S == 1) {
        uint32_t n = c.s.gpr[EAX] & 0xFFFF;
        uint32_t q = n / uint32_t(d), r = n % uint32_t(d);
        if (q > 0xFF) raise_fault(kDE);
        c.set_reg<2>(EAX, (r << 8) | q);
    } else if constexpr (S == 2) {
        uint32_t n = ((c.s.gpr[EDX] & 0xFFFF) << 16) | (c.s.gpr[EAX] & 0xFFFF);
        uint32_t q = n / uint32_t(d), r = n % uint32_t(d);
        if (q > 0xFFFF) raise_fault(kDE);
        c.set_reg<2>(EAX, q);
        c.set_reg<2>(EDX, r);
    } else {
        uint64_t n = (uint64_t(c.s.gpr[EDX]) << 32) | c.s.gpr[EAX];
        uint64_t q = n / d, r = n % d;
        if (q > 0xFFFFFFFFull) raise_fault(kDE);
        c.s.gpr[EAX] = uint32_t(q);
        c.s.gpr[EDX] = uint32_t(r);
    }
}

template <unsigned S>
void idiv(X86Cpu& c, const DecodedInsn& in) {
    int64_t d = int32_t(sign_extend(rm_value(c, in, S), S));
    if (d == 0) raise_fault(kDE);
    if constexpr (S == 1) {
        int32_t n = int16_t(c.s.gpr[EAX]);
        int32_t q = n / int32_t(d), r = n % int32_t(d);
        if (q != int8_t(q)) raise_fault(kDE);
        c.set_reg<2>(EAX, ((uint32_t(r) & 0xFF) << 8) | (uint32_t(q) & 0xFF));
    } else if constexpr (S == 2) {
        int32_t n = int32_t((c.s.gpr[EDX] << 16) | (c.s.gpr[EAX] & 0xFFFF));
        int64_t q = int64_t(n) / d, r = int64_t(n) % d;
        if (q != int16_t(q)) raise_fault(kDE);
        c.set_reg<2>(EAX, uint32_t(q));
        c.set_reg<2>(EDX, uint32_t(r));
    } else {
        int64_t n = int64_t((uint64_t(c.s.gpr[EDX]) << 32) | c.s.gpr[EAX]);
        if (n == INT64_MIN && d == -1) raise_fault(kDE);
        int64_t q = n / d, r = n % d;
        if (q != int32_t(q)) raise_fault(kDE);
        c.s.gpr[EAX] = uint32_t(q);
        c.s.gpr[EDX] = uint32_t(r);
    }
}

#define SIZE_SEL(name, fn)                                              \
    Handler sel_##name(SelectorInput& si) {                             \
        return si.insn.opsize == 1 ? &fn<1> : si.insn.opsize == 2 ? &fn<2> : &fn<4>; \
    }
SIZE_SEL(mul, mul)
SIZE_SEL(imul1, imul1)
SIZE_SEL(div, div)
SIZE_SEL(idiv, idiv)
Handler sel_imul2(SelectorInput& si) { return si.insn.opsize == 2 ? &imul2<2> : &imul2<4>; }
Handler sel_imul3(SelectorInput& si) { return si.insn.opsize == 2 ? &imul3<2> : &imul3<4>; }

// ---- BCD (SDM Vol. 2 DAA/DAS/AAA/AAS/AAM/AAD) ------------------------------------------------

static void set_szp(X86Cpu& c, uint32_t v, uint32_t extra) {
    uint32_t fl = parity_flag(v) | extra;
    if ((v & 0xFF) == 0) fl |= ZF;
    if (v & 0x80) fl |= SF;
    set_eager(c.s.arith, fl);
}

static void daa(X86Cpu& c, const DecodedInsn&) {
    uint32_t fl = c.eflags();
    uint32_t al = c.s.gpr[EAX] & 0xFF, old_al = al;
    bool cf = fl & CF, af = false, ncf = false;
    if ((al & 0xF) > 9 || (fl & AF)) {
        // CF also takes the carry out of AL + 6 (SDM Vol. 2A DAA pseudocode).
        ncf = cf || al + 6 > 0xFF;
        al = (al + 6) & 0xFF;
        af = true;
    }
    if (old_al > 0x99 || cf) {
        al += 0x60;
        ncf = true;
    }
    c.set_reg<1>(EAX, al);
    set_szp(c, al & 0xFF, (af ? AF : 0) | (ncf ? CF : 0));
}

static void das(X86Cpu& c, const DecodedInsn&) {
    uint32_t fl = c.eflags();
    uint32_t al = c.s.gpr[EAX] & 0xFF, old_al = al;
    bool cf = fl & CF, af = false, ncf = false;
    if ((al & 0xF) > 9 || (fl & AF)) {
        // CF also takes the borrow out of AL - 6 (SDM Vol. 2A DAS pseudocode).
        ncf = cf || al < 6;
        al = (al - 6) & 0xFF;
        af = true;
    }
    if (old_al > 0x99 || cf) {
        al -= 0x60;
        ncf = true;
    }
    c.set_reg<1>(EAX, al);
    set_szp(c, al & 0xFF, (af ? AF : 0) | (ncf ? CF : 0));
}

static void aaa(X86Cpu& c, const DecodedInsn&) {
    uint32_t fl = c.eflags();
    uint32_t ax = c.s.gpr[EAX] & 0xFFFF;
    bool adj = (ax & 0xF) > 9 || (fl & AF);
    if (adj) ax = ((ax + 0x106) & 0xFF00) | ((ax + 6) & 0xF);
    else ax &= 0xFF0F;
    c.set_reg<2>(EAX, ax);
    set_szp(c, ax & 0xFF, adj ? (AF | CF) : 0);
}

static void aas(X86Cpu& c, const DecodedInsn&) {
    uint32_t fl = c.eflags();
    uint32_t ax = c.s.gpr[EAX] & 0xFFFF;
    bool adj = (ax & 0xF) > 9 || (fl & AF);
    if (adj) ax = ((ax - 0x106) & 0xFF00) | ((ax - 6) & 0xF);
    else ax &= 0xFF0F;
    c.set_reg<2>(EAX, ax);
    set_szp(c, ax & 0xFF, adj ? (AF | CF) : 0);
}

static void aam(X86Cpu& c, const DecodedInsn& in) {
    uint32_t base = in.imm & 0xFF;
    if (base == 0) raise_fault(kDE);
    uint32_t al = c.s.gpr[EAX] & 0xFF;
    uint32_t ax = ((al / base) << 8) | (al % base);
    c.set_reg<2>(EAX, ax);
    set_szp(c, ax & 0xFF, 0);
}

static void aad(X86Cpu& c, const DecodedInsn& in) {
    uint32_t base = in.imm & 0xFF;
    uint32_t ax = c.s.gpr[EAX];
    uint32_t al = ((ax & 0xFF) + ((ax >> 8) & 0xFF) * base) & 0xFF;
    c.set_reg<2>(EAX, al);
    set_szp(c, al, 0);
}

static void cbw(X86Cpu& c, const DecodedInsn& in) {
    if (in.opsize == 2) c.set_reg<2>(EAX, uint32_t(int16_t(int8_t(c.s.gpr[EAX]))));
    else c.s.gpr[EAX] = uint32_t(int32_t(int16_t(c.s.gpr[EAX])));
}

static void cwd(X86Cpu& c, const DecodedInsn& in) {
    if (in.opsize == 2) c.set_reg<2>(EDX, (c.s.gpr[EAX] & 0x8000) ? 0xFFFF : 0);
    else c.s.gpr[EDX] = (c.s.gpr[EAX] & 0x80000000u) ? 0xFFFFFFFFu : 0;
}

Handler sel_daa(SelectorInput&) { return daa; }
Handler sel_das(SelectorInput&) { return das; }
Handler sel_aaa(SelectorInput&) { return aaa; }
Handler sel_aas(SelectorInput&) { return aas; }
Handler sel_aam(SelectorInput&) { return aam; }
Handler sel_aad(SelectorInput&) { return aad; }
Handler sel_cbw(SelectorInput&) { return cbw; }
Handler sel_cwd(SelectorInput&) { return cwd; }

}  // namespace trapeze::x86
