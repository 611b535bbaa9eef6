// The x87 FPU of a Pentium II, as a self-contained unit that the IA-32 interpreter calls for
// every x87 instruction (ESC opcodes D8..DF), for FXSAVE/FXRSTOR and for the MMX aliasing of
// the data registers.
//
// Contract with the interpreter (details and rationale in docs/x87.md):
//  * Memory stays the interpreter's business. For a load the interpreter reads the operand
//    bytes first (taking any #GP/#SS/#PF) and passes a pointer to them. For a store it
//    translates and checks the destination first, calls the operation, and writes the returned
//    bytes only if X87Store::write is true (an unmasked exception suppresses the store, SDM
//    Vol. 1 §8.5). The state is changed by the call, so it must come after every fault check.
//  * Pending exceptions: before executing a *waiting* x87 instruction (every one except the
//    FN* forms, see is_waiting_instruction) and WAIT/FWAIT, the interpreter asks
//    pending_exception(); if true it does not execute the instruction but raises #MF
//    (CR0.NE = 1) or asserts FERR# / IRQ13 (CR0.NE = 0). #NM for CR0.EM/TS comes first.
//    Operations never fault synchronously: an unmasked exception only sets ES/B (SDM Vol. 1
//    §8.6).
//  * FIP/FDP/FOP: every operation taking an X87Site is a non-control instruction and records
//    the site's CS:EIP and opcode (and, for memory forms, the operand's segment:offset) before
//    executing, whether or not it raises an exception (SDM Vol. 1 §8.1.8, §8.1.9). The control
//    instructions (FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV, FLDENV, FNSAVE, FRSTOR,
//    FXSAVE, FXRSTOR) take no site and leave the pointers alone.
//
// Exactness: the arithmetic is done by the host's own x87 (this unit requires an x86-64 host).
// Each operation loads the guest's complete x87 state, control word included, into the host
// FPU, executes the very same instruction encoding, and reads the state back, so results,
// condition codes, flags, masked and unmasked responses are those of the hardware.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "isa/x86/fpu/x87_state.h"

namespace trapeze::x86 {

// Where an x87 instruction is, for the FCS:FIP, FDS:FDP and FOP registers.
struct X87Site {
    // CS selector and the offset of the instruction's first byte (prefixes included).
    X87Pointer instruction{};
    // FOP: bits 10..8 are the low three bits of the ESC opcode byte, bits 7..0 the ModR/M byte.
    uint16_t opcode = 0;
    bool has_memory_operand = false;
    // Segment selector and effective address (offset in the segment) of the memory operand.
    X87Pointer operand{};

    static constexpr uint16_t make_opcode(uint8_t esc_byte, uint8_t modrm) {
        return static_cast<uint16_t>(((esc_byte & 7u) << 8) | modrm);
    }
    static constexpr X87Site register_form(X87Pointer instruction, uint8_t esc_byte,
                                           uint8_t modrm) {
        return {instruction, make_opcode(esc_byte, modrm), false, {}};
    }
    static constexpr X87Site memory_form(X87Pointer instruction, uint8_t esc_byte, uint8_t modrm,
                                         X87Pointer operand) {
        return {instruction, make_opcode(esc_byte, modrm), true, operand};
    }
};

// What one instruction did to the exception flags.
struct X87Outcome {
    uint16_t raised = 0;     // the fsw::IE..fsw::PE and fsw::SF bits this instruction set
    bool unmasked = false;   // one of them is unmasked: ES/B are set, the exception is pending
};

// The result of a store to memory.
template <std::size_t N>
struct X87Store {
    std::array<uint8_t, N> bytes{};
    bool write = false;      // false: an unmasked exception suppressed the store
    X87Outcome outcome;
};

// The result of FCOMI/FCOMIP/FUCOMI/FUCOMIP.
struct X87CompareFlags {
    bool write = false;      // false: unmasked #IA, EFLAGS are left unchanged
    bool zf = false, pf = false, cf = false;  // when write: also clear OF, SF and AF
    X87Outcome outcome;
};

// FSTENV/FSAVE images (14, 28, 94 or 108 bytes).
struct X87Image {
    std::array<uint8_t, max_save_image_size> bytes{};
    std::size_t size = 0;
};

// The arithmetic operations, numbered as the reg field of the D8 /r encodings.
// "dest op src" with: Sub = dest - src, SubR = src - dest, Div = dest / src, DivR = src / dest.
enum class X87ArithOp : uint8_t { Add = 0, Mul = 1, Sub = 4, SubR = 5, Div = 6, DivR = 7 };

// FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ, numbered as D9 E8+n.
enum class X87Constant : uint8_t { One = 0, Log2Ten = 1, Log2E = 2, Pi = 3, Log10Two = 4,
                                   LnTwo = 5, Zero = 6 };

class X87 {
public:
    // The state after RESET (see X87State::power_on_reset); the interpreter calls reset() on
    // RESET but not on INIT.
    X87() { reset(); }
    void reset() { state_.power_on_reset(); }

    X87State& state() { return state_; }
    const X87State& state() const { return state_; }

    // ---- Exception signalling (SDM Vol. 1 §8.6, §8.7) ------------------------------------
    // An unmasked exception is pending (ES set): the next waiting x87 instruction, WAIT/FWAIT
    // or MMX instruction must raise #MF / IRQ13 instead of executing.
    bool pending_exception() const { return (state_.status & fsw::ES) != 0; }
    // False for the no-wait forms FNINIT, FNCLEX, FNSTCW, FNSTSW (m2byte and AX), FNSTENV,
    // FNSAVE and the 8087/287 leftovers FENI, FDISI, FSETPM (DB E0, E1, E4; no-ops on the
    // 387 and later, SDM Vol. 1 §8.3.13); true for every other ESC encoding. FXSAVE and
    // FXRSTOR (0F AE) do not check for pending x87 exceptions either.
    static bool is_waiting_instruction(uint8_t esc_byte, uint8_t modrm);

    // ---- Loads: push onto the register stack ---------------------------------------------
    X87Outcome fld_m32fp(const X87Site& site, const uint8_t* operand);   // D9 /0
    X87Outcome fld_m64fp(const X87Site& site, const uint8_t* operand);   // DD /0
    X87Outcome fld_m80fp(const X87Site& site, const uint8_t* operand);   // DB /5
    X87Outcome fld_st(const X87Site& site, unsigned i);                   // D9 C0+i
    X87Outcome fild_m16int(const X87Site& site, const uint8_t* operand); // DF /0
    X87Outcome fild_m32int(const X87Site& site, const uint8_t* operand); // DB /0
    X87Outcome fild_m64int(const X87Site& site, const uint8_t* operand); // DF /5
    X87Outcome fbld(const X87Site& site, const uint8_t* operand);        // DF /4, m80bcd
    X87Outcome fld_constant(const X87Site& site, X87Constant constant);  // D9 E8..EE

    // ---- Stores ---------------------------------------------------------------------------
    X87Store<4> fst_m32fp(const X87Site& site, bool pop);    // D9 /2, FSTP D9 /3
    X87Store<8> fst_m64fp(const X87Site& site, bool pop);    // DD /2, FSTP DD /3
    X87Store<10> fstp_m80fp(const X87Site& site);            // DB /7
    X87Outcome fst_st(const X87Site& site, unsigned i, bool pop);  // DD D0+i, FSTP DD D8+i
    X87Store<2> fist_m16int(const X87Site& site, bool pop);  // DF /2, FISTP DF /3
    X87Store<4> fist_m32int(const X87Site& site, bool pop);  // DB /2, FISTP DB /3
    X87Store<8> fistp_m64int(const X87Site& site);           // DF /7
    X87Store<10> fbstp(const X87Site& site);                 // DF /6, m80bcd

    // ---- Register moves -------------------------------------------------------------------
    X87Outcome fxch(const X87Site& site, unsigned i);                     // D9 C8+i
    // FCMOVcc ST(0), ST(i) (DA/DB C0..DF); the interpreter evaluates cc on EFLAGS.
    X87Outcome fcmov(const X87Site& site, unsigned i, bool condition);

    // ---- Basic arithmetic (precision and rounding control apply) ---------------------------
    X87Outcome arith_m32fp(const X87Site& site, X87ArithOp op, const uint8_t* operand);   // D8
    X87Outcome arith_m64fp(const X87Site& site, X87ArithOp op, const uint8_t* operand);   // DC
    X87Outcome arith_m16int(const X87Site& site, X87ArithOp op, const uint8_t* operand);  // DE
    X87Outcome arith_m32int(const X87Site& site, X87ArithOp op, const uint8_t* operand);  // DA
    // ST(0) <- ST(0) op ST(i)   (D8 C0..FF)
    X87Outcome arith_st0_sti(const X87Site& site, X87ArithOp op, unsigned i);
    // ST(i) <- ST(i) op ST(0), then pop if `pop`   (DC C0..FF, DE C0..FF)
    X87Outcome arith_sti_st0(const X87Site& site, X87ArithOp op, unsigned i, bool pop);
    X87Outcome fsqrt(const X87Site& site);    // D9 FA

    // ---- Comparisons (C0, C2, C3) ------------------------------------------------------------
    X87Outcome fcom_m32fp(const X87Site& site, const uint8_t* operand, bool pop);    // D8 /2 /3
    X87Outcome fcom_m64fp(const X87Site& site, const uint8_t* operand, bool pop);    // DC /2 /3
    X87Outcome ficom_m16int(const X87Site& site, const uint8_t* operand, bool pop);  // DE /2 /3
    X87Outcome ficom_m32int(const X87Site& site, const uint8_t* operand, bool pop);  // DA /2 /3
    X87Outcome fcom_st(const X87Site& site, unsigned i, bool pop);   // D8 D0+i, FCOMP D8 D8+i
    X87Outcome fcompp(const X87Site& site);                          // DE D9
    X87Outcome fucom_st(const X87Site& site, unsigned i, bool pop);  // DD E0+i, FUCOMP DD E8+i
    X87Outcome fucompp(const X87Site& site);                         // DA E9
    // ZF, PF, CF (DB F0+i FCOMI, DF F0+i FCOMIP, DB E8+i FUCOMI, DF E8+i FUCOMIP)
    X87CompareFlags fcomi(const X87Site& site, unsigned i, bool pop);
    X87CompareFlags fucomi(const X87Site& site, unsigned i, bool pop);
    X87Outcome ftst(const X87Site& site);   // D9 E4
    X87Outcome fxam(const X87Site& site);   // D9 E5

    // ---- Other arithmetic ----------------------------------------------------------------
    X87Outcome fchs(const X87Site& site);     // D9 E0
    X87Outcome fabs(const X87Site& site);     // D9 E1
    X87Outcome frndint(const X87Site& site);  // D9 FC
    X87Outcome fscale(const X87Site& site);   // D9 FD
    X87Outcome fxtract(const X87Site& site);  // D9 F4
    X87Outcome fprem(const X87Site& site);    // D9 F8
    X87Outcome fprem1(const X87Site& site);   // D9 F5
    X87Outcome f2xm1(const X87Site& site);    // D9 F0
    X87Outcome fyl2x(const X87Site& site);    // D9 F1
    X87Outcome fptan(const X87Site& site);    // D9 F2
    X87Outcome fpatan(const X87Site& site);   // D9 F3
    X87Outcome fyl2xp1(const X87Site& site);  // D9 F9
    X87Outcome fsincos(const X87Site& site);  // D9 FB
    X87Outcome fsin(const X87Site& site);     // D9 FE
    X87Outcome fcos(const X87Site& site);     // D9 FF

    // ---- Stack management (non-control: they record the site) ----------------------------
    X87Outcome fincstp(const X87Site& site);               // D9 F7
    X87Outcome fdecstp(const X87Site& site);               // D9 F6
    X87Outcome ffree(const X87Site& site, unsigned i);     // DD C0+i
    X87Outcome ffreep(const X87Site& site, unsigned i);    // DF C0+i (P6, undocumented)
    X87Outcome fnop(const X87Site& site);                  // D9 D0

    // ---- Control instructions (no site: FIP/FDP/FOP unchanged) ---------------------------
    void fninit();                      // DB E3
    void fnclex();                      // DB E2
    void fldcw(uint16_t control);       // D9 /5
    uint16_t fnstcw() const { return state_.control; }   // D9 /7
    uint16_t fnstsw() const { return state_.status; }    // DD /7 and DF E0 (AX)
    // D9 /6: stores the environment, then masks all exceptions (clearing ES/B).
    X87Image fnstenv(X87EnvFormat format);
    void fldenv(X87EnvFormat format, const uint8_t* image);   // D9 /4
    // DD /6: stores the state, then initializes the FPU as FNINIT does.
    X87Image fnsave(X87EnvFormat format);
    void frstor(X87EnvFormat format, const uint8_t* image);   // DD /4
    // 0F AE /0: the caller writes bytes [0, fxsave_written_bytes) of the returned image.
    std::array<uint8_t, fxsave_image_size> fxsave() const;
    // 0F AE /1: false (state unchanged) means #GP(0): an MXCSR bit outside MXCSR_MASK.
    // The caller has read at least the first 160 bytes.
    bool fxrstor(const uint8_t* image);

    // ---- MMX aliasing (SDM Vol. 1 §9.5) ----------------------------------------------------
    // An MMX instruction that writes MMi sets physical register i's significand, its exponent
    // field to all ones, TOP to 0 and every tag to valid; one that only reads MMi still sets
    // TOP to 0 and the tags to valid (call mmx_enter()). EMMS empties every tag.
    uint64_t mmx_read(unsigned i) const { return state_.physical[i & 7].significand; }
    void mmx_write(unsigned i, uint64_t value);
    void mmx_enter();
    void emms() { state_.nonempty = 0; }

private:
    X87State state_{};
};

}  // namespace trapeze::x86
