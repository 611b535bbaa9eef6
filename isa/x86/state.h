// Architectural state of an IA-32 processor (SDM Vol. 3 ch. 2): general registers, EIP,
// EFLAGS (arithmetic flags kept lazily), segment registers with their descriptor caches,
// system table registers, control/debug registers and the MSRs the supported models have.
#pragma once

#include <array>
#include <cstdint>

namespace trapeze::x86 {

enum Gpr : uint8_t { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
enum SegIndex : uint8_t { ES, CS, SS, DS, FS, GS, kNoSeg = 7 };

// EFLAGS bits (SDM Vol. 1 §3.4.3).
inline constexpr uint32_t CF = 1u << 0;
inline constexpr uint32_t PF = 1u << 2;
inline constexpr uint32_t AF = 1u << 4;
inline constexpr uint32_t ZF = 1u << 6;
inline constexpr uint32_t SF = 1u << 7;
inline constexpr uint32_t TF = 1u << 8;
inline constexpr uint32_t IF = 1u << 9;
inline constexpr uint32_t DF = 1u << 10;
inline constexpr uint32_t OF = 1u << 11;
inline constexpr uint32_t IOPL_MASK = 3u << 12;
inline constexpr uint32_t NT = 1u << 14;
inline constexpr uint32_t RF = 1u << 16;
inline constexpr uint32_t VM = 1u << 17;
inline constexpr uint32_t AC = 1u << 18;
inline constexpr uint32_t VIF = 1u << 19;
inline constexpr uint32_t VIP = 1u << 20;
inline constexpr uint32_t ID = 1u << 21;
inline constexpr uint32_t ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;

// CR0/CR4 bits.
inline constexpr uint32_t CR0_PE = 1u << 0;
inline constexpr uint32_t CR0_MP = 1u << 1;
inline constexpr uint32_t CR0_EM = 1u << 2;
inline constexpr uint32_t CR0_TS = 1u << 3;
inline constexpr uint32_t CR0_ET = 1u << 4;
inline constexpr uint32_t CR0_NE = 1u << 5;
inline constexpr uint32_t CR0_WP = 1u << 16;
inline constexpr uint32_t CR0_AM = 1u << 18;
inline constexpr uint32_t CR0_NW = 1u << 29;
inline constexpr uint32_t CR0_CD = 1u << 30;
inline constexpr uint32_t CR0_PG = 1u << 31;
inline constexpr uint32_t CR4_VME = 1u << 0;
inline constexpr uint32_t CR4_PVI = 1u << 1;
inline constexpr uint32_t CR4_TSD = 1u << 2;
inline constexpr uint32_t CR4_DE = 1u << 3;
inline constexpr uint32_t CR4_PSE = 1u << 4;
inline constexpr uint32_t CR4_PAE = 1u << 5;
inline constexpr uint32_t CR4_MCE = 1u << 6;
inline constexpr uint32_t CR4_PGE = 1u << 7;
inline constexpr uint32_t CR4_PCE = 1u << 8;
inline constexpr uint32_t CR4_OSFXSR = 1u << 9;
inline constexpr uint32_t CR4_OSXMMEXCPT = 1u << 10;
inline constexpr uint32_t CR4_UMIP = 1u << 11;

// A segment register with its hidden descriptor cache (SDM Vol. 3 §3.4.3).
// `attr` holds bits 8..23 of the descriptor's high dword shifted down by 8:
// type[3:0], S[4], DPL[6:5], P[7], AVL[12], D/B[14], G[15].
struct Segment {
    uint16_t selector = 0;
    uint32_t base = 0;
    uint32_t limit = 0xFFFF;  // byte-granular effective limit
    uint16_t attr = 0;
    bool valid = true;        // false: null selector loaded in protected mode

    unsigned type() const { return attr & 0xF; }
    bool s() const { return attr & 0x10; }
    unsigned dpl() const { return (attr >> 5) & 3; }
    bool present() const { return attr & 0x80; }
    bool db() const { return attr & 0x4000; }
    bool granularity() const { return attr & 0x8000; }
    bool is_code() const { return s() && (attr & 8); }
    bool expand_down() const { return s() && !(attr & 8) && (attr & 4); }
};

struct TableRegister {
    uint32_t base = 0;
    uint16_t limit = 0xFFFF;
};

// How the arithmetic flags were last defined (lazy evaluation). Each op stores the operands
// and result; the flags are computed only when read.
enum class LazyOp : uint8_t {
    kNone,  // flags are in ArithFlags::eager
    kAdd, kAdc, kSub, kSbb, kLogic, kInc, kDec,
    // SHL/SAL, SHR, SAR with a count of 1-31: a is the operand, b the count, res the result.
    kShl, kShr, kSar,
    // MUL, IMUL: res is the low half of the product (the destination's size), a is 1 when the
    // product does not fit in it (CF = OF = 1), else 0.
    kMul,
};

struct ArithFlags {
    LazyOp op = LazyOp::kNone;
    uint8_t size = 4;          // operand size in bytes
    uint32_t res = 0, a = 0, b = 0;
    uint32_t cin = 0;          // carry in (ADC/SBB) or the preserved CF (INC/DEC)
    uint32_t eager = 0;        // the six flags when op == kNone
};

struct X86State {
    std::array<uint32_t, 8> gpr{};
    uint32_t eip = 0xFFF0;
    uint32_t eflags = 2;       // non-arithmetic bits; arithmetic bits live in `arith`
    ArithFlags arith{};
    std::array<Segment, 6> seg{};
    Segment ldtr{}, tr{};
    TableRegister gdtr{}, idtr{};
    uint32_t cr0 = CR0_CD | CR0_NW | CR0_ET, cr2 = 0, cr3 = 0, cr4 = 0;  // SDM Vol. 3 Table 9-1: 60000010H
    std::array<uint32_t, 8> dr{0, 0, 0, 0, 0xFFFF0FF0, 0x400, 0xFFFF0FF0, 0x400};
    uint8_t cpl = 0;
    uint64_t tsc = 0;
    // SYSENTER MSRs (SDM Vol. 3 §5.8.7)
    uint32_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
    uint64_t apic_base = 0;
    uint64_t misc_enable = 0;
    std::array<uint64_t, 2> mtrr_misc{};  // MTRRdefType, etc. kept as plain storage
};

}  // namespace trapeze::x86
