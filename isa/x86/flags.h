// Lazy arithmetic flags (CF PF AF ZF SF OF). Handlers record the operation, operands and
// result; the flags are materialised only when an instruction reads them. Flag definitions
// follow SDM Vol. 1 Appendix A and the per-instruction "Flags Affected" sections.
#pragma once

#include <cstdint>

#include "isa/x86/state.h"

namespace trapeze::x86 {

constexpr uint32_t size_mask(unsigned size) {
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}
constexpr uint32_t sign_bit(unsigned size) { return 1u << (8 * size - 1); }

inline uint32_t parity_flag(uint32_t v) {
    return (__builtin_parity(v & 0xFF) ^ 1) ? PF : 0;
}

#ifdef TRAPEZE_TRACE_BITCODE
// Compiled code only (binary_translate/CMakeLists.txt): a value left unspecified, which the
// trace builder resolves before it optimises (llvm_backend.cpp, resolve_unspecified_values).
extern "C" uint32_t trapeze_rt_unspecified() noexcept __attribute__((const));
#endif

// Stores only the fields the op's flags are computed from (compute_arith_flags and the
// flag_* functions below, the only readers): a logic op's flags come from the result alone,
// and only ADC, SBB, INC and DEC have a carry in. The others keep stale values that nothing
// reads. (Every flag-setting instruction stores these; in a compiled trace they are written
// through to the CPU object at each one, jit_runtime.cpp: two or three stores fewer.)
inline void set_lazy(ArithFlags& f, LazyOp op, unsigned size, uint32_t res, uint32_t a, uint32_t b,
                     uint32_t cin = 0) {
    f.op = op;
    f.size = static_cast<uint8_t>(size);
    f.res = res;
    if (op != LazyOp::kLogic) {
        f.a = a;
        f.b = b;
    }
    if (op == LazyOp::kAdc || op == LazyOp::kSbb || op == LazyOp::kInc || op == LazyOp::kDec) f.cin = cin;
#ifdef TRAPEZE_TRACE_BITCODE
    // eager means nothing while op is not kNone. The interpreter leaves it as it was; a
    // trace says it is unspecified, so that LLVM drops the flags a rotate materialised
    // (set_eager) once the next ALU instruction records its own: otherwise they stayed
    // live to every later write-back of the state (each guest access's slow side), some
    // 20 host instructions a rotate in busybox's sha256 rounds (docs/jit.md, "Eleventh look").
    f.eager = trapeze_rt_unspecified();
#endif
}

inline void set_eager(ArithFlags& f, uint32_t flags) {
    f.op = LazyOp::kNone;
    f.eager = flags & ARITH_FLAGS;
}

// SHL, SHR and SAR (SDM Vol. 2B SAL/SAR/SHL/SHR), a the operand and b the masked count
// (1-31; a count of 0 leaves the flags alone and records nothing): CF is the last bit shifted
// out (0 for SHL by more than the operand size, the sign for SAR); OF is defined for a count
// of 1 (SHL: the result's sign XOR CF, SHR: the operand's sign, SAR: 0) and for larger counts
// follows Bochs (SHL: the same formula, SHR: the top two bits of the result differ, SAR: 0);
// AF is cleared, as Bochs does. Recorded lazily, since the next ALU instruction overwrites
// them almost always: computed eagerly they were about ten host instructions a shift in
// compiled code, stored and never read.
inline bool shift_carry(const ArithFlags& f) {
    const unsigned bits = 8u * f.size, n = f.b;
    switch (f.op) {
    case LazyOp::kShl: return n <= bits && ((f.a >> (bits - n)) & 1);
    case LazyOp::kShr: return (f.a >> (n - 1)) & 1;
    default: {  // kSar
        const int32_t sa = int32_t(f.a << (32 - bits)) >> (32 - bits);
        return n < bits ? (sa >> (n - 1)) & 1 : sa < 0;
    }
    }
}
inline bool shift_overflow(const ArithFlags& f) {
    const uint32_t sb = sign_bit(f.size);
    switch (f.op) {
    case LazyOp::kShl: return ((f.res & sb) != 0) != shift_carry(f);
    case LazyOp::kShr: return f.b == 1 ? (f.a & sb) != 0 : (((f.res << 1) ^ f.res) & sb) != 0;
    default: return false;  // kSar
    }
}

inline uint32_t compute_carry(const ArithFlags& f) {
    const uint32_t m = size_mask(f.size);
    switch (f.op) {
    case LazyOp::kNone: return f.eager & CF;
    case LazyOp::kAdd: return (f.res & m) < (f.a & m) ? CF : 0;
    case LazyOp::kAdc:
        return (uint64_t{f.a & m} + (f.b & m) + f.cin) > m ? CF : 0;
    case LazyOp::kSub: return (f.a & m) < (f.b & m) ? CF : 0;
    case LazyOp::kSbb: return uint64_t{f.a & m} < uint64_t{f.b & m} + f.cin ? CF : 0;
    case LazyOp::kLogic: return 0;
    case LazyOp::kInc:
    case LazyOp::kDec: return f.cin ? CF : 0;
    case LazyOp::kShl:
    case LazyOp::kShr:
    case LazyOp::kSar: return shift_carry(f) ? CF : 0;
    case LazyOp::kMul: return f.a ? CF : 0;
    }
    return 0;
}

inline uint32_t compute_overflow(const ArithFlags& f) {
    const uint32_t sb = sign_bit(f.size);
    switch (f.op) {
    case LazyOp::kNone: return f.eager & OF;
    case LazyOp::kAdd:
    case LazyOp::kAdc: return ((f.a ^ f.res) & (f.b ^ f.res) & sb) ? OF : 0;
    case LazyOp::kSub:
    case LazyOp::kSbb: return ((f.a ^ f.b) & (f.a ^ f.res) & sb) ? OF : 0;
    case LazyOp::kLogic: return 0;
    case LazyOp::kInc: return (f.res & size_mask(f.size)) == sb ? OF : 0;
    case LazyOp::kDec: return (f.res & size_mask(f.size)) == sb - 1 ? OF : 0;
    case LazyOp::kShl:
    case LazyOp::kShr:
    case LazyOp::kSar: return shift_overflow(f) ? OF : 0;
    case LazyOp::kMul: return f.a ? OF : 0;
    }
    return 0;
}

inline bool flag_zf(const ArithFlags& f) {
    return f.op == LazyOp::kNone ? (f.eager & ZF) : (f.res & size_mask(f.size)) == 0;
}
inline bool flag_sf(const ArithFlags& f) {
    return f.op == LazyOp::kNone ? (f.eager & SF) : (f.res & sign_bit(f.size)) != 0;
}
inline bool flag_cf(const ArithFlags& f) { return compute_carry(f) != 0; }
inline bool flag_of(const ArithFlags& f) { return compute_overflow(f) != 0; }
inline bool flag_pf(const ArithFlags& f) {
    return f.op == LazyOp::kNone ? (f.eager & PF) : parity_flag(f.res) != 0;
}

// All six flags: compute_carry and compute_overflow merged into one dispatch on the op (the
// same definitions), since rotates, PUSHF and LAHF need them all at once.
inline uint32_t compute_arith_flags(const ArithFlags& f) {
    if (f.op == LazyOp::kNone) return f.eager;
    const uint32_t m = size_mask(f.size), sb = sign_bit(f.size);
    const uint32_t res = f.res, a = f.a, b = f.b;
    uint32_t fl = parity_flag(res);
    if ((res & m) == 0) fl |= ZF;
    if (res & sb) fl |= SF;
    switch (f.op) {
    case LazyOp::kNone:
    case LazyOp::kLogic: return fl;  // CF OF AF clear
    case LazyOp::kAdd:
        if ((res & m) < (a & m)) fl |= CF;
        if ((a ^ res) & (b ^ res) & sb) fl |= OF;
        break;
    case LazyOp::kAdc:
        if (uint64_t{a & m} + (b & m) + f.cin > m) fl |= CF;
        if ((a ^ res) & (b ^ res) & sb) fl |= OF;
        break;
    case LazyOp::kSub:
        if ((a & m) < (b & m)) fl |= CF;
        if ((a ^ b) & (a ^ res) & sb) fl |= OF;
        break;
    case LazyOp::kSbb:
        if (uint64_t{a & m} < uint64_t{b & m} + f.cin) fl |= CF;
        if ((a ^ b) & (a ^ res) & sb) fl |= OF;
        break;
    case LazyOp::kInc:
        if (f.cin) fl |= CF;
        if ((res & m) == sb) fl |= OF;
        break;
    case LazyOp::kDec:
        if (f.cin) fl |= CF;
        if ((res & m) == sb - 1) fl |= OF;
        break;
    case LazyOp::kShl:
    case LazyOp::kShr:
    case LazyOp::kSar: return fl | (shift_carry(f) ? CF : 0) | (shift_overflow(f) ? OF : 0);  // AF clear
    case LazyOp::kMul: return fl | (a ? CF | OF : 0);                                            // AF clear
    }
    return fl | ((a ^ b ^ res) & AF);
}

// SF ZF AF PF alone: what ROL and ROR keep (SDM Vol. 2B RCL/RCR/ROL/ROR: only CF and OF are
// affected). compute_arith_flags without the carry and overflow, whose switch on the op is
// most of its cost in the interpreter (56 host instructions a call against about 15 here).
inline uint32_t compute_szap_flags(const ArithFlags& f) {
    if (f.op == LazyOp::kNone) return f.eager & (SF | ZF | AF | PF);
    uint32_t fl = parity_flag(f.res);
    if ((f.res & size_mask(f.size)) == 0) fl |= ZF;
    if (f.res & sign_bit(f.size)) fl |= SF;
    const bool clears_af = f.op == LazyOp::kLogic || f.op == LazyOp::kShl || f.op == LazyOp::kShr ||
                           f.op == LazyOp::kSar || f.op == LazyOp::kMul;
    if (!clears_af) fl |= (f.a ^ f.b ^ f.res) & AF;
    return fl;
}

// Evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc opcodes, SDM Vol. 1 App. B).
inline bool eval_condition(const ArithFlags& f, unsigned cc) {
    bool r;
    switch (cc >> 1) {
    case 0: r = flag_of(f); break;                                  // O
    case 1: r = flag_cf(f); break;                                  // B
    case 2: r = flag_zf(f); break;                                  // Z
    case 3: r = flag_cf(f) || flag_zf(f); break;                    // BE
    case 4: r = flag_sf(f); break;                                  // S
    case 5: r = flag_pf(f); break;                                  // P
    case 6: r = flag_sf(f) != flag_of(f); break;                    // L
    default: r = flag_zf(f) || (flag_sf(f) != flag_of(f)); break;   // LE
    }
    return (cc & 1) ? !r : r;
}

}  // namespace trapeze::x86
