#include "isa/x86/decoder.h"

#include <fmt/format.h>

#include "isa/x86/cpu.h"
#include "isa/x86/instruction_table.h"

namespace trapeze::x86 {

namespace {

// Encodings that later extensions took over from older instructions decode as the older
// instruction, as on the CPUs trapeze models (none has BMI1/ABM or WBNOINVD): F3 0F BC is
// REP BSF, not TZCNT; F3 0F BD is REP BSR, not LZCNT (SDM Vol. 2: "on processors that do not
// support TZCNT, the instruction byte encoding is executed as BSF"); F3 0F 09 is WBINVD.
// Linux uses `rep bsf` for __ffs/_find_first_bit exactly because of this.
void legacy_decoder_modes(ZydisDecoder& d) {
    ZydisDecoderEnableMode(&d, ZYDIS_DECODER_MODE_TZCNT, ZYAN_FALSE);
    ZydisDecoderEnableMode(&d, ZYDIS_DECODER_MODE_LZCNT, ZYAN_FALSE);
    ZydisDecoderEnableMode(&d, ZYDIS_DECODER_MODE_WBNOINVD, ZYAN_FALSE);
}

}  // namespace

Decoder::Decoder(const CpuModel& model) : model_(model) {
    ZydisDecoderInit(&dec16_, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    ZydisDecoderInit(&dec32_, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    legacy_decoder_modes(dec16_);
    legacy_decoder_modes(dec32_);
}

namespace {

uint8_t segment_index(ZydisRegister r) {
    switch (r) {
    case ZYDIS_REGISTER_ES: return ES;
    case ZYDIS_REGISTER_CS: return CS;
    case ZYDIS_REGISTER_SS: return SS;
    case ZYDIS_REGISTER_DS: return DS;
    case ZYDIS_REGISTER_FS: return FS;
    case ZYDIS_REGISTER_GS: return GS;
    default: return DS;
    }
}

uint8_t gpr_index(ZydisRegister r) {
    if (r == ZYDIS_REGISTER_NONE) return kNoReg;
    return static_cast<uint8_t>(ZydisRegisterGetId(r));
}

// The segment override prefix in effect, if any (for string instructions and XLAT, whose
// memory operands Zydis reports as hidden).
int override_segment(const ZydisDecodedInstruction& zi) {
    auto a = zi.attributes;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_ES) return ES;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_CS) return CS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_SS) return SS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_DS) return DS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_FS) return FS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_GS) return GS;
    return -1;
}

}  // namespace

DecodeStatus Decoder::decode(const uint8_t* bytes, size_t avail, bool code32,
                             DecodedInsn& out) const {
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    out = DecodedInsn{};
    ZyanStatus st = ZydisDecoderDecodeFull(code32 ? &dec32_ : &dec16_, bytes, avail, &zi, ops);
    if (st == ZYDIS_STATUS_NO_MORE_DATA) return DecodeStatus::kNeedMoreBytes;
    if (!ZYAN_SUCCESS(st)) {
        // 15-byte limit or undefined opcode: #UD (or #GP for too long; the SDM says #GP for
        // instructions longer than 15 bytes, Vol. 3 §22.25; Zydis reports both as errors).
        out.fn = st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG ? handler_too_long : handler_invalid_opcode;
        out.form = kFormInvalid;
        out.len = 1;
        return DecodeStatus::kInvalid;
    }

    out.len = zi.length;
    out.opsize = static_cast<uint8_t>(zi.operand_width / 8);
    if (out.opsize == 0) out.opsize = code32 ? 4 : 2;
    out.addr32 = zi.address_width == 32;
    // For x87 forms: escape byte and ModR/M (the handler dispatches on them).
    out.opcode = uint16_t((zi.opcode << 8) | (zi.raw.modrm.mod << 6) | (zi.raw.modrm.reg << 3) | zi.raw.modrm.rm);
    out.cc = zi.opcode & 0xF;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) out.flags |= kLock;
    if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) out.flags |= kRep;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE) out.flags |= kRepne;
    int ovr = override_segment(zi);
    if (ovr >= 0) out.flags |= kSegOverride;
    out.mem.seg = ovr >= 0 ? uint8_t(ovr) : uint8_t(DS);

    SelectorInput in{out, zi, {0, 0, 0, 0, 0}, 0};
    uint8_t* regslot[3] = {&out.r0, &out.r1, &out.r2};
    bool first_imm = true;
    for (unsigned i = 0; i < zi.operand_count_visible && i < 4; ++i) {
        const ZydisDecodedOperand& op = ops[i];
        char k = '?';
        switch (op.type) {
        case ZYDIS_OPERAND_TYPE_REGISTER: {
            switch (ZydisRegisterGetClass(op.reg.value)) {
            case ZYDIS_REGCLASS_GPR8:
            case ZYDIS_REGCLASS_GPR16:
            case ZYDIS_REGCLASS_GPR32: k = 'r'; break;
            case ZYDIS_REGCLASS_SEGMENT: k = 's'; break;
            case ZYDIS_REGCLASS_CONTROL: k = 'c'; break;
            case ZYDIS_REGCLASS_DEBUG: k = 'd'; break;
            case ZYDIS_REGCLASS_X87: k = 'x'; break;
            default: k = 'o'; break;
            }
            uint8_t id = k == 's' ? segment_index(op.reg.value) : gpr_index(op.reg.value);
            if (i < 3) *regslot[i] = id;
            if (i == 1 && k == 'r') out.opsize2 = uint8_t(op.size / 8);  // source size (MOVZX...)
            break;
        }
        case ZYDIS_OPERAND_TYPE_MEMORY:
            k = op.mem.type == ZYDIS_MEMOP_TYPE_AGEN ? 'a' : 'm';
            out.flags |= kHasMem;
            out.mem.seg = segment_index(op.mem.segment);
            out.mem.base = gpr_index(op.mem.base);
            out.mem.index = gpr_index(op.mem.index);
            out.mem.scale = op.mem.scale == 8 ? 3 : op.mem.scale == 4 ? 2 : op.mem.scale == 2 ? 1 : 0;
            out.mem.disp = op.mem.disp.has_displacement ? int32_t(op.mem.disp.value) : 0;
            if (out.addr32 && out.mem.index == kNoReg)
                out.ea_shape = out.mem.base == kNoReg ? kEaDisp : kEaBaseDisp;
            if (i == 1) out.opsize2 = uint8_t(op.size / 8);
            if (i == 0 && zi.operand_count_visible == 1) out.opsize2 = uint8_t(op.size / 8);
            break;
        case ZYDIS_OPERAND_TYPE_IMMEDIATE:
            k = op.imm.is_relative ? 'j' : 'i';
            if (first_imm) out.imm = uint32_t(op.imm.value.u);
            else out.imm2 = uint32_t(op.imm.value.u);
            first_imm = false;
            break;
        case ZYDIS_OPERAND_TYPE_POINTER:
            k = 'p';
            out.imm = op.ptr.offset;
            out.imm2 = op.ptr.segment;
            break;
        default: break;
        }
        in.kind[i] = k;
        in.count = i + 1;
    }

    // No row names an MMX/SSE/AVX register: SSE's MOVSD/CMPSD share their mnemonics with
    // the string instructions but are other instructions entirely. (The extension alone
    // cannot decide it: Zydis files FXSAVE and the PREFETCH hints, which have rows, under SSE.)
    bool simd_register = false;
    for (unsigned i = 0; i < in.count; ++i) simd_register |= in.kind[i] == 'o';
    bool far = zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR;
    int form = simd_register ? -1 : match_form(zi.mnemonic, in.kind, in.count, far);
    if (form < 0) {
        // No row. An instruction of an extension no trapeze model has (MMX, SSE, AVX, VMX,
        // ...) is #UD, as on a CPU without it; a base-ISA or x87 instruction without a row is
        // a gap in trapeze, reported as such by stopping the run.
        const bool base = zi.meta.isa_ext == ZYDIS_ISA_EXT_BASE || zi.meta.isa_ext == ZYDIS_ISA_EXT_X87;
        out.fn = base ? handler_unimplemented : handler_invalid_opcode;
        out.form = kFormUnimplemented;
        return DecodeStatus::kOk;
    }
    const FormInfo& f = forms()[form];
    out.form = uint16_t(form);
    if ((f.features & model_.features) != f.features) {
        out.fn = handler_invalid_opcode;  // not on this model: #UD, as the real part does
        return DecodeStatus::kOk;
    }
    // LOCK is #UD unless the instruction accepts it and its destination is memory
    // (SDM Vol. 2A "LOCK").
    if ((out.flags & kLock) && (!(zi.attributes & ZYDIS_ATTRIB_ACCEPTS_LOCK) || in.kind[0] != 'm')) {
        out.fn = handler_invalid_opcode;
        return DecodeStatus::kOk;
    }
    out.fn = f.select(in);
    if (!out.fn) out.fn = handler_unimplemented;
    return DecodeStatus::kOk;
}

std::string Decoder::disassemble(const uint8_t* bytes, size_t avail, bool code32, uint32_t eip) {
    ZydisDecoder dec;
    ZydisDecoderInit(&dec, code32 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16,
                     code32 ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16);
    legacy_decoder_modes(dec);
    ZydisFormatter fmt;
    ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, avail, &zi, ops)))
        return "(bad)";
    char buf[128];
    ZydisFormatterFormatInstruction(&fmt, &zi, ops, zi.operand_count_visible, buf, sizeof buf,
                                    eip, nullptr);
    return buf;
}

}  // namespace trapeze::x86
