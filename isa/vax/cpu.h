// The VAX CPU (KA655 / CVAX subset): architectural state, the run loop, operand evaluation,
// memory management, exceptions and interrupts. docs/vax-cpu.md describes the structure.
//
// Files:
//   cpu.h / cpu.cpp       state, run loop, instruction step, register snapshot for faults
//   operands.cpp          operand specifier evaluation and operand write-back
//   mmu.cpp               virtual -> physical translation, faults, virtual memory access
//   exceptions.cpp        SCB dispatch: exceptions, interrupts, CHMx, REI, halts
//   ipr.cpp               MTPR/MFPR of the IPRs the CPU implements; others go to the board
//   vax_float.h/.cpp      F/D/G arithmetic with VAX rounding
//   semantics/*.cpp       instruction semantics by family, keyed by OpcodeId
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "cpu/physical_memory.h"
#include "cpu/run_result.h"
#include "isa/vax/board_interface.h"
#include "isa/vax/decoder.h"
#include "isa/vax/psl.h"

namespace trapeze::vax {

// An exception the current instruction raises. Thrown from anywhere in the instruction;
// the run loop restores the registers (faults) and dispatches through the SCB.
struct VaxException {
    enum class Kind : uint8_t { fault, trap, abort };
    uint16_t vector = 0;
    Kind kind = Kind::fault;
    uint8_t param_count = 0;
    std::array<uint32_t, 5> params{};  // pushed params[0] first: (SP) = last pushed
};

// The CPU stops (the board's halt protocol decides what happens next).
struct VaxHaltRequest {
    HaltReason why;
};

// One evaluated operand.
struct Operand {
    enum Kind : uint8_t { kRegister, kMemory, kValue };
    Kind kind = kValue;
    uint8_t reg = 0;     // kRegister
    uint8_t size = 0;    // bytes
    uint32_t addr = 0;   // kMemory: the operand's address (also for .a operands)
    uint64_t value = 0;  // read and modify operands: the value read, zero-extended
};

struct Insn {
    const DecodedInsn* d = nullptr;
    std::array<Operand, kMaxOperands> op{};
    uint32_t pc = 0;       // address of the opcode
    uint32_t next_pc = 0;  // fall-through; handlers that branch overwrite it
};

class VaxCpu;
using Handler = void (*)(VaxCpu&, Insn&);

// Trace flags (-d).
enum VaxTrace : unsigned { kTraceInAsm = 1, kTraceExec = 2, kTraceInt = 4 };

class VaxCpu {
public:
    VaxCpu(cpu::PhysicalMemory& memory, VaxBoard& board);

    // ---- architectural state (public: semantics, the board and tests use it) ----
    std::array<uint32_t, 16> r{};  // R0-R11, AP, FP, SP, PC
    uint32_t psl = 0x041F0000;     // power-up: kernel, interrupt stack, IPL 31
    std::array<uint32_t, 5> stack{};  // KSP, ESP, SSP, USP, ISP (the current one lives in SP)
    uint32_t p0br = 0, p0lr = 0, p1br = 0, p1lr = 0, sbr = 0, slr = 0;
    uint32_t pcbb = 0, scbb = 0, astlvl = 4, sisr = 0;
    bool mapen = false;
    bool tbchk_hit = false;  // set by MTPR to TBCHK, read by the MTPR handler

    cpu::PhysicalMemory& memory;
    VaxBoard& board;

    // ---- running ----
    cpu::RunResult run(uint64_t max_insns);
    // Execute one instruction (or take one pending interrupt/trace fault). Returns false
    // when the CPU halted and the board ended the run (halt_message() says why).
    bool step();
    uint64_t instructions() const { return instructions_; }
    const std::string& halt_message() const { return halt_message_; }
    void set_trace(unsigned flags, std::FILE* out) { trace_ = flags; trace_out_ = out; }
    // Guest time granularity: board.advance() is called every `quantum` instructions.
    uint64_t time_quantum = 1000;

    // ---- PSL helpers ----
    unsigned cur_mode() const { return (psl >> psl::kCurShift) & 3; }
    unsigned prv_mode() const { return (psl >> psl::kPrvShift) & 3; }
    unsigned ipl() const { return (psl >> psl::kIplShift) & 0x1F; }
    bool on_interrupt_stack() const { return (psl & psl::IS) != 0; }
    void set_cc(uint32_t cc) { psl = (psl & ~psl::CC) | (cc & psl::CC); }
    // The stack pointer slot of the current mode (ISP when on the interrupt stack).
    unsigned stack_slot() const { return on_interrupt_stack() ? 4 : cur_mode(); }
    // Switch to another PSL, saving SP to the old slot and loading it from the new one.
    void load_psl_switching_stacks(uint32_t new_psl);

    // ---- memory (mmu.cpp) ----
    enum class Access : uint8_t { read, write, modify };
    // Virtual -> physical for `mode`; throws VaxException for ACV/TNV.
    uint32_t translate(uint32_t va, Access access, unsigned mode);
    // Probe accessibility without faulting (PROBER/PROBEW): false on an access violation;
    // throws for translation-not-valid of a page-table page, as the ARM says.
    bool probe(uint32_t va, Access access, unsigned mode);
    uint32_t read(uint32_t va, unsigned size);  // size 1, 2, 4; current mode
    uint64_t read64(uint32_t va);
    void write(uint32_t va, unsigned size, uint32_t value);
    void write64(uint32_t va, uint64_t value);
    uint32_t read_mode(uint32_t va, unsigned size, unsigned mode, Access access = Access::read);
    void write_mode(uint32_t va, unsigned size, uint32_t value, unsigned mode);
    uint32_t read_phys(uint32_t pa, unsigned size);
    uint32_t read_scb_vector(uint32_t offset);  // halts on a machine check (exceptions.cpp)
    void write_phys(uint32_t pa, unsigned size, uint32_t value);
    void push(uint32_t value) { write(r[kSP] - 4, 4, value); r[kSP] -= 4; }
    uint32_t pop() { uint32_t v = read(r[kSP], 4); r[kSP] += 4; return v; }
    // A check that a write will succeed (so that multi-part writes fault before the first).
    void probe_write(uint32_t va, unsigned size);
    // The translation buffer. Translation always walks the page tables (mmu.cpp); the TB
    // only records which pages have been translated since the last invalidation, for TBCHK
    // (MTPR to TBCHK sets V when the TB holds a valid entry for the address).
    void invalidate_tb() { tb_tags_.fill(kNoTag); }
    void invalidate_process_tb() {
        for (uint32_t& t : tb_tags_) if (t != kNoTag && !(t & (1u << 22))) t = kNoTag;
    }
    void invalidate_tb_entry(uint32_t va) {
        uint32_t vpn = va >> 9;
        if (tb_tags_[vpn & (kTbSize - 1)] == vpn) tb_tags_[vpn & (kTbSize - 1)] = kNoTag;
    }
    bool tb_check(uint32_t va) const {
        uint32_t vpn = va >> 9;
        return mapen && tb_tags_[vpn & (kTbSize - 1)] == vpn;
    }

    // ---- operands (operands.cpp) ----
    void write_operand(const Operand& op, uint64_t value);

    // ---- exceptions (exceptions.cpp) ----
    [[noreturn]] void raise(uint16_t vector, VaxException::Kind kind = VaxException::Kind::fault);
    [[noreturn]] void raise(uint16_t vector, VaxException::Kind kind, uint32_t p0);
    [[noreturn]] void raise(uint16_t vector, VaxException::Kind kind, uint32_t p0, uint32_t p1);
    // Machine check (abort): the KA655 frame, (SP) = byte count (16) of the four parameters
    // that follow: code, address, two state longwords; then PC and PSL.
    [[noreturn]] void machine_check(uint32_t code, uint32_t address);
    [[noreturn]] void reserved_operand() { raise(scb::kReservedOperand); }
    [[noreturn]] void reserved_instruction() { raise(scb::kReservedInstruction); }
    [[noreturn]] void arithmetic_fault(uint32_t code) {
        raise(scb::kArithmetic, VaxException::Kind::fault, code);
    }
    // An arithmetic trap taken after the instruction completes (integer overflow when IV,
    // divide by zero, subscript range).
    void request_trap(uint32_t code) { if (!pending_trap_) pending_trap_ = code; }
    // V from an integer result; requests the integer overflow trap when PSL<IV>.
    void set_overflow(bool v) {
        if (v) {
            psl |= psl::V;
            if (psl & psl::IV) request_trap(arith::kIntegerOverflow);
        } else {
            psl &= ~psl::V;
        }
    }
    // Deliver an exception/interrupt through the SCB. `pc` is the PC to push.
    void dispatch(const VaxException& e, uint32_t pc, uint32_t saved_psl);
    void interrupt(unsigned level, uint16_t vector);
    // CHMx: change mode to `target`, code pushed.
    void change_mode(unsigned target, uint32_t code, uint32_t return_pc);
    void rei();
    // Emulated-instruction exception (KA655: packed decimal, EDITPC, CRC, MOVTC/MOVTUC/MATCHC).
    void emulation_exception(Insn& in);
    [[noreturn]] void halt(HaltReason why) { throw VaxHaltRequest{why}; }

    // ---- IPRs (ipr.cpp) ----
    uint32_t read_ipr(unsigned n);
    void write_ipr(unsigned n, uint32_t value);
    // Highest pending software interrupt level (0 = none).
    unsigned software_interrupt_level() const;

    // Semantics table (semantics/table.cpp): one handler per opcode row.
    static const std::array<Handler, kOpcodeCount>& handlers();

private:
    bool execute_one();
    void evaluate_operands(Insn& in);
    void evaluate_specifier(const OperandSpec& spec, Operand& op);
    bool check_interrupts();
    bool halt_to_board(HaltReason why, uint32_t pc);
    void trace_insn(const DecodedInsn& d);
    void log_exception(const char* what, uint16_t vector, uint32_t pc);
    // Fetch for the decoder: one page of instruction stream cached.
    bool fetch_byte(uint32_t va, uint8_t& byte);
    uint32_t walk(uint32_t va, Access access, unsigned mode, bool probe_only, bool* ok);

    static constexpr uint32_t kTbSize = 1024, kNoTag = 0xFFFFFFFF;
    std::array<uint32_t, kTbSize> tb_tags_ = [] {
        std::array<uint32_t, kTbSize> a{};
        a.fill(kNoTag);
        return a;
    }();
    uint64_t instructions_ = 0;
    uint32_t pending_trap_ = 0;
    std::string halt_message_;
    unsigned trace_ = 0;
    std::FILE* trace_out_ = stderr;
    uint32_t fetch_page_va_ = 1;  // cached instruction-stream page (1 = none)
    const uint8_t* fetch_page_host_ = nullptr;
    uint64_t next_advance_ = 0;
};

}  // namespace trapeze::vax
