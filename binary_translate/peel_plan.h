#pragma once
#include <cstddef>
#include <vector>

#include "binary_translate/llvm_backend.h"

namespace trapeze::bt {

// Where a trace's loops get one header each (docs/jit.md, "Loops with one header"). A trace
// may be entered at any of its blocks, and its loops may be entered from its other blocks at
// more than one point; LLVM's loop passes need a natural loop, entered at one header. So the
// blocks of each cycle (a strongly connected set of blocks) other than its header are
// compiled a second time where something from outside the cycle goes into them: a side
// entry, a block outside the cycle, or another copy. A copy runs until control reaches the
// header, where the original takes over; the originals of the cycle are then entered at the
// header alone. The header is the block of the cycle that leaves the fewest instructions to
// copy (every block on the entry's page is an entry; ties: the block reached first from the
// entry block). Successors are trace_successors (below), the same edges the builder's
// dispatch has; a target they miss leaves the trace through its chain, so a wrong guess costs
// speed, never correctness.
struct PeelPlan {
    std::vector<int> cycle;          // each block's cycle (-1: on none)
    std::vector<size_t> header;      // each cycle's header
    std::vector<bool> copied;        // the blocks compiled a second time
    // Where the dispatch after block `from` (its copy if from_copy) goes for block k: to k's
    // copy when k is on a cycle but not its header, a copy of it exists, and control comes
    // from outside that cycle's originals.
    bool to_copy(size_t from, bool from_copy, size_t k) const {
        return copied[k] && (from_copy || cycle[from] != cycle[k]);
    }
};

PeelPlan peel_plan(const TraceRequest& r);

// Whether a block ending with `last` goes on to a target its instruction does not name: a
// return, an indirect jump or call, an interrupt... (an END form without a relative target).
bool ends_indirect(const x86::DecodedInsn& last);

// The blocks of the trace that block j can go on to, as the builder's dispatch after it
// names them: a relative branch's target and, for a conditional one, the next instruction;
// the next instruction after a block that does not end with a branch; after an indirect
// transfer, the blocks it was seen going to (TraceBlock::seen_targets) and, after a return,
// the blocks after the trace's calls.
std::vector<size_t> trace_successors(const TraceRequest& r, size_t j);

}  // namespace trapeze::bt
