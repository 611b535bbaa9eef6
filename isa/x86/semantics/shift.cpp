// Shifts, rotates and bit instructions (SDM Vol. 2: SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
// SHLD, SHRD, BT/BTS/BTR/BTC, BSF/BSR, BSWAP). The count is masked to 5 bits; a masked count
// of 0 leaves the flags alone. Undefined flags (OF for counts > 1, AF) follow Bochs.
#include "isa/x86/semantics/operands.h"

namespace trapeze::x86 {

enum class ShOp { kRol, kRor, kRcl, kRcr, kShl, kShr, kSar };

template <unsigned S>
static uint32_t shift_count(X86Cpu& c, const DecodedInsn& in, char k) {
    (void)S;
    uint32_t n = k == 'r' ? (c.s.gpr[ECX] & 0xFF) : k == 'i' ? in.imm : 1;
    return n & 0x1F;
}

// The result in out and, for a rotate, the six arithmetic flags it leaves in flags (for
// set_eager, which the caller does once nothing can fault any more; a shift's flags the
// caller records lazily); false for a count that changes nothing.
template <ShOp OP, unsigned S>
static bool shift_value(X86Cpu& c, uint32_t a, uint32_t n, uint32_t& out, uint32_t& flags) {
    constexpr unsigned bits = 8 * S;
    const uint32_t m = size_mask(S), sb = sign_bit(S);
    // Rotates keep SF ZF AF PF, so they need those materialised (RCL and RCR CF as well);
    // shifts define all six (AF cleared, as Bochs) and need nothing but the result.
    uint32_t fl = 0;
    if constexpr (OP == ShOp::kRol || OP == ShOp::kRor) fl = compute_szap_flags(c.s.arith);
    else if constexpr (OP == ShOp::kRcl || OP == ShOp::kRcr) fl = c.eflags() & ARITH_FLAGS;
    uint32_t r = a;
    bool cf = fl & CF;
    switch (OP) {
    case ShOp::kRol: {
        if (n == 0) return false;
        unsigned k = n % bits;
        r = k ? ((a << k) | (a >> (bits - k))) & m : a;
        cf = r & 1;
        fl = (fl & ~(CF | OF)) | (cf ? CF : 0) | ((((r & sb) != 0) ^ cf) ? OF : 0);
        out = r;
        flags = fl;
        return true;
    }
    case ShOp::kRor: {
        if (n == 0) return false;
        unsigned k = n % bits;
        r = k ? ((a >> k) | (a << (bits - k))) & m : a;
        cf = r & sb;
        bool of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
        fl = (fl & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
        out = r;
        flags = fl;
        return true;
    }
    case ShOp::kRcl: {
        unsigned k = S == 1 ? n % 9 : S == 2 ? n % 17 : n;
        if (k == 0) return false;
        uint64_t wide = (uint64_t(cf) << bits) | a;   // bits+1 wide rotate
        for (unsigned i = 0; i < k; ++i) {
            uint64_t top = (wide >> bits) & 1;
            wide = ((wide << 1) | top) & ((uint64_t{1} << (bits + 1)) - 1);
        }
        r = uint32_t(wide) & m;
        cf = (wide >> bits) & 1;
        fl = (fl & ~(CF | OF)) | (cf ? CF : 0) | ((((r & sb) != 0) ^ cf) ? OF : 0);
        out = r;
        flags = fl;
        return true;
    }
    case ShOp::kRcr: {
        unsigned k = S == 1 ? n % 9 : S == 2 ? n % 17 : n;
        if (k == 0) return false;
        uint64_t wide = (uint64_t(cf) << bits) | a;
        for (unsigned i = 0; i < k; ++i) {
            uint64_t low = wide & 1;
            wide = (wide >> 1) | (low << bits);
        }
        r = uint32_t(wide) & m;
        cf = (wide >> bits) & 1;
        bool of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
        fl = (fl & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
        out = r;
        flags = fl;
        return true;
    }
    // The shifts' flags are recorded lazily by the caller (flags.h, shift_carry).
    case ShOp::kShl:
        if (n == 0) return false;
        out = n < 32 ? (a << n) & m : 0;
        return true;
    case ShOp::kShr:
        if (n == 0) return false;
        out = n < 32 ? (a >> n) : 0;
        return true;
    case ShOp::kSar: {
        if (n == 0) return false;
        int32_t sa = int32_t(sign_extend(a, S));
        unsigned k = n < bits ? n : bits - 1;
        out = uint32_t(sa >> k) & m;
        return true;
    }
    }
    return false;
}

template <ShOp OP, unsigned S, char D, char K>
void shift(X86Cpu& c, const DecodedInsn& in) {
    uint32_t n = shift_count<S>(c, in, K);
    uint32_t ea = 0, a;
    if constexpr (D == 'm') {
        ea = c.effective_address(in);
        a = c.read<S>(in.mem.seg, ea);
    } else {
        a = c.reg<S>(in.r0);
    }
    uint32_t r, flags;
    if (!shift_value<OP, S>(c, a, n, r, flags)) {
        if constexpr (D == 'm') c.probe_write(in.mem.seg, ea, S);  // the write cycle still faults
        return;
    }
    // The flags after the store, so that a faulting store leaves EFLAGS untouched.
    if constexpr (D == 'm') c.write<S>(in.mem.seg, ea, r);
    else c.set_reg<S>(in.r0, r);
    if constexpr (OP == ShOp::kShl) set_lazy(c.s.arith, LazyOp::kShl, S, r, a, n);
    else if constexpr (OP == ShOp::kShr) set_lazy(c.s.arith, LazyOp::kShr, S, r, a, n);
    else if constexpr (OP == ShOp::kSar) set_lazy(c.s.arith, LazyOp::kSar, S, r, a, n);
    else set_eager(c.s.arith, flags);
}

template <ShOp OP, unsigned S>
Handler pick_shift_k(char d, char k) {
    if (d == 'm') return k == 'r' ? &shift<OP, S, 'm', 'r'> : k == 'i' ? &shift<OP, S, 'm', 'i'> : &shift<OP, S, 'm', '1'>;
    return k == 'r' ? &shift<OP, S, 'r', 'r'> : k == 'i' ? &shift<OP, S, 'r', 'i'> : &shift<OP, S, 'r', '1'>;
}

template <ShOp OP>
Handler pick_shift(SelectorInput& si) {
    char d = si.kind[0];
    char k = si.count < 2 ? '1' : si.kind[1];
    switch (si.insn.opsize) {
    case 1: return pick_shift_k<OP, 1>(d, k);
    case 2: return pick_shift_k<OP, 2>(d, k);
    default: return pick_shift_k<OP, 4>(d, k);
    }
}

Handler sel_rol(SelectorInput& si) { return pick_shift<ShOp::kRol>(si); }
Handler sel_ror(SelectorInput& si) { return pick_shift<ShOp::kRor>(si); }
Handler sel_rcl(SelectorInput& si) { return pick_shift<ShOp::kRcl>(si); }
Handler sel_rcr(SelectorInput& si) { return pick_shift<ShOp::kRcr>(si); }
Handler sel_shl(SelectorInput& si) { return pick_shift<ShOp::kShl>(si); }
Handler sel_shr(SelectorInput& si) { return pick_shift<ShOp::kShr>(si); }
Handler sel_sar(SelectorInput& si) { return pick_shift<ShOp::kSar>(si); }

// ---- double shifts ---------------------------------------------------------------------------

template <bool LEFT, unsigned S>
void double_shift(X86Cpu& c, const DecodedInsn& in) {
    constexpr unsigned bits = 8 * S;
    uint32_t n = (in.opsize2 == 0xCC ? (c.s.gpr[ECX] & 0xFF) : in.imm) & 0x1F;
    uint32_t ea = 0, a;
    if (in.flags & kHasMem) {
        ea = c.effective_address(in);
        a = c.read<S>(in.mem.seg, ea);
    } else {
        a = c.reg<S>(in.r0);
    }
    if (n == 0) {
        if (in.flags & kHasMem) c.probe_write(in.mem.seg, ea, S);
        return;
    }
    uint32_t b = c.reg<S>(in.r1);
    uint32_t r;
    bool cf, of;
    if constexpr (S == 2) {
        // A 16-bit count above 16 is undefined; the P6 (and Bochs) shift the 48-bit
        // concatenation dst:src:dst, which is what this computes for every count.
        if (LEFT) {
            uint64_t x = (uint64_t(a) << 32) | (uint64_t(b) << 16) | a;
            r = uint32_t((x << n) >> 32) & 0xFFFF;
            cf = (x >> (48 - n)) & 1;
        } else {
            uint64_t x = (uint64_t(a) << 32) | (uint64_t(b) << 16) | a;
            r = uint32_t(x >> n) & 0xFFFF;
            cf = (x >> (n - 1)) & 1;
        }
    } else {
        if (LEFT) {
            r = (a << n) | (b >> (bits - n));
            cf = (a >> (bits - n)) & 1;
        } else {
            r = (a >> n) | (b << (bits - n));
            cf = (a >> (n - 1)) & 1;
        }
    }
    r &= size_mask(S);
    // OF is defined for a count of 1 (sign change); for larger counts this matches Bochs.
    if (LEFT) of = cf ^ ((r >> (bits - 1)) & 1);
    else of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
    uint32_t fl = (cf ? CF : 0) | (of ? OF : 0) | parity_flag(r);
    if (r == 0) fl |= ZF;
    if (r & sign_bit(S)) fl |= SF;
    if (in.flags & kHasMem) c.write<S>(in.mem.seg, ea, r);
    else c.set_reg<S>(in.r0, r);
    set_eager(c.s.arith, fl);
}

Handler sel_shld(SelectorInput& si) {
    if (si.kind[2] == 'r') si.insn.opsize2 = 0xCC;  // count in CL
    return si.insn.opsize == 2 ? &double_shift<true, 2> : &double_shift<true, 4>;
}
Handler sel_shrd(SelectorInput& si) {
    if (si.kind[2] == 'r') si.insn.opsize2 = 0xCC;
    return si.insn.opsize == 2 ? &double_shift<false, 2> : &double_shift<false, 4>;
}

// ---- bit test ----------------------------------------------------------------------------------

enum class BtOp { kBt, kBts, kBtr, kBtc };

template <BtOp OP, unsigned S>
void bit_test(X86Cpu& c, const DecodedInsn& in) {
    constexpr unsigned bits = 8 * S;
    bool reg_offset = in.r1 != kNoReg;
    uint32_t off = reg_offset ? c.reg<S>(in.r1) : (in.imm & 0xFF);
    uint32_t v, ea = 0;
    unsigned bit;
    if (in.flags & kHasMem) {
        ea = c.effective_address(in);
        if (reg_offset) {
            // Register bit offsets address memory beyond the operand (SDM BT: signed offset).
            int32_t soff = int32_t(sign_extend(off, S));
            int32_t disp = (soff >> (S == 2 ? 4 : 5)) * int32_t(S);
            ea += uint32_t(disp);
            if (!in.addr32) ea &= 0xFFFF;
            bit = uint32_t(soff) & (bits - 1);
        } else {
            bit = off & (bits - 1);
        }
        v = c.read<S>(in.mem.seg, ea);
    } else {
        bit = off & (bits - 1);
        v = c.reg<S>(in.r0);
    }
    bool cf = (v >> bit) & 1;
    uint32_t r = v;
    if (OP == BtOp::kBts) r |= 1u << bit;
    if (OP == BtOp::kBtr) r &= ~(1u << bit);
    if (OP == BtOp::kBtc) r ^= 1u << bit;
    if constexpr (OP != BtOp::kBt) {
        if (in.flags & kHasMem) c.write<S>(in.mem.seg, ea, r);
        else c.set_reg<S>(in.r0, r);
    }
    uint32_t fl = compute_arith_flags(c.s.arith);
    set_eager(c.s.arith, (fl & ~CF) | (cf ? CF : 0));
}

template <BtOp OP>
Handler pick_bt(SelectorInput& si) {
    return si.insn.opsize == 2 ? &bit_test<OP, 2> : &bit_test<OP, 4>;
}
Handler sel_bt(SelectorInput& si) { return pick_bt<BtOp::kBt>(si); }
Handler sel_bts(SelectorInput& si) { return pick_bt<BtOp::kBts>(si); }
Handler sel_btr(SelectorInput& si) { return pick_bt<BtOp::kBtr>(si); }
Handler sel_btc(SelectorInput& si) { return pick_bt<BtOp::kBtc>(si); }

template <bool FORWARD, unsigned S>
void bit_scan(X86Cpu& c, const DecodedInsn& in) {
    uint32_t v = (in.flags & kHasMem) ? c.read<S>(in.mem.seg, c.effective_address(in)) : c.reg<S>(in.r1);
    uint32_t fl = compute_arith_flags(c.s.arith) & ~ZF;
    if (v == 0) {
        // Destination undefined; the P6 and Bochs leave it unchanged.
        set_eager(c.s.arith, fl | ZF);
        return;
    }
    unsigned idx = FORWARD ? __builtin_ctz(v) : 31 - __builtin_clz(v);
    c.set_reg<S>(in.r0, idx);
    set_eager(c.s.arith, fl);
}
Handler sel_bsf(SelectorInput& si) { return si.insn.opsize == 2 ? &bit_scan<true, 2> : &bit_scan<true, 4>; }
Handler sel_bsr(SelectorInput& si) { return si.insn.opsize == 2 ? &bit_scan<false, 2> : &bit_scan<false, 4>; }

static void bswap(X86Cpu& c, const DecodedInsn& in) {
    // With a 16-bit operand the result is undefined; the P6 writes 0 (as Bochs does).
    if (in.opsize == 2) c.set_reg<2>(in.r0, 0);
    else c.s.gpr[in.r0] = __builtin_bswap32(c.s.gpr[in.r0]);
}
Handler sel_bswap(SelectorInput&) { return bswap; }

}  // namespace trapeze::x86
