// Operand access helpers shared by the semantics files. Operand kinds are template
// parameters chosen at decode time by the selectors ('r' register, 'm' memory, 'i' immediate),
// so a handler never tests the kind at run time.
#pragma once

#include "isa/x86/cpu.h"
#include "isa/x86/instruction_table.h"

namespace trapeze::x86 {

// Reads operand 1 (the source) of kind K.
template <unsigned S, char K>
inline uint32_t read_src(X86Cpu& c, const DecodedInsn& in) {
    if constexpr (K == 'r') return c.reg<S>(in.r1);
    else if constexpr (K == 'm') return c.read<S>(in.mem.seg, c.effective_address(in));
    else return in.imm & size_mask(S);
}

// Reads/writes operand 0 of kind K when it is the only memory operand.
template <unsigned S, char K>
inline uint32_t read_dst(X86Cpu& c, const DecodedInsn& in) {
    if constexpr (K == 'r') return c.reg<S>(in.r0);
    else return c.read<S>(in.mem.seg, c.effective_address(in));
}
template <unsigned S, char K>
inline void write_dst(X86Cpu& c, const DecodedInsn& in, uint32_t v) {
    if constexpr (K == 'r') c.set_reg<S>(in.r0, v);
    else c.write<S>(in.mem.seg, c.effective_address(in), v);
}

inline uint32_t sign_extend(uint32_t v, unsigned size) {
    if (size == 1) return uint32_t(int32_t(int8_t(v)));
    if (size == 2) return uint32_t(int32_t(int16_t(v)));
    return v;
}

// Size selection: calls F::template run<S, ...> for the instruction's operand size.
#define TRAPEZE_PICK_SIZE(si, ...)                                               \
    ((si).insn.opsize == 1 ? &__VA_ARGS__<1> : (si).insn.opsize == 2 ? &__VA_ARGS__<2> \
                                                                     : &__VA_ARGS__<4>)

[[noreturn]] void raise_ud();

// Privilege check helpers used by system instructions.
inline void require_cpl0(X86Cpu& c) {
    if (c.protected_mode() && (c.s.cpl != 0 || c.v86())) raise_fault(kGP, 0);
}
inline void require_protected(X86Cpu& c) {
    if (!c.protected_mode() || c.v86()) raise_ud();
}

}  // namespace trapeze::x86
