// Procedure call instructions and register save/restore (VAX ARM, chapter "Control
// Instructions", "Procedure Call Instructions"; the call frame figure):
//
//   (FP)    condition handler (0)
//   4(FP)   SPA<31:30> | S<29> | 0<28> | entry mask<27:16> | PSW<15:5> | 0<4:0>
//   8(FP)   saved AP
//   12(FP)  saved FP
//   16(FP)  saved PC
//   20(FP)  saved R0..R11 as the mask selects, R0 lowest
//   then    (CALLS only) the argument count longword, which AP points to
#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax::sem {

namespace {

void call_common(VaxCpu& c, Insn& in, uint32_t dst, uint32_t mask, bool calls, uint32_t new_ap) {
    uint32_t sp = c.r[kSP];
    uint32_t spa = sp & 3;
    sp &= ~3u;
    uint32_t frame = 0;
    for (unsigned i = 0; i < 12; ++i) frame += (mask >> i) & 1;
    frame = 4 * (frame + 5);
    c.probe_write(sp - frame, frame);
    auto push = [&](uint32_t v) {
        sp -= 4;
        c.write(sp, 4, v);
    };
    for (int i = 11; i >= 0; --i) {
        if (mask & (1u << i)) push(c.r[i]);
    }
    push(in.next_pc);
    push(c.r[kFP]);
    push(c.r[kAP]);
    push((spa << 30) | (calls ? 1u << 29 : 0) | ((mask & 0xFFF) << 16) | (c.psl & 0xFFE0));
    push(0);
    c.r[kSP] = sp;
    c.r[kFP] = sp;
    c.r[kAP] = new_ap;
    // PSW: DV and IV from the entry mask <15> and <14>, FU cleared, T kept, CC cleared.
    c.psl &= ~(psl::DV | psl::FU | psl::IV | psl::CC);
    if (mask & 0x8000) c.psl |= psl::DV;
    if (mask & 0x4000) c.psl |= psl::IV;
    in.next_pc = dst + 2;
}

void callg(VaxCpu& c, Insn& in) {
    uint32_t dst = in.op[1].addr;
    uint32_t mask = c.read(dst, 2);
    if (mask & 0x3000) c.reserved_operand();
    call_common(c, in, dst, mask, false, in.op[0].addr);
}

void calls(VaxCpu& c, Insn& in) {
    uint32_t dst = in.op[1].addr;
    uint32_t mask = c.read(dst, 2);
    if (mask & 0x3000) c.reserved_operand();
    c.push(static_cast<uint32_t>(in.op[0].value));
    call_common(c, in, dst, mask, true, c.r[kSP]);
}

void ret(VaxCpu& c, Insn& in) {
    uint32_t sp = c.r[kFP] + 4;
    auto pop = [&]() {
        uint32_t v = c.read(sp, 4);
        sp += 4;
        return v;
    };
    uint32_t tmp = pop();
    if (tmp & 0xFF00) c.reserved_operand();
    uint32_t ap = pop();
    uint32_t fp = pop();
    uint32_t pc = pop();
    uint32_t mask = (tmp >> 16) & 0xFFF;
    std::array<uint32_t, 12> regs{};
    for (unsigned i = 0; i < 12; ++i) {
        if (mask & (1u << i)) regs[i] = pop();
    }
    sp += tmp >> 30;
    if (tmp & (1u << 29)) {
        uint32_t n = c.read(sp, 4) & 0xFF;
        sp += 4 + 4 * n;
    }
    for (unsigned i = 0; i < 12; ++i) {
        if (mask & (1u << i)) c.r[i] = regs[i];
    }
    c.r[kAP] = ap;
    c.r[kFP] = fp;
    c.r[kSP] = sp;
    // PSW<15:0> from the frame: the frame holds PSW<15:5> and zeros, so RET clears T and the
    // condition codes (EHKAA's trace test checks T is clear after a traced RET).
    c.psl = (c.psl & ~0xFFFFu) | (tmp & 0xFFFF);
    in.next_pc = pc;
}

void pushr(VaxCpu& c, Insn& in) {
    uint32_t mask = in.op[0].value & 0x7FFF;
    uint32_t n = 0;
    for (unsigned i = 0; i < 15; ++i) n += (mask >> i) & 1;
    uint32_t sp = c.r[kSP];
    if (n) c.probe_write(sp - 4 * n, 4 * n);
    for (int i = 14; i >= 0; --i) {
        if (mask & (1u << i)) {
            sp -= 4;
            c.write(sp, 4, c.r[i]);
        }
    }
    c.r[kSP] = sp;
}

void popr(VaxCpu& c, Insn& in) {
    uint32_t mask = in.op[0].value & 0x7FFF;
    uint32_t sp = c.r[kSP];
    std::array<uint32_t, 15> regs{};
    for (unsigned i = 0; i < 15; ++i) {
        if (mask & (1u << i)) {
            regs[i] = c.read(sp, 4);
            sp += 4;
        }
    }
    for (unsigned i = 0; i < 14; ++i) {
        if (mask & (1u << i)) c.r[i] = regs[i];
    }
    c.r[kSP] = (mask & (1u << kSP)) ? regs[kSP] : sp;
}

#define R(name, fn) Row{OpcodeId::name, fn}
const Row kRows[] = {
    R(CALLG, callg), R(CALLS, calls), R(RET, ret), R(PUSHR, pushr), R(POPR, popr),
};
#undef R

}  // namespace

std::span<const Row> call_rows() { return kRows; }

}  // namespace trapeze::vax::sem
