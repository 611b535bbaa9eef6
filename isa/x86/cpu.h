// The IA-32 processor: state, memory access through segmentation and paging with a soft TLB,
// the block cache of decoded instructions, exception/interrupt delivery and the run loop.
// Instruction semantics live in semantics/*.cpp and reach the CPU through this interface.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cpu/block_cache.h"
#include "cpu/instrumentation.h"
#include "cpu/page_set.h"
#include "cpu/physical_memory.h"
#include "cpu/port_bus.h"
#include "cpu/run_result.h"
#include "isa/x86/cpu_model.h"
#include "isa/x86/decoded_insn.h"
#include "isa/x86/fault.h"
#include "isa/x86/flags.h"
#include "isa/x86/state.h"

namespace trapeze::x86 {

class X87;
class Decoder;
class X86Cpu;
class X86Monitor;
struct Block;

// A pass over every freshly decoded block before either engine sees it (the --virt=bt
// rewriting of sensitive instructions, binary_translate/rewrite_sensitive.h).
class BlockRewriter {
public:
    virtual ~BlockRewriter() = default;
    virtual void rewrite(Block& b) = 0;
};

// One guest-visible write, for the divergence finder (set_write_log).
struct GuestWrite {
    enum Kind : uint8_t { kMemory, kPort };
    Kind kind;
    uint8_t size;
    uint32_t address;  // linear address or port
    uint32_t value;
    bool operator==(const GuestWrite&) const = default;
};

// Compiled code for a trace that starts at a block (installed by a TraceEngine). Returns 0
// when nothing ran (its entry guard refused the state: the interpreter then runs the block),
// else 1. entry_icount: the instruction count when the run loop called it. A trace may jump
// straight on to another (X86Cpu::trace_jumps_); if that one's guard refuses, it returns 1
// when the count has moved since entry_icount (something ran: the run loop goes on from the
// current state), else 0. trusted: nonzero when the caller knows the guard would pass (a
// trace that jumps to one whose guard passed in the same state: X86Cpu::TraceJump::spec),
// so the trace skips it; the run loop passes 0.
using NativeTrace = int (*)(X86Cpu& cpu, uint64_t entry_icount, uint32_t trusted);
// The same trace's body, which the NativeTrace calls and other traces jump to: the same
// arguments and result in LLVM's GHC calling convention, which has no callee-saved
// registers, so that a jump from trace to trace saves and restores none (called only from
// compiled code; binary_translate/llvm_backend.cpp).
using NativeBody = const void*;

// A decoded basic block: straight-line instructions on one physical page, ending at a
// control transfer, a serializing instruction or the page end.
struct Block {
    uint64_t phys_start = 0;
    uint64_t phys_last = 0;
    uint32_t mode = 0;        // bit 0: 32-bit code segment
    bool valid = true;
    uint32_t bytes = 0;       // code bytes covered (for the CS limit check)
    std::vector<DecodedInsn> insns;
    uint64_t exec_count = 0;
    // Direct links to the blocks that followed this one (block chaining): valid while the
    // epoch matches, i.e. no TLB flush, privilege change or cache invalidation happened; a
    // link of an older epoch is checked again (X86Cpu::chain_miss) rather than dropped.
    struct Link {
        uint32_t eip = 0;
        uint32_t cs_base = 0;
        uint32_t context = 0;   // CPL and code-segment size the link was made under
        uint64_t epoch = ~0ull;
        uint64_t code_generation = ~0ull;  // the block cache's, when block was looked up
        Block* block = nullptr;
        // block->insns.data() when linked: for prefetch_successors only (it may be stale, and
        // a prefetch of a stale address is harmless where a load through `block` is not).
        const void* insns_hint = nullptr;
    };
    Link links[2];
    uint8_t next_link = 0;
    // Second tier (binary_translate/): compiled code entered at this block, and the owner of
    // that code. The owner is released with the block, i.e. when the graveyard is emptied
    // between blocks, never while the code runs.
    NativeTrace native = nullptr;
    NativeBody native_body = nullptr;  // native's body (set with it)
    std::shared_ptr<void> native_owner;
};

// A second execution tier that the run loop feeds with hot blocks. binary_translate/
// implements it; the CPU knows only this interface.
class TraceEngine {
public:
    virtual ~TraceEngine() = default;
    // On the CPU's thread, before the threshold-th interpreted execution of a cached block,
    // with the CPU state at the block's entry. May queue a compilation (and set native_owner).
    virtual void block_hot(Block& b) = 0;
    // The same before the probe-th (0: never; below threshold): the engine may ask for code
    // it already has for the block (a trace on disk) without waiting for it to get hot.
    virtual void block_seen(Block& b) { (void)b; }
    // On the CPU's thread, when `ready` is set: installs finished code into blocks.
    virtual void install_ready() = 0;
    uint64_t threshold = 64;
    uint64_t probe = 0;
    std::atomic<bool> ready{false};
};

// Source of external maskable interrupts (the machine's PIC): the vector of an INTA cycle, and
// the level of the INTR line, which the source either drives onto the CPU's pin
// (X86Cpu::set_intr) whenever it changes, or leaves to be polled (interrupt_pending).
class InterruptSource {
public:
    virtual ~InterruptSource() = default;
    virtual bool interrupt_pending() = 0;
    virtual uint8_t acknowledge_interrupt() = 0;  // INTA cycle: the vector
};

// Trace categories (QEMU's -d).
enum TraceFlags : uint32_t {
    kTraceInAsm = 1, kTraceExec = 2, kTraceInt = 4, kTraceCpu = 8,
};

// Soft TLB entry: linear page -> host pointer offset for RAM. The fast paths of
// read_linear/write_linear test one tag each: tag_read and tag_write match only pages with a
// host address (RAM/ROM), so a hit needs no second test of `addend`. 16 bytes, so that an
// entry's address is one shift; the physical page is in the parallel TlbPhys.
struct TlbEntry {
    uint32_t tag_read = 1;   // linear page address when readable through `addend`; odd = no
    uint32_t tag_write = 1;  // same, for writes
    uintptr_t addend = 0;    // host address - linear address (0 when not RAM)
};
// The translation itself (any page, RAM or not), for instruction fetch and INVLPG.
struct TlbPhys {
    uint32_t tag = 1;        // linear page address when the entry holds a translation; odd = no
    uint32_t phys = 0;       // physical page address
    bool global = false;     // G set in the entry that mapped it, with CR4.PGE: a CR3 load keeps it
};

class X86Cpu {
public:
    X86Cpu(cpu::PhysicalMemory& mem, cpu::PortBus& ports, const CpuModel& model);
    ~X86Cpu();
    X86Cpu(const X86Cpu&) = delete;
    X86Cpu& operator=(const X86Cpu&) = delete;

    // --- machine interface -------------------------------------------------------------
    void reset();
    cpu::RunResult run(uint64_t max_insns);
    // The maskable interrupt source. One that drives the INTR pin (set_intr) whenever its
    // output changes (the PC's PIC pair) is asked only for vectors, and the checks between
    // blocks are a test of the pin; one that does not (drives_intr_pin = false) is polled
    // between blocks, and compiled traces leave at every block boundary while IF is set.
    void set_interrupt_source(InterruptSource* src, bool drives_intr_pin = false) {
        irq_ = src;
        events_.irq_polled = src && !drives_intr_pin;
        events_.intr_pin = false;
        events_changed();
    }
    // The INTR pin's level (SDM Vol. 3 §6.3.1), as the interrupt source drives it.
    void set_intr(bool level) {
        events_.intr_pin = level && irq_;
        events_changed();
    }
    // HLT executed and no interrupt taken since: the machine may skip time to its next
    // device event instead of running the halted CPU (machines/pc_devices.cpp).
    bool halted() const { return halted_; }
    void raise_nmi() {
        events_.nmi = true;
        events_changed();
    }
    void attach(cpu::Instrumentation* hooks) { hooks_ = hooks; update_observed(); }
    void set_trace(uint32_t flags, std::FILE* out) { trace_ = flags; trace_out_ = out; update_observed(); }
    // A20 gate (i8042 / port 0x92): when off, physical bit 20 is forced to 0.
    void set_a20(bool enabled);
    bool a20() const { return a20_mask_ == 0xFFFFFFFFu; }
    void request_stop(cpu::StopReason why, std::string message);
    uint64_t instructions() const { return icount_; }
    // The time-stamp counter counts instructions (SDM Vol. 3 §17.17 says only that it
    // increases monotonically): s.tsc holds its value at instruction tsc_icount_, and the run
    // loop and compiled traces bring it up to date between blocks. tsc_now() is exact at any
    // instruction, so RDTSC reads the same whatever the block boundaries (engine, --virt).
    uint64_t tsc_now() const { return s.tsc + (icount_ - tsc_icount_); }
    void set_tsc(uint64_t v) { s.tsc = v; tsc_icount_ = icount_; }
    void sync_tsc() { s.tsc += icount_ - tsc_icount_; tsc_icount_ = icount_; }
    const CpuModel& model() const { return model_; }
    cpu::PhysicalMemory& memory() { return mem_; }
    cpu::PortBus& ports() { return ports_; }
    const cpu::BlockCacheStats& cache_stats() const { return cache_.stats; }
    // The soft TLB's and the block lookup's work (`-d tlb`): what the run spent on address
    // translation and on finding blocks, the first thing to look at when a guest is slow
    // (docs/architecture.md, Memory access).
    struct TlbStats {
        uint64_t page_walks = 0;         // translations walked (paging on)
        uint64_t flushes = 0;            // whole-TLB flushes
        uint64_t flushes_keeping_global = 0;  // of them: CR3 loads
        uint64_t invlpgs = 0;
        uint64_t invlpgs_unlinking = 0;  // of them: of a page code was fetched from
        uint64_t block_lookups = 0;      // fetch_block: by linear address
        uint64_t chain_misses = 0;       // a chained transfer not found in the block's links
        uint64_t links_kept = 0;         // of them: a link of an older epoch, still right
    };
    const TlbStats& tlb_stats() const { return tlb_stats_; }
    // Two lines for `-d tlb` (tlb_stats.cpp).
    std::string format_tlb_stats() const;
    std::string describe_state() const;  // registers, for traces and triple-fault reports
    // Attaches a second tier (nullptr: interpreter only). Empties the block cache; not from
    // inside run().
    void set_trace_engine(TraceEngine* engine);
    TraceEngine* trace_engine() const { return engine_; }
    // For trace formation: the cached block at (phys, mode), the current chaining epoch and
    // the context (CPL, code size) that links record.
    Block* cached_block(uint64_t phys, uint32_t mode) { return cache_.find(phys, mode); }
    // The cached block that fetching at linear address lin would find now without a page walk
    // (the soft TLB holds the page's translation for the CPL), or null.
    Block* cached_block_at(uint32_t lin, uint32_t mode) {
        uint32_t phys;
        return fetch_tlb_hit(lin, phys) ? cache_.find(phys, mode) : nullptr;
    }
    uint64_t link_epoch() const { return epoch(); }
    uint8_t flat_segments() const { return flat_segs_; }
    // What a compiled trace's entry guard reads besides EIP and the CS base
    // (binary_translate/jit_runtime.cpp, TraceRuntime::enter): the CS limit, the SS
    // attributes, the flat-segment bits and the CPL, in one word (TraceJump::spec).
    uint64_t guard_key() const {
        return (uint64_t{s.seg[CS].limit} << 32) | (uint64_t{s.seg[SS].attr} << 16) | (uint64_t{flat_segs_} << 8) | s.cpl;
    }
    uint32_t link_context() const { return (uint32_t(s.cpl) << 8) | mode_bits(); }
    // Counted by compiled code: trace entries, entry guard misses, block-to-block transfers
    // that stayed in compiled code, and of those the jumps from one trace to another (two
    // counts: those that ran the callee's guard, and those that skipped it).
    static constexpr unsigned kTraceCounters = 5;  // (TraceRuntime's enum: jit_runtime.cpp)
    const uint64_t* trace_counters() const { return trace_counters_; }
    uint64_t trace_leaves() const { return trace_leaves_; }
    // Instructions executed by compiled code (calls of Block::native, traces they jumped to
    // included), and instructions skipped while halted: the rest of instructions() the
    // interpreter executed.
    uint64_t native_instructions() const { return native_insns_; }
    uint64_t halted_instructions() const { return halted_insns_; }

    X86State s;

    // --- for instruction semantics -------------------------------------------------------
    X87& fpu() { return *fpu_; }
    // FERR# (CR0.NE = 0): the board routes it to IRQ13 (SDM Vol. 1 §8.7, DOS-compatible mode).
    void set_ferr_handler(std::function<void()> fn) { ferr_ = std::move(fn); }
    void signal_ferr() { if (ferr_) ferr_(); }
    bool has_ferr_handler() const { return bool(ferr_); }

    uint32_t next_eip = 0;       // EIP of the next instruction (branches overwrite)
    bool end_block = false;      // the instruction changed something blocks depend on

    // Registers by size (8-bit indices 0-7 are AL CL DL BL AH CH DH BH).
    template <unsigned S>
    uint32_t reg(unsigned i) const {
        if constexpr (S == 4) return s.gpr[i];
        else if constexpr (S == 2) return s.gpr[i] & 0xFFFF;
        else return i < 4 ? s.gpr[i] & 0xFF : (s.gpr[i - 4] >> 8) & 0xFF;
    }
    template <unsigned S>
    void set_reg(unsigned i, uint32_t v) {
        if constexpr (S == 4) s.gpr[i] = v;
        else if constexpr (S == 2) s.gpr[i] = (s.gpr[i] & 0xFFFF0000u) | (v & 0xFFFF);
        else if (i < 4) s.gpr[i] = (s.gpr[i] & 0xFFFFFF00u) | (v & 0xFF);
        else s.gpr[i - 4] = (s.gpr[i - 4] & 0xFFFF00FFu) | ((v & 0xFF) << 8);
    }
    uint32_t reg_sized(unsigned size, unsigned i) const {
        return size == 4 ? reg<4>(i) : size == 2 ? reg<2>(i) : reg<1>(i);
    }
    void set_reg_sized(unsigned size, unsigned i, uint32_t v) {
        if (size == 4) set_reg<4>(i, v);
        else if (size == 2) set_reg<2>(i, v);
        else set_reg<1>(i, v);
    }

    uint32_t effective_address(const DecodedInsn& in) const {
        const MemOperand& m = in.mem;
        // Most operands of 32-bit code are [base + disp] or [disp]: one test of the shape
        // instead of one for each part and the address size.
        if (in.ea_shape == kEaBaseDisp) return s.gpr[m.base] + static_cast<uint32_t>(m.disp);
        if (in.ea_shape == kEaDisp) return static_cast<uint32_t>(m.disp);
        uint32_t ea = static_cast<uint32_t>(m.disp);
        if (m.base != kNoReg) ea += s.gpr[m.base];
        if (m.index != kNoReg) ea += s.gpr[m.index] << m.scale;
        return in.addr32 ? ea : (ea & 0xFFFF);
    }

    // Virtual-address access with segmentation and paging; faults are thrown.
    // A failed segment check and a soft-TLB miss take the same out-of-line path (read_slow,
    // write_slow), which checks again and raises the fault or walks the page tables: one cold
    // call per access. (The interpreter's; compiled traces have their own, below.)
#ifndef TRAPEZE_TRACE_BITCODE
    template <unsigned S>
    uint32_t read(unsigned seg, uint32_t off) {
        const uint32_t lin = s.seg[seg].base + off;
        uint8_t* p;
        if (segment_allows_fast(seg, off, S, false) && tlb_host<S, false>(lin, user_access(), p)) {
            uint32_t v = 0;
            std::memcpy(&v, p, S);
            return v;
        }
        return read_slow(seg, off, S);
    }
    template <unsigned S>
    void write(unsigned seg, uint32_t off, uint32_t v) {
        const uint32_t lin = s.seg[seg].base + off;
        uint8_t* p;
        if (segment_allows_fast(seg, off, S, true) && tlb_host<S, true>(lin, user_access(), p)) {
            std::memcpy(p, &v, S);
            return;
        }
        write_slow(seg, off, v, S);
    }
#else
    // The same accesses as compiled traces do them (the semantics bitcode is built with
    // TRAPEZE_TRACE_BITCODE, binary_translate/CMakeLists.txt). A miss does not do the access
    // out of line and come back with its value: it fills the soft-TLB entry (tlb_refill) and
    // goes on along the one fast path, or, when the access cannot be done that way, leaves
    // the trace before the instruction (LeaveToInterpreter). So the code after an access has
    // one predecessor and no value to merge, and the slow side is one call, after which
    // nothing needs reloading: traces have 19% fewer basic blocks and 9% fewer IR
    // instructions a guest instruction to compile (docs/jit.md, "Seventh look"). A leave
    // costs a C++ throw, so it must stay rare: a few hundred in the Linux guest's whole run.
    template <unsigned S>
    uint32_t read(unsigned seg, uint32_t off) {
        const uint32_t lin = s.seg[seg].base + off;
        const bool user = user_access();
        if (!(segment_allows_fast(seg, off, S, false) && tlb_tag_matches<S, false>(lin, user))) [[unlikely]]
            if (!tlb_refill(seg, off, S, false)) leave_here();
        uint32_t v = 0;
        std::memcpy(&v, reinterpret_cast<const uint8_t*>(tlb_entry(lin, user).addend + lin), S);
        return v;
    }
    template <unsigned S>
    void write(unsigned seg, uint32_t off, uint32_t v) {
        const uint32_t lin = s.seg[seg].base + off;
        const bool user = user_access();
        if (!(segment_allows_fast(seg, off, S, true) && tlb_tag_matches<S, true>(lin, user))) [[unlikely]]
            if (!tlb_refill(seg, off, S, true)) leave_here();
        std::memcpy(reinterpret_cast<uint8_t*>(tlb_entry(lin, user).addend + lin), &v, S);
    }
#endif
    // For compiled code's accesses: makes the soft-TLB entry of [off, off+size) in segment
    // seg serve this access on the fast path if it can (a page walk that does not fault, RAM
    // that the access may use directly, one page); true if it now does. Never throws and
    // changes nothing else a guest can see (a walk sets A and D only for an access that then
    // happens; CR2 is left alone when the walk would fault).
    bool tlb_refill(unsigned seg, uint32_t off, unsigned size, bool write) noexcept;
    // The lazy flags materialised (op kNone): for compiled code entering a loop where the
    // flags are read first, out of line (TraceRuntime::canonical_flags).
    void make_flags_eager() noexcept;
    // Leaves compiled code before the instruction at eip, the instruction count icount before
    // it (arguments, so that a trace writes neither back first and its leaves share a block),
    // and with the lazy flags as given (a trace that keeps them in host registers: the trace
    // builder turns this into the first form in a trace that writes them through to memory,
    // binary_translate/llvm_backend.cpp).
    [[noreturn]] void leave_to_interpreter(uint32_t eip, uint64_t icount);
    [[noreturn]] void leave_to_interpreter(uint32_t eip, uint64_t icount, LazyOp op, uint8_t size, uint32_t res,
                                           uint32_t a, uint32_t b, uint32_t cin, uint32_t eager);
    [[noreturn, gnu::always_inline]] void leave_here() {
        leave_to_interpreter(s.eip, icount_, s.arith.op, s.arith.size, s.arith.res, s.arith.a, s.arith.b,
                             s.arith.cin, s.arith.eager);
    }
    uint32_t read_slow(unsigned seg, uint32_t off, unsigned size);
    void write_slow(unsigned seg, uint32_t off, uint32_t v, unsigned size);
    uint32_t read_sized(unsigned size, unsigned seg, uint32_t off) {
        return size == 4 ? read<4>(seg, off) : size == 2 ? read<2>(seg, off) : read<1>(seg, off);
    }
    void write_sized(unsigned size, unsigned seg, uint32_t off, uint32_t v) {
        if (size == 4) write<4>(seg, off, v);
        else if (size == 2) write<2>(seg, off, v);
        else write<1>(seg, off, v);
    }
    // Checks that a write to [off, off+size) would succeed (segment and page), without
    // writing: lets multi-part instructions fault before they commit anything.
    void probe_write(unsigned seg, uint32_t off, unsigned size);
    void probe_read(unsigned seg, uint32_t off, unsigned size);

    bool user_access() const { return s.cpl == 3; }

    // The soft TLB's fast path: true, with the host address of [lin, lin+S) in host, when
    // that range lies in one page that the TLB maps for this kind of access; else false (the
    // caller takes its slow path). One compare covers the page and the page crossing: the
    // tag of lin's entry must be the page of the access's last byte. (An access that wraps
    // at 4 GB ends on page 0, whose entry is not lin's; an empty entry's tag is odd.) The
    // result is a flag rather than a null pointer so that a compiled trace branches on the
    // compare alone; the miss is marked unlikely, so that a trace's slow paths are placed
    // after its hot path (docs/jit.md).
    template <unsigned S, bool Write>
    bool tlb_host(uint32_t lin, bool user, uint8_t*& host) const {
        if (!tlb_tag_matches<S, Write>(lin, user)) [[unlikely]] return false;
        host = reinterpret_cast<uint8_t*>(tlb_entry(lin, user).addend + lin);
        return true;
    }
    const TlbEntry& tlb_entry(uint32_t lin, bool user) const {
        // The entry's byte offset straight from lin, one shift and one mask ((lin >> 12) as an
        // index then scaled was three instructions in compiled code and in the interpreter).
        static_assert(sizeof(TlbEntry) == 16 && (kTlbSize & (kTlbSize - 1)) == 0);
        return *reinterpret_cast<const TlbEntry*>(reinterpret_cast<const char*>(tlb_[user]) +
                                                  ((lin >> 8) & ((kTlbSize - 1) << 4)));
    }
    template <unsigned S, bool Write>
    bool tlb_tag_matches(uint32_t lin, bool user) const {
        const TlbEntry& e = tlb_entry(lin, user);
        return (Write ? e.tag_write : e.tag_read) == ((lin + (S - 1)) & ~0xFFFu);
    }
    template <unsigned S>
    uint32_t read_linear(uint32_t lin, bool user) {
        uint8_t* p;
        if (tlb_host<S, false>(lin, user, p)) {
            uint32_t v = 0;
            std::memcpy(&v, p, S);
            return v;
        }
        return read_linear_slow(lin, S, user);
    }
    template <unsigned S>
    void write_linear(uint32_t lin, uint32_t v, bool user) {
        uint8_t* p;
        if (tlb_host<S, true>(lin, user, p)) {
            std::memcpy(p, &v, S);
            return;
        }
        write_linear_slow(lin, v, S, user);
    }
    uint32_t read_linear_slow(uint32_t lin, unsigned size, bool user);
    void write_linear_slow(uint32_t lin, uint32_t v, unsigned size, bool user);
    // Supervisor-mode system accesses (descriptor tables, TSS, IDT): SDM Vol. 3 §4.6.1. In
    // the monitor's real state the tables it substitutes live in its own window.
    uint32_t read_system(uint32_t lin, unsigned size) {
        if (monitor_real_ && lin >= kMonitorWindowBase) return monitor_window_read(lin, size);
        return read_linear_slow(lin, size, false);
    }
    void write_system(uint32_t lin, uint32_t v, unsigned size) {
        if (monitor_real_ && lin >= kMonitorWindowBase) return monitor_window_write(lin, v, size);
        write_linear_slow(lin, v, size, false);
    }
    // Linear -> physical; throws #PF. write/user select the permission check.
    uint32_t translate(uint32_t lin, bool write, bool user);
    uint32_t translate_fetch(uint32_t lin);

    // One compare: [off, off+size) must lie in [lo, lo+end) where end is 0 when the access
    // type is not allowed (see seg_lo_). off < lo wraps off-lo above any end.
    bool segment_allows(unsigned seg, uint32_t off, unsigned size, bool write) const {
        return uint64_t{uint32_t(off - seg_lo_[seg])} + size <= seg_end_[write][seg];
    }
    // segment_allows for the fast path of read and write, which go on to tlb_host: a segment
    // that allows this access at every offset (seg_unlimited_: a flat segment, or one with a
    // base and a 4 GB limit) needs no test of its own there, since an access past 4 GB wraps
    // and misses the TLB, and the slow path checks the segment again. One byte tested, so
    // that the interpreter's common case costs a compare; in a trace specialised for flat
    // segments the byte is a constant and this folds away.
    bool segment_allows_fast(unsigned seg, uint32_t off, unsigned size, bool write) const {
        if (seg_unlimited_[write][seg]) [[likely]] return true;
        return segment_allows(seg, off, size, write);
    }
    void check_segment(unsigned seg, uint32_t off, unsigned size, bool write) const {
        if (!segment_allows(seg, off, size, write)) segment_fault(seg, off, size, write);
    }
    [[noreturn]] void segment_fault(unsigned seg, uint32_t off, unsigned size, bool write) const;

    // Stack helpers (SS, address size from SS.B).
    bool stack32() const { return s.seg[SS].db(); }
    uint32_t sp() const { return stack32() ? s.gpr[ESP] : (s.gpr[ESP] & 0xFFFF); }
    void set_sp(uint32_t v) {
        if (stack32()) s.gpr[ESP] = v;
        else s.gpr[ESP] = (s.gpr[ESP] & 0xFFFF0000u) | (v & 0xFFFF);
    }
    void push(unsigned size, uint32_t v) {
        if (size == 4) push_sized<4>(v);
        else if (size == 2) push_sized<2>(v);
        else push_sized<1>(v);
    }
    // The same with the size a constant (near CALL: the interpreter's handler then has no
    // dispatch on the size).
    template <unsigned S>
    void push_sized(uint32_t v) {
        uint32_t nsp = sp() - S;
        if (!stack32()) nsp &= 0xFFFF;
        write<S>(SS, nsp, v);
        set_sp(nsp);
    }
    uint32_t pop(unsigned size) {
        uint32_t v = read_sized(size, SS, sp());
        set_sp(sp() + size);
        return v;
    }
    // Reads the stack at offset bytes above the top without popping.
    uint32_t peek(unsigned size, uint32_t offset) {
        uint32_t a = sp() + offset;
        if (!stack32()) a &= 0xFFFF;
        return read_sized(size, SS, a);
    }

    // Full EFLAGS (arithmetic bits materialised).
    uint32_t eflags() const { return (s.eflags & ~ARITH_FLAGS) | compute_arith_flags(s.arith) | 2; }
    // Writes EFLAGS bits in `mask` (callers apply the privilege rules of POPF/IRET).
    void set_eflags(uint32_t value, uint32_t mask);
    unsigned iopl() const { return (s.eflags >> 12) & 3; }
    bool protected_mode() const { return s.cr0 & CR0_PE; }
    bool v86() const { return s.eflags & VM; }

    // Segment register loads with every check of SDM Vol. 3 §5 (protected mode) or the
    // real/v86 rules. load_segment is for data/stack registers (MOV/POP/LxS).
    void load_segment(unsigned seg, uint16_t selector);
    void load_segment_real(unsigned seg, uint16_t selector);
    void set_segment_from_descriptor(unsigned seg, uint16_t selector, uint32_t lo, uint32_t hi);
    void refresh_segcheck(unsigned seg);
    void set_cs_for_mode();  // after CS changes: mode bits for the decoder

    // Descriptor access (SDM Vol. 3 §3.5). Throws fault_vector(sel) on table limit.
    bool read_descriptor(uint16_t selector, uint32_t& lo, uint32_t& hi);  // false: outside table
    void write_descriptor_hi(uint16_t selector, uint32_t hi);
    void set_descriptor_accessed(uint16_t selector, uint32_t hi);

    // Far control transfers (far_transfer.cpp).
    void far_jump(uint16_t selector, uint32_t offset, unsigned opsize);
    void far_call(uint16_t selector, uint32_t offset, unsigned opsize);
    void far_return(unsigned opsize, uint16_t pop_bytes);
    void iret(unsigned opsize);
    // Task switch (task_switch.cpp). reason: 0 jmp, 1 call/int, 2 iret.
    enum class TaskSwitchReason { kJump, kCall, kIret, kInterrupt };
    void task_switch(uint16_t selector, uint32_t desc_lo, uint32_t desc_hi, TaskSwitchReason why,
                     bool push_error, uint32_t error);

    // Interrupts and exceptions (interrupts.cpp). software: INT n (checks gate DPL).
    void deliver(uint8_t vector, bool software, bool has_error, uint32_t error, bool external);
    void raise_software_interrupt(uint8_t vector, bool int3_or_into);

    // Control registers (system.cpp). Writes go through here so that TLB/caches follow.
    void write_cr(unsigned n, uint32_t v);
    // keep_global: a CR3 load, which leaves global translations (SDM Vol. 3 §4.10.4.1).
    void flush_tlb(bool keep_global = false);
    void invalidate_page(uint32_t lin);
    void set_cpl(unsigned cpl);
    void halt() { halted_ = true; end_block = true; }
    void inhibit_interrupts_once();  // STI and MOV/POP SS shadow
    cpu::Instrumentation* hooks() const { return hooks_; }
    void notify_control(unsigned reg, uint64_t oldv, uint64_t newv);
    // DR7 changed: recompute which breakpoint checks are armed (SDM Vol. 3 §17.2).
    void update_debug_registers();
    void notify_table(unsigned which, uint64_t base, uint32_t limit);

    // Port I/O with the protected-mode permission check (IOPL and the TSS I/O bitmap).
    void check_io(uint16_t port, unsigned size);
    uint32_t in(uint16_t port, unsigned size) {
        check_io(port, size);
        return ports_.read(port, size);
    }
    void out(uint16_t port, unsigned size, uint32_t v) {
        check_io(port, size);
        if (write_log_) write_log_->push_back({GuestWrite::kPort, uint8_t(size), port, v});
        ports_.write(port, size, v);
    }
    // --- the monitor (isa/x86/monitor.h) -----------------------------------------------------
    // Attaches a trap-and-emulate monitor (nullptr: none) and the block rewriter of --virt=bt;
    // empties the block cache. Not from inside run().
    void attach_monitor(X86Monitor* monitor, BlockRewriter* rewriter);
    X86Monitor* monitor() const { return monitor_; }
    // True while the CPU holds the monitor's real (deprivileged) state.
    bool monitor_real() const { return monitor_real_; }
    // The guest's interrupt flag: EFLAGS.IF, or the monitor's virtual IF in its real state.
    bool interrupts_enabled() const;
    // The monitor's emulation: decodes the instruction at CS:EIP afresh (not from the block
    // cache, whose copy may be rewritten) and runs it with the interpreter. Faults are thrown.
    void execute_one_uncached();
    // Records every guest write (memory by linear address, ports) into *log (nullptr: off).
    // Turns the soft TLB's fast path off while on.
    void set_write_log(std::vector<GuestWrite>* log);

    uint64_t read_msr(uint32_t index);
    void write_msr(uint32_t index, uint64_t value);
    void cpuid();

private:
    static constexpr uint32_t kMonitorWindowBase = 0xFFC00000u;  // == kMonitorWindow (monitor.h)
    uint32_t monitor_window_read(uint32_t lin, unsigned size);
    void monitor_window_write(uint32_t lin, uint32_t v, unsigned size);

    // Entries per soft TLB (one for supervisor, one for user accesses), direct-mapped by
    // linear page. 1024, not 256: on the Linux guest's sha256sum + gzip workload a 256-entry
    // TLB missed 20 million times in 12 MB of input (guest code, stack, gzip's window and
    // tables, the kernel's page cache all collide), 1024 entries 1.5 million, and the page
    // walks were some 5% of the guest thread's time. A flush clears only the filled slots
    // (tlb_filled_), so its cost does not grow with the size.
    static constexpr unsigned kTlbSize = 1024;
    static constexpr unsigned kMaxBlockInsns = 64;  // build_block ends a block there

    // Where the run loop last entered compiled code, by EIP: what a trace that leaves for a
    // block outside itself looks up to jump straight to that block's trace instead of
    // returning to the run loop (binary_translate/jit_runtime.cpp, chain_target). An entry
    // holds while the epoch it was made in does: no block (so no code) has been dropped
    // since, and the linear -> block mapping is the same.
    // spec: guard_key() of the call when the trace's entry guard passed, kNoSpec when it
    // refused. The guard is a function of the EIP, the CS base (both matched by the entry)
    // and of what guard_key() packs, so a trace that jumps here in a state with the same key
    // knows the guard passes and tells the callee to skip it (NativeTrace's trusted).
    struct TraceJump {
        uint32_t eip = 0;
        uint64_t where = ~0ull;  // trace_jump_where(CS base, link_context())
        uint64_t epoch = ~0ull;
        NativeBody body = nullptr;
        uint64_t spec = kNoSpec;
    };
    static constexpr uint64_t kNoSpec = ~0ull;  // no guard_key() (the CPL is at most 3)
    static constexpr unsigned kTraceJumps = 1024;
    static unsigned trace_jump_index(uint32_t eip) { return (eip ^ (eip >> 10)) & (kTraceJumps - 1); }
    // The CS base and link context in one word: one compare (a constant in a trace).
    static uint64_t trace_jump_where(uint32_t cs_base, uint32_t context) { return (uint64_t{context} << 32) | cs_base; }
    std::array<TraceJump, kTraceJumps> trace_jumps_{};
    bool run_native(Block& b) {
        // Compiled code left before an instruction it could not do (LeaveToInterpreter): the
        // interpreter runs the block from there, once, whatever code the block has.
        if (leave_pending_) [[unlikely]] {
            leave_pending_ = false;
            return false;
        }
        TraceJump& j = trace_jumps_[trace_jump_index(s.eip)];
        j = {s.eip, trace_jump_where(s.seg[CS].base, link_context()), epoch(), b.native_body, guard_key()};
        // Counted on the way out, a guest fault's included (the instructions before it ran).
        struct Count {
            X86Cpu& c;
            uint64_t before;
            ~Count() { c.native_insns_ += c.icount_ - before; }
        } count{*this, icount_};
        // 0: nothing ran, the trace's own guard refused this state (a fault or a jump onward
        // means it passed, and the callee's jumps record nothing here).
        if (b.native(*this, icount_, 0)) return true;
        j.spec = kNoSpec;
        return false;
    }

    Block* fetch_block();
    Block* chained_block(Block* prev);
    Block* chain_miss(Block* prev);
    bool link_still_leads_there(const Block::Link& l, uint32_t lin) const;
    // The code fetch's soft-TLB probe (fetch_block; link_still_leads_there asks the same):
    // the physical address of linear address lin when the entry for its page holds it.
    bool fetch_tlb_hit(uint32_t lin, uint32_t& phys) const {
        const TlbPhys& e = tlb_phys_[s.cpl == 3][(lin >> 12) & (kTlbSize - 1)];
        if (e.tag != (lin & ~0xFFFu)) return false;
        phys = e.phys | (lin & 0xFFF);
        return true;
    }
    void feed_engine(Block& b);
    // With a second tier attached, the blocks the interpreter still runs are mostly cold
    // ones (not yet hot, or waiting for their trace; in a Linux guest's workload, kernel
    // paths that run once per pipe chunk), and the run loop's time on them goes to cache
    // misses on the next block and its first DecodedInsn. Prefetching the blocks the links
    // name (the likely successors) while this one runs overlaps those misses: the bench=24
    // Linux run's boot and workload 1-4% faster (docs/jit.md, "Fourteenth look"). Without a
    // tier the interpreter's blocks are hot and the prefetches cost more than they save
    // (the boot's first 2 billion instructions 4% slower), so it does not.
    void prefetch_successors(const Block& b) const {
        for (const Block::Link& l : b.links) {
            __builtin_prefetch(l.block);
            __builtin_prefetch(l.insns_hint);
        }
    }
    // Chains and compiled traces hold while this is unchanged: blocks dropped, or the linear
    // -> block mapping changed (bump_epoch). One counter: the run loop compares it before it
    // chains two blocks, and a trace before it jumps to another (trace_jumps_).
    // Within run() the epoch never changes without end_block: a store to code says so
    // (the code-write observer), and so does bump_epoch, whatever called it (CR writes,
    // INVLPG, the A20 gate of an OUT). So a block during which it changed ends there and is
    // not chained, and a compiled trace, which leaves at end_block, never needs to test the
    // epoch between its own blocks.
    uint64_t epoch() const { return cache_.generation(); }
    // The linear pages fetch_block has found blocks on since the epoch began
    // (fetched_pages_epoch_), and those of the links chain_miss kept from an older one: every
    // chain link, trace jump and running trace of the epoch starts from such a lookup or
    // check, so they rely on the mappings of these pages only, and
    // INVLPG of any other page need not bump the epoch. (Linux invalidates single pages all
    // the time, mostly data: some 70,000 INVLPGs in its boot, each of which used to unlink
    // every chained block and trace jump.) Emptied lazily, by the first fetch of a new epoch.
    cpu::PageSet fetched_pages_;
    uint64_t fetched_pages_epoch_ = ~0ull;
    void note_code_fetch(uint32_t lin) {
        if (fetched_pages_epoch_ != epoch()) {
            fetched_pages_.clear();
            fetched_pages_epoch_ = epoch();
        }
        fetched_pages_.insert(lin >> 12);
    }
    bool code_fetched_from(uint32_t lin) const {
        return fetched_pages_epoch_ == epoch() && fetched_pages_.contains(lin >> 12);
    }
    void bump_epoch() {
        cache_.bump_generation();
        end_block = true;
    }
    Block* build_block(uint32_t lin, uint64_t phys);
    void execute_block(Block& b);
    void execute_block_hooked(Block& b, size_t max_insns = SIZE_MAX);
    // One instruction with the RF rule and data-breakpoint traps; true when it delivered #DB.
    bool execute_with_debug_checks(const DecodedInsn& in);
    void handle_fault(const GuestFault& f);
    bool check_interrupts();
    bool interrupt_due() const;
    // INTR, before IF: the pin, or the polled source's answer.
    bool intr_asserted() const { return events_.intr_pin || (events_.irq_polled && irq_->interrupt_pending()); }
    bool take_nmi();
    bool take_external_interrupt();
    // Recomputes observed_ after hooks_, trace_ or the debug-register arming change.
    void update_observed();
    void trace_block(const Block& b);
    uint32_t mode_bits() const { return s.seg[CS].db() ? 1 : 0; }
    void tlb_fill(uint32_t lin, uint32_t phys, bool user, bool writable_entry, bool global = false);
    void drop_write_entries(uint64_t phys_page);

    cpu::PhysicalMemory& mem_;
    cpu::PortBus& ports_;
    const CpuModel& model_;
    cpu::BlockCache<Block> cache_;
    std::unique_ptr<Decoder> decoder_;
    std::unique_ptr<X87> fpu_;
    std::function<void()> ferr_;
    std::unique_ptr<Block> straddler_;  // uncached block of a page-straddling instruction
    // Per segment register, the valid offsets [lo, hi] and whether it may be read/written, in
    // the form check_segment tests (refresh_segcheck): seg_end_[write] = hi - lo + 1 when
    // that access is allowed and the range is not empty, else 0 (every access faults).
    // Plain arrays, so that the check indexes them directly.
    uint32_t seg_lo_[6] = {};
    uint64_t seg_end_[2][6] = {{0x10000, 0x10000, 0x10000, 0x10000, 0x10000, 0x10000},
                               {0x10000, 0x10000, 0x10000, 0x10000, 0x10000, 0x10000}};
    // seg_unlimited_[write][i]: seg_lo_[i] is 0 and seg_end_[write][i] is 4 GB (the access
    // is allowed at every offset), kept with them by refresh_segcheck.
    uint8_t seg_unlimited_[2][6] = {};
    // Bit i: segment register i is flat (base 0, every offset of 4 GB readable and writable),
    // kept with seg_lo_/seg_end_ by refresh_segcheck. A compiled trace is specialised for the
    // flat data segments it saw and guards on these bits (binary_translate/jit_runtime.cpp).
    uint8_t flat_segs_ = 0;
    TlbEntry tlb_[2][kTlbSize];
    TlbPhys tlb_phys_[2][kTlbSize];
    // The slots filled since the last flush, (user << 15) | index, each recorded when it goes
    // from empty to filled: Linux reloads CR3 at every context switch, and clearing both
    // whole TLBs each time would cost more than the misses a bigger TLB saves. A slot emptied
    // by INVLPG and filled again is recorded twice; when the list is full, a flush clears
    // everything (tlb_filled_count_ == kTlbFilledOverflow).
    static constexpr unsigned kTlbFilledCapacity = 2 * kTlbSize;
    static constexpr unsigned kTlbFilledOverflow = kTlbFilledCapacity + 1;
    std::array<uint16_t, kTlbFilledCapacity> tlb_filled_{};
    unsigned tlb_filled_count_ = 0;
    TlbStats tlb_stats_;
    uint32_t a20_mask_ = 0xFFFFFFFFu;
    InterruptSource* irq_ = nullptr;
    // Faults delivered in a row with no instruction completed (handle_fault).
    static constexpr uint32_t kFaultLoopLimit = 100'000;
    uint64_t fault_loop_icount_ = UINT64_MAX;
    uint32_t fault_loop_count_ = 0;
    // What may interrupt the guest between blocks, in one word so that a compiled trace
    // tests all of it with one load (jit_runtime.cpp, next()) and looks closer only when
    // something is there.
    struct EventLines {
        bool nmi = false;         // an NMI latched and not yet taken
        bool intr_pin = false;    // INTR as the source drives it (implies irq_)
        bool irq_polled = false;  // irq_ does not drive the pin: ask it (implies irq_)
        bool unused = false;
        bool any() const {
            uint32_t word;
            std::memcpy(&word, this, sizeof word);
            return word != 0;
        }
    };
    static_assert(sizeof(EventLines) == 4);
    EventLines events_;
    // The instruction count up to which compiled traces and the run loop's chaining go from
    // one block to the next without a closer look: run()'s instruction limit while no event line is up, 0
    // while one is. So the step between two blocks of a trace is one compare (jit_runtime.cpp,
    // next()), and so is most of the run loop's (run); the events' details (IF, which line)
    // are looked at only when a line is up. Every write of events_ or insn_limit_ goes
    // through events_changed().
    uint64_t chain_limit_ = UINT64_MAX;
    void events_changed() { chain_limit_ = events_.any() ? 0 : insn_limit_; }
    cpu::Instrumentation* hooks_ = nullptr;
    uint32_t trace_ = 0;
    std::FILE* trace_out_ = nullptr;
    uint64_t icount_ = 0;
    uint64_t tsc_icount_ = 0;        // the instruction count s.tsc was last brought up to
    uint64_t insn_limit_ = UINT64_MAX;  // run()'s instruction limit (compiled traces check it)
    TraceEngine* engine_ = nullptr;
    uint64_t trace_counters_[kTraceCounters] = {};
    uint64_t native_insns_ = 0;
    uint64_t halted_insns_ = 0;
    uint64_t inhibit_until_ = 0;     // interrupts blocked while icount_ < this
    bool halted_ = false;
    bool code_breakpoints_ = false;  // DR7 arms an instruction breakpoint
    bool data_breakpoints_ = false;  // DR7 arms a data breakpoint: TLB fast path off
    // Something watches each block or instruction (hooks, -d in_asm/exec/cpu, breakpoints):
    // the run loop takes its instrumented path. One test per block instead of five.
    bool observed_ = false;
    uint32_t pending_db_ = 0;        // DR6 B0-B3 bits hit by data accesses this instruction
    void check_data_breakpoints(uint32_t lin, unsigned size, bool write);
    void check_code_breakpoints();
    uint64_t deliveries_ = 0;        // events delivered (single-step bookkeeping)
    int fault_depth_ = 0;
    uint8_t first_fault_ = 0;
    cpu::StopReason stop_ = cpu::StopReason::kRunning;
    std::string stop_message_;
    X86Monitor* monitor_ = nullptr;
    bool monitor_real_ = false;
    BlockRewriter* rewriter_ = nullptr;
    std::vector<GuestWrite>* write_log_ = nullptr;
    uint16_t last_uncached_form_ = 0xFFFF;  // form of execute_one_uncached's instruction
    // (Last, so that the fields above keep their places: placed before native_insns_, they
    // made the interpreter 4-6% slower in timed runs, for the same host instruction count.)
    bool leave_pending_ = false;   // run_native: a trace left before an instruction (LeaveToInterpreter)
    uint64_t trace_leaves_ = 0;    // how often (-d jit)

    friend class X86Monitor;
    friend struct BlockBuilder;
    friend struct TraceRuntime;  // binary_translate/jit_runtime.cpp: compiled traces' glue
};

}  // namespace trapeze::x86
