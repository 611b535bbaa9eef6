// Which blocks of a trace are compiled twice so that its loops have one header: the plan
// (peel_plan.h); the builder (llvm_backend.cpp) follows it.
#include "binary_translate/peel_plan.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>

#include "isa/x86/instruction_table.h"

namespace trapeze::bt {

namespace {

const x86::FormInfo* form_of(const x86::DecodedInsn& in) {
    const auto forms = x86::forms();
    return in.form < forms.size() ? &forms[in.form] : nullptr;
}

uint32_t end_of(const TraceBlock& b) {
    uint32_t eip = b.eip;
    for (const x86::DecodedInsn& in : b.insns) eip += in.len;
    return eip;
}

}  // namespace

bool ends_indirect(const x86::DecodedInsn& last) {
    const x86::FormInfo* f = form_of(last);
    return f && (f->attrs & x86::END) && std::string_view(f->operands) != "j";
}

std::vector<size_t> trace_successors(const TraceRequest& r, size_t j) {
    const TraceBlock& tb = r.blocks[j];
    std::vector<size_t> out;
    if (tb.insns.empty()) return out;
    auto add = [&](uint32_t eip) {
        for (size_t k = 0; k < r.blocks.size(); ++k)
            if (r.blocks[k].eip == eip && std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    };
    const x86::DecodedInsn& last = tb.insns.back();
    const x86::FormInfo* f = form_of(last);
    const uint32_t next = end_of(tb);
    if (!f || !(f->attrs & x86::END)) {
        add(next);
    } else if (!ends_indirect(last)) {
        const uint32_t mask = last.opsize == 2 ? 0xFFFFu : 0xFFFFFFFFu;
        add((next + last.imm) & mask);
        if (f->mnemonic != ZYDIS_MNEMONIC_JMP && f->mnemonic != ZYDIS_MNEMONIC_CALL) add(next);
    } else {
        for (uint32_t t : tb.seen_targets) add(t);
        if (f->mnemonic == ZYDIS_MNEMONIC_RET && std::string_view(f->operands) == "*")
            for (const TraceBlock& b : r.blocks)
                if (!b.insns.empty()) {
                    const x86::FormInfo* g = form_of(b.insns.back());
                    if (g && g->mnemonic == ZYDIS_MNEMONIC_CALL) add(end_of(b));
                }
    }
    return out;
}

PeelPlan peel_plan(const TraceRequest& r) {
    const size_t n = r.blocks.size();
    PeelPlan plan{std::vector<int>(n, -1), {}, std::vector<bool>(n, false)};
    std::vector<std::vector<size_t>> succ(n);
    for (size_t j = 0; j < n; ++j) succ[j] = trace_successors(r, j);
    // The cycles: Tarjan's strongly connected components (a trace has at most a few dozen
    // blocks), those with an edge inside.
    std::vector<int> index(n, -1), low(n, 0);
    std::vector<bool> on_stack(n, false);
    std::vector<size_t> stack;
    int counter = 0, cycles = 0;
    std::function<void(size_t)> connect = [&](size_t v) {
        index[v] = low[v] = counter++;
        stack.push_back(v);
        on_stack[v] = true;
        for (size_t w : succ[v]) {
            if (index[w] < 0) {
                connect(w);
                low[v] = std::min(low[v], low[w]);
            } else if (on_stack[w]) {
                low[v] = std::min(low[v], index[w]);
            }
        }
        if (low[v] != index[v]) return;
        std::vector<size_t> members;
        for (size_t w = SIZE_MAX; w != v;) {
            w = stack.back();
            stack.pop_back();
            on_stack[w] = false;
            members.push_back(w);
        }
        const bool self_loop = std::find(succ[v].begin(), succ[v].end(), v) != succ[v].end();
        if (members.size() < 2 && !self_loop) return;
        for (size_t w : members) plan.cycle[w] = cycles;
        cycles++;
    };
    for (size_t v = 0; v < n; ++v)
        if (index[v] < 0) connect(v);
    // Headers. Every block on the entry's page is an entry (the engine installs the trace in
    // each), and so is a block of the cycle that a block outside it goes to; with header h,
    // the copies are the cycle's blocks that those entries reach without passing h. So each
    // cycle's header is the block for which they hold the fewest instructions (for a loop of
    // two blocks, the larger: busybox's sha256 round loop is 45 instructions entered at its
    // head from the function's prologue and a 10-instruction tail where its trace formed);
    // ties go to the first in breadth-first order from the entry block, else in the trace's
    // order.
    std::vector<size_t> order{0};
    std::vector<bool> seen(n, false);
    seen[0] = true;
    for (size_t i = 0; i < order.size(); ++i)
        for (size_t w : succ[order[i]])
            if (!seen[w]) seen[w] = true, order.push_back(w);
    for (size_t v = 0; v < n; ++v)
        if (!seen[v]) order.push_back(v);  // (the unreached, in order)
    std::vector<bool> entered(n, false);
    for (size_t k = 0; k < n; ++k)
        if (plan.cycle[k] >= 0 && r.blocks[k].code.empty()) entered[k] = true;
    for (size_t u = 0; u < n; ++u)
        for (size_t k : succ[u])
            if (plan.cycle[k] >= 0 && plan.cycle[u] != plan.cycle[k]) entered[k] = true;
    // The instructions copied for cycle c with header h.
    auto copy_cost = [&](int c, size_t h) {
        std::vector<bool> in(n, false);
        std::vector<size_t> todo;
        for (size_t k = 0; k < n; ++k)
            if (plan.cycle[k] == c && entered[k] && k != h) in[k] = true, todo.push_back(k);
        size_t insns = 0;
        while (!todo.empty()) {
            const size_t u = todo.back();
            todo.pop_back();
            insns += r.blocks[u].insns.size();
            for (size_t k : succ[u])
                if (plan.cycle[k] == c && k != h && !in[k]) in[k] = true, todo.push_back(k);
        }
        return insns;
    };
    plan.header.assign(size_t(cycles), SIZE_MAX);
    std::vector<size_t> best(size_t(cycles), SIZE_MAX);
    for (size_t v : order) {
        const int c = plan.cycle[v];
        if (c < 0) continue;
        const size_t cost = copy_cost(c, v);
        if (cost < best[size_t(c)]) best[size_t(c)] = cost, plan.header[size_t(c)] = v;
    }
    auto copyable = [&](size_t k) { return plan.cycle[k] >= 0 && plan.header[size_t(plan.cycle[k])] != k; };
    // The copies: the blocks of a cycle but its header that are entered (above) or that a
    // copy goes to, until the header.
    std::vector<size_t> work;
    auto need = [&](size_t k) {
        if (copyable(k) && !plan.copied[k]) plan.copied[k] = true, work.push_back(k);
    };
    for (size_t k = 0; k < n; ++k)
        if (entered[k]) need(k);
    while (!work.empty()) {
        const size_t u = work.back();
        work.pop_back();
        for (size_t k : succ[u]) need(k);
    }
    return plan;
}

}  // namespace trapeze::bt
