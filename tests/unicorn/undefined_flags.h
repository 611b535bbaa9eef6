// Flags (and results) the Intel SDM leaves undefined, per mnemonic: the differential test
// masks them before comparing with Unicorn, because real CPUs, Bochs and QEMU differ there.
// Each entry cites the "Flags Affected" section of the instruction's SDM Vol. 2 page.
#pragma once

#include <Zydis/Zydis.h>

#include <cstdint>

#include "isa/x86/state.h"

namespace trapeze::test {

struct UndefinedEffects {
    uint32_t flags = 0;          // EFLAGS bits not to compare
    bool destination = false;    // the destination register/memory is undefined too
};

// count: the masked shift/rotate count where relevant; size: operand size in bytes;
// source_zero: the BSF/BSR source was zero.
inline UndefinedEffects undefined_effects(ZydisMnemonic m, unsigned count, unsigned size,
                                          bool source_zero) {
    using namespace x86;
    const uint32_t szap = SF | ZF | AF | PF;
    switch (m) {
    case ZYDIS_MNEMONIC_MUL:
    case ZYDIS_MNEMONIC_IMUL: return {szap, false};                        // MUL/IMUL: SF ZF AF PF
    case ZYDIS_MNEMONIC_DIV:
    case ZYDIS_MNEMONIC_IDIV: return {ARITH_FLAGS, false};                 // DIV/IDIV: all six
    case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_OR: case ZYDIS_MNEMONIC_XOR:
    case ZYDIS_MNEMONIC_TEST: return {AF, false};                          // logic: AF
    case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
        if (count == 0) return {};
        // SAL/SAR/SHL/SHR: AF undefined; OF only for 1-bit shifts; counts >= the size leave
        // CF undefined for SHL/SHR.
        return {AF | (count != 1 ? OF : 0u) | (count > 8 * size ? CF : 0u), false};
    case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
    case ZYDIS_MNEMONIC_RCL: case ZYDIS_MNEMONIC_RCR:
        return {count != 1 ? OF : 0u, false};                              // OF only for 1-bit
    case ZYDIS_MNEMONIC_SHLD: case ZYDIS_MNEMONIC_SHRD:
        if (count == 0) return {};
        if (count > 8 * size) return {ARITH_FLAGS, true};                  // count > size
        return {AF | (count != 1 ? OF : 0u), false};
    case ZYDIS_MNEMONIC_BT: case ZYDIS_MNEMONIC_BTS: case ZYDIS_MNEMONIC_BTR:
    case ZYDIS_MNEMONIC_BTC: return {OF | SF | AF | PF, false};            // BT*: OF SF AF PF
    case ZYDIS_MNEMONIC_BSF: case ZYDIS_MNEMONIC_BSR:
        return {CF | OF | SF | AF | PF, source_zero};                      // dest undefined on 0
    case ZYDIS_MNEMONIC_DAA: case ZYDIS_MNEMONIC_DAS: return {OF, false};
    case ZYDIS_MNEMONIC_AAA: case ZYDIS_MNEMONIC_AAS: return {OF | SF | ZF | PF, false};
    case ZYDIS_MNEMONIC_AAM: case ZYDIS_MNEMONIC_AAD: return {OF | AF | CF, false};
    case ZYDIS_MNEMONIC_BSWAP: return {0, size == 2};                      // BSWAP r16: undefined
    default: return {};
    }
}

}  // namespace trapeze::test
