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
// header alone. The header is the block of the cycle reached first from the entry block (the
// entry block itself if it is on the cycle). Successors are what the block's last instruction
// can reach: a relative branch's target and, for a conditional one, the next instruction; a
// return goes back to the blocks after the trace's calls; any block after an indirect branch.
// A wrong guess costs speed (a loop left with several entries, or a block copied for
// nothing), never correctness: the dispatch goes to a copy only where one was made.
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

}  // namespace trapeze::bt
