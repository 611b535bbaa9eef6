// String instructions with REP/REPE/REPNE (SDM Vol. 1 §7.3.9, Vol. 2 MOVS/CMPS/SCAS/LODS/
// STOS/INS/OUTS). One iteration per call of the body; a REP instruction runs iterations until
// the count is exhausted, but stops after a bounded batch so interrupts are not delayed and a
// fault mid-string leaves ECX/ESI/EDI at the faulting element (restartable, as on hardware).
#include "isa/x86/semantics/operands.h"

namespace trapeze::x86 {

namespace {

enum class Str { kMovs, kCmps, kScas, kLods, kStos, kIns, kOuts };

struct StrCtx {
    X86Cpu& c;
    const DecodedInsn& in;
    uint32_t amask;
    int32_t step;
    uint32_t si() const { return c.s.gpr[ESI] & amask; }
    uint32_t di() const { return c.s.gpr[EDI] & amask; }
    void adv(unsigned r) { c.s.gpr[r] = (c.s.gpr[r] & ~amask) | ((c.s.gpr[r] + step) & amask); }
};

template <Str OP, unsigned S>
inline void body(StrCtx& x) {
    X86Cpu& c = x.c;
    const unsigned src_seg = x.in.mem.seg;  // DS unless overridden
    if constexpr (OP == Str::kMovs) {
        uint32_t v = c.read<S>(src_seg, x.si());
        c.write<S>(ES, x.di(), v);
        x.adv(ESI);
        x.adv(EDI);
    } else if constexpr (OP == Str::kCmps) {
        uint32_t a = c.read<S>(src_seg, x.si());
        uint32_t b = c.read<S>(ES, x.di());
        set_lazy(c.s.arith, LazyOp::kSub, S, a - b, a, b);
        x.adv(ESI);
        x.adv(EDI);
    } else if constexpr (OP == Str::kScas) {
        uint32_t a = c.reg<S>(EAX);
        uint32_t b = c.read<S>(ES, x.di());
        set_lazy(c.s.arith, LazyOp::kSub, S, a - b, a, b);
        x.adv(EDI);
    } else if constexpr (OP == Str::kLods) {
        uint32_t v = c.read<S>(src_seg, x.si());
        c.set_reg<S>(EAX, v);
        x.adv(ESI);
    } else if constexpr (OP == Str::kStos) {
        c.write<S>(ES, x.di(), c.reg<S>(EAX));
        x.adv(EDI);
    } else if constexpr (OP == Str::kIns) {
        uint16_t port = uint16_t(c.s.gpr[EDX]);
        c.probe_write(ES, x.di(), S);
        uint32_t v = c.in(port, S);
        c.write<S>(ES, x.di(), v);
        x.adv(EDI);
    } else {
        uint16_t port = uint16_t(c.s.gpr[EDX]);
        uint32_t v = c.read<S>(src_seg, x.si());
        c.out(port, S, v);
        x.adv(ESI);
    }
}

template <Str OP, unsigned S>
void string_op(X86Cpu& c, const DecodedInsn& in) {
    StrCtx x{c, in, in.addr32 ? 0xFFFFFFFFu : 0xFFFFu, (c.s.eflags & DF) ? -int32_t(S) : int32_t(S)};
    if constexpr (OP == Str::kIns || OP == Str::kOuts) c.check_io(uint16_t(c.s.gpr[EDX]), S);
    if (!(in.flags & (kRep | kRepne))) {
        body<OP, S>(x);
        return;
    }
    constexpr bool conditional = OP == Str::kCmps || OP == Str::kScas;
    const bool repne = in.flags & kRepne;
    // Bounded batch: the instruction restarts itself (next_eip unchanged) if work remains.
    for (unsigned batch = 0; batch < 4096; ++batch) {
        uint32_t cnt = c.s.gpr[ECX] & x.amask;
        if (cnt == 0) return;
        body<OP, S>(x);
        c.s.gpr[ECX] = (c.s.gpr[ECX] & ~x.amask) | ((cnt - 1) & x.amask);
        if constexpr (conditional) {
            bool zf = flag_zf(c.s.arith);
            if (repne ? zf : !zf) return;
        }
        if (c.end_block) break;  // e.g. a store into code: let the run loop look
    }
    if ((c.s.gpr[ECX] & x.amask) != 0) {
        c.next_eip = c.s.eip;  // more to do: re-execute this instruction
        c.end_block = true;
    }
}

template <Str OP>
Handler pick_str(SelectorInput& si) {
    unsigned size = si.insn.opsize;
    switch (si.zi.mnemonic) {
    case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_SCASB:
    case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_INSB:
    case ZYDIS_MNEMONIC_OUTSB: size = 1; break;
    case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_SCASW:
    case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_STOSW: case ZYDIS_MNEMONIC_INSW:
    case ZYDIS_MNEMONIC_OUTSW: size = 2; break;
    default: size = 4; break;
    }
    si.insn.opsize = uint8_t(size);
    // The source segment: DS unless a prefix overrides it (ES:EDI is never overridable).
    int ovr = (si.insn.flags & kSegOverride) ? -1 : DS;
    if (ovr == DS) si.insn.mem.seg = DS;
    return size == 1 ? &string_op<OP, 1> : size == 2 ? &string_op<OP, 2> : &string_op<OP, 4>;
}

}  // namespace

Handler sel_movs(SelectorInput& si) { return pick_str<Str::kMovs>(si); }
Handler sel_cmps(SelectorInput& si) { return pick_str<Str::kCmps>(si); }
Handler sel_scas(SelectorInput& si) { return pick_str<Str::kScas>(si); }
Handler sel_lods(SelectorInput& si) { return pick_str<Str::kLods>(si); }
Handler sel_stos(SelectorInput& si) { return pick_str<Str::kStos>(si); }
Handler sel_ins(SelectorInput& si) { return pick_str<Str::kIns>(si); }
Handler sel_outs(SelectorInput& si) { return pick_str<Str::kOuts>(si); }

}  // namespace trapeze::x86
