// Privileged and mode-related instructions (VAX ARM, chapters "Control Instructions",
// "Process Structure", "Exceptions and Interrupts", "Internal Processor Registers"):
// HALT, NOP, BPT, XFC, CHMx, REI, LDPCTX, SVPCTX, MTPR, MFPR, PROBER/PROBEW, MOVPSL, BISPSW,
// BICPSW. The privileged ones reach their handler only in kernel mode (cpu.cpp checks the
// opcode row's pg_class).
#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax::sem {

namespace {

void halt(VaxCpu& c, Insn&) { c.halt(HaltReason::kHaltInstruction); }
void nop(VaxCpu&, Insn&) {}
// BPT and XFC are faults: the PC pushed is that of the instruction.
void bpt(VaxCpu& c, Insn&) { c.raise(scb::kBreakpoint); }
void xfc(VaxCpu& c, Insn&) { c.raise(scb::kCustomerReserved); }

template <unsigned kTarget> void chm(VaxCpu& c, Insn& in) {
    c.change_mode(kTarget, sext16(static_cast<uint32_t>(in.op[0].value)), in.next_pc);
    in.next_pc = c.r[kPC];
}

void rei(VaxCpu& c, Insn& in) {
    c.rei();
    in.next_pc = c.r[kPC];
}

// Process control block (ARM, "Process Structure"): KSP ESP SSP USP, R0-R11, AP, FP, PC,
// PSL, P0BR, P0LR (ASTLVL in <26:24>), P1BR, P1LR (PME in <31>).
void ldpctx(VaxCpu& c, Insn& in) {
    uint32_t pcb = c.pcbb;
    for (unsigned i = 0; i < 4; ++i) c.stack[i] = c.read_phys(pcb + 4 * i, 4);
    for (unsigned i = 0; i < 14; ++i) c.r[i] = c.read_phys(pcb + 16 + 4 * i, 4);
    uint32_t pc = c.read_phys(pcb + 72, 4);
    uint32_t new_psl = c.read_phys(pcb + 76, 4);
    c.p0br = c.read_phys(pcb + 80, 4) & ~3u;
    uint32_t t = c.read_phys(pcb + 84, 4);
    c.p0lr = t & 0x3FFFFF;
    c.astlvl = (t >> 24) & 7;
    c.p1br = c.read_phys(pcb + 88, 4) & ~3u;
    c.p1lr = c.read_phys(pcb + 92, 4) & 0x3FFFFF;
    c.invalidate_process_tb();
    // "Execution is switched to the kernel stack": leave the interrupt stack (saving ISP),
    // then push the PCB's PSL and PC there for the REI that follows.
    if (c.on_interrupt_stack()) {
        c.stack[4] = c.r[kSP];
        c.psl &= ~psl::IS;
    }
    c.r[kSP] = c.stack[kKernel];
    c.push(new_psl);
    c.push(pc);
    (void)in;
}

void svpctx(VaxCpu& c, Insn&) {
    uint32_t pcb = c.pcbb;
    uint32_t pc = c.pop();
    uint32_t saved_psl = c.pop();
    for (unsigned i = 0; i < 14; ++i) c.write_phys(pcb + 16 + 4 * i, 4, c.r[i]);
    c.write_phys(pcb + 72, 4, pc);
    c.write_phys(pcb + 76, 4, saved_psl);
    if (!c.on_interrupt_stack()) {
        c.stack[c.cur_mode()] = c.r[kSP];
        c.psl |= psl::IS;
        if (c.ipl() == 0) c.psl |= 1u << psl::kIplShift;
        c.r[kSP] = c.stack[4];
    }
    for (unsigned i = 0; i < 4; ++i) c.write_phys(pcb + 4 * i, 4, c.stack[i]);
}

// MTPR src.rl, procreg.rl: N Z from src, V 0, C kept.
void mtpr(VaxCpu& c, Insn& in) {
    uint32_t v = static_cast<uint32_t>(in.op[0].value);
    uint32_t n = static_cast<uint32_t>(in.op[1].value);
    c.tbchk_hit = false;
    c.write_ipr(n, v);
    set_nz_keep_c(c, nz(v));
    if (n == ipr::TBCHK && c.tbchk_hit) c.psl |= psl::V;  // TBCHK: V = TB holds the page
}

void mfpr(VaxCpu& c, Insn& in) {
    uint32_t v = c.read_ipr(static_cast<uint32_t>(in.op[0].value));
    put(c, in, 1, v);
    set_nz_keep_c(c, nz(v));
}

// PROBER/PROBEW mode.rb, len.rw, base.ab: the first and last byte are checked for the mode
// MAXU(mode<1:0>, PSL<PRV_MOD>) against the protection only (validity is not checked;
// a page-table page that is not valid still faults). Z = 1 when not accessible.
template <bool kWrite> void probe(VaxCpu& c, Insn& in) {
    unsigned mode = in.op[0].value & 3;
    if (c.prv_mode() > mode) mode = c.prv_mode();
    uint32_t len = static_cast<uint32_t>(in.op[1].value & 0xFFFF);
    uint32_t base = in.op[2].addr;
    auto acc = kWrite ? VaxCpu::Access::write : VaxCpu::Access::read;
    bool ok = c.probe(base, acc, mode) && c.probe(base + (len ? len - 1 : 0), acc, mode);
    c.psl = (c.psl & ~(psl::N | psl::Z | psl::V)) | (ok ? 0 : psl::Z);
}

void movpsl(VaxCpu& c, Insn& in) { put(c, in, 0, c.psl); }

void bispsw(VaxCpu& c, Insn& in) {
    uint32_t mask = in.op[0].value & 0xFFFF;
    if (mask & psl::PSW_MBZ) c.reserved_operand();
    c.psl |= mask;
}

void bicpsw(VaxCpu& c, Insn& in) {
    uint32_t mask = in.op[0].value & 0xFFFF;
    if (mask & psl::PSW_MBZ) c.reserved_operand();
    c.psl &= ~mask;
}

#define R(name, fn) Row{OpcodeId::name, fn}
const Row kRows[] = {
    R(HALT, halt), R(NOP, nop), R(BPT, bpt), R(XFC, xfc),
    R(CHMK, chm<kKernel>), R(CHME, chm<kExecutive>), R(CHMS, chm<kSupervisor>), R(CHMU, chm<kUser>),
    R(REI, rei), R(LDPCTX, ldpctx), R(SVPCTX, svpctx), R(MTPR, mtpr), R(MFPR, mfpr),
    R(PROBER, probe<false>), R(PROBEW, probe<true>), R(MOVPSL, movpsl), R(BISPSW, bispsw), R(BICPSW, bicpsw),
};
#undef R

}  // namespace

std::span<const Row> system_rows() { return kRows; }

}  // namespace trapeze::vax::sem
