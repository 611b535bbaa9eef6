// The IA-32 instruction table (forms.inc) as data: one FormInfo per row.
#pragma once

#include <Zydis/Zydis.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "isa/x86/decoded_insn.h"

namespace trapeze::x86 {

enum class PgClass : uint8_t { kInnocuous, kPrivileged, kSensitive };
enum Sensitivity : uint8_t { S_NONE = 0, S_CONTROL = 1, S_MODE = 2, S_LOCATION = 4, S_IO = 8 };
enum class TrapCondition : uint8_t { kNever, kCpl0, kIopl, kIoPerm, kTsd, kPce, kUmip, kV86 };
enum FormAttr : uint16_t { END = 1, SER = 2, PM = 4 };

// What a handler selector sees: the instruction being built and its visible operand kinds.
struct SelectorInput {
    DecodedInsn& insn;
    const ZydisDecodedInstruction& zi;
    char kind[5];   // operand letters as in forms.inc ('r','m','i','j','s','c','d','x','p','a')
    unsigned count; // visible operands
};
using HandlerSelector = Handler (*)(SelectorInput&);

struct FormInfo {
    const char* id;
    ZydisMnemonic mnemonic;
    const char* operands;
    HandlerSelector select;
    uint16_t attrs;
    uint32_t features;
    PgClass pg_class;
    uint8_t sensitivity;
    TrapCondition trap;
};

std::span<const FormInfo> forms();
// Index of the first row for the mnemonic whose operand pattern matches, or -1.
int match_form(ZydisMnemonic m, const char* kinds, unsigned count, bool far_branch);

std::string_view pg_class_name(PgClass c);
std::string_view trap_condition_text(TrapCondition t);

// Handler selectors, one per distinct semantics name in the table.
#define FORM(id, mn, ops, sem, attrs, feat, pg, sens, trap) Handler sel_##sem(SelectorInput&);
#include "isa/x86/forms.inc"
#include "isa/x86/forms_x87.inc"
#undef FORM

}  // namespace trapeze::x86
