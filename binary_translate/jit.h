// The LLVM tier (`--engine=jit`): a TraceEngine that compiles hot code in the background.
//
// When a cached block has been interpreted `threshold` times the engine forms a trace: that
// block and the blocks the interpreter's chain links show following it, on the same linear
// page (so that one translation covers all of them), and small functions on other pages
// that it calls, checked by their bytes where the trace goes there (TraceBlock::code). It
// copies their DecodedInsns and hands them to the LLVM backend (llvm_backend.h), which runs
// on its own thread; the interpreter keeps running the block until the code is installed in
// it (Block::native). Compiled code lives as long as its entry block: invalidation
// (self-modifying code, cache flush) retires the block to the graveyard, which is emptied
// between blocks, and the code goes with it.
// See docs/jit.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "binary_translate/trace_disk_cache.h"
#include "isa/x86/cpu.h"

namespace trapeze::bt {

struct JitOptions {
    // Interpreted executions of a block before it is compiled. Higher than a cheap JIT would
    // use: a trace costs about 0.1 s of LLVM's time, and on the Linux benchmark 512-2048
    // finished the run 15-18% sooner than 64 (docs/jit.md).
    uint64_t threshold = 1024;
    bool synchronous = false;   // wait for each compilation (tests: deterministic tiering)
    // Small traces: LLVM's code generation costs more than linearly in the size of a function,
    // and a trace's blocks beyond the hot path are compiled for nothing.
    unsigned max_blocks = 8;    // guest blocks per trace
    unsigned max_insns = 96;    // guest instructions per trace
    // A successor that has run fewer than 1/cold_ratio times as often as the entry block is
    // left out of the trace (0: none is).
    unsigned cold_ratio = 8;
    // Callees on other pages (a PIC thunk, say) a trace may take in, each run after a check of
    // its bytes (TraceBlock::code, docs/jit.md "Callees on other pages"); 0: none.
    unsigned max_callees = 2;
    // Count trace entries, chain hits and trace jumps (JitStats) as compiled code runs: an
    // increment in memory at each, about 4% of a Linux guest's CPU-bound workload, so the
    // command line asks for it only with `-d jit` (TRAPEZE_JIT_COUNT=0 or 1 overrides).
    bool count_execution = true;
    // The defaults, with TRAPEZE_JIT_THRESHOLD, TRAPEZE_JIT_MAX_BLOCKS, TRAPEZE_JIT_MAX_INSNS
    // and TRAPEZE_JIT_COLD_RATIO (positive integers) and TRAPEZE_JIT_MAX_CALLEES (0 or more)
    // replacing them, and count_execution set as `count` says unless TRAPEZE_JIT_COUNT (0 or
    // 1) does: tuning knobs for benches/, not guest-visible. With `disk_cache` (--jit-cache)
    // the traces are formed larger (kCachedMaxBlocks, kCachedMaxInsns): their compile time is
    // paid once, by the run that stores them, and the runs that load them jump between
    // traces less (docs/jit.md).
    static JitOptions from_environment(bool count = true, bool disk_cache = false);
    static constexpr unsigned kCachedMaxBlocks = 16;
    static constexpr unsigned kCachedMaxInsns = 192;
};

// What `-d jit` prints (QEMU's `info jit`, plus the trace-level counters).
struct JitStats {
    uint64_t traces_requested = 0;
    uint64_t traces_compiled = 0;   // installed in a block
    uint64_t traces_reused = 0;     // of which the code was already compiled (same trace)
    uint64_t traces_from_disk = 0;  // of which the code came from the disk cache (--jit-cache)
    uint64_t traces_asked_stored = 0;  // requested as found on disk, before the threshold (or at it)
    uint64_t traces_failed = 0;     // the backend could not compile them (interpreted)
    uint64_t traces_discarded = 0;  // finished after their block was dropped
    uint64_t traces_dropped = 0;    // never compiled: the block went first, or the backlog was full
    uint64_t blocks_translated = 0;
    uint64_t callees_inlined = 0;   // of which callees on other pages, run after a check of their bytes
    uint64_t entry_blocks = 0;      // blocks whose execution enters compiled code
    // Guest instructions since the engine was attached, by who executed them (halts aside):
    // how much of the run the compiler has caught up with.
    uint64_t insns_compiled_code = 0;
    uint64_t insns_interpreted = 0;
    uint64_t insns_translated = 0;
    uint64_t handlers_inlined = 0;  // instructions whose semantics came from the bitcode
    uint64_t handlers_called = 0;   // instructions calling their handler through a pointer
    uint64_t canonical_entries = 0;  // compiled trace entries that make the lazy flags canonical
    uint64_t blocks_peeled = 0;      // blocks compiled twice, for the side entries into a loop
    uint64_t loop_tlb_checks = 0;    // accesses in loops whose soft-TLB check is done at the loop's entry
    uint64_t cases_pruned = 0;       // switch cases compiled out: values that cannot occur (mostly a lazy op's)
    double compile_seconds = 0;
    uint64_t code_bytes = 0;
    bool execution_counted = true;  // JitOptions::count_execution: the next five are counted
    uint64_t entries = 0;           // compiled traces entered
    uint64_t guard_misses = 0;      // entry guard failed (other EIP/CS base/limit): interpreted
    uint64_t leaves = 0;            // left before an access the fast path could not do (LeaveToInterpreter)
    uint64_t chain_hits = 0;        // block-to-block transfers that stayed in compiled code
    uint64_t trace_jumps = 0;       // of which from one trace straight into another
    uint64_t trace_jumps_trusted = 0;  // of which skipped the callee's guard (TraceJump::spec)
    uint64_t invalidations = 0;     // compiled traces dropped with their block
    std::string last_error;
    std::string disk_cache_dir;     // --jit-cache, "" without one
    DiskCacheCounts disk_cache;     // the process's (every engine's) use of it
};

// Keeps compiled traces in `dir` between runs (--jit-cache; trace_disk_cache.h). Call before
// the first engine compiles anything. False, with a one-line why, if the directory cannot be
// made or written.
bool use_trace_disk_cache(const std::string& dir, std::string& why);

class JitEngine : public x86::TraceEngine {
public:
    // Attaches a new engine to cpu. Destroy the engine before the cpu. LLVM starts with the
    // first compilation request (if it cannot, the requests fail and the CPU interprets).
    static std::unique_ptr<JitEngine> create(x86::X86Cpu& cpu, const JitOptions& opts = {});
    ~JitEngine() override;

    virtual JitStats stats() const = 0;
    // Waits until every queued compilation has finished, then installs them (tests).
    virtual void drain() = 0;
};

// Multi-line report for -d jit.
std::string format_stats(const JitStats& s);

}  // namespace trapeze::bt
