// libFuzzer target: the IA-32 decode path (Zydis, then the instruction table's form match and
// operand extraction) on arbitrary bytes, for every CPU model and both code sizes. It must
// never crash, read past the bytes it is given, or produce an instruction longer than 15.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "isa/x86/cpu_model.h"
#include "isa/x86/decoder.h"
#include "isa/x86/instruction_table.h"

using namespace trapeze::x86;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Decoder* decoders[4] = {
        new Decoder(**find_model("i386")), new Decoder(**find_model("pentium")),
        new Decoder(**find_model("pentium-umip")), new Decoder(**find_model("pentium2"))};
    if (size == 0) return 0;
    const Decoder& dec = *decoders[data[0] & 3];
    const bool code32 = data[0] & 4;
    DecodedInsn insn;
    if (dec.decode(data + 1, size - 1, code32, insn) == DecodeStatus::kOk) {
        if (insn.len == 0 || insn.len > 15 || insn.len > size - 1) std::abort();
        if (insn.form < kFormUnimplemented && insn.form >= forms().size()) std::abort();
    }
    return 0;
}
