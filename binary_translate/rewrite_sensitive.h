// The --virt=bt rewriting pass (DESIGN.md §2 step 3, docs/monitor.md): every freshly decoded
// block passes through it before either engine runs it. Each instruction whose form the
// instruction table classes as sensitive and unprivileged (the PG column of forms.inc) gets
// the monitor-trap handler in place of its own; the monitor then emulates it on the guest's
// virtual state. The statistics count each rewritten instruction once, by physical address. The interpreter and the JIT consume the same rewritten block.
#pragma once

#include <cstdint>
#include <unordered_set>

#include "cpu/virt_mode.h"
#include "isa/x86/cpu.h"

namespace trapeze::bt {

class SensitiveRewriter final : public x86::BlockRewriter {
public:
    explicit SensitiveRewriter(cpu::MonitorStats& stats) : stats_(stats) {}
    void rewrite(x86::Block& b) override;

private:
    cpu::MonitorStats& stats_;
    std::unordered_set<uint64_t> seen_;  // physical addresses of the instructions rewritten
};

}  // namespace trapeze::bt
