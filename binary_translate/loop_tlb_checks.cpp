#include "binary_translate/loop_tlb_checks.h"

#include <optional>
#include <vector>

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Operator.h>

using namespace llvm;

namespace trapeze::bt {
namespace {

// A soft-TLB entry's fields (X86Cpu's TlbEntry): the tags the compiled access compares with
// its page, and the addend it adds to the linear address.
constexpr int64_t kEntryBytes = 16, kTagRead = 0, kTagWrite = 4, kAddend = 8;

const Value* through_trivial_phis(const Value* v) {
    while (const auto* phi = dyn_cast<PHINode>(v)) {
        const Value* same = phi->hasConstantValue();
        if (!same) break;
        v = same;
    }
    return v;
}

// A pointer as base + one variable byte index + a constant: how a compiled access addresses
// its soft-TLB entry (the CPU object, plus the entry's offset from the linear address, plus
// the table's and the field's offsets). A phi whose incoming values are all one value is that
// value (promotion leaves such phis where the two sides of a slow path join).
struct EntryAddress {
    const Value* base = nullptr;
    const Value* index = nullptr;
    int64_t offset = 0;
    bool operator==(const EntryAddress&) const = default;
};

std::optional<EntryAddress> entry_address(const Value* p, const DataLayout& dl) {
    EntryAddress a;
    for (;;) {
        p = through_trivial_phis(p);
        if (const auto* cast = dyn_cast<BitCastOperator>(p)) {
            p = cast->getOperand(0);
            continue;
        }
        const auto* gep = dyn_cast<GEPOperator>(p);
        if (!gep) break;
        APInt off(dl.getIndexTypeSizeInBits(gep->getType()), 0);
        if (gep->accumulateConstantOffset(dl, off)) {
            a.offset += off.getSExtValue();
        } else if (gep->getNumIndices() == 1 && gep->getSourceElementType()->isIntegerTy(8) && !a.index) {
            a.index = through_trivial_phis(gep->getOperand(1));
        } else {
            return std::nullopt;
        }
        p = gep->getPointerOperand();
    }
    a.base = p;
    return a;
}

struct Range {
    const Value* cpu;
    int64_t begin, end;
};

// Whether a store through ptr of `bytes` bytes may write the soft TLB: through the CPU object
// at an offset not known, or at one inside the table.
bool may_write_tlb(const Value* ptr, uint64_t bytes, const Range& tlb, const DataLayout& dl) {
    if (getUnderlyingObject(ptr, 0) != tlb.cpu) return false;
    APInt off(dl.getIndexTypeSizeInBits(ptr->getType()), 0);
    if (ptr->stripAndAccumulateConstantOffsets(dl, off, true) != tlb.cpu) return true;
    const int64_t at = off.getSExtValue();
    return at < tlb.end && at + int64_t(bytes) > tlb.begin;
}

// Nothing in the loop flushes a translation or writes a soft-TLB entry other than through a
// refill (see the header).
bool loop_is_clean(const Loop& loop, const Range& tlb, function_ref<LoopCallKind(const CallBase&)> call_kind,
                   const DataLayout& dl) {
    for (const BasicBlock* bb : loop.blocks())
        for (const Instruction& i : *bb) {
            if (!i.mayWriteToMemory()) continue;
            if (const auto* mem = dyn_cast<AnyMemIntrinsic>(&i)) {
                const auto* len = dyn_cast<ConstantInt>(mem->getLength());
                if (may_write_tlb(mem->getRawDest(), len ? len->getZExtValue() : ~0ull >> 1, tlb, dl)) return false;
            } else if (const auto* call = dyn_cast<CallBase>(&i)) {
                if (call_kind(*call) == LoopCallKind::kUnknown) return false;
            } else if (const auto* store = dyn_cast<StoreInst>(&i)) {
                const uint64_t bytes = dl.getTypeStoreSize(store->getValueOperand()->getType());
                if (may_write_tlb(store->getPointerOperand(), bytes, tlb, dl)) return false;
            } else {
                return false;  // an atomic, a fence...
            }
        }
    return true;
}

// One compiled access inside a loop, as X86Cpu::read and write (TRAPEZE_TRACE_BITCODE) come out
// of promotion and the clean-up:
//   check:  ...  %t = load i32 <tag>; %hit = icmp eq %t, <page>; br %hit, %join, %refill
//   refill: %ok = call tlb_refill(...); br %ok, %join, %leave
//   join:   ... %a = load i64 <addend of the same entry> ... the access at %a + lin
// where <tag>, <page> and the entry do not change in the loop.
struct Access {
    LoadInst* tag;
    Value* page;
    BasicBlock* join;
    LoadInst* addend;
    int64_t tag_field;  // kTagRead or kTagWrite
};

std::optional<Access> match_access(const Loop& loop, CallBase& call, const Range& tlb, const DataLayout& dl) {
    BasicBlock* refill = call.getParent();
    BasicBlock* check = refill->getSinglePredecessor();
    auto* refill_br = dyn_cast<BranchInst>(refill->getTerminator());
    if (!check || !loop.contains(check) || !refill_br || !refill_br->isConditional() ||
        refill_br->getCondition() != &call)
        return std::nullopt;
    BasicBlock* join = refill_br->getSuccessor(0);
    auto* br = dyn_cast<BranchInst>(check->getTerminator());
    if (!br || !br->isConditional()) return std::nullopt;
    auto* cmp = dyn_cast<ICmpInst>(br->getCondition());
    if (!cmp || !cmp->hasOneUse() || cmp->getParent() != check) return std::nullopt;
    const bool eq = cmp->getPredicate() == ICmpInst::ICMP_EQ;
    if (!eq && cmp->getPredicate() != ICmpInst::ICMP_NE) return std::nullopt;
    if (br->getSuccessor(eq ? 0 : 1) != join || br->getSuccessor(eq ? 1 : 0) != refill) return std::nullopt;
    auto* tag = dyn_cast<LoadInst>(cmp->getOperand(0));
    Value* page = cmp->getOperand(1);
    if (!tag) {
        tag = dyn_cast<LoadInst>(cmp->getOperand(1));
        page = cmp->getOperand(0);
    }
    // The check's tail is the tag's load, the compare and the branch: the loop's fast path
    // skips exactly those.
    if (!tag || !tag->isSimple() || !tag->hasOneUse() || tag->getParent() != check) return std::nullopt;
    for (const Instruction* i = tag->getNextNode(); i != br; i = i->getNextNode())
        if (i != cmp) return std::nullopt;
    if (!loop.isLoopInvariant(tag->getPointerOperand()) || !loop.isLoopInvariant(page)) return std::nullopt;
    const auto entry = entry_address(tag->getPointerOperand(), dl);
    if (!entry || entry->base != tlb.cpu || !entry->index || entry->offset < tlb.begin ||
        entry->offset >= tlb.end)
        return std::nullopt;
    const int64_t field = (entry->offset - tlb.begin) % kEntryBytes;
    if (field != kTagRead && field != kTagWrite) return std::nullopt;
    // The join is reached from the check and the refill only, its phis are each one value
    // (promotion's, where the two paths join: the fast path skips the join), and it loads the
    // addend of the same entry before anything writes memory.
    if (join == check || join == refill || !join->hasNPredecessors(2)) return std::nullopt;
    for (PHINode& phi : join->phis())
        if (!phi.hasConstantValue()) return std::nullopt;
    EntryAddress want = *entry;
    want.offset += kAddend - field;
    for (Instruction& i : *join) {
        if (auto* load = dyn_cast<LoadInst>(&i); load && load->isSimple() && load->getType()->isIntegerTy(64)) {
            const auto at = entry_address(load->getPointerOperand(), dl);
            if (at && *at == want) return Access{tag, page, join, load, field};
        }
        // What comes before the load is skipped too: its address, nothing used further on.
        if (i.mayWriteToMemory()) break;
        if (!isa<PHINode>(i))
            for (const User* u : i.users())
                if (cast<Instruction>(u)->getParent() != join) return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

LoopTlbStats check_tlb_once_per_loop(Function& f, const Value* cpu, int64_t tlb_begin, int64_t tlb_end,
                                     function_ref<LoopCallKind(const CallBase&)> call_kind) {
    LoopTlbStats stats;
    const DataLayout& dl = f.getParent()->getDataLayout();
    const Range tlb{cpu, tlb_begin, tlb_end};
    DominatorTree dt(f);
    LoopInfo loops(dt);
    // Found first, for every outermost loop, then rewritten: each rewrite splits its own
    // check's block and join, so the accesses found stay valid.
    std::vector<std::pair<BasicBlock*, std::vector<Access>>> work;
    for (Loop* loop : loops) {
        BasicBlock* preheader = loop->getLoopPreheader();
        if (!preheader || !loop_is_clean(*loop, tlb, call_kind, dl)) continue;
        std::vector<Access> accesses;
        for (BasicBlock* bb : loop->blocks())
            for (Instruction& i : *bb)
                if (auto* call = dyn_cast<CallBase>(&i); call && call_kind(*call) == LoopCallKind::kRefill)
                    if (auto a = match_access(*loop, *call, tlb, dl)) accesses.push_back(*a);
        if (!accesses.empty()) work.emplace_back(preheader, std::move(accesses));
    }
    LLVMContext& ctx = f.getContext();
    Type* i8p = Type::getInt8PtrTy(ctx);
    MDNode* likely = MDBuilder(ctx).createBranchWeights(2000, 1);
    for (auto& [preheader, accesses] : work) {
        // The preheader: every entry's tag and addend, loaded once; all_hit when every tag
        // matches its page. (Two accesses with the same tag and page share them.)
        IRBuilder<> b(preheader->getTerminator());
        struct Kept {
            Value* tag_ptr;
            Value* page;
            Value* addend;
        };
        std::vector<Kept> kept;
        std::vector<size_t> of(accesses.size());
        Value* all_hit = b.getTrue();
        for (size_t k = 0; k < accesses.size(); ++k) {
            const Access& a = accesses[k];
            Value* tag_ptr = a.tag->getPointerOperand();
            size_t j = 0;
            while (j < kept.size() && !(kept[j].tag_ptr == tag_ptr && kept[j].page == a.page)) ++j;
            if (j == kept.size()) {
                LoadInst* tag = b.CreateLoad(a.tag->getType(), tag_ptr);
                tag->copyMetadata(*a.tag);
                Value* entry = b.CreateBitCast(tag_ptr, i8p);
                Value* addend_ptr = b.CreateBitCast(b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), entry, kAddend - a.tag_field),
                                                    a.addend->getPointerOperandType());
                LoadInst* addend = b.CreateLoad(a.addend->getType(), addend_ptr);
                addend->copyMetadata(*a.addend);
                all_hit = b.CreateAnd(all_hit, b.CreateICmpEQ(tag, a.page));
                kept.push_back({tag_ptr, a.page, addend});
            }
            of[k] = j;
        }
        // Each access: when all_hit, from the check's head straight past the addend's load,
        // with the kept addend; otherwise the check and the load as before.
        //   head: ... br all_hit, %rest, %check      check: tag, compare, br %join, %refill
        //   join: %a = load <addend>; br %rest        rest: phi [%a, %join], [kept, %head] ...
        for (size_t k = 0; k < accesses.size(); ++k) {
            const Access& a = accesses[k];
            for (PHINode& phi : make_early_inc_range(a.join->phis())) {
                phi.replaceAllUsesWith(phi.hasConstantValue());
                phi.eraseFromParent();
            }
            BasicBlock* rest = a.join->splitBasicBlock(a.addend->getNextNode(), a.join->getName() + ".rest");
            BasicBlock* head = a.tag->getParent();
            BasicBlock* check = head->splitBasicBlock(a.tag, head->getName() + ".check");
            head->getTerminator()->eraseFromParent();
            BranchInst::Create(rest, check, all_hit, head)->setMetadata(LLVMContext::MD_prof, likely);
            PHINode* addend = PHINode::Create(a.addend->getType(), 2, "addend", &rest->front());
            a.addend->replaceAllUsesWith(addend);
            addend->addIncoming(a.addend, a.join);
            addend->addIncoming(kept[of[k]].addend, head);
            ++stats.accesses;
        }
        ++stats.loops;
    }
    return stats;
}

}  // namespace trapeze::bt
