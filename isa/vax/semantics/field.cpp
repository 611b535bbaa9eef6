// Variable-length bit fields and single-bit branches (VAX ARM, chapter "Variable-Length
// Bit Field Instructions"; BBx in "Control Instructions"). A field is (pos.rl, size.rb,
// base.vb): in memory it starts at bit pos (signed) from the byte at base; in a register it is
// bits pos.. of Rn (and Rn+1 above bit 31). size > 32 is a reserved operand; a register field
// with pos > 31 is a reserved operand when size is not zero.
#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax::sem {

namespace {

using L = uint32_t;

struct Field {
    const Operand* base;
    uint32_t pos;
    unsigned size;
};

uint64_t size_mask(unsigned size) { return size >= 64 ? ~uint64_t{0} : (uint64_t{1} << size) - 1; }

Field field(VaxCpu& c, const Insn& in, int pos_i, int size_i, int base_i) {
    Field f{&in.op[base_i], val<L>(in, pos_i), static_cast<unsigned>(in.op[size_i].value & 0xFF)};
    if (f.size > 32) c.reserved_operand();
    if (f.size && f.base->kind == Operand::kRegister && f.pos > 31) c.reserved_operand();
    return f;
}

uint32_t get_field(VaxCpu& c, const Field& f) {
    if (f.size == 0) return 0;
    if (f.base->kind == Operand::kRegister) {
        uint64_t v = c.r[f.base->reg] | (uint64_t{c.r[(f.base->reg + 1) & 15]} << 32);
        return static_cast<uint32_t>((v >> f.pos) & size_mask(f.size));
    }
    uint32_t addr = f.base->addr + static_cast<uint32_t>(static_cast<int32_t>(f.pos) >> 3);
    unsigned bit = f.pos & 7;
    unsigned nbytes = (bit + f.size + 7) / 8;
    uint64_t v = 0;
    for (unsigned i = 0; i < nbytes; ++i) v |= uint64_t{c.read(addr + i, 1)} << (8 * i);
    return static_cast<uint32_t>((v >> bit) & size_mask(f.size));
}

void put_field(VaxCpu& c, const Field& f, uint32_t src) {
    if (f.size == 0) return;
    uint64_t m = size_mask(f.size);
    if (f.base->kind == Operand::kRegister) {
        unsigned n = f.base->reg;
        uint64_t v = c.r[n] | (uint64_t{c.r[(n + 1) & 15]} << 32);
        v = (v & ~(m << f.pos)) | ((uint64_t{src} & m) << f.pos);
        c.r[n] = static_cast<uint32_t>(v);
        if (f.pos + f.size > 32) c.r[(n + 1) & 15] = static_cast<uint32_t>(v >> 32);
        return;
    }
    uint32_t addr = f.base->addr + static_cast<uint32_t>(static_cast<int32_t>(f.pos) >> 3);
    unsigned bit = f.pos & 7;
    unsigned nbytes = (bit + f.size + 7) / 8;
    uint64_t v = 0;
    for (unsigned i = 0; i < nbytes; ++i) v |= uint64_t{c.read(addr + i, 1)} << (8 * i);
    v = (v & ~(m << bit)) | ((uint64_t{src} & m) << bit);
    c.probe_write(addr, nbytes);
    for (unsigned i = 0; i < nbytes; ++i) c.write(addr + i, 1, static_cast<uint32_t>(v >> (8 * i)) & 0xFF);
}

uint32_t sign_extend(uint32_t v, unsigned size) {
    if (size == 0 || size >= 32) return v;
    uint32_t sign = 1u << (size - 1);
    return (v ^ sign) - sign;
}

template <bool kSigned> void ext(VaxCpu& c, Insn& in) {
    Field f = field(c, in, 0, 1, 2);
    uint32_t v = get_field(c, f);
    if (kSigned) v = sign_extend(v, f.size);
    put(c, in, 3, v);
    set_nz_keep_c(c, nz(v));  // V 0, C unchanged (EHKAA checks C)
}

template <bool kSigned> void cmpv(VaxCpu& c, Insn& in) {
    Field f = field(c, in, 0, 1, 2);
    uint32_t v = get_field(c, f);
    if (kSigned) v = sign_extend(v, f.size);
    c.set_cc(cmp_flags<L>(v, val<L>(in, 3)));
}

void insv(VaxCpu& c, Insn& in) {
    Field f = field(c, in, 1, 2, 3);
    put_field(c, f, val<L>(in, 0));
}

// FFS/FFC startpos.rl, size.rb, base.vb, findpos.wl: Z when no bit was found (findpos =
// startpos + size).
template <bool kSet> void ff(VaxCpu& c, Insn& in) {
    Field f = field(c, in, 0, 1, 2);
    uint32_t v = get_field(c, f);
    if (!kSet) v = ~v;
    unsigned i = 0;
    while (i < f.size && !(v & (1u << i))) ++i;
    put(c, in, 3, f.pos + i);
    c.psl = (c.psl & ~psl::CC) | (i == f.size ? psl::Z : 0);
}

// BBx pos.rl, base.vb, displ.bb: test one bit, optionally set or clear it; CC kept.
// kOp: 0 test only, 1 set, 2 clear.
template <bool kBranchIfSet, int kOp> void bb(VaxCpu& c, Insn& in) {
    const Operand& base = in.op[1];
    uint32_t pos = val<L>(in, 0);
    bool bit;
    if (base.kind == Operand::kRegister) {
        if (pos > 31) c.reserved_operand();
        bit = (c.r[base.reg] >> pos) & 1;
        if (kOp == 1) c.r[base.reg] |= 1u << pos;
        if (kOp == 2) c.r[base.reg] &= ~(1u << pos);
    } else {
        uint32_t addr = base.addr + static_cast<uint32_t>(static_cast<int32_t>(pos) >> 3);
        uint32_t byte = c.read(addr, 1);
        bit = (byte >> (pos & 7)) & 1;
        if (kOp == 1) c.write(addr, 1, byte | (1u << (pos & 7)));
        if (kOp == 2) c.write(addr, 1, byte & ~(1u << (pos & 7)));
    }
    if (bit == kBranchIfSet) branch(in, 2);
}

#define R(name, fn) Row{OpcodeId::name, fn}
const Row kRows[] = {
    R(EXTV, ext<true>), R(EXTZV, ext<false>), R(CMPV, cmpv<true>), R(CMPZV, cmpv<false>), R(INSV, insv),
    R(FFS, ff<true>), R(FFC, ff<false>),
    R(BBS, (bb<true, 0>)), R(BBC, (bb<false, 0>)), R(BBSS, (bb<true, 1>)), R(BBCS, (bb<false, 1>)),
    R(BBSC, (bb<true, 2>)), R(BBCC, (bb<false, 2>)), R(BBSSI, (bb<true, 1>)), R(BBCCI, (bb<false, 2>)),
};
#undef R

}  // namespace

std::span<const Row> field_rows() { return kRows; }

}  // namespace trapeze::vax::sem
