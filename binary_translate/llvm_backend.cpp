// The LLVM backend: from a trace request (guest blocks as DecodedInsn copies) to machine code.
//
// For each instruction the trace function does what X86Cpu::execute_block does (next_eip,
// the handler, commit EIP and the instruction count, test end_block), and between blocks what
// the run loop does (instruction limit, interrupts), using the glue functions of
// jit_runtime.cpp. Handlers are called by their symbols in the semantics bitcode with a
// pointer to a constant copy of the DecodedInsn, so that LLVM inlines them and folds the
// operand fields: the JIT runs the interpreter's own semantics, compiled by clang.
//
// Linking: what a trace needs from the bitcode is imported into the trace's module on demand
// (Importer). Functions and variables with external linkage that the executable also defines
// bind to the executable's definition (functions keep their body as available_externally so
// that they can still be inlined); local functions and constants are copied; a mutable
// variable the executable lacks cannot be shared and makes the handler that needs it be
// called through its pointer instead. Names resolve through the executable's own symbol
// table (host_symbols.h) and then the shared libraries (dlsym).
#include "binary_translate/llvm_backend.h"

#include "binary_translate/loop_tlb_checks.h"
#include "binary_translate/trace_disk_cache.h"

#include <dlfcn.h>
#include <unistd.h>
#include <time.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectTransformLayer.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassTimingInfo.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/CodeGen/Passes.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/xxhash.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Analysis/InlineCost.h>
#include <llvm/Transforms/IPO/GlobalDCE.h>
#include <llvm/Analysis/AliasAnalysis.h>
#include <llvm/IR/GetElementPtrTypeIterator.h>
#include <llvm/IR/Operator.h>
#include <llvm/Support/KnownBits.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/CorrelatedValuePropagation.h>
#include <llvm/Transforms/Scalar/JumpThreading.h>
#include <llvm/Transforms/Scalar/SCCP.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/Local.h>
#include <llvm/Transforms/Utils/SSAUpdater.h>
#include <llvm/Transforms/Utils/ValueMapper.h>

#include "binary_translate/host_symbols.h"
#include "binary_translate/peel_plan.h"
#include "isa/x86/decoder.h"

// g++ 12 misreads `new GlobalVariable(...)` (LLVM's sized operator new and its matching
// placement delete on the exception path) as mismatched; a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
// With -fsanitize=address g++ 12 also reports LLVM 14's SimpleAAQueryInfo (AliasAnalysis.h)
// as maybe-uninitialized where it inlines it here; the header is LLVM's, the warning spurious.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// The linked semantics bitcode (embedded_bitcode.cpp).
extern "C" const char trapeze_semantics_bc[];
extern "C" const char trapeze_semantics_bc_end[];

namespace trapeze::bt {

namespace {

using namespace llvm;

// Functions larger than this (in IR instructions) that the executable defines are called,
// not imported for inlining.
constexpr unsigned kMaxImportedInsns = 1000;
// Imported functions up to this size are forced inline into the trace.
constexpr unsigned kMaxForcedInlineInsns = 1000;

std::atomic<bool> g_shutting_down{false};
void shutdown_backend();  // atexit: joins the compiling thread

// CPU time of the calling thread: what a compilation costs, whatever else the host is running.
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// TRAPEZE_JIT_TIMING=1: per-phase compile times (thread CPU time) on stderr (for tuning).
struct PhaseTimer {
    bool on = std::getenv("TRAPEZE_JIT_TIMING") != nullptr;
    double t = thread_cpu_seconds();
    std::string line;
    void lap(const char* what) {
        if (!on) return;
        double now = thread_cpu_seconds();
        line += fmt_ms(what, (now - t) * 1e3);
        t = now;
    }
    static std::string fmt_ms(const char* what, double ms) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %s %.1f", what, ms);
        return buf;
    }
    ~PhaseTimer() {
        if (on) std::fprintf(stderr, "jit timing (ms):%s\n", line.c_str());
    }
};
thread_local PhaseTimer* g_timer = nullptr;
// Set by the object layer's transform, which runs on the thread that links the object (the
// compiling thread or the loader): the code bytes of the object being linked, and, when
// t_capture_object is set, a copy of it for the disk cache.
thread_local uint64_t t_object_bytes = 0;
thread_local bool t_capture_object = false;
thread_local std::string t_captured_object;

// A trace kept in the disk cache is named after its key: a name its object keeps from run to
// run (two keys of one hash would clash in the JIT's symbol table: the second fails and is
// interpreted).
std::string persisted_name(const std::string& disk_key) {
    return fmt::format("trapeze_trace_{:016x}", xxHash64(disk_key));
}

void lap(const char* what) {
    if (g_timer) g_timer->lap(what);
}

uint64_t resolve_host(StringRef name) {
    if (uint64_t a = HostSymbols::get().lookup(std::string_view(name.data(), name.size()))) return a;
    return reinterpret_cast<uint64_t>(dlsym(RTLD_DEFAULT, name.str().c_str()));
}

// Resolves the names traces leave undefined against the executable and its libraries.
class HostGenerator final : public orc::DefinitionGenerator {
public:
    Error tryToGenerate(orc::LookupState&, orc::LookupKind, orc::JITDylib& jd, orc::JITDylibLookupFlags,
                        const orc::SymbolLookupSet& set) override {
        orc::SymbolMap found;
        for (const auto& [name, flags] : set) {
            (void)flags;
            if (uint64_t a = resolve_host(*name))
                found[name] = JITEvaluatedSymbol(a, JITSymbolFlags::Exported | JITSymbolFlags::Callable);
        }
        if (found.empty()) return Error::success();
        return jd.define(orc::absoluteSymbols(std::move(found)));
    }
};

// Imports the parts of the semantics module a trace references into the trace's module.
class Importer final : public ValueMaterializer {
public:
    explicit Importer(Module& dst) : dst_(dst) {}

    Value* materialize(Value* v) override {
        auto* g = dyn_cast<GlobalValue>(v);
        return g ? import(g) : nullptr;
    }

    Value* import(GlobalValue* g) {
        if (auto it = vmap_.find(g); it != vmap_.end()) return it->second;
        Value* out = nullptr;
        if (auto* f = dyn_cast<Function>(g)) out = import_function(f);
        else if (auto* v = dyn_cast<GlobalVariable>(g)) out = import_variable(v);
        else if (auto* a = dyn_cast<GlobalAlias>(g)) out = import_alias(a);
        else fail("unsupported global " + g->getName().str());
        if (!out) out = UndefValue::get(g->getType());
        vmap_[g] = out;
        return out;
    }

    // Clones every body and initializer queued so far (and whatever they pull in).
    void drain() {
        while (!fns_.empty() || !vars_.empty()) {
            if (!vars_.empty()) {
                auto [src, dst] = vars_.back();
                vars_.pop_back();
                dst->setInitializer(MapValue(src->getInitializer(), vmap_, RF_None, nullptr, this));
                continue;
            }
            FnWork w = fns_.back();
            fns_.pop_back();
            auto di = w.dst->arg_begin();
            for (Argument& a : w.src->args()) {
                di->setName(a.getName());
                vmap_[&a] = &*di++;
            }
            SmallVector<ReturnInst*, 8> returns;
            CloneFunctionInto(w.dst, w.src, vmap_, CloneFunctionChangeType::DifferentModule, returns, "",
                              nullptr, nullptr, this);
            w.dst->setComdat(nullptr);
            // Helpers of a manageable size are forced inline: with the instruction's fields
            // constant and the previous instruction's lazy flags forwarded, eval_condition
            // and compute_arith_flags fold to a test or two.
            if (w.src->getInstructionCount() <= kMaxForcedInlineInsns && !w.src->hasFnAttribute(Attribute::NoInline) &&
                !w.src->doesNotReturn() && !w.src->hasFnAttribute(Attribute::Cold))
                w.dst->addFnAttr("trapeze-helper");  // inlined after the handlers are folded
            w.dst->setLinkage(w.available_externally ? GlobalValue::AvailableExternallyLinkage
                                                     : GlobalValue::InternalLinkage);
            if (w.available_externally) w.dst->setDSOLocal(false);
        }
    }

    const std::string& error() const { return error_; }
    void clear_error() { error_.clear(); }

private:
    struct FnWork {
        Function* src;
        Function* dst;
        bool available_externally;
    };

    void fail(std::string why) {
        if (error_.empty()) error_ = std::move(why);
    }

    Function* import_function(Function* f) {
        Function* nf = Function::Create(f->getFunctionType(), GlobalValue::ExternalLinkage,
                                        f->getAddressSpace(), f->getName(), &dst_);
        nf->setCallingConv(f->getCallingConv());
        nf->setAttributes(f->getAttributes());
        nf->setDSOLocal(false);
        if (f->isIntrinsic() || f->isDeclaration()) return nf;  // resolved when linking
        const bool local = f->hasLocalLinkage();
        const uint64_t host = local ? 0 : resolve_host(f->getName());
        const bool copy = local || !host ||
                          (f->getInstructionCount() <= kMaxImportedInsns && !f->hasFnAttribute(Attribute::NoInline));
        if (copy) fns_.push_back({f, nf, host != 0});
        return nf;
    }

    Value* import_variable(GlobalVariable* v) {
        const bool local = v->hasLocalLinkage();
        const uint64_t host = local || v->isDeclaration() ? 0 : resolve_host(v->getName());
        if (v->isThreadLocal()) {
            fail("thread-local variable " + v->getName().str());
            return nullptr;
        }
        if (v->isDeclaration() || host) {
            auto* nv = new GlobalVariable(dst_, v->getValueType(), v->isConstant(), GlobalValue::ExternalLinkage,
                                          nullptr, v->getName(), nullptr, GlobalValue::NotThreadLocal,
                                          v->getAddressSpace());
            nv->setAlignment(v->getAlign());
            nv->setDSOLocal(false);
            return nv;
        }
        // Defined only in the bitcode: a constant can be copied; mutable state cannot.
        if (!v->isConstant()) {
            fail("mutable variable " + v->getName().str() + " is not shared with the executable");
            return nullptr;
        }
        auto* nv = new GlobalVariable(dst_, v->getValueType(), true, GlobalValue::InternalLinkage, nullptr,
                                      v->getName(), nullptr, GlobalValue::NotThreadLocal, v->getAddressSpace());
        nv->setAlignment(v->getAlign());
        nv->setUnnamedAddr(v->getUnnamedAddr());
        vars_.push_back({v, nv});
        return nv;
    }

    Value* import_alias(GlobalAlias* a) {
        if (!a->hasLocalLinkage() && resolve_host(a->getName())) {
            if (auto* fty = dyn_cast<FunctionType>(a->getValueType())) {
                auto* nf = Function::Create(fty, GlobalValue::ExternalLinkage, a->getName(), &dst_);
                nf->setDSOLocal(false);
                return nf;
            }
            auto* nv = new GlobalVariable(dst_, a->getValueType(), false, GlobalValue::ExternalLinkage, nullptr,
                                          a->getName());
            nv->setDSOLocal(false);
            return nv;
        }
        // A plain alias (constructor C1 = C2 and the like): import what it names.
        GlobalObject* base = a->getAliaseeObject();
        if (!base) {
            fail("alias without an object: " + a->getName().str());
            return nullptr;
        }
        Value* target = import(base);
        return ConstantExpr::getPointerBitCastOrAddrSpaceCast(cast<Constant>(target), a->getType());
    }

    Module& dst_;
    ValueToValueMapTy vmap_;
    std::vector<FnWork> fns_;
    std::vector<std::pair<GlobalVariable*, GlobalVariable*>> vars_;
    std::string error_;
};

// Byte ranges of the X86Cpu, listed by a function of jit_runtime.cpp whose body stores
// begin/end pointers of fields into its output array (read from the bitcode at start-up):
// the fields the memory accessors leave alone (trapeze_rt_accessor_blind_fields), the fields
// a trace writes through to the CPU object (trapeze_rt_write_through_fields), the fields it
// leaves in memory (trapeze_rt_unpromoted_fields) and the fields a trace can be specialised
// on (trapeze_rt_specialised_fields, in order).
struct FieldRanges {
    std::vector<std::pair<int64_t, int64_t>> ranges;  // [begin, end) offsets
    bool covers(int64_t off, uint64_t size) const {
        for (auto [b, e] : ranges)
            if (off >= b && off + int64_t(size) <= e) return true;
        return false;
    }
};

// A CPU field whose value a trace is specialised on (its entry guard checks it).
struct FieldConstant {
    int64_t offset;
    uint64_t size;
    uint64_t value;
};

FieldRanges read_field_ranges(Module& m, const char* name) {
    FieldRanges out;
    Function* f = m.getFunction(name);
    if (!f) return out;
    const DataLayout& dl = m.getDataLayout();
    std::map<int64_t, int64_t> by_slot;
    for (Instruction& i : instructions(*f)) {
        auto* st = dyn_cast<StoreInst>(&i);
        if (!st || !st->getValueOperand()->getType()->isPointerTy()) continue;
        APInt slot(64, 0), off(64, 0);
        const Value* dst = st->getPointerOperand()->stripAndAccumulateConstantOffsets(dl, slot, true);
        const Value* base = st->getValueOperand()->stripAndAccumulateConstantOffsets(dl, off, true);
        if (dst == f->getArg(1) && base == f->getArg(0)) by_slot[slot.getSExtValue() / 8] = off.getSExtValue();
    }
    for (auto& [slot, off] : by_slot)
        if (slot % 2 == 0 && by_slot.count(slot + 1)) out.ranges.push_back({off, by_slot[slot + 1]});
    return out;
}

class OrcCode final : public CompiledCode {
public:
    explicit OrcCode(orc::ResourceTrackerSP rt) : rt_(std::move(rt)) {}
    ~OrcCode() override {
        if (g_shutting_down.load()) return;  // the process is exiting: leave the memory
        if (Error e = rt_->remove()) consumeError(std::move(e));
    }

private:
    orc::ResourceTrackerSP rt_;
};

class LlvmBackend final : public Backend {
public:
    LlvmBackend() = default;

    void submit(TraceRequest req, std::function<void(TraceResult)> done) override;
    void submit_stored(TraceRequest req, std::function<void(TraceResult)> done) override;
    bool use_disk_cache(const std::string& dir, std::string& why) override;
    std::string disk_cache_dir() const override;
    DiskCacheCounts disk_cache_counts() const override { return disk_.counts(); }
    const std::vector<StoredTrace>* stored_traces(uint32_t cs_base, uint32_t eip) const override {
        auto it = stored_.find(uint64_t{cs_base} << 32 | eip);
        return it == stored_.end() ? nullptr : &it->second;
    }
    bool has_stored_traces() const override { return !stored_.empty(); }
    void shutdown();

private:
    struct Job {
        TraceRequest req;
        std::function<void(TraceResult)> done;
        std::string key;          // trace_key(req)
        bool load_tried = false;  // the loader found no usable file: compile without looking
    };
    // Compiled traces by trace_key: reused while any block (or the recent list) holds them.
    struct CacheEntry {
        std::weak_ptr<CompiledCode> code;
        TraceResult result;  // without code
    };
    static constexpr size_t kRecent = 1024;

    bool start(std::string& why);
    // submit and submit_stored: the job to the compiling thread, or (stored, with a disk
    // cache) to the loader; answered at once if its code is alive or LLVM cannot start.
    void enqueue(TraceRequest req, std::function<void(TraceResult)> done, bool stored);
    // Under m_: starts LLVM and the threads with the first request; "" or why it cannot.
    std::string launch_locked();
    // Under m_: answers the job with the code compiled for its key, if that is still alive.
    bool reuse_locked(Job& job);
    // Under m_: the job's key is no longer being compiled or loaded; the jobs of that key
    // that waited for it go to the compiling thread (which will reuse the code).
    void finished_locked(const std::string& key);
    // Under m_: remembers code compiled or loaded for key, for reuse_locked.
    void remember_locked(const std::string& key, const TraceResult& r);
    // Waits for the next job of q (queue_ or loads_, woken by cv) whose key is neither
    // compiled nor linked now, and marks it in flight; false once the backend stops.
    bool next_job(std::condition_variable& cv, std::deque<Job>& q, Job& job);
    void thread_main();
    void loader_main();
    TraceResult compile(const TraceRequest& r, bool use_disk = true, bool try_load = true);
    // Looks up name and name_enter after their module or object was added under rt; fills
    // out's code fields, or its error.
    void install(const orc::ResourceTrackerSP& rt, const std::string& name, const TraceRequest& r, TraceResult& out);
    // The trace's code from the disk cache, if there and linkable.
    bool load_from_disk(const std::string& key, const std::string& name, const TraceRequest& r, TraceResult& out);
    std::unique_ptr<Module> build(const TraceRequest& r, const std::string& name, TraceResult& out,
                                  std::string& failed_handler);
    Function* handler_function(x86::Handler h);
    void optimize(Module& m, Function& trace, const TraceRequest& r, TraceResult& out);
    std::vector<FieldConstant> specialisation(const TraceRequest& r) const;

    orc::ThreadSafeContext tsc_{std::make_unique<LLVMContext>()};
    LLVMContext* ctx_ = nullptr;
    std::unique_ptr<Module> master_;
    std::unique_ptr<orc::LLJIT> jit_;
    std::unique_ptr<TargetMachine> tm_;
    FunctionType* handler_ty_ = nullptr;
    FieldRanges blind_fields_;
    FieldRanges unread_fields_;
    FieldRanges false_in_memory_fields_;
    FieldRanges write_through_fields_;
    FieldRanges loop_write_through_fields_;
    FieldRanges unpromoted_fields_;
    FieldRanges refill_unread_fields_;
    FieldRanges flags_fields_;
    FieldRanges flags_op_field_;
    FieldRanges leave_argument_fields_;
    FieldRanges tlb_fields_;
    // Per segment: base, seg_lo_, seg_end_[0], [1], seg_unlimited_[0], [1]; then the CPL.
    FieldRanges specialised_fields_;
    std::unordered_set<std::string> ambiguous_;   // local names that occur twice in the bitcode
    std::unordered_set<std::string> blacklist_;   // handlers whose import failed
    std::unordered_map<uintptr_t, Function*> handler_cache_;
    uint64_t seq_ = 0;
    // --jit-cache: the directory (set before LLVM starts). (The object of the compilation in
    // progress is copied as it passes the object layer, in t_captured_object.)
    TraceDiskCache disk_;
    std::unordered_map<uint64_t, std::vector<StoredTrace>> stored_;  // by CS base << 32 | entry EIP
    // TRAPEZE_JIT_PERFMAP=1: each trace's code range and entry in /tmp/perf-PID.map, the
    // format `perf report` reads for code it has no symbols of (docs/jit.md).
    std::FILE* perf_map_ = nullptr;

    std::mutex m_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    // Traces of the disk cache to link (submit_stored), on a thread of their own: a link
    // takes 0.1-0.2 ms, a compilation 5-50 ms, and an asked-for trace that waited behind one
    // was interpreted meanwhile (docs/jit.md, "Thirteenth look").
    std::condition_variable loads_cv_;
    std::deque<Job> loads_;
    // Keys being compiled or linked, and the jobs of those keys that came meanwhile: one key
    // is never compiled or linked twice at once (its symbols would clash in the JIT).
    std::unordered_set<std::string> in_flight_;
    std::vector<Job> deferred_;
    std::unordered_map<std::string, CacheEntry> cache_;
    std::deque<std::shared_ptr<CompiledCode>> recent_;
    bool stop_ = false;
    bool launched_ = false;   // the threads are running (started by the first submit)
    std::string failed_;      // why LLVM could not start: every request is answered with it
    std::thread thread_;
    std::thread loader_;      // with a disk cache only
};

bool LlvmBackend::start(std::string& why) {
    // TRAPEZE_LLVM_ARGS: LLVM's own options for tuning the tier (e.g. "-time-passes").
    if (std::getenv("TRAPEZE_LLVM_ARGS")) {
        const char* argv[] = {"trapeze"};
        std::string err;
        raw_string_ostream es(err);
        if (!cl::ParseCommandLineOptions(1, argv, "", &es, "TRAPEZE_LLVM_ARGS")) {
            why = "TRAPEZE_LLVM_ARGS: " + es.str();
            return false;
        }
    }
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    ctx_ = tsc_.getContext();

    // The semantics module.
    StringRef bc(trapeze_semantics_bc, size_t(trapeze_semantics_bc_end - trapeze_semantics_bc));
    auto parsed = parseBitcodeFile(MemoryBufferRef(bc, "semantics.bc"), *ctx_);
    if (!parsed) {
        why = "semantics bitcode: " + toString(parsed.takeError());
        return false;
    }
    master_ = std::move(*parsed);
    {  // once here, so that each trace verifies only what its builder made (build)
        std::string bad;
        raw_string_ostream bs(bad);
        if (verifyModule(*master_, &bs)) {
            why = "semantics bitcode does not verify: " + bs.str();
            return false;
        }
    }
    Function* ht = master_->getFunction("trapeze_rt_handler_type");
    if (!ht) {
        why = "semantics bitcode lacks the trace runtime (jit_runtime.cpp)";
        return false;
    }
    handler_ty_ = ht->getFunctionType();
    blind_fields_ = read_field_ranges(*master_, "trapeze_rt_accessor_blind_fields");
    unread_fields_ = read_field_ranges(*master_, "trapeze_rt_accessor_unread_fields");
    false_in_memory_fields_ = read_field_ranges(*master_, "trapeze_rt_false_in_memory_fields");
    write_through_fields_ = read_field_ranges(*master_, "trapeze_rt_write_through_fields");
    loop_write_through_fields_ = read_field_ranges(*master_, "trapeze_rt_loop_write_through_fields");
    unpromoted_fields_ = read_field_ranges(*master_, "trapeze_rt_unpromoted_fields");
    refill_unread_fields_ = read_field_ranges(*master_, "trapeze_rt_refill_unread_fields");
    flags_fields_ = read_field_ranges(*master_, "trapeze_rt_flags_fields");
    flags_op_field_ = read_field_ranges(*master_, "trapeze_rt_flags_op_field");
    leave_argument_fields_ = read_field_ranges(*master_, "trapeze_rt_leave_argument_fields");
    tlb_fields_ = read_field_ranges(*master_, "trapeze_rt_tlb_fields");
    if (tlb_fields_.ranges.size() != 1) {
        why = "semantics bitcode: trapeze_rt_tlb_fields does not list the soft TLB";
        return false;
    }
    specialised_fields_ = read_field_ranges(*master_, "trapeze_rt_specialised_fields");
    if (specialised_fields_.ranges.size() != 6 * 6 + 3) {
        why = "semantics bitcode: trapeze_rt_specialised_fields lists " +
              std::to_string(specialised_fields_.ranges.size()) + " fields, not 39";
        return false;
    }
    // llvm-link renames a local symbol that two files define: such names are ambiguous.
    for (Function& f : *master_) {
        StringRef n = f.getName();
        size_t dot = n.rfind('.');
        if (!f.hasLocalLinkage() || dot == StringRef::npos || dot + 1 == n.size()) continue;
        if (n.substr(dot + 1).find_first_not_of("0123456789") == StringRef::npos)
            ambiguous_.insert(n.substr(0, dot).str());
    }

    auto jtmb = orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) {
        why = toString(jtmb.takeError());
        return false;
    }
    // Small code model with PIC: process symbols may be anywhere, reached through the GOT.
    jtmb->setRelocationModel(Reloc::PIC_);
    jtmb->setCodeModel(CodeModel::Small);
    // TRAPEZE_JIT_CG0 / TRAPEZE_JIT_CG2: code generation at -O0 (fast instruction selection
    // and register allocation) or -O2 instead of -O1, for tuning.
    const CodeGenOpt::Level cg_level = std::getenv("TRAPEZE_JIT_CG2")   ? CodeGenOpt::Default
                                       : std::getenv("TRAPEZE_JIT_CG0") ? CodeGenOpt::None
                                                                        : CodeGenOpt::Less;
    jtmb->setCodeGenOptLevel(cg_level);
    // LLVM's default (greedy) register allocator. The basic one compiled twice as fast when
    // every cold path of a trace wrote back the whole dirty state (many long live ranges to
    // split); since the guest registers and flags are written through (promote_cpu_state)
    // the greedy one costs about 5% more compile time and the loop guest runs 20% faster.
    auto tm = jtmb->createTargetMachine();
    if (!tm) {
        why = toString(tm.takeError());
        return false;
    }
    tm_ = std::move(*tm);
    auto jit = orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb).create();
    if (!jit) {
        why = toString(jit.takeError());
        return false;
    }
    jit_ = std::move(*jit);
    jit_->getMainJITDylib().addGenerator(std::make_unique<HostGenerator>());
    if (const char* v = std::getenv("TRAPEZE_JIT_PERFMAP"); v && *v && std::string(v) != "0") {
        const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
        perf_map_ = std::fopen(path.c_str(), "w");
        if (!perf_map_) std::fprintf(stderr, "trapeze: TRAPEZE_JIT_PERFMAP: cannot write %s\n", path.c_str());
    }
    jit_->getObjTransformLayer().setTransform(
        [this](std::unique_ptr<MemoryBuffer> obj) -> Expected<std::unique_ptr<MemoryBuffer>> {
            if (const char* dump = std::getenv("TRAPEZE_JIT_DUMP")) {
                std::error_code ec;
                raw_fd_ostream os(std::string(dump) + "/" + obj->getBufferIdentifier().str() + ".o", ec);
                if (!ec) os << obj->getBuffer();
            }
            if (t_capture_object) t_captured_object = obj->getBuffer().str();
            auto o = object::ObjectFile::createObjectFile(obj->getMemBufferRef());
            if (o) {
                for (const object::SectionRef& s : (*o)->sections())
                    if (s.isText()) t_object_bytes += s.getSize();
            } else {
                consumeError(o.takeError());
            }
            return obj;
        });
    return true;
}

void LlvmBackend::shutdown() {
    {
        std::lock_guard<std::mutex> lock(m_);
        stop_ = true;
    }
    cv_.notify_all();
    loads_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (loader_.joinable()) loader_.join();
    g_shutting_down = true;
    if (TimePassesIsEnabled) reportAndResetTimings();  // TRAPEZE_LLVM_ARGS=-time-passes
}

bool LlvmBackend::use_disk_cache(const std::string& dir, std::string& why) {
    std::lock_guard<std::mutex> lock(m_);
    // Before the first request: what was compiled before would not be kept, and the index
    // (stored_) is read by the engines without a lock once they run.
    if (launched_) {
        why = "too late: the JIT has started";
        return false;
    }
    if (!disk_.open(dir, why)) return false;
    // Everything the code of a trace depends on besides its key: this build (whose handler
    // offsets portable_trace_key uses, and whose backend makes the IR), LLVM, the host CPU
    // the code is generated for (as start() will ask for it) and the tuning knobs.
    const std::string id = build_id_of(reinterpret_cast<const void*>(&trace_key));
    auto host = orc::JITTargetMachineBuilder::detectHost();
    if (id.empty() || !host) {
        if (!host) consumeError(host.takeError());
        why = id.empty() ? "this executable has no GNU build ID to key the cache by" : "cannot identify the host CPU";
        disk_.close();
        return false;
    }
    std::string fp = "build " + id + "\nllvm " LLVM_VERSION_STRING "\ncpu " + host->getCPU() + "\nfeatures " +
                     host->getFeatures().getString() + "\n";
    for (const char* knob : {"TRAPEZE_LLVM_ARGS", "TRAPEZE_JIT_CG0", "TRAPEZE_JIT_CG2", "TRAPEZE_JIT_NOSPECIALISE",
                             "TRAPEZE_JIT_FULL_O2", "TRAPEZE_JIT_NOPROMOTE", "TRAPEZE_JIT_NOBLIND", "TRAPEZE_JIT_NOTHROUGH",
                             "TRAPEZE_JIT_NOPEEL", "TRAPEZE_JIT_NOLICM", "TRAPEZE_JIT_NOLOOPTLB"})
        if (const char* v = std::getenv(knob)) fp += std::string(knob) + "=" + v + "\n";
    if (!disk_.set_fingerprint(std::move(fp), why)) {
        disk_.close();
        return false;
    }
    stored_.clear();
    disk_.scan([this](std::string_view key) {
        StoredTrace t;
        if (!parse_portable_trace_key(key, t.req)) return;
        t.key.assign(key);
        stored_[uint64_t{t.req.cs_base} << 32 | t.req.blocks[0].eip].push_back(std::move(t));
    });
    return true;
}

std::string LlvmBackend::disk_cache_dir() const { return disk_.dir(); }

bool LlvmBackend::reuse_locked(Job& job) {
    auto it = cache_.find(job.key);
    if (it == cache_.end()) return false;
    if (std::shared_ptr<CompiledCode> code = it->second.code.lock()) {
        TraceResult r = it->second.result;
        r.code = std::move(code);
        r.seconds = 0;
        r.reused = true;
        r.from_disk = false;
        recent_.push_back(r.code);  // (keeps it a while even if its blocks go)
        if (recent_.size() > kRecent) recent_.pop_front();
        job.done(std::move(r));  // (the callback takes only its own lock)
        return true;
    }
    cache_.erase(it);
    return false;
}

void LlvmBackend::remember_locked(const std::string& key, const TraceResult& r) {
    CacheEntry& e = cache_[key];
    e.code = r.code;
    e.result = r;
    e.result.code.reset();
    recent_.push_back(r.code);
    if (recent_.size() > kRecent) recent_.pop_front();
    if (cache_.size() > 4 * kRecent)  // forget the entries whose code is gone
        for (auto it = cache_.begin(); it != cache_.end();)
            it = it->second.code.expired() ? cache_.erase(it) : std::next(it);
}

void LlvmBackend::finished_locked(const std::string& key) {
    in_flight_.erase(key);
    bool moved = false;
    for (auto it = deferred_.begin(); it != deferred_.end();) {
        if (it->key != key) {
            ++it;
            continue;
        }
        queue_.push_front(std::move(*it));
        it = deferred_.erase(it);
        moved = true;
    }
    if (moved) cv_.notify_one();
}

std::string LlvmBackend::launch_locked() {
    // LLVM starts with the first request: a run that never gets a block hot never pays for
    // it. Here, not on the compiling thread: LLVM's function-local statics must be
    // constructed before shutdown_backend is registered, so that at exit the threads are
    // joined before they are destroyed.
    if (!launched_ && !stop_) {
        launched_ = true;
        std::string why;
        if (start(why)) {
            std::atexit(shutdown_backend);
            thread_ = std::thread([this] { thread_main(); });
            if (disk_.is_open()) loader_ = std::thread([this] { loader_main(); });
        } else {
            failed_ = "the LLVM JIT cannot start: " + why;
            std::fprintf(stderr, "trapeze: %s (running interpreted)\n", failed_.c_str());
        }
    }
    return failed_;
}

void LlvmBackend::submit(TraceRequest req, std::function<void(TraceResult)> done) {
    enqueue(std::move(req), std::move(done), false);
}

void LlvmBackend::submit_stored(TraceRequest req, std::function<void(TraceResult)> done) {
    enqueue(std::move(req), std::move(done), true);
}

void LlvmBackend::enqueue(TraceRequest req, std::function<void(TraceResult)> done, bool stored) {
    Job job{std::move(req), std::move(done), {}};
    job.key = trace_key(job.req);
    std::string error;
    bool to_loader = false;
    {
        std::lock_guard<std::mutex> lock(m_);
        if (reuse_locked(job)) return;
        error = launch_locked();
        if (error.empty()) {
            to_loader = stored && loader_.joinable();
            (to_loader ? loads_ : queue_).push_back(std::move(job));
        }
    }
    if (!error.empty()) {
        TraceResult r;
        r.error = std::move(error);
        job.done(std::move(r));
        return;
    }
    (to_loader ? loads_cv_ : cv_).notify_one();
}

void LlvmBackend::thread_main() {
    // Warm up before the first real trace needs it: read the executable's symbol table and
    // compile a one-instruction trace (first-use costs of the pass and code generator).
    HostSymbols::get();
    {
        TraceRequest warm;
        x86::DecodedInsn in;
        in.fn = x86::handler_invalid_opcode;
        in.len = 1;
        warm.blocks.push_back({0, {in}, {}, {}});
        compile(warm, false);  // (compiled: it is there to warm up the code generator)
    }
    Job job;
    while (next_job(cv_, queue_, job)) {
        TraceResult r = compile(job.req, true, !job.load_tried);
        {
            std::lock_guard<std::mutex> lock(m_);
            if (r.fn) remember_locked(job.key, r);
            finished_locked(job.key);
        }
        job.done(std::move(r));
    }
}

bool LlvmBackend::next_job(std::condition_variable& cv, std::deque<Job>& q, Job& job) {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
        cv.wait(lock, [this, &q] { return stop_ || !q.empty(); });
        if (stop_) return false;
        job = std::move(q.front());
        q.pop_front();
        if (reuse_locked(job)) continue;
        if (in_flight_.insert(job.key).second) return true;
        deferred_.push_back(std::move(job));  // the other thread has its key: reused after that
    }
}

void LlvmBackend::loader_main() {
    Job job;
    while (next_job(loads_cv_, loads_, job)) {
        const double t0 = thread_cpu_seconds();
        TraceResult r;
        std::string disk_key;
        const bool loaded =
            portable_trace_key(job.req, disk_key) && load_from_disk(disk_key, persisted_name(disk_key), job.req, r);
        r.seconds = thread_cpu_seconds() - t0;
        {
            std::lock_guard<std::mutex> lock(m_);
            finished_locked(job.key);
            if (loaded) {
                remember_locked(job.key, r);
            } else {  // gone or damaged since the index was read: compiled (and stored again)
                job.load_tried = true;
                queue_.push_back(std::move(job));
                cv_.notify_one();
            }
        }
        if (loaded) job.done(std::move(r));
    }
}

Function* LlvmBackend::handler_function(x86::Handler h) {
    auto addr = reinterpret_cast<uintptr_t>(h);
    if (auto it = handler_cache_.find(addr); it != handler_cache_.end()) return it->second;
    Function* found = nullptr;
    const HostSymbols& host = HostSymbols::get();
    for (std::string_view name : host.names_at(addr)) {
        if (host.lookup(name) != addr) continue;  // the executable has two of that name
        std::string n(name);
        if (ambiguous_.count(n) || blacklist_.count(n)) continue;
        Function* f = master_->getFunction(n);
        // Same shape as Handler. (The pointee types may carry llvm-link's ".N" renames, so
        // they are cast at the call.)
        FunctionType* t = f ? f->getFunctionType() : nullptr;
        if (f && !f->isDeclaration() && t->getReturnType()->isVoidTy() && t->getNumParams() == 2 &&
            !t->isVarArg() && t->getParamType(0)->isPointerTy() && t->getParamType(1)->isPointerTy()) {
            found = f;
            break;
        }
    }
    handler_cache_[addr] = found;
    return found;
}


std::unique_ptr<Module> LlvmBackend::build(const TraceRequest& r, const std::string& name, TraceResult& out,
                                           std::string& failed_handler) {
    LLVMContext& C = *ctx_;
    auto M = std::make_unique<Module>(name, C);
    M->setDataLayout(master_->getDataLayout());
    M->setTargetTriple(master_->getTargetTriple());
    Importer imp(*M);
    auto runtime = [&](const char* n) {
        Function* f = master_->getFunction(n);
        auto* nf = cast<Function>(imp.import(f));
        imp.drain();
        return nf;
    };
    Function* rt_enter = runtime("trapeze_rt_enter");
    Function* rt_entered = runtime("trapeze_rt_entered");
    runtime("trapeze_rt_canonical_flags");  // for the entries that need it (optimize)
    Function* rt_missed = runtime("trapeze_rt_missed");
    Function* rt_begin = runtime("trapeze_rt_begin");
    Function* rt_commit = runtime("trapeze_rt_commit");
    Function* rt_icount = runtime("trapeze_rt_icount");
    Function* rt_continued = runtime("trapeze_rt_continued");
    Function* rt_eip = runtime("trapeze_rt_eip");
    Function* rt_next = runtime("trapeze_rt_next");
    Function* rt_chain_target = runtime("trapeze_rt_chain_target");
    Function* rt_chain_trusted = runtime("trapeze_rt_chain_trusted");
    Function* rt_code_mapped = runtime("trapeze_rt_code_mapped");
    Function* rt_code_host = runtime("trapeze_rt_code_host");
    Function* rt_count_entry = runtime("trapeze_rt_count_entry");
    Function* rt_count_transition = runtime("trapeze_rt_count_transition");
    Function* rt_count_jump = runtime("trapeze_rt_count_jump");
    if (!imp.error().empty()) {
        out.error = "trace runtime: " + imp.error();
        return nullptr;
    }

    Type* i32 = Type::getInt32Ty(C);
    Type* i64 = Type::getInt64Ty(C);
    Type* cpu_ptr = rt_enter->getFunctionType()->getParamType(0);
    auto* fty = FunctionType::get(i32, {cpu_ptr, i64, i32}, false);  // x86::NativeTrace
    // The trace is its body T, in the GHC calling convention (no callee-saved registers: a
    // jump from one trace's body to another's, a tail call, then pops and pushes none; the
    // loop guest's helper on another page, two jumps an iteration, ran 325 host
    // instructions an iteration in the C convention), and an entry E in the C convention for
    // the run loop (x86::NativeTrace), which calls T and so saves the registers the run loop
    // expects kept once per entry from the run loop rather than at every trace.
    Function* T = Function::Create(fty, GlobalValue::ExternalLinkage, name, M.get());
    T->setCallingConv(CallingConv::GHC);
    Function* E = Function::Create(fty, GlobalValue::ExternalLinkage, name + "_enter", M.get());
    // Same code generation attributes as the semantics, and unwind tables: guest faults are
    // C++ exceptions thrown through these frames.
    Function* ref = master_->getFunction("trapeze_rt_handler_type");
    for (Function* f : {T, E}) {
        for (const char* a : {"target-cpu", "target-features", "tune-cpu", "frame-pointer"})
            if (ref->hasFnAttribute(a)) f->addFnAttr(ref->getFnAttribute(a));
        f->addFnAttr(Attribute::UWTable);
    }
    T->addFnAttr(Attribute::NoInline);  // E must call it: inlined, E would save nothing for T's jumps
    {
        IRBuilder<> eb(BasicBlock::Create(C, "", E));
        CallInst* call = eb.CreateCall(fty, T, {E->getArg(0), E->getArg(1), E->getArg(2)});
        call->setCallingConv(CallingConv::GHC);
        call->setTailCallKind(CallInst::TCK_NoTail);  // T may clobber what E's caller keeps
        eb.CreateRet(call);
    }

    Argument* cpu = T->getArg(0);
    Argument* entry_icount = T->getArg(1);
    Argument* trusted = T->getArg(2);

    IRBuilder<> b(C);
    auto cast_cpu = [&](Function* f) { return b.CreatePointerCast(cpu, f->getFunctionType()->getParamType(0)); };
    BasicBlock* entry = BasicBlock::Create(C, "entry", T);
    BasicBlock* miss = BasicBlock::Create(C, "miss", T);
    BasicBlock* exit = BasicBlock::Create(C, "exit", T);
    std::vector<BasicBlock*> heads;
    for (size_t j = 0; j < r.blocks.size(); ++j)
        heads.push_back(BasicBlock::Create(C, "b" + std::to_string(j), T));
    const PeelPlan plan = r.loops && !std::getenv("TRAPEZE_JIT_NOPEEL")
                              ? peel_plan(r)
                              : PeelPlan{std::vector<int>(r.blocks.size(), -1), {}, std::vector<bool>(r.blocks.size())};
    const std::vector<bool>& peeled = plan.copied;
    std::vector<BasicBlock*> peel_heads(r.blocks.size(), nullptr);
    for (size_t j = 0; j < r.blocks.size(); ++j)
        if (peeled[j]) peel_heads[j] = BasicBlock::Create(C, "p" + std::to_string(j), T), out.peeled++;
    // Entry: the guard (CS base and limit, SS attributes, flat segments, CPL), then the block
    // whose EIP matches (any block of the trace may be entered: the engine installs the trace
    // in each of them). A caller that knows the guard passes (trusted: a trace jumping here,
    // chain_trusted) goes straight to the block: the EIP is then one of this trace's entries.
    b.SetInsertPoint(entry);
    Value* entry_eip = b.CreateCall(rt_eip, {cast_cpu(rt_eip)});
    BasicBlock* check = BasicBlock::Create(C, "check", T);
    BasicBlock* start = BasicBlock::Create(C, "start", T);
    b.CreateCondBr(b.CreateICmpNE(trusted, b.getInt32(0)), start, check);
    b.SetInsertPoint(check);
    Value* ok = b.CreateCall(rt_enter, {cast_cpu(rt_enter), b.getInt32(r.cs_base), b.getInt32(r.cs_limit), b.getInt16(r.ss_attr),
                                        b.getInt8(r.flat_segs), b.getInt8(r.cpl)});
    BasicBlock* which = BasicBlock::Create(C, "which", T);
    b.CreateCondBr(ok, which, miss);
    b.SetInsertPoint(miss);
    b.CreateRet(b.CreateCall(rt_missed, {cast_cpu(rt_missed), entry_icount}));
    b.SetInsertPoint(exit);
    b.CreateRet(b.getInt32(1));
    // Leaving for a block outside the trace, where the run loop would go straight on: jump
    // to the trace it last entered there, if any (chain_target), as a tail call so that a
    // chain of traces runs in one frame; else return to the run loop.
    BasicBlock* chain = BasicBlock::Create(C, "chain", T);
    BasicBlock* jump = BasicBlock::Create(C, "jump", T);
    b.SetInsertPoint(which);
    SwitchInst* entry_sw = b.CreateSwitch(entry_eip, miss, unsigned(r.blocks.size()));
    b.SetInsertPoint(start);
    b.CreateCall(rt_entered, {cast_cpu(rt_entered)});
    if (r.count_execution) b.CreateCall(rt_count_entry, {cast_cpu(rt_count_entry)});
    // Either way here the EIP is one of the entries (which, or a trusted caller: a trace's
    // TraceJump::spec is recorded only when a call got past which), so the switch needs no
    // default and, for a trace of one block, folds away.
    BasicBlock* nowhere = BasicBlock::Create(C, "nowhere", T);
    SwitchInst* start_sw = b.CreateSwitch(entry_eip, nowhere, unsigned(r.blocks.size()));
    b.SetInsertPoint(nowhere);
    b.CreateUnreachable();
    b.SetInsertPoint(start_sw->getParent());
    // A callee on another page (TraceBlock::code) is no entry, and the blocks that go there
    // go through its check first: its bytes as the run loop would fetch them now must be the
    // ones compiled, else the trace leaves as for a block outside it (`chain`). With the
    // bytes and the mode the same, so are the instructions; the fetch's translation is the
    // CPL's soft-TLB entry for the page either way (TraceRuntime::code_mapped), and the block
    // lies inside the CS limit (the guard's, a constant: TraceRequest::last).
    // A callee's check (TraceBlock::code), in `at`, going on to `to`.
    auto emit_callee_check = [&](size_t k, BasicBlock* at, BasicBlock* to) {
        const TraceBlock& tb = r.blocks[k];
        b.SetInsertPoint(at);
        const uint32_t lin = r.cs_base + tb.eip;
        Value* mapped = b.CreateCall(rt_code_mapped, {cast_cpu(rt_code_mapped), b.getInt32(lin),
                                                      b.getInt32(lin + uint32_t(tb.code.size()) - 1)});
        BasicBlock* compare = BasicBlock::Create(C, "", T);
        b.CreateCondBr(mapped, compare, chain);
        b.SetInsertPoint(compare);
        Value* host = b.CreateCall(rt_code_host, {cast_cpu(rt_code_host), b.getInt32(lin)});
        Value* same = b.getTrue();
        for (size_t at = 0; at < tb.code.size();) {
            const size_t n = std::min<size_t>(8, std::bit_floor(tb.code.size() - at));  // 8, 4, 2 or 1 bytes
            uint64_t want = 0;
            for (size_t i = 0; i < n; ++i) want |= uint64_t{tb.code[at + i]} << (8 * i);
            Type* ty = b.getIntNTy(unsigned(8 * n));
            Value* at_ptr = b.CreateConstGEP1_64(b.getInt8Ty(), host, at);
            LoadInst* got = b.CreateAlignedLoad(ty, b.CreatePointerCast(at_ptr, PointerType::getUnqual(ty)), Align(1));
            same = b.CreateAnd(same, b.CreateICmpEQ(got, ConstantInt::get(ty, want)));
            at += n;
        }
        b.CreateCondBr(same, to, chain);
    };
    std::vector<BasicBlock*> arrivals = heads;
    std::vector<BasicBlock*> peel_arrivals = peel_heads;
    for (size_t k = 0; k < r.blocks.size(); ++k) {
        const TraceBlock& tb = r.blocks[k];
        if (tb.code.empty()) {
            entry_sw->addCase(b.getInt32(tb.eip), start);
            start_sw->addCase(b.getInt32(tb.eip), peeled[k] ? peel_heads[k] : heads[k]);
            continue;
        }
        if (peeled[k]) {
            peel_arrivals[k] = BasicBlock::Create(C, "pcallee" + std::to_string(k), T);
            emit_callee_check(k, peel_arrivals[k], peel_heads[k]);
        }
        arrivals[k] = BasicBlock::Create(C, "callee" + std::to_string(k), T);
        emit_callee_check(k, arrivals[k], heads[k]);
    }
    for (size_t k = 0; k < r.blocks.size(); ++k)
        if (!peeled[k]) peel_arrivals[k] = arrivals[k];

    // Each block, and the second copy of each peeled one (PeelPlan::to_copy says where each
    // one's dispatch goes).
    unsigned serial = 0;
    for (size_t j = 0; j < r.blocks.size(); ++j)
    for (int copy = 0; copy < 2; ++copy) {
        if (copy && !peeled[j]) continue;
        const TraceBlock& tb = r.blocks[j];
        b.SetInsertPoint(copy ? peel_heads[j] : heads[j]);
        uint32_t eip = tb.eip;
        // The count at the block's head; each commit stores it plus the instructions done
        // (TraceRuntime::commit).
        Value* head_icount = b.CreateCall(rt_icount, {cast_cpu(rt_icount)});
        uint64_t done = 0;
        for (const x86::DecodedInsn& in : tb.insns) {
            uint32_t next = eip + in.len;
            b.CreateCall(rt_begin, {cast_cpu(rt_begin), b.getInt32(next)});
            // The instruction as a constant: LLVM folds every operand field.
            const auto* bytes = reinterpret_cast<const uint8_t*>(&in);
            auto* data = ConstantDataArray::get(C, ArrayRef<uint8_t>(bytes, sizeof in));
            auto* gv = new GlobalVariable(*M, data->getType(), true, GlobalValue::PrivateLinkage, data,
                                          "insn" + std::to_string(serial++));
            gv->setAlignment(Align(alignof(x86::DecodedInsn)));
            gv->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
            Function* src = handler_function(in.fn);
            Function* h = nullptr;
            if (src) {
                h = cast<Function>(imp.import(src));
                imp.drain();
                if (!imp.error().empty()) {
                    failed_handler = src->getName().str();
                    out.error = imp.error();
                    return nullptr;
                }
                if (!h->isDeclaration() && !h->hasFnAttribute(Attribute::NoInline))
                    h->addFnAttr(Attribute::AlwaysInline);  // the handler itself, whatever its size
                FunctionType* t = h->getFunctionType();
                b.CreateCall(t, h, {b.CreatePointerCast(cpu, t->getParamType(0)),
                                    ConstantExpr::getPointerCast(gv, t->getParamType(1))});
                out.inlined += !copy;
            } else {
                // Not in the bitcode (e.g. a handler from another library): call it where it is.
                Constant* p = ConstantExpr::getIntToPtr(ConstantInt::get(i64, reinterpret_cast<uint64_t>(in.fn)),
                                                        PointerType::getUnqual(handler_ty_));
                b.CreateCall(handler_ty_, p, {b.CreatePointerCast(cpu, handler_ty_->getParamType(0)),
                                              ConstantExpr::getPointerCast(gv, handler_ty_->getParamType(1))});
                out.called += !copy;
            }
            Value* end = b.CreateCall(rt_commit, {cast_cpu(rt_commit), b.CreateAdd(head_icount, b.getInt64(++done))});
            BasicBlock* cont = BasicBlock::Create(C, "", T);
            b.CreateCondBr(end, exit, cont);
            b.SetInsertPoint(cont);
            b.CreateCall(rt_continued, {cast_cpu(rt_continued)});
            eip = next;
        }
        // Between blocks: where to, then the run loop's checks, then the next block if it
        // is part of this trace.
        Value* target = b.CreateCall(rt_eip, {cast_cpu(rt_eip)});
        // (The run loop executes a block in compiled code only when the whole block fits
        // under the instruction limit, so that run(n) stops after exactly n: next() leaves
        // before any block that might not fit.)
        Value* go = b.CreateCall(rt_next, {cast_cpu(rt_next)});
        BasicBlock* dispatch = BasicBlock::Create(C, "dispatch", T);
        b.CreateCondBr(go, dispatch, exit);
        b.SetInsertPoint(dispatch);
        if (r.count_execution) b.CreateCall(rt_count_transition, {cast_cpu(rt_count_transition)});
        // (After a direct branch LLVM folds the cases the branch cannot take; after an
        // indirect one the cases are the blocks it was seen going to: trace_successors.)
        SwitchInst* sw = b.CreateSwitch(target, chain, unsigned(r.blocks.size()));
        const bool indirect = !tb.insns.empty() && ends_indirect(tb.insns.back());
        const std::vector<size_t> seen = indirect ? trace_successors(r, j) : std::vector<size_t>{};
        for (size_t k = 0; k < r.blocks.size(); ++k)
            if (!indirect || std::find(seen.begin(), seen.end(), k) != seen.end())
                sw->addCase(b.getInt32(r.blocks[k].eip), plan.to_copy(j, copy, k) ? peel_arrivals[k] : arrivals[k]);
    }
    b.SetInsertPoint(chain);
    Value* next_fn = b.CreateCall(rt_chain_target, {cast_cpu(rt_chain_target), b.getInt32(r.code32)});
    b.CreateCondBr(b.CreateIsNull(next_fn), exit, jump);
    b.SetInsertPoint(jump);
    Value* next_trusted = b.CreateCall(rt_chain_trusted, {cast_cpu(rt_chain_trusted)});
    if (r.count_execution) b.CreateCall(rt_count_jump, {cast_cpu(rt_count_jump), next_trusted});
    CallInst* tail = b.CreateCall(fty, b.CreatePointerCast(next_fn, PointerType::getUnqual(fty)),
                                  {cpu, entry_icount, next_trusted});
    tail->setCallingConv(CallingConv::GHC);
    tail->setTailCallKind(CallInst::TCK_MustTail);
    b.CreateRet(tail);

    // Only the two functions built here: the rest of the module are the semantics' functions
    // as imported from the bitcode, which init verified once (verifying them again
    // for every trace was 1.3% of the compile measure, benches/jit-compile-cost.sh).
    std::string err;
    raw_string_ostream es(err);
    if (verifyFunction(*T, &es) || verifyFunction(*E, &es)) {
        out.error = "invalid trace IR: " + es.str();
        return nullptr;
    }
    return M;
}

// What a memory access in a trace touches, by the object its address is based on. Guest
// memory (host pointers the soft TLB hands out: inttoptr of a computed address), the CPU
// object (the trace's argument) and the counters (inttoptr of a constant) are disjoint;
// telling LLVM so lets it keep guest registers, EIP, the instruction count
// and end_block in host registers across guest loads and stores. Accesses it cannot place
// (through pointers loaded from memory, for instance) are left alone.
enum class Region { kUnknown, kCpu, kGuest, kCounters };

// Whether an integer may carry a pointer's value (a ptrtoint somewhere in the expression that
// computes it). Loads and calls end the search (a value from memory, e.g. a TLB addend or a
// guest register), and so do arguments and constants; phis are followed. Guest addresses are long
// expressions (segment base + registers + displacement, through selects and phis of promoted
// registers), so the walk is over the whole expression graph with a visited set; only a graph
// larger than the budget is answered conservatively.
bool derived_from_pointer(const Value* root) {
    SmallPtrSet<const Value*, 32> seen;
    SmallVector<const Value*, 32> work{root};
    while (!work.empty()) {
        const Value* v = work.pop_back_val();
        if (!seen.insert(v).second) continue;
        if (seen.size() > 2048) return true;
        if (isa<PtrToIntOperator>(v)) return true;
        // A call's integer result is a value from memory too: the out-of-line accessors
        // (read_slow and the like) return guest data, never the address of host state.
        if (isa<LoadInst>(v) || isa<CallBase>(v) || isa<Argument>(v) || (isa<Constant>(v) && !isa<ConstantExpr>(v)))
            continue;
        if (const auto* phi = dyn_cast<PHINode>(v)) {
            for (const Value* in : phi->incoming_values()) work.push_back(in);
            continue;
        }
        if (const auto* u = dyn_cast<Operator>(v)) {
            for (const Value* op : u->operands()) work.push_back(op);
            continue;
        }
    }
    return false;
}

Region classify(const Value* ptr, const Argument* cpu) {
    const Value* obj = getUnderlyingObject(ptr, 0);
    if (obj == cpu) return Region::kCpu;
    if (const auto* c = dyn_cast<ConstantExpr>(obj))
        if (c->getOpcode() == Instruction::IntToPtr && isa<ConstantInt>(c->getOperand(0))) return Region::kCounters;
    if (const auto* i = dyn_cast<IntToPtrInst>(obj))
        if (!derived_from_pointer(i->getOperand(0))) return Region::kGuest;
    return Region::kUnknown;
}

// Returns the CPU object's scope (promote_cpu_state skips alias queries for the others).
MDNode* annotate_aliasing(Function& f) {
    LLVMContext& C = f.getContext();
    MDBuilder mdb(C);
    MDNode* domain = mdb.createAnonymousAliasScopeDomain("trapeze.trace");
    constexpr int kRegions = 4;
    MDNode* scopes[kRegions] = {nullptr};
    const char* names[kRegions] = {"", "cpu", "guest", "counters"};
    for (int k = 1; k < kRegions; ++k) scopes[k] = mdb.createAnonymousAliasScope(domain, names[k]);
    MDNode* scope_list[kRegions] = {nullptr};
    MDNode* noalias_list[kRegions] = {nullptr};
    for (int k = 1; k < kRegions; ++k) {
        scope_list[k] = MDNode::get(C, {scopes[k]});
        SmallVector<Metadata*, 4> others;
        for (int o = 1; o < kRegions; ++o)
            if (o != k) others.push_back(scopes[o]);
        noalias_list[k] = MDNode::get(C, others);
    }
    const Argument* cpu = f.getArg(0);
    for (Instruction& i : instructions(f)) {
        const Value* ptr = nullptr;
        if (auto* l = dyn_cast<LoadInst>(&i)) ptr = l->getPointerOperand();
        else if (auto* s = dyn_cast<StoreInst>(&i)) ptr = s->getPointerOperand();
        if (!ptr) continue;
        int k = int(classify(ptr, cpu));
        if (k == 0) continue;
        i.setMetadata(LLVMContext::MD_alias_scope, scope_list[k]);
        i.setMetadata(LLVMContext::MD_noalias, noalias_list[k]);
    }
    return scopes[int(Region::kCpu)];
}

// Keeps the CPU's state in host registers through a trace. Every field of the X86Cpu that the
// trace accesses at a constant offset (guest registers, EIP, next_eip, the instruction count,
// end_block, the lazy flags...) is promoted to SSA values: loaded once at entry, written back
// to the object only before something that may read it (an out-of-line call such as a TLB
// miss or the raising of a fault, an overlapping access) and at the exits, and reloaded after
// something that may write it. So the state is committed exactly where anything can observe
// it, as execute_block commits it, but the straight-line fast path runs without the stores.
// Alias questions go to LLVM's alias analysis (struct layout, and the regions marked by
// annotate_aliasing).
//
// Fields in `unpromoted` (the -d jit counters: trapeze_rt_unpromoted_fields) stay in memory.
// Fields in `write_through` (the guest registers, the lazy flags:
// jit_runtime.cpp, trapeze_rt_write_through_fields) are still read from host registers, but
// every store of the trace also goes to the object, so no write-back is ever needed for them.
// A trace has one or two cold paths per guest instruction (a TLB miss, a fault), each of
// which would otherwise store every dirty field: those write-backs were most of a trace's
// code, and code generation time grows with the code. One store where the guest writes a
// register costs the hot path little. EIP, next_eip, the instruction count and end_block
// stay write-back: they change at every instruction, and their write-backs are stores of
// constants or of one register.
class Promoter final : public LoadAndStorePromoter {
public:
    Promoter(ArrayRef<const Instruction*> insts, SSAUpdater& ssa, const SmallPtrSetImpl<Instruction*>& set)
        : LoadAndStorePromoter(insts, ssa), set_(set) {}
    bool isInstInList(Instruction* i, const SmallVectorImpl<Instruction*>&) const override { return set_.count(i); }

private:
    const SmallPtrSetImpl<Instruction*>& set_;
};

// The name of the function a direct call calls, or "".
StringRef callee_name(const Instruction& i) {
    const auto* call = dyn_cast<CallInst>(&i);
    const Function* callee = call ? call->getCalledFunction() : nullptr;
    return callee ? callee->getName() : StringRef();
}

// The out-of-line memory accessors (X86Cpu::read_slow, write_slow, read_linear_slow,
// write_linear_slow): they never write the blind fields, so a trace needs no reload of those
// after the call (it still writes them back before: a guest fault raised inside reads them).
bool is_memory_accessor(const Instruction& i) {
    StringRef n = callee_name(i);
    return n.startswith("_ZN7trapeze3x866X86Cpu") && (n.contains("16read_linear_slowE") || n.contains("17write_linear_slowE") ||
                                                  n.contains("9read_slowE") || n.contains("10write_slowE"));
}

// X86Cpu::tlb_refill, a compiled access's slow side (isa/x86/cpu.h, TRAPEZE_TRACE_BITCODE):
// it reads the segment and paging state and fills a soft-TLB entry, and never throws, so the
// guest registers, EIP and the instruction count need no write-back before it.
bool is_tlb_refill(const Instruction& i) {
    return callee_name(i).startswith("_ZN7trapeze3x866X86Cpu10tlb_refillE");
}

// X86Cpu::make_flags_eager (TraceRuntime::canonical_flags): reads and writes the lazy
// flags, nothing else, and never throws.
bool is_make_flags_eager(const Instruction& i) {
    return callee_name(i).startswith("_ZN7trapeze3x866X86Cpu16make_flags_eagerE");
}

bool is_trace_leave(const Instruction& i) {
    return callee_name(i).startswith("_ZN7trapeze3x866X86Cpu20leave_to_interpreterE");
}

// A trace that writes the lazy flags through to memory leaves them there: its leaves (the
// semantics call X86Cpu::leave_to_interpreter's second form, with the flags as arguments)
// become calls of the first form. (Kept, their loads would be promoted like any other and the
// flags merged as phis into the one shared leave: 12% more compile time for the same code.)
void leave_without_flags(Module& m, Function& f) {
    SmallVector<CallInst*, 32> calls;
    for (Instruction& i : instructions(f))
        if (auto* call = dyn_cast<CallInst>(&i); call && is_trace_leave(*call) && call->arg_size() > 3)
            calls.push_back(call);
    if (calls.empty()) return;
    FunctionType* with = calls.front()->getFunctionType();
    auto* ty = FunctionType::get(Type::getVoidTy(m.getContext()),
                                 {with->getParamType(0), with->getParamType(1), with->getParamType(2)}, false);
    FunctionCallee plain = m.getOrInsertFunction("_ZN7trapeze3x866X86Cpu20leave_to_interpreterEjm", ty);
    if (auto* fn = dyn_cast<Function>(plain.getCallee())) fn->setDoesNotReturn();
    for (CallInst* call : calls) {
        IRBuilder<> b(call);
        CallInst* now = b.CreateCall(plain, {call->getArgOperand(0), call->getArgOperand(1), call->getArgOperand(2)});
        now->setDoesNotReturn();
        SmallVector<Value*, 8> flags(call->arg_begin() + 3, call->arg_end());
        call->eraseFromParent();
        for (Value* v : flags) RecursivelyDeleteTriviallyDeadInstructions(v);
    }
}

// The byte offset in the CPU object (the trace function's first argument, cpu) that ptr
// points at, when it is cpu plus a constant.
std::optional<int64_t> cpu_field_offset(const Value* ptr, const Value* cpu, const DataLayout& dl) {
    APInt off(dl.getIndexTypeSizeInBits(ptr->getType()), 0);
    if (ptr->stripAndAccumulateConstantOffsets(dl, off, true) != cpu) return std::nullopt;
    return off.getSExtValue();
}

// Whether v reaches only leaves (X86Cpu::leave_to_interpreter's arguments), through casts.
bool only_leave_argument(const Value* v) {
    for (const User* u : v->users()) {
        if (const auto* i = dyn_cast<Instruction>(u); i && is_trace_leave(*i)) continue;
        if (isa<CastInst>(u) && only_leave_argument(u)) continue;
        return false;
    }
    return true;
}

// The blocks of the trace (successors of the entry's switch, ending `start`) that, entered from the run loop or another trace, may read the lazy flags' op before
// anything sets it: along some path from the block's head, through the blocks after it, a
// load of the op that is more than a leave's argument comes before a store of it. Their
// entry edges get TraceRuntime::canonical_flags. Decides speed only: the canonical flags
// are the same flags.
SmallVector<BasicBlock*, 8> blocks_reading_entry_flags(BasicBlock& start, int64_t op_offset) {
    Function& f = *start.getParent();
    const DataLayout& dl = f.getParent()->getDataLayout();
    const Argument* cpu = f.getArg(0);
    SmallVector<BasicBlock*, 8> out;
    if (!isa<SwitchInst>(start.getTerminator())) return out;
    // 1 a load of the op, 2 a store, 0 neither.
    auto op_access = [&](const Instruction& i) {
        const Value* ptr = getLoadStorePointerOperand(&i);
        if (!ptr) return 0;
        const std::optional<int64_t> at = cpu_field_offset(ptr, cpu, dl);
        if (!at) return 0;
        Type* ty = isa<LoadInst>(i) ? i.getType() : cast<StoreInst>(i).getValueOperand()->getType();
        const int64_t lo = *at, end = lo + int64_t(dl.getTypeStoreSize(ty));
        if (op_offset < lo || op_offset >= end) return 0;
        return isa<LoadInst>(i) ? 1 : 2;
    };
    // Per LLVM block, once: 1 it reads the op first, 2 it sets it first, 0 neither.
    DenseMap<const BasicBlock*, int> first;
    auto first_access = [&](const BasicBlock* bb) {
        auto [it, fresh] = first.try_emplace(bb, 0);
        if (fresh)
            for (const Instruction& i : *bb) {
                const int a = op_access(i);
                if (a == 2 || (a == 1 && !only_leave_argument(&i))) {
                    it->second = a;
                    break;
                }
            }
        return it->second;
    };
    SmallPtrSet<const BasicBlock*, 8> heads;
    for (BasicBlock* head : successors(&start)) {
        if (!heads.insert(head).second) continue;
        SmallPtrSet<const BasicBlock*, 32> seen;
        SmallVector<const BasicBlock*, 32> work{head};
        bool reads = false;
        while (!work.empty() && !reads) {
            const BasicBlock* bb = work.pop_back_val();
            if (!seen.insert(bb).second) continue;
            const int a = first_access(bb);
            if (a == 1) reads = true;
            if (a == 0)
                for (const BasicBlock* next : successors(bb)) work.push_back(next);
        }
        if (reads) out.push_back(head);
    }
    return out;
}

// The values v may have, when it is a constant or a web of phis of constants (through casts
// at the top): empty if anything else feeds it or the web is larger than the budget.
SmallVector<ConstantInt*, 8> constants_of(Value* v) {
    SmallVector<Instruction::CastOps, 2> casts;
    SmallVector<Type*, 2> types;
    while (auto* cast = dyn_cast<CastInst>(v)) {
        casts.push_back(cast->getOpcode());
        types.push_back(cast->getType());
        v = cast->getOperand(0);
    }
    SmallPtrSet<Value*, 16> seen;
    SmallVector<Value*, 16> work{v};
    SmallVector<ConstantInt*, 8> out;
    while (!work.empty()) {
        Value* x = work.pop_back_val();
        if (!seen.insert(x).second) continue;
        if (seen.size() > 64) return {};
        if (auto* k = dyn_cast<ConstantInt>(x)) {
            Constant* c = k;
            for (size_t i = casts.size(); i-- > 0;) c = ConstantExpr::getCast(casts[i], c, types[i]);
            auto* ci = dyn_cast<ConstantInt>(c);
            if (!ci) return {};
            if (std::find(out.begin(), out.end(), ci) == out.end()) out.push_back(ci);
        } else if (auto* phi = dyn_cast<PHINode>(x)) {
            for (Value* in : phi->incoming_values()) work.push_back(in);
        } else {
            return {};
        }
    }
    return out;
}

// A switch on a value that can only be one of a few constants (after promotion, the lazy-flags
// op in a looping trace whose entries into the block make the flags canonical, and whose other
// paths there set the op): the cases it cannot take go, and so does the default when the cases
// cover every value, so that SimplifyCFG makes a branch or a select of what is left
// (compute_carry's jump table of twelve cases was most of a DEC's code in gzip's
// longest_match loop). Returns the cases dropped.
unsigned prune_switch_cases(Function& f) {
    unsigned pruned = 0;
    for (BasicBlock& bb : f) {
        auto* sw = dyn_cast<SwitchInst>(bb.getTerminator());
        if (!sw) continue;
        SmallVector<ConstantInt*, 8> values = constants_of(sw->getCondition());
        if (values.empty()) continue;
        bool covered = true;
        for (ConstantInt* v : values)
            if (sw->findCaseValue(v) == sw->case_default()) covered = false;
        for (auto it = sw->case_begin(); it != sw->case_end();) {
            if (std::find(values.begin(), values.end(), it->getCaseValue()) != values.end()) {
                ++it;
                continue;
            }
            it->getCaseSuccessor()->removePredecessor(&bb, true);
            it = sw->removeCase(it);
            ++pruned;
        }
        if (covered && !isa<UnreachableInst>(sw->getDefaultDest()->getFirstNonPHIOrDbg())) {
            BasicBlock* none = BasicBlock::Create(f.getContext(), "impossible", &f);
            new UnreachableInst(f.getContext(), none);
            sw->getDefaultDest()->removePredecessor(&bb, true);
            sw->setDefaultDest(none);
        }
    }
    return pruned;
}

// After promotion, a leave (X86Cpu::leave_to_interpreter) with nothing to write back first is
// a block of its own holding the call and `unreachable`, one per memory access: they become
// one block, their arguments phis, so that an access adds one block (tlb_refill's) to the
// trace instead of two. An argument a leave loads from the CPU object (a lazy-flags field the
// trace never writes, which promotion left a load) is loaded once in the shared block when
// every leave loads the same field for it: nothing is stored between the leave's branch and
// the shared block, so the load reads what it would have read in the leave's own block.
void merge_trace_leaves(Function& f) {
    const DataLayout& dl = f.getParent()->getDataLayout();
    const Argument* cpu = f.getArg(0);
    // The CPU field a load reads (its byte offset), if it is one.
    auto cpu_field = [&](const Value* v) -> std::optional<int64_t> {
        const auto* load = dyn_cast<LoadInst>(v);
        if (!load || !load->isSimple()) return std::nullopt;
        return cpu_field_offset(load->getPointerOperand(), cpu, dl);
    };
    struct Leave {
        CallInst* call;
        BasicBlock* pred;                                 // the one block that branches to it
        SmallVector<std::optional<int64_t>, 12> loaded;  // per argument: the CPU field it loads
    };
    SmallVector<Leave, 64> leaves;
    for (BasicBlock& bb : f) {
        auto* call = dyn_cast_or_null<CallInst>(bb.getTerminator()->getPrevNode());
        if (!call || !is_trace_leave(*call) || !isa<UnreachableInst>(bb.getTerminator()) || bb.hasAddressTaken())
            continue;
        // (One form of leave_to_interpreter per trace, leave_without_flags: any other stays.)
        if (!leaves.empty() && call->getCalledOperand() != leaves.front().call->getCalledOperand()) continue;
        // What computes the arguments (the count plus the instruction's offset) can move up
        // into the one block that branches here (below, once the leave is known to merge);
        // a load of a CPU field that is an argument is done once in the shared block;
        // anything else keeps the leave on its own.
        BasicBlock* pred = bb.getSinglePredecessor();
        bool movable = pred != nullptr;
        Leave l{call, pred, {}};
        for (Use& a : call->args()) {
            const auto* load = dyn_cast<LoadInst>(a.get());
            l.loaded.push_back(load && load->getParent() == &bb ? cpu_field(load) : std::nullopt);
        }
        SmallPtrSet<const Instruction*, 8> loads;
        for (unsigned k = 0; k < l.loaded.size(); ++k)
            if (l.loaded[k]) loads.insert(cast<Instruction>(call->getArgOperand(k)));
        for (Instruction& i : bb) {
            if (&i == call) break;
            if (loads.count(&i)) {
                if (!i.hasOneUse()) movable = false;
                continue;
            }
            if (isa<PHINode>(i) || i.mayHaveSideEffects() || i.mayReadFromMemory()) movable = false;
        }
        if (movable) leaves.push_back(std::move(l));
    }
    // An argument is loaded in the shared block when every leave loads the same field for it;
    // a leave that loads one where the others do not stays on its own.
    const unsigned nargs = leaves.empty() ? 0 : unsigned(leaves.front().loaded.size());
    SmallVector<std::optional<int64_t>, 12> shared_load(nargs);
    for (unsigned k = 0; k < nargs; ++k) {
        shared_load[k] = leaves.front().loaded[k];
        for (const Leave& l : leaves)
            if (l.loaded[k] != shared_load[k]) shared_load[k].reset();
    }
    auto fits = [&](const Leave& l) {
        for (unsigned k = 0; k < nargs; ++k)
            if (bool(l.loaded[k]) != bool(shared_load[k])) return false;
        return true;
    };
    leaves.erase(std::remove_if(leaves.begin(), leaves.end(), [&](const Leave& l) { return !fits(l); }), leaves.end());
    if (leaves.size() < 2) return;
    // The arguments' computations move up into each leave's predecessor (only now that the
    // leave is known to merge: the predecessor is on the fast path); the loads go.
    for (const Leave& l : leaves) {
        BasicBlock* bb = l.call->getParent();
        for (Instruction* i = &bb->front(); i != l.call;) {
            Instruction* next = i->getNextNode();
            if (!isa<LoadInst>(i)) i->moveBefore(l.pred->getTerminator());
            i = next;
        }
    }
    CallInst* first = leaves.front().call;
    BasicBlock* shared = BasicBlock::Create(f.getContext(), "leave", &f);
    IRBuilder<> b(shared);
    SmallVector<Value*, 12> args(nargs, nullptr);
    SmallVector<PHINode*, 12> phis(nargs, nullptr);
    // The phis first (a block's phis come before anything else), then the shared loads.
    for (unsigned k = 0; k < nargs; ++k)
        if (!shared_load[k]) args[k] = phis[k] = b.CreatePHI(first->getArgOperand(k)->getType(), unsigned(leaves.size()));
    for (unsigned k = 0; k < nargs; ++k) {
        if (!shared_load[k]) continue;
        auto* load = cast<LoadInst>(first->getArgOperand(k));
        Value* at = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), b.CreatePointerCast(const_cast<Argument*>(cpu), b.getInt8PtrTy()),
                                                 uint64_t(*shared_load[k]));
        LoadInst* again = b.CreateLoad(load->getType(), b.CreatePointerCast(at, load->getPointerOperandType()));
        again->setAlignment(load->getAlign());
        again->copyMetadata(*load);
        args[k] = again;
    }
    CallInst* call = b.CreateCall(first->getFunctionType(), first->getCalledOperand(), args);
    call->setAttributes(first->getAttributes());
    call->setCallingConv(first->getCallingConv());
    b.CreateUnreachable();
    for (const Leave& l : leaves) {
        BasicBlock* bb = l.call->getParent();
        SmallVector<BasicBlock*, 4> preds(predecessors(bb));
        for (BasicBlock* pred : preds) {
            for (unsigned k = 0; k < nargs; ++k)
                if (phis[k]) phis[k]->addIncoming(l.call->getArgOperand(k), pred);
            pred->getTerminator()->replaceSuccessorWith(bb, shared);
        }
        bb->eraseFromParent();
    }
}

// The known bits of v, or of each value a phi v merges (computeKnownBits looks one level
// into a phi's values only: the same entry offset computed on both sides of a segment check
// and merged after it would be unknown).
KnownBits known_bits_through_phi(const Value* v, const DataLayout& dl) {
    const auto* phi = dyn_cast<PHINode>(v);
    if (!phi || phi->getNumIncomingValues() == 0 || phi->getNumIncomingValues() > 4) return computeKnownBits(v, dl);
    KnownBits all = computeKnownBits(phi->getIncomingValue(0), dl);
    for (unsigned k = 1; k < phi->getNumIncomingValues(); ++k)
        all = KnownBits::commonBits(all, computeKnownBits(phi->getIncomingValue(k), dl));
    return all;
}

// An access to an element of an array member of the CPU object (a soft-TLB entry, a
// trace_jumps_ entry): `getelementptr inbounds cpu, 0, <constant path>, i, ...` where i, the
// first index that is not a constant, and every index after it that is not a constant, are
// known to lie inside their arrays. The whole array i indexes is then the region the access
// may touch, [lo, lo + size) bytes into the object, and whether it overlaps a promoted field
// is a subtraction, not an alias-analysis query (those queries, about 45,000 for 25
// early-boot traces, were 5% of the compile time).
//
// Also the byte form of the same (`getelementptr inbounds i8, <cpu + constant>, v`, as
// X86Cpu::tlb_host computes a soft-TLB entry's address from the linear address with one shift
// and one mask): the region is [constant + min v, constant + max v + access) with v's bounds
// from its known bits, when those leave it under 64 KB wide.
bool cpu_array_region(const Value* ptr, const Value* cpu, const DataLayout& dl, uint64_t access, uint64_t& lo,
                      uint64_t& size) {
    const auto* gep = dyn_cast<GEPOperator>(ptr->stripPointerCasts());
    if (!gep || !gep->isInBounds()) return false;
    if (gep->getSourceElementType()->isIntegerTy(8) && gep->getNumIndices() == 1 &&
        !isa<ConstantInt>(gep->getOperand(1))) {
        // The base: the CPU object plus a constant, or an array region of it (the soft TLB of
        // the CPL, before promotion makes the CPL a constant).
        const Value* bp = gep->getPointerOperand();
        APInt base(dl.getIndexTypeSizeInBits(bp->getType()), 0);
        uint64_t blo = 0, bsize = 0;
        if (bp->stripAndAccumulateConstantOffsets(dl, base, true) == cpu) {
            if (base.isNegative()) return false;
            blo = base.getZExtValue();
        } else if (!cpu_array_region(bp, cpu, dl, 0, blo, bsize)) {
            return false;
        }
        const KnownBits kb = known_bits_through_phi(gep->getOperand(1), dl);
        if (!kb.isNonNegative() || kb.getMaxValue().ugt(0xFFFF)) return false;
        lo = blo + kb.getMinValue().getZExtValue();
        size = bsize + kb.getMaxValue().getZExtValue() - kb.getMinValue().getZExtValue() + access;
        return true;
    }
    if (gep->getPointerOperand()->stripPointerCasts() != cpu) {
        // A constant step from such a region (a field of a soft-TLB entry addressed in bytes).
        APInt step(dl.getIndexTypeSizeInBits(gep->getType()), 0);
        uint64_t blo = 0, bsize = 0;
        if (!gep->accumulateConstantOffset(dl, step) || step.isNegative() ||
            !cpu_array_region(gep->getPointerOperand(), cpu, dl, 0, blo, bsize))
            return false;
        lo = blo + step.getZExtValue();
        size = bsize + access;
        return true;
    }
    uint64_t off = 0;
    Type* cur = gep->getSourceElementType();  // the aggregate the next index selects in
    bool first = true, found = false;
    for (auto it = gep_type_begin(gep), end = gep_type_end(gep); it != end; ++it, first = false) {
        const auto* c = dyn_cast<ConstantInt>(it.getOperand());
        if (first) {
            if (!c || !c->isZero()) return false;  // the object itself, not one beside it
        } else if (StructType* st = it.getStructTypeOrNull()) {
            const unsigned field = unsigned(c->getZExtValue());  // (struct indices are constants)
            off += dl.getStructLayout(st)->getElementOffset(field);
            cur = st->getElementType(field);
        } else {
            auto* array = dyn_cast<ArrayType>(cur);
            if (!array) return false;
            if (c ? c->getValue().uge(array->getNumElements())
                  : computeKnownBits(it.getOperand(), dl).getMaxValue().uge(array->getNumElements()))
                return false;
            if (!c && !found) {
                found = true;
                lo = off;
                size = dl.getTypeAllocSize(array);
            }
            if (c) off += c->getZExtValue() * dl.getTypeAllocSize(it.getIndexedType());
            cur = it.getIndexedType();
        }
    }
    return found;  // (all constant: stripAndAccumulateConstantOffsets placed it)
}

// Instructions that touch no memory, by their opcode alone (Instruction::mayReadOrWriteMemory
// is an out-of-line call, and promote_cpu_state's scans ask it of every instruction for every
// field: 2.5% of the compile time).
bool never_touches_memory(const Instruction& i) {
    return isa<BinaryOperator>(i) || isa<CastInst>(i) || isa<CmpInst>(i) || isa<GetElementPtrInst>(i) ||
           isa<PHINode>(i) || isa<SelectInst>(i) || isa<BranchInst>(i) || isa<SwitchInst>(i);
}

void promote_cpu_state(Function& f, AAResults& aa, const MDNode* cpu_scope, const FieldRanges& blind_fields,
                       const FieldRanges& unread_fields, const FieldRanges& false_in_memory,
                       const FieldRanges& write_through, const FieldRanges& unpromoted,
                       const FieldRanges& refill_unread, const FieldRanges& leave_arguments,
                       const FieldRanges& flags, const std::vector<FieldConstant>& constants) {
    const DataLayout& dl = f.getParent()->getDataLayout();
    Argument* cpu = f.getArg(0);
    for (Instruction& i : instructions(f))
        if (isa<InvokeInst>(i) || isa<CallBrInst>(i)) return;  // no unwinding edges to follow
    struct Loc {
        Value* ptr = nullptr;
        Type* ty = nullptr;
        std::vector<Instruction*> accesses;
        unsigned stores = 0;
    };
    std::map<std::pair<int64_t, Type*>, Loc> locs;
    for (Instruction& i : instructions(f)) {
        Value* ptr = nullptr;
        Type* ty = nullptr;
        bool simple = true;
        if (auto* l = dyn_cast<LoadInst>(&i)) {
            ptr = l->getPointerOperand();
            ty = l->getType();
            simple = l->isSimple();
        } else if (auto* st = dyn_cast<StoreInst>(&i)) {
            ptr = st->getPointerOperand();
            ty = st->getValueOperand()->getType();
            simple = st->isSimple();
        }
        if (!ptr) continue;
        const std::optional<int64_t> at = cpu_field_offset(ptr, cpu, dl);
        if (!at) continue;
        if (!simple) return;  // volatile or atomic CPU state: leave the function alone
        Loc& loc = locs[{*at, ty}];
        if (!loc.ptr) {
            loc.ptr = ptr;
            loc.ty = ty;
        }
        loc.accesses.push_back(&i);
        if (isa<StoreInst>(i)) loc.stores++;
    }
    // What each instruction touches, worked out once for all fields: most of a trace's
    // memory instructions are accesses to the CPU object at a constant offset (whose overlap
    // with a field is a subtraction) or to a region annotate_aliasing marked as disjoint from
    // it (guest memory, the counters); only the rest (calls, accesses it could not place)
    // go to alias analysis, whose queries were most of this function's time. The two calls of
    // a compiled access's slow side, tlb_refill and leave_to_interpreter, are told apart here
    // too.
    struct Touch {
        enum Kind : uint8_t { kNone, kCpuField, kElsewhere, kAsk, kRefill, kLeave, kFlagsEager } kind = kNone;
        bool writes = false;
        int64_t off = 0;
        uint64_t size = 0;
    };
    DenseMap<const Instruction*, Touch> touches;
    auto touch = [&](Instruction& i) -> const Touch& {
        auto [it, fresh] = touches.try_emplace(&i);
        if (!fresh) return it->second;
        Touch t;
        if (!i.mayReadOrWriteMemory()) {
            t.kind = Touch::kNone;
        } else if (isa<LoadInst>(i) || isa<StoreInst>(i)) {
            const Value* ptr = getLoadStorePointerOperand(&i);
            Type* ty = isa<LoadInst>(i) ? i.getType() : cast<StoreInst>(i).getValueOperand()->getType();
            const MDNode* scopes = i.getMetadata(LLVMContext::MD_alias_scope);
            uint64_t lo = 0, size = 0;
            if (const std::optional<int64_t> at = cpu_field_offset(ptr, cpu, dl)) {
                t = {Touch::kCpuField, isa<StoreInst>(i), *at, uint64_t(dl.getTypeStoreSize(ty))};
            } else if (cpu_array_region(ptr, cpu, dl, dl.getTypeStoreSize(ty), lo, size)) {
                t = {Touch::kCpuField, isa<StoreInst>(i), int64_t(lo), size};
            } else if (scopes && cpu_scope && !is_contained(scopes->operands(), cpu_scope)) {
                t.kind = Touch::kElsewhere;
            } else {
                t.kind = Touch::kAsk;
            }
        } else if (is_tlb_refill(i)) {
            t.kind = Touch::kRefill;
        } else if (is_trace_leave(i)) {
            t.kind = Touch::kLeave;
        } else if (is_make_flags_eager(i)) {
            t.kind = Touch::kFlagsEager;
        } else {
            t.kind = Touch::kAsk;
        }
        return it->second = t;
    };
    BasicBlock& entry = f.getEntryBlock();
    for (auto& [key, loc] : locs) {
        if (unpromoted.covers(key.first, dl.getTypeStoreSize(loc.ty))) continue;
        // A field the trace is specialised on starts as its constant (the entry guard checked
        // it), so its loads fold until something writes it.
        Constant* known = nullptr;
        for (const FieldConstant& k : constants)
            if (k.offset == key.first && loc.ty->isIntegerTy() && dl.getTypeStoreSize(loc.ty) == k.size)
                known = ConstantInt::get(loc.ty, k.value);
        if (!known && loc.accesses.size() < 2) continue;
        const uint64_t size = dl.getTypeStoreSize(loc.ty);
        const bool through = write_through.covers(key.first, size);
        // A field the trace only reads stays a load, but for the written-through ones (the
        // guest registers and lazy flags): an address such as [ebp-8] would otherwise start
        // with a load of EBP after every slow path, lengthening each guest access's chain
        // (docs/jit.md: on benches/mpi_loop.asm 320 against 370 host instructions an
        // iteration, 2.06 against 2.44 s). Every read-only field promoted cost 17% more
        // compile time for 23% more code.
        if (!known && loc.stores == 0 && !through) continue;
        // The location without its type-based tag: only layout and regions decide aliasing.
        AAMDNodes md = loc.accesses.front()->getAAMetadata();
        md.TBAA = nullptr;
        md.TBAAStruct = nullptr;
        const MemoryLocation ml(loc.ptr, LocationSize::precise(dl.getTypeStoreSize(loc.ty)), md);
        // The pointer must be available everywhere: rematerialise it at the entry.
        IRBuilder<> b(&*entry.getFirstInsertionPt());
        Type* i8p = Type::getInt8PtrTy(f.getContext());
        Value* p = b.CreateBitCast(
            b.CreateConstInBoundsGEP1_64(Type::getInt8Ty(f.getContext()), b.CreateBitCast(cpu, i8p), uint64_t(key.first)),
            PointerType::getUnqual(loc.ty));
        SmallPtrSet<Instruction*, 32> in_list(loc.accesses.begin(), loc.accesses.end());
        const bool blind = blind_fields.covers(key.first, size);
        const bool unread = blind && unread_fields.covers(key.first, size);
        const bool holds_false = false_in_memory.covers(key.first, size);
        std::vector<Instruction*> syncs_before, syncs_after;
        for (Instruction& i : instructions(f)) {
            if (never_touches_memory(i)) continue;  // (most: no lookup for them)
            if (in_list.count(&i)) continue;
            if (isa<ReturnInst>(i)) {
                syncs_before.push_back(&i);
                continue;
            }
            // A compiled access's slow side writes none of the promoted fields (no reload
            // after it) and reads some: tlb_refill the segment and paging state, and
            // leave_to_interpreter, which hands the run loop the state, all but EIP and the
            // count it is given.
            const Touch& t = touch(i);
            if (t.kind == Touch::kRefill) {
                if (!refill_unread.covers(key.first, size)) syncs_before.push_back(&i);
                continue;
            }
            if (t.kind == Touch::kLeave) {
                if (!leave_arguments.covers(key.first, size)) syncs_before.push_back(&i);
                continue;
            }
            if (t.kind == Touch::kFlagsEager) {
                if (flags.covers(key.first, size)) {
                    syncs_before.push_back(&i);
                    syncs_after.push_back(&i);
                }
                continue;
            }
            if (t.kind == Touch::kNone || t.kind == Touch::kElsewhere) continue;
            if (t.kind == Touch::kCpuField) {
                if (t.off < key.first + int64_t(size) && key.first < t.off + int64_t(t.size)) {
                    syncs_before.push_back(&i);
                    if (t.writes) syncs_after.push_back(&i);
                }
                continue;
            }
            if (blind && is_memory_accessor(i)) {  // may read it (if it throws), never writes it
                if (!unread) syncs_before.push_back(&i);  // (nor reads it, even then: no write-back)
                continue;
            }
            ModRefInfo mr = aa.getModRefInfo(&i, ml);
            if (isModOrRefSet(mr)) syncs_before.push_back(&i);
            if (isModSet(mr)) syncs_after.push_back(&i);
        }
        std::vector<Instruction*> writebacks;
        // A field written through, or never stored by the trace, is never dirty.
        if (!through && loc.stores > 0) {
            // Write back only where the location may be dirty: a forward dataflow over the CFG
            // (dirty after a store of the trace, clean after a write-back or a reload).
            SmallPtrSet<Instruction*, 32> before_set(syncs_before.begin(), syncs_before.end());
            SmallPtrSet<Instruction*, 32> after_set(syncs_after.begin(), syncs_after.end());
            auto transfer = [&](BasicBlock& bb, bool dirty, std::vector<Instruction*>* found) {
                for (Instruction& i : bb) {
                    if (never_touches_memory(i)) continue;
                    if (before_set.count(&i)) {
                        if (dirty && found) found->push_back(&i);
                        dirty = false;
                    }
                    if (after_set.count(&i)) dirty = false;
                    if (auto* st = dyn_cast<StoreInst>(&i); st && in_list.count(&i)) {
                        // (A store of false to a field that holds false in memory changes nothing.)
                        auto* k = dyn_cast<ConstantInt>(st->getValueOperand());
                        if (!(holds_false && k && k->isZero())) dirty = true;
                    }
                }
                return dirty;
            };
            DenseMap<BasicBlock*, bool> out;
            std::vector<BasicBlock*> work;
            for (BasicBlock& bb : f) {
                out[&bb] = false;
                work.push_back(&bb);
            }
            auto dirty_in = [&](BasicBlock* bb) {
                bool d = false;
                for (BasicBlock* p : predecessors(bb)) d = d || out[p];
                return d;
            };
            while (!work.empty()) {
                BasicBlock* bb = work.back();
                work.pop_back();
                bool o = transfer(*bb, dirty_in(bb), nullptr);
                if (o != out[bb]) {
                    out[bb] = o;
                    for (BasicBlock* succ : successors(bb)) work.push_back(succ);
                }
            }
            for (BasicBlock& bb : f) transfer(bb, dirty_in(&bb), &writebacks);
        }

        std::vector<Instruction*> list(loc.accesses.begin(), loc.accesses.end());
        if (through)  // the trace's stores stay (copies outside the promoted list)
            for (Instruction* i : loc.accesses)
                if (auto* st = dyn_cast<StoreInst>(i)) {
                    auto* copy = new StoreInst(st->getValueOperand(), p, st);
                    copy->setAAMetadata(st->getAAMetadata());
                }
        // Entry: the value in memory (or the constant it was checked to be).
        Value* init = known ? static_cast<Value*>(known) : b.CreateLoad(loc.ty, p);
        StoreInst* def = b.CreateStore(init, p);
        list.push_back(def);
        for (Instruction* i : writebacks) {  // write back the current value
            IRBuilder<> wb(i);
            LoadInst* cur = wb.CreateLoad(loc.ty, p);
            wb.CreateStore(cur, p);
            list.push_back(cur);
        }
        for (Instruction* i : syncs_after) {   // and take whatever is there afterwards
            if (auto* call = dyn_cast<CallInst>(i); call && call->isMustTailCall()) continue;  // (only ret follows)
            IRBuilder<> rb(i->getNextNode());
            LoadInst* again = rb.CreateLoad(loc.ty, p);
            list.push_back(rb.CreateStore(again, p));
        }
        SmallPtrSet<Instruction*, 32> all(list.begin(), list.end());
        SmallVector<Instruction*, 64> insts(list.begin(), list.end());
        SSAUpdater ssa;
        Promoter(ArrayRef<const Instruction*>(insts.begin(), insts.end()), ssa, all).run(insts);
    }
}

// The field values a request's entry guard establishes: each flat segment's base, seg_lo_,
// seg_end_ and seg_unlimited_ (0, 0, 4 GB, 4 GB, 1, 1), the CS base, the CPL, the CS limit
// and the SS attributes.
std::vector<FieldConstant> LlvmBackend::specialisation(const TraceRequest& r) const {
    std::vector<FieldConstant> out;
    if (std::getenv("TRAPEZE_JIT_NOSPECIALISE")) return out;  // (the guard stays: for measuring)
    const auto& f = specialised_fields_.ranges;
    auto field = [&](size_t i, uint64_t value) {
        out.push_back({f[i].first, uint64_t(f[i].second - f[i].first), value});
    };
    constexpr size_t kPerSegment = 6;  // base, seg_lo_, seg_end_[0], [1], seg_unlimited_[0], [1]
    for (unsigned seg = 0; seg < 6; ++seg) {
        if (!(r.flat_segs & (1u << seg))) continue;
        field(kPerSegment * seg + 0, 0);
        field(kPerSegment * seg + 1, 0);
        field(kPerSegment * seg + 2, uint64_t{1} << 32);
        field(kPerSegment * seg + 3, uint64_t{1} << 32);
        field(kPerSegment * seg + 4, 1);
        field(kPerSegment * seg + 5, 1);
    }
    if (!(r.flat_segs & (1u << x86::CS)))
        field(kPerSegment * x86::CS + 0, r.cs_base);  // (the guard always checks it)
    field(kPerSegment * 6 + 0, r.cpl);
    field(kPerSegment * 6 + 1, r.cs_limit);
    field(kPerSegment * 6 + 2, r.ss_attr);
    return out;
}

// One pass over the function each time InstCombine runs, not until nothing changes (LLVM
// 14's default): the second pass almost never changed a trace, and cost a tenth of the
// compile time (25 early-boot traces: the same machine code, 10% fewer host instructions).
// LLVM 18 made one iteration the default.
constexpr unsigned kInstCombineIterations = 1;

// The semantics' unspecified values (trapeze_rt_unspecified: flags.h, set_lazy, the lazy
// flags' eager field while an op is recorded). Where the trace also stores other values to
// the fields they go to (a rotate's materialised flags, set_eager), they become `freeze
// poison`: some value, the same at every use, so that what they overwrite, and the
// computation that only it kept alive, goes in the clean-up after promotion (and their
// write-backs are left out, see optimize). Elsewhere the stores of them are simply left out,
// as the interpreter leaves the field: a value there would only be one more field to write
// back at every slow side (2% more compile time, 1.4% more code on the compile measure).
// (Not undef: it reaches leave_to_interpreter's arguments, which clang marks noundef: an undef
// there is undefined behaviour, and with undef some traces of the Linux guest crashed,
// reading guest memory through a soft-TLB entry that a refill had not filled.)
void resolve_unspecified_values(Module& m, Function& trace) {
    Function* unspecified = m.getFunction("trapeze_rt_unspecified");
    if (!unspecified) return;
    const DataLayout& dl = m.getDataLayout();
    const Argument* cpu = trace.getArg(0);
    SmallVector<CallInst*, 32> calls;  // (in a function imported but not inlined too: freeze poison)
    SmallPtrSet<Value*, 32> in_trace;
    for (User* u : unspecified->users())
        if (auto* call = dyn_cast<CallInst>(u)) {
            calls.push_back(call);
            if (call->getFunction() == &trace) in_trace.insert(call);
        }
    std::set<int64_t> fields;  // where the trace stores them
    for (Value* v : in_trace)
        for (User* u : v->users())
            if (auto* st = dyn_cast<StoreInst>(u); st && st->getValueOperand() == v)
                if (const std::optional<int64_t> at = cpu_field_offset(st->getPointerOperand(), cpu, dl))
                    fields.insert(*at);
    bool overwritten = false;  // another value is stored to one of those fields
    for (Instruction& i : instructions(trace))
        if (auto* st = dyn_cast<StoreInst>(&i); st && !in_trace.count(st->getValueOperand()))
            if (const std::optional<int64_t> at = cpu_field_offset(st->getPointerOperand(), cpu, dl))
                overwritten = overwritten || fields.count(*at);
    for (CallInst* call : calls) {
        if (!overwritten && in_trace.count(call))
            for (User* u : make_early_inc_range(call->users()))
                if (auto* st = dyn_cast<StoreInst>(u); st && st->getValueOperand() == call) st->eraseFromParent();
        if (!call->use_empty())
            call->replaceAllUsesWith(new FreezeInst(PoisonValue::get(call->getType()), "unspecified", call));
        call->eraseFromParent();
    }
}

void LlvmBackend::optimize(Module& m, Function& trace, const TraceRequest& r, TraceResult& out) {
    LoopAnalysisManager lam;
    FunctionAnalysisManager fam;
    CGSCCAnalysisManager cgam;
    ModuleAnalysisManager mam;
    PassBuilder pb(tm_.get());
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    // Inlines every always-inline call of the trace function, and the calls that brings in,
    // into the trace function only. (LLVM's AlwaysInliner, a module pass, also inlined each
    // imported handler's and helper's callees into that function's own body, which is never
    // used once it is inlined into the trace: about a tenth of this phase's time, for the
    // same machine code.)
    DenseMap<Function*, bool> viable;
    auto inline_all = [&] {
        SmallVector<CallBase*, 128> work;
        for (Instruction& i : instructions(trace))
            if (auto* call = dyn_cast<CallBase>(&i)) work.push_back(call);
        unsigned budget = 1u << 20;  // (a recursive always-inline function would never end)
        while (!work.empty() && budget--) {
            CallBase* call = work.pop_back_val();
            Function* f = call->getCalledFunction();
            if (!f || f->isDeclaration() || !f->hasFnAttribute(Attribute::AlwaysInline)) continue;
            auto [it, fresh] = viable.try_emplace(f, false);
            if (fresh) it->second = isInlineViable(*f).isSuccess();
            if (!it->second) continue;
            InlineFunctionInfo ifi;
            if (InlineFunction(*call, ifi, nullptr, /*InsertLifetime=*/false).isSuccess())
                work.append(ifi.InlinedCallSites.begin(), ifi.InlinedCallSites.end());
        }
    };
    // The entry guard stays a call until the CPU state is promoted: promote_cpu_state starts
    // the fields the trace is specialised on as the constants the guard checks them to be,
    // and the guard's own loads of those fields must read memory (inlined, they would be
    // promoted too, and the guard would fold to true).
    Function* guard = m.getFunction("trapeze_rt_enter");
    if (guard) {
        guard->removeFnAttr(Attribute::AlwaysInline);
        guard->addFnAttr(Attribute::NoInline);
    }
    // 1. Inline the handlers and the glue into the trace function. The inliner clones a
    //    callee pruned: it folds the loads of the constant instruction's fields (condition
    //    codes, register numbers, operand kinds) and leaves out the paths they make dead;
    //    SimplifyCFG then merges what is left... (EarlyCSE and InstCombine here too cost 3.4%
    //    of the compile time for the same code, 2026-12-05: the passes after promotion fold
    //    the rest. Without SimplifyCFG, compiling crashed: not investigated, so it stays.)
    inline_all();
    {
        FunctionPassManager fpm;
        fpm.addPass(SimplifyCFGPass());
        fpm.run(trace, fam);
    }
    // ...so that inlining the helpers (eval_condition, compute_arith_flags...) clones only
    // the paths that remain.
    for (Function& f : m)
        if (f.hasFnAttribute("trapeze-helper") && !f.hasFnAttribute(Attribute::NoInline))  // (not the guard)
            f.addFnAttr(Attribute::AlwaysInline);
    inline_all();
    if (!r.loops) leave_without_flags(m, trace);
    // A trace with a loop inside makes the lazy flags canonical on the entries into blocks
    // that would read the flags it is entered with (TraceRuntime::canonical_flags), so that
    // the op reaching each of its blocks is a constant or a phi of constants; the switches
    // on it lose their other cases after promotion (prune_switch_cases).
    Function* canonical = m.getFunction("trapeze_rt_canonical_flags");
    BasicBlock* start = nullptr;  // (the builder's block of that name: the entry's switch)
    for (BasicBlock& bb : trace)
        if (bb.getName() == "start") start = &bb;
    if (canonical && start && r.loops && !flags_op_field_.ranges.empty()) {
        SmallVector<BasicBlock*, 8> reading = blocks_reading_entry_flags(*start, flags_op_field_.ranges[0].first);
        out.canonical_entries = unsigned(reading.size());
        for (BasicBlock* head : reading) {
            Instruction* at = SplitEdge(start, head)->getTerminator();
            Value* cpu = CastInst::CreatePointerCast(trace.getArg(0), canonical->getFunctionType()->getParamType(0), "", at);
            InlineFunctionInfo ifi;
            InlineFunction(*CallInst::Create(canonical, {cpu}, "", at), ifi, nullptr, /*InsertLifetime=*/false);
        }
    }
    resolve_unspecified_values(m, trace);
    lap("inline");
    if (g_timer && g_timer->on) g_timer->line += " [" + std::to_string(trace.getInstructionCount()) + " insns]";
    // 2. With everything in one function, say what aliases what (the first pass that asks
    //    is promote_cpu_state's), then what is kept of -O2's function simplification (no
    //    DSE: here it was 8% of the compile time and removed next to nothing; for step 3,
    //    see there).
    const MDNode* cpu_scope = annotate_aliasing(trace);
    if (std::getenv("TRAPEZE_JIT_FULL_O2")) {
        FunctionPassManager fpm =
            pb.buildFunctionSimplificationPipeline(OptimizationLevel::O2, ThinOrFullLTOPhase::None);
        fpm.run(trace, fam);
    } else {
        // What is left of -O2's function simplification for straight-line traces: SROA (the
        // handlers' locals) and SimplifyCFG. No loop passes (a trace's loops are guest loops
        // that leave through the run loop's checks); no GVN (its memory dependence queries
        // were most of the compile time on traces of a few hundred guest instructions, for
        // no measurable gain on the loop benchmark); no EarlyCSE or InstCombine here:
        // promote_cpu_state keeps the CPU state in registers within and across blocks, which
        // is what forwarding memory (EarlyCSE with MemorySSA) did here, and the clean-up
        // after it folds and CSEs what they did. Without EarlyCSE and InstCombine here and
        // before the helpers are inlined, 25 early-boot traces (benches/jit-compile-cost.sh)
        // take 6.93 billion host instructions to compile instead of 8.06 (7.69 with this
        // EarlyCSE kept but without MemorySSA), for code 0.2% larger that runs the same host
        // instructions an iteration of the loop guest and 2% fewer on benches/mpi_loop.asm
        // (2026-12-05). No jump threading here (it and the InstCombine and SimplifyCFG after
        // it were 4% of the compile time for 0.04% of the code, 2026-12-04): the clean-up
        // threads what matters.
        auto run = [&](auto pass, const char* name) {
            FunctionPassManager fpm;
            fpm.addPass(std::move(pass));
            fpm.run(trace, fam);
            if (std::getenv("TRAPEZE_JIT_TIMING_PASSES")) lap(name);
        };
        run(SROAPass(), "sroa");
        run(SimplifyCFGPass(), "simplifycfg");
    }
    lap("simplify");
    if (g_timer && g_timer->on) g_timer->line += " [" + std::to_string(trace.getInstructionCount()) + " insns]";
    // 3. Keep the CPU state in registers between the points that can observe it, and clean up.
    if (!std::getenv("TRAPEZE_JIT_NOPROMOTE"))
        promote_cpu_state(trace, fam.getResult<AAManager>(trace), cpu_scope,
                          std::getenv("TRAPEZE_JIT_NOBLIND") ? FieldRanges{} : blind_fields_, unread_fields_,
                          false_in_memory_fields_,
                          std::getenv("TRAPEZE_JIT_NOTHROUGH") ? FieldRanges{}
                          : r.loops                            ? loop_write_through_fields_
                                                               : write_through_fields_,
                          unpromoted_fields_, refill_unread_fields_, leave_argument_fields_, flags_fields_,
                          specialisation(r));
    guard = m.getFunction("trapeze_rt_enter");
    if (guard) {  // now the guard's loads read the fields in memory, as they must
        guard->removeFnAttr(Attribute::NoInline);
        guard->addFnAttr(Attribute::AlwaysInline);
        inline_all();
    }
    // A write-back of an unspecified value (above) is left out: memory keeps what it
    // holds, which is as good a value as any (otherwise each trace whose instructions set the
    // lazy flags stored one at every slow side of its guest accesses).
    for (Instruction& i : make_early_inc_range(instructions(trace)))
        if (auto* st = dyn_cast<StoreInst>(&i))
            if (auto* v = dyn_cast<FreezeInst>(st->getValueOperand()); v && isa<PoisonValue>(v->getOperand(0)))
                st->eraseFromParent();
    merge_trace_leaves(trace);
    out.cases_pruned = prune_switch_cases(trace);
    fam.invalidate(trace, PreservedAnalyses::none());
    lap("promote");
    {
        FunctionPassManager clean;
        // Promotion turns a field that a slow call may change (end_block after a guest store:
        // self-modifying code) into a phi of "unchanged" on the fast path and a reload after
        // the call; jump threading moves the test that follows onto the slow path (loop
        // guest: 229 host instructions an iteration against 243).
        clean.addPass(JumpThreadingPass());
        clean.addPass(InstCombinePass(kInstCombineIterations));
        clean.addPass(SimplifyCFGPass());
        // No MemorySSA and no DSE here: with them (DSE needs MemorySSA), 25 early-boot traces
        // took 7% more host instructions to compile for 0.7% less code, and the loop guest
        // ran 206 host instructions an iteration against 207 (2026-12-04): compile
        // throughput is what the Linux guest waits on.
        clean.addPass(EarlyCSEPass(false));
        clean.addPass(SimplifyCFGPass());
        // A looping trace's loop has one header (peel_plan): what does not change in it
        // moves out, mostly the address arithmetic of accesses off an unchanged register
        // (gzip's longest_match: the stack slots' TLB indexes and page tags). No loads of
        // the CPU or of guest memory move: every iteration has a slow side that calls out,
        // and the calls may throw. (The adaptor puts the loops in simplified and LCSSA form.)
        if (r.loops && !std::getenv("TRAPEZE_JIT_NOLICM")) {
            clean.addPass(createFunctionToLoopPassAdaptor(LICMPass(), /*UseMemorySSA=*/true));
            clean.addPass(SimplifyCFGPass());
        }
        clean.run(trace, fam);
    }
    // The soft-TLB checks of accesses at addresses a loop does not change, once at its entry
    // (loop_tlb_checks.h). After LICM, which moved their addresses, tags and pages out.
    if (r.loops && !std::getenv("TRAPEZE_JIT_NOLOOPTLB")) {
        auto kind = [](const CallBase& call) {
            if (is_tlb_refill(call)) return LoopCallKind::kRefill;
            if (is_trace_leave(call) || is_make_flags_eager(call) || call.doesNotReturn())
                return LoopCallKind::kHarmless;
            return LoopCallKind::kUnknown;
        };
        const auto [begin, end] = tlb_fields_.ranges[0];
        out.loop_tlb_checks = check_tlb_once_per_loop(trace, trace.getArg(0), begin, end, kind).accesses;
        fam.invalidate(trace, PreservedAnalyses::none());
    }
    lap("clean");
    if (g_timer && g_timer->on) g_timer->line += " [" + std::to_string(trace.getInstructionCount()) + " insns]";
    // 4. Drop what is no longer referenced.
    {
        ModulePassManager mpm;
        mpm.addPass(GlobalDCEPass());
        mpm.run(m, mam);
    }
}

void LlvmBackend::install(const orc::ResourceTrackerSP& rt, const std::string& name, const TraceRequest& r,
                          TraceResult& out) {
    if (auto sym = jit_->lookup(name)) {
        if (auto enter = jit_->lookup(name + "_enter")) {
            out.fn = reinterpret_cast<x86::NativeTrace>(enter->getAddress());
            out.body = reinterpret_cast<x86::NativeBody>(sym->getAddress());
            out.code = std::make_shared<OrcCode>(rt);
            out.code_bytes = t_object_bytes;
            if (perf_map_) {  // (the object's code, E after T)
                std::fprintf(perf_map_, "%llx %llx %s_%x:%x\n", (unsigned long long)sym->getAddress(),
                             (unsigned long long)t_object_bytes, name.c_str(), r.cs_base, r.blocks[0].eip);
                std::fflush(perf_map_);
            }
        } else {
            out.error = toString(enter.takeError());
        }
    } else {
        out.error = toString(sym.takeError());
    }
    if (!out.fn)
        if (Error e = rt->remove()) consumeError(std::move(e));
}

bool LlvmBackend::load_from_disk(const std::string& key, const std::string& name, const TraceRequest& r,
                                 TraceResult& out) {
    std::optional<DiskCacheEntry> e = disk_.load(key);
    if (!e) return false;
    orc::ResourceTrackerSP rt = jit_->getMainJITDylib().createResourceTracker();
    t_object_bytes = 0;
    if (Error err = jit_->addObjectFile(rt, MemoryBuffer::getMemBufferCopy(e->object, name))) {
        consumeError(std::move(err));
        if (Error e2 = rt->remove()) consumeError(std::move(e2));
    } else {
        install(rt, name, r, out);
    }
    if (!out.fn) {  // a whole file LLVM cannot link: compile it instead (and replace the file)
        disk_.reject_loaded();
        out = TraceResult{};
        return false;
    }
    out.inlined = e->meta.inlined;
    out.called = e->meta.called;
    out.canonical_entries = e->meta.canonical_entries;
    out.cases_pruned = e->meta.cases_pruned;
    out.peeled = e->meta.peeled;
    out.loop_tlb_checks = e->meta.loop_tlb_checks;
    out.from_disk = true;
    return true;
}

TraceResult LlvmBackend::compile(const TraceRequest& r, bool use_disk, bool try_load) {
    const double t0 = thread_cpu_seconds();
    TraceResult out;
    std::string disk_key;
    const bool persist = use_disk && disk_.is_open() && portable_trace_key(r, disk_key);
    std::string name = persist ? persisted_name(disk_key) : "trapeze_trace_" + std::to_string(seq_++);
    if (persist && try_load && load_from_disk(disk_key, name, r, out)) {
        out.seconds = thread_cpu_seconds() - t0;
        return out;
    }
    PhaseTimer timer;
    g_timer = &timer;
    std::unique_ptr<Module> M;
    for (int attempt = 0; attempt < 8 && !M; ++attempt) {
        std::string failed;
        out = TraceResult{};
        M = build(r, name, out, failed);
        if (!M && failed.empty()) break;          // not a handler's fault: give up
        if (!M) {
            blacklist_.insert(failed);            // call that handler through its pointer
            handler_cache_.clear();
        }
    }
    const char* dump = std::getenv("TRAPEZE_JIT_DUMP");  // directory: IR before/after -O2
    auto write = [&](const char* suffix) {
        std::error_code ec;
        raw_fd_ostream os(std::string(dump) + "/" + name + suffix, ec);
        if (!ec) M->print(os, nullptr);
    };
    if (M) {
        lap("build");
        if (dump) write(".ll");
        optimize(*M, *M->getFunction(name), r, out);
        if (dump) write(".opt.ll");
        // (Cheap next to the rest; the passes after promotion must have kept the tail call a
        // tail call, or a chain of traces would grow the host stack.)
        std::string bad;
        raw_string_ostream bs(bad);
        if (verifyFunction(*M->getFunction(name), &bs)) {
            out.error = "invalid trace IR after optimisation: " + bs.str();
            out.seconds = thread_cpu_seconds() - t0;
            g_timer = nullptr;
            return out;
        }
        orc::ResourceTrackerSP rt = jit_->getMainJITDylib().createResourceTracker();
        t_object_bytes = 0;
        // A handler called through its pointer is an address of this process in the code:
        // such a trace is not kept.
        t_capture_object = persist && out.called == 0;
        t_captured_object.clear();
        if (Error e = jit_->addIRModule(rt, orc::ThreadSafeModule(std::move(M), tsc_))) {
            out.error = toString(std::move(e));
        } else {
            install(rt, name, r, out);
            if (out.fn) lap("codegen");
        }
        t_capture_object = false;
        if (out.fn && !t_captured_object.empty())
            disk_.store(disk_key, t_captured_object,
                        {out.inlined, out.called, out.canonical_entries, out.cases_pruned, out.peeled,
                         out.loop_tlb_checks});
    }
    out.seconds = thread_cpu_seconds() - t0;
    g_timer = nullptr;
    return out;
}

LlvmBackend* g_backend = nullptr;

void shutdown_backend() {
    if (g_backend) g_backend->shutdown();
}

}  // namespace

Backend* Backend::instance() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Lives until exit; its thread, started by the first request, is joined by atexit.
        g_backend = new LlvmBackend();
    });
    return g_backend;
}

TraceResult Backend::compile_now(TraceRequest req) {
    std::promise<TraceResult> p;
    auto f = p.get_future();
    submit(std::move(req), [&p](TraceResult r) { p.set_value(std::move(r)); });
    return f.get();
}

}  // namespace trapeze::bt
