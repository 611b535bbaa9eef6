#pragma once
#include <cstdint>

#include <llvm/ADT/STLFunctionalExtras.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/InstrTypes.h>

namespace trapeze::bt {

// Soft-TLB checks done once at a loop's entry instead of at every iteration (docs/jit.md,
// "Accesses checked once a loop"). A compiled guest access at an address the loop does not
// change (a stack slot off an unchanged ESP, a global) loads its soft-TLB entry's tag,
// compares it with the page, and loads the entry's addend, every iteration; in a register-
// starved i386 loop that is four host loads for each guest one. A translation stays valid
// until something flushes it (a CR3 or CR0 write, INVLPG, a page made to hold code), and
// nothing inside a loop that passes `loop_is_clean` can: its calls only refill entries
// (X86Cpu::tlb_refill, which replaces an entry but never invalidates a translation) or
// leave the trace, and it stores nothing into the soft TLB. So the loop's preheader checks
// the entries of all such accesses once and keeps their addends; when all of them hit, each
// access in the loop skips its check and uses the kept addend; when one does not, every
// access checks as before (the next entry into the loop will likely find them filled).
//
// What it needs to know about the trace, from the builder:
//   cpu          the trace function's CPU-object argument;
//   tlb_begin/end the soft TLB's byte range in the CPU object (X86Cpu::tlb_: 16-byte entries
//                of tag_read, tag_write, addend);
//   call_kind    for each call in a loop: kRefill (tlb_refill), kHarmless (writes no soft-TLB
//                entry and changes no translation: a leave, make_flags_eager, anything that
//                does not return) or kUnknown (anything else: the loop is left alone).
enum class LoopCallKind { kRefill, kHarmless, kUnknown };

struct LoopTlbStats {
    unsigned loops = 0;     // loops whose entry now checks
    unsigned accesses = 0;  // accesses in them that skip their check when the entry's passed
};

LoopTlbStats check_tlb_once_per_loop(llvm::Function& f, const llvm::Value* cpu, int64_t tlb_begin, int64_t tlb_end,
                                     llvm::function_ref<LoopCallKind(const llvm::CallBase&)> call_kind);

}  // namespace trapeze::bt
