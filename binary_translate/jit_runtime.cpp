// The glue of compiled traces. This file is compiled only to LLVM bitcode (with the
// semantics, see CMakeLists.txt) and every function here is inlined into each trace: it is
// the body of X86Cpu::execute_block and of the run loop's step between two blocks, spelled
// as small pieces that the trace builder (llvm_backend.cpp) strings together per instruction.
// Keep it in step with cpu.cpp (run, execute_block, check_interrupts).
#include "isa/x86/cpu.h"

namespace trapeze::x86 {

struct TraceRuntime {
    // X86Cpu::trace_counters(), for -d jit. (In the CPU, so that the code of a trace does not
    // depend on the engine and can be shared by CPUs.)
    enum { kEntries = 0, kGuardMisses = 1, kTransitions = 2, kTraceJumps = 3, kTrustedJumps = 4 };
    static uint64_t* counters(X86Cpu& c) { return c.trace_counters_; }

    // A trace was compiled for one CS base and limit, with every block inside the limit (so
    // that execute_block's per-instruction limit check is never needed), and is entered at
    // the block whose EIP matches (the trace builder's switch). Anything else: the
    // interpreter runs the block.
    // It was also specialised for the CS limit, the SS attributes, the flat data segments
    // and the CPL it saw (cs_limit, ss_attr, flat_segs, cpl: see specialised_fields).
    static bool enter(X86Cpu& c, uint32_t cs_base, uint32_t cs_limit, uint16_t ss_attr, uint8_t flat_segs,
                      uint8_t cpl) {
        return c.s.seg[CS].base == cs_base && c.s.seg[CS].limit == cs_limit && c.s.seg[SS].attr == ss_attr &&
               (c.flat_segs_ & flat_segs) == flat_segs && c.s.cpl == cpl;
    }
    static void entered(X86Cpu& c) {
        c.end_block = false;  // as the run loop left it; lets LLVM fold the per-insn tests
    }
    // On a looping trace's entry into a block that may read the flags before anything sets
    // them (the trace builder decides: blocks_reading_entry_flags in llvm_backend.cpp): the
    // lazy flags in one form, materialised (make_flags_eager, out of line, only when they
    // are not), so that the op and size reaching each block of the loop are constants or
    // phis of constants and the switches on them lose the cases they cannot take
    // (prune_switch_cases). Without it the entry's op, unknown, reached every block of the
    // loop (any block may be entered), and a DEC that keeps CF ran compute_carry's jump
    // table in every iteration of gzip's longest_match (docs/jit.md, "Tenth look").
    static void canonical_flags(X86Cpu& c) {
        if (c.s.arith.op != LazyOp::kNone) c.make_flags_eager();
        c.s.arith.op = LazyOp::kNone;  // (already so: said again as constants for LLVM)
        c.s.arith.size = 4;
    }
    // The guard refused: 0 (the run loop interprets the block) unless this trace was jumped
    // to from another (chain_target) that ran since the run loop's call.
    static int missed(X86Cpu& c, uint64_t entry_icount) {
        ++counters(c)[kGuardMisses];
        return c.icount_ != entry_icount;
    }
    // execute_block, one instruction: next_eip, the handler, commit, end_block.
    static void begin(X86Cpu& c, uint32_t next_eip) { c.next_eip = next_eip; }
    // The instruction count after the instruction is a constant offset from the count at
    // the head of its block (icount), not an increment of the one before: after promotion
    // every value of the count in a block is then one register plus a constant, so that the
    // fast path of an instruction does no arithmetic on it (an increment per instruction,
    // duplicated on both sides of every slow path, was one host instruction per guest
    // instruction, and the increments a chain of dependent adds as long as the block) and
    // only its write-backs add the offset.
    static uint64_t icount(const X86Cpu& c) { return c.icount_; }
    static bool commit(X86Cpu& c, uint64_t icount_after) {
        c.s.eip = c.next_eip;
        c.icount_ = icount_after;
        return c.end_block;
    }
    // On the path where commit returned false: says again what the test just found, so that
    // after promote_cpu_state end_block is the constant false on every fast path (its value
    // at a block's head is otherwise a phi of its values along each path there, which LLVM
    // cannot prove false), and the test after each instruction that cannot set it folds away.
    static void continued(X86Cpu& c) { c.end_block = false; }
    // Field lists for the trace builder: begin and end pointers of each field, in pairs. The
    // builder reads them as the stores of the exported function's body
    // (llvm_backend.cpp, read_field_ranges), so the list functions are always inlined there.
    template <class Field>
    [[gnu::always_inline]] static void range(char**& out, Field& field) {
        *out++ = reinterpret_cast<char*>(&field);
        *out++ = reinterpret_cast<char*>(&field + 1);
    }
    // The guest registers, EIP, the lazy flags, next_eip, the count, the TSC and the trace
    // counters: what no slow side of a memory access writes, nor tlb_refill reads.
    [[gnu::always_inline]] static void guest_state_fields(X86Cpu& c, char**& out) {
        range(out, c.s.gpr);
        range(out, c.s.eip);
        range(out, c.s.arith);
        range(out, c.next_eip);
        range(out, c.icount_);
        range(out, c.s.tsc);
        range(out, c.trace_counters_);
    }
    [[gnu::always_inline]] static void accessor_blind_fields(X86Cpu& c, char** out) {
        guest_state_fields(c, out);
        range(out, c.s.seg);  // and what a trace is specialised on (specialised_fields)
        range(out, c.seg_lo_);
        range(out, c.seg_end_);
        range(out, c.seg_unlimited_);
        range(out, c.s.cpl);
        *out = nullptr;
    }
    [[gnu::always_inline]] static void accessor_unread_fields(X86Cpu& c, char** out) {
        range(out, c.next_eip);
        *out = nullptr;
    }
    // Fields that hold false in memory whenever a trace runs, so that the trace's stores of
    // false to them need no write-back: end_block. The run loop clears it before it runs a
    // block and calls compiled code only with it clear; a trace jumps to another only after
    // commit found it clear; entered() and continued() store false where memory already
    // holds false (at the entry, and on the path where the load after a slow call gave
    // false). Only a handler's store of true makes it dirty, and the trace then leaves.
    [[gnu::always_inline]] static void false_in_memory_fields(X86Cpu& c, char** out) {
        range(out, c.end_block);
        *out = nullptr;
    }
    [[gnu::always_inline]] static void write_through_fields(X86Cpu& c, char** out) {
        range(out, c.s.gpr);
        range(out, c.s.arith);
        *out = nullptr;
    }
    // The same for a trace with a loop inside (TraceRequest::loops): the lazy flags are
    // written back instead, at its exits and before calls, and its leaves get them as
    // arguments (X86Cpu::leave_to_interpreter's second form).
    [[gnu::always_inline]] static void loop_write_through_fields(X86Cpu& c, char** out) {
        range(out, c.s.gpr);
        *out = nullptr;
    }
    // What X86Cpu::tlb_refill, the slow side of a compiled access, never reads (it reads the
    // segment and paging state, and writes no field a trace promotes).
    [[gnu::always_inline]] static void refill_unread_fields(X86Cpu& c, char** out) {
        guest_state_fields(c, out);
        range(out, c.end_block);
        *out = nullptr;
    }
    // What X86Cpu::leave_to_interpreter is given as arguments (EIP, the count, and the lazy
    // flags in a trace that writes them back: in one that writes them through, memory holds
    // them), or what is not read after it (next_eip): no write-back before it.
    [[gnu::always_inline]] static void leave_argument_fields(X86Cpu& c, char** out) {
        range(out, c.s.eip);
        range(out, c.icount_);
        range(out, c.s.arith);
        range(out, c.next_eip);
        *out = nullptr;
    }
    // The soft TLB (X86Cpu::tlb_), which only calls write: loop_tlb_checks.h.
    [[gnu::always_inline]] static void tlb_fields(X86Cpu& c, char** out) {
        range(out, c.tlb_);
        *out = nullptr;
    }
    // What X86Cpu::make_flags_eager reads and writes: the lazy flags.
    [[gnu::always_inline]] static void flags_fields(X86Cpu& c, char** out) {
        range(out, c.s.arith);
        *out = nullptr;
    }
    [[gnu::always_inline]] static void flags_op_field(X86Cpu& c, char** out) {
        range(out, c.s.arith.op);
        *out = nullptr;
    }
    [[gnu::always_inline]] static void unpromoted_fields(X86Cpu& c, char** out) {
        range(out, c.trace_counters_);
        *out = nullptr;
    }
    // The fields a trace is specialised on, in this order: for each segment register, its
    // base, seg_lo_, seg_end_[0], seg_end_[1], seg_unlimited_[0] and seg_unlimited_[1]
    // (constant 0, 0, 4 GB, 4 GB, 1, 1 when flat), then the CPL, then the CS limit, then the
    // SS attributes (SS.B: the stack's address size).
    [[gnu::always_inline]] static void segment_fields(X86Cpu& c, unsigned seg, char**& out) {
        range(out, c.s.seg[seg].base);
        range(out, c.seg_lo_[seg]);
        range(out, c.seg_end_[0][seg]);
        range(out, c.seg_end_[1][seg]);
        range(out, c.seg_unlimited_[0][seg]);
        range(out, c.seg_unlimited_[1][seg]);
    }
    [[gnu::always_inline]] static void specialised_fields(X86Cpu& c, char** out) {
        segment_fields(c, ES, out);
        segment_fields(c, CS, out);
        segment_fields(c, SS, out);
        segment_fields(c, DS, out);
        segment_fields(c, FS, out);
        segment_fields(c, GS, out);
        range(out, c.s.cpl);
        range(out, c.s.seg[CS].limit);
        range(out, c.s.seg[SS].attr);
        *out = nullptr;
    }
    static uint32_t eip(const X86Cpu& c) { return c.s.eip; }
    // The run loop between two blocks that chain (no end_block): stay in compiled code only
    // if the run loop would go straight on to the next block: no instruction limit, no
    // pending NMI or interrupt. (The linear->block mapping has not changed since the trace
    // was entered: the epoch changes only with end_block set, X86Cpu::bump_epoch, and the
    // trace has left at end_block.) Exiting is always
    // safe (the run loop then does exactly what it does after a block). The next block must
    // fit under the limit whole, because the run loop interprets the block the limit falls
    // in: whichever it is, this trace's or another's (chain_target), it has at most
    // kMaxBlockInsns instructions, so that one compare here serves both. (With the widest
    // block of the trace here instead, chain_target compared again for the other trace's:
    // three host instructions a trace jump.) The TSC is left
    // alone, as the run loop leaves it between chained blocks: every reader goes through
    // X86Cpu::tsc_now(), exact at any instruction, and the run loop syncs s.tsc after the
    // trace returns or a fault leaves it.
    static bool next(X86Cpu& c) {
        constexpr uint64_t widest = X86Cpu::kMaxBlockInsns;
        // (icount_ + widest cannot wrap: both are far below 2^63.) One compare while no event
        // line is up (X86Cpu::chain_limit_ is then the instruction limit, else 0).
        if (c.icount_ + widest > c.chain_limit_) [[unlikely]] {
            if (c.icount_ + widest > c.insn_limit_) return false;
            // NMI and INTR are flags of the CPU's (no call, so LLVM keeps the guest state in
            // registers across the check). A polled source would need a call: leave, the run
            // loop polls.
            if (c.events_.nmi || ((c.s.eflags & IF) && (c.events_.intr_pin || c.events_.irq_polled))) return false;
        }
        return true;
    }
    // After next() said yes, for a block outside this trace: the trace the run loop would
    // call for it, if it has entered one at this EIP in this epoch (X86Cpu::trace_jumps_),
    // so that the trace jumps straight there. The run loop would call it only if the block
    // fits under the instruction limit whole (next() checked that any block would) and
    // nothing observes execution (observed_: hooks, breakpoints;
    // TF and RF are clear in compiled code: the run loop runs a block with either set on its
    // hooked path, never compiled, and only instructions that end the block (POPF, IRET, a
    // task switch) or an event delivered outside a trace set them). That trace's own guard,
    // or its TraceJump::spec, checks the rest of the state. code32: the trace's code size
    // (its CS.D bit, the mode bit of link_context(), which only instructions that end the
    // block change), so that the context is a constant as the CS base and CPL are.
    static NativeBody chain_target(X86Cpu& c, uint32_t code32) {
        if (c.observed_) return nullptr;
        const uint32_t eip = c.s.eip;
        const X86Cpu::TraceJump& j = c.trace_jumps_[X86Cpu::trace_jump_index(eip)];
        if (j.eip != eip || j.epoch != c.epoch() ||
            j.where != X86Cpu::trace_jump_where(c.s.seg[CS].base, (uint32_t(c.s.cpl) << 8) | code32))
            return nullptr;
        // An entry of this epoch was made by run_native for a block with code (Block::native
        // and native_body are set together), so the trace needs no test for null.
        __builtin_assume(j.body != nullptr);
        return j.body;
    }
    // For a callee on another page that a trace has compiled in (TraceBlock::code), which the
    // trace runs only after comparing its bytes with the code there now: whether the code at
    // linear addresses [lin, last] (on one page, as a block is) is what the run loop would
    // fetch through the CPL's soft-TLB entry for the page (fetch_block's fetch_tlb_hit: the
    // data and code sides of an entry are filled and dropped together, and an instruction
    // fetch needs no more than a read on IA-32 without NX), and that entry maps it readable
    // from RAM or ROM. If not, the trace leaves for the run loop, which fetches and walks
    // as usual. code_host is then where those bytes are. (Two calls, as a guest read's test
    // and address are, so that the address is an inttoptr that the trace builder places
    // in guest memory: llvm_backend.cpp, annotate_aliasing.)
    static bool code_mapped(const X86Cpu& c, uint32_t lin, uint32_t last) {
        return c.tlb_entry(lin, c.s.cpl == 3).tag_read == (last & ~0xFFFu);
    }
    static const uint8_t* code_host(const X86Cpu& c, uint32_t lin) {
        return reinterpret_cast<const uint8_t*>(c.tlb_entry(lin, c.s.cpl == 3).addend + lin);
    }
    // For the trace chain_target just returned: whether its guard passed in a state with this
    // one's guard_key() (TraceJump::spec), so that it may skip the guard. In a trace the key
    // folds to a constant but for the flat-segment bits, unless the trace changed a segment
    // or the CPL on the way.
    static uint32_t chain_trusted(X86Cpu& c) {
        return c.trace_jumps_[X86Cpu::trace_jump_index(c.s.eip)].spec == c.guard_key();
    }
    // The -d jit counts of trace entries, block-to-block transitions and trace jumps, each an
    // increment in memory, are in a trace only when it is compiled to count them
    // (TraceRequest::count_execution): a Linux guest's workload makes billions of
    // transitions and hundreds of millions of jumps, and the increments cost it about 4% of
    // its time (docs/jit.md, "Ninth look").
    static void count_entry(X86Cpu& c) { ++counters(c)[kEntries]; }
    static void count_transition(X86Cpu& c) { ++counters(c)[kTransitions]; }
    static void count_jump(X86Cpu& c, uint32_t trusted) { ++counters(c)[trusted ? kTrustedJumps : kTraceJumps]; }
};

}  // namespace trapeze::x86

using trapeze::x86::DecodedInsn;
using trapeze::x86::TraceRuntime;
using trapeze::x86::X86Cpu;

#define TRAPEZE_RT extern "C" __attribute__((always_inline, used))

TRAPEZE_RT bool trapeze_rt_enter(X86Cpu& c, uint32_t cs_base, uint32_t cs_limit, uint16_t ss_attr,
                                 uint8_t flat_segs, uint8_t cpl) {
    return TraceRuntime::enter(c, cs_base, cs_limit, ss_attr, flat_segs, cpl);
}
TRAPEZE_RT void trapeze_rt_entered(X86Cpu& c) { TraceRuntime::entered(c); }
TRAPEZE_RT void trapeze_rt_canonical_flags(X86Cpu& c) { TraceRuntime::canonical_flags(c); }
TRAPEZE_RT int trapeze_rt_missed(X86Cpu& c, uint64_t entry_icount) { return TraceRuntime::missed(c, entry_icount); }
TRAPEZE_RT void trapeze_rt_begin(X86Cpu& c, uint32_t next_eip) { TraceRuntime::begin(c, next_eip); }
TRAPEZE_RT uint64_t trapeze_rt_icount(X86Cpu& c) { return TraceRuntime::icount(c); }
TRAPEZE_RT bool trapeze_rt_commit(X86Cpu& c, uint64_t icount_after) { return TraceRuntime::commit(c, icount_after); }
TRAPEZE_RT void trapeze_rt_continued(X86Cpu& c) { TraceRuntime::continued(c); }
TRAPEZE_RT uint32_t trapeze_rt_eip(X86Cpu& c) { return TraceRuntime::eip(c); }
TRAPEZE_RT bool trapeze_rt_next(X86Cpu& c) { return TraceRuntime::next(c); }
TRAPEZE_RT trapeze::x86::NativeBody trapeze_rt_chain_target(X86Cpu& c, uint32_t code32) {
    return TraceRuntime::chain_target(c, code32);
}
TRAPEZE_RT bool trapeze_rt_code_mapped(X86Cpu& c, uint32_t lin, uint32_t last) {
    return TraceRuntime::code_mapped(c, lin, last);
}
TRAPEZE_RT const uint8_t* trapeze_rt_code_host(X86Cpu& c, uint32_t lin) { return TraceRuntime::code_host(c, lin); }
TRAPEZE_RT uint32_t trapeze_rt_chain_trusted(X86Cpu& c) { return TraceRuntime::chain_trusted(c); }
TRAPEZE_RT void trapeze_rt_count_entry(X86Cpu& c) { TraceRuntime::count_entry(c); }
TRAPEZE_RT void trapeze_rt_count_transition(X86Cpu& c) { TraceRuntime::count_transition(c); }
TRAPEZE_RT void trapeze_rt_count_jump(X86Cpu& c, uint32_t trusted) { TraceRuntime::count_jump(c, trusted); }
// Never called: the trace builder reads the field offsets out of its body. The CPU fields that
// the out-of-line memory accessors (X86Cpu::read_slow, write_slow, read_linear_slow,
// write_linear_slow) never write: guest registers, EIP, next_eip, the lazy flags, the
// instruction count, the TSC, the trace counters, the segment registers and their
// limit-check form, the CPL. A trace keeps using the values it has in host registers after
// such a call instead of reloading them (llvm_backend.cpp, promote_cpu_state). Keep in step
// with cpu.cpp: an accessor that starts writing one of these must drop it here.
TRAPEZE_RT void trapeze_rt_accessor_blind_fields(X86Cpu& c, char** out) {
    TraceRuntime::accessor_blind_fields(c, out);
}
// Never called: the trace builder reads the field offsets out of its body. The blind fields
// that the out-of-line memory accessors do not even read, nor does anything after a guest
// fault they raise before the next instruction sets it: next_eip (fault delivery pushes the
// faulting instruction's EIP, s.eip; devices, the monitor's window and the write log never
// look at it). A trace need not write it back before a TLB miss: one store fewer on each
// access's slow path. Keep in step with cpu.cpp, as the list above.
TRAPEZE_RT void trapeze_rt_accessor_unread_fields(X86Cpu& c, char** out) {
    TraceRuntime::accessor_unread_fields(c, out);
}
// Never called: the trace builder reads the field offsets out of its body. The CPU fields
// that hold false in memory while a trace runs (TraceRuntime::false_in_memory_fields): a
// store of false to them leaves them clean, so a slow path does not write end_block back
// (benches/jit-compile-cost.sh 8.24 to 8.09 billion host instructions, 5,740 to 5,517 code
// bytes a trace). Keep in step with cpu.cpp's run loop and with entered/continued above.
TRAPEZE_RT void trapeze_rt_false_in_memory_fields(X86Cpu& c, char** out) {
    TraceRuntime::false_in_memory_fields(c, out);
}
// Never called: the trace builder reads the field offsets out of its body. The CPU fields a
// trace writes through to the object at every store instead of writing them back on its cold
// paths (llvm_backend.cpp, promote_cpu_state).
TRAPEZE_RT void trapeze_rt_write_through_fields(X86Cpu& c, char** out) {
    TraceRuntime::write_through_fields(c, out);
}
TRAPEZE_RT void trapeze_rt_loop_write_through_fields(X86Cpu& c, char** out) {
    TraceRuntime::loop_write_through_fields(c, out);
}
// Never called: the trace builder reads the field offsets out of its body. The CPU fields a
// trace leaves in memory, never promoted to host registers: the -d jit counters, which it
// increments in place (one instruction each; promoted, every trace loaded them all at its
// entry and kept them in registers or on its stack: the loop guest ran 189 host instructions
// an iteration against 181 now, and traces compiled 2.5% faster into 3.7% less code).
TRAPEZE_RT void trapeze_rt_unpromoted_fields(X86Cpu& c, char** out) { TraceRuntime::unpromoted_fields(c, out); }
TRAPEZE_RT void trapeze_rt_refill_unread_fields(X86Cpu& c, char** out) { TraceRuntime::refill_unread_fields(c, out); }
TRAPEZE_RT void trapeze_rt_flags_fields(X86Cpu& c, char** out) { TraceRuntime::flags_fields(c, out); }
TRAPEZE_RT void trapeze_rt_flags_op_field(X86Cpu& c, char** out) { TraceRuntime::flags_op_field(c, out); }
TRAPEZE_RT void trapeze_rt_leave_argument_fields(X86Cpu& c, char** out) { TraceRuntime::leave_argument_fields(c, out); }
TRAPEZE_RT void trapeze_rt_tlb_fields(X86Cpu& c, char** out) { TraceRuntime::tlb_fields(c, out); }
// Never called: the trace builder reads the field offsets out of its body (in order).
TRAPEZE_RT void trapeze_rt_specialised_fields(X86Cpu& c, char** out) { TraceRuntime::specialised_fields(c, out); }
// Never called: its type is the handler type (trapeze::x86::Handler) as the bitcode spells it.
extern "C" __attribute__((used)) void trapeze_rt_handler_type(X86Cpu&, const DecodedInsn&) {}
