// F, D and G floating-point instructions (VAX ARM, chapter "Floating-Point Instructions"),
// on the arithmetic of vax_float.h. A reserved operand (sign 1, exponent 0) in any source is
// a reserved operand fault. Floating overflow, divide by zero and (with PSL<FU>) underflow are
// faults on the CVAX (arithmetic exception codes 8, 9, 10) that leave the destination
// unchanged; an underflow with PSL<FU> clear stores 0. Arithmetic results set N and Z, clear
// V and C.
#include "isa/vax/semantics/semantics.h"
#include "isa/vax/vax_float.h"

namespace trapeze::vax::sem {

namespace {

using fp::Fmt;
using fp::Unpacked;

template <Fmt F> Unpacked get(VaxCpu& c, const Insn& in, int i) {
    Unpacked u;
    if (!fp::unpack(F, in.op[i].value, u)) c.reserved_operand();
    return u;
}

template <Fmt F> Unpacked get_bits(VaxCpu& c, uint64_t bits) {
    Unpacked u;
    if (!fp::unpack(F, bits, u)) c.reserved_operand();
    return u;
}

// Round and pack, taking the faults of the result.
template <Fmt F> uint64_t encode(VaxCpu& c, const Unpacked& u) {
    uint64_t bits = 0;
    switch (fp::pack(F, u, bits)) {
    case fp::Status::ok: return bits;
    case fp::Status::overflow: c.arithmetic_fault(arith::kFloatOverflowFault);
    case fp::Status::underflow:
        if (c.psl & psl::FU) c.arithmetic_fault(arith::kFloatUnderflowFault);
        return 0;
    default: c.reserved_operand();
    }
}

uint32_t fnz(uint64_t bits, Fmt f) {
    // N from the sign bit, Z when the exponent is zero (the value is zero).
    uint32_t w0 = static_cast<uint32_t>(bits & 0xFFFF);
    uint32_t exp_mask = f == Fmt::G ? 0x7FF0 : 0x7F80;
    return ((w0 & 0x8000) ? psl::N : 0) | ((w0 & exp_mask) == 0 ? psl::Z : 0);
}

template <Fmt F> void result(VaxCpu& c, Insn& in, int dst, const Unpacked& u) {
    uint64_t bits = encode<F>(c, u);
    put(c, in, dst, bits);
    c.set_cc(fnz(bits, F));
}

template <Fmt F> void add2(VaxCpu& c, Insn& in) { result<F>(c, in, 1, fp::add(get<F>(c, in, 1), get<F>(c, in, 0))); }
template <Fmt F> void add3(VaxCpu& c, Insn& in) { result<F>(c, in, 2, fp::add(get<F>(c, in, 1), get<F>(c, in, 0))); }
template <Fmt F> void sub2(VaxCpu& c, Insn& in) {
    result<F>(c, in, 1, fp::add(get<F>(c, in, 1), fp::negate(get<F>(c, in, 0))));
}
template <Fmt F> void sub3(VaxCpu& c, Insn& in) {
    result<F>(c, in, 2, fp::add(get<F>(c, in, 1), fp::negate(get<F>(c, in, 0))));
}
template <Fmt F> void mul2(VaxCpu& c, Insn& in) { result<F>(c, in, 1, fp::mul(get<F>(c, in, 1), get<F>(c, in, 0))); }
template <Fmt F> void mul3(VaxCpu& c, Insn& in) { result<F>(c, in, 2, fp::mul(get<F>(c, in, 1), get<F>(c, in, 0))); }
template <Fmt F> Unpacked divide(VaxCpu& c, const Unpacked& divd, const Unpacked& divr) {
    if (divr.zero) c.arithmetic_fault(arith::kFloatDivideByZeroFault);
    return fp::div(divd, divr);
}
template <Fmt F> void div2(VaxCpu& c, Insn& in) {
    Unpacked divr = get<F>(c, in, 0), divd = get<F>(c, in, 1);
    result<F>(c, in, 1, divide<F>(c, divd, divr));
}
template <Fmt F> void div3(VaxCpu& c, Insn& in) {
    Unpacked divr = get<F>(c, in, 0), divd = get<F>(c, in, 1);
    result<F>(c, in, 2, divide<F>(c, divd, divr));
}

// MOV: N Z, V 0, C kept.
template <Fmt F> void mov(VaxCpu& c, Insn& in) {
    uint64_t bits = encode<F>(c, get<F>(c, in, 0));
    put(c, in, 1, bits);
    c.psl = (c.psl & ~(psl::N | psl::Z | psl::V)) | fnz(bits, F);
}
template <Fmt F> void mneg(VaxCpu& c, Insn& in) { result<F>(c, in, 1, fp::negate(get<F>(c, in, 0))); }
template <Fmt F> void tst(VaxCpu& c, Insn& in) {
    Unpacked u = get<F>(c, in, 0);
    c.set_cc((u.zero ? psl::Z : 0) | (!u.zero && u.neg ? psl::N : 0));
}
template <Fmt F> void cmp(VaxCpu& c, Insn& in) {
    int r = fp::compare(get<F>(c, in, 0), get<F>(c, in, 1));
    c.set_cc(r < 0 ? psl::N : r == 0 ? psl::Z : 0);
}

// CVT float -> integer of `kBits`; V (integer overflow trap if IV) when it does not fit.
template <Fmt F, int kBits, bool kRound> void cvt_to_int(VaxCpu& c, Insn& in) {
    bool ovf = false;
    int64_t v = fp::to_int(get<F>(c, in, 0), kRound, kBits, ovf);
    uint64_t mask = (uint64_t{1} << kBits) - 1;
    uint64_t r = static_cast<uint64_t>(v) & mask;
    put(c, in, 1, r);
    uint32_t f = 0;
    if (r == 0) f |= psl::Z;
    if (r >> (kBits - 1)) f |= psl::N;
    c.set_cc(f);
    c.set_overflow(ovf);
}

template <Fmt F, typename T> void cvt_from_int(VaxCpu& c, Insn& in) {
    int64_t v = static_cast<Signed<T>>(static_cast<T>(in.op[0].value));
    result<F>(c, in, 1, fp::from_int(v));
}

template <Fmt S, Fmt D> void cvt_float(VaxCpu& c, Insn& in) { result<D>(c, in, 1, get<S>(c, in, 0)); }

// ACBx limit, add, index.mx, displ.bw (floating): index = index + add rounded; N Z V 0,
// C kept; branch while index <= limit (add >= 0) or index >= limit (add < 0).
template <Fmt F> void acb(VaxCpu& c, Insn& in) {
    Unpacked limit = get<F>(c, in, 0), add = get<F>(c, in, 1), index = get<F>(c, in, 2);
    uint64_t bits = encode<F>(c, fp::add(index, add));
    put(c, in, 2, bits);
    c.psl = (c.psl & ~(psl::N | psl::Z | psl::V)) | fnz(bits, F);
    Unpacked n = get_bits<F>(c, bits);
    int r = fp::compare(n, limit);
    bool taken = (add.zero || !add.neg) ? r <= 0 : r >= 0;
    if (taken) branch(in, 3);
}

// EMODx mulr, mulrx, muld, int.wl, fract.wx: the product of the extended multiplier and muld,
// split into its integer part (V when it does not fit in a longword) and its fraction.
template <Fmt F, int kExtBits> void emod(VaxCpu& c, Insn& in) {
    Unpacked mulr = get<F>(c, in, 0), muld = get<F>(c, in, 2);
    uint32_t ext = static_cast<uint32_t>(in.op[1].value);
    if (kExtBits == 11) ext >>= 5;  // EMODG: the extension is mulrx<15:5>
    Unpacked p = fp::mul_extended(mulr, ext & ((1u << kExtBits) - 1), kExtBits, F, muld);
    int64_t ip = 0;
    bool ovf = false;
    Unpacked frac;
    fp::split(p, ip, ovf, frac);
    uint64_t fbits = encode<F>(c, frac);
    put(c, in, 3, static_cast<uint32_t>(ip));
    put(c, in, 4, fbits);
    c.set_cc(fnz(fbits, F));
    c.set_overflow(ovf);
}

// POLYx arg, degree.rw, tbladdr.ab: Horner's rule over degree+1 coefficients, highest order
// first; each step rounded. Degree > 31 is a reserved operand. R0 (R0:R1) = result, other
// registers as the ARM gives: R1/R2 = 0, R3 = address past the table, R4 = R5 = 0 for D/G.
template <Fmt F> void poly(VaxCpu& c, Insn& in) {
    Unpacked x = get<F>(c, in, 0);
    uint32_t degree = in.op[1].value & 0xFFFF;
    if (degree > 31) c.reserved_operand();
    uint32_t tbl = in.op[2].addr;
    constexpr unsigned kSize = F == Fmt::F ? 4 : 8;
    auto coef = [&](uint32_t a) {
        uint64_t bits = kSize == 4 ? c.read(a, 4) : c.read64(a);
        return get_bits<F>(c, bits);
    };
    Unpacked r = coef(tbl);
    uint64_t bits = encode<F>(c, r);
    for (uint32_t i = 1; i <= degree; ++i) {
        Unpacked prod = get_bits<F>(c, encode<F>(c, fp::mul(get_bits<F>(c, bits), x)));
        bits = encode<F>(c, fp::add(prod, coef(tbl + kSize * i)));
    }
    c.r[0] = static_cast<uint32_t>(bits);
    if (kSize == 8) {
        c.r[1] = static_cast<uint32_t>(bits >> 32);
        c.r[2] = 0;
        c.r[4] = 0;
        c.r[5] = 0;
    } else {
        c.r[1] = 0;
        c.r[2] = 0;
    }
    c.r[3] = tbl + kSize * (degree + 1);
    c.set_cc(fnz(bits, F));
}

constexpr Fmt kF = Fmt::F, kD = Fmt::D, kG = Fmt::G;
using B = uint8_t;
using W = uint16_t;
using L = uint32_t;

#define R(name, ...) Row{OpcodeId::name, __VA_ARGS__}
const Row kRows[] = {
    R(ADDF2, add2<kF>), R(ADDF3, add3<kF>), R(SUBF2, sub2<kF>), R(SUBF3, sub3<kF>),
    R(MULF2, mul2<kF>), R(MULF3, mul3<kF>), R(DIVF2, div2<kF>), R(DIVF3, div3<kF>),
    R(CVTFB, cvt_to_int<kF, 8, false>), R(CVTFW, cvt_to_int<kF, 16, false>), R(CVTFL, cvt_to_int<kF, 32, false>),
    R(CVTRFL, cvt_to_int<kF, 32, true>), R(CVTBF, cvt_from_int<kF, B>), R(CVTWF, cvt_from_int<kF, W>),
    R(CVTLF, cvt_from_int<kF, L>), R(ACBF, acb<kF>), R(MOVF, mov<kF>), R(CMPF, cmp<kF>), R(MNEGF, mneg<kF>),
    R(TSTF, tst<kF>), R(EMODF, emod<kF, 8>), R(POLYF, poly<kF>), R(CVTFD, cvt_float<kF, kD>),
    R(ADDD2, add2<kD>), R(ADDD3, add3<kD>), R(SUBD2, sub2<kD>), R(SUBD3, sub3<kD>),
    R(MULD2, mul2<kD>), R(MULD3, mul3<kD>), R(DIVD2, div2<kD>), R(DIVD3, div3<kD>),
    R(CVTDB, cvt_to_int<kD, 8, false>), R(CVTDW, cvt_to_int<kD, 16, false>), R(CVTDL, cvt_to_int<kD, 32, false>),
    R(CVTRDL, cvt_to_int<kD, 32, true>), R(CVTBD, cvt_from_int<kD, B>), R(CVTWD, cvt_from_int<kD, W>),
    R(CVTLD, cvt_from_int<kD, L>), R(ACBD, acb<kD>), R(MOVD, mov<kD>), R(CMPD, cmp<kD>), R(MNEGD, mneg<kD>),
    R(TSTD, tst<kD>), R(EMODD, emod<kD, 8>), R(POLYD, poly<kD>), R(CVTDF, cvt_float<kD, kF>),
    R(ADDG2, add2<kG>), R(ADDG3, add3<kG>), R(SUBG2, sub2<kG>), R(SUBG3, sub3<kG>),
    R(MULG2, mul2<kG>), R(MULG3, mul3<kG>), R(DIVG2, div2<kG>), R(DIVG3, div3<kG>),
    R(CVTGB, cvt_to_int<kG, 8, false>), R(CVTGW, cvt_to_int<kG, 16, false>), R(CVTGL, cvt_to_int<kG, 32, false>),
    R(CVTRGL, cvt_to_int<kG, 32, true>), R(CVTBG, cvt_from_int<kG, B>), R(CVTWG, cvt_from_int<kG, W>),
    R(CVTLG, cvt_from_int<kG, L>), R(ACBG, acb<kG>), R(MOVG, mov<kG>), R(CMPG, cmp<kG>), R(MNEGG, mneg<kG>),
    R(TSTG, tst<kG>), R(EMODG, emod<kG, 11>), R(POLYG, poly<kG>), R(CVTGF, cvt_float<kG, kF>),
    R(CVTFG, cvt_float<kF, kG>),
};
#undef R

}  // namespace

std::span<const Row> float_rows() { return kRows; }

}  // namespace trapeze::vax::sem
