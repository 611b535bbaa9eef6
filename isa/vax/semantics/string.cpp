// Character string instructions the CVAX executes (VAX ARM, chapter "Character String
// Instructions"): MOVC3, MOVC5, CMPC3, CMPC5, LOCC, SKPC, SCANC, SPANC. They run to completion
// here (no interruption with PSL<FPD>); a fault part-way restarts the instruction from its
// saved registers, which gives the same result for non-overlapping operands.
#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax::sem {

namespace {

using W = uint16_t;

void copy_bytes(VaxCpu& c, uint32_t src, uint32_t dst, uint32_t len) {
    if (dst > src && dst < src + len) {  // overlap: copy from the end
        for (uint32_t i = len; i-- > 0;) c.write(dst + i, 1, c.read(src + i, 1));
    } else {
        for (uint32_t i = 0; i < len; ++i) c.write(dst + i, 1, c.read(src + i, 1));
    }
}

// MOVC3 len.rw, srcaddr.ab, dstaddr.ab. R0 = 0, R1 = src end, R2 = 0, R3 = dst end, R4 = R5 = 0;
// N 0, Z 1, V 0, C 0.
void movc3(VaxCpu& c, Insn& in) {
    uint32_t len = val<W>(in, 0), src = in.op[1].addr, dst = in.op[2].addr;
    copy_bytes(c, src, dst, len);
    c.r[0] = 0;
    c.r[1] = src + len;
    c.r[2] = 0;
    c.r[3] = dst + len;
    c.r[4] = 0;
    c.r[5] = 0;
    c.set_cc(psl::Z);
}

// MOVC5 srclen.rw, srcaddr.ab, fill.rb, dstlen.rw, dstaddr.ab. R0 = source bytes not moved,
// R1 = address of the first of them, R2 = 0, R3 = dst end, R4 = R5 = 0; CC as CMPW srclen,
// dstlen.
void movc5(VaxCpu& c, Insn& in) {
    uint32_t srclen = val<W>(in, 0), src = in.op[1].addr, fill = in.op[2].value & 0xFF;
    uint32_t dstlen = val<W>(in, 3), dst = in.op[4].addr;
    uint32_t n = srclen < dstlen ? srclen : dstlen;
    copy_bytes(c, src, dst, n);
    for (uint32_t i = n; i < dstlen; ++i) c.write(dst + i, 1, fill);
    c.r[0] = srclen - n;
    c.r[1] = src + n;
    c.r[2] = 0;
    c.r[3] = dst + dstlen;
    c.r[4] = 0;
    c.r[5] = 0;
    c.set_cc(cmp_flags<W>(static_cast<W>(srclen), static_cast<W>(dstlen)));
}

// CMPC3 len.rw, src1addr.ab, src2addr.ab. CC as CMPB of the first unequal bytes (Z when
// equal). R0 = bytes remaining in string 1 (including the unequal one), R1 its address,
// R2 = R0, R3 the address in string 2.
void cmpc3(VaxCpu& c, Insn& in) {
    uint32_t len = val<W>(in, 0), s1 = in.op[1].addr, s2 = in.op[2].addr;
    uint32_t cc = psl::Z;
    uint32_t i = 0;
    for (; i < len; ++i) {
        uint8_t a = static_cast<uint8_t>(c.read(s1 + i, 1)), b = static_cast<uint8_t>(c.read(s2 + i, 1));
        if (a != b) {
            cc = cmp_flags<uint8_t>(a, b);
            break;
        }
    }
    c.r[0] = len - i;
    c.r[1] = s1 + i;
    c.r[2] = len - i;
    c.r[3] = s2 + i;
    c.set_cc(cc);
}

// CMPC5 src1len.rw, src1addr.ab, fill.rb, src2len.rw, src2addr.ab: the shorter string is
// extended with fill. R0/R1 remaining length/address in string 1, R2/R3 in string 2.
void cmpc5(VaxCpu& c, Insn& in) {
    uint32_t l1 = val<W>(in, 0), s1 = in.op[1].addr, fill = in.op[2].value & 0xFF;
    uint32_t l2 = val<W>(in, 3), s2 = in.op[4].addr;
    uint32_t cc = psl::Z;
    while (l1 || l2) {
        uint8_t a = static_cast<uint8_t>(l1 ? c.read(s1, 1) : fill);
        uint8_t b = static_cast<uint8_t>(l2 ? c.read(s2, 1) : fill);
        if (a != b) {
            cc = cmp_flags<uint8_t>(a, b);
            break;
        }
        if (l1) { --l1; ++s1; }
        if (l2) { --l2; ++s2; }
    }
    c.r[0] = l1;
    c.r[1] = s1;
    c.r[2] = l2;
    c.r[3] = s2;
    c.set_cc(cc);
}

// LOCC/SKPC char.rb, len.rw, addr.ab: find the first byte equal (LOCC) / unequal (SKPC) to
// char. R0 = bytes remaining (0 if none found), R1 = its address; Z when R0 = 0.
template <bool kLocate> void locc(VaxCpu& c, Insn& in) {
    uint8_t ch = static_cast<uint8_t>(in.op[0].value);
    uint32_t len = val<W>(in, 1), a = in.op[2].addr;
    while (len) {
        bool eq = static_cast<uint8_t>(c.read(a, 1)) == ch;
        if (eq == kLocate) break;
        --len;
        ++a;
    }
    c.r[0] = len;
    c.r[1] = a;
    c.set_cc(len == 0 ? psl::Z : 0);
}

// SCANC/SPANC len.rw, addr.ab, tbladdr.ab, mask.rb: find the first byte whose table entry
// ANDed with mask is nonzero (SCANC) / zero (SPANC). R0 remaining, R1 address, R2 0,
// R3 table address; Z when R0 = 0.
template <bool kScan> void scanc(VaxCpu& c, Insn& in) {
    uint32_t len = val<W>(in, 0), a = in.op[1].addr, tbl = in.op[2].addr;
    uint8_t mask = static_cast<uint8_t>(in.op[3].value);
    while (len) {
        uint8_t t = static_cast<uint8_t>(c.read(tbl + c.read(a, 1), 1));
        bool hit = (t & mask) != 0;
        if (hit == kScan) break;
        --len;
        ++a;
    }
    c.r[0] = len;
    c.r[1] = a;
    c.r[2] = 0;
    c.r[3] = tbl;
    c.set_cc(len == 0 ? psl::Z : 0);
}

#define R(name, fn) Row{OpcodeId::name, fn}
const Row kRows[] = {
    R(MOVC3, movc3), R(MOVC5, movc5), R(CMPC3, cmpc3), R(CMPC5, cmpc5),
    R(LOCC, locc<true>), R(SKPC, locc<false>), R(SCANC, scanc<true>), R(SPANC, scanc<false>),
};
#undef R

}  // namespace

std::span<const Row> string_rows() { return kRows; }

}  // namespace trapeze::vax::sem
