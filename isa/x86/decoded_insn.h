// One decoded IA-32 instruction as the engines consume it: decoded once per block by Zydis
// (decoder.cpp), never per execution. Operand positions follow Intel order (op0 = destination).
#pragma once

#include <cstdint>

namespace trapeze::x86 {

class X86Cpu;
struct DecodedInsn;
using Handler = void (*)(X86Cpu&, const DecodedInsn&);

constexpr uint8_t kNoReg = 0xFF;

struct MemOperand {
    uint8_t seg = 3;          // SegIndex (default already applied by the decoder)
    uint8_t base = kNoReg;    // Gpr or kNoReg
    uint8_t index = kNoReg;   // Gpr or kNoReg
    uint8_t scale = 0;        // log2 of the scale factor
    int32_t disp = 0;
};

// The shape of a memory operand's effective address, chosen by the decoder so that the
// interpreter computes the two common 32-bit shapes without testing each part
// (X86Cpu::effective_address); a compiled trace folds the test away either way.
enum EaShape : uint8_t {
    kEaGeneric = 0,   // any: base and index each optional, 16- or 32-bit address
    kEaBaseDisp = 1,  // 32-bit address, base + displacement, no index
    kEaDisp = 2,      // 32-bit address, displacement only (a global)
};

enum InsnFlags : uint8_t {
    kHasMem = 1,      // one operand is memory (mem)
    kLock = 2,
    kRep = 4,         // F3 prefix (REP / REPE)
    kRepne = 8,       // F2 prefix (REPNE)
    kSegOverride = 16,
};

struct DecodedInsn {
    Handler fn = nullptr;
    uint32_t imm = 0;        // first immediate, or the relative displacement of a branch
    uint32_t imm2 = 0;       // second immediate (ENTER level, far pointer selector)
    MemOperand mem{};
    uint16_t form = 0;       // row of the instruction table (forms.inc)
    uint8_t len = 0;
    uint8_t opsize = 4;      // operand size in bytes: 1, 2 or 4 (x87: memory operand size)
    uint8_t addr32 = 1;      // address size is 32 bits
    uint8_t r0 = kNoReg;     // register of operand 0 (GPR, Sreg, CRn, DRn or ST(i) index)
    uint8_t r1 = kNoReg;     // register of operand 1
    uint8_t r2 = kNoReg;     // register of operand 2
    uint8_t flags = 0;
    uint8_t cc = 0;          // condition code nibble (Jcc/SETcc/CMOVcc/FCMOVcc), /digit, etc.
    uint8_t opsize2 = 0;     // size of operand 1 in bytes (MOVZX/MOVSX source, OUT data)
    uint16_t opcode = 0;     // opcode byte (x87: the 11-bit FOP)
    uint8_t ea_shape = kEaGeneric;  // EaShape of mem, derived from mem and addr32
};

}  // namespace trapeze::x86
