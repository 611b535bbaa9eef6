#include "binary_translate/jit.h"

#include "binary_translate/peel_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <type_traits>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "binary_translate/llvm_backend.h"
#include "isa/x86/instruction_table.h"

namespace trapeze::bt {

namespace {

struct Slot;

bool is_form(const x86::DecodedInsn& in, std::string_view id) { return x86::forms()[in.form].id == id; }

// Whether block b, entered at eip, ends with a direct near CALL of target (32-bit operand
// size), and where that call returns to (the block's end).
bool calls(const x86::Block& b, uint32_t eip, uint32_t target, uint32_t& return_eip) {
    if (b.insns.empty() || !is_form(b.insns.back(), "CALL_J") || b.insns.back().opsize != 4) return false;
    return_eip = eip + b.bytes;
    return return_eip + b.insns.back().imm == target;
}

// A callee that a trace may take in from another page (TraceBlock::code): a few instructions
// ending with a near RET, such as a PIC thunk, so that the trace goes on at the call's return
// address on its own page. (Larger ones would lengthen the compare that runs before them,
// and lead on to their own page.)
constexpr size_t kMaxCalleeInsns = 4;
bool callee_on_other_page(const x86::Block& b) {
    return !b.insns.empty() && b.insns.size() <= kMaxCalleeInsns && is_form(b.insns.back(), "RET");
}

// State shared by an engine, its blocks' code and its in-flight compilations; outlives the
// engine while any of them does.
struct Shared {
    uint64_t invalidations = 0;
    std::mutex m;
    std::condition_variable cv;
    unsigned outstanding = 0;  // compilations submitted and not done
    unsigned loading = 0;      // traces of the disk cache submitted and not done
    struct Claim {
        std::weak_ptr<Slot> slot;
        x86::Block* block;  // valid while slot is alive (the block owns the slot)
    };
    struct Done {
        std::vector<Claim> claims;  // the blocks to install the trace in (entry first)
        unsigned blocks, insns, callees;
        TraceResult result;
    };
    std::vector<Done> done;
    std::atomic<bool>* ready = nullptr;  // the engine's flag; null once the engine is gone
};

// Block::native_owner: marks the block as requested and owns its code once installed.
struct Slot {
    std::shared_ptr<Shared> shared;
    std::shared_ptr<CompiledCode> code;
    ~Slot() {
        if (code) shared->invalidations++;
    }
};

class Engine final : public JitEngine {
public:
    Engine(x86::X86Cpu& cpu, const JitOptions& opts, Backend* backend)
        : cpu_(cpu), opts_(opts), backend_(backend), sh_(std::make_shared<Shared>()) {
        threshold = opts.threshold ? opts.threshold : 1;
        // With traces on disk, a block is looked for there after a few executions, when the
        // blocks that follow it have likely been decoded (a trace is asked for only if all
        // of its blocks are in the block cache and the same as when it was stored).
        if (backend_->has_stored_traces() && threshold > kProbe) probe = kProbe;
        std::copy(cpu.trace_counters(), cpu.trace_counters() + x86::X86Cpu::kTraceCounters, base_);
        base_all_ = cpu.instructions();
        base_native_ = cpu.native_instructions();
        base_halted_ = cpu.halted_instructions();
        base_leaves_ = cpu.trace_leaves();
        sh_->ready = &ready;
        cpu_.set_trace_engine(this);
    }

    ~Engine() override {
        {
            std::lock_guard<std::mutex> lock(sh_->m);
            sh_->ready = nullptr;
        }
        if (cpu_.trace_engine() == this) cpu_.set_trace_engine(nullptr);  // drops all code
    }

    void block_hot(x86::Block& b) override;
    void block_seen(x86::Block& b) override { ask_stored(b); }
    void install_ready() override;
    JitStats stats() const override;
    void drain() override {
        for (;;) {
            pump();
            {
                std::unique_lock<std::mutex> lock(sh_->m);
                sh_->cv.wait(lock, [this] { return sh_->outstanding == 0 && sh_->loading == 0; });
            }
            install_ready();  // (submits the next pending trace, if any)
            if (pending_.empty() && backend_idle()) return;
        }
    }

private:
    // A trace formed but not yet handed to the backend. The backend gets one compilation per
    // engine at a time, the one whose entry block is hottest *now*, so that a long backlog (a
    // Linux boot requests thousands) never delays the code the guest is spending its time in.
    // (Traces of the disk cache are not pending: they go to the backend's loader at once.)
    struct Pending {
        std::weak_ptr<Slot> slot;  // the entry block's; *block is alive while it is
        x86::Block* block;
        uint32_t cs_base, eip, context;     // where and how the block was entered
        uint64_t count_then, icount_then;   // its executions and the CPU's count at request
        TraceRequest req;
        std::vector<Shared::Claim> claims;  // claims[0] is the entry block
        unsigned blocks, insns;
        bool stored = false;  // a trace from the disk cache: sent as it is (its key must not change)
    };
    static constexpr size_t kMaxPending = 8192;
    static constexpr uint64_t kProbe = 8;

    // Asks for a trace of the disk cache entered at b whose blocks are all cached and the
    // same as when it was stored (with the same specialisation); false if there is none.
    bool ask_stored(x86::Block& b);
    // The block was entered at its own linear address (a trace's guard is the entry's EIP
    // and CS base, its blocks' physical addresses follow from their EIPs) and is not empty.
    bool entered_at_own_address(const x86::Block& b) const;
    uint8_t flat_data_segments() const;  // TraceRequest::flat_segs for the CPU's state now
    // A trace's block other than its entry: the trace will be installed in it too, unless
    // the block has code of its own or has asked for some (native_owner).
    void claim(x86::Block& blk, std::vector<Shared::Claim>& claims) {
        if (blk.native_owner) return;
        auto slot = std::make_shared<Slot>(Slot{sh_, nullptr});
        blk.native_owner = slot;
        claims.push_back({slot, &blk});
    }
    // The code bytes of a callee on another page (TraceBlock::code); false if they are not in
    // RAM or ROM.
    bool callee_code(const x86::Block& b, std::vector<uint8_t>& out) {
        out.resize(b.bytes);
        return b.bytes && cpu_.memory().read_block(b.phys_start, out);
    }

    void pump();
    bool form(Pending& p);
    x86::Block* block_on_entry_page(const Pending& p, uint32_t eip) const;
    void submit(Pending& p);
    bool backend_idle() {  // no compilation of ours in the backend (loads do not count)
        std::lock_guard<std::mutex> lock(sh_->m);
        return sh_->outstanding == 0;
    }

    x86::X86Cpu& cpu_;
    JitOptions opts_;
    Backend* backend_;
    std::shared_ptr<Shared> sh_;
    JitStats st_;
    uint64_t base_[x86::X86Cpu::kTraceCounters];  // the CPU's counters when the engine was attached
    uint64_t base_all_, base_native_, base_halted_;  // and its instruction counts
    uint64_t base_leaves_;
    std::vector<Pending> pending_;
};

bool Engine::entered_at_own_address(const x86::Block& b) const {
    const uint32_t lin0 = cpu_.s.seg[x86::CS].base + cpu_.s.eip;
    return b.phys_start == (b.phys_start & ~uint64_t{0xFFF}) + (lin0 & 0xFFF) && !b.insns.empty();
}

uint8_t Engine::flat_data_segments() const {
    return cpu_.flat_segments() & ((1u << x86::ES) | (1u << x86::SS) | (1u << x86::DS));
}

bool Engine::ask_stored(x86::Block& b) {
    const uint32_t cs_base = cpu_.s.seg[x86::CS].base;
    const std::vector<StoredTrace>* stored = backend_->stored_traces(cs_base, cpu_.s.eip);
    if (!stored || !entered_at_own_address(b)) return false;
    Pending p{{}, &b, cs_base, cpu_.s.eip, cpu_.link_context(), b.exec_count, cpu_.instructions(), {}, {}, 0, 0, true};
    std::string key;
    for (const StoredTrace& st : *stored) {
        const TraceRequest& q = st.req;
        // The specialisation it was compiled for must be the CPU's now (as form() sets it).
        if (q.cs_limit != cpu_.s.seg[x86::CS].limit || q.ss_attr != cpu_.s.seg[x86::SS].attr ||
            q.flat_segs != flat_data_segments() || q.cpl != cpu_.s.cpl || q.code32 != (b.mode & 1) ||
            q.count_execution != opts_.count_execution)
            continue;
        TraceRequest r = q;  // with the instructions (and a callee's bytes) of the blocks cached now:
        std::vector<x86::Block*> blocks;
        for (TraceBlock& rb : r.blocks) {
            const bool callee = !rb.code.empty();
            x86::Block* t = blocks.empty() ? &b
                            : callee       ? cpu_.cached_block_at(cs_base + rb.eip, b.mode)
                                           : block_on_entry_page(p, rb.eip);
            if (!t || !t->valid || t->insns.empty()) break;
            if (callee && (!callee_on_other_page(*t) || !callee_code(*t, rb.code))) break;
            blocks.push_back(t);
            rb.insns = t->insns;
        }
        // Its blocks, decoded now, must be what it was compiled from: then the key is the same.
        if (blocks.size() != q.blocks.size() || !portable_trace_key(r, key) || key != st.key) continue;
        auto slot = std::make_shared<Slot>(Slot{sh_, nullptr});
        b.native_owner = slot;
        p.slot = slot;
        p.claims.push_back({slot, &b});
        p.insns = unsigned(b.insns.size());
        for (size_t k = 1; k < blocks.size(); ++k) {
            p.insns += unsigned(blocks[k]->insns.size());
            if (r.blocks[k].code.empty()) claim(*blocks[k], p.claims);  // (a callee is no entry)
        }
        p.blocks = unsigned(blocks.size());
        p.req = std::move(r);
        st_.traces_requested++;
        st_.traces_asked_stored++;
        // At once: the backend links it on a thread of its own, beside any compilation.
        submit(p);
        if (opts_.synchronous) drain();
        return true;
    }
    return false;
}

void Engine::block_hot(x86::Block& b) {
    if (ask_stored(b)) return;
    auto slot = std::make_shared<Slot>(Slot{sh_, nullptr});
    b.native_owner = slot;
    const uint32_t cs_base = cpu_.s.seg[x86::CS].base;
    if (!entered_at_own_address(b)) return;  // (and not again: native_owner is set)
    st_.traces_requested++;
    Pending p{slot, &b, cs_base, cpu_.s.eip, cpu_.link_context(), b.exec_count, cpu_.instructions(), {}, {}, 0, 0};
    if (!form(p)) {
        st_.traces_dropped++;
        return;
    }
    if (opts_.synchronous) {
        submit(p);
        drain();
        return;
    }
    if (pending_.size() >= kMaxPending) {  // full: keep the half that has run most since
        const uint64_t now = cpu_.instructions();
        auto rate = [now](const Pending& q) {
            return q.slot.expired() ? -1.0
                                    : double(q.block->exec_count - q.count_then) / double(now - q.icount_then + 1);
        };
        std::vector<std::pair<double, size_t>> by_rate;
        for (size_t i = 0; i < pending_.size(); ++i) by_rate.push_back({rate(pending_[i]), i});
        std::nth_element(by_rate.begin(), by_rate.begin() + kMaxPending / 2, by_rate.end(),
                         [](auto& a, auto& b) { return a.first > b.first; });
        std::vector<Pending> kept;
        for (size_t k = 0; k < kMaxPending / 2; ++k) kept.push_back(std::move(pending_[by_rate[k].second]));
        st_.traces_dropped += pending_.size() - kept.size();
        pending_ = std::move(kept);
    }
    pending_.push_back(std::move(p));
    pump();
}

// On the CPU thread: if the backend compiles nothing of ours, give it the pending trace whose entry
// block has run most often per guest instruction since it was requested (blocks still being
// interpreted keep counting). Requests whose entry block is gone are dropped.
void Engine::pump() {
    while (!pending_.empty() && backend_idle()) {
        const uint64_t now = cpu_.instructions();
        size_t best = SIZE_MAX;
        double best_rate = -1;
        for (size_t i = 0; i < pending_.size();) {
            Pending& p = pending_[i];
            std::shared_ptr<Slot> entry = p.slot.lock();
            if (!entry || !p.block->valid) {
                pending_[i] = std::move(pending_.back());
                pending_.pop_back();
                st_.traces_dropped++;
                continue;
            }
            const double rate = double(p.block->exec_count - p.count_then) / double(now - p.icount_then + 1);
            if (rate > best_rate) {
                best_rate = rate;
                best = i;
            }
            ++i;
        }
        if (best == SIZE_MAX) return;
        Pending p = std::move(pending_[best]);
        pending_[best] = std::move(pending_.back());
        pending_.pop_back();
        submit(p);
    }
}

// Trace formation: the entry block and its observed successors on the same linear page. With
// the entry's EIP and CS base guarded, that page's translation is the entry's, so each
// successor's physical address follows from its EIP. The other blocks are claimed now (they
// will run the trace's code, entered there); false if the trace cannot be compiled.
// A small function on another page that a block of the trace calls (callee_on_other_page)
// is taken in too, with the block its RET returns to: a PIC thunk (`mov (%esp),%ebx; ret`),
// called at the entry of most functions of i386 position-independent code, otherwise costs
// a trace jump there and another back (docs/jit.md, "Callees on other pages").
bool Engine::form(Pending& p) {
    x86::Block& b = *p.block;
    const uint32_t lin0 = p.cs_base + p.eip;
    const uint32_t page = lin0 & ~0xFFFu;
    struct Taken {
        uint32_t eip;
        x86::Block* block;
        bool callee;  // on another page (TraceBlock::code)
    };
    std::vector<Taken> order{{p.eip, &b, false}};
    std::unordered_map<uint32_t, size_t> taken{{p.eip, 0}};  // EIP -> its place in order
    size_t insns = b.insns.size();
    unsigned callees = 0;
    std::unordered_map<uint32_t, std::vector<uint8_t>> callee_bytes;  // TraceBlock::code of each callee
    bool loops = false;  // a block leads back to itself or to one taken in before it
    // Takes in the block at eip unless it is taken already (then notes a loop), cold, or over
    // the limits.
    auto take = [&](size_t from, uint32_t eip, x86::Block* t, bool callee) {
        if (auto at = taken.find(eip); at != taken.end()) {
            if (at->second <= from) loops = true;
            return false;
        }
        if (!t || !t->valid || t->insns.empty()) return false;
        // Cold successors (an error path, a rare case) would be compiled for nothing, and
        // the compiling thread is what the guest waits for: leave them to the
        // interpreter, or to traces of their own if they get hot.
        if (opts_.cold_ratio && uint64_t{t->exec_count} * opts_.cold_ratio < b.exec_count) return false;
        if (order.size() >= opts_.max_blocks || insns + t->insns.size() > opts_.max_insns) return false;
        taken.emplace(eip, order.size());
        order.push_back({eip, t, callee});
        insns += t->insns.size();
        callees += callee;
        return true;
    };
    for (size_t i = 0; i < order.size(); ++i) {
        const Taken from = order[i];
        for (const x86::Block::Link& l : from.block->links) {
            // Only the link's EIP is used: its block pointer may be stale.
            if (!l.block || l.cs_base != p.cs_base || l.context != p.context) continue;
            const uint32_t lin = p.cs_base + l.eip;
            if ((lin & ~0xFFFu) == page) {
                take(i, l.eip, block_on_entry_page(p, l.eip), false);
                continue;
            }
            uint32_t return_eip;
            if (callees >= opts_.max_callees || from.callee || !calls(*from.block, from.eip, l.eip, return_eip)) continue;
            x86::Block* callee = cpu_.cached_block_at(lin, b.mode);
            if (!callee || !callee_on_other_page(*callee) || taken.count(l.eip)) continue;
            // Its RET's likely target: the block after the call, on this page.
            x86::Block* back = ((p.cs_base + return_eip) & ~0xFFFu) == page ? block_on_entry_page(p, return_eip) : nullptr;
            if (!back || !back->valid || back->insns.empty() ||
                order.size() + 1 + (taken.count(return_eip) ? 0 : 1) > opts_.max_blocks)
                continue;
            std::vector<uint8_t> code;  // (in RAM or ROM: the check reads it there)
            if (!callee_code(*callee, code)) continue;
            if (take(i, l.eip, callee, true)) {
                callee_bytes.emplace(l.eip, std::move(code));
                take(order.size() - 1, return_eip, back, false);
            }
        }
    }
    TraceRequest req;
    req.cs_base = p.cs_base;
    // (form runs when the entry block is about to run: the CPU's state is the entry's.)
    req.flat_segs = flat_data_segments();
    req.cpl = cpu_.s.cpl;
    req.code32 = uint8_t(b.mode & 1);
    req.count_execution = opts_.count_execution;
    req.loops = loops;
    uint64_t last = 0;
    for (const Taken& t : order) {
        last = std::max(last, uint64_t{t.eip} + t.block->bytes - 1);
        TraceBlock& tb = req.blocks.emplace_back(TraceBlock{t.eip, t.block->insns, {}, {}});
        if (t.callee) tb.code = std::move(callee_bytes.at(t.eip));
        if (!t.block->insns.empty() && bt::ends_indirect(t.block->insns.back()))
            for (const x86::Block::Link& l : t.block->links)
                if (l.block && l.cs_base == p.cs_base && l.context == p.context && taken.count(l.eip) &&
                    std::find(tb.seen_targets.begin(), tb.seen_targets.end(), l.eip) == tb.seen_targets.end())
                    tb.seen_targets.push_back(l.eip);
    }
    // Wraps around 4 GB, or runs past the CS limit (its guard could never pass): leave it to
    // the interpreter.
    req.cs_limit = cpu_.s.seg[x86::CS].limit;
    req.ss_attr = cpu_.s.seg[x86::SS].attr;
    if (last > req.cs_limit) return false;
    req.last = uint32_t(last);
    // The trace may be entered at any of its blocks on the entry's page: it is installed in
    // the entry and in each other such block that has no code of its own and has not asked
    // for any.
    std::vector<Shared::Claim> claims{{p.slot, &b}};
    for (size_t i = 1; i < order.size(); ++i)
        if (!order[i].callee) claim(*order[i].block, claims);
    p.req = std::move(req);
    p.claims = std::move(claims);
    p.blocks = unsigned(order.size());
    p.insns = unsigned(insns);
    return true;
}

// The cached block at `eip` on the entry's linear page (a trace's blocks all lie there: with the
// entry's EIP and CS base guarded, each one's physical address follows from its EIP), or null.
x86::Block* Engine::block_on_entry_page(const Pending& p, uint32_t eip) const {
    const uint64_t ppage = p.block->phys_start & ~uint64_t{0xFFF};
    return cpu_.cached_block(ppage | ((p.cs_base + eip) & 0xFFF), p.block->mode);
}

void Engine::submit(Pending& p) {
    // A successor that has code of its own by now (another trace's: it had it when this
    // trace was formed, or got it while this request waited) is left out: the trace jumps to
    // that code instead of compiling the block again (docs/jit.md, "Trace formation"). (The
    // blocks are looked up again: only the claimed ones are known to be alive.)
    if (!p.stored && p.req.blocks.size() > 1 && !p.slot.expired() && p.block->valid) {
        std::vector<TraceBlock>& blocks = p.req.blocks;
        size_t kept = 1;
        for (size_t i = 1; i < blocks.size(); ++i) {
            // (A callee on another page stays: a jump to its own code is what taking it in saves.)
            const x86::Block* t = blocks[i].code.empty() ? block_on_entry_page(p, blocks[i].eip) : nullptr;
            if (t && t->valid && t->native) {
                p.insns -= unsigned(blocks[i].insns.size());
                continue;
            }
            if (kept != i) blocks[kept] = std::move(blocks[i]);
            ++kept;
        }
        blocks.resize(kept);
        p.blocks = unsigned(kept);
    }
    const bool stored = p.stored;
    {
        std::lock_guard<std::mutex> lock(sh_->m);
        (stored ? sh_->loading : sh_->outstanding)++;
    }
    const auto ncallees = unsigned(std::count_if(p.req.blocks.begin(), p.req.blocks.end(),
                                                 [](const TraceBlock& tb) { return !tb.code.empty(); }));
    auto done = [sh = sh_, claims = std::move(p.claims), nblocks = p.blocks, ninsns = p.insns, ncallees,
                 stored](TraceResult r) {
        std::lock_guard<std::mutex> lock(sh->m);
        (stored ? sh->loading : sh->outstanding)--;
        sh->done.push_back({claims, nblocks, ninsns, ncallees, std::move(r)});
        if (sh->ready) sh->ready->store(true, std::memory_order_release);
        sh->cv.notify_all();
    };
    if (stored) backend_->submit_stored(std::move(p.req), std::move(done));
    else backend_->submit(std::move(p.req), std::move(done));
}

void Engine::install_ready() {
    ready.store(false, std::memory_order_relaxed);
    std::vector<Shared::Done> done;
    {
        std::lock_guard<std::mutex> lock(sh_->m);
        done.swap(sh_->done);
    }
    for (Shared::Done& d : done) {
        st_.compile_seconds += d.result.seconds;
        if (!d.result.fn) {
            st_.traces_failed++;
            st_.last_error = d.result.error;
            continue;
        }
        unsigned installed = 0;
        for (Shared::Claim& c : d.claims) {
            std::shared_ptr<Slot> slot = c.slot.lock();
            if (!slot || !c.block->valid) continue;  // the block is gone
            slot->code = d.result.code;
            c.block->native = d.result.fn;
            c.block->native_body = d.result.body;
            installed++;
        }
        if (!installed) {
            st_.traces_discarded++;
            continue;  // the code is freed with d
        }
        st_.traces_compiled++;
        if (d.result.reused) st_.traces_reused++;
        if (d.result.from_disk) st_.traces_from_disk++;
        st_.entry_blocks += installed;
        st_.blocks_translated += d.blocks;
        st_.insns_translated += d.insns;
        st_.handlers_inlined += d.result.inlined;
        st_.canonical_entries += d.result.canonical_entries;
        st_.cases_pruned += d.result.cases_pruned;
        st_.blocks_peeled += d.result.peeled;
        st_.loop_tlb_checks += d.result.loop_tlb_checks;
        st_.callees_inlined += d.callees;
        st_.handlers_called += d.result.called;
        st_.code_bytes += d.result.code_bytes;
    }
    pump();  // the backend is free again: the hottest pending trace next
}

JitStats Engine::stats() const {
    JitStats s = st_;
    s.execution_counted = opts_.count_execution;
    const uint64_t* c = cpu_.trace_counters();
    s.entries = c[0] - base_[0];
    s.guard_misses = c[1] - base_[1];
    s.chain_hits = c[2] - base_[2];
    s.trace_jumps_trusted = c[4] - base_[4];
    s.trace_jumps = c[3] - base_[3] + s.trace_jumps_trusted;
    s.invalidations = sh_->invalidations;
    s.leaves = cpu_.trace_leaves() - base_leaves_;
    s.insns_compiled_code = cpu_.native_instructions() - base_native_;
    s.insns_interpreted = cpu_.instructions() - base_all_ - s.insns_compiled_code -
                          (cpu_.halted_instructions() - base_halted_);
    s.disk_cache_dir = backend_->disk_cache_dir();
    s.disk_cache = backend_->disk_cache_counts();
    return s;
}

}  // namespace

JitEngine::~JitEngine() = default;

JitOptions JitOptions::from_environment(bool count, bool disk_cache) {
    JitOptions o;
    o.count_execution = count;
    if (disk_cache) {
        o.max_blocks = kCachedMaxBlocks;
        o.max_insns = kCachedMaxInsns;
    }
    auto knob = [](const char* name, auto& field, bool zero_allowed = false) {
        const char* v = std::getenv(name);
        if (!v || !*v) return;
        char* end = nullptr;
        unsigned long long n = std::strtoull(v, &end, 10);
        if (*end || *v == '-' || (n == 0 && !zero_allowed) || n > 1000000000ull)
            throw std::runtime_error(fmt::format("{}: expected a {} integer, got '{}'", name,
                                                 zero_allowed ? "non-negative" : "positive", v));
        field = static_cast<std::remove_reference_t<decltype(field)>>(n);
    };
    knob("TRAPEZE_JIT_THRESHOLD", o.threshold);
    knob("TRAPEZE_JIT_MAX_BLOCKS", o.max_blocks);
    knob("TRAPEZE_JIT_MAX_INSNS", o.max_insns);
    knob("TRAPEZE_JIT_COLD_RATIO", o.cold_ratio);
    knob("TRAPEZE_JIT_MAX_CALLEES", o.max_callees, true);
    // The guest waits for each compilation: the same traces every run (for measuring the
    // compiler, docs/jit.md).
    unsigned sync = 0;
    knob("TRAPEZE_JIT_SYNC", sync);
    o.synchronous = sync != 0;
    if (const char* v = std::getenv("TRAPEZE_JIT_COUNT"); v && *v) {
        if (std::string(v) != "0" && std::string(v) != "1")
            throw std::runtime_error(fmt::format("TRAPEZE_JIT_COUNT: expected 0 or 1, got '{}'", v));
        o.count_execution = std::string(v) == "1";
    }
    return o;
}

bool use_trace_disk_cache(const std::string& dir, std::string& why) {
    return Backend::instance()->use_disk_cache(dir, why);
}

std::unique_ptr<JitEngine> JitEngine::create(x86::X86Cpu& cpu, const JitOptions& opts) {
    return std::make_unique<Engine>(cpu, opts, Backend::instance());
}

std::string format_stats(const JitStats& s) {
    const double n = s.traces_compiled ? double(s.traces_compiled) : 1.0;
    std::string out;
    out += fmt::format("jit: traces: {} compiled ({} of them reused), {} failed, {} discarded, {} dropped, {} waiting, "
                       "of {} requested\n",
                       s.traces_compiled, s.traces_reused, s.traces_failed, s.traces_discarded, s.traces_dropped,
                       s.traces_requested - s.traces_compiled - s.traces_failed - s.traces_discarded - s.traces_dropped,
                       s.traces_requested);
    out += fmt::format("jit: translated: {} blocks, {} guest instructions ({:.1f} per trace); {} blocks enter compiled code; "
                       "{} callees on other pages taken in; {} blocks compiled twice, for the side entries into a loop; "
                       "{} accesses in loops checked at the loop's entry\n",
                       s.blocks_translated, s.insns_translated, s.insns_translated / n, s.entry_blocks, s.callees_inlined,
                       s.blocks_peeled, s.loop_tlb_checks);
    out += fmt::format("jit: handlers: {} inlined from the semantics bitcode, {} called through a pointer\n",
                       s.handlers_inlined, s.handlers_called);
    out += fmt::format("jit: lazy flags: made canonical on {} compiled entry paths; {} switch cases on values that cannot occur compiled out\n",
                       s.canonical_entries, s.cases_pruned);
    out += fmt::format("jit: compile time (CPU): {:.1f} ms ({:.2f} ms per trace); code: {} bytes ({:.0f} per trace)\n",
                       s.compile_seconds * 1e3, s.compile_seconds * 1e3 / n, s.code_bytes, s.code_bytes / n);
    if (!s.disk_cache_dir.empty())
        out += fmt::format("jit: disk cache {}: {} of the traces loaded from it ({} asked for before their block got "
                           "hot); {} entries loaded, {} written, {} rejected (damaged or unlinkable), {} writes failed "
                           "(this process)\n",
                           s.disk_cache_dir, s.traces_from_disk, s.traces_asked_stored, s.disk_cache.loaded,
                           s.disk_cache.written, s.disk_cache.rejected, s.disk_cache.write_failures);
    if (s.execution_counted)
        out += fmt::format("jit: execution: {} trace entries, {} chain hits ({} of them from trace to trace, {} of "
                           "those past the guard), {} guard misses, {} left before an access; {} compiled blocks "
                           "invalidated\n",
                           s.entries, s.chain_hits, s.trace_jumps, s.trace_jumps_trusted, s.guard_misses, s.leaves,
                           s.invalidations);
    else
        out += fmt::format("jit: execution: trace entries, chain hits and trace jumps not counted (TRAPEZE_JIT_COUNT=0), "
                           "{} guard misses, {} left before an access; {} compiled blocks invalidated\n",
                           s.guard_misses, s.leaves, s.invalidations);
    const uint64_t run = s.insns_compiled_code + s.insns_interpreted;
    out += fmt::format("jit: guest instructions: {} in compiled code ({:.1f}%), {} interpreted\n",
                       s.insns_compiled_code, run ? 100.0 * double(s.insns_compiled_code) / double(run) : 0.0,
                       s.insns_interpreted);
    if (!s.last_error.empty()) out += fmt::format("jit: last compile error: {}\n", s.last_error);
    return out;
}

}  // namespace trapeze::bt
