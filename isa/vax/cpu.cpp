// The VAX run loop: interrupts and trace faults at instruction boundaries, decode, operand
// evaluation, the semantics handler, then arithmetic traps. Faults restore the registers from
// a snapshot taken at the start of the instruction (the VAX ARM requires a faulting
// instruction to be restartable: "the PC saved is that of the faulting instruction and the
// registers are restored to their values at its start").
#include "isa/vax/cpu.h"

#include <fmt/format.h>

#include <stdexcept>

#include "isa/vax/disassembler.h"

namespace trapeze::vax {

VaxCpu::VaxCpu(cpu::PhysicalMemory& mem, VaxBoard& b) : memory(mem), board(b) {}

bool VaxCpu::fetch_byte(uint32_t va, uint8_t& byte) {
    uint32_t page = va & ~0x1FFu;
    if (page != fetch_page_va_) {
        uint32_t pa = translate(page, Access::read, cur_mode());  // throws ACV/TNV
        fetch_page_host_ = memory.host_pointer(pa, false);
        fetch_page_va_ = page;
        if (!fetch_page_host_) {
            byte = static_cast<uint8_t>(read_phys(pa + (va & 0x1FF), 1));
            fetch_page_va_ = 1;
            return true;
        }
    }
    byte = fetch_page_host_[va & 0x1FF];
    return true;
}

void VaxCpu::load_psl_switching_stacks(uint32_t new_psl) {
    stack[stack_slot()] = r[kSP];
    psl = new_psl;
    r[kSP] = stack[stack_slot()];
}

bool VaxCpu::check_interrupts() {
    unsigned cur = ipl();
    unsigned dev = board.pending_interrupt_level();
    unsigned soft = software_interrupt_level();
    if (dev > cur && dev >= soft) {
        uint32_t vector = board.acknowledge_interrupt(dev);
        if (vector == 0) return false;  // withdrawn
        interrupt(dev, static_cast<uint16_t>(vector));
        return true;
    }
    if (soft > cur) {
        sisr &= ~(1u << soft);
        interrupt(soft, static_cast<uint16_t>(scb::kSoftware + 4 * soft));
        return true;
    }
    return false;
}

void VaxCpu::trace_insn(const DecodedInsn& d) {
    if (trace_ & kTraceExec) {
        fmt::print(trace_out_, "{:08X} psl={:08X} r0={:08X} r1={:08X} r2={:08X} r3={:08X} sp={:08X}: {}\n",
                   d.address, psl, r[0], r[1], r[2], r[3], r[kSP], disassemble(d));
    } else {
        fmt::print(trace_out_, "{:08X}: {}\n", d.address, disassemble(d));
    }
}

bool VaxCpu::execute_one() {
    const std::array<uint32_t, 16> snapshot = r;
    const uint32_t saved_psl = psl;
    const uint32_t start_pc = r[kPC];
    pending_trap_ = 0;
    fetch_page_va_ = 1;
    Insn in;
    DecodedInsn d;
    try {
        if (psl & psl::TP) {
            // Trace pending: the trace fault comes before the next instruction (VAX ARM,
            // "Trace": TP set at the start of an instruction with T set; the fault is taken
            // at the next instruction boundary with PSL<TP> cleared in the saved PSL).
            psl &= ~psl::TP;
            VaxException e{scb::kTracePending, VaxException::Kind::fault, 0, {}};
            dispatch(e, start_pc, psl);
            return true;
        }
        if (psl & psl::T) psl |= psl::TP;
        d = decode([this](uint32_t va, uint8_t& byte) { return fetch_byte(va, byte); }, start_pc);
        if (trace_ & (kTraceInAsm | kTraceExec)) trace_insn(d);
        if (d.status == DecodeStatus::reserved_instruction) raise(scb::kReservedInstruction);
        in.d = &d;
        in.pc = start_pc;
        in.next_pc = start_pc + d.length;
        const OpcodeInfo& info = *d.info;
        if (info.ka655 == Ka655Implementation::reserved) raise(scb::kReservedInstruction);
        if (d.status == DecodeStatus::reserved_addressing_mode) raise(scb::kReservedAddressingMode);
        // UNPREDICTABLE in the ARM, a reserved addressing mode fault on the CVAX (EHKAA
        // checks it): immediate mode as the base of index mode.
        if (d.issue == SpecifierIssue::index_base_immediate) raise(scb::kReservedAddressingMode);
        if (info.pg_class == PgClass::privileged && cur_mode() != kKernel)
            raise(scb::kReservedInstruction);
        evaluate_operands(in);
        r[kPC] = in.next_pc;
        if (info.ka655 == Ka655Implementation::emulated) {
            emulation_exception(in);
            ++instructions_;
            return true;
        }
        Handler h = handlers()[static_cast<size_t>(d.id())];
        h(*this, in);
        r[kPC] = in.next_pc;
        ++instructions_;
        if (pending_trap_) {
            VaxException e{scb::kArithmetic, VaxException::Kind::trap, 1, {pending_trap_, 0, 0, 0, 0}};
            pending_trap_ = 0;
            dispatch(e, r[kPC], psl);
        }
        return true;
    } catch (const VaxException& e) {
        ++instructions_;
        uint32_t pc = start_pc;
        uint32_t p = psl;
        if (e.kind == VaxException::Kind::trap) {
            pc = r[kPC];
        } else {
            // Faults and aborts: registers and PSL as at the start of the instruction.
            // (Aborts leave them UNPREDICTABLE; restoring is one allowed outcome.)
            r = snapshot;
            p = saved_psl & ~psl::TP;
            psl = p;
        }
        if (trace_ & kTraceInt) log_exception("exception", e.vector, pc);
        try {
            dispatch(e, pc, p);
        } catch (const VaxHaltRequest& h) {
            r[kPC] = pc;
            return halt_to_board(h.why, pc);
        }
        return true;
    } catch (const VaxHaltRequest& h) {
        ++instructions_;
        uint32_t pc = h.why == HaltReason::kHaltInstruction ? r[kPC] : start_pc;
        r[kPC] = pc;
        return halt_to_board(h.why, pc);
    }
}

bool VaxCpu::halt_to_board(HaltReason why, uint32_t pc) {
    if (board.halt(why, pc, psl)) return true;
    halt_message_ = fmt::format("HALT at PC 0x{:08X}", pc);
    if (why != HaltReason::kHaltInstruction) halt_message_ += fmt::format(" (halt reason {})", static_cast<int>(why));
    return false;
}

void VaxCpu::log_exception(const char* what, uint16_t vector, uint32_t pc) {
    fmt::print(trace_out_, "vax: {} vector 0x{:02X} at PC {:08X} psl={:08X} sp={:08X}\n", what, vector, pc, psl,
               r[kSP]);
}

bool VaxCpu::step() {
    try {
        if (check_interrupts()) return true;
    } catch (const VaxHaltRequest& h) {
        return halt_to_board(h.why, r[kPC]);
    }
    return execute_one();
}

cpu::RunResult VaxCpu::run(uint64_t max_insns) {
    cpu::RunResult result;
    const uint64_t start = instructions_;
    next_advance_ = instructions_ + time_quantum;
    for (;;) {
        if (max_insns && instructions_ - start >= max_insns) {
            result.reason = cpu::StopReason::kInsnLimit;
            result.message = fmt::format("instruction limit reached at PC 0x{:08X}", r[kPC]);
            break;
        }
        try {
            if (!step()) {
                result.reason = cpu::StopReason::kGuestHalt;
                result.message = halt_message_;
                break;
            }
        } catch (const std::runtime_error& e) {  // unimplemented instruction (semantics/table.cpp)
            result.reason = cpu::StopReason::kError;
            result.message = e.what();
            break;
        }
        if (instructions_ >= next_advance_) {
            board.advance(instructions_ - (next_advance_ - time_quantum));
            next_advance_ = instructions_ + time_quantum;
        }
    }
    result.instructions = instructions_ - start;
    return result;
}

}  // namespace trapeze::vax
