#include "analysis/x86_encode.h"

#include <capstone/capstone.h>
#include <fmt/format.h>

#include <cstring>

#include "isa/x86/decoder.h"
#include "isa/x86/instruction_table.h"

namespace trapeze::analysis {

namespace {

using Op = ZydisEncoderOperand;

Op reg(ZydisRegister r) {
    Op o{};
    o.type = ZYDIS_OPERAND_TYPE_REGISTER;
    o.reg.value = r;
    return o;
}
Op mem(uint16_t size) {
    Op o{};
    o.type = ZYDIS_OPERAND_TYPE_MEMORY;
    o.mem.base = ZYDIS_REGISTER_EBX;
    o.mem.index = ZYDIS_REGISTER_NONE;
    o.mem.scale = 0;
    o.mem.displacement = 0;
    o.mem.size = size;
    return o;
}
Op imm(int64_t v) {
    Op o{};
    o.type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
    o.imm.s = v;
    return o;
}
Op ptr(uint16_t sel, uint32_t off) {
    Op o{};
    o.type = ZYDIS_OPERAND_TYPE_POINTER;
    o.ptr.segment = sel;
    o.ptr.offset = off;
    return o;
}

// Memory operand sizes in the order they are tried (bytes): the common data sizes first,
// then pseudo-descriptors, far pointers, x87 and FPU-environment images.
constexpr uint16_t kMemSizes[] = {4, 2, 1, 6, 8, 10, 0, 28, 14, 108, 94, 512, 16};

// Registers tried for an 'r' operand at each position: accumulator first (IN/OUT need it),
// DX (port), CL (shift count); ESP, EBX, EBP, ESI and EDI stay free as addresses.
const std::vector<ZydisRegister>& gpr_candidates(unsigned pos) {
    static const std::vector<ZydisRegister> first = {
        ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_AX, ZYDIS_REGISTER_AL, ZYDIS_REGISTER_DX,
        ZYDIS_REGISTER_ECX, ZYDIS_REGISTER_CX, ZYDIS_REGISTER_CL};
    static const std::vector<ZydisRegister> later = {
        ZYDIS_REGISTER_ECX, ZYDIS_REGISTER_CX, ZYDIS_REGISTER_CL, ZYDIS_REGISTER_DX,
        ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_AX, ZYDIS_REGISTER_AL, ZYDIS_REGISTER_EDX};
    return pos == 0 ? first : later;
}

constexpr ZydisRegister kSegs[] = {ZYDIS_REGISTER_DS, ZYDIS_REGISTER_ES, ZYDIS_REGISTER_FS,
                                   ZYDIS_REGISTER_GS, ZYDIS_REGISTER_SS, ZYDIS_REGISTER_CS};

int64_t imm_value(const EncodeRequest& req, unsigned nth, int64_t dflt) {
    return nth < req.imm.size() && req.imm[nth] ? *req.imm[nth] : dflt;
}

// Candidate operands for one pattern letter at operand position `pos`; `nimm` counts the
// immediates already placed.
std::vector<Op> candidates(char k, unsigned pos, unsigned nimm, const EncodeRequest& req) {
    std::vector<Op> out;
    switch (k) {
    case 'r':
        for (ZydisRegister r : gpr_candidates(pos)) out.push_back(reg(r));
        break;
    case 'm':
    case 'a':
        for (uint16_t s : kMemSizes) out.push_back(mem(s));
        break;
    case 'e': {
        std::vector<Op> r = candidates('r', pos, nimm, req), m = candidates('m', pos, nimm, req);
        if (req.prefer_memory) std::swap(r, m);
        out = r;
        out.insert(out.end(), m.begin(), m.end());
        break;
    }
    case 'i': out.push_back(imm(imm_value(req, nimm, 3))); break;
    case 'j': out.push_back(imm(imm_value(req, nimm, 0x10))); break;
    case 's':
        if (req.sreg) out.push_back(reg(*req.sreg));
        else for (ZydisRegister r : kSegs) out.push_back(reg(r));
        break;
    case 'c': for (auto r : {ZYDIS_REGISTER_CR0, ZYDIS_REGISTER_CR3, ZYDIS_REGISTER_CR4}) out.push_back(reg(r)); break;
    case 'd': for (auto r : {ZYDIS_REGISTER_DR0, ZYDIS_REGISTER_DR7}) out.push_back(reg(r)); break;
    case 'x': for (auto r : {ZYDIS_REGISTER_ST1, ZYDIS_REGISTER_ST0}) out.push_back(reg(r)); break;
    case 'p': out.push_back(ptr(req.ptr_selector, req.ptr_offset)); break;
    default: break;
    }
    return out;
}

// Operand tails tried for a '*' in a pattern (any further operands).
std::vector<std::vector<Op>> star_tails(unsigned nimm, const EncodeRequest& req) {
    std::vector<std::vector<Op>> t;
    t.push_back({});
    t.push_back({imm(imm_value(req, nimm, 1))});
    t.push_back({reg(ZYDIS_REGISTER_CL)});
    t.push_back({reg(ZYDIS_REGISTER_ST0), reg(ZYDIS_REGISTER_ST1)});
    t.push_back({reg(ZYDIS_REGISTER_ST1), reg(ZYDIS_REGISTER_ST0)});
    t.push_back({reg(ZYDIS_REGISTER_ST1)});
    t.push_back({reg(ZYDIS_REGISTER_AX)});
    for (uint16_t s : kMemSizes) t.push_back({mem(s)});
    t.push_back({reg(ZYDIS_REGISTER_EAX), reg(ZYDIS_REGISTER_ECX)});
    return t;
}

struct Pattern {
    bool far = false;
    std::vector<char> letters;
    bool star = false;
};
Pattern parse(const char* p) {
    Pattern out;
    if (p[0] == 'F' && p[1] == ':') out.far = true, p += 2;
    for (; *p; ++p) {
        if (*p == ',') continue;
        if (*p == '*') { out.star = true; break; }
        out.letters.push_back(*p);
    }
    return out;
}

void expand(const Pattern& pat, unsigned pos, unsigned nimm, std::vector<Op>& cur,
            const EncodeRequest& req, std::vector<std::vector<Op>>& all) {
    if (all.size() > 2000) return;
    if (pos == pat.letters.size()) {
        if (!pat.star) {
            all.push_back(cur);
            return;
        }
        for (auto& tail : star_tails(nimm, req)) {
            std::vector<Op> v = cur;
            v.insert(v.end(), tail.begin(), tail.end());
            all.push_back(std::move(v));
        }
        return;
    }
    char k = pat.letters[pos];
    for (const Op& o : candidates(k, pos, nimm, req)) {
        cur.push_back(o);
        expand(pat, pos + 1, nimm + (k == 'i' || k == 'j'), cur, req, all);
        cur.pop_back();
    }
}

void describe_operands(Instance& inst) {
    ZydisDecoder dec;
    if (inst.code16) ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    else ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, inst.bytes.data(), inst.bytes.size(), &zi, ops))) return;
    for (unsigned i = 0; i < zi.operand_count_visible; ++i) {
        const ZydisDecodedOperand& op = ops[i];
        OperandInfo o;
        o.size = uint8_t(op.size / 8);
        switch (op.type) {
        case ZYDIS_OPERAND_TYPE_REGISTER:
            switch (ZydisRegisterGetClass(op.reg.value)) {
            case ZYDIS_REGCLASS_GPR8:
            case ZYDIS_REGCLASS_GPR16:
            case ZYDIS_REGCLASS_GPR32: o.kind = 'r'; break;
            case ZYDIS_REGCLASS_SEGMENT: o.kind = 's'; break;
            case ZYDIS_REGCLASS_CONTROL: o.kind = 'c'; break;
            case ZYDIS_REGCLASS_DEBUG: o.kind = 'd'; break;
            case ZYDIS_REGCLASS_X87: o.kind = 'x'; break;
            default: break;
            }
            o.reg = uint8_t(ZydisRegisterGetId(op.reg.value));
            if (o.kind == 's') {
                static constexpr ZydisRegister order[] = {ZYDIS_REGISTER_ES, ZYDIS_REGISTER_CS,
                                                          ZYDIS_REGISTER_SS, ZYDIS_REGISTER_DS,
                                                          ZYDIS_REGISTER_FS, ZYDIS_REGISTER_GS};
                for (uint8_t s = 0; s < 6; ++s)
                    if (order[s] == op.reg.value) o.reg = s;
            }
            break;
        case ZYDIS_OPERAND_TYPE_MEMORY:
            o.kind = op.mem.type == ZYDIS_MEMOP_TYPE_AGEN ? 'a' : 'm';
            break;
        case ZYDIS_OPERAND_TYPE_IMMEDIATE: o.kind = op.imm.is_relative ? 'j' : 'i'; break;
        case ZYDIS_OPERAND_TYPE_POINTER: o.kind = 'p'; break;
        default: break;
        }
        inst.ops.push_back(o);
    }
}

// Rows Zydis's encoder cannot produce (undocumented or reserved opcodes): their bytes.
struct FixedBytes {
    const char* id;
    std::vector<uint8_t> bytes;
};
const std::vector<FixedBytes>& fixed_bytes() {
    static const std::vector<FixedBytes> t = {
        {"SALC", {0xD6}},
        {"INT1", {0xF1}},
        {"UD0", {0x0F, 0xFF, 0x00}},
        {"UD1", {0x0F, 0xB9, 0x00}},
        {"UD2", {0x0F, 0x0B}},
        {"RSM", {0x0F, 0xAA}},
        {"SYSCALL", {0x0F, 0x05}},
        {"SYSRET", {0x0F, 0x07}},
        {"FDISI8087_NOP", {0xDB, 0xE1}},
        {"FENI8087_NOP", {0xDB, 0xE0}},
        {"FSETPM287_NOP", {0xDB, 0xE4}},
        {"PAUSE", {0xF3, 0x90}},
        {"NOP", {0x90}},
    };
    return t;
}

bool try_bytes(uint16_t form, const std::vector<uint8_t>& bytes, const x86::Decoder& dec,
               Instance& out, bool code16) {
    x86::DecodedInsn in;
    uint8_t buf[16] = {};
    std::memcpy(buf, bytes.data(), bytes.size());
    if (dec.decode(buf, bytes.size(), !code16, in) != x86::DecodeStatus::kOk) return false;
    if (in.form != form || in.len != bytes.size()) return false;
    out.form = form;
    out.bytes = bytes;
    out.insn = in;
    out.text = x86::Decoder::disassemble(buf, bytes.size(), !code16, 0);
    out.code16 = code16;
    out.ops.clear();
    describe_operands(out);
    return true;
}

}  // namespace

std::optional<Instance> encode_form(uint16_t form, const EncodeRequest& req,
                                    const x86::CpuModel& model, std::string* why) {
    const auto& f = x86::forms()[form];
    x86::Decoder dec(model);
    Instance out;
    for (const FixedBytes& fb : fixed_bytes())
        if (std::strcmp(fb.id, f.id) == 0 && try_bytes(form, fb.bytes, dec, out, req.code16)) return out;
    Pattern pat = parse(f.operands);
    std::vector<std::vector<Op>> all;
    std::vector<Op> cur;
    expand(pat, 0, 0, cur, req, all);
    for (const auto& ops : all) {
        ZydisEncoderRequest r;
        std::memset(&r, 0, sizeof r);
        r.machine_mode = req.code16 ? ZYDIS_MACHINE_MODE_LEGACY_16 : ZYDIS_MACHINE_MODE_LEGACY_32;
        r.mnemonic = f.mnemonic;
        r.branch_type = pat.far ? ZYDIS_BRANCH_TYPE_FAR : ZYDIS_BRANCH_TYPE_NONE;
        r.operand_count = uint8_t(ops.size());
        for (size_t i = 0; i < ops.size() && i < ZYDIS_ENCODER_MAX_OPERANDS; ++i) r.operands[i] = ops[i];
        uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
        ZyanUSize len = sizeof buf;
        if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&r, buf, &len))) continue;
        if (try_bytes(form, std::vector<uint8_t>(buf, buf + len), dec, out, req.code16)) return out;
    }
    if (why) *why = fmt::format("no encoding of {} ({} '{}') decodes back to the row ({} candidates)",
                                f.id, ZydisMnemonicGetString(f.mnemonic), f.operands, all.size());
    return std::nullopt;
}

std::vector<Instance> encode_instances(uint16_t form, const EncodeRequest& req,
                                       const x86::CpuModel& model, std::string* why) {
    std::vector<Instance> out;
    const auto& f = x86::forms()[form];
    if (std::strchr(f.operands, 's') && !req.sreg) {
        for (ZydisRegister s : kSegs) {
            EncodeRequest r = req;
            r.sreg = s;
            if (auto i = encode_form(form, r, model)) out.push_back(*i);
        }
        if (out.empty() && why) *why = fmt::format("no segment register encodes {}", f.id);
        return out;
    }
    if (auto i = encode_form(form, req, model, why)) out.push_back(*i);
    return out;
}

bool zydis_says_privileged(const std::vector<uint8_t>& bytes) {
    ZydisDecoder dec;
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisDecodedInstruction zi;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, nullptr, bytes.data(), bytes.size(), &zi)))
        return false;
    return zi.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED;
}

bool capstone_says_privileged(const std::vector<uint8_t>& bytes) {
    static csh handle = [] {
        csh h = 0;
        if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) return csh(0);
        cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
        return h;
    }();
    if (!handle) return false;
    cs_insn* insn = nullptr;
    size_t n = cs_disasm(handle, bytes.data(), bytes.size(), 0, 1, &insn);
    bool priv = n == 1 && cs_insn_group(handle, insn, CS_GRP_PRIVILEGE);
    if (n) cs_free(insn, n);
    return priv;
}

}  // namespace trapeze::analysis
