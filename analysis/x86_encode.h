// Encodes one instance of an instruction-table row (isa/x86/forms.inc) from the row itself:
// the Zydis mnemonic and the visible-operand pattern give the candidate operands, Zydis's
// encoder produces the bytes, and trapeze's own decoder must map them back to the same row
// (otherwise the candidate is rejected). Nothing here knows individual instructions except
// the few preferences a scenario asks for (an immediate, a segment register, a far pointer).
#pragma once

#include <Zydis/Zydis.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "isa/x86/cpu_model.h"
#include "isa/x86/decoded_insn.h"

namespace trapeze::analysis {

// What a scenario may ask of the encoding; everything else comes from the row's pattern.
struct EncodeRequest {
    std::array<std::optional<int64_t>, 3> imm{};  // immediates, in operand order
    std::optional<ZydisRegister> sreg;            // the segment register of an 's' operand
    uint16_t ptr_selector = 0x0008;               // far pointer ('p') operand
    uint32_t ptr_offset = 0x00011000;
    bool prefer_memory = false;                   // 'e': memory before register
    bool code16 = false;                          // encode for a 16-bit code segment (v86)
};

// One visible operand of an encoded instance, as Zydis decodes it.
struct OperandInfo {
    char kind = '?';        // as in forms.inc: r m i j s c d x p a
    uint8_t reg = 0xFF;     // GPR index (r), SegIndex (s), CR/DR number, ST(i)
    uint8_t size = 0;       // bytes (registers and memory)
};

struct Instance {
    uint16_t form = 0;
    std::vector<uint8_t> bytes;
    x86::DecodedInsn insn;            // what trapeze's decoder makes of the bytes
    std::vector<OperandInfo> ops;     // visible operands
    std::string text;                 // Intel syntax
    bool code16 = false;              // the bytes are for a 16-bit code segment
};

// The first candidate encoding of `form` that trapeze's decoder maps back to `form` (for
// the model's decoder; rows the model lacks still decode to their row). nullopt when no
// candidate works; *why then says what was tried.
std::optional<Instance> encode_form(uint16_t form, const EncodeRequest& req,
                                    const x86::CpuModel& model, std::string* why = nullptr);

// Every segment register a row with an 's' operand accepts (one instance each), else one.
std::vector<Instance> encode_instances(uint16_t form, const EncodeRequest& req,
                                       const x86::CpuModel& model, std::string* why = nullptr);

// Zydis's and Capstone's opinion of the instance: does it call the instruction privileged?
bool zydis_says_privileged(const std::vector<uint8_t>& bytes);
bool capstone_says_privileged(const std::vector<uint8_t>& bytes);

}  // namespace trapeze::analysis
