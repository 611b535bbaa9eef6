// Shared helpers of the instruction semantics (isa/vax/semantics/*.cpp). Each family file
// exports a list of (OpcodeId, handler) rows; table.cpp gathers them into the handler table
// indexed by OpcodeId (one handler per opcodes.inc row). A new instruction is one opcodes.inc
// row plus one row in its family's list.
//
// Handlers run after operand evaluation: read/modify operands hold their values, write and
// address operands their locations (cpu.h, Operand). They compute, write destinations through
// write_operand, set the condition codes (VAX ARM, each instruction's "Condition Codes"), and
// set in.next_pc to branch. Condition codes are computed on unsigned integers: the sign of a
// result is its top bit, overflow is derived from operand and result signs.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "isa/vax/cpu.h"

namespace trapeze::vax::sem {

struct Row {
    OpcodeId id;
    Handler handler;
};

std::span<const Row> integer_rows();
std::span<const Row> control_rows();
std::span<const Row> call_rows();
std::span<const Row> system_rows();
std::span<const Row> queue_rows();
std::span<const Row> field_rows();
std::span<const Row> string_rows();
std::span<const Row> float_rows();

template <typename T>
inline constexpr T kSign = static_cast<T>(T{1} << (sizeof(T) * 8 - 1));

template <typename T>
using Signed = std::make_signed_t<T>;

// N and Z of a result.
template <typename T>
inline uint32_t nz(T v) {
    return ((v & kSign<T>) ? psl::N : 0) | (v == 0 ? psl::Z : 0);
}

// N, Z from `flags`, V cleared, C kept.
inline void set_nz_keep_c(VaxCpu& c, uint32_t flags) {
    c.psl = (c.psl & ~(psl::N | psl::Z | psl::V)) | (flags & (psl::N | psl::Z));
}
// N, Z from `flags`, V and C cleared.
inline void set_nz_clear_vc(VaxCpu& c, uint32_t flags) { c.psl = (c.psl & ~psl::CC) | (flags & (psl::N | psl::Z)); }

// CMP: N signed less, Z equal, V 0, C unsigned less.
template <typename T>
inline uint32_t cmp_flags(T a, T b) {
    uint32_t f = 0;
    if (static_cast<Signed<T>>(a) < static_cast<Signed<T>>(b)) f |= psl::N;
    if (a == b) f |= psl::Z;
    if (a < b) f |= psl::C;
    return f;
}

template <typename T>
inline T val(const Insn& in, int i) {
    return static_cast<T>(in.op[i].value);
}

inline void put(VaxCpu& c, const Insn& in, int i, uint64_t v) { c.write_operand(in.op[i], v); }

inline uint32_t sext8(uint32_t v) { return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(v))); }
inline uint32_t sext16(uint32_t v) { return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(v))); }

// Branch to the target of operand i (a bb/bw displacement).
inline void branch(Insn& in, int i) { in.next_pc = in.op[i].addr; }

}  // namespace trapeze::vax::sem
