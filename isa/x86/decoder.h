// Zydis front end: raw bytes -> DecodedInsn with its form (table row) and handler selected.
#pragma once

#include <Zydis/Zydis.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "isa/x86/cpu_model.h"
#include "isa/x86/decoded_insn.h"

namespace trapeze::x86 {

enum class DecodeStatus { kOk, kNeedMoreBytes, kInvalid };

// Pseudo-forms for bytes that are not a valid instruction (or not one of this model).
constexpr uint16_t kFormInvalid = 0xFFFF;
constexpr uint16_t kFormUnimplemented = 0xFFFE;

class Decoder {
public:
    explicit Decoder(const CpuModel& model);
    // Decodes one instruction from bytes[0..avail). On kInvalid the insn is still usable: its
    // handler raises #UD (length 1 as the fetch unit would report).
    DecodeStatus decode(const uint8_t* bytes, size_t avail, bool code32, DecodedInsn& out) const;
    // Intel-syntax text for traces (-d in_asm).
    static std::string disassemble(const uint8_t* bytes, size_t avail, bool code32, uint32_t eip);

private:
    const CpuModel& model_;
    ZydisDecoder dec16_, dec32_;
};

// Handlers for the pseudo-forms.
void handler_invalid_opcode(X86Cpu&, const DecodedInsn&);
void handler_too_long(X86Cpu&, const DecodedInsn&);
void handler_unimplemented(X86Cpu&, const DecodedInsn&);

}  // namespace trapeze::x86
