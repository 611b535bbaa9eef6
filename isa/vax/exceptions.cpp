// Exceptions and interrupts through the system control block (VAX ARM, chapter "Exceptions
// and Interrupts"), change mode, REI, and the KA655's emulated-instruction exception.
//
// Fault vs trap vs abort (ARM, "Exceptions"): a fault pushes the PC of the faulting
// instruction with the registers as they were at its start (the run loop restores them from
// its snapshot), so the instruction can be restarted; a trap pushes the PC of the next
// instruction (arithmetic traps, CHMx, BPT is a fault); an abort leaves the instruction
// incomplete (machine check, kernel stack not valid).
#include <fmt/format.h>

#include "isa/vax/cpu.h"

namespace trapeze::vax {

void VaxCpu::raise(uint16_t vector, VaxException::Kind kind) { throw VaxException{vector, kind, 0, {}}; }

void VaxCpu::raise(uint16_t vector, VaxException::Kind kind, uint32_t p0) {
    throw VaxException{vector, kind, 1, {p0, 0, 0, 0, 0}};
}

void VaxCpu::raise(uint16_t vector, VaxException::Kind kind, uint32_t p0, uint32_t p1) {
    throw VaxException{vector, kind, 2, {p0, p1, 0, 0, 0}};
}

// The ROM's machine-check handler finds the saved PC at SP + 4 + (SP): the byte count must
// cover exactly the parameters (SIMH's KA655 frame has four: code, address, state 1/2).
void VaxCpu::machine_check(uint32_t code, uint32_t address) {
    throw VaxException{scb::kMachineCheck, VaxException::Kind::abort, 5, {0, 0, address, code, 16}};
}

// The SCB longword at offset. SCBB comes from software (MTPR), so it can point at nothing: a
// machine check while the processor fetches a vector during exception or interrupt dispatch
// is a CPU double-error halt on the KA655 (halt code 05), not another exception to dispatch.
uint32_t VaxCpu::read_scb_vector(uint32_t offset) {
    try {
        return read_phys(scbb + offset, 4);
    } catch (const VaxException&) {
        halt(HaltReason::kDoubleMachineCheck);
    }
}

// Initiate an exception (ARM, "Initiate exception or interrupt"): the vector's <1:0> say where
// it is serviced: 0 kernel stack (the interrupt stack if already on it), 1 interrupt stack at
// IPL 31, 2 and 3 (writable control store, halt) halt the KA655. The new PSL is kernel mode,
// previous mode = the old current mode, TP FPD DV FU IV T and the condition codes clear.
void VaxCpu::dispatch(const VaxException& e, uint32_t pc, uint32_t saved_psl) {
    const uint32_t vec = read_scb_vector(e.vector);
    if ((vec & 3) >= 2) halt(HaltReason::kBadScbVector);
    const bool was_is = (saved_psl & psl::IS) != 0;
    const bool to_is = was_is || (vec & 1) || e.vector == scb::kKernelStackNotValid;
    unsigned new_ipl = ((vec & 1) || e.vector == scb::kMachineCheck || e.vector == scb::kKernelStackNotValid)
                           ? 0x1F
                           : ((saved_psl >> psl::kIplShift) & 0x1F);
    const unsigned old_mode = (saved_psl >> psl::kCurShift) & 3;
    uint32_t new_psl = (old_mode << psl::kPrvShift) | (to_is ? psl::IS : 0) | (new_ipl << psl::kIplShift);
    psl = saved_psl;
    load_psl_switching_stacks(new_psl);
    try {
        push(saved_psl);
        push(pc);
        for (unsigned i = 0; i < e.param_count; ++i) push(e.params[i]);
    } catch (const VaxException&) {
        if (to_is) halt(HaltReason::kInterruptStackInvalid);
        // Kernel stack not valid (ARM: an abort serviced on the interrupt stack at IPL 31).
        // The kernel SP keeps its value from before the failed pushes (stack[kKernel]).
        psl = (old_mode << psl::kPrvShift) | psl::IS | (0x1Fu << psl::kIplShift);
        r[kSP] = stack[4];
        const uint32_t kvec = read_scb_vector(scb::kKernelStackNotValid);
        try {
            push(saved_psl);
            push(pc);
        } catch (const VaxException&) {
            halt(HaltReason::kInterruptStackInvalid);
        }
        if (trace_ & kTraceInt) log_exception("kernel stack not valid", scb::kKernelStackNotValid, pc);
        r[kPC] = kvec & ~3u;
        return;
    }
    r[kPC] = vec & ~3u;
}

// Interrupts are serviced at the interrupt's IPL, kernel mode, previous mode kernel.
void VaxCpu::interrupt(unsigned level, uint16_t vector) {
    const uint32_t saved_psl = psl;
    const uint32_t vec = read_scb_vector(vector);
    if ((vec & 3) >= 2) halt(HaltReason::kBadScbVector);
    if (trace_ & kTraceInt) log_exception(fmt::format("interrupt IPL {:X}", level).c_str(), vector, r[kPC]);
    // As for exceptions, vector<0> selects the stack: 1 the interrupt stack, 0 the kernel
    // stack unless already on the interrupt stack (EHKAA's software interrupt test expects
    // the kernel stack for a vector with <0> clear).
    const bool to_is = on_interrupt_stack() || (vec & 1);
    load_psl_switching_stacks((to_is ? psl::IS : 0) | (level << psl::kIplShift));
    try {
        push(saved_psl);
        push(r[kPC]);
    } catch (const VaxException&) {
        halt(HaltReason::kInterruptStackInvalid);
    }
    r[kPC] = vec & ~3u;
}

// CHMK/CHME/CHMS/CHMU (ARM, "Change Mode"): new mode = MINU(target, current); the old SP is
// saved, the new mode's stack loaded, PSL, PC and the sign-extended code pushed there, and the
// vector is the target's (0x40 + 4 * target) even when the mode does not change. On the
// interrupt stack the KA655 halts.
void VaxCpu::change_mode(unsigned target, uint32_t code, uint32_t return_pc) {
    if (on_interrupt_stack()) halt(HaltReason::kChmOnInterruptStack);
    const unsigned cur = cur_mode();
    const unsigned new_mode = target < cur ? target : cur;
    const uint32_t vec = read_scb_vector(scb::kChmk + 4 * target);
    const uint32_t saved_psl = psl;
    load_psl_switching_stacks((new_mode << psl::kCurShift) | (cur << psl::kPrvShift) | (saved_psl & psl::IPL));
    // A fault while pushing is a fault of the CHMx: the run loop restores SP and the PSL.
    push(saved_psl);
    push(return_pc);
    push(code);
    r[kPC] = vec & ~3u;
}

unsigned VaxCpu::software_interrupt_level() const {
    if (sisr == 0) return 0;
    unsigned level = 15;
    while (level > 0 && !(sisr & (1u << level))) --level;
    return level;
}

// REI (ARM, "REI"): pops PC and PSL, checks that the new PSL does not raise privilege,
// switches stacks, and posts an AST software interrupt (IPL 2) when the new mode is at or
// below ASTLVL. Any check failing is a reserved operand fault with nothing changed. The checks
// follow the ARM's REI pseudo-code (also in the VMS MACRO help, "Instructions, REI").
void VaxCpu::rei() {
    const uint32_t sp = r[kSP];
    const uint32_t new_pc = read(sp, 4);
    const uint32_t new_psl = read(sp + 4, 4);
    const unsigned cur = cur_mode();
    const unsigned new_mode = (new_psl >> psl::kCurShift) & 3;
    const unsigned new_prv = (new_psl >> psl::kPrvShift) & 3;
    const unsigned new_ipl = (new_psl >> psl::kIplShift) & 0x1F;
    if (new_mode < cur) reserved_operand();
    if ((new_psl & psl::IS) && !(psl & psl::IS)) reserved_operand();
    if ((new_psl & psl::IS) && new_mode != kKernel) reserved_operand();
    if ((new_psl & psl::IS) && new_ipl == 0) reserved_operand();
    if (new_ipl > ipl()) reserved_operand();
    if (new_prv < new_mode) reserved_operand();
    if (new_mode > kKernel && new_ipl > 0) reserved_operand();
    if (new_psl & (psl::MBZ | psl::CM)) reserved_operand();
    r[kSP] = sp + 8;
    load_psl_switching_stacks(new_psl | (psl & psl::TP));  // "if PSL<TP> then tmp2<TP> = 1"
    r[kPC] = new_pc;
    if (!(new_psl & psl::IS) && new_mode >= astlvl) sisr |= 1u << 2;
}

// The KA655 emulated-instruction exception (SIMH's KA655 frame, the MicroVAX convention): on
// the current stack, in the current mode, a 12-longword frame: opcode, PC of the instruction,
// eight operand longwords (read operands: the value; address operands: the address; register
// destinations: the one's complement of the register number), PC of the next instruction,
// PSL. With PSL<FPD> set only PC and PSL are pushed, through vector 0xCC.
void VaxCpu::emulation_exception(Insn& in) {
    const uint32_t saved_psl = psl;
    uint32_t sp = r[kSP];
    uint32_t vector;
    if (psl & psl::FPD) {
        write(sp - 8, 4, in.pc);
        write(sp - 4, 4, saved_psl);
        r[kSP] = sp - 8;
        vector = scb::kEmulationFpd;
    } else {
        std::array<uint32_t, 12> frame{};
        frame[0] = in.d->opcode;
        frame[1] = in.pc;
        for (unsigned i = 0; i < in.d->operand_count && i < 8; ++i) {
            const Operand& op = in.op[i];
            switch (op.kind) {
            case Operand::kValue: frame[2 + i] = static_cast<uint32_t>(op.value); break;
            case Operand::kMemory:
                frame[2 + i] = (in.d->operands[i].type.access == vax::Access::read) ? static_cast<uint32_t>(op.value)
                                                                                    : op.addr;
                break;
            case Operand::kRegister:
                frame[2 + i] = (in.d->operands[i].type.access == vax::Access::read) ? static_cast<uint32_t>(op.value)
                                                                                    : ~uint32_t{op.reg};
                break;
            }
        }
        frame[10] = in.next_pc;
        frame[11] = saved_psl;
        probe_write(sp - 48, 48);
        for (unsigned i = 0; i < 12; ++i) write(sp - 48 + 4 * i, 4, frame[i]);
        r[kSP] = sp - 48;
        vector = scb::kEmulation;
    }
    psl &= ~(psl::TP | psl::FPD | psl::DV | psl::FU | psl::IV | psl::T | psl::CC);
    const uint32_t vec = read_scb_vector(vector);
    if (trace_ & kTraceInt) log_exception("emulated instruction", static_cast<uint16_t>(vector), in.pc);
    r[kPC] = vec & ~3u;
    in.next_pc = r[kPC];
}

}  // namespace trapeze::vax
