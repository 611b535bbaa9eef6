// Architectural state of the x87 FPU of a P6-family processor (Pentium Pro / II / III without
// SSE state), and the memory images it is saved to and restored from.
//
// References: Intel SDM Vol. 1 §8.1 (execution environment), §8.1.10 and figures 8-9..8-12
// (FSTENV/FSAVE images), §10.5.1 and table 10-2 (FXSAVE image).
//
// This header is independent of the rest of the interpreter: it knows nothing about guest
// memory, segments or the CPU mode. The interpreter picks the image format (X87EnvFormat) from
// the CPU mode and the operand size and moves the bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace trapeze::x86 {

// One 80-bit double-extended value exactly as held in an x87 data register or stored by
// FSTP m80fp (SDM Vol. 1 §4.2.2): bytes 0..7 are the significand with the explicit integer bit
// J in bit 63, bytes 8..9 hold the sign (bit 15) and the biased exponent (bits 14..0).
struct Float80 {
    uint64_t significand = 0;
    uint16_t sign_exponent = 0;

    static constexpr uint16_t exponent_bias = 0x3FFF;
    static constexpr uint16_t max_exponent = 0x7FFF;
    static constexpr uint64_t integer_bit = uint64_t{1} << 63;
    static constexpr uint64_t quiet_bit = uint64_t{1} << 62;

    constexpr bool sign() const { return (sign_exponent & 0x8000) != 0; }
    constexpr uint16_t exponent() const { return sign_exponent & 0x7FFF; }
    constexpr bool has_integer_bit() const { return (significand & integer_bit) != 0; }

    static Float80 from_bytes(const uint8_t* bytes);
    void to_bytes(uint8_t* bytes) const;

    // The real indefinite, the QNaN the x87 delivers as the masked response to an invalid
    // operation (SDM Vol. 1 §4.8.3.7, table 4-3): sign 1, exponent all ones, 0xC000...0.
    static constexpr Float80 indefinite() { return {0xC000000000000000ull, 0xFFFF}; }

    friend constexpr bool operator==(const Float80&, const Float80&) = default;
};

// Encoding classes of a Float80 (SDM Vol. 1 §8.2.2, table 8-3). Pseudo-denormals (exponent 0,
// J = 1) are supported operands on the 387 and later (treated as denormals, #D); the
// "unsupported" encodings (pseudo-NaN, pseudo-infinity, unnormal: J = 0 with a non-zero
// exponent) raise #IA as operands of arithmetic instructions.
enum class Float80Class : uint8_t {
    Zero,
    Denormal,
    PseudoDenormal,
    Normal,
    Infinity,
    QuietNaN,
    SignalingNaN,
    Unsupported,
};
Float80Class classify(const Float80& value);

// Two-bit tags as stored by FSTENV/FSAVE (SDM Vol. 1 §8.1.7, figure 8-7).
enum class X87Tag : uint8_t { Valid = 0, Zero = 1, Special = 2, Empty = 3 };

// The tag of a non-empty register computed from its contents, as the processor does when it
// stores the tag word (denormals, infinities, NaNs and unsupported encodings are "special").
X87Tag tag_from_contents(const Float80& value);

// Status word bits (SDM Vol. 1 §8.1.3, figure 8-4).
namespace fsw {
inline constexpr uint16_t IE = 1u << 0;   // invalid operation
inline constexpr uint16_t DE = 1u << 1;   // denormal operand
inline constexpr uint16_t ZE = 1u << 2;   // zero divide
inline constexpr uint16_t OE = 1u << 3;   // overflow
inline constexpr uint16_t UE = 1u << 4;   // underflow
inline constexpr uint16_t PE = 1u << 5;   // precision
inline constexpr uint16_t SF = 1u << 6;   // stack fault
inline constexpr uint16_t ES = 1u << 7;   // exception summary
inline constexpr uint16_t C0 = 1u << 8;
inline constexpr uint16_t C1 = 1u << 9;
inline constexpr uint16_t C2 = 1u << 10;
inline constexpr uint16_t TOP_SHIFT = 11;
inline constexpr uint16_t TOP = 7u << TOP_SHIFT;
inline constexpr uint16_t C3 = 1u << 14;
inline constexpr uint16_t B = 1u << 15;   // busy; mirrors ES on the 387 and later
inline constexpr uint16_t EXCEPTIONS = IE | DE | ZE | OE | UE | PE;
inline constexpr uint16_t CONDITION = C0 | C1 | C2 | C3;
}  // namespace fsw

// Control word bits (SDM Vol. 1 §8.1.5, figure 8-6).
namespace fcw {
inline constexpr uint16_t IM = 1u << 0;
inline constexpr uint16_t DM = 1u << 1;
inline constexpr uint16_t ZM = 1u << 2;
inline constexpr uint16_t OM = 1u << 3;
inline constexpr uint16_t UM = 1u << 4;
inline constexpr uint16_t PM = 1u << 5;
inline constexpr uint16_t MASKS = IM | DM | ZM | OM | UM | PM;
inline constexpr uint16_t PC_SHIFT = 8;          // precision control
inline constexpr uint16_t PC = 3u << PC_SHIFT;
inline constexpr uint16_t PC_24 = 0u << PC_SHIFT;
inline constexpr uint16_t PC_53 = 2u << PC_SHIFT;
inline constexpr uint16_t PC_64 = 3u << PC_SHIFT;
inline constexpr uint16_t RC_SHIFT = 10;         // rounding control
inline constexpr uint16_t RC = 3u << RC_SHIFT;
inline constexpr uint16_t RC_NEAREST = 0u << RC_SHIFT;
inline constexpr uint16_t RC_DOWN = 1u << RC_SHIFT;
inline constexpr uint16_t RC_UP = 2u << RC_SHIFT;
inline constexpr uint16_t RC_ZERO = 3u << RC_SHIFT;
inline constexpr uint16_t X = 1u << 12;          // infinity control (287 compatibility, kept)
// Bits 15..13 and 7 read as 0 and bit 6 reads as 1 whatever is loaded (observed on P6 and
// later, and what Bochs does): FLDCW 0xFFFF then FNSTCW gives 0x1F7F.
inline constexpr uint16_t RESERVED_ZERO = 0xE080;
inline constexpr uint16_t RESERVED_ONE = 0x0040;
inline constexpr uint16_t DEFAULT = 0x037F;      // after FNINIT
}  // namespace fcw

// The control word as FLDCW, FLDENV, FRSTOR and FXRSTOR load it.
constexpr uint16_t normalize_control_word(uint16_t control) {
    return static_cast<uint16_t>((control & ~fcw::RESERVED_ZERO) | fcw::RESERVED_ONE);
}

// A far pointer as the x87 records it: a selector (FCS, FDS) and an offset (FIP, FDP).
struct X87Pointer {
    uint16_t selector = 0;
    uint32_t offset = 0;
    friend constexpr bool operator==(const X87Pointer&, const X87Pointer&) = default;
};

// The MXCSR as FXSAVE/FXRSTOR see it. SSE is not implemented here; MXCSR is nevertheless kept
// so that an FXSAVE/FXRSTOR round trip preserves it. The mask is the one of processors
// without DAZ support (SDM Vol. 1 §11.6.6).
inline constexpr uint32_t mxcsr_default = 0x1F80;
inline constexpr uint32_t mxcsr_mask = 0x0000FFBF;

struct X87State {
    // The eight physical data registers R0..R7. ST(i) is physical[(TOP + i) mod 8].
    std::array<Float80, 8> physical{};
    uint16_t control = fcw::DEFAULT;
    uint16_t status = 0;          // includes TOP in bits 13..11
    // The tag word in its abridged form: bit r set = physical register Rr is not empty. The
    // full two-bit tag word is derived from the contents when it is stored, and a loaded tag
    // word only distinguishes empty from non-empty (SDM Vol. 1 §8.1.7), so nothing is lost.
    uint8_t nonempty = 0;
    X87Pointer last_instruction{};  // FCS:FIP of the last non-control instruction
    X87Pointer last_data{};         // FDS:FDP of its memory operand
    uint16_t last_opcode = 0;       // FOP, 11 bits (SDM Vol. 1 §8.1.9)
    uint32_t mxcsr = mxcsr_default;

    unsigned top() const { return (status & fsw::TOP) >> fsw::TOP_SHIFT; }
    void set_top(unsigned top);
    unsigned physical_index(unsigned st) const { return (top() + st) & 7; }
    Float80& st(unsigned i) { return physical[physical_index(i)]; }
    const Float80& st(unsigned i) const { return physical[physical_index(i)]; }
    bool is_empty(unsigned physical_register) const {
        return (nonempty & (1u << physical_register)) == 0;
    }
    bool st_is_empty(unsigned i) const { return is_empty(physical_index(i)); }

    // Full tag word (two bits per physical register, R0 in bits 1..0).
    uint16_t tag_word() const;
    // Loads a full tag word: 11b marks the register empty, anything else non-empty.
    void set_tag_word(uint16_t tag_word);
    uint8_t abridged_tag_word() const { return nonempty; }

    // Sets or clears ES and B from the exception flags and masks: ES is set exactly when an
    // exception flag is set whose mask bit is clear (SDM Vol. 1 §8.1.3.5, §8.6).
    void update_summary();

    // The state after RESET (SDM Vol. 3 §9.1.1, table 9-1, P6 column): control 0x0040 (all
    // exceptions unmasked), status 0, tag word 0x5555 (every register non-empty, +0.0),
    // pointers and opcode 0, MXCSR 0x1F80. INIT leaves the x87 state unchanged.
    void power_on_reset();

    // The state after FNINIT (SDM Vol. 2 "FINIT/FNINIT"): control 0x037F,
    // status 0, all registers empty, pointers and opcode 0. Register contents are kept.
    void initialize();
};

// ---- Memory images ---------------------------------------------------------------------------

// The four layouts of FSTENV/FLDENV/FSAVE/FRSTOR (SDM Vol. 1 §8.1.10, figures 8-9..8-12).
// Real-address and virtual-8086 mode use the Real layouts; protected mode the Protected ones.
// The 16/32 is the operand-size attribute of the instruction.
enum class X87EnvFormat : uint8_t { Real16, Real32, Protected16, Protected32 };

constexpr bool is_32bit(X87EnvFormat format) {
    return format == X87EnvFormat::Real32 || format == X87EnvFormat::Protected32;
}
constexpr bool is_real_mode(X87EnvFormat format) {
    return format == X87EnvFormat::Real16 || format == X87EnvFormat::Real32;
}
// 14 or 28 bytes.
constexpr std::size_t env_image_size(X87EnvFormat format) { return is_32bit(format) ? 28 : 14; }
// The environment followed by ST(0)..ST(7), 10 bytes each: 94 or 108 bytes.
constexpr std::size_t save_image_size(X87EnvFormat format) { return env_image_size(format) + 80; }
inline constexpr std::size_t max_save_image_size = 108;
inline constexpr std::size_t fxsave_image_size = 512;

// Writes the environment image (env_image_size(format) bytes). The tag word is computed from
// the register contents. Reserved halves of the 32-bit layouts are written as 0xFFFF, as the
// hardware does. In the real-mode layouts FIP and FDP are stored as 20/32-bit linear
// addresses, selector * 16 + offset.
void store_env_image(const X87State& state, X87EnvFormat format, uint8_t* out);

// Loads an environment image. The control word's reserved bits are normalized, only the
// empty/non-empty distinction of the tag word is kept, and ES/B are recomputed from the loaded
// flags and masks (an unmasked flag becomes a pending exception). In the real-mode layouts the
// selectors become 0 and the offsets the linear addresses; the 16-bit protected layout has no
// opcode field and loads FOP as 0.
void load_env_image(X87State& state, X87EnvFormat format, const uint8_t* in);

// FSAVE/FRSTOR images: the environment then the registers in stack order (ST(0) first).
void store_save_image(const X87State& state, X87EnvFormat format, uint8_t* out);
void load_save_image(X87State& state, X87EnvFormat format, const uint8_t* in);

// FXSAVE image (SDM Vol. 1 §10.5.1, table 10-2; the 32-bit layout, which P6 uses whatever
// the operand size). Writes bytes 0..463: the x87 part and MXCSR/MXCSR_MASK in bytes 0..159,
// zero for the XMM registers and the reserved area in bytes 160..463. Bytes 464..511 are
// available to software and are never written by FXSAVE: the caller must not store them.
inline constexpr std::size_t fxsave_written_bytes = 464;
void store_fxsave_image(const X87State& state, uint8_t* out);

// Whether FXRSTOR would accept the image: an MXCSR with a bit outside MXCSR_MASK is a #GP(0)
// (SDM Vol. 2 FXRSTOR).
bool fxsave_image_mxcsr_is_valid(const uint8_t* in);

// Loads bytes 0..159 of an FXSAVE image (the caller checks fxsave_image_mxcsr_is_valid first).
void load_fxsave_image(X87State& state, const uint8_t* in);

}  // namespace trapeze::x86
