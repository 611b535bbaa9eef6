// x87 operations executed on the host FPU.
//
// How exactness is achieved: for every non-control instruction the guest's x87 state (control
// word with the guest's masks, precision and rounding control; TOP; condition codes; tags;
// the eight registers) is written into an FNSAVE image, loaded into the host FPU with FRSTOR,
// the guest's own instruction encoding (ESC byte + ModR/M) is executed by the host, and the
// state is saved back with FNSAVE. The host therefore computes the result, the condition
// codes, the exception flags, stack faults, and the masked *and* unmasked responses (a
// destination left unchanged, a result with a biased exponent, a suppressed store).
//
// Why this is safe for the host: the image loaded has all exception flags clear, so nothing is
// pending when the (waiting) guest instruction starts; an unmasked exception it raises only
// sets ES on the host, which FNSAVE (no-wait) stores and then clears by re-initializing the
// FPU, before FLDCW restores the host's control word. No waiting instruction ever sees ES set,
// so the host never takes #MF/SIGFPE. The x86-64 ABI keeps the x87 stack empty across calls,
// and the asm statements declare the x87 registers clobbered.
//
// What the host does not do: FCS/FDS/FIP/FDP/FOP (recorded here from the X87Site, since
// recent processors no longer maintain FCS/FDS), the accumulation of sticky flags across
// instructions, ES/B, and the control instructions, which are pure state moves.
#include "isa/x86/fpu/x87.h"

#include <cstring>
#include <utility>

#if !defined(__x86_64__) || !defined(__GNUC__)
#error "the x87 unit executes guest x87 instructions on the host FPU: it needs an x86-64 host \
and GCC/Clang inline assembly"
#endif

namespace trapeze::x86 {

namespace {

// The host FNSAVE/FRSTOR image: in 64-bit mode without REX.W these use the 32-bit
// protected-mode layout (108 bytes).
constexpr X87EnvFormat host_format = X87EnvFormat::Protected32;
struct alignas(16) HostImage {
    uint8_t bytes[108];
};

#define TRAPEZE_X87_CLOBBERS "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)"

// Executes the register-form (or operand-less) instruction `Esc ModRM` on the host.
template <uint8_t Esc, uint8_t ModRM>
void host_register_form(HostImage& image, uint8_t* /*operand*/) {
    uint16_t host_control;
    asm volatile(
        "fnstcw %[cw]\n\t"
        "frstor %[img]\n\t"
        ".byte %c[esc], %c[modrm]\n\t"
        "fnsave %[img]\n\t"
        "fldcw %[cw]"
        : [img] "+m"(image), [cw] "=m"(host_control)
        : [esc] "i"(Esc), [modrm] "i"(ModRM)
        : TRAPEZE_X87_CLOBBERS);
}

// Executes the memory-form instruction `Esc /Reg` with its operand at `operand`: the ModR/M
// byte is mod = 00, rm = 000, which addresses [rax] in 64-bit mode.
template <uint8_t Esc, uint8_t Reg>
void host_memory_form(HostImage& image, uint8_t* operand) {
    uint16_t host_control;
    asm volatile(
        "fnstcw %[cw]\n\t"
        "frstor %[img]\n\t"
        ".byte %c[esc], %c[modrm]\n\t"
        "fnsave %[img]\n\t"
        "fldcw %[cw]"
        : [img] "+m"(image), [cw] "=m"(host_control)
        : [esc] "i"(Esc), [modrm] "i"(Reg << 3), "a"(operand)
        : "memory", TRAPEZE_X87_CLOBBERS);
}

// FCOMI-family instruction `Esc ModRM`: returns AH from LAHF (SF ZF - AF - PF - CF) in bits
// 15..8 and OF in bit 0. The flags are preset to OF = SF = AF = PF = 1, ZF = CF = 0, a state
// FCOMI never produces (it clears OF and SF), so whether it wrote EFLAGS is visible.
template <uint8_t Esc, uint8_t ModRM>
uint16_t host_flags_form(HostImage& image) {
    uint16_t host_control;
    uint16_t flags;
    asm volatile(
        "fnstcw %[cw]\n\t"
        "frstor %[img]\n\t"
        "movl $0x7fffffff, %%eax\n\t"
        "addl $1, %%eax\n\t"
        ".byte %c[esc], %c[modrm]\n\t"
        "lahf\n\t"
        "seto %%al\n\t"
        "fnsave %[img]\n\t"
        "fldcw %[cw]"
        : [img] "+m"(image), [cw] "=m"(host_control), "=&a"(flags)
        : [esc] "i"(Esc), [modrm] "i"(ModRM)
        : "cc", TRAPEZE_X87_CLOBBERS);
    return flags;
}

// FCMOVB ST(0), ST(ModRM & 7) (DA C0+i) with CF = condition: every FCMOVcc is this
// instruction once the interpreter has evaluated cc.
template <uint8_t ModRM>
void host_fcmov(HostImage& image, uint32_t condition) {
    uint16_t host_control;
    asm volatile(
        "fnstcw %[cw]\n\t"
        "frstor %[img]\n\t"
        "btl $0, %[cond]\n\t"
        ".byte 0xDA, %c[modrm]\n\t"
        "fnsave %[img]\n\t"
        "fldcw %[cw]"
        : [img] "+m"(image), [cw] "=m"(host_control)
        : [cond] "r"(condition), [modrm] "i"(ModRM)
        : "cc", TRAPEZE_X87_CLOBBERS);
}

#undef TRAPEZE_X87_CLOBBERS

using HostThunk = void (*)(HostImage&, uint8_t*);
using HostFlagsThunk = uint16_t (*)(HostImage&);
using HostFcmovThunk = void (*)(HostImage&, uint32_t);

// The 64 register forms ESC C0..FF of one ESC byte, indexed by ModR/M - 0xC0. The tables hold
// every encoding for simplicity, but only the forms named by the X87 methods below are ever
// executed: never a control instruction (FNSTSW AX would clobber AX behind the compiler's
// back), a P6 #UD encoding, or FISTTP.
template <uint8_t Esc, std::size_t... I>
constexpr std::array<HostThunk, 64> make_register_block(std::index_sequence<I...>) {
    return {&host_register_form<Esc, static_cast<uint8_t>(0xC0 + I)>...};
}
template <uint8_t Esc>
constexpr std::array<HostThunk, 64> register_block =
    make_register_block<Esc>(std::make_index_sequence<64>{});

// The eight memory forms ESC /0../7 of one ESC byte.
template <uint8_t Esc, std::size_t... Reg>
constexpr std::array<HostThunk, 8> make_memory_block(std::index_sequence<Reg...>) {
    return {&host_memory_form<Esc, static_cast<uint8_t>(Reg)>...};
}
template <uint8_t Esc>
constexpr std::array<HostThunk, 8> memory_block =
    make_memory_block<Esc>(std::make_index_sequence<8>{});

template <uint8_t Esc, uint8_t Base, std::size_t... I>
constexpr std::array<HostFlagsThunk, 8> make_flags_family(std::index_sequence<I...>) {
    return {&host_flags_form<Esc, static_cast<uint8_t>(Base + I)>...};
}
template <uint8_t Esc, uint8_t Base>
constexpr std::array<HostFlagsThunk, 8> flags_family =
    make_flags_family<Esc, Base>(std::make_index_sequence<8>{});

template <std::size_t... I>
constexpr std::array<HostFcmovThunk, 8> make_fcmov_family(std::index_sequence<I...>) {
    return {&host_fcmov<static_cast<uint8_t>(0xC0 + I)>...};
}
constexpr std::array<HostFcmovThunk, 8> fcmov_family =
    make_fcmov_family(std::make_index_sequence<8>{});

// Register form `Esc ModRM` (ModRM >= 0xC0).
template <uint8_t Esc>
HostThunk reg_form(unsigned modrm) {
    return register_block<Esc>[(modrm - 0xC0) & 63];
}

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

// ---- Moving the guest state through the host FPU ----------------------------------------

// Records FCS:FIP, FOP and (memory forms) FDS:FDP of a non-control instruction.
void record(X87State& state, const X87Site& site) {
    state.last_instruction = site.instruction;
    state.last_opcode = site.opcode & 0x7FF;
    if (site.has_memory_operand) state.last_data = site.operand;
}

HostImage to_host(const X87State& state) {
    X87State host_view = state;
    // No exception flags, ES or SF: nothing is pending when the host starts the instruction,
    // and whatever the host reports afterwards was raised by this instruction alone.
    host_view.status &= fsw::CONDITION | fsw::TOP;
    host_view.last_instruction = {};
    host_view.last_data = {};
    host_view.last_opcode = 0;
    HostImage image;
    store_save_image(host_view, host_format, image.bytes);
    return image;
}

// Unmasked pre-computation exceptions (invalid operation, denormal operand, zero divide) stop
// the instruction before it changes anything: "the top-of-stack pointer (TOP) and source
// operands remain unchanged" (SDM Vol. 1 §8.5.1, §8.5.2, §8.5.3), and no store is made.
// This is enforced here rather than trusted to the host: AMD processors push a denormal
// single/double loaded by FLD even when #D is unmasked, and write ZF/PF/CF for FCOMI with an
// unmasked #IA, where the P6 (and Bochs) leave the stack and EFLAGS alone.
bool stopped_before_computation(const X87State& state, uint16_t raised) {
    return (raised & ~state.control & (fsw::IE | fsw::DE | fsw::ZE)) != 0;
}

X87Outcome from_host(X87State& state, const HostImage& image) {
    const uint16_t host_status = read16(image.bytes + 4);
    const uint16_t raised = host_status & (fsw::EXCEPTIONS | fsw::SF);
    uint16_t top = state.status & fsw::TOP;
    if (!stopped_before_computation(state, raised)) {
        X87State host_view;
        load_save_image(host_view, host_format, image.bytes);
        state.physical = host_view.physical;
        state.nonempty = host_view.nonempty;
        top = host_status & fsw::TOP;
    }
    // Condition codes and TOP come from the instruction; exception flags and SF are sticky
    // (SDM Vol. 1 §8.1.3.4, §8.1.3.1); ES and B summarize them.
    state.status = static_cast<uint16_t>((host_status & fsw::CONDITION) | top |
                                         ((state.status | raised) & (fsw::EXCEPTIONS | fsw::SF)));
    state.update_summary();
    return {raised, (raised & ~state.control & fcw::MASKS) != 0};
}

X87Outcome run(X87State& state, const X87Site& site, HostThunk thunk) {
    record(state, site);
    HostImage image = to_host(state);
    thunk(image, nullptr);
    return from_host(state, image);
}

// A load or arithmetic instruction with a memory source of `size` bytes.
X87Outcome run_with_source(X87State& state, const X87Site& site, HostThunk thunk,
                           const uint8_t* operand, std::size_t size) {
    alignas(16) uint8_t buffer[16] = {};
    std::memcpy(buffer, operand, size);
    record(state, site);
    HostImage image = to_host(state);
    thunk(image, buffer);
    return from_host(state, image);
}

// A store of N bytes. Whether the host wrote the destination is observed, not inferred: the
// buffer is prefilled with a pattern and, should the result equal the pattern, the instruction
// is run a second time over the complementary pattern.
template <std::size_t N>
X87Store<N> run_store(X87State& state, const X87Site& site, HostThunk thunk) {
    static_assert(N <= 16);
    record(state, site);
    const HostImage initial = to_host(state);
    HostImage image = initial;
    alignas(16) uint8_t buffer[16];
    std::memset(buffer, 0x5A, sizeof buffer);
    thunk(image, buffer);
    auto differs_from = [&](uint8_t pattern) {
        for (std::size_t i = 0; i < N; ++i) {
            if (buffer[i] != pattern) return true;
        }
        return false;
    };
    bool written = differs_from(0x5A);
    if (!written) {
        image = initial;
        std::memset(buffer, 0xA5, sizeof buffer);
        thunk(image, buffer);
        written = differs_from(0xA5);
    }
    X87Store<N> result;
    std::memcpy(result.bytes.data(), buffer, N);
    const uint16_t raised = read16(image.bytes + 4) & (fsw::EXCEPTIONS | fsw::SF);
    result.write = written && !stopped_before_computation(state, raised);
    result.outcome = from_host(state, image);
    return result;
}

X87CompareFlags run_compare_flags(X87State& state, const X87Site& site, HostFlagsThunk thunk) {
    record(state, site);
    HostImage image = to_host(state);
    const uint16_t flags = thunk(image);
    const uint8_t ah = static_cast<uint8_t>(flags >> 8);
    const bool overflow = (flags & 1) != 0;
    const bool sign = (ah & 0x80) != 0;
    const uint16_t raised = read16(image.bytes + 4) & (fsw::EXCEPTIONS | fsw::SF);
    X87CompareFlags result;
    // SDM Vol. 2 FCOMI: with #IA unmasked "the status flags are not set".
    result.write = !(overflow && sign) && !stopped_before_computation(state, raised);
    result.zf = (ah & 0x40) != 0;
    result.pf = (ah & 0x04) != 0;
    result.cf = (ah & 0x01) != 0;
    result.outcome = from_host(state, image);
    return result;
}

unsigned arith_reg_field(X87ArithOp op) { return static_cast<unsigned>(op); }

// In the DC and DE register forms the reg field of the reversed and the plain subtraction and
// division are swapped with respect to D8 (SDM Vol. 2 FSUB/FSUBR/FDIV/FDIVR: DC E8+i is
// FSUB ST(i), ST(0), i.e. ST(i) - ST(0)).
unsigned arith_reg_field_sti_dest(X87ArithOp op) {
    const unsigned reg = static_cast<unsigned>(op);
    return reg >= 4 ? reg ^ 1 : reg;
}

uint8_t register_modrm(unsigned reg, unsigned i) {
    return static_cast<uint8_t>(0xC0 | ((reg & 7) << 3) | (i & 7));
}

}  // namespace

// ---- Exception signalling ------------------------------------------------------------------

bool X87::is_waiting_instruction(uint8_t esc_byte, uint8_t modrm) {
    const bool memory = modrm < 0xC0;
    const unsigned reg = (modrm >> 3) & 7;
    switch (esc_byte) {
        case 0xD9: return !(memory && (reg == 6 || reg == 7));  // FNSTENV, FNSTCW
        case 0xDB:  // FENI, FDISI, FNCLEX, FNINIT, FSETPM
            return !(modrm == 0xE0 || modrm == 0xE1 || modrm == 0xE2 || modrm == 0xE3 ||
                     modrm == 0xE4);
        case 0xDD: return !(memory && (reg == 6 || reg == 7));  // FNSAVE, FNSTSW m2byte
        case 0xDF: return modrm != 0xE0;                         // FNSTSW AX
        default: return true;
    }
}

// ---- Loads -----------------------------------------------------------------------------

X87Outcome X87::fld_m32fp(const X87Site& site, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xD9>[0], operand, 4);
}
X87Outcome X87::fld_m64fp(const X87Site& site, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDD>[0], operand, 8);
}
X87Outcome X87::fld_m80fp(const X87Site& site, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDB>[5], operand, 10);
}
X87Outcome X87::fld_st(const X87Site& site, unsigned i) {
    return run(state_, site, reg_form<0xD9>(0xC0 + (i & 7)));
}
X87Outcome X87::fild_m16int(const X87Site& site, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDF>[0], operand, 2);
}
X87Outcome X87::fild_m32int(const X87Site& site, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDB>[0], operand, 4);
}
X87Outcome X87::fild_m64int(const X87Site& site, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDF>[5], operand, 8);
}
X87Outcome X87::fbld(const X87Site& site, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDF>[4], operand, 10);
}
X87Outcome X87::fld_constant(const X87Site& site, X87Constant constant) {
    return run(state_, site, reg_form<0xD9>(0xE8 + static_cast<unsigned>(constant)));
}

// ---- Stores ----------------------------------------------------------------------------

X87Store<4> X87::fst_m32fp(const X87Site& site, bool pop) {
    return run_store<4>(state_, site, memory_block<0xD9>[pop ? 3 : 2]);
}
X87Store<8> X87::fst_m64fp(const X87Site& site, bool pop) {
    return run_store<8>(state_, site, memory_block<0xDD>[pop ? 3 : 2]);
}
X87Store<10> X87::fstp_m80fp(const X87Site& site) {
    return run_store<10>(state_, site, memory_block<0xDB>[7]);
}
X87Outcome X87::fst_st(const X87Site& site, unsigned i, bool pop) {
    return run(state_, site, reg_form<0xDD>((pop ? 0xD8 : 0xD0) + (i & 7)));
}
X87Store<2> X87::fist_m16int(const X87Site& site, bool pop) {
    return run_store<2>(state_, site, memory_block<0xDF>[pop ? 3 : 2]);
}
X87Store<4> X87::fist_m32int(const X87Site& site, bool pop) {
    return run_store<4>(state_, site, memory_block<0xDB>[pop ? 3 : 2]);
}
X87Store<8> X87::fistp_m64int(const X87Site& site) {
    return run_store<8>(state_, site, memory_block<0xDF>[7]);
}
X87Store<10> X87::fbstp(const X87Site& site) {
    return run_store<10>(state_, site, memory_block<0xDF>[6]);
}

// ---- Register moves ----------------------------------------------------------------------

X87Outcome X87::fxch(const X87Site& site, unsigned i) {
    return run(state_, site, reg_form<0xD9>(0xC8 + (i & 7)));
}

X87Outcome X87::fcmov(const X87Site& site, unsigned i, bool condition) {
    record(state_, site);
    HostImage image = to_host(state_);
    fcmov_family[i & 7](image, condition ? 1u : 0u);
    return from_host(state_, image);
}

// ---- Arithmetic ----------------------------------------------------------------------------

X87Outcome X87::arith_m32fp(const X87Site& site, X87ArithOp op, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xD8>[arith_reg_field(op)], operand, 4);
}
X87Outcome X87::arith_m64fp(const X87Site& site, X87ArithOp op, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDC>[arith_reg_field(op)], operand, 8);
}
X87Outcome X87::arith_m16int(const X87Site& site, X87ArithOp op, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDE>[arith_reg_field(op)], operand, 2);
}
X87Outcome X87::arith_m32int(const X87Site& site, X87ArithOp op, const uint8_t* operand) {
    return run_with_source(state_, site, memory_block<0xDA>[arith_reg_field(op)], operand, 4);
}
X87Outcome X87::arith_st0_sti(const X87Site& site, X87ArithOp op, unsigned i) {
    return run(state_, site, reg_form<0xD8>(register_modrm(arith_reg_field(op), i)));
}
X87Outcome X87::arith_sti_st0(const X87Site& site, X87ArithOp op, unsigned i, bool pop) {
    const uint8_t modrm = register_modrm(arith_reg_field_sti_dest(op), i);
    return run(state_, site, pop ? reg_form<0xDE>(modrm) : reg_form<0xDC>(modrm));
}
X87Outcome X87::fsqrt(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xFA)); }

// ---- Comparisons ---------------------------------------------------------------------------

X87Outcome X87::fcom_m32fp(const X87Site& site, const uint8_t* operand, bool pop) {
    return run_with_source(state_, site, memory_block<0xD8>[pop ? 3 : 2], operand, 4);
}
X87Outcome X87::fcom_m64fp(const X87Site& site, const uint8_t* operand, bool pop) {
    return run_with_source(state_, site, memory_block<0xDC>[pop ? 3 : 2], operand, 8);
}
X87Outcome X87::ficom_m16int(const X87Site& site, const uint8_t* operand, bool pop) {
    return run_with_source(state_, site, memory_block<0xDE>[pop ? 3 : 2], operand, 2);
}
X87Outcome X87::ficom_m32int(const X87Site& site, const uint8_t* operand, bool pop) {
    return run_with_source(state_, site, memory_block<0xDA>[pop ? 3 : 2], operand, 4);
}
X87Outcome X87::fcom_st(const X87Site& site, unsigned i, bool pop) {
    return run(state_, site, reg_form<0xD8>((pop ? 0xD8 : 0xD0) + (i & 7)));
}
X87Outcome X87::fcompp(const X87Site& site) { return run(state_, site, reg_form<0xDE>(0xD9)); }
X87Outcome X87::fucom_st(const X87Site& site, unsigned i, bool pop) {
    return run(state_, site, reg_form<0xDD>((pop ? 0xE8 : 0xE0) + (i & 7)));
}
X87Outcome X87::fucompp(const X87Site& site) { return run(state_, site, reg_form<0xDA>(0xE9)); }

X87CompareFlags X87::fcomi(const X87Site& site, unsigned i, bool pop) {
    return run_compare_flags(state_, site,
                             pop ? flags_family<0xDF, 0xF0>[i & 7] : flags_family<0xDB, 0xF0>[i & 7]);
}
X87CompareFlags X87::fucomi(const X87Site& site, unsigned i, bool pop) {
    return run_compare_flags(state_, site,
                             pop ? flags_family<0xDF, 0xE8>[i & 7] : flags_family<0xDB, 0xE8>[i & 7]);
}
X87Outcome X87::ftst(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xE4)); }
X87Outcome X87::fxam(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xE5)); }

// ---- Other arithmetic ---------------------------------------------------------------------

X87Outcome X87::fchs(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xE0)); }
X87Outcome X87::fabs(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xE1)); }
X87Outcome X87::frndint(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xFC)); }
X87Outcome X87::fscale(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xFD)); }
X87Outcome X87::fxtract(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF4)); }
X87Outcome X87::fprem(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF8)); }
X87Outcome X87::fprem1(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF5)); }
X87Outcome X87::f2xm1(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF0)); }
X87Outcome X87::fyl2x(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF1)); }
X87Outcome X87::fptan(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF2)); }
X87Outcome X87::fpatan(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF3)); }
X87Outcome X87::fyl2xp1(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF9)); }
X87Outcome X87::fsincos(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xFB)); }
X87Outcome X87::fsin(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xFE)); }
X87Outcome X87::fcos(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xFF)); }

// ---- Stack management ----------------------------------------------------------------------

X87Outcome X87::fincstp(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF7)); }
X87Outcome X87::fdecstp(const X87Site& site) { return run(state_, site, reg_form<0xD9>(0xF6)); }
X87Outcome X87::ffree(const X87Site& site, unsigned i) {
    return run(state_, site, reg_form<0xDD>(0xC0 + (i & 7)));
}
X87Outcome X87::ffreep(const X87Site& site, unsigned i) {
    return run(state_, site, reg_form<0xDF>(0xC0 + (i & 7)));
}
X87Outcome X87::fnop(const X87Site& site) {
    // FNOP is a non-control instruction for the pointers (as in Bochs) and changes nothing else.
    record(state_, site);
    return {};
}

// ---- Control instructions ------------------------------------------------------------------

void X87::fninit() { state_.initialize(); }

void X87::fnclex() {
    state_.status &= static_cast<uint16_t>(~(fsw::EXCEPTIONS | fsw::SF | fsw::ES | fsw::B));
}

void X87::fldcw(uint16_t control) {
    state_.control = normalize_control_word(control);
    // Unmasking a flag that is already set makes it pending (SDM Vol. 1 §8.5, Vol. 2 FLDCW).
    state_.update_summary();
}

X87Image X87::fnstenv(X87EnvFormat format) {
    X87Image image;
    image.size = env_image_size(format);
    store_env_image(state_, format, image.bytes.data());
    // SDM Vol. 2 FSTENV: "then masks all floating-point exceptions".
    state_.control |= fcw::MASKS;
    state_.update_summary();
    return image;
}

void X87::fldenv(X87EnvFormat format, const uint8_t* image) {
    load_env_image(state_, format, image);
}

X87Image X87::fnsave(X87EnvFormat format) {
    X87Image image;
    image.size = save_image_size(format);
    store_save_image(state_, format, image.bytes.data());
    state_.initialize();
    return image;
}

void X87::frstor(X87EnvFormat format, const uint8_t* image) {
    load_save_image(state_, format, image);
}

std::array<uint8_t, fxsave_image_size> X87::fxsave() const {
    std::array<uint8_t, fxsave_image_size> image{};
    store_fxsave_image(state_, image.data());
    return image;
}

bool X87::fxrstor(const uint8_t* image) {
    if (!fxsave_image_mxcsr_is_valid(image)) return false;
    load_fxsave_image(state_, image);
    return true;
}

// ---- MMX aliasing ------------------------------------------------------------------------

void X87::mmx_write(unsigned i, uint64_t value) {
    state_.physical[i & 7] = Float80{value, 0xFFFF};
    mmx_enter();
}

void X87::mmx_enter() {
    state_.set_top(0);
    state_.nonempty = 0xFF;
}

}  // namespace trapeze::x86
