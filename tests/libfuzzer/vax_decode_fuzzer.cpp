// libFuzzer target: the VAX decoder (opcode table, every operand-specifier mode, index mode,
// CASE tables) and the disassembler on arbitrary bytes at an arbitrary address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "isa/vax/decoder.h"
#include "isa/vax/disassembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    uint32_t address;
    std::memcpy(&address, data, 4);
    std::span<const uint8_t> bytes(data + 4, size - 4);
    trapeze::vax::DecodedInsn insn = trapeze::vax::decode(bytes, address);
    (void)trapeze::vax::disassemble(insn);
    return 0;
}
