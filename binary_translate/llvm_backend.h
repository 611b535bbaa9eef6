// The LLVM tier's compiler: one per process, shared by every CPU's JitEngine. It owns the
// semantics bitcode (isa/x86/semantics/*.cpp and jit_runtime.cpp compiled by clang at build
// time and embedded in the library), an ORC LLJIT, and the background thread that turns trace
// requests into machine code. Internal to binary_translate/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "binary_translate/trace_disk_cache.h"
#include "isa/x86/cpu.h"

namespace trapeze::bt {

// One guest block of a trace: the EIP it is entered at and a copy of its instructions.
struct TraceBlock {
    uint32_t eip = 0;
    std::vector<x86::DecodedInsn> insns;
    // Empty for a block on the entry's linear page. Otherwise the block is a small function
    // on another page that the trace calls (a PIC thunk, say: docs/jit.md, "Callees on
    // other pages"), and these are its code bytes: the trace runs it only after comparing
    // them with the bytes the run loop would fetch there now, and is never entered at it.
    std::vector<uint8_t> code;
    // For a block that ends in a return or another indirect transfer (ends_indirect in
    // peel_plan.h): the trace's blocks it was seen going to (its chain links). The dispatch
    // after it names only these (and, after a return, the blocks after the trace's calls);
    // any other target leaves the trace through its chain, so the trace's control flow has no
    // edge its guest code never took (docs/jit.md, "Loops with one header").
    std::vector<uint32_t> seen_targets;
};

struct TraceRequest {
    std::vector<TraceBlock> blocks;  // blocks[0] is the entry
    uint32_t cs_base = 0;
    uint32_t last = 0;               // highest EIP of any byte of the trace (<= cs_limit)
    // Specialisation, guarded at entry: the CS limit, the SS attributes, the data segments
    // (bit per segment register) that were flat when the trace was requested
    // (X86Cpu::flat_segments), and the CPL. The code uses base 0 and no limit for those, the
    // CPL's soft TLB, the CS limit as a constant (a jump's limit check folds when its target
    // is known) and the stack's address size (SS.B) as a constant.
    uint32_t cs_limit = 0xFFFFFFFF;
    uint16_t ss_attr = 0;
    uint8_t flat_segs = 0;
    uint8_t cpl = 0;
    uint8_t code32 = 1;  // the blocks' mode (Block::mode bit 0: 32-bit code segment)
    // Count trace entries, block-to-block transitions and trace jumps in the CPU's -d jit
    // counters (X86Cpu::trace_counters); guard misses are counted either way.
    bool count_execution = true;
    // A block of the trace was seen to lead back to itself or to one before it: the lazy
    // flags are kept in host registers and written back (llvm_backend.cpp).
    bool loops = false;
};

// Machine code of one trace; freed (ORC resource tracker removed) when the last owner drops it.
class CompiledCode {
public:
    virtual ~CompiledCode() = default;
};

struct TraceResult {
    x86::NativeTrace fn = nullptr;
    x86::NativeBody body = nullptr;  // fn's body, for trace-to-trace jumps
    std::shared_ptr<CompiledCode> code;
    double seconds = 0;          // CPU time to build, optimise and compile
    uint64_t code_bytes = 0;     // .text bytes of the object
    unsigned inlined = 0;        // instructions whose handler came from the bitcode
    unsigned called = 0;         // instructions whose handler is called through its pointer
    unsigned canonical_entries = 0;  // entries that make the lazy flags canonical (a looping trace's)
    unsigned cases_pruned = 0;   // switch cases on values that cannot occur (mostly lazy-flags ops), dropped
    unsigned peeled = 0;         // blocks compiled a second time, so that a loop has one header (peel_plan.h)
    unsigned loop_tlb_checks = 0;  // accesses in loops whose soft-TLB check is done at the loop's entry (loop_tlb_checks.h)
    std::string error;           // non-empty when fn is null
    bool reused = false;         // the same trace was compiled before: its code is shared
    bool from_disk = false;      // its code was loaded from the disk cache (--jit-cache)
};

// Identifies a trace's code: the CS base, the limit guard, the specialisation (flat
// segments, CPL) and every block's EIP and instructions, field by field. Traces with equal keys compile to the same code, whichever
// CPU asks (the code refers to no engine or CPU but its argument).
std::string trace_key(const TraceRequest& r);
// The same with each handler as its offset in the executable, for keys that outlive the
// process (the disk cache). False if a handler lies outside the executable.
bool portable_trace_key(const TraceRequest& r, std::string& key);
// The request a portable key was made from (the handlers at their offsets in this process),
// for the disk cache's index; false if `key` is not one.
bool parse_portable_trace_key(std::string_view key, TraceRequest& r);

// A trace in the disk cache, as its key says (handlers at this process's addresses): what
// an engine compares with its blocks to ask for it before the trace would be formed.
struct StoredTrace {
    TraceRequest req;
    std::string key;  // portable_trace_key(req)
};

class Backend {
public:
    // The process's backend. LLVM is started by the first submit, on the backend's thread; if
    // it cannot start, every request is answered with that error (TraceResult::error), which
    // is also printed once on stderr, and the engines go on interpreting.
    static Backend* instance();

    // Queues a compilation; done runs on the backend thread with the result.
    virtual void submit(TraceRequest req, std::function<void(TraceResult)> done) = 0;
    // Queues a trace of the disk cache (one of stored_traces, with the blocks it was stored
    // from): linked on a thread of its own, so that it never waits behind a compilation, or
    // compiled like any other if its file no longer loads. done runs on a backend thread.
    virtual void submit_stored(TraceRequest req, std::function<void(TraceResult)> done) = 0;
    // Compiles in the calling thread's stead, waiting for the result (tests, lockstep).
    TraceResult compile_now(TraceRequest req);

    // Keeps compiled traces in `dir` and loads them from there (trace_disk_cache.h), from
    // the first request on: false, with why, if the directory cannot be made or written, or
    // if LLVM has already started.
    virtual bool use_disk_cache(const std::string& dir, std::string& why) = 0;
    virtual std::string disk_cache_dir() const = 0;  // "" without one
    virtual DiskCacheCounts disk_cache_counts() const = 0;
    // The traces in the disk cache entered at cs_base:eip when use_disk_cache read the
    // directory, or null. (Read-only after use_disk_cache: any thread.)
    virtual const std::vector<StoredTrace>* stored_traces(uint32_t cs_base, uint32_t eip) const = 0;
    virtual bool has_stored_traces() const = 0;

protected:
    virtual ~Backend() = default;
};

}  // namespace trapeze::bt
