// Integer arithmetic and logical instructions, moves, conversions, shifts, extended
// multiply/divide, address instructions (VAX ARM, chapters "Integer Arithmetic and Logical
// Instructions" and "Address Instructions").
#include <array>

#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax::sem {

namespace {

using B = uint8_t;
using W = uint16_t;
using L = uint32_t;

template <typename T>
T add_cc(VaxCpu& c, T a, T b) {
    T r = static_cast<T>(a + b);
    uint32_t f = nz(r) | (r < a ? psl::C : 0);
    c.psl = (c.psl & ~psl::CC) | f;
    c.set_overflow(((a ^ r) & (b ^ r) & kSign<T>) != 0);
    return r;
}

// min - sub
template <typename T>
T sub_cc(VaxCpu& c, T min, T sub) {
    T r = static_cast<T>(min - sub);
    uint32_t f = nz(r) | (sub > min ? psl::C : 0);
    c.psl = (c.psl & ~psl::CC) | f;
    c.set_overflow(((min ^ sub) & (min ^ r) & kSign<T>) != 0);
    return r;
}

template <typename T>
T mul_cc(VaxCpu& c, T a, T b) {
    int64_t p = int64_t{static_cast<Signed<T>>(a)} * int64_t{static_cast<Signed<T>>(b)};
    T r = static_cast<T>(p);
    c.psl = (c.psl & ~psl::CC) | nz(r);
    c.set_overflow(p != int64_t{static_cast<Signed<T>>(r)});
    return r;
}

// divd / divr. Divide by zero: quotient = dividend, V, divide-by-zero trap (always).
// Most negative / -1: quotient = dividend, V (integer overflow trap if IV).
template <typename T>
T div_cc(VaxCpu& c, T divr, T divd) {
    using S = Signed<T>;
    S d = static_cast<S>(divd), v = static_cast<S>(divr);
    if (v == 0) {
        c.psl = (c.psl & ~psl::CC) | nz(divd) | psl::V;
        c.request_trap(arith::kIntegerDivideByZero);
        return divd;
    }
    if (d == static_cast<S>(kSign<T>) && v == -1) {
        c.psl = (c.psl & ~psl::CC) | nz(divd);
        c.set_overflow(true);
        return divd;
    }
    T r = static_cast<T>(static_cast<S>(d / v));
    c.psl = (c.psl & ~psl::CC) | nz(r);
    return r;
}

template <typename T> void add2(VaxCpu& c, Insn& in) { put(c, in, 1, add_cc<T>(c, val<T>(in, 1), val<T>(in, 0))); }
template <typename T> void add3(VaxCpu& c, Insn& in) { put(c, in, 2, add_cc<T>(c, val<T>(in, 1), val<T>(in, 0))); }
template <typename T> void sub2(VaxCpu& c, Insn& in) { put(c, in, 1, sub_cc<T>(c, val<T>(in, 1), val<T>(in, 0))); }
template <typename T> void sub3(VaxCpu& c, Insn& in) { put(c, in, 2, sub_cc<T>(c, val<T>(in, 1), val<T>(in, 0))); }
template <typename T> void mul2(VaxCpu& c, Insn& in) { put(c, in, 1, mul_cc<T>(c, val<T>(in, 1), val<T>(in, 0))); }
template <typename T> void mul3(VaxCpu& c, Insn& in) { put(c, in, 2, mul_cc<T>(c, val<T>(in, 1), val<T>(in, 0))); }
template <typename T> void div2(VaxCpu& c, Insn& in) { put(c, in, 1, div_cc<T>(c, val<T>(in, 0), val<T>(in, 1))); }
template <typename T> void div3(VaxCpu& c, Insn& in) { put(c, in, 2, div_cc<T>(c, val<T>(in, 0), val<T>(in, 1))); }

template <typename T> void logic_result(VaxCpu& c, Insn& in, int dst, T r) {
    set_nz_keep_c(c, nz(r));
    put(c, in, dst, r);
}
template <typename T> void bis2(VaxCpu& c, Insn& in) { logic_result<T>(c, in, 1, val<T>(in, 1) | val<T>(in, 0)); }
template <typename T> void bis3(VaxCpu& c, Insn& in) { logic_result<T>(c, in, 2, val<T>(in, 1) | val<T>(in, 0)); }
template <typename T> void bic2(VaxCpu& c, Insn& in) { logic_result<T>(c, in, 1, val<T>(in, 1) & ~val<T>(in, 0)); }
template <typename T> void bic3(VaxCpu& c, Insn& in) { logic_result<T>(c, in, 2, val<T>(in, 1) & ~val<T>(in, 0)); }
template <typename T> void xor2(VaxCpu& c, Insn& in) { logic_result<T>(c, in, 1, val<T>(in, 1) ^ val<T>(in, 0)); }
template <typename T> void xor3(VaxCpu& c, Insn& in) { logic_result<T>(c, in, 2, val<T>(in, 1) ^ val<T>(in, 0)); }

// MNEG: 0 - src; V for the most negative number (its negation does not fit), C = result != 0.
template <typename T> void mneg(VaxCpu& c, Insn& in) { put(c, in, 1, sub_cc<T>(c, T{0}, val<T>(in, 0))); }
template <typename T> void mcom(VaxCpu& c, Insn& in) {
    T r = static_cast<T>(~val<T>(in, 0));
    set_nz_keep_c(c, nz(r));  // MCOM: V 0, C unchanged
    put(c, in, 1, r);
}
template <typename T> void cmp(VaxCpu& c, Insn& in) { c.set_cc(cmp_flags<T>(val<T>(in, 0), val<T>(in, 1))); }
template <typename T> void bit(VaxCpu& c, Insn& in) { set_nz_keep_c(c, nz<T>(val<T>(in, 0) & val<T>(in, 1))); }
template <typename T> void clr(VaxCpu& c, Insn& in) {
    put(c, in, 0, 0);
    c.psl = (c.psl & ~(psl::N | psl::V)) | psl::Z;
}
template <typename T> void tst(VaxCpu& c, Insn& in) { set_nz_clear_vc(c, nz(val<T>(in, 0))); }
template <typename T> void inc(VaxCpu& c, Insn& in) { put(c, in, 0, add_cc<T>(c, val<T>(in, 0), T{1})); }
template <typename T> void dec(VaxCpu& c, Insn& in) { put(c, in, 0, sub_cc<T>(c, val<T>(in, 0), T{1})); }
template <typename T> void mov(VaxCpu& c, Insn& in) {
    T v = val<T>(in, 0);
    put(c, in, 1, v);
    set_nz_keep_c(c, nz(v));
}
void movq(VaxCpu& c, Insn& in) {
    uint64_t v = in.op[0].value;
    put(c, in, 1, v);
    set_nz_keep_c(c, nz(v));
}
void clrq(VaxCpu& c, Insn& in) {
    put(c, in, 0, 0);
    c.psl = (c.psl & ~(psl::N | psl::V)) | psl::Z;
}
// MOVZ: zero-extend; N 0, Z, V 0, C kept.
template <typename S, typename D> void movz(VaxCpu& c, Insn& in) {
    D v = static_cast<D>(val<S>(in, 0));
    put(c, in, 1, v);
    set_nz_keep_c(c, nz(v));
}
// CVT between integer sizes: sign-extend the source, truncate to the destination; V when the
// value does not fit; C 0.
template <typename S, typename D> void cvt(VaxCpu& c, Insn& in) {
    int64_t v = static_cast<Signed<S>>(val<S>(in, 0));
    D r = static_cast<D>(v);
    c.psl = (c.psl & ~psl::CC) | nz(r);
    put(c, in, 1, r);
    c.set_overflow(int64_t{static_cast<Signed<D>>(r)} != v);
}

template <unsigned kSize> void mova(VaxCpu& c, Insn& in) {
    uint32_t a = in.op[0].addr;
    put(c, in, 1, a);
    set_nz_keep_c(c, nz(a));
}
void pusha(VaxCpu& c, Insn& in) {
    uint32_t a = in.op[0].addr;
    c.push(a);
    set_nz_keep_c(c, nz(a));
}
void pushl(VaxCpu& c, Insn& in) {
    uint32_t v = val<L>(in, 0);
    c.push(v);
    set_nz_keep_c(c, nz(v));
}

void rotl(VaxCpu& c, Insn& in) {
    unsigned n = val<B>(in, 0) & 31;
    L s = val<L>(in, 1);
    L r = n ? (s << n) | (s >> (32 - n)) : s;
    put(c, in, 2, r);
    set_nz_keep_c(c, nz(r));
}

// ASHL/ASHQ: count is a signed byte; left shifts set V when bits unequal to the result's sign
// are lost; right shifts are arithmetic.
template <typename T> void ash(VaxCpu& c, Insn& in) {
    using S = Signed<T>;
    constexpr int kBits = sizeof(T) * 8;
    int cnt = static_cast<int8_t>(val<B>(in, 0));
    T src = val<T>(in, 1);
    T r;
    bool v = false;
    if (cnt >= 0) {
        if (cnt >= kBits) {
            r = 0;
            v = src != 0;
        } else {
            r = static_cast<T>(src << cnt);
            v = static_cast<T>(static_cast<S>(r) >> cnt) != src;
        }
    } else {
        int n = -cnt;
        if (n >= kBits) r = static_cast<S>(src) < 0 ? static_cast<T>(~T{0}) : T{0};
        else r = static_cast<T>(static_cast<S>(src) >> n);
    }
    c.psl = (c.psl & ~psl::CC) | nz(r);
    put(c, in, 2, r);
    c.set_overflow(v);
}

void emul(VaxCpu& c, Insn& in) {
    int64_t p = int64_t{static_cast<int32_t>(val<L>(in, 0))} * static_cast<int32_t>(val<L>(in, 1)) +
                static_cast<int32_t>(val<L>(in, 2));
    put(c, in, 3, static_cast<uint64_t>(p));
    set_nz_clear_vc(c, nz(static_cast<uint64_t>(p)));
}

// EDIV divr.rl, divd.rq, quo.wl, rem.wl. Divide by zero or a quotient that does not fit:
// V, quo = divd<31:0>, rem = 0 (SIMH's KA655 behaviour; the ARM leaves them UNPREDICTABLE
// for overflow and specifies them for divide by zero).
void ediv(VaxCpu& c, Insn& in) {
    int64_t divr = static_cast<int32_t>(val<L>(in, 0));
    int64_t divd = static_cast<int64_t>(in.op[1].value);
    if (divr == 0) {
        put(c, in, 2, static_cast<uint32_t>(divd));
        put(c, in, 3, 0);
        c.psl = (c.psl & ~psl::CC) | nz(static_cast<uint32_t>(divd)) | psl::V;
        c.request_trap(arith::kIntegerDivideByZero);
        return;
    }
    __int128 q = static_cast<__int128>(divd) / divr;
    __int128 rem = static_cast<__int128>(divd) % divr;
    if (q > INT32_MAX || q < INT32_MIN) {
        put(c, in, 2, static_cast<uint32_t>(divd));
        put(c, in, 3, 0);
        c.psl = (c.psl & ~psl::CC) | nz(static_cast<uint32_t>(divd));
        c.set_overflow(true);
        return;
    }
    put(c, in, 2, static_cast<uint32_t>(q));
    put(c, in, 3, static_cast<uint32_t>(rem));
    set_nz_clear_vc(c, nz(static_cast<uint32_t>(q)));
}

void adwc(VaxCpu& c, Insn& in) {
    L a = val<L>(in, 0), b = val<L>(in, 1);
    uint64_t s = uint64_t{a} + b + (c.psl & psl::C);
    L r = static_cast<L>(s);
    c.psl = (c.psl & ~psl::CC) | nz(r) | ((s >> 32) ? psl::C : 0);
    put(c, in, 1, r);
    c.set_overflow(((a ^ r) & (b ^ r) & kSign<L>) != 0);
}

// SBWC sub.rl, dif.ml: dif = dif - sub - C.
void sbwc(VaxCpu& c, Insn& in) {
    L sub = val<L>(in, 0), min = val<L>(in, 1);
    uint64_t borrow_in = c.psl & psl::C;
    L r = static_cast<L>(min - sub - borrow_in);
    bool borrow = uint64_t{sub} + borrow_in > min;
    c.psl = (c.psl & ~psl::CC) | nz(r) | (borrow ? psl::C : 0);
    put(c, in, 1, r);
    c.set_overflow(((min ^ sub) & (min ^ r) & kSign<L>) != 0);
}

// ADAWI add.rw, sum.mw: interlocked add; a memory sum must be word-aligned (reserved operand).
void adawi(VaxCpu& c, Insn& in) {
    if (in.op[1].kind == Operand::kMemory && (in.op[1].addr & 1)) c.reserved_operand();
    put(c, in, 1, add_cc<W>(c, val<W>(in, 1), val<W>(in, 0)));
}

// INDEX subscript, low, high, size, indexin, indexout = (indexin + subscript) * size;
// subscript range trap when subscript is outside [low, high].
void index(VaxCpu& c, Insn& in) {
    int32_t sub = static_cast<int32_t>(val<L>(in, 0)), low = static_cast<int32_t>(val<L>(in, 1)),
            high = static_cast<int32_t>(val<L>(in, 2));
    L r = (val<L>(in, 4) + val<L>(in, 0)) * val<L>(in, 3);
    put(c, in, 5, r);
    set_nz_clear_vc(c, nz(r));
    if (sub < low || sub > high) c.request_trap(arith::kSubscriptRange);
}

#define R(name, fn) Row{OpcodeId::name, fn}
const Row kRows[] = {
    R(ADDB2, add2<B>), R(ADDB3, add3<B>), R(ADDW2, add2<W>), R(ADDW3, add3<W>), R(ADDL2, add2<L>), R(ADDL3, add3<L>),
    R(SUBB2, sub2<B>), R(SUBB3, sub3<B>), R(SUBW2, sub2<W>), R(SUBW3, sub3<W>), R(SUBL2, sub2<L>), R(SUBL3, sub3<L>),
    R(MULB2, mul2<B>), R(MULB3, mul3<B>), R(MULW2, mul2<W>), R(MULW3, mul3<W>), R(MULL2, mul2<L>), R(MULL3, mul3<L>),
    R(DIVB2, div2<B>), R(DIVB3, div3<B>), R(DIVW2, div2<W>), R(DIVW3, div3<W>), R(DIVL2, div2<L>), R(DIVL3, div3<L>),
    R(BISB2, bis2<B>), R(BISB3, bis3<B>), R(BISW2, bis2<W>), R(BISW3, bis3<W>), R(BISL2, bis2<L>), R(BISL3, bis3<L>),
    R(BICB2, bic2<B>), R(BICB3, bic3<B>), R(BICW2, bic2<W>), R(BICW3, bic3<W>), R(BICL2, bic2<L>), R(BICL3, bic3<L>),
    R(XORB2, xor2<B>), R(XORB3, xor3<B>), R(XORW2, xor2<W>), R(XORW3, xor3<W>), R(XORL2, xor2<L>), R(XORL3, xor3<L>),
    R(MNEGB, mneg<B>), R(MNEGW, mneg<W>), R(MNEGL, mneg<L>),
    R(MCOMB, mcom<B>), R(MCOMW, mcom<W>), R(MCOML, mcom<L>),
    R(CMPB, cmp<B>), R(CMPW, cmp<W>), R(CMPL, cmp<L>),
    R(BITB, bit<B>), R(BITW, bit<W>), R(BITL, bit<L>),
    R(CLRB, clr<B>), R(CLRW, clr<W>), R(CLRL, clr<L>), R(CLRQ, clrq),
    R(TSTB, tst<B>), R(TSTW, tst<W>), R(TSTL, tst<L>),
    R(INCB, inc<B>), R(INCW, inc<W>), R(INCL, inc<L>),
    R(DECB, dec<B>), R(DECW, dec<W>), R(DECL, dec<L>),
    R(MOVB, mov<B>), R(MOVW, mov<W>), R(MOVL, mov<L>), R(MOVQ, movq),
    R(MOVZBW, (movz<B, W>)), R(MOVZBL, (movz<B, L>)), R(MOVZWL, (movz<W, L>)),
    R(CVTBW, (cvt<B, W>)), R(CVTBL, (cvt<B, L>)), R(CVTWB, (cvt<W, B>)), R(CVTWL, (cvt<W, L>)),
    R(CVTLB, (cvt<L, B>)), R(CVTLW, (cvt<L, W>)),
    R(MOVAB, mova<1>), R(MOVAW, mova<2>), R(MOVAL, mova<4>), R(MOVAQ, mova<8>),
    R(PUSHAB, pusha), R(PUSHAW, pusha), R(PUSHAL, pusha), R(PUSHAQ, pusha), R(PUSHL, pushl),
    R(ROTL, rotl), R(ASHL, ash<L>), R(ASHQ, ash<uint64_t>),
    R(EMUL, emul), R(EDIV, ediv), R(ADWC, adwc), R(SBWC, sbwc), R(ADAWI, adawi), R(INDEX, index),
};
#undef R

}  // namespace

std::span<const Row> integer_rows() { return kRows; }

}  // namespace trapeze::vax::sem
