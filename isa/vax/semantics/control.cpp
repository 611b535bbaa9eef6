// Branch, jump, subroutine, CASE and loop instructions (VAX ARM, chapter "Control
// Instructions").
#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax::sem {

namespace {

using B = uint8_t;
using W = uint16_t;
using L = uint32_t;

template <bool (*kCond)(uint32_t)> void bcond(VaxCpu& c, Insn& in) {
    if (kCond(c.psl)) branch(in, 0);
}
bool c_neq(uint32_t p) { return !(p & psl::Z); }
bool c_eql(uint32_t p) { return p & psl::Z; }
bool c_gtr(uint32_t p) { return !(p & (psl::N | psl::Z)); }
bool c_leq(uint32_t p) { return p & (psl::N | psl::Z); }
bool c_geq(uint32_t p) { return !(p & psl::N); }
bool c_lss(uint32_t p) { return p & psl::N; }
bool c_gtru(uint32_t p) { return !(p & (psl::C | psl::Z)); }
bool c_lequ(uint32_t p) { return p & (psl::C | psl::Z); }
bool c_vc(uint32_t p) { return !(p & psl::V); }
bool c_vs(uint32_t p) { return p & psl::V; }
bool c_gequ(uint32_t p) { return !(p & psl::C); }
bool c_lssu(uint32_t p) { return p & psl::C; }

void br(VaxCpu&, Insn& in) { branch(in, 0); }
void jmp(VaxCpu&, Insn& in) { in.next_pc = in.op[0].addr; }
void bsb(VaxCpu& c, Insn& in) {
    c.push(in.next_pc);
    branch(in, 0);
}
void jsb(VaxCpu& c, Insn& in) {
    uint32_t target = in.op[0].addr;
    c.push(in.next_pc);
    in.next_pc = target;
}
void rsb(VaxCpu& c, Insn& in) { in.next_pc = c.pop(); }

void blbs(VaxCpu&, Insn& in) {
    if (in.op[0].value & 1) branch(in, 1);
}
void blbc(VaxCpu&, Insn& in) {
    if (!(in.op[0].value & 1)) branch(in, 1);
}

// CASEx selector, base, limit, displ[0..limit]: tmp = selector - base; CC as CMPx tmp, limit;
// branch through the word table when tmp <= limit (unsigned), else fall past the table.
template <typename T> void casex(VaxCpu& c, Insn& in) {
    T tmp = static_cast<T>(val<T>(in, 0) - val<T>(in, 1));
    T limit = val<T>(in, 2);
    c.set_cc(cmp_flags<T>(tmp, limit));
    uint32_t table = in.pc + in.d->length;
    if (tmp <= limit) {
        in.next_pc = table + sext16(c.read(table + 2u * tmp, 2));
    } else {
        in.next_pc = table + 2u * (uint32_t{limit} + 1);
    }
}

// ACBx limit, add, index.mx, displ.bw: index += add (N Z V; C kept); branch while
// index <= limit (add >= 0) or index >= limit (add < 0), signed.
template <typename T> void acb(VaxCpu& c, Insn& in) {
    using S = Signed<T>;
    T limit = val<T>(in, 0), add = val<T>(in, 1), index = val<T>(in, 2);
    T r = static_cast<T>(index + add);
    bool v = ((index ^ r) & (add ^ r) & kSign<T>) != 0;
    c.psl = (c.psl & ~(psl::N | psl::Z | psl::V)) | nz(r);
    put(c, in, 2, r);
    bool taken = static_cast<S>(add) >= 0 ? static_cast<S>(r) <= static_cast<S>(limit)
                                          : static_cast<S>(r) >= static_cast<S>(limit);
    if (taken) branch(in, 3);
    c.set_overflow(v);
}

template <bool kLeq> void aob(VaxCpu& c, Insn& in) {
    L limit = val<L>(in, 0), index = val<L>(in, 1);
    L r = index + 1;
    c.psl = (c.psl & ~(psl::N | psl::Z | psl::V)) | nz(r);
    put(c, in, 1, r);
    bool taken = kLeq ? static_cast<int32_t>(r) <= static_cast<int32_t>(limit)
                      : static_cast<int32_t>(r) < static_cast<int32_t>(limit);
    if (taken) branch(in, 2);
    c.set_overflow(r == 0x80000000u);
}

template <bool kGtr> void sob(VaxCpu& c, Insn& in) {
    L index = val<L>(in, 0);
    L r = index - 1;
    c.psl = (c.psl & ~(psl::N | psl::Z | psl::V)) | nz(r);
    put(c, in, 0, r);
    bool taken = kGtr ? static_cast<int32_t>(r) > 0 : static_cast<int32_t>(r) >= 0;
    if (taken) branch(in, 1);
    c.set_overflow(r == 0x7FFFFFFFu);
}

#define R(name, fn) Row{OpcodeId::name, fn}
const Row kRows[] = {
    R(BRB, br), R(BRW, br), R(JMP, jmp), R(BSBB, bsb), R(BSBW, bsb), R(JSB, jsb), R(RSB, rsb),
    R(BNEQ, bcond<c_neq>), R(BEQL, bcond<c_eql>), R(BGTR, bcond<c_gtr>), R(BLEQ, bcond<c_leq>),
    R(BGEQ, bcond<c_geq>), R(BLSS, bcond<c_lss>), R(BGTRU, bcond<c_gtru>), R(BLEQU, bcond<c_lequ>),
    R(BVC, bcond<c_vc>), R(BVS, bcond<c_vs>), R(BGEQU, bcond<c_gequ>), R(BLSSU, bcond<c_lssu>),
    R(BLBS, blbs), R(BLBC, blbc),
    R(CASEB, casex<B>), R(CASEW, casex<W>), R(CASEL, casex<L>),
    R(ACBB, acb<B>), R(ACBW, acb<W>), R(ACBL, acb<L>),
    R(AOBLSS, aob<false>), R(AOBLEQ, aob<true>), R(SOBGEQ, sob<false>), R(SOBGTR, sob<true>),
};
#undef R

}  // namespace

std::span<const Row> control_rows() { return kRows; }

}  // namespace trapeze::vax::sem
